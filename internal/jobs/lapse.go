package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// Lapser records the end of the sessions that lapsed (idle or past their
// lifetime) without a sign-out, and says how many (session.Service).
type Lapser interface {
	EndLapsed(ctx context.Context) (int, error)
}

// Lapse registers the periodic job that records lapsed sessions' end:
// every interval (0: a minute) the leader inserts one job. Single sign-on
// hears of each end, so that a site learns of a sign-in that timed out
// here within about a minute (back-channel logout).
func Lapse(l Lapser, every time.Duration, log *slog.Logger) Registration {
	if every <= 0 {
		every = time.Minute
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(r *Registry) {
		AddWorker(r, &lapseWorker{l: l, log: log})
		r.Periodic(every, lapseArgs{})
	}
}

type lapseArgs struct{}

func (lapseArgs) Kind() string { return "session.lapse" }

func (lapseArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 30 * time.Second}}
}

type lapseWorker struct {
	river.WorkerDefaults[lapseArgs]
	l   Lapser
	log *slog.Logger
}

// Timeout: a backlog after a pause of the nodes takes longer than a
// delivery.
func (w *lapseWorker) Timeout(*river.Job[lapseArgs]) time.Duration { return 5 * time.Minute }

func (w *lapseWorker) Work(ctx context.Context, _ *river.Job[lapseArgs]) error {
	n, err := w.l.EndLapsed(ctx)
	if n > 0 {
		w.log.Info("jobs: lapsed sessions ended", "count", n)
	}
	return err
}
