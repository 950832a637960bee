package notify_test

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/notify"
	"github.com/kabinet/kabinet/internal/notify/transport"
	"github.com/kabinet/kabinet/internal/pii"
	"github.com/kabinet/kabinet/internal/smssim"
	"github.com/kabinet/kabinet/internal/store"
	"github.com/kabinet/kabinet/internal/testenv"
)

// outboxStore is the outbox of a real store on a temporary SQLite file
// (the store's own suite runs the same methods on PostgreSQL too).
func outboxStore(t *testing.T) *store.Notifications {
	t.Helper()
	keys, err := pii.NewKeyring(bytes.Repeat([]byte{7}, 32), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), store.Options{SQLitePath: filepath.Join(t.TempDir(), "k.db")}, keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s.Notifications()
}

func queue(t *testing.T, s *store.Notifications, r notify.Record) {
	t.Helper()
	r.Template, r.Lang, r.Status = "registration_code", "ru", notify.Queued
	r.CreatedAt, r.UpdatedAt = time.Now(), time.Now()
	if err := s.InsertNotification(context.Background(), &r); err != nil {
		t.Fatal(err)
	}
}

// crashAfterSend stands for a process killed after the gateway took the
// message and before the outcome was written: it sends, then panics.
type crashAfterSend struct{ transport.Sender }

var errCrash = errors.New("killed after sending")

func (c crashAfterSend) Send(ctx context.Context, m transport.Message) error {
	if err := c.Sender.Send(ctx, m); err != nil {
		return err
	}
	panic(errCrash)
}

// deliverCrashing runs one attempt that dies after its send.
func deliverCrashing(t *testing.T, d *notify.Deliverer, id string) {
	t.Helper()
	defer func() {
		if p := recover(); p != errCrash {
			t.Fatalf("the crashing attempt ended with %v", p)
		}
	}()
	_ = d.Deliver(context.Background(), id, 1)
}

// TestRedeliveryAfterCrashKeepsTheID: an attempt that dies between the send
// and the record leaves the notification Sending; the next attempt sends it
// again under the same ID, which the SMS gateway recognises (one message, one
// counted repeat) and which gives the e-mail the same Message-ID.
func TestRedeliveryAfterCrashKeepsTheID(t *testing.T) {
	sim, sendURL := testenv.StartSMSSim(t, "tok")
	mp := testenv.StartMailpit(t)
	smtp, err := transport.NewSMTP(mp.SMTPURL(), "noreply@kabinet.test")
	if err != nil {
		t.Fatal(err)
	}
	sms := transport.SMSGateway{URL: sendURL, Token: "tok"}
	st := outboxStore(t)
	queue(t, st, notify.Record{ID: "sms-1", Channel: notify.ChannelSMS, To: "+79161234567", Text: "Код: 482913"})
	queue(t, st, notify.Record{ID: "mail-1", Channel: notify.ChannelEmail, To: "ivanov@kabinet.test", Subject: "Код", Text: "Код: 482913"})

	crashing := notify.NewDeliverer(st, crashAfterSend{sms}, crashAfterSend{smtp}, time.Now, 12, nil)
	deliverCrashing(t, crashing, "sms-1")
	deliverCrashing(t, crashing, "mail-1")
	ctx := context.Background()
	for _, id := range []string{"sms-1", "mail-1"} {
		if r, _ := st.Notification(ctx, id); r.Status != notify.Sending || r.Attempts != 1 {
			t.Fatalf("after the crash %s is %s (attempt %d), want sending (1)", id, r.Status, r.Attempts)
		}
	}

	d := notify.NewDeliverer(st, sms, smtp, time.Now, 12, nil)
	for _, id := range []string{"sms-1", "mail-1"} {
		if err := d.Deliver(ctx, id, 2); err != nil {
			t.Fatalf("redelivery of %s: %v", id, err)
		}
		if r, _ := st.Notification(ctx, id); r.Status != notify.Sent || r.Attempts != 2 {
			t.Errorf("after redelivery %s is %s (attempt %d), want sent (2)", id, r.Status, r.Attempts)
		}
	}
	if n := d.Interrupted(); n != 2 {
		t.Errorf("Interrupted() = %d, want 2", n)
	}
	// A third job run (say, a rescue that raced the second) sends nothing.
	if err := d.Deliver(ctx, "sms-1", 3); err != nil {
		t.Fatal(err)
	}

	if got := sim.Stats(); got.Messages != 1 || got.Repeats != 1 || got.Repeated["sms-1"] != 1 {
		t.Errorf("gateway saw %+v; want the message once and its id repeated once", got)
	}
	wait, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var mails []testenv.MailSummary
	for len(mails) < 2 && wait.Err() == nil {
		if mails, err = mp.Messages(wait, "ivanov@kabinet.test"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond) // polling; the deadline above bounds it
	}
	if len(mails) != 2 {
		t.Fatalf("mailpit has %d copies, want 2 (SMTP does not deduplicate; the receiver does, by Message-ID)", len(mails))
	}
	want := transport.MessageID("mail-1", "kabinet.test")
	for _, m := range mails {
		if m.MessageID != want {
			t.Errorf("Message-ID %q, want %q on every attempt", m.MessageID, want)
		}
	}
}

// TestTimedOutAttemptIsRecorded: an attempt whose context ends while the
// gateway holds the request still records Retrying (its own context is gone
// by then), so the row does not look interrupted.
func TestTimedOutAttemptIsRecorded(t *testing.T) {
	slow := smsSimWithDelay(t)
	st := outboxStore(t)
	queue(t, st, notify.Record{ID: "sms-2", Channel: notify.ChannelSMS, To: "+79161234567", Text: "Код: 1"})
	d := notify.NewDeliverer(st, transport.SMSGateway{URL: slow, Token: "tok"}, nil, time.Now, 12, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := d.Deliver(ctx, "sms-2", 1); err == nil || transport.IsPermanent(err) {
		t.Fatalf("Deliver: %v; want a temporary error", err)
	}
	if r, _ := st.Notification(context.Background(), "sms-2"); r.Status != notify.Retrying || r.Attempts != 1 || r.LastError == "" {
		t.Errorf("after a timed-out attempt: %s, attempt %d, %q; want retrying, 1, an error", r.Status, r.Attempts, r.LastError)
	}
}

// smsSimWithDelay returns the send URL of a gateway that holds every request
// until the client gives up.
func smsSimWithDelay(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(smssim.New(smssim.Config{Token: "tok", Delay: time.Hour}))
	t.Cleanup(srv.Close)
	return srv.URL + "/send"
}

// TestDeletedNotificationIsNotRetried: a message deleted before its job ran
// (its account erased) is not sent, and the job ends rather than retrying.
func TestDeletedNotificationIsNotRetried(t *testing.T) {
	st := outboxStore(t)
	d := notify.NewDeliverer(st, transport.SMSGateway{URL: "http://127.0.0.1:1/unreachable", Token: "tok"}, nil, time.Now, 12, nil)
	if err := d.Deliver(context.Background(), "gone", 1); err != nil {
		t.Errorf("Deliver of a deleted notification: %v", err)
	}
}
