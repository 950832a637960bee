package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/flow"
	"github.com/kabinet/kabinet/internal/notify"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/store"
)

// TestRetention: each sweep removes exactly the rows older than its cut-off
// and keeps the rest, deleting in batches (of 2 here, so that every sweep
// takes several statements).
func TestRetention(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := t0.Add(400 * 24 * time.Hour)
		ago := func(d time.Duration) time.Time { return now.Add(-d) }
		const day = 24 * time.Hour
		if err := s.Accounts().CreateAccount(ctx, newAccount("acc", "+79161234567", "")); err != nil {
			t.Fatal(err)
		}

		// Flows: expired more than a day ago, or finished (done) more than a day ago.
		flows := []struct {
			id              string
			state           flow.State
			updated, expiry time.Time
		}{
			{"gone-expired-1", flow.AwaitingCode, ago(3 * day), ago(25 * time.Hour)},
			{"gone-expired-2", flow.SetPassword, ago(3 * day), ago(2 * day)},
			{"gone-expired-3", flow.AwaitingCode, ago(30 * day), ago(29 * day)},
			{"gone-done", flow.Done, ago(25 * time.Hour), now.Add(time.Hour)},
			{"kept-expired-recently", flow.AwaitingCode, ago(2 * time.Hour), ago(23 * time.Hour)},
			{"kept-done-recently", flow.Done, ago(time.Hour), now.Add(time.Hour)},
			{"kept-live", flow.AwaitingCode, ago(time.Minute), now.Add(time.Hour)},
		}
		for _, f := range flows {
			x := &flow.Flow{ID: f.id, Kind: "registration", State: f.state, Channel: contact.ChannelSMS, Destination: "+79161234567",
				Lang: "ru", CreatedAt: f.updated, UpdatedAt: f.updated, ExpiresAt: f.expiry}
			if err := s.Flows().CreateFlow(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		// Sessions: ended or expired more than 90 days ago.
		sessions := []struct {
			id           string
			ended, until time.Time
		}{
			{"gone-ended", ago(91 * day), ago(90*day - time.Hour)},
			{"gone-expired-1", time.Time{}, ago(91 * day)},
			{"gone-expired-2", time.Time{}, ago(200 * day)},
			{"kept-ended", ago(89 * day), now.Add(time.Hour)},
			{"kept-expired", time.Time{}, ago(89 * day)},
			{"kept-live", time.Time{}, now.Add(time.Hour)},
		}
		for _, x := range sessions {
			created := x.until.Add(-12 * time.Hour)
			if err := s.Sessions().CreateSession(ctx, &session.Session{ID: x.id, TokenHash: session.HashToken(x.id), AccountID: "acc", Method: "password",
				IP: "127.0.0.1", UserAgent: "Firefox", CreatedAt: created, LastSeenAt: created, ExpiresAt: x.until}); err != nil {
				t.Fatal(err)
			}
			if !x.ended.IsZero() {
				if ok, err := s.Sessions().EndSession(ctx, "acc", x.id, "signed_out", x.ended); err != nil || !ok {
					t.Fatalf("EndSession %s: %v %v", x.id, ok, err)
				}
			}
		}
		// Sign-ins: recorded more than 180 days ago.
		for id, at := range map[string]time.Time{"gone-1": ago(181 * day), "gone-2": ago(300 * day), "gone-3": ago(399 * day), "kept": ago(179 * day)} {
			if err := s.Sessions().RecordSignIn(ctx, &session.SignIn{ID: id, AccountID: "acc", At: at, IP: "10.0.0.1", UserAgent: "Chrome", Method: "password", Outcome: "success"}); err != nil {
				t.Fatal(err)
			}
		}
		// Notifications: created more than 30 days ago, whatever their status.
		for id, at := range map[string]time.Time{"gone-sent": ago(31 * day), "gone-failed": ago(60 * day), "gone-queued": ago(90 * day), "kept": ago(29 * day)} {
			if err := s.Notifications().InsertNotification(ctx, &notify.Record{ID: id, Channel: notify.ChannelSMS, To: "+79161234567", Template: "registration_code",
				Lang: "ru", Text: "Код: 123456", Status: notify.Queued, CreatedAt: at, UpdatedAt: at}); err != nil {
				t.Fatal(err)
			}
		}
		// Throttle rows: older than store.ThrottleHorizon.
		for i, at := range []time.Time{ago(49 * time.Hour), ago(50 * time.Hour), ago(51 * time.Hour), ago(47 * time.Hour)} {
			if _, _, err := s.RateLimits().AddHits(ctx, []byte("key"), at, 1, at); err != nil {
				t.Fatal(err)
			}
			if _, _, _, err := s.RateLimits().LogEvent(ctx, []byte(fmt.Sprint("log-", i)), at, at.Add(-time.Hour), 10, false); err != nil {
				t.Fatal(err)
			}
		}

		check := func(name string, n int64, err error, want int64) {
			t.Helper()
			if err != nil || n != want {
				t.Errorf("%s = %d, %v; want %d", name, n, err, want)
			}
		}
		n, err := s.Retention().DeleteFlowsEndedBefore(ctx, ago(day), 2)
		check("DeleteFlowsEndedBefore", n, err, 4)
		n, err = s.Retention().DeleteSessionsEndedBefore(ctx, ago(90*day), 2)
		check("DeleteSessionsEndedBefore", n, err, 3)
		n, err = s.Retention().DeleteSignInsBefore(ctx, ago(180*day), 2)
		check("DeleteSignInsBefore", n, err, 3)
		n, err = s.Retention().DeleteNotificationsCreatedBefore(ctx, ago(30*day), 2)
		check("DeleteNotificationsCreatedBefore", n, err, 3)
		n, err = s.Retention().DeleteRateLimitsPastHorizon(ctx, now, 2)
		check("DeleteRateLimitsPastHorizon", n, err, 6) // 3 buckets and 3 logs

		for table, want := range map[string][]string{
			"flows":         {"kept-done-recently", "kept-expired-recently", "kept-live"},
			"sessions":      {"kept-ended", "kept-expired", "kept-live"},
			"sign_ins":      {"kept"},
			"notifications": {"kept"},
		} {
			if got := ids(t, s, table); !slices.Equal(got, want) {
				t.Errorf("%s left: %v, want %v", table, got, want)
			}
		}
		var buckets, logs int
		if err := s.DB().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM rate_counts), (SELECT COUNT(*) FROM rate_logs)`).Scan(&buckets, &logs); err != nil || buckets != 1 || logs != 1 {
			t.Errorf("throttle rows left: %d buckets, %d logs, %v; want 1 and 1", buckets, logs, err)
		}
		// A second sweep finds nothing.
		n, err = s.Retention().DeleteSignInsBefore(ctx, ago(180*day), 2)
		check("DeleteSignInsBefore again", n, err, 0)
	})
}

func ids(t *testing.T, s *store.Store, table string) []string {
	t.Helper()
	rows, err := s.DB().Query(`SELECT id FROM ` + table + ` ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}
