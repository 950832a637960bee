// Package jobs runs kabinet's durable background work on River: one client
// over the same database as everything else (River's SQLite driver on the
// embedded database, its database/sql driver on PostgreSQL), with the
// workers, periodic jobs and queues that features register
// (Registration), and the retention sweeps (Retention).
//
// Jobs are inserted in the caller's transaction (Config.Tx finds it in the
// context), so a job exists exactly when the change that wanted it commits.
// On PostgreSQL several nodes share the queue; River elects a leader, which
// alone inserts the periodic jobs.
//
// jobs imports River and nothing of kabinet, so that the adapters whose
// workers it runs (notify) can import it to register themselves; domain
// packages never import it.
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
)

// Engine is the database the jobs live in.
type Engine int

const (
	SQLite Engine = iota
	Postgres
)

// Config is what the runner needs.
type Config struct {
	Engine   Engine
	DB       *sql.DB       // from store.JobsDB
	Listener *pgxpool.Pool // PostgreSQL: for LISTEN/NOTIFY (store.Pool); nil polls
	Logger   *slog.Logger
	// Tx returns the transaction the context carries (store.Tx), which an
	// inserted job joins; nil inserts every job on its own.
	Tx func(context.Context) (*sql.Tx, bool)
	// Poll is how often idle workers look for new jobs (poll-only drivers).
	Poll time.Duration
	// NodeID names this node to River and stays the same across its
	// restarts (see Node). When set, Start first takes back the jobs and the
	// leadership a previous process of this node left behind. The caller
	// guarantees that no other live process uses the same NodeID; empty
	// lets River pick a fresh ID per process and leaves the orphans to
	// River's rescuer.
	NodeID string
}

// Registration adds one feature's workers, periodic jobs and queues to the
// runner: jobs.New(cfg, notify.Jobs(deliverer), jobs.Retention(…), …).
type Registration func(*Registry)

// Registry collects what the registrations add. River's default queue
// (2 workers) always exists.
type Registry struct {
	workers  *river.Workers
	periodic []*river.PeriodicJob
	queues   map[string]river.QueueConfig
}

// newRegistry collects what regs add, after River's default queue.
func newRegistry(regs ...Registration) *Registry {
	reg := &Registry{workers: river.NewWorkers(), queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}}}
	for _, r := range regs {
		r(reg)
	}
	return reg
}

// AddWorker registers the worker of one job kind (a function because Go
// methods take no type parameters). Registering a kind twice panics.
func AddWorker[T river.JobArgs](r *Registry, w river.Worker[T]) {
	river.AddWorker(r.workers, w)
}

// Queue declares a queue and how many of its jobs one node works at once
// (at least one: New refuses a queue of none). Declaring a queue again
// replaces the earlier size, River's default queue included.
func (r *Registry) Queue(name string, maxWorkers int) {
	r.queues[name] = river.QueueConfig{MaxWorkers: maxWorkers}
}

// Periodic inserts args every interval, and once when a node becomes the
// leader. Only the leader inserts; any node may work the job. Give the
// args unique InsertOpts (ByPeriod) so that a change of leader within an
// interval does not run the job twice.
func (r *Registry) Periodic(every time.Duration, args river.JobArgs) {
	r.periodic = append(r.periodic, river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return args, nil },
		&river.PeriodicJobOpts{RunOnStart: true}))
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
	tx        func(context.Context) (*sql.Tx, bool)
	log       *slog.Logger
	nodeID    string
	reclaimed atomic.Int64
}

func driver(cfg Config) (riverdriver.Driver[*sql.Tx], error) {
	switch cfg.Engine {
	case SQLite:
		return riversqlite.New(cfg.DB), nil
	case Postgres:
		if cfg.Listener != nil {
			// LISTEN/NOTIFY wakes workers as soon as a job commits.
			return riverdatabasesql.NewWithPgxListener(cfg.DB, cfg.Listener), nil
		}
		return riverdatabasesql.New(cfg.DB), nil
	}
	return nil, errors.New("jobs: unknown dialect")
}

// Migrate creates or upgrades River's own tables.
func Migrate(ctx context.Context, e Engine, db *sql.DB) error {
	drv, err := driver(Config{Engine: e, DB: db})
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

// New builds the runner with what the registrations add. Call Start to
// begin working jobs; a runner that is never started can still insert them.
func New(cfg Config, regs ...Registration) (*Runner, error) {
	drv, err := driver(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 250 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Tx == nil {
		cfg.Tx = func(context.Context) (*sql.Tx, bool) { return nil, false }
	}
	reg := newRegistry(regs...)
	client, err := river.NewClient(drv, &river.Config{
		ID:                   cfg.NodeID, // empty: River makes one up per process
		Logger:               cfg.Logger,
		Workers:              reg.workers,
		PeriodicJobs:         reg.periodic,
		FetchPollInterval:    cfg.Poll,
		FetchCooldown:        min(cfg.Poll, 100*time.Millisecond),
		Queues:               reg.queues,
		JobTimeout:           JobTimeout,
		RescueStuckJobsAfter: RescueAfter,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: client: %w", err)
	}
	return &Runner{client: client, driver: drv, tx: cfg.Tx, log: cfg.Logger, nodeID: cfg.NodeID}, nil
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
			// The arguments name what the job was about (a delivery's
			// notification ID); job arguments hold IDs, never personal data.
			r.log.Warn("jobs: took back a job the node's previous process was running when it stopped",
				"job", job.ID, "kind", job.Kind, "args", string(job.EncodedArgs), "attempt", job.Attempt, "attempted_at", job.AttemptedAt, "now", string(state))
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

// Insert adds a job; it joins the transaction in ctx when there is one.
func (r *Runner) Insert(ctx context.Context, args river.JobArgs) error {
	var err error
	if tx, ok := r.tx(ctx); ok {
		_, err = r.client.InsertTx(ctx, tx, args, nil)
	} else {
		_, err = r.client.Insert(ctx, args, nil)
	}
	return err
}
