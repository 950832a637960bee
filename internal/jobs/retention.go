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
	DeleteContactUndosEndedBefore(ctx context.Context, before time.Time, batch int) (int64, error)
	DeleteRateLimitsPastHorizon(ctx context.Context, now time.Time, batch int) (int64, error)
	DeleteSSORequestsEndedBefore(ctx context.Context, before time.Time, batch int) (int64, error)
	DeleteSSOTokensExpiredBefore(ctx context.Context, before time.Time, batch int) (int64, error)
	DeleteSSOAssertionsExpired(ctx context.Context, now time.Time, batch int) (int64, error)
}

// defaultBatch is how many rows one statement of a sweep deletes when the
// policy does not say.
const defaultBatch = 500

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
	w := newRetentionWorker(s, p, now, log)
	return func(r *Registry) {
		AddWorker(r, w)
		r.Periodic(w.p.Every, retentionArgs{})
	}
}

func newRetentionWorker(s Sweeper, p RetentionPolicy, now func() time.Time, log *slog.Logger) *retentionWorker {
	if p.Every <= 0 {
		p.Every = 15 * time.Minute
	}
	if p.Batch <= 0 {
		p.Batch = defaultBatch
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &retentionWorker{s: s, p: p, now: now, log: log}
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
	n, err := w.p.Sweep(ctx, w.s, w.now())
	if err != nil {
		return err
	}
	args := make([]any, 0, 10)
	for _, k := range []struct {
		name   string
		period time.Duration
		n      int64
	}{{"flows", w.p.Flows, n.Flows}, {"sessions", w.p.Sessions, n.Sessions}, {"sign_ins", w.p.SignIns, n.SignIns}, {"notifications", w.p.Notifications, n.Notifications}, {"contact_undos", w.p.Flows, n.ContactUndos},
		{"sso_requests", w.p.Flows, n.SSORequests}, {"sso_tokens", w.p.Sessions, n.SSOTokens}} {
		if k.period > 0 {
			args = append(args, k.name, k.n)
		}
	}
	w.log.Info("jobs: retention sweep", append(args, "sso_assertions", n.SSOAssertions, "throttles", n.RateLimits)...)
	return nil
}

// Swept is how many rows of each kind one sweep deleted.
type Swept struct {
	Flows, Sessions, SignIns, Notifications int64
	ContactUndos                            int64 // undo links of contact changes, kept as long as flows
	RateLimits                              int64 // throttle buckets and event logs
	// Single sign-on's requests and codes (kept as long as flows), its
	// expired tokens (as long as sessions) and its client assertions
	// (until they expire).
	SSORequests, SSOTokens, SSOAssertions int64
}

// Sweep deletes, as of now, what has outlived p: the flows, sessions,
// sign-ins and notifications older than their periods (a period that is
// not positive keeps its kind), and the throttle rows too old to count for
// any rule. The first failure ends it; Swept holds what went before.
func (p RetentionPolicy) Sweep(ctx context.Context, s Sweeper, now time.Time) (Swept, error) {
	batch := p.Batch
	if batch <= 0 {
		batch = defaultBatch
	}
	var n Swept
	for _, sw := range []struct {
		period time.Duration
		del    func(context.Context, time.Time, int) (int64, error)
		n      *int64
	}{
		{p.Flows, s.DeleteFlowsEndedBefore, &n.Flows},
		{p.Sessions, s.DeleteSessionsEndedBefore, &n.Sessions},
		{p.SignIns, s.DeleteSignInsBefore, &n.SignIns},
		{p.Notifications, s.DeleteNotificationsCreatedBefore, &n.Notifications},
		// An undo link is a flow's last step kept for a week: it goes
		// when flows go, counted from its expiry or its use.
		{p.Flows, s.DeleteContactUndosEndedBefore, &n.ContactUndos},
		{p.Flows, s.DeleteSSORequestsEndedBefore, &n.SSORequests},
		{p.Sessions, s.DeleteSSOTokensExpiredBefore, &n.SSOTokens},
	} {
		if sw.period <= 0 {
			continue
		}
		var err error
		if *sw.n, err = sw.del(ctx, now.Add(-sw.period), batch); err != nil {
			return n, err
		}
	}
	var err error
	if n.SSOAssertions, err = s.DeleteSSOAssertionsExpired(ctx, now, batch); err != nil {
		return n, err
	}
	n.RateLimits, err = s.DeleteRateLimitsPastHorizon(ctx, now, batch)
	return n, err
}
