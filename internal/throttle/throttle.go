// Package throttle counts attempts in the database, so that limits hold
// across every kabinet node: codes sent to a phone, password checks per
// login, sign-ins and codes per network address.
//
// A rule allows at most Max events in any rolling Window: there is no
// window boundary across which twice the limit fits. Rules of up to 64
// events (per login, per phone number, per address and minute) keep the
// exact times of their latest events, one row per subject, updated by
// compare-and-set: an event counts for exactly Window, so waits are never
// longer than the window. Larger rules (hashes per address, deployment-wide
// SMS budgets) count in buckets of a sixtieth of the window, a bucket
// counting while any part of it is inside the window: never more than Max,
// and waits at most a sixtieth longer than the window.
//
// Take counts an event before the secret it guards is compared, so a burst
// of parallel guesses cannot slip past the limit; an event the rule refuses
// is taken back, so hammering at a closed door does not keep it closed.
// Subjects (a phone number, a login, an address) are stored only as keyed
// hashes. While the master secret is being rotated the limiter is also
// given the old keys: events counted under them still count (read only;
// new events go under the current key), so a rotation opens no door.
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
	Max     int           // events allowed in any rolling Window
	Window  time.Duration // the rolling window
	Message string        // message ID shown when the limit is reached; gets Until
}

// exactMax is the largest rule kept as an exact log of event times.
const exactMax = 64

func (r Rule) exact() bool { return r.Max <= exactMax }

// bucket is the width of a large rule's counting buckets.
func (r Rule) bucket() time.Duration {
	return max(r.Window/60, time.Second).Truncate(time.Millisecond)
}

// Store is what throttling needs from storage.
type Store interface {
	// AddHits adds n (negative to take events back) to the key's bucket
	// that starts at bucket, then returns the events in the key's buckets
	// that start after since, and the start of the oldest of those that
	// holds any.
	AddHits(ctx context.Context, key []byte, bucket time.Time, n int, since time.Time) (int, time.Time, error)
	// CountHits returns the same without adding.
	CountHits(ctx context.Context, key []byte, since time.Time) (int, time.Time, error)
	// LogEvent keeps the exact times of a key's latest events: under the
	// key's lock it drops the times at or before since and, if fewer than
	// max remain or force is set, records at, keeping the newest max. It
	// returns the times left in the window, whether at was recorded, and
	// the oldest time left.
	LogEvent(ctx context.Context, key []byte, at, since time.Time, max int, force bool) (int, bool, time.Time, error)
	// LogCount returns the same without recording.
	LogCount(ctx context.Context, key []byte, since time.Time) (int, time.Time, error)
	// DeleteHits forgets every event of the key: its log (exact) or its
	// buckets.
	DeleteHits(ctx context.Context, key []byte, exact bool) error
}

// Limiter applies rules.
type Limiter struct {
	store Store
	now   func() time.Time
	key   []byte
	old   [][]byte
}

// New returns a limiter. keys (from pii.Subkeys) hash subjects: the first
// for the events counted now, the others (old master secrets during a
// rotation) for events counted before, which still count.
func New(st Store, now func() time.Time, keys ...[]byte) *Limiter {
	if len(keys) == 0 {
		panic("throttle: New without a key")
	}
	return &Limiter{store: st, now: now, key: keys[0], old: keys[1:]}
}

func (l *Limiter) hash(r Rule, subject string) []byte { return hashWith(l.key, r, subject) }

func hashWith(key []byte, r Rule, subject string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(r.Name))
	m.Write([]byte{0})
	m.Write([]byte(subject))
	return m.Sum(nil)[:20]
}

// counted returns the subject's events in the window under the old keys
// and the oldest of them (zero when none): nothing outside a rotation.
func (l *Limiter) counted(ctx context.Context, r Rule, subject string, now time.Time) (int, time.Time, error) {
	var (
		total  int
		oldest time.Time
	)
	for _, k := range l.old {
		var (
			n   int
			o   time.Time
			err error
		)
		if r.exact() {
			n, o, err = l.store.LogCount(ctx, hashWith(k, r, subject), now.Add(-r.Window))
		} else {
			_, since := span(r, now)
			n, o, err = l.store.CountHits(ctx, hashWith(k, r, subject), since)
		}
		if err != nil {
			return 0, time.Time{}, err
		}
		if n > 0 {
			total, oldest = total+n, earliest(oldest, o)
		}
	}
	return total, oldest, nil
}

// earliest returns the earlier of two times, a zero one not counting.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// span returns the current bucket and the bound after which buckets still
// count: every bucket any part of which lies in the rolling window.
func span(r Rule, now time.Time) (bucket, since time.Time) {
	w := r.bucket()
	bucket = now.Truncate(w)
	return bucket, now.Add(-r.Window - w)
}

// until is when the oldest counted event stops counting.
func until(r Rule, oldest time.Time) time.Time { return oldest.Add(r.Window + r.bucket()) }

// Take counts an event, or returns a TooMany problem, with the time a new
// event will be allowed, when the rule allows no more now (the event is then
// not counted).
func (l *Limiter) Take(ctx context.Context, r Rule, subject string) error {
	_, err := l.TakeCount(ctx, r, subject)
	return err
}

// Allow is Take for what is simply skipped over the limit (one notice an
// hour to a contact's owner): it reports whether the event was counted;
// only a failure to count is an error.
func (l *Limiter) Allow(ctx context.Context, r Rule, subject string) (bool, error) {
	err := l.Take(ctx, r, subject)
	if problem.KindOf(err) == problem.TooMany {
		return false, nil
	}
	return err == nil, err
}

// TakeCount is Take that also returns the events in the window, this one
// included.
func (l *Limiter) TakeCount(ctx context.Context, r Rule, subject string) (int, error) {
	now := l.now()
	key := l.hash(r, subject)
	prior, priorOldest, err := l.counted(ctx, r, subject, now)
	if err != nil {
		return 0, err
	}
	if r.exact() {
		if prior >= r.Max { // filled under the old key: nothing to record
			n, oldest, err := l.store.LogCount(ctx, key, now.Add(-r.Window))
			if err != nil {
				return 0, err
			}
			return n + prior, problem.TooManyUntil(r.Message, now, earliest(oldest, priorOldest).Add(r.Window))
		}
		// The current key's log may hold what the old ones leave room for.
		n, ok, oldest, err := l.store.LogEvent(ctx, key, now, now.Add(-r.Window), r.Max-prior, false)
		if err != nil || ok {
			return n + prior, err
		}
		return n + prior, problem.TooManyUntil(r.Message, now, earliest(oldest, priorOldest).Add(r.Window))
	}
	bucket, since := span(r, now)
	n, oldest, err := l.store.AddHits(ctx, key, bucket, 1, since)
	if err != nil {
		return 0, err
	}
	n, oldest = n+prior, earliest(oldest, priorOldest)
	if n <= r.Max {
		return n, nil
	}
	// Over the limit: take the event back. Several refused at once may each
	// see the others' events and all be refused; none is ever let through
	// beyond the limit.
	if _, _, err := l.store.AddHits(ctx, key, bucket, -1, since); err != nil {
		return 0, err
	}
	return n - 1, problem.TooManyUntil(r.Message, now, until(r, oldest))
}

// Add counts an event whatever the count, and returns the events now in
// the window: for limits on outcomes known only afterwards (failures).
func (l *Limiter) Add(ctx context.Context, r Rule, subject string) (int, error) {
	now := l.now()
	prior, _, err := l.counted(ctx, r, subject, now)
	if err != nil {
		return 0, err
	}
	if r.exact() {
		n, _, _, err := l.store.LogEvent(ctx, l.hash(r, subject), now, now.Add(-r.Window), r.Max, true)
		return n + prior, err
	}
	bucket, since := span(r, now)
	n, _, err := l.store.AddHits(ctx, l.hash(r, subject), bucket, 1, since)
	return n + prior, err
}

// Count returns the events in the window without adding one.
func (l *Limiter) Count(ctx context.Context, r Rule, subject string) (int, error) {
	n, _, err := l.count(ctx, r, subject, l.now())
	return n, err
}

// count returns the events in the window and when the oldest of them stops
// counting.
func (l *Limiter) count(ctx context.Context, r Rule, subject string, now time.Time) (int, time.Time, error) {
	key := l.hash(r, subject)
	prior, priorOldest, err := l.counted(ctx, r, subject, now)
	if err != nil {
		return 0, time.Time{}, err
	}
	if r.exact() {
		n, oldest, err := l.store.LogCount(ctx, key, now.Add(-r.Window))
		return n + prior, earliest(oldest, priorOldest).Add(r.Window), err
	}
	_, since := span(r, now)
	n, oldest, err := l.store.CountHits(ctx, key, since)
	return n + prior, until(r, earliest(oldest, priorOldest)), err
}

// Check returns the TooMany problem Take would return, without counting.
// It tells a user who is already held back so before they type anything.
func (l *Limiter) Check(ctx context.Context, r Rule, subject string) error {
	now := l.now()
	n, free, err := l.count(ctx, r, subject, now)
	if err != nil {
		return err
	}
	if n >= r.Max {
		return problem.TooManyUntil(r.Message, now, free)
	}
	return nil
}

// Reset forgets the events, for example after a correct password: those
// counted under old keys too.
func (l *Limiter) Reset(ctx context.Context, r Rule, subject string) error {
	for _, k := range append([][]byte{l.key}, l.old...) {
		if err := l.store.DeleteHits(ctx, hashWith(k, r, subject), r.exact()); err != nil {
			return err
		}
	}
	return nil
}
