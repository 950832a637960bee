package deletion_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/credential"
	"github.com/kabinet/kabinet/internal/deletion"
	"github.com/kabinet/kabinet/internal/fake"
	"github.com/kabinet/kabinet/internal/lockout"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
)

const pw = "Zima-2026!kab"

var (
	t0     = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	client = session.Client{IP: "203.0.113.7"}
	grace  = 7 * 24 * time.Hour
)

type env struct {
	svc      *deletion.Service
	st       *fake.Store
	clk      *fake.Clock
	sent     *fake.Notifier
	sessions *fake.Sessions
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{st: fake.NewStore(), clk: fake.NewClock(t0), sent: &fake.Notifier{}, sessions: &fake.Sessions{Sessions: map[string]int{"acc": 2}}}
	_, limiter := fake.Codes(e.st, e.clk.Now, fake.CodePolicy)
	h, err := password.NewHasher(password.TestParams, 2, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := h.Hash(context.Background(), pw)
	if err != nil {
		t.Fatal(err)
	}
	e.st.AddAccount(account.Account{ID: "acc", Status: account.Active, Level: account.Simplified, Name: "Мария", Surname: "Иванова", Lang: "ru",
		Phone: "+79161234567", Email: "maria@example.org", PasswordHash: hash})
	locks := lockout.New(e.st, limiter, lockout.Policy{MaxChecks: 5, Window: 15 * time.Minute, BaseLock: 15 * time.Minute, MaxLock: 2 * time.Hour,
		MaxConsecutive: 20, DeviceChecks: 10}, [][]byte{[]byte("lockout key")}, e.clk.Now, rand.Reader)
	cred := credential.New(credential.Deps{Store: e.st, Hasher: h, Limiter: limiter, Lockout: locks, Sessions: e.sessions, Notifier: e.sent,
		Links: fake.Links{}, Policy: credential.Policy{FailsPerIP: 100, HashesPerIP: 100}, Now: e.clk.Now})
	e.svc = deletion.New(deletion.Deps{Store: e.st, Reauth: cred, Sessions: e.sessions, Locks: locks, Notifier: e.sent, Links: fake.Links{},
		Grace: grace, Site: "kabinet.test", Support: "8 800", Now: e.clk.Now})
	return e
}

func (e *env) request(t *testing.T) time.Time {
	t.Helper()
	at, err := e.svc.Request(context.Background(), deletion.Request{AccountID: "acc", Password: pw, Client: client})
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// TestRequestNeedsPassword: a wrong or missing password is said next to
// the field and schedules nothing.
func TestRequestNeedsPassword(t *testing.T) {
	for _, tc := range []struct{ pw, id string }{{"", "credential.required"}, {"Wrong-2026!kab", "credential.wrong"}} {
		e := newEnv(t)
		_, err := e.svc.Request(context.Background(), deletion.Request{AccountID: "acc", Password: tc.pw, Client: client})
		p, _ := problem.As(err)
		if m, ok := p.Field("password"); !ok || m.ID != tc.id {
			t.Errorf("password %q: got %v, want %s", tc.pw, err, tc.id)
		}
		if !e.st.Account("acc").DeletionEffectiveAt.IsZero() {
			t.Error("a deletion was scheduled")
		}
	}
}

// TestRequestThenCancel: the date is the grace period away, the owner is
// told both times; a second request keeps the first date; cancelling
// twice is NotFound the second time.
func TestRequestThenCancel(t *testing.T) {
	e := newEnv(t)
	at := e.request(t)
	if !at.Equal(t0.Add(grace)) || !e.st.Account("acc").DeletionEffectiveAt.Equal(at) {
		t.Fatalf("effective at %v", at)
	}
	if msg := e.sent.Last(t, "deletion_requested"); msg.Field("EffectiveAt") != at || msg.To != "+79161234567" {
		t.Errorf("notice %+v", msg)
	}
	e.clk.Advance(time.Hour)
	if again := e.request(t); !again.Equal(at) {
		t.Errorf("a second request moved the date to %v", again)
	}
	if err := e.svc.Cancel(context.Background(), "acc", client); err != nil {
		t.Fatal(err)
	}
	if msg := e.sent.Last(t, "deletion_cancelled"); msg.Field("BySignIn") != false {
		t.Errorf("cancel notice %+v", msg)
	}
	if !e.st.Account("acc").DeletionEffectiveAt.IsZero() {
		t.Error("still pending")
	}
	if err := e.svc.Cancel(context.Background(), "acc", client); problem.KindOf(err) != problem.NotFound {
		t.Errorf("second cancel: %v", err)
	}
	want := []string{"account.deletion_requested", "account.deletion_cancelled"}
	if got := e.st.Audit(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("audit %v, want %v", got, want)
	}
}

// TestSignInCancels: CancelOnSignIn cancels a pending deletion and says
// so, and does nothing without one.
func TestSignInCancels(t *testing.T) {
	e := newEnv(t)
	a := e.st.Account("acc")
	if ok, err := e.svc.CancelOnSignIn(context.Background(), &a, client); ok || err != nil {
		t.Fatalf("nothing pending: %v %v", ok, err)
	}
	e.request(t)
	a = e.st.Account("acc")
	if ok, err := e.svc.CancelOnSignIn(context.Background(), &a, client); !ok || err != nil {
		t.Fatalf("pending: %v %v", ok, err)
	}
	if msg := e.sent.Last(t, "deletion_cancelled"); msg.Field("BySignIn") != true {
		t.Errorf("notice %+v", msg)
	}
}

// TestEraseDue: nothing is erased before the date; after it the personal
// data is gone, the status is deleted, the sessions ended, and the audit
// event names the account by its ID alone.
func TestEraseDue(t *testing.T) {
	e := newEnv(t)
	at := e.request(t)
	e.clk.Advance(grace - time.Second)
	if n, err := e.svc.EraseDue(context.Background()); n != 0 || err != nil {
		t.Fatalf("before the date: %d %v", n, err)
	}
	e.clk.Advance(at.Sub(e.clk.Now()))
	if n, err := e.svc.EraseDue(context.Background()); n != 1 || err != nil {
		t.Fatalf("at the date: %d %v", n, err)
	}
	a := e.st.Account("acc")
	if a.Status != account.Deleted || a.Name != "" || a.Surname != "" || a.Phone != "" || a.Email != "" || a.PasswordHash != "" {
		t.Errorf("erased account %+v", a)
	}
	if e.sessions.Ended["acc"] != 2 {
		t.Errorf("ended %d sessions", e.sessions.Ended["acc"])
	}
	if n, _ := e.svc.EraseDue(context.Background()); n != 0 {
		t.Errorf("erased again: %d", n)
	}
	if got := e.st.Audit(); got[len(got)-1] != "account.erased" {
		t.Errorf("audit %v", got)
	}
}
