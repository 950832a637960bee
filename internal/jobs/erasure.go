package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// Eraser erases the accounts whose deletion is due as of its own (injected)
// clock, and says how many it erased (deletion.Service).
type Eraser interface {
	EraseDue(ctx context.Context) (int, error)
}

// Erasure registers the periodic job of account deletion: every interval
// (0: 15 minutes) the leader inserts one job, which erases the accounts
// whose grace period has ended.
func Erasure(e Eraser, every time.Duration, log *slog.Logger) Registration {
	if every <= 0 {
		every = 15 * time.Minute
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(r *Registry) {
		AddWorker(r, &erasureWorker{e: e, log: log})
		r.Periodic(every, erasureArgs{})
	}
}

type erasureArgs struct{}

func (erasureArgs) Kind() string { return "account.erase" }

func (erasureArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 10 * time.Minute}}
}

type erasureWorker struct {
	river.WorkerDefaults[erasureArgs]
	e   Eraser
	log *slog.Logger
}

// Timeout: a backlog of due accounts takes longer than a delivery.
func (w *erasureWorker) Timeout(*river.Job[erasureArgs]) time.Duration { return 5 * time.Minute }

func (w *erasureWorker) Work(ctx context.Context, _ *river.Job[erasureArgs]) error {
	n, err := w.e.EraseDue(ctx)
	if n > 0 {
		w.log.Info("jobs: accounts erased", "count", n)
	}
	return err
}
