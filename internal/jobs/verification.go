package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Checker runs one check of personal data against its registry
// (profile.Service.RunCheck): retryIn > 0 asks for another attempt after
// that long (the registry gave no answer); an error is retried by River.
type Checker interface {
	RunCheck(ctx context.Context, checkID string) (retryIn time.Duration, err error)
}

// VerificationQueue is the queue registry checks run in, apart from the
// deliveries, so that a slow registry never holds up a code by SMS.
const VerificationQueue = "registry"

// CheckTimeout bounds one attempt at a check: the registry's own timeout
// (KABINET_REGISTRY_TIMEOUT, 30 s by default, at most 35 s) and recording
// the answer. It stays under RescueAfter, so a live attempt is never
// rescued.
const CheckTimeout = 40 * time.Second

// Verification registers the worker of registry checks, with workers of
// them running at once on each node (0: 8).
func Verification(c Checker, workers int, log *slog.Logger) Registration {
	if workers <= 0 {
		workers = 8
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(r *Registry) {
		AddWorker(r, &checkWorker{c: c, log: log})
		r.Queue(VerificationQueue, workers)
	}
}

// CheckArgs names the check a job runs: an ID, never personal data.
type CheckArgs struct {
	CheckID string `json:"check_id"`
}

// Kind implements river.JobArgs.
func (CheckArgs) Kind() string { return "verification.check" }

// InsertOpts puts checks in their queue. A check waiting for a registry is
// snoozed rather than failed, so attempts count only errors of kabinet's
// own (storage), and those are retried on River's schedule for weeks.
func (CheckArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: VerificationQueue, MaxAttempts: 25}
}

// EnqueueCheck inserts the job of one check, in the caller's transaction
// (profile.Queue).
func (r *Runner) EnqueueCheck(ctx context.Context, checkID string) error {
	return r.Insert(ctx, CheckArgs{CheckID: checkID})
}

type checkWorker struct {
	river.WorkerDefaults[CheckArgs]
	c   Checker
	log *slog.Logger
}

func (w *checkWorker) Timeout(*river.Job[CheckArgs]) time.Duration { return CheckTimeout }

func (w *checkWorker) Work(ctx context.Context, job *river.Job[CheckArgs]) error {
	retryIn, err := w.c.RunCheck(ctx, job.Args.CheckID)
	if err != nil {
		return err
	}
	if retryIn > 0 {
		w.log.Info("jobs: registry gave no answer; the check waits", "check", job.Args.CheckID, "retry_in", retryIn.Round(time.Second))
		return river.JobSnooze(retryIn)
	}
	return nil
}

// CheckJobs returns the state of the job of every check that has one that
// will still run (available, scheduled — a snoozed check waits there —,
// running, retryable or pending), by check ID, read in the transaction ctx
// carries when there is one. A pending check without one has lost its job
// (discarded once its attempts ran out) and waits for `kabinet
// verifications --requeue`.
func (r *Runner) CheckJobs(ctx context.Context) (map[string]string, error) {
	params := river.NewJobListParams().Kinds(CheckArgs{}.Kind()).
		States(rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStatePending).
		First(1000)
	out := map[string]string{}
	for {
		var res *river.JobListResult
		var err error
		if tx, ok := r.tx(ctx); ok {
			res, err = r.client.JobListTx(ctx, tx, params)
		} else {
			res, err = r.client.JobList(ctx, params)
		}
		if err != nil {
			return nil, fmt.Errorf("jobs: list checks: %w", err)
		}
		for _, job := range res.Jobs {
			var a CheckArgs
			if err := json.Unmarshal(job.EncodedArgs, &a); err != nil {
				return nil, fmt.Errorf("jobs: job %d: %w", job.ID, err)
			}
			out[a.CheckID] = string(job.State)
		}
		if len(res.Jobs) < 1000 {
			return out, nil
		}
		params = params.After(res.LastCursor)
	}
}
