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
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/kabinet/kabinet/internal/notify"
	"github.com/kabinet/kabinet/internal/store"
)

// Cleaner removes rows that have outlived their use.
type Cleaner interface {
	DeleteExpiredFlows(ctx context.Context, before time.Time, batch int) (int64, error)
	DeleteEndedSessions(ctx context.Context, before time.Time, batch int) (int64, error)
	DeleteEndedThrottles(ctx context.Context, now time.Time, batch int) (int64, error)
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
	// NodeID names this node to River and stays the same across its
	// restarts (see Node). When set, Start first takes back the jobs and the
	// leadership a previous process of this node left behind. The caller
	// guarantees that no other live process uses the same NodeID; empty
	// lets River pick a fresh ID per process and leaves the orphans to
	// River's rescuer.
	NodeID string
}

// The timing of attempts and rescues (docs/decisions/0002-durable-jobs.md).
const (
	// JobTimeout bounds an attempt whose worker sets no Timeout of its own;
	// it equals notify.DeliverTimeout.
	JobTimeout = 30 * time.Second
	// RescueAfter is how long a job may stay running before River's rescuer
	// takes it back for another attempt. It exceeds every attempt's timeout
	// plus the few seconds an attempt takes to record its outcome, so a live
	// attempt is never rescued; jobs with a longer Timeout of their own
	// (clean-up) are left alone until that has passed too.
	RescueAfter = 45 * time.Second
	// ReclaimedError is recorded on a job that Start took back from a
	// previous process of the same node.
	ReclaimedError = "kabinet: taken back at start; the node's previous process stopped during this attempt"
)

// Runner owns the River client.
type Runner struct {
	client    *river.Client[*sql.Tx]
	driver    riverdriver.Driver[*sql.Tx]
	log       *slog.Logger
	nodeID    string
	reclaimed atomic.Int64
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
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
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
		ID:                cfg.NodeID, // empty: River makes one up per process
		Logger:            cfg.Logger,
		Workers:           workers,
		PeriodicJobs:      periodic,
		FetchPollInterval: cfg.Poll,
		FetchCooldown:     min(cfg.Poll, 100*time.Millisecond),
		Queues: map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: 2},
			notify.QueueName:   {MaxWorkers: 8},
		},
		JobTimeout:           JobTimeout,
		RescueStuckJobsAfter: RescueAfter,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: client: %w", err)
	}
	return &Runner{client: client, driver: drv, log: cfg.Logger, nodeID: cfg.NodeID}, nil
}

// Start begins working jobs until Stop. With a NodeID it first takes back
// what a previous process of this node left: the jobs it was running when
// it died are made available at once (instead of after RescueAfter plus
// the rescuer's 30-second round), and its leadership is given up (instead
// of expiring after River's 15-second TTL), so that this process can lead
// (schedule retries, rescue other nodes' orphans) from the start.
func (r *Runner) Start(ctx context.Context) error {
	if r.nodeID != "" {
		if err := r.reclaim(ctx); err != nil {
			return err
		}
	}
	return r.client.Start(ctx)
}

// Reclaimed returns how many jobs Start took back from a previous process
// of this node. For a metric.
func (r *Runner) Reclaimed() int64 { return r.reclaimed.Load() }

// reclaim takes back the running jobs last attempted under this node's ID
// and the leadership held under it. It runs before this process works any
// job, so every such job belongs to a process that has stopped.
func (r *Runner) reclaim(ctx context.Context) error {
	exec := r.driver.GetExecutor()
	if l, err := exec.LeaderGetElectedLeader(ctx, &riverdriver.LeaderGetElectedLeaderParams{}); err == nil && l.LeaderID == r.nodeID {
		if _, err := exec.LeaderResign(ctx, &riverdriver.LeaderResignParams{ElectedAt: l.ElectedAt, LeaderID: r.nodeID, LeadershipTopic: "river_leadership"}); err != nil {
			return fmt.Errorf("jobs: give up the previous process's leadership: %w", err)
		}
		r.log.Info("jobs: gave up the leadership the node's previous process held", "node", r.nodeID, "elected_at", l.ElectedAt)
	} else if err != nil && !errors.Is(err, rivertype.ErrNotFound) {
		return fmt.Errorf("jobs: leader: %w", err)
	}

	now := time.Now().UTC()
	horizon := now.Add(time.Hour) // every running job; the node ID picks ours
	var afterID int64
	for {
		running, err := exec.JobGetStuck(ctx, &riverdriver.JobGetStuckParams{AfterID: afterID, Max: 500, StuckHorizon: horizon})
		if err != nil {
			return fmt.Errorf("jobs: list running jobs: %w", err)
		}
		p := riverdriver.JobRescueManyParams{StuckHorizon: horizon}
		for _, job := range running {
			afterID = job.ID
			if n := len(job.AttemptedBy); n == 0 || job.AttemptedBy[n-1] != r.nodeID {
				continue // another node's: River's rescuer handles it if that node died
			}
			errJSON, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: max(job.Attempt, 0), Error: ReclaimedError})
			if err != nil {
				return err
			}
			state, finalized := rivertype.JobStateAvailable, (*time.Time)(nil)
			if job.Attempt >= job.MaxAttempts {
				state, finalized = rivertype.JobStateDiscarded, &now
			}
			p.ID = append(p.ID, job.ID)
			p.Error = append(p.Error, errJSON)
			p.FinalizedAt = append(p.FinalizedAt, finalized)
			p.ScheduledAt = append(p.ScheduledAt, now)
			p.State = append(p.State, string(state))
			args := []any{"job", job.ID, "kind", job.Kind, "attempt", job.Attempt, "attempted_at", job.AttemptedAt, "now", string(state)}
			if job.Kind == (notify.DeliverArgs{}).Kind() {
				var a notify.DeliverArgs
				if json.Unmarshal(job.EncodedArgs, &a) == nil {
					args = append(args, "notification", a.NotificationID)
				}
			}
			r.log.Warn("jobs: took back a job the node's previous process was running when it stopped", args...)
		}
		if len(p.ID) > 0 {
			if _, err := exec.JobRescueMany(ctx, &p); err != nil {
				return fmt.Errorf("jobs: take back running jobs: %w", err)
			}
			r.reclaimed.Add(int64(len(p.ID)))
		}
		if len(running) < 500 {
			return nil
		}
	}
}

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

// Timeout: deleting a day's expired rows can take longer than a delivery.
func (w *cleanupWorker) Timeout(*river.Job[cleanupArgs]) time.Duration { return 5 * time.Minute }

func (w *cleanupWorker) Work(ctx context.Context, _ *river.Job[cleanupArgs]) error {
	now := time.Now()
	flows, err := w.c.DeleteExpiredFlows(ctx, now.Add(-time.Hour), 0)
	if err != nil {
		return err
	}
	sessions, err := w.c.DeleteEndedSessions(ctx, now.Add(-w.retention), 0)
	if err != nil {
		return err
	}
	throttles, err := w.c.DeleteEndedThrottles(ctx, now, 0)
	if err != nil {
		return err
	}
	if w.log != nil {
		w.log.Info("cleanup", "flows", flows, "sessions", sessions, "throttles", throttles)
	}
	return nil
}
