package lockout_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/fake"
	"github.com/kabinet/kabinet/internal/lockout"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/throttle"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

const login = "+79161234567"

func newService(p lockout.Policy) (*lockout.Service, *fake.Clock) {
	st, clk := fake.NewStore(), fake.NewClock(t0)
	l := throttle.New(st, clk.Now, []byte("throttle key"))
	return lockout.New(st, l, p, [][]byte{[]byte("lockout key")}, clk.Now, rand.Reader), clk
}

var policy = lockout.Policy{MaxChecks: 3, Window: 15 * time.Minute, BaseLock: 15 * time.Minute, MaxLock: time.Hour, MaxConsecutive: 13, DeviceChecks: 2}

// fail makes one failed check and returns the answer (or the refusal).
func fail(t *testing.T, s *lockout.Service, device string) (lockout.Outcome, error) {
	t.Helper()
	ctx := context.Background()
	tk, err := s.Before(ctx, lockout.Attempt{Login: login, AccountID: "acc", Device: device})
	if err != nil {
		return lockout.Outcome{}, err
	}
	out, err := s.Failed(ctx, tk)
	if err != nil {
		t.Fatal(err)
	}
	return out, out.Answer
}

func wantLocked(t *testing.T, err error, wait time.Duration) {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || p.Kind != problem.TooMany || p.Message.ID != "signin.locked" || p.RetryAfter != wait {
		t.Fatalf("got %v (%v), want locked for %v", err, p, wait)
	}
}

// TestEpisodesDouble: each lock episode lasts twice the last, up to
// MaxLock; while locked nothing is counted; after a quiet day the next
// episode is the first again.
func TestEpisodesDouble(t *testing.T) {
	s, clk := newService(policy)
	for ep, lock := range []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, time.Hour} {
		var (
			out lockout.Outcome
			err error
		)
		for range 3 {
			out, err = fail(t, s, "")
		}
		wantLocked(t, err, lock)
		if !out.Locked || out.Episode != ep+1 || !out.Until.Equal(clk.Now().Add(lock)) {
			t.Fatalf("episode %d: %+v", ep+1, out)
		}
		// Hammering the locked login neither counts nor extends the lock.
		clk.Advance(lock - time.Minute)
		_, err = fail(t, s, "")
		wantLocked(t, err, time.Minute)
		clk.Advance(time.Minute)
	}
	// The 13th consecutive failure suspends the password.
	out, err := fail(t, s, "")
	if !out.Suspended || problem.KindOf(err) != problem.Forbidden {
		t.Fatalf("13th failure: %+v %v", out, err)
	}
}

func TestQuietDayStartsOver(t *testing.T) {
	s, clk := newService(policy)
	for range 2 { // two episodes: 15 then 30 minutes
		for range 3 {
			fail(t, s, "")
		}
		clk.Advance(time.Hour)
	}
	clk.Advance(24 * time.Hour)
	var err error
	for range 3 {
		_, err = fail(t, s, "")
	}
	wantLocked(t, err, 15*time.Minute)
}

// TestSuccessClearsAndSuspensionHolds: a right password from a stranger's
// device forgets the failures; a suspension stays until Release.
func TestSuccessClearsAndSuspensionHolds(t *testing.T) {
	ctx := context.Background()
	p := policy
	p.MaxConsecutive = 4
	s, clk := newService(p)
	fail(t, s, "")
	fail(t, s, "")
	tk, err := s.Before(ctx, lockout.Attempt{Login: login, AccountID: "acc"})
	if err != nil || tk.Left != 0 {
		t.Fatalf("third check: left %d, %v", tk.Left, err)
	}
	if err := s.Succeeded(ctx, tk); err != nil {
		t.Fatal(err)
	}
	// A fresh window: three more checks before a lock.
	for range 2 {
		if _, err := fail(t, s, ""); problem.KindOf(err) != problem.Unauthorized {
			t.Fatalf("after a success: %v", err)
		}
	}
	clk.Advance(15 * time.Minute)
	fail(t, s, "")
	out, err := fail(t, s, "")
	if !out.Suspended || problem.KindOf(err) != problem.Forbidden {
		t.Fatalf("fourth consecutive failure: %+v %v", out, err)
	}
	clk.Advance(48 * time.Hour)
	if _, err := s.Before(ctx, lockout.Attempt{Login: login, AccountID: "acc"}); problem.KindOf(err) != problem.Forbidden {
		t.Fatalf("suspension wore off: %v", err)
	}
	if err := s.Release(ctx, login, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Before(ctx, lockout.Attempt{Login: login, AccountID: "acc"}); err != nil {
		t.Fatalf("after Release: %v", err)
	}
}

// TestDeviceBudget: the owner's device gets past a lock on its own budget;
// past that budget it is a stranger too, and its failures do not count
// against the login.
func TestDeviceBudget(t *testing.T) {
	s, _ := newService(policy)
	device, err := s.DeviceToken("acc")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		fail(t, s, "")
	}
	for range 2 {
		if _, err := fail(t, s, device); problem.KindOf(err) != problem.Unauthorized {
			t.Fatalf("own device: %v", err)
		}
	}
	_, err = fail(t, s, device)
	wantLocked(t, err, 15*time.Minute)
}

// TestRotationKeepsLocks: when the master secret changes, a login locked
// or suspended under the old key stays so under the new one (the guard
// moves to the new key), the checks counted before still count, a device
// token made before still works, and Release frees the login whichever key
// its guard is under.
func TestRotationKeepsLocks(t *testing.T) {
	ctx := context.Background()
	st, clk := fake.NewStore(), fake.NewClock(t0)
	tA, tB, lA, lB := []byte("throttle A"), []byte("throttle B"), []byte("lockout A"), []byte("lockout B")
	before := lockout.New(st, throttle.New(st, clk.Now, tA), policy, [][]byte{lA}, clk.Now, rand.Reader)
	device, _ := before.DeviceToken("acc")
	var err error
	for range 3 {
		_, err = fail(t, before, "")
	}
	wantLocked(t, err, 15*time.Minute)

	clk.Advance(time.Minute) // the nodes restart with B current and A old
	after := lockout.New(st, throttle.New(st, clk.Now, tB, tA), policy, [][]byte{lB, lA}, clk.Now, rand.Reader)
	_, err = after.Before(ctx, lockout.Attempt{Login: login, AccountID: "acc"})
	wantLocked(t, err, 14*time.Minute)
	if tk, err := after.Before(ctx, lockout.Attempt{Login: login, AccountID: "acc", Device: device}); err != nil || !tk.Recognised() {
		t.Fatalf("the owner's device after the rotation: %v", err)
	}
	// The next episode doubles: the episode count moved too.
	clk.Advance(14 * time.Minute)
	for range 3 {
		_, err = fail(t, after, "")
	}
	wantLocked(t, err, 30*time.Minute)
	// A suspension under the old key holds as well.
	p := policy
	p.MaxConsecutive = 1
	other := "other@example.com"
	suspender := lockout.New(st, throttle.New(st, clk.Now, tA), p, [][]byte{lA}, clk.Now, rand.Reader)
	tk, _ := suspender.Before(ctx, lockout.Attempt{Login: other})
	if out, _ := suspender.Failed(ctx, tk); !out.Suspended {
		t.Fatal("not suspended")
	}
	if _, err := after.Before(ctx, lockout.Attempt{Login: other}); problem.KindOf(err) != problem.Forbidden {
		t.Fatalf("suspension after the rotation: %v", err)
	}
	// Adopt moves a guard without a check (rekey does, for every account's
	// logins): the suspension then holds under the new key alone.
	third := "third@example.com"
	tk, _ = suspender.Before(ctx, lockout.Attempt{Login: third})
	if out, _ := suspender.Failed(ctx, tk); !out.Suspended {
		t.Fatal("not suspended")
	}
	if err := after.Adopt(ctx, third, ""); err != nil {
		t.Fatal(err)
	}
	onlyB := lockout.New(st, throttle.New(st, clk.Now, tB), policy, [][]byte{lB}, clk.Now, rand.Reader)
	if _, err := onlyB.Before(ctx, lockout.Attempt{Login: third}); problem.KindOf(err) != problem.Forbidden {
		t.Fatalf("adopted suspension under the new key alone: %v", err)
	}
	if err := after.Release(ctx, login, other); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{login, other} {
		if _, err := after.Before(ctx, lockout.Attempt{Login: l}); err != nil {
			t.Errorf("%s after Release: %v", l, err)
		}
	}
}
