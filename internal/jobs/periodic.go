package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// countWorker is a periodic job's worker that does its work once and logs
// how many things it did (accounts erased, lapsed sessions ended): what
// Erasure and Lapse share.
type countWorker[A river.JobArgs] struct {
	river.WorkerDefaults[A]
	work func(ctx context.Context) (int, error)
	log  *slog.Logger
	msg  string // the log line's message when something was done
}

// Timeout: a backlog takes longer than a delivery.
func (w *countWorker[A]) Timeout(*river.Job[A]) time.Duration { return 5 * time.Minute }

func (w *countWorker[A]) Work(ctx context.Context, _ *river.Job[A]) error {
	n, err := w.work(ctx)
	if n > 0 {
		w.log.Info(w.msg, "count", n)
	}
	return err
}

// periodic registers a job of args every period (def when not positive),
// inserted by the leader, whose worker runs work.
func periodic[A river.JobArgs](args A, every, def time.Duration, work func(context.Context) (int, error), log *slog.Logger, msg string) Registration {
	if every <= 0 {
		every = def
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(r *Registry) {
		AddWorker(r, &countWorker[A]{work: work, log: log, msg: msg})
		r.Periodic(every, args)
	}
}
