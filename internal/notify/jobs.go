package notify

import (
	"context"

	"github.com/kabinet/kabinet/internal/jobs"
)

// Jobs registers delivery with the job runner: the notify queue and its
// worker. jobs.New(cfg, notify.Jobs(deliverer), …)
func Jobs(d *Deliverer) jobs.Registration {
	return func(r *jobs.Registry) {
		r.Queue(QueueName, 8)
		jobs.AddWorker(r, &DeliverWorker{D: d})
	}
}

// JobQueue is the outbox's Queue on the job runner: a delivery job joins
// the transaction in the context.
type JobQueue struct{ Runner *jobs.Runner }

// EnqueueDelivery implements Queue.
func (q JobQueue) EnqueueDelivery(ctx context.Context, id string) error {
	return q.Runner.Insert(ctx, DeliverArgs{NotificationID: id})
}
