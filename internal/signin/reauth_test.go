package signin_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/fake"
	"github.com/kabinet/kabinet/internal/lockout"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/signin"
)

type checked struct{ sessions []string }

func (c *checked) PasswordChecked(_ context.Context, cl session.Client) error {
	c.sessions = append(c.sessions, cl.Holds.ID)
	return nil
}

// TestReauthenticate: the right password marks the session; a wrong one
// is an answer next to the password field that counts towards the login's
// lock, which then refuses even the right password, as at sign-in.
func TestReauthenticate(t *testing.T) {
	e := newEnv(t, signin.Policy{})
	codes, limiter := fake.Codes(e.st, e.clk.Now, fake.CodePolicy)
	locks := lockout.New(e.st, limiter, lockout.Policy{MaxChecks: 5, Window: 15 * time.Minute, BaseLock: 15 * time.Minute, MaxLock: 2 * time.Hour,
		MaxConsecutive: 20, DeviceChecks: 10}, []byte("lockout key"), e.clk.Now, rand.Reader)
	marks := &checked{}
	svc := signin.New(signin.Deps{Store: e.st, Codes: codes, Hasher: e.hasher, Limiter: limiter, Lockout: locks, Sessions: e.sessions,
		Notifier: e.sent, Links: fake.Links{}, Policy: signin.Policy{FailsPerIP: 20, HashesPerIP: 200}, Site: "kabinet.test", Now: e.clk.Now,
		NewID: fake.IDs("f"), Checked: marks})
	a := e.addAccount(t, "a1", phone, "", password.TestParams)
	c := client
	c.Holds = session.Ref{AccountID: "a1", ID: "s1"}
	ctx := context.Background()

	if err := svc.Reauthenticate(ctx, &a, pw, "", c); err != nil {
		t.Fatal(err)
	}
	if len(marks.sessions) != 1 || marks.sessions[0] != "s1" {
		t.Fatalf("marked: %v", marks.sessions)
	}
	// Five checks in 15 minutes, the right one included: the fourth wrong
	// password locks.
	for i := range 4 {
		err := svc.Reauthenticate(ctx, &a, "wrong", "", c)
		p, _ := problem.As(err)
		if i < 3 {
			if _, ok := p.Field("password"); !ok || p.Kind != problem.Invalid {
				t.Fatalf("wrong password %d: %v", i+1, err)
			}
		} else if p == nil || p.Kind != problem.TooMany {
			t.Fatalf("wrong password %d: %v, want the lock", i+1, err)
		}
	}
	err := svc.Reauthenticate(ctx, &a, pw, "", c)
	if p, ok := problem.As(err); !ok || p.Kind != problem.TooMany || p.Message.ID != "signin.locked" {
		t.Errorf("right password while locked: %v", err)
	}
	if len(marks.sessions) != 1 {
		t.Errorf("marked while locked: %v", marks.sessions)
	}
	if err := svc.Reauthenticate(ctx, &a, "", "", c); problem.KindOf(err) != problem.Invalid {
		t.Errorf("empty password: %v", err)
	}
}
