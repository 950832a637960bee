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

// Checker runs the checks of one verification of personal data against
// their registries (profile.Service.RunVerification): retryIn > 0 asks for
// another attempt after that long (a registry gave no answer); an error is
// retried by River.
type Checker interface {
	RunVerification(ctx context.Context, verificationID string) (retryIn time.Duration, err error)
}

// VerificationQueue is the queue registry checks run in, apart from the
// deliveries, so that a slow registry never holds up a code by SMS.
const VerificationQueue = "registry"

// CheckTimeout bounds one attempt at a verification's checks, asked at
// once: the registries' own timeout (KABINET_REGISTRY_TIMEOUT, 30 s by
// default, at most 35 s) and recording the answers. It stays under
// RescueAfter, so a live attempt is never rescued.
const CheckTimeout = 40 * time.Second

// Verification registers the worker of verifications, with workers of
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

// VerificationArgs names the verification a job runs the checks of: an
// ID, never personal data. One job per verification: its checks are asked
// at once and their answers recorded in one transaction.
type VerificationArgs struct {
	VerificationID string `json:"verification_id"`
}

// Kind implements river.JobArgs.
func (VerificationArgs) Kind() string { return "verification.run" }

// InsertOpts puts verifications in their queue. A verification waiting for
// a registry is snoozed rather than failed, so attempts count only errors
// of kabinet's own (storage), and those are retried on River's schedule
// for weeks.
func (VerificationArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: VerificationQueue, MaxAttempts: 25}
}

// EnqueueVerification inserts the job of one verification, in the caller's
// transaction (profile.Queue).
func (r *Runner) EnqueueVerification(ctx context.Context, verificationID string) error {
	return r.Insert(ctx, VerificationArgs{VerificationID: verificationID})
}

type checkWorker struct {
	river.WorkerDefaults[VerificationArgs]
	c   Checker
	log *slog.Logger
}

func (w *checkWorker) Timeout(*river.Job[VerificationArgs]) time.Duration { return CheckTimeout }

func (w *checkWorker) Work(ctx context.Context, job *river.Job[VerificationArgs]) error {
	retryIn, err := w.c.RunVerification(ctx, job.Args.VerificationID)
	if err != nil {
		return err
	}
	if retryIn > 0 {
		w.log.Info("jobs: a registry gave no answer; the verification waits", "verification", job.Args.VerificationID, "retry_in", retryIn.Round(time.Second))
		return river.JobSnooze(retryIn)
	}
	return nil
}

// NoopArgs is a job that does nothing, in the registry checks' queue: the
// benchmark's measure of River's own throughput there (`kabinet bench`,
// phase river-noop).
type NoopArgs struct {
	ID string `json:"id"`
}

// Kind implements river.JobArgs.
func (NoopArgs) Kind() string { return "bench.noop" }

// InsertOpts puts the job where the checks run.
func (NoopArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: VerificationQueue} }

type noopWorker struct{ river.WorkerDefaults[NoopArgs] }

func (noopWorker) Work(context.Context, *river.Job[NoopArgs]) error { return nil }

// Noop registers the no-op worker (for the benchmark).
func Noop() Registration {
	return func(r *Registry) { AddWorker(r, noopWorker{}) }
}

// Completed is a job that has completed: its kind and encoded arguments.
type Completed struct {
	Kind string
	Args []byte
}

// SubscribeCompleted reports the jobs this node completes until cancel is
// called (the benchmark waits on it). Events a slow reader leaves unread
// are dropped by River.
func (r *Runner) SubscribeCompleted() (<-chan Completed, func()) {
	events, cancel := r.client.Subscribe(river.EventKindJobCompleted)
	out := make(chan Completed, 1024)
	go func() {
		defer close(out)
		for e := range events {
			out <- Completed{Kind: e.Job.Kind, Args: e.Job.EncodedArgs}
		}
	}()
	return out, cancel
}

// VerificationJobs returns the state of the job of every verification that
// has one that will still run (available, scheduled — a verification
// waiting for a registry is snoozed there —, running, retryable or
// pending), by verification ID, read in the transaction ctx carries when
// there is one. A pending verification without one has lost its job
// (discarded once its attempts ran out) and waits for `kabinet
// verifications --requeue`.
func (r *Runner) VerificationJobs(ctx context.Context) (map[string]string, error) {
	params := river.NewJobListParams().Kinds(VerificationArgs{}.Kind()).
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
			return nil, fmt.Errorf("jobs: list verifications: %w", err)
		}
		for _, job := range res.Jobs {
			var a VerificationArgs
			if err := json.Unmarshal(job.EncodedArgs, &a); err != nil {
				return nil, fmt.Errorf("jobs: job %d: %w", job.ID, err)
			}
			out[a.VerificationID] = string(job.State)
		}
		if len(res.Jobs) < 1000 {
			return out, nil
		}
		params = params.After(res.LastCursor)
	}
}
