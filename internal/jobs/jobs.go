// Package jobs runs kabinet's durable background work on River: one client
// over the same database as everything else (River's SQLite driver on the
// embedded database, its database/sql driver on PostgreSQL), the workers the
// feature packages define, and periodic clean-up.
//
// Jobs are inserted in the caller's transaction (the store puts it in the
// context), so a job exists exactly when the change that wanted it commits.
// On PostgreSQL several nodes share the queue; River elects a leader for
// periodic jobs.
//
// jobs imports River, store (for the transaction in the context) and the
// feature packages whose workers it registers.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/kabinet/kabinet/internal/notify"
	"github.com/kabinet/kabinet/internal/store"
)

// Cleaner removes rows that have outlived their use.
type Cleaner interface {
	DeleteExpiredFlows(ctx context.Context, before time.Time) (int64, error)
	DeleteEndedSessions(ctx context.Context, before time.Time) (int64, error)
	DeleteEndedThrottles(ctx context.Context, now time.Time) (int64, error)
}

// Config is what the runner needs.
type Config struct {
	Dialect   store.Dialect
	DB        *sql.DB       // from store.JobsDB
	Listener  *pgxpool.Pool // PostgreSQL: for LISTEN/NOTIFY (store.Pool); nil polls
	Logger    *slog.Logger
	Deliverer *notify.Deliverer
	Cleaner   Cleaner
	// Poll is how often idle workers look for new jobs (poll-only drivers).
	Poll time.Duration
	// Retention: ended sessions are kept this long for the history.
	Retention time.Duration
}

// Runner owns the River client.
type Runner struct {
	client *river.Client[*sql.Tx]
	log    *slog.Logger
}

func driver(cfg Config) (riverdriver.Driver[*sql.Tx], error) {
	switch cfg.Dialect {
	case store.SQLite:
		return riversqlite.New(cfg.DB), nil
	case store.Postgres:
		if cfg.Listener != nil {
			// LISTEN/NOTIFY wakes workers as soon as a job commits.
			return riverdatabasesql.NewWithPgxListener(cfg.DB, cfg.Listener), nil
		}
		return riverdatabasesql.New(cfg.DB), nil
	}
	return nil, errors.New("jobs: unknown dialect")
}

// Migrate creates or upgrades River's own tables.
func Migrate(ctx context.Context, d store.Dialect, db *sql.DB) error {
	drv, err := driver(Config{Dialect: d, DB: db})
	if err != nil {
		return err
	}
	m, err := rivermigrate.New(drv, nil)
	if err != nil {
		return fmt.Errorf("jobs: migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	return nil
}

// New builds the runner. Call Start to begin working jobs; a runner that is
// never started can still insert them.
func New(cfg Config) (*Runner, error) {
	drv, err := driver(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 250 * time.Millisecond
	}
	if cfg.Retention <= 0 {
		cfg.Retention = 90 * 24 * time.Hour
	}
	workers := river.NewWorkers()
	if cfg.Deliverer != nil {
		river.AddWorker(workers, &notify.DeliverWorker{D: cfg.Deliverer})
	}
	var periodic []*river.PeriodicJob
	if cfg.Cleaner != nil {
		river.AddWorker(workers, &cleanupWorker{c: cfg.Cleaner, retention: cfg.Retention, log: cfg.Logger})
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(15*time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return cleanupArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}))
	}
	client, err := river.NewClient(drv, &river.Config{
		Logger:            cfg.Logger,
		Workers:           workers,
		PeriodicJobs:      periodic,
		FetchPollInterval: cfg.Poll,
		FetchCooldown:     min(cfg.Poll, 100*time.Millisecond),
		Queues: map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: 2},
			notify.QueueName:   {MaxWorkers: 8},
		},
		JobTimeout: time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: client: %w", err)
	}
	return &Runner{client: client, log: cfg.Logger}, nil
}

// Start begins working jobs until Stop.
func (r *Runner) Start(ctx context.Context) error { return r.client.Start(ctx) }

// Stop waits for running jobs to finish (until ctx ends, then cancels them).
func (r *Runner) Stop(ctx context.Context) error {
	err := r.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return r.client.StopAndCancel(context.Background())
	}
	return err
}

// EnqueueDelivery implements notify.Queue: the job joins the transaction in
// ctx when there is one.
func (r *Runner) EnqueueDelivery(ctx context.Context, id string) error {
	return r.insert(ctx, notify.DeliverArgs{NotificationID: id})
}

func (r *Runner) insert(ctx context.Context, args river.JobArgs) error {
	var err error
	if tx, ok := store.Tx(ctx); ok {
		_, err = r.client.InsertTx(ctx, tx, args, nil)
	} else {
		_, err = r.client.Insert(ctx, args, nil)
	}
	return err
}

type cleanupArgs struct{}

func (cleanupArgs) Kind() string { return "store.cleanup" }

func (cleanupArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 10 * time.Minute}}
}

type cleanupWorker struct {
	river.WorkerDefaults[cleanupArgs]
	c         Cleaner
	retention time.Duration
	log       *slog.Logger
}

func (w *cleanupWorker) Work(ctx context.Context, _ *river.Job[cleanupArgs]) error {
	now := time.Now()
	flows, err := w.c.DeleteExpiredFlows(ctx, now.Add(-time.Hour))
	if err != nil {
		return err
	}
	sessions, err := w.c.DeleteEndedSessions(ctx, now.Add(-w.retention))
	if err != nil {
		return err
	}
	throttles, err := w.c.DeleteEndedThrottles(ctx, now)
	if err != nil {
		return err
	}
	if w.log != nil {
		w.log.Info("cleanup", "flows", flows, "sessions", sessions, "throttles", throttles)
	}
	return nil
}
