package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// Sweeper deletes rows that have outlived their use, in batches of at most
// batch rows per statement (store.Retention implements it).
type Sweeper interface {
	DeleteFlowsEndedBefore(ctx context.Context, before time.Time, batch int) (int64, error)
	DeleteSessionsEndedBefore(ctx context.Context, before time.Time, batch int) (int64, error)
	DeleteSignInsBefore(ctx context.Context, before time.Time, batch int) (int64, error)
	DeleteNotificationsCreatedBefore(ctx context.Context, before time.Time, batch int) (int64, error)
	DeleteRateLimitsPastHorizon(ctx context.Context, now time.Time, batch int) (int64, error)
}

// RetentionPolicy says how long each kind of row is kept after it has
// ended (KABINET_RETENTION_*). A period that is not positive turns its
// sweep off. The audit log is append-only and never swept.
type RetentionPolicy struct {
	Flows         time.Duration // after a flow expired or finished
	Sessions      time.Duration // after a session ended or expired
	SignIns       time.Duration // sign-in history, after the sign-in
	Notifications time.Duration // notifications (codes, links, addresses), after they were created
	// Every is how often the sweep runs (0: 15 minutes); Batch how many
	// rows one statement deletes (0: 500).
	Every time.Duration
	Batch int
}

// Retention registers the periodic sweep: every p.Every the leader inserts
// one job, which deletes what has outlived p as of now() (the injected
// clock) and logs how many rows of each kind went.
func Retention(s Sweeper, p RetentionPolicy, now func() time.Time, log *slog.Logger) Registration {
	if p.Every <= 0 {
		p.Every = 15 * time.Minute
	}
	if p.Batch <= 0 {
		p.Batch = 500
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(r *Registry) {
		AddWorker(r, &retentionWorker{s: s, p: p, now: now, log: log})
		r.Periodic(p.Every, retentionArgs{})
	}
}

// retentionArgs keeps the kind of the clean-up job it replaces, so that
// such a job left queued by an earlier version still finds a worker.
type retentionArgs struct{}

func (retentionArgs) Kind() string { return "store.cleanup" }

func (retentionArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 10 * time.Minute}}
}

type retentionWorker struct {
	river.WorkerDefaults[retentionArgs]
	s   Sweeper
	p   RetentionPolicy
	now func() time.Time
	log *slog.Logger
}

// Timeout: a first sweep of a large backlog takes longer than a delivery.
func (w *retentionWorker) Timeout(*river.Job[retentionArgs]) time.Duration { return 5 * time.Minute }

func (w *retentionWorker) Work(ctx context.Context, _ *river.Job[retentionArgs]) error {
	now := w.now()
	sweeps := []struct {
		name   string
		period time.Duration
		del    func(context.Context, time.Time, int) (int64, error)
	}{
		{"flows", w.p.Flows, w.s.DeleteFlowsEndedBefore},
		{"sessions", w.p.Sessions, w.s.DeleteSessionsEndedBefore},
		{"sign_ins", w.p.SignIns, w.s.DeleteSignInsBefore},
		{"notifications", w.p.Notifications, w.s.DeleteNotificationsCreatedBefore},
	}
	args := make([]any, 0, 2*len(sweeps)+2)
	for _, sw := range sweeps {
		if sw.period <= 0 {
			continue
		}
		n, err := sw.del(ctx, now.Add(-sw.period), w.p.Batch)
		if err != nil {
			return err
		}
		args = append(args, sw.name, n)
	}
	n, err := w.s.DeleteRateLimitsPastHorizon(ctx, now, w.p.Batch)
	if err != nil {
		return err
	}
	w.log.Info("jobs: retention sweep", append(args, "throttles", n)...)
	return nil
}
