package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/internal/notify"
)

// Notifications is the outbox (the notifications table): every message
// written, sealed, with its delivery status.
type Notifications struct{ st *Store }

// Notifications returns the outbox's repository.
func (s *Store) Notifications() *Notifications { return &Notifications{st: s} }

var _ notify.Store = (*Notifications)(nil)

// InsertNotification writes a notification to the outbox. Recipient and
// content are sealed: they hold phone numbers, addresses and codes.
func (nt *Notifications) InsertNotification(ctx context.Context, r *notify.Record) error {
	seal := func(v, col string) []byte { return nt.st.seal("notifications", col, r.ID, v) }
	_, err := nt.st.exec(ctx, `INSERT INTO notifications (id, account_id, channel, recipient, template, lang, subject, body, html, status, attempts, created_at, updated_at)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`, r.ID, nullString(r.AccountID), string(r.Channel), seal(r.To, "recipient"), r.Template, r.Lang,
		seal(r.Subject, "subject"), seal(r.Text, "body"), seal(r.HTML, "html"), string(r.Status), r.Attempts, ms(r.CreatedAt), ms(r.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: insert notification: %w", err)
	}
	return nil
}

const notificationColumns = `id, account_id, channel, recipient, template, lang, subject, body, html, status, attempts, last_error, created_at, updated_at, sent_at`

func (nt *Notifications) scanNotification(sc interface{ Scan(...any) error }) (*notify.Record, error) {
	var (
		r                        notify.Record
		accountID, lastErr       sql.NullString
		channel, status          string
		to, subj, body, html     []byte
		created, updated, sentAt sql.NullInt64
	)
	if err := sc.Scan(&r.ID, &accountID, &channel, &to, &r.Template, &r.Lang, &subj, &body, &html, &status, &r.Attempts, &lastErr, &created, &updated, &sentAt); err != nil {
		return nil, err
	}
	r.AccountID, r.Channel, r.Status, r.LastError = accountID.String, notify.Channel(channel), notify.Status(status), lastErr.String
	r.CreatedAt, r.UpdatedAt, r.SentAt = fromMS(created), fromMS(updated), fromMS(sentAt)
	var err error
	open := func(ct []byte, col string) string {
		if err != nil {
			return ""
		}
		var v string
		v, err = nt.st.unseal("notifications", col, r.ID, ct)
		return v
	}
	r.To, r.Subject, r.Text, r.HTML = open(to, "recipient"), open(subj, "subject"), open(body, "body"), open(html, "html")
	if err != nil {
		return nil, fmt.Errorf("store: notification %s: %w", r.ID, err)
	}
	return &r, nil
}

// Notification returns one outbox entry.
func (nt *Notifications) Notification(ctx context.Context, id string) (*notify.Record, error) {
	r, err := nt.scanNotification(nt.st.queryRow(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "notification.not_found")
	}
	return r, nil
}

// ClaimNotification marks a notification as being sent by the given attempt
// (status Sending, attempts and updated_at set) and returns it as it was
// before, unless it is already Sent or Failed, in which case it is returned
// untouched. The mark is a compare-and-set on the row as read, so of two
// attempts racing for one notification only one sees it unclaimed.
func (nt *Notifications) ClaimNotification(ctx context.Context, id string, attempt int, at time.Time) (*notify.Record, error) {
	for range 5 {
		r, err := nt.Notification(ctx, id)
		if err != nil || r.Status == notify.Sent || r.Status == notify.Failed {
			return r, err
		}
		res, err := nt.st.exec(ctx, `UPDATE notifications SET status = ?, attempts = ?, updated_at = ? WHERE id = ? AND status = ? AND attempts = ? AND updated_at = ?`,
			string(notify.Sending), attempt, ms(at), id, string(r.Status), r.Attempts, ms(r.UpdatedAt))
		if err != nil {
			return nil, fmt.Errorf("store: claim notification: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return r, err
		}
		// Another attempt changed the row between the read and the update.
	}
	return nil, fmt.Errorf("store: claim notification %s: the row keeps changing", id)
}

// SetNotificationStatus records the outcome of a delivery attempt.
func (nt *Notifications) SetNotificationStatus(ctx context.Context, id string, st notify.Status, attempts int, lastErr string, at time.Time) error {
	var sent any
	if st == notify.Sent {
		sent = ms(at)
	}
	res, err := nt.st.exec(ctx, `UPDATE notifications SET status = ?, attempts = ?, last_error = ?, updated_at = ?, sent_at = COALESCE(?, sent_at) WHERE id = ?`,
		string(st), attempts, nullString(lastErr), ms(at), sent, id)
	if err != nil {
		return fmt.Errorf("store: notification status: %w", err)
	}
	return expectOne(res, "notification.not_found")
}

// ListNotifications returns the newest outbox entries, for the development
// outbox page.
func (nt *Notifications) ListNotifications(ctx context.Context, limit int) ([]notify.Record, error) {
	rows, err := nt.st.query(ctx, `SELECT `+notificationColumns+` FROM notifications ORDER BY created_at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list notifications: %w", err)
	}
	defer rows.Close()
	var out []notify.Record
	for rows.Next() {
		r, err := nt.scanNotification(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// NotificationsOf returns the account's notifications, newest first, for
// its data export.
func (nt *Notifications) NotificationsOf(ctx context.Context, accountID string, limit int) ([]notify.Record, error) {
	rows, err := nt.st.query(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE account_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`, accountID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: notifications of account: %w", err)
	}
	defer rows.Close()
	var out []notify.Record
	for rows.Next() {
		r, err := nt.scanNotification(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}
