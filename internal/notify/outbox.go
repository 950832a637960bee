package notify

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/message"
	"github.com/kabinet/kabinet/internal/notify/transport"
	"github.com/kabinet/kabinet/internal/problem"
)

// Channel is the way a notification reaches a person.
type Channel string

// The channels kabinet delivers on.
const (
	ChannelSMS   Channel = "sms"
	ChannelEmail Channel = "email"
)

// Status is where a notification stands in delivery.
type Status string

const (
	Queued   Status = "queued"   // written, waiting for the worker
	Retrying Status = "retrying" // a delivery attempt failed; another will follow
	// Sending: an attempt is handing the message to the gateway or SMTP
	// server. Found at the start of a later attempt, it means that attempt's
	// process stopped (or its status could not be written) before it knew the
	// outcome: the message may have gone out, and is sent again with the same
	// ID so that the receiver can drop the duplicate.
	Sending Status = "sending"
	Sent    Status = "sent"   // the gateway or SMTP server accepted it
	Failed  Status = "failed" // given up: a permanent error or too many attempts
)

// Record is a notification as kept in the outbox.
type Record struct {
	ID        string
	AccountID string // empty when not (yet) tied to an account
	Channel   Channel
	To        string
	Template  string
	Lang      string
	Subject   string
	Text      string
	HTML      string
	Status    Status
	Attempts  int
	LastError string
	CreatedAt time.Time
	UpdatedAt time.Time
	SentAt    time.Time
}

// Message returns what a transport.Sender delivers.
func (r *Record) Message() transport.Message {
	return transport.Message{ID: r.ID, Channel: contact.Channel(r.Channel), To: r.To, Subject: r.Subject, Text: r.Text, HTML: r.HTML}
}

// Store is what the outbox needs from storage.
type Store interface {
	InsertNotification(ctx context.Context, r *Record) error
	Notification(ctx context.Context, id string) (*Record, error)
	// ClaimNotification marks the notification Sending for the given attempt
	// and returns it as it was before; a Sent or Failed one is returned
	// unchanged.
	ClaimNotification(ctx context.Context, id string, attempt int, at time.Time) (*Record, error)
	SetNotificationStatus(ctx context.Context, id string, st Status, attempts int, lastErr string, at time.Time) error
	ListNotifications(ctx context.Context, limit int) ([]Record, error)
}

// Queue schedules delivery of a stored notification. Called with the
// context of the transaction that inserted it, so the row and the job
// commit together (River's InsertTx).
type Queue interface {
	EnqueueDelivery(ctx context.Context, notificationID string) error
}

// Outbox renders notifications and writes them for delivery. It is the
// message.Notifier the domain services are given.
type Outbox struct {
	store     Store
	queue     Queue
	templates *Templates
	now       func() time.Time
	newID     func() (string, error)
}

var _ message.Notifier = (*Outbox)(nil)

// NewOutbox returns an outbox. newID makes notification IDs.
func NewOutbox(st Store, q Queue, t *Templates, now func() time.Time, newID func() (string, error)) *Outbox {
	return &Outbox{store: st, queue: q, templates: t, now: now, newID: newID}
}

// Send renders n and queues it. Call it inside the transaction of the change
// that causes the message: nothing is sent if that change rolls back, and
// nothing is lost once it commits.
func (o *Outbox) Send(ctx context.Context, n message.Notification) error {
	ch := Channel(n.Channel)
	if n.Data == nil {
		return fmt.Errorf("notify: notification to %s carries no message", ch)
	}
	now := o.now()
	subject, text, html, err := o.templates.Render(n.Data, ch, n.Lang, now)
	if err != nil {
		return err
	}
	id, err := o.newID()
	if err != nil {
		return err
	}
	r := &Record{ID: id, AccountID: n.AccountID, Channel: ch, To: n.To, Template: n.Data.Template(), Lang: n.Lang,
		Subject: subject, Text: text, HTML: html, Status: Queued, CreatedAt: now, UpdatedAt: now}
	if err := o.store.InsertNotification(ctx, r); err != nil {
		return fmt.Errorf("notify: store: %w", err)
	}
	if err := o.queue.EnqueueDelivery(ctx, id); err != nil {
		return fmt.Errorf("notify: enqueue: %w", err)
	}
	return nil
}

// Deliverer hands stored notifications to the senders: one attempt per
// call, with the status recorded. Retries and backoff are the job queue's.
//
// Each attempt first marks the notification Sending, then sends, then
// records the outcome. A process that dies between the send and the record
// leaves the mark; the next attempt finds it, logs the notification as
// interrupted and sends it again under the same ID (the SMS gateway's "id",
// the e-mail's Message-ID), so a duplicate can reach the gateway only for a
// message whose attempt was under way when the process died.
type Deliverer struct {
	store       Store
	sms, email  transport.Sender
	now         func() time.Time
	maxAttempts int
	log         *slog.Logger
	interrupted atomic.Int64
}

// NewDeliverer returns a deliverer. maxAttempts is the attempt after which
// a temporary failure is recorded as Failed. log may be nil.
func NewDeliverer(st Store, sms, email transport.Sender, now func() time.Time, maxAttempts int, log *slog.Logger) *Deliverer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Deliverer{store: st, sms: sms, email: email, now: now, maxAttempts: maxAttempts, log: log}
}

// Interrupted returns how many attempts found an earlier attempt of the same
// notification interrupted (marked Sending, never recorded): each is a
// message that may reach its recipient twice. For a metric.
func (d *Deliverer) Interrupted() int64 { return d.interrupted.Load() }

// recordTimeout bounds writing an attempt's outcome, which happens even
// when the attempt's own context has ended (a send that ran into its
// timeout is still worth recording as Retrying).
const recordTimeout = 5 * time.Second

// Deliver makes one attempt (attempt counts from 1). It returns nil when the
// message went out or was already sent (a repeated job), a Permanent error
// when retrying cannot help, and another error to be retried.
func (d *Deliverer) Deliver(ctx context.Context, id string, attempt int) error {
	r, err := d.store.ClaimNotification(ctx, id, attempt, d.now())
	if problem.KindOf(err) == problem.NotFound {
		// Deleted before it went out: its account was erased (or the
		// retention sweep took it). Nothing to send, nothing to retry.
		d.log.Warn("notify: the notification no longer exists", "notification", id)
		return nil
	}
	if err != nil {
		return err
	}
	if r.Status == Sent || r.Status == Failed {
		return nil // idempotent: a job run twice sends once
	}
	if r.Status == Sending {
		d.interrupted.Add(1)
		d.log.Warn("notify: an earlier delivery attempt was interrupted; sending again under the same id",
			"notification", id, "channel", string(r.Channel), "attempt", attempt, "interrupted_attempt", r.Attempts, "interrupted_at", r.UpdatedAt)
	}
	s := d.sms
	if r.Channel == ChannelEmail {
		s = d.email
	}
	sendErr := s.Send(ctx, r.Message())

	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	now := d.now()
	switch {
	case sendErr == nil:
		return d.store.SetNotificationStatus(rec, id, Sent, attempt, "", now)
	case transport.IsPermanent(sendErr) || attempt >= d.maxAttempts:
		if err := d.store.SetNotificationStatus(rec, id, Failed, attempt, clip(sendErr.Error()), now); err != nil {
			return err
		}
		return transport.Permanent(sendErr)
	default:
		if err := d.store.SetNotificationStatus(rec, id, Retrying, attempt, clip(sendErr.Error()), now); err != nil {
			return err
		}
		return sendErr
	}
}

func clip(s string) string {
	if len(s) > 500 {
		s = s[:500]
	}
	return strings.ToValidUTF8(s, "")
}
