package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
	"github.com/kabinet/kabinet/internal/sso"
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

// openAt opens a new database of the engine ("sqlite" or "postgres")
// migrated up to version only: what a deployment of that version left.
func openAt(t *testing.T, engine string, version int64) *store.Store {
	t.Helper()
	o := store.Options{SQLitePath: filepath.Join(t.TempDir(), "k.db")}
	if engine == "postgres" {
		o = store.Options{URL: testenv.NewPostgresDatabase(t)}
	}
	s, err := store.Open(context.Background(), o, keyring(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.MigrateTo(context.Background(), version); err != nil {
		t.Fatal(err)
	}
	return s
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
		f := &flow.Flow{ID: "f1", Kind: "registration", State: flow.AwaitingCode, Binding: []byte{1, 2, 3}, Channel: contact.ChannelSMS,
			Destination: "+79161234567", Data: []byte(`{"surname":"Петрова","name":"Анна-Мария"}`), CodeAfter: t0.Add(time.Minute), CodeHash: []byte("h"),
			CodeSentAt: t0, CodeExpiresAt: t0.Add(300 * time.Second), Sends: 1, Lang: "ru", CreatedAt: t0, UpdatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := s.Flows().CreateFlow(ctx, f); err != nil {
			t.Fatal(err)
		}
		got, err := s.Flows().Flow(ctx, "registration", "f1")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Data, f.Data) || !got.CodeAfter.Equal(f.CodeAfter) || got.Decoy || got.Destination != f.Destination || !bytes.Equal(got.Binding, f.Binding) || !got.CodeExpiresAt.Equal(f.CodeExpiresAt) || got.AccountID != "" {
			t.Errorf("read back %+v", got)
		}
		if _, err := s.Flows().Flow(ctx, "recovery", "f1"); problem.KindOf(err) != problem.NotFound {
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
		got.State, got.CodeAttempts, got.Decoy = flow.SetPassword, 0, true
		if err := s.Flows().UpdateFlow(ctx, got); err != nil {
			t.Fatal(err)
		}
		if err := s.Flows().UpdateFlow(ctx, &stale); problem.KindOf(err) != problem.Conflict {
			t.Errorf("stale save: %v, want a Conflict", err)
		}
		again, _ := s.Flows().Flow(ctx, "registration", "f1")
		if again.State != flow.SetPassword || !again.Decoy || again.CodeAttempts != 21 || again.Stored.Version != 1 {
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
		if fresh, _ := s.Flows().Flow(ctx, "registration", "f1"); fresh.CodeAttempts != 0 || fresh.Sends != 2 {
			t.Errorf("new code: attempts %d, sends %d", fresh.CodeAttempts, fresh.Sends)
		}
		// A row written before flows had decoy and code_after columns kept
		// both in its data, and is read as it was meant.
		old := &flow.Flow{ID: "f0", Kind: "recovery", State: flow.AwaitingCode, Channel: contact.ChannelSMS, Destination: "+79161234568",
			Data: []byte(`{"decoy":true,"code_after":"2026-03-02T10:01:00Z"}`), Lang: "ru", CreatedAt: t0, UpdatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := s.Flows().CreateFlow(ctx, old); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Flows().Flow(ctx, "recovery", "f0"); err != nil || !got.Decoy || !got.CodeAfter.Equal(time.Date(2026, 3, 2, 10, 1, 0, 0, time.UTC)) {
			t.Errorf("legacy row: %+v, %v", got, err)
		}
		if n, err := s.Retention().DeleteFlowsEndedBefore(ctx, t0.Add(2*time.Hour), 0); err != nil || n != 2 {
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
		if ids, _ := s.Sessions().EndSessions(ctx, "acc", "s3", session.EndedByUser, t0); !slices.Equal(ids, []string{"s2"}) {
			t.Errorf("EndSessions = %v, want [s2]", ids)
		}
		list, _ = s.Sessions().ListSessions(ctx, "acc", t0)
		if ids := sessionIDs(list); ids != "s3" {
			t.Errorf("after ending: %s", ids)
		}
		x, _, _ = s.Sessions().SessionByToken(ctx, session.HashToken("tok-s1"))
		if x.EndedAt.IsZero() || x.EndReason != session.EndedByUser {
			t.Errorf("ended session: %+v", x)
		}
		// Lapsed with sign-ins at other sites standing: s3 idle since t0
		// (two sign-ins); s4 past its lifetime. s5 in use; s6 lapsed with
		// none; s7 lapsed with its sign-in revoked: left alone.
		for id, at := range map[string][2]time.Time{"s4": {t0.Add(time.Hour), t0.Add(2 * time.Hour)}, "s5": {t0.Add(100 * time.Minute), t0.Add(12 * time.Hour)},
			"s6": {t0, t0.Add(12 * time.Hour)}, "s7": {t0, t0.Add(12 * time.Hour)}} {
			if err := s.Sessions().CreateSession(ctx, &session.Session{ID: id, TokenHash: session.HashToken("tok-" + id), AccountID: "acc", Method: "password",
				IP: "127.0.0.1", UserAgent: "Firefox", CreatedAt: t0, LastSeenAt: at[0], ExpiresAt: at[1]}); err != nil {
				t.Fatal(err)
			}
		}
		for i, sid := range []string{"s3", "s3", "s4", "s5", "s7"} {
			g := &sso.Grant{ID: fmt.Sprint("g", i), ClientID: "site", AccountID: "acc", Subject: "sub", SessionID: sid, Scopes: []string{"openid"},
				Level: "standard", AuthTime: t0, CreatedAt: t0}
			if err := s.SSO().CreateGrant(ctx, g); err != nil {
				t.Fatal(err)
			}
		}
		if ok, err := s.SSO().RevokeGrant(ctx, "g4", "x", t0); err != nil || !ok {
			t.Fatalf("revoke: %v %v", ok, err)
		}
		now, idleBefore := t0.Add(2*time.Hour), t0.Add(90*time.Minute)
		first, err := s.Sessions().EndLapsedSessions(ctx, now, idleBefore, 1)
		if err != nil || len(first) != 1 {
			t.Fatalf("EndLapsedSessions(limit 1) = %v %v", first, err)
		}
		rest, err := s.Sessions().EndLapsedSessions(ctx, now, idleBefore, 10)
		var lapsed []string
		for _, r := range append(first, rest...) {
			if r.AccountID != "acc" {
				t.Errorf("lapsed %+v", r)
			}
			lapsed = append(lapsed, r.ID)
		}
		slices.Sort(lapsed)
		if err != nil || !slices.Equal(lapsed, []string{"s3", "s4"}) {
			t.Errorf("lapsed %v %v, want s3 s4", lapsed, err)
		}
		x, _, _ = s.Sessions().SessionByToken(ctx, session.HashToken("tok-s4"))
		if x.EndReason != session.EndedLapsed || !x.EndedAt.Equal(now) {
			t.Errorf("a lapsed session: %+v", x)
		}
		if again, err := s.Sessions().EndLapsedSessions(ctx, now, idleBefore, 10); err != nil || len(again) != 0 {
			t.Errorf("lapsed twice: %v %v", again, err)
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

// TestSchemasMatch checks that both engines end with the same schema after
// the migrations, so that a migration written for one and forgotten (or
// written differently) for the other fails: the same tables, the same
// columns, each of the same type class (schemaClass) and nullability, and
// the same primary keys and unique indexes or constraints, columns in order.
func TestSchemasMatch(t *testing.T) {
	lite, pg := schemaOf(t, openSQLite(t)), schemaOf(t, openPostgres(t))
	if len(lite) == 0 {
		t.Fatal("no tables")
	}
	if diff := schemaDiff(lite, pg); diff != "" {
		t.Errorf("the engines' schemas differ after the migrations (- sqlite only, + postgres only):\n%s", diff)
	}
}

// schema is, per table, the sorted lines that describe it: one per column
// ("column name int NOT NULL"), the primary key ("primary key (a, b)") and
// one per unique index or constraint ("unique (a)", "unique (a) partial").
type schema map[string][]string

// schemaDiff lists, table by table, the lines found on one engine only.
func schemaDiff(lite, pg schema) string {
	tables := map[string]bool{}
	for t := range lite {
		tables[t] = true
	}
	for t := range pg {
		tables[t] = true
	}
	names := make([]string, 0, len(tables))
	for t := range tables {
		names = append(names, t)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, table := range names {
		l, p := lite[table], pg[table]
		switch {
		case l == nil:
			fmt.Fprintf(&b, "  %s: table on postgres only\n", table)
			continue
		case p == nil:
			fmt.Fprintf(&b, "  %s: table on sqlite only\n", table)
			continue
		}
		onlyL, onlyP := minus(l, p), minus(p, l)
		if len(onlyL)+len(onlyP) == 0 {
			continue
		}
		fmt.Fprintf(&b, "  %s:\n", table)
		for _, x := range onlyL {
			fmt.Fprintf(&b, "    - %s\n", x)
		}
		for _, x := range onlyP {
			fmt.Fprintf(&b, "    + %s\n", x)
		}
	}
	return b.String()
}

// minus returns the lines of a not in b.
func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}

// schemaClass maps a column's declared type (SQLite) or data type
// (PostgreSQL) to a class the two engines share: the integers of every
// width are "int" (an SQLite INTEGER holds 64 bits), text and character
// types "text", BLOB and bytea "bytes". A type it does not know is kept as
// it is, and so differs from anything on the other engine.
func schemaClass(typ string) string {
	t := strings.ToLower(strings.TrimSpace(typ))
	if i := strings.IndexByte(t, '('); i >= 0 {
		t = strings.TrimSpace(t[:i]) // varchar(20), numeric(10, 2)
	}
	switch t {
	case "integer", "int", "bigint", "smallint", "int2", "int4", "int8", "tinyint", "mediumint":
		return "int"
	case "text", "varchar", "character varying", "char", "character", "clob", "name":
		return "text"
	case "blob", "bytea", "":
		return "bytes"
	case "boolean", "bool":
		return "boolean"
	case "real", "double", "double precision", "float", "float4", "float8":
		return "real"
	case "numeric", "decimal":
		return "numeric"
	case "json", "jsonb":
		return "json"
	}
	return t
}

// schemaOf reads the store's schema, leaving out River's, goose's and
// SQLite's own tables. The catalog's search tables, each engine's own
// until migration 0023, are gone: both engines keep the same columns.
func schemaOf(t *testing.T, s *store.Store) schema {
	t.Helper()
	ctx := context.Background()
	out := schema{}
	add := func(table, line string) {
		if strings.HasPrefix(table, "river_") || strings.HasPrefix(table, "goose_") || strings.HasPrefix(table, "sqlite_") {
			return
		}
		out[table] = append(out[table], line)
	}
	rows := func(q string, scan func(*sql.Rows) error) {
		t.Helper()
		r, err := s.DB().QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for r.Next() {
			if err := scan(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
	}
	column := func(name, typ string, notNull bool) string {
		null := "NULL"
		if notNull {
			null = "NOT NULL"
		}
		return fmt.Sprintf("column %s %s %s", name, schemaClass(typ), null)
	}
	if s.Dialect() == store.SQLite {
		// A primary key column counts as NOT NULL, as on PostgreSQL: SQLite
		// reports notnull 0 for one not declared so, and (a legacy quirk)
		// would store a NULL in it, which no statement of the store does.
		pks := map[string][]string{}
		rows(`SELECT m.name, p.name, p.type, p."notnull", p.pk FROM sqlite_master m, pragma_table_info(m.name) p
			WHERE m.type = 'table' ORDER BY m.name, p.pk`, func(r *sql.Rows) error {
			var table, name, typ string
			var notNull, pk int
			if err := r.Scan(&table, &name, &typ, &notNull, &pk); err != nil {
				return err
			}
			add(table, column(name, typ, notNull == 1 || pk > 0))
			if pk > 0 {
				pks[table] = append(pks[table], name)
			}
			return nil
		})
		for table, cols := range pks {
			add(table, "primary key ("+strings.Join(cols, ", ")+")")
		}
		// The unique indexes, those of UNIQUE constraints included; the
		// primary key's own index (origin pk) is the primary key above.
		rows(`SELECT m.name, l.name, l.partial, (SELECT group_concat(COALESCE(i.name, '<expr>'), ', ')
				FROM (SELECT * FROM pragma_index_info(l.name) ORDER BY seqno) i)
			FROM sqlite_master m, pragma_index_list(m.name) l
			WHERE m.type = 'table' AND l."unique" = 1 AND l.origin <> 'pk'`, func(r *sql.Rows) error {
			var table, index, cols string
			var partial int
			if err := r.Scan(&table, &index, &partial, &cols); err != nil {
				return err
			}
			add(table, unique(cols, partial == 1))
			return nil
		})
	} else {
		rows(`SELECT table_name, column_name, data_type, is_nullable = 'NO' FROM information_schema.columns
			WHERE table_schema = current_schema()`, func(r *sql.Rows) error {
			var table, name, typ string
			var notNull bool
			if err := r.Scan(&table, &name, &typ, &notNull); err != nil {
				return err
			}
			add(table, column(name, typ, notNull))
			return nil
		})
		rows(`SELECT c.relname, i.indisprimary, i.indpred IS NOT NULL,
				array_to_string(ARRAY(SELECT COALESCE(a.attname, '<expr>') FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, n)
					LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
					WHERE k.n <= i.indnkeyatts ORDER BY k.n), ', ')
			FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace ns ON ns.oid = c.relnamespace
			WHERE ns.nspname = current_schema() AND i.indisunique`, func(r *sql.Rows) error {
			var table, cols string
			var primary, partial bool
			if err := r.Scan(&table, &primary, &partial, &cols); err != nil {
				return err
			}
			if primary {
				add(table, "primary key ("+cols+")")
			} else {
				add(table, unique(cols, partial))
			}
			return nil
		})
	}
	for _, lines := range out {
		sort.Strings(lines)
	}
	return out
}

func unique(cols string, partial bool) string {
	if partial {
		return "unique (" + cols + ") partial"
	}
	return "unique (" + cols + ")"
}

// TestSchemaDiff: the parity test's report names the table and the lines
// that differ, and is empty when nothing does.
func TestSchemaDiff(t *testing.T) {
	lite := schema{"accounts": {"column id text NOT NULL", "column phone_index bytes NULL", "primary key (id)", "unique (phone_index)"},
		"flows": {"column id text NOT NULL"}}
	pg := schema{"accounts": {"column id text NOT NULL", "column phone_index bytes NOT NULL", "primary key (id)"},
		"flows": {"column id text NOT NULL"}, "extra": {"column x int NULL"}}
	want := "  accounts:\n    - column phone_index bytes NULL\n    - unique (phone_index)\n    + column phone_index bytes NOT NULL\n" +
		"  extra: table on postgres only\n"
	if got := schemaDiff(lite, pg); got != want {
		t.Errorf("diff:\n%s\nwant:\n%s", got, want)
	}
	if got := schemaDiff(lite, lite); got != "" {
		t.Errorf("diff of a schema with itself: %q", got)
	}
	for typ, want := range map[string]string{"INTEGER": "int", "bigint": "int", "integer": "int", "TEXT": "text",
		"character varying": "text", "VARCHAR(20)": "text", "BLOB": "bytes", "bytea": "bytes", "boolean": "boolean",
		"jsonb": "json", "timestamp with time zone": "timestamp with time zone"} {
		if got := schemaClass(typ); got != want {
			t.Errorf("schemaClass(%q) = %q, want %q", typ, got, want)
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

// TestPostgresPoolSize: the pool is as large as pool_max_conns in the URL
// says, even below the default, and at least 8 without it.
func TestPostgresPoolSize(t *testing.T) {
	url := testenv.NewPostgresDatabase(t)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	for _, c := range []struct {
		url       string
		want, min int
	}{{url + sep + "pool_max_conns=3", 3, 3}, {url, 0, 8}} {
		s, err := store.Open(context.Background(), store.Options{URL: c.url}, keyring(t))
		if err != nil {
			t.Fatal(err)
		}
		got := s.DB().Stats().MaxOpenConnections
		s.Close()
		if (c.want != 0 && got != c.want) || got < c.min {
			t.Errorf("%s: pool of %d", c.url, got)
		}
	}
}
