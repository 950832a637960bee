// Package throttle counts attempts in the database, so that limits and
// lockouts hold across every kabinet node: codes sent per phone per day,
// wrong passwords per login, requests per network address.
//
// A rule allows Max attempts per fixed window that starts with the first
// attempt. Subjects (a phone number, a login, an address) are stored only as
// keyed hashes. Attempts are counted before the secret they guard is
// compared, so a burst of parallel guesses cannot slip past the limit.
//
// throttle imports problem.
package throttle

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"time"

	"github.com/kabinet/kabinet/internal/problem"
)

// Rule is one limit.
type Rule struct {
	Name    string        // unique per rule: part of the stored key
	Max     int           // attempts allowed per window
	Window  time.Duration // the window, counted from the first attempt
	Message string        // message ID shown when the limit is reached; gets Until
}

// Store is what throttling needs from storage.
type Store interface {
	// Hit counts one attempt and returns the count in the current window
	// and when the window ends; a window that has ended starts afresh.
	Hit(ctx context.Context, key []byte, window time.Duration, now time.Time) (int, time.Time, error)
	// Peek returns the count without adding to it (0 when none).
	Peek(ctx context.Context, key []byte, now time.Time) (int, time.Time, error)
	// Reset forgets the attempts.
	Reset(ctx context.Context, key []byte) error
}

// Limiter applies rules.
type Limiter struct {
	store Store
	now   func() time.Time
	key   []byte
}

// New returns a limiter; key (from pii.Subkey) hashes subjects.
func New(st Store, now func() time.Time, key []byte) *Limiter {
	return &Limiter{store: st, now: now, key: key}
}

func (l *Limiter) hash(r Rule, subject string) []byte {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte(r.Name))
	m.Write([]byte{0})
	m.Write([]byte(subject))
	return m.Sum(nil)[:20]
}

// Take counts an attempt. It returns a TooMany problem, with the time the
// window ends, when this attempt is over the rule's limit.
func (l *Limiter) Take(ctx context.Context, r Rule, subject string) error {
	now := l.now()
	n, until, err := l.store.Hit(ctx, l.hash(r, subject), r.Window, now)
	if err != nil {
		return err
	}
	if n > r.Max {
		return problem.TooManyUntil(r.Message, now, until)
	}
	return nil
}

// Check returns the TooMany problem Take would return, without counting.
// It tells a user who is already locked out so before they type anything.
func (l *Limiter) Check(ctx context.Context, r Rule, subject string) error {
	now := l.now()
	n, until, err := l.store.Peek(ctx, l.hash(r, subject), now)
	if err != nil {
		return err
	}
	if n >= r.Max {
		return problem.TooManyUntil(r.Message, now, until)
	}
	return nil
}

// Reset forgets the attempts, for example after a correct password.
func (l *Limiter) Reset(ctx context.Context, r Rule, subject string) error {
	return l.store.Reset(ctx, l.hash(r, subject))
}
