package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/flow"
	"github.com/kabinet/kabinet/internal/notify"
	"github.com/kabinet/kabinet/internal/pii"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/store"
	"github.com/kabinet/kabinet/internal/testenv"
	"github.com/kabinet/kabinet/internal/throttle"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.Shutdown()
	os.Exit(code)
}

func keyring(t testing.TB) *pii.Keyring {
	k, err := pii.NewKeyring(bytes.Repeat([]byte{7}, 32), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// eachEngine runs f against a fresh, migrated store on SQLite and on
// PostgreSQL.
func eachEngine(t *testing.T, f func(t *testing.T, s *store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		f(t, openSQLite(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		f(t, openPostgres(t))
	})
}

func openSQLite(t testing.TB) *store.Store {
	s, err := store.Open(context.Background(), store.Options{SQLitePath: filepath.Join(t.TempDir(), "k.db")}, keyring(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func openPostgres(t testing.TB) *store.Store {
	url := testenv.NewPostgresDatabase(t)
	s, err := store.Open(context.Background(), store.Options{URL: url}, keyring(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func newAccount(id, phone, email string) *account.Account {
	return &account.Account{ID: id, Level: account.Simplified, Status: account.Active, Surname: "Иванов", Name: "Иван",
		Phone: contact.Phone(phone), Email: contact.Email(email), PasswordHash: "$argon2id$x", PasswordChangedAt: t0,
		Lang: "ru", CreatedAt: t0, UpdatedAt: t0}
}

func TestAccounts(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := newAccount("acc1", "+79161234567", "")
		if err := s.Accounts().CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		got, err := s.Accounts().AccountByPhone(ctx, "+79161234567")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != "acc1" || got.Surname != "Иванов" || got.Name != "Иван" || got.Phone != "+79161234567" || got.Email != "" || !got.CreatedAt.Equal(t0) {
			t.Errorf("read back %+v", got)
		}
		// The same phone on another account is refused.
		err = s.Accounts().CreateAccount(ctx, newAccount("acc2", "+79161234567", "x@example.com"))
		if problem.KindOf(err) != problem.Conflict {
			t.Errorf("duplicate phone: %v", err)
		}
		// Accounts without a phone coexist (NULL is not a duplicate).
		for i, e := range []string{"a@example.com", "b@example.com"} {
			if err := s.Accounts().CreateAccount(ctx, newAccount("mail"+string(rune('0'+i)), "", e)); err != nil {
				t.Fatalf("second phoneless account: %v", err)
			}
		}
		if got, err := s.Accounts().AccountByEmail(ctx, "b@example.com"); err != nil || got.ID != "mail1" {
			t.Errorf("by e-mail: %v %v", got, err)
		}
		if got, err := s.Accounts().AccountByLogin(ctx, contact.Login{Kind: contact.LoginEmail, Email: "a@example.com"}); err != nil || got.ID != "mail0" {
			t.Errorf("by login: %v %v", got, err)
		}
		if _, err := s.Accounts().AccountByPhone(ctx, "+79990000000"); problem.KindOf(err) != problem.NotFound {
			t.Errorf("unknown phone: %v", err)
		}
		if err := s.Accounts().SetPassword(ctx, "acc1", "$argon2id$new", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Accounts().AccountByID(ctx, "acc1")
		if got.PasswordHash != "$argon2id$new" || !got.PasswordChangedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("password not updated: %+v", got)
		}
		if err := s.Accounts().SetPassword(ctx, "nobody", "x", t0); problem.KindOf(err) != problem.NotFound {
			t.Errorf("SetPassword(unknown) = %v", err)
		}
		// Personal data is not stored in clear.
		var surname, phone []byte
		if err := s.DB().QueryRowContext(ctx, "SELECT surname, phone FROM accounts WHERE id = 'acc1'").Scan(&surname, &phone); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(surname, []byte("Иванов")) || bytes.Contains(phone, []byte("9161234567")) {
			t.Error("personal data stored in clear")
		}
	})
}

func TestTransactRollsBack(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := s.Transact(ctx, func(ctx context.Context) error {
			if err := s.Accounts().CreateAccount(ctx, newAccount("tx1", "+79160000001", "")); err != nil {
				return err
			}
			// A nested call joins the same transaction.
			return s.Transact(ctx, func(ctx context.Context) error {
				if _, err := s.Accounts().AccountByID(ctx, "tx1"); err != nil {
					t.Errorf("own write not visible inside the transaction: %v", err)
				}
				return boom
			})
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Transact = %v", err)
		}
		if _, err := s.Accounts().AccountByID(ctx, "tx1"); problem.KindOf(err) != problem.NotFound {
			t.Errorf("rolled-back account exists: %v", err)
		}
	})
}

func TestFlows(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := &flow.Flow{ID: "f1", Kind: flow.Registration, State: flow.AwaitingCode, Binding: []byte{1, 2, 3}, Channel: contact.ChannelSMS,
			Destination: "+79161234567", Values: flow.Values{Surname: "Петрова", Name: "Анна-Мария"}, CodeHash: []byte("h"),
			CodeSentAt: t0, CodeExpiresAt: t0.Add(300 * time.Second), Sends: 1, Lang: "ru", CreatedAt: t0, UpdatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := s.Flows().CreateFlow(ctx, f); err != nil {
			t.Fatal(err)
		}
		got, err := s.Flows().Flow(ctx, flow.Registration, "f1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Values != f.Values || got.Destination != f.Destination || !bytes.Equal(got.Binding, f.Binding) || !got.CodeExpiresAt.Equal(f.CodeExpiresAt) || got.AccountID != "" {
			t.Errorf("read back %+v", got)
		}
		if _, err := s.Flows().Flow(ctx, flow.Recovery, "f1"); problem.KindOf(err) != problem.NotFound {
			t.Errorf("flow found under another kind: %v", err)
		}
		// Attempts are counted atomically, even in parallel.
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.Flows().CountCodeAttempt(ctx, "f1", got.Stored.Version, t0); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if n, _ := s.Flows().CountCodeAttempt(ctx, "f1", got.Stored.Version, t0); n != 21 {
			t.Errorf("attempts = %d, want 21", n)
		}
		// A save is a compare-and-set: of two copies read at one revision,
		// the first saves and the second is a Conflict.
		stale := *got
		got.State, got.CodeAttempts, got.Values.Decoy = flow.SetPassword, 0, true
		if err := s.Flows().UpdateFlow(ctx, got); err != nil {
			t.Fatal(err)
		}
		if err := s.Flows().UpdateFlow(ctx, &stale); problem.KindOf(err) != problem.Conflict {
			t.Errorf("stale save: %v, want a Conflict", err)
		}
		again, _ := s.Flows().Flow(ctx, flow.Registration, "f1")
		if again.State != flow.SetPassword || !again.Values.Decoy || again.CodeAttempts != 21 || again.Stored.Version != 1 {
			t.Errorf("update lost, or attempts written back: %+v", again)
		}
		// Attempts at a code the flow has moved past are refused.
		if _, err := s.Flows().CountCodeAttempt(ctx, "f1", stale.Stored.Version, t0); problem.KindOf(err) != problem.Conflict {
			t.Errorf("attempt on an old version: %v", err)
		}
		if v, err := s.Flows().FlowVersion(ctx, "f1"); err != nil || v != 1 {
			t.Errorf("FlowVersion = %d, %v", v, err)
		}
		// A new code starts its attempts at zero.
		again.Sends++
		if err := s.Flows().UpdateFlow(ctx, again); err != nil {
			t.Fatal(err)
		}
		if fresh, _ := s.Flows().Flow(ctx, flow.Registration, "f1"); fresh.CodeAttempts != 0 || fresh.Sends != 2 {
			t.Errorf("new code: attempts %d, sends %d", fresh.CodeAttempts, fresh.Sends)
		}
		if n, err := s.Retention().DeleteFlowsEndedBefore(ctx, t0.Add(2*time.Hour), 0); err != nil || n != 1 {
			t.Errorf("DeleteFlowsEndedBefore = %d, %v", n, err)
		}
	})
}

func TestSessions(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.Accounts().CreateAccount(ctx, newAccount("acc", "+79161234567", "")); err != nil {
			t.Fatal(err)
		}
		for i, id := range []string{"s1", "s2", "s3"} {
			x := &session.Session{ID: id, TokenHash: session.HashToken("tok-" + id), AccountID: "acc", Method: "password", IP: "127.0.0.1",
				UserAgent: "Firefox", CreatedAt: t0.Add(time.Duration(i) * time.Minute), LastSeenAt: t0, ExpiresAt: t0.Add(12 * time.Hour)}
			if err := s.Sessions().CreateSession(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		x, a, err := s.Sessions().SessionByToken(ctx, session.HashToken("tok-s2"))
		if err != nil || x.ID != "s2" || a.ID != "acc" || a.Name != "Иван" {
			t.Fatalf("SessionByToken = %+v %+v %v", x, a, err)
		}
		if _, _, err := s.Sessions().SessionByToken(ctx, session.HashToken("nope")); problem.KindOf(err) != problem.NotFound {
			t.Errorf("unknown token: %v", err)
		}
		if err := s.Sessions().TouchSession(ctx, "s2", t0.Add(5*time.Minute)); err != nil {
			t.Fatal(err)
		}
		x, _, _ = s.Sessions().SessionByToken(ctx, session.HashToken("tok-s2"))
		if !x.LastSeenAt.Equal(t0.Add(5 * time.Minute)) {
			t.Errorf("touch lost: %v", x.LastSeenAt)
		}
		list, _ := s.Sessions().ListSessions(ctx, "acc", t0)
		if ids := sessionIDs(list); ids != "s3,s2,s1" {
			t.Errorf("list = %s", ids)
		}
		if ok, _ := s.Sessions().EndSession(ctx, "other-account", "s1", "x", t0); ok {
			t.Error("ended another account's session")
		}
		if ok, _ := s.Sessions().EndSession(ctx, "acc", "s1", session.EndedByUser, t0); !ok {
			t.Error("EndSession = false")
		}
		if ok, _ := s.Sessions().EndSession(ctx, "acc", "s1", session.EndedByUser, t0); ok {
			t.Error("ended twice")
		}
		if n, _ := s.Sessions().EndSessions(ctx, "acc", "s3", session.EndedByUser, t0); n != 1 {
			t.Errorf("EndSessions = %d", n)
		}
		list, _ = s.Sessions().ListSessions(ctx, "acc", t0)
		if ids := sessionIDs(list); ids != "s3" {
			t.Errorf("after ending: %s", ids)
		}
		x, _, _ = s.Sessions().SessionByToken(ctx, session.HashToken("tok-s1"))
		if x.EndedAt.IsZero() || x.EndReason != session.EndedByUser {
			t.Errorf("ended session: %+v", x)
		}
		for i, o := range []string{session.OutcomeWrongPassword, session.OutcomeSuccess} {
			if err := s.Sessions().RecordSignIn(ctx, &session.SignIn{ID: o, AccountID: "acc", At: t0.Add(time.Duration(i) * time.Second), IP: "10.0.0.1", UserAgent: "Chrome", Method: "password", Outcome: o}); err != nil {
				t.Fatal(err)
			}
		}
		h, _ := s.Sessions().ListSignIns(ctx, "acc", 10)
		if len(h) != 2 || h[0].Outcome != session.OutcomeSuccess || h[1].IP != "10.0.0.1" {
			t.Errorf("history %+v", h)
		}
	})
}

func sessionIDs(l []session.Session) string {
	var ids []string
	for _, x := range l {
		ids = append(ids, x.ID)
	}
	return strings.Join(ids, ",")
}

// TestThrottle runs the rolling-window limiter on both engines: never more
// than Max in any window, not even across a bucket edge or from parallel
// callers; refused events are taken back; waits end when the oldest event
// leaves the window.
func TestThrottle(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var mu sync.Mutex
		now := t0
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		set := func(d time.Duration) { mu.Lock(); now = t0.Add(d); mu.Unlock() }
		l := throttle.New(s.RateLimits(), clock, []byte("test key"))
		rule := throttle.Rule{Name: "test", Max: 5, Window: 15 * time.Minute, Message: "signin.locked"}

		// 50 at once: exactly 5 pass.
		var (
			wg     sync.WaitGroup
			passed atomic.Int32
		)
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				switch err := l.Take(ctx, rule, "login"); {
				case err == nil:
					passed.Add(1)
				case problem.KindOf(err) != problem.TooMany:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if passed.Load() != 5 {
			t.Fatalf("%d of 50 parallel events passed a limit of 5", passed.Load())
		}
		if n, _ := l.Count(ctx, rule, "login"); n != 5 {
			t.Errorf("refused events were counted: %d", n)
		}
		// Rolling: nothing fits until the first events leave the window,
		// however the window's start falls (a fixed window would open at its
		// edge), and then at once (the wait is never longer than the window).
		for _, d := range []time.Duration{time.Minute, 15*time.Minute - time.Millisecond} {
			set(d)
			err := l.Take(ctx, rule, "login")
			p, _ := problem.As(err)
			if p == nil || p.Kind != problem.TooMany {
				t.Fatalf("at +%v: %v, want a refusal", d, err)
			}
			if wait := p.RetryAfter; d+wait < 15*time.Minute || d+wait > 15*time.Minute+time.Second {
				t.Errorf("at +%v: retry after %v", d, wait)
			}
		}
		set(15 * time.Minute)
		if err := l.Take(ctx, rule, "login"); err != nil {
			t.Errorf("after the window: %v", err)
		}
		// A large rule counts in buckets: still never more than Max, even in
		// parallel, and free again a sixtieth of the window after it ends.
		big := throttle.Rule{Name: "big", Max: 100, Window: 10 * time.Minute, Message: "signin.ip_limit"}
		set(0)
		passed.Store(0)
		for range 130 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if l.Take(ctx, big, "ip") == nil {
					passed.Add(1)
				}
			}()
		}
		wg.Wait()
		if passed.Load() != 100 {
			t.Errorf("%d of 130 parallel events passed a bucketed limit of 100", passed.Load())
		}
		set(10*time.Minute - time.Second)
		if l.Take(ctx, big, "ip") == nil {
			t.Error("bucketed rule let an event through inside the window")
		}
		set(10*time.Minute + 10*time.Second + time.Millisecond)
		if err := l.Take(ctx, big, "ip"); err != nil {
			t.Errorf("bucketed rule after the window and a bucket: %v", err)
		}
		set(15 * time.Minute)
		if err := l.Check(ctx, rule, "other"); err != nil {
			t.Errorf("another subject: %v", err)
		}
		if err := l.Reset(ctx, rule, "login"); err != nil {
			t.Fatal(err)
		}
		if n, _ := l.Count(ctx, rule, "login"); n != 0 {
			t.Errorf("after reset: %d", n)
		}
		// Add counts past the limit (outcomes known afterwards).
		for range 7 {
			if _, err := l.Add(ctx, rule, "ip"); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Check(ctx, rule, "ip"); problem.KindOf(err) != problem.TooMany {
			t.Errorf("check after 7 adds: %v", err)
		}
		if n, err := s.Retention().DeleteRateLimitsPastHorizon(ctx, t0.Add(72*time.Hour), 0); err != nil || n == 0 {
			t.Errorf("DeleteRateLimitsPastHorizon = %d, %v", n, err)
		}
	})
}

func TestNotifications(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		r := &notify.Record{ID: "n1", Channel: notify.ChannelSMS, To: "+79161234567", Template: "registration_code", Lang: "ru",
			Text: "123456 — код", Status: notify.Queued, CreatedAt: t0, UpdatedAt: t0}
		if err := s.Notifications().InsertNotification(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := s.Notifications().SetNotificationStatus(ctx, "n1", notify.Retrying, 1, "gateway said 503", t0.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := s.Notifications().SetNotificationStatus(ctx, "n1", notify.Sent, 2, "", t0.Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
		got, err := s.Notifications().Notification(ctx, "n1")
		if err != nil || got.Text != r.Text || got.To != r.To || got.Status != notify.Sent || got.Attempts != 2 || !got.SentAt.Equal(t0.Add(2*time.Second)) || got.LastError != "" {
			t.Errorf("read back %+v %v", got, err)
		}
		list, _ := s.Notifications().ListNotifications(ctx, 10)
		if len(list) != 1 || list[0].ID != "n1" {
			t.Errorf("list %+v", list)
		}
	})
}

// TestClaimNotification: an attempt marks the row Sending before it sends;
// the next attempt sees the mark (the earlier one was interrupted); a sent
// or failed notification is never claimed.
func TestClaimNotification(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, id := range []string{"c1", "c2"} {
			r := &notify.Record{ID: id, Channel: notify.ChannelSMS, To: "+79161234567", Template: "registration_code", Lang: "ru",
				Text: "123456 — код", Status: notify.Queued, CreatedAt: t0, UpdatedAt: t0}
			if err := s.Notifications().InsertNotification(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		before, err := s.Notifications().ClaimNotification(ctx, "c1", 1, t0.Add(time.Second))
		if err != nil || before.Status != notify.Queued || before.Attempts != 0 || before.Text != "123456 — код" {
			t.Fatalf("first claim returned %+v %v; want the queued row", before, err)
		}
		now, _ := s.Notifications().Notification(ctx, "c1")
		if now.Status != notify.Sending || now.Attempts != 1 || !now.UpdatedAt.Equal(t0.Add(time.Second)) {
			t.Errorf("after the claim: %+v", now)
		}
		// The process died: the next attempt finds the mark.
		before, err = s.Notifications().ClaimNotification(ctx, "c1", 2, t0.Add(2*time.Second))
		if err != nil || before.Status != notify.Sending || before.Attempts != 1 {
			t.Fatalf("second claim returned %+v %v; want the interrupted attempt 1", before, err)
		}
		if err := s.Notifications().SetNotificationStatus(ctx, "c1", notify.Sent, 2, "", t0.Add(3*time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := s.Notifications().SetNotificationStatus(ctx, "c2", notify.Failed, 1, "550", t0.Add(3*time.Second)); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"c1", "c2"} {
			before, err := s.Notifications().ClaimNotification(ctx, id, 3, t0.Add(4*time.Second))
			if err != nil || (before.Status != notify.Sent && before.Status != notify.Failed) {
				t.Fatalf("claim of a finished notification: %+v %v", before, err)
			}
			if after, _ := s.Notifications().Notification(ctx, id); after.Status != before.Status || after.Attempts != before.Attempts || !after.UpdatedAt.Equal(t0.Add(3*time.Second)) {
				t.Errorf("a finished notification was claimed: %+v", after)
			}
		}
		if _, err := s.Notifications().ClaimNotification(ctx, "nope", 1, t0); problem.KindOf(err) != problem.NotFound {
			t.Errorf("claim of a missing notification: %v", err)
		}
	})
}

func TestAuditIsAppendOnly(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := &audit.Event{At: t0, Action: "signin.failed", ActorKind: audit.ActorAnonymous, SubjectAccountID: "acc", IP: "127.0.0.1", Details: map[string]string{"login": "+7 916 ***-**-67"}}
		if err := s.AuditLog().AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
		got, err := s.AuditLog().EventsAbout(ctx, "acc", 10)
		if err != nil || len(got) != 1 || got[0].Details["login"] != "+7 916 ***-**-67" {
			t.Fatalf("EventsAbout = %+v %v", got, err)
		}
		if _, err := s.DB().ExecContext(ctx, "UPDATE audit_events SET action = 'x'"); err == nil {
			t.Error("audit event updated")
		}
		if _, err := s.DB().ExecContext(ctx, "DELETE FROM audit_events"); err == nil {
			t.Error("audit event deleted")
		}
	})
}

// TestSchemasMatch checks that both engines end with the same tables and
// columns, so a migration written for one and forgotten for the other fails.
func TestSchemasMatch(t *testing.T) {
	ctx := context.Background()
	lite, pg := openSQLite(t), openPostgres(t)
	columns := func(s *store.Store, q string) map[string][]string {
		rows, err := s.DB().QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string][]string{}
		for rows.Next() {
			var table, col string
			if err := rows.Scan(&table, &col); err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(table, "river_") || strings.HasPrefix(table, "goose_") || strings.HasPrefix(table, "sqlite_") {
				continue
			}
			out[table] = append(out[table], col)
		}
		for _, c := range out {
			sort.Strings(c)
		}
		return out
	}
	a := columns(lite, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'`)
	b := columns(pg, `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`)
	if len(a) == 0 {
		t.Fatal("no tables")
	}
	for table, cols := range a {
		if strings.Join(cols, ",") != strings.Join(b[table], ",") {
			t.Errorf("%s: sqlite %v, postgres %v", table, cols, b[table])
		}
	}
	for table := range b {
		if _, ok := a[table]; !ok {
			t.Errorf("%s only on postgres", table)
		}
	}
}

// TestMigrationFiles checks numbering has no gaps and both engines have the
// same migrations.
func TestMigrationFiles(t *testing.T) {
	names := func(dir string) []string {
		ents, err := os.ReadDir(filepath.Join("migrations", dir))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range ents {
			out = append(out, e.Name())
		}
		return out
	}
	lite, pg := names("sqlite"), names("postgres")
	if strings.Join(lite, ",") != strings.Join(pg, ",") {
		t.Errorf("sqlite %v, postgres %v", lite, pg)
	}
	for i, n := range lite {
		want := fmt.Sprintf("%04d_", i+1)
		if !strings.HasPrefix(n, want) {
			t.Errorf("migration %d is %s, want prefix %s", i+1, n, want)
		}
	}
}
