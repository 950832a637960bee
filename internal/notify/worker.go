package notify

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/kabinet/kabinet/internal/notify/transport"
)

// DeliverArgs is the job that delivers one stored notification.
type DeliverArgs struct {
	NotificationID string `json:"notification_id"`
}

// Kind names the job for River.
func (DeliverArgs) Kind() string { return "notify.deliver" }

// DeliverMaxAttempts bounds retries of one message: about an hour of
// attempts with the backoff below.
const DeliverMaxAttempts = 12

// InsertOpts puts deliveries on their own queue, so slow gateways never
// hold up other work.
func (DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueName, MaxAttempts: DeliverMaxAttempts}
}

// QueueName is the job queue for deliveries.
const QueueName = "notify"

// DeliverWorker runs DeliverArgs jobs.
type DeliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	D *Deliverer
}

// RiverRescueError is the error River's rescuer records on a job it took
// back after the job stayed running past the client's RescueStuckJobsAfter
// (the process working it died, or the attempt hung).
const RiverRescueError = "Stuck job rescued by JobRescuer"

// Work makes one delivery attempt; a permanent failure cancels the job. A
// job that River's rescuer took back is logged at warn with its
// notification.
func (w *DeliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	if n := len(job.Errors); n > 0 && job.Errors[n-1].Error == RiverRescueError {
		w.D.log.Warn("notify: delivery job rescued after its attempt stopped reporting",
			"notification", job.Args.NotificationID, "job", job.ID, "attempt", job.Attempt, "rescued_at", job.Errors[n-1].At)
	}
	err := w.D.Deliver(ctx, job.Args.NotificationID, job.Attempt)
	if err != nil && transport.IsPermanent(err) {
		return river.JobCancel(err)
	}
	return err
}

// retrySchedule is short at first: a sign-in code is useful for minutes,
// not hours.
var retrySchedule = []time.Duration{2 * time.Second, 5 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute}

// NextRetry spaces attempts out along retrySchedule.
func (w *DeliverWorker) NextRetry(job *river.Job[DeliverArgs]) time.Time {
	i := min(max(job.Attempt-1, 0), len(retrySchedule)-1)
	return time.Now().Add(retrySchedule[i])
}

// DeliverTimeout bounds one attempt. Sending takes at most
// transport.DefaultSMSTimeout (10 s) on the gateway; an SMTP conversation is several
// commands of up to transport.DefaultSMTPTimeout each. The job queue must not rescue
// an attempt before this has passed (jobs.RescueAfter is longer).
const DeliverTimeout = 30 * time.Second

// Timeout bounds one attempt.
func (w *DeliverWorker) Timeout(*river.Job[DeliverArgs]) time.Duration { return DeliverTimeout }
