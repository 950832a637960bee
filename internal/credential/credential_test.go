package credential_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/credential"
	"github.com/kabinet/kabinet/internal/fake"
	"github.com/kabinet/kabinet/internal/lockout"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
)

const (
	oldPw = "Zima-2026!kab"
	newPw = "Osen-2027?kab"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

type env struct {
	svc      *credential.Service
	st       *fake.Store
	sent     *fake.Notifier
	sessions *fake.Sessions
	checked  *checked
}

type checked struct{ sessions []string }

func (c *checked) PasswordChecked(_ context.Context, cl session.Client) error {
	c.sessions = append(c.sessions, cl.Holds.ID)
	return nil
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{st: fake.NewStore(), sent: &fake.Notifier{}, sessions: &fake.Sessions{Sessions: map[string]int{"acc": 3}}, checked: &checked{}}
	clk := fake.NewClock(t0)
	_, limiter := fake.Codes(e.st, clk.Now, fake.CodePolicy)
	h, err := password.NewHasher(password.TestParams, 2, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := h.Hash(context.Background(), oldPw)
	if err != nil {
		t.Fatal(err)
	}
	e.st.AddAccount(account.Account{ID: "acc", Status: account.Active, Level: account.Simplified, Name: "Мария", Surname: "Иванова", Lang: "ru",
		Phone: "+79161234567", PasswordHash: hash})
	locks := lockout.New(e.st, limiter, lockout.Policy{MaxChecks: 5, Window: 15 * time.Minute, BaseLock: 15 * time.Minute, MaxLock: 2 * time.Hour,
		MaxConsecutive: 20, DeviceChecks: 10}, [][]byte{[]byte("lockout key")}, clk.Now, rand.Reader)
	e.svc = credential.New(credential.Deps{Store: e.st, Hasher: h, Limiter: limiter, Lockout: locks, Sessions: e.sessions, Notifier: e.sent,
		Links: fake.Links{}, Policy: credential.Policy{FailsPerIP: 100, HashesPerIP: 100}, Site: "kabinet.test", Support: "8 800", Now: clk.Now,
		Checked: e.checked})
	return e
}

func change(cur, pw string, endOthers bool) credential.Change {
	return credential.Change{AccountID: "acc", SessionID: "cur", Current: cur, Password: pw, Confirmation: pw, EndOthers: endOthers,
		Client: session.Client{IP: "203.0.113.7"}}
}

// TestChangePassword: the new hash is stored, the other sessions end only
// when asked, the owner is told by SMS, the change is audited.
func TestChangePassword(t *testing.T) {
	for _, tc := range []struct {
		name      string
		endOthers bool
		ended     int
	}{{"others kept", false, 0}, {"others ended", true, 2}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			res, err := e.svc.ChangePassword(context.Background(), change(oldPw, newPw, tc.endOthers))
			if err != nil {
				t.Fatal(err)
			}
			if res.EndedSessions != tc.ended {
				t.Errorf("ended %d sessions, want %d", res.EndedSessions, tc.ended)
			}
			a := e.st.Account("acc")
			if a.PasswordHash == "" || !a.PasswordChangedAt.Equal(t0) {
				t.Errorf("password not stored: %+v", a)
			}
			msg := e.sent.Last(t, "password_changed_by_owner")
			if msg.To != "+79161234567" || msg.Field("OthersEnded") != tc.endOthers {
				t.Errorf("notice to %s, others ended %v", msg.To, msg.Field("OthersEnded"))
			}
			if got := e.st.Audit(); len(got) != 1 || got[0] != "password.changed" {
				t.Errorf("audit %v", got)
			}
		})
	}
}

// TestChangePasswordRefused: each refusal is said next to its field.
func TestChangePasswordRefused(t *testing.T) {
	for _, tc := range []struct {
		name, cur, pw, field, id string
	}{
		{"no current", "", newPw, "current_password", "credential.required"},
		{"wrong current", "Wrong-2026!kab", newPw, "current_password", "credential.wrong"},
		{"same as current", oldPw, oldPw, "password", "credential.same"},
		{"built from the name", oldPw, "Ivanova-Мария-1", "password", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			_, err := e.svc.ChangePassword(context.Background(), change(tc.cur, tc.pw, false))
			p, ok := problem.As(err)
			if !ok || p.Kind != problem.Invalid {
				t.Fatalf("got %v, want Invalid", err)
			}
			m, ok := p.Field(tc.field)
			if !ok || (tc.id != "" && m.ID != tc.id) {
				t.Errorf("fields %+v, want %s: %s", p.Fields, tc.field, tc.id)
			}
		})
	}
}

// TestWrongCurrentPasswordLocks: wrong current passwords count towards the
// login's lock as at sign-in, warn from the third, then lock and tell the
// owner.
func TestWrongCurrentPasswordLocks(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for range 6 {
		_, err := e.svc.ChangePassword(context.Background(), change("Wrong-2026!kab", newPw, false))
		p, _ := problem.As(err)
		id := p.Message.ID
		if m, ok := p.Field("current_password"); ok {
			id = m.ID
		}
		ids = append(ids, id)
	}
	want := []string{"credential.wrong", "credential.wrong", "credential.wrong_left", "credential.wrong_left", "signin.locked", "signin.locked"}
	for i := range want {
		if ids[i] != want[i] {
			t.Fatalf("answers %v, want %v", ids, want)
		}
	}
	e.sent.Last(t, "signin_locked")
	// Locked: even the right password is not checked now.
	if _, err := e.svc.ChangePassword(context.Background(), change(oldPw, newPw, false)); problem.KindOf(err) != problem.TooMany {
		t.Errorf("right password while locked: %v", err)
	}
}

// TestReauthenticate: the right password marks the session and is audited;
// a wrong one is an answer next to the password field that counts towards
// the login's lock, which then refuses even the right password, as at
// sign-in.
func TestReauthenticate(t *testing.T) {
	e := newEnv(t)
	c := session.Client{IP: "203.0.113.7", Holds: session.Ref{AccountID: "acc", ID: "s1"}}
	ctx := context.Background()
	if err := e.svc.Reauthenticate(ctx, "acc", oldPw, "", c); err != nil {
		t.Fatal(err)
	}
	if len(e.checked.sessions) != 1 || e.checked.sessions[0] != "s1" {
		t.Fatalf("marked: %v", e.checked.sessions)
	}
	// Five checks in 15 minutes, the right one included: the fourth wrong
	// password locks.
	for i := range 4 {
		err := e.svc.Reauthenticate(ctx, "acc", "wrong", "", c)
		p, _ := problem.As(err)
		if i < 3 {
			if _, ok := p.Field("password"); !ok || p.Kind != problem.Invalid {
				t.Fatalf("wrong password %d: %v", i+1, err)
			}
		} else if p == nil || p.Kind != problem.TooMany {
			t.Fatalf("wrong password %d: %v, want the lock", i+1, err)
		}
	}
	err := e.svc.Reauthenticate(ctx, "acc", oldPw, "", c)
	if p, ok := problem.As(err); !ok || p.Kind != problem.TooMany || p.Message.ID != "signin.locked" {
		t.Errorf("right password while locked: %v", err)
	}
	if len(e.checked.sessions) != 1 {
		t.Errorf("marked while locked: %v", e.checked.sessions)
	}
	if err := e.svc.Reauthenticate(ctx, "acc", "", "", c); problem.KindOf(err) != problem.Invalid {
		t.Errorf("empty password: %v", err)
	}
}
