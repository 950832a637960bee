package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/jobs"
	"github.com/kabinet/kabinet/internal/pii"
	"github.com/kabinet/kabinet/internal/store"
)

// Checks is what `kabinet verifications` works with: the checks of personal
// data and their River jobs, on the database of a deployment that may be
// running, without serving or working jobs.
type Checks struct {
	st     *store.Store
	jobsDB *sql.DB // SQLite only: River's own connection
	runner *jobs.Runner
	now    func() time.Time
}

// StuckCheck is a check pending too long, with the state of its job ("" when
// it has none that will still run: its job was lost).
type StuckCheck struct {
	store.StuckCheck
	Job string
}

// OpenChecks opens the deployment's database. It reads no sealed column, so
// a throwaway key ring will do, as for migrate.
func OpenChecks(ctx context.Context, cfg config.Config) (*Checks, error) {
	keys, err := pii.NewKeyring(make([]byte, pii.MinSecretLen), nil, nil)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, store.Options{URL: cfg.Storage.DatabaseURL, SQLitePath: cfg.Storage.SQLitePath()}, keys)
	if err != nil {
		return nil, err
	}
	c := &Checks{st: st, now: func() time.Time { return time.Now().UTC() }}
	jobsDB, err := st.JobsDB(cfg.Storage.SQLitePath())
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	if jobsDB != st.DB() {
		c.jobsDB = jobsDB
	}
	// The worker is registered only so that River accepts the kind; this
	// runner is never started.
	c.runner, err = jobs.New(jobs.Config{Engine: jobsEngine(st.Dialect()), DB: jobsDB, Tx: store.Tx},
		jobs.Verification(checkFunc(func(context.Context, string) (time.Duration, error) {
			return 0, errors.New("app: kabinet verifications runs no check")
		}), 1, nil))
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// Close closes the database.
func (c *Checks) Close() error {
	var errs []error
	if c.jobsDB != nil {
		errs = append(errs, c.jobsDB.Close())
	}
	return errors.Join(append(errs, c.st.Close())...)
}

// Stuck lists up to limit checks pending for longer than olderThan, oldest
// first, each with the state of its job.
func (c *Checks) Stuck(ctx context.Context, olderThan time.Duration, limit int) ([]StuckCheck, error) {
	var out []StuckCheck
	err := c.st.Transact(ctx, func(ctx context.Context) error {
		stuck, err := c.st.Profiles().StuckChecks(ctx, c.now().Add(-olderThan), limit)
		if err != nil {
			return err
		}
		live, err := c.runner.VerificationJobs(ctx)
		if err != nil {
			return err
		}
		for _, s := range stuck {
			out = append(out, StuckCheck{StuckCheck: s, Job: live[s.VerificationID]})
		}
		return nil
	})
	return out, err
}

// Requeue is what became of one check Requeue was asked about.
type Requeue struct {
	CheckID string
	// Outcome: "requeued"; "job <state>" when its job will still run;
	// "not pending" when there is no such check or it has its answer.
	Outcome string
}

// Requeue enqueues a fresh job for the verification of each named check
// that is pending and has no job that will still run (its job was
// discarded after River's attempts ran out), in one transaction. A check
// whose verification's job still runs is left to it.
func (c *Checks) Requeue(ctx context.Context, ids []string) ([]Requeue, error) {
	var out []Requeue
	err := c.st.Transact(ctx, func(ctx context.Context) error {
		out = out[:0]
		pending, err := c.st.Profiles().PendingChecks(ctx, ids)
		if err != nil {
			return err
		}
		live, err := c.runner.VerificationJobs(ctx)
		if err != nil {
			return err
		}
		verification := map[string]string{} // of each pending check
		for _, p := range pending {
			verification[p.ID] = p.VerificationID
		}
		for _, id := range ids {
			v, ok := verification[id]
			switch {
			case !ok:
				out = append(out, Requeue{CheckID: id, Outcome: "not pending"})
			case live[v] != "":
				out = append(out, Requeue{CheckID: id, Outcome: "job " + live[v]})
			default:
				if err := c.runner.EnqueueVerification(ctx, v); err != nil {
					return fmt.Errorf("app: requeue verification %s of check %s: %w", v, id, err)
				}
				live[v] = "available" // checks of one verification, or one named twice, are requeued once
				out = append(out, Requeue{CheckID: id, Outcome: "requeued"})
			}
		}
		return nil
	})
	return out, err
}
