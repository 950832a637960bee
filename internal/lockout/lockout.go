// Package lockout decides when a login may have its password checked, so
// that guessing is slow and yet nothing a stranger does can keep the owner
// out for long.
//
//   - From an unrecognised device, a login gets at most MaxChecks password
//     checks in any rolling Window. The check that fills the window, if it
//     fails, starts a lock episode: the login is locked for BaseLock, and
//     each further episode for twice as long as the last, up to MaxLock.
//     Episodes count from the first again after a day without one. While
//     locked, nothing is checked or counted, so hammering does not extend it.
//   - MaxConsecutive consecutive failures from unrecognised devices suspend
//     the password there until the owner recovers access.
//   - A browser where the account has signed in before carries a device
//     token (OWASP's device cookie): it is not held back by the login's lock
//     or suspension, only by its own budget of DeviceChecks per Window;
//     past it, it counts as unrecognised.
//   - A completed recovery (or, later, an in-person restore) releases the
//     login: lock, episodes, failures and suspension.
//
// The same rules apply to logins with no account, so that the answers do
// not tell who has one. Logins are stored only as keyed hashes. After the
// master secret is rotated, a login's guard kept under an old key moves to
// the current key the first time the login is tried, so a lock or a
// suspension survives the rotation (docs/decisions/0010-key-rotation.md).
//
// lockout imports throttle and problem.
package lockout

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/throttle"
)

// Policy is the deployment's lockout settings.
type Policy struct {
	MaxChecks      int           // password checks per login per Window from unrecognised devices
	Window         time.Duration // rolling
	BaseLock       time.Duration // the first episode's lock
	MaxLock        time.Duration // the longest lock
	MaxConsecutive int           // failures that suspend the password
	DeviceChecks   int           // checks per Window for one recognised device
}

// Guard is the stored lock state of one login.
type Guard struct {
	Episodes    int       // lock episodes since the last success or release
	LockedUntil time.Time // zero or past: not locked
	Failures    int       // consecutive failures from unrecognised devices
	SuspendedAt time.Time // zero: the password works
	UpdatedAt   time.Time
}

// Store keeps guards.
type Store interface {
	// LoginGuard returns the login's guard (the zero Guard when none).
	LoginGuard(ctx context.Context, key []byte) (Guard, error)
	// AddLoginFailure adds one failure and returns the new count.
	AddLoginFailure(ctx context.Context, key []byte, at time.Time) (int, error)
	// StartLoginEpisode sets the episode count and lock if the count is
	// still from (compare-and-set); false when another request did first.
	StartLoginEpisode(ctx context.Context, key []byte, from, to int, until, at time.Time) (bool, error)
	// SuspendLogin suspends the password; false when it already was.
	SuspendLogin(ctx context.Context, key []byte, at time.Time) (bool, error)
	// ClearLoginFailures forgets failures and episodes (not a suspension).
	ClearLoginFailures(ctx context.Context, key []byte, at time.Time) error
	// DeleteLoginGuard forgets everything, suspension included.
	DeleteLoginGuard(ctx context.Context, key []byte) error
	// MoveLoginGuard puts the guard kept under from under to instead,
	// unless to has one already; false when nothing moved.
	MoveLoginGuard(ctx context.Context, from, to []byte) (bool, error)
}

// Service applies the policy.
type Service struct {
	store   Store
	limiter *throttle.Limiter
	policy  Policy
	key     []byte   // hashes logins; signs device tokens
	old     [][]byte // the same under old master secrets, during a rotation
	now     func() time.Time
	rand    io.Reader
}

// New returns the service. keys come from pii.Subkeys: the first hashes
// logins and signs device tokens; the others (old master secrets, during a
// rotation) are still accepted.
func New(st Store, l *throttle.Limiter, p Policy, keys [][]byte, now func() time.Time, rand io.Reader) *Service {
	if len(keys) == 0 {
		panic("lockout: New without a key")
	}
	return &Service{store: st, limiter: l, policy: p, key: keys[0], old: keys[1:], now: now, rand: rand}
}

func (s *Service) mac(parts ...string) []byte { return macWith(s.key, parts...) }

func macWith(key []byte, parts ...string) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

func (s *Service) guardKey(login string) []byte { return s.mac("guard", login)[:20] }

// guard reads the login's guard. None under the current key, it looks
// under the old ones and moves the first it finds to the current key: a
// lock or a suspension outlives a rotation of the master secret.
func (s *Service) guard(ctx context.Context, login string) (Guard, error) {
	key := s.guardKey(login)
	g, err := s.store.LoginGuard(ctx, key)
	if err != nil || !g.UpdatedAt.IsZero() || len(s.old) == 0 {
		return g, err
	}
	for _, k := range s.old {
		moved, err := s.store.MoveLoginGuard(ctx, macWith(k, "guard", login)[:20], key)
		if err != nil {
			return g, err
		}
		if moved {
			return s.store.LoginGuard(ctx, key)
		}
	}
	return g, nil
}

func (s *Service) checksRule() throttle.Rule {
	return throttle.Rule{Name: "signin.login", Max: s.policy.MaxChecks, Window: s.policy.Window, Message: "signin.locked"}
}

func (s *Service) deviceRule() throttle.Rule {
	return throttle.Rule{Name: "signin.device", Max: s.policy.DeviceChecks, Window: s.policy.Window, Message: "signin.locked"}
}

// Attempt is one password check about to happen.
type Attempt struct {
	Login     string // normalised
	AccountID string // "" for an unknown login
	Device    string // the browser's device token, if any
}

// Ticket is the permission to check a password once; hand it back to
// Failed or Succeeded.
type Ticket struct {
	login     string
	accountID string
	device    string // the device nonce when recognised
	guard     Guard  // as read before the check
	checks    int    // checks in the window, this one included
	// Left is how many more checks the login has in the window after this
	// one (unrecognised devices only; -1 for a recognised device).
	Left int
}

// Recognised reports whether the check comes from a device the account
// signed in on before.
func (t *Ticket) Recognised() bool { return t.device != "" }

// Before decides whether the password may be checked now. It refuses with
// TooMany "signin.locked" (with the lock's end) or Forbidden
// "signin.suspended", or returns a ticket.
func (s *Service) Before(ctx context.Context, a Attempt) (*Ticket, error) {
	t := &Ticket{login: a.Login, accountID: a.AccountID, Left: -1}
	if nonce, ok := s.device(a.Device, a.AccountID); ok {
		err := s.limiter.Take(ctx, s.deviceRule(), nonce)
		if err == nil {
			t.device = nonce
			return t, nil
		}
		if problem.KindOf(err) != problem.TooMany {
			return nil, err
		}
		// Its own budget is spent: from now on it is a stranger.
	}
	now := s.now()
	g, err := s.guard(ctx, a.Login)
	if err != nil {
		return nil, err
	}
	if !g.SuspendedAt.IsZero() {
		return nil, problem.New(problem.Forbidden, "signin.suspended")
	}
	if now.Before(g.LockedUntil) {
		return nil, problem.TooManyUntil("signin.locked", now, g.LockedUntil)
	}
	n, err := s.limiter.TakeCount(ctx, s.checksRule(), a.Login)
	if err != nil {
		return nil, err
	}
	t.guard, t.checks, t.Left = g, n, max(s.policy.MaxChecks-n, 0)
	return t, nil
}

// Outcome is what a failure led to.
type Outcome struct {
	// Answer is the problem to show: Unauthorized "signin.wrong" (with
	// Left, the checks left), TooMany "signin.locked" when the login is
	// now locked, Forbidden "signin.suspended".
	Answer error
	// Locked is set when this failure started a lock episode: the owner is
	// told once per episode.
	Locked  bool
	Until   time.Time
	Episode int
	// Suspended is set when this failure suspended the password: the owner
	// is told.
	Suspended bool
}

// Failed records a wrong password and says what it led to. The error is a
// storage failure only.
func (s *Service) Failed(ctx context.Context, t *Ticket) (Outcome, error) {
	var out Outcome
	if t.Recognised() {
		out.Answer = problem.New(problem.Unauthorized, "signin.wrong")
		return out, nil
	}
	now := s.now()
	key := s.guardKey(t.login)
	n, err := s.store.AddLoginFailure(ctx, key, now)
	if err != nil {
		return out, err
	}
	if n >= s.policy.MaxConsecutive {
		if out.Suspended, err = s.store.SuspendLogin(ctx, key, now); err != nil {
			return out, err
		}
		out.Answer = problem.New(problem.Forbidden, "signin.suspended")
		return out, nil
	}
	if t.Left > 0 {
		out.Answer = wrong(t.Left)
		return out, nil
	}
	// The window is full: lock.
	g, err := s.store.LoginGuard(ctx, key)
	if err != nil {
		return out, err
	}
	from := g.Episodes
	if now.Sub(g.LockedUntil) > 24*time.Hour {
		from = 0 // a quiet day: start over (the stored count is still the CAS value)
	}
	d := s.policy.BaseLock
	for range from {
		if d *= 2; d >= s.policy.MaxLock {
			break
		}
	}
	d = min(d, s.policy.MaxLock)
	until := now.Add(d)
	ok, err := s.store.StartLoginEpisode(ctx, key, g.Episodes, from+1, until, now)
	if err != nil {
		return out, err
	}
	if !ok {
		// A parallel failure started it: answer with its lock.
		if g, err = s.store.LoginGuard(ctx, key); err != nil {
			return out, err
		}
		out.Answer = problem.TooManyUntil("signin.locked", now, g.LockedUntil)
		return out, nil
	}
	// The lock outlasts the window (BaseLock ≥ Window), so the checks that
	// filled it can go: after the lock, a fresh window.
	if err := s.limiter.Reset(ctx, s.checksRule(), t.login); err != nil {
		return out, err
	}
	out.Locked, out.Until, out.Episode = true, until, from+1
	out.Answer = problem.TooManyUntil("signin.locked", now, until)
	return out, nil
}

// wrong is the answer to a wrong password (or an unknown login): from the
// third check on, it says how many are left before the lock.
func wrong(left int) error {
	if left <= 2 {
		return problem.New(problem.Unauthorized, "signin.wrong_left", "Count", left)
	}
	return problem.New(problem.Unauthorized, "signin.wrong")
}

// Succeeded records a right password. From an unrecognised device (which
// got here only because the login was not locked) it forgets the login's
// failures, episodes and checks. From the owner's own device it changes
// nothing: that the owner got in says nothing about the stranger who is
// guessing, whose lock stays.
func (s *Service) Succeeded(ctx context.Context, t *Ticket) error {
	if t.Recognised() {
		return nil
	}
	// Skip writes that would change nothing: the common sign-in is the
	// login's only check and it has no failures.
	if t.guard.Failures > 0 || t.guard.Episodes > 0 {
		if err := s.store.ClearLoginFailures(ctx, s.guardKey(t.login), s.now()); err != nil {
			return err
		}
	}
	if t.checks <= 1 {
		return nil // a single entry: at most one stale check, never a lock
	}
	return s.limiter.Reset(ctx, s.checksRule(), t.login)
}

// Release ends every lock and suspension of the account's logins: after a
// completed recovery or an in-person restore.
func (s *Service) Release(ctx context.Context, logins ...string) error {
	for _, l := range logins {
		if l == "" {
			continue
		}
		for _, k := range append([][]byte{s.key}, s.old...) {
			if err := s.store.DeleteLoginGuard(ctx, macWith(k, "guard", l)[:20]); err != nil {
				return err
			}
		}
		if err := s.limiter.Reset(ctx, s.checksRule(), l); err != nil {
			return err
		}
	}
	return nil
}

// Adopt moves the guards of the logins kept under an old key to the
// current key, as the next check of each would: `kabinet rekey` calls it
// for every account's phone and e-mail, so that a suspension outlives the
// old secret's removal even if its login is not tried meanwhile.
func (s *Service) Adopt(ctx context.Context, logins ...string) error {
	for _, l := range logins {
		if l == "" || len(s.old) == 0 {
			continue
		}
		if _, err := s.guard(ctx, l); err != nil {
			return err
		}
	}
	return nil
}

// DeviceToken returns a new device token for an account: a random nonce
// and a MAC binding it to the account. It is not a credential: it only
// spares its browser the lock that strangers' failures put on the login.
func (s *Service) DeviceToken(accountID string) (string, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", fmt.Errorf("lockout: no randomness: %w", err)
	}
	nonce := base64.RawURLEncoding.EncodeToString(b)
	return nonce + "." + base64.RawURLEncoding.EncodeToString(s.mac("device", accountID, nonce)[:16]), nil
}

// device returns the nonce of a token made for this account.
func (s *Service) device(token, accountID string) (string, bool) {
	if accountID == "" || len(token) > 100 {
		return "", false
	}
	nonce, sig, ok := strings.Cut(token, ".")
	if !ok || nonce == "" {
		return "", false
	}
	ok = false
	for _, k := range append([][]byte{s.key}, s.old...) { // a token signed before a rotation still counts
		want := base64.RawURLEncoding.EncodeToString(macWith(k, "device", accountID, nonce)[:16])
		ok = subtle.ConstantTimeCompare([]byte(sig), []byte(want)) == 1 || ok
	}
	if !ok {
		return "", false
	}
	return nonce, true
}
