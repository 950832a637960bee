package fake

import (
	"context"
	"sort"
	"time"

	"github.com/kabinet/kabinet/internal/lockout"
	"github.com/kabinet/kabinet/internal/throttle"
)

var (
	_ throttle.Store = (*Store)(nil)
	_ lockout.Store  = (*Store)(nil)
)

// AddHits adds n to a bucket and sums the buckets after since.
func (s *Store) AddHits(ctx context.Context, key []byte, bucket time.Time, n int, since time.Time) (int, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := string(key)
	if s.st.hits[k] == nil {
		s.st.hits[k] = map[time.Time]int{}
	}
	s.st.hits[k][bucket] += n
	total, oldest := s.sum(k, since)
	return total, oldest, nil
}

// CountHits sums the buckets after since.
func (s *Store) CountHits(ctx context.Context, key []byte, since time.Time) (int, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	total, oldest := s.sum(string(key), since)
	return total, oldest, nil
}

func (s *Store) sum(k string, since time.Time) (int, time.Time) {
	var (
		total  int
		oldest time.Time
	)
	for b, n := range s.st.hits[k] {
		if !b.After(since) {
			continue
		}
		total += n
		if n > 0 && (oldest.IsZero() || b.Before(oldest)) {
			oldest = b
		}
	}
	return total, oldest
}

// LogEvent keeps the exact times of the key's latest events.
func (s *Store) LogEvent(ctx context.Context, key []byte, at, since time.Time, max int, force bool) (int, bool, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := string(key)
	list := recent(s.st.logs[k], since)
	if len(list) >= max && !force {
		s.st.logs[k] = list
		return len(list), false, oldestOf(list), nil
	}
	list = append(list, at)
	if len(list) > max {
		list = list[len(list)-max:]
	}
	s.st.logs[k] = list
	return len(list), true, oldestOf(list), nil
}

// LogCount returns the times in the window and the oldest of them.
func (s *Store) LogCount(ctx context.Context, key []byte, since time.Time) (int, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := recent(s.st.logs[string(key)], since)
	return len(list), oldestOf(list), nil
}

// DeleteHits forgets the key.
func (s *Store) DeleteHits(ctx context.Context, key []byte, exact bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if exact {
		delete(s.st.logs, string(key))
	} else {
		delete(s.st.hits, string(key))
	}
	return nil
}

// Hits returns how many throttle keys hold events, exact or bucketed: a
// quick way to see that a failed transaction left none behind.
func (s *Store) Hits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.st.logs)
	for _, b := range s.st.hits {
		for _, h := range b {
			if h != 0 {
				n++
				break
			}
		}
	}
	return n
}

func recent(list []time.Time, since time.Time) []time.Time {
	var out []time.Time
	for _, t := range list {
		if t.After(since) {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

func oldestOf(list []time.Time) time.Time {
	if len(list) == 0 {
		return time.Time{}
	}
	return list[0]
}

// Lockout guards.

// LoginGuard returns the login's guard.
func (s *Store) LoginGuard(ctx context.Context, key []byte) (lockout.Guard, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.guards[string(key)], nil
}

// AddLoginFailure adds one failure.
func (s *Store) AddLoginFailure(ctx context.Context, key []byte, at time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.st.guards[string(key)]
	g.Failures++
	g.UpdatedAt = at
	s.st.guards[string(key)] = g
	return g.Failures, nil
}

// StartLoginEpisode sets the episode and lock if the count is still from.
func (s *Store) StartLoginEpisode(ctx context.Context, key []byte, from, to int, until, at time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.st.guards[string(key)]
	if !ok || g.Episodes != from {
		return false, nil
	}
	g.Episodes, g.LockedUntil, g.UpdatedAt = to, until, at
	s.st.guards[string(key)] = g
	return true, nil
}

// SuspendLogin suspends the password unless it already was.
func (s *Store) SuspendLogin(ctx context.Context, key []byte, at time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.st.guards[string(key)]
	if !ok || !g.SuspendedAt.IsZero() {
		return false, nil
	}
	g.SuspendedAt, g.UpdatedAt = at, at
	s.st.guards[string(key)] = g
	return true, nil
}

// ClearLoginFailures forgets failures and episodes.
func (s *Store) ClearLoginFailures(ctx context.Context, key []byte, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.st.guards[string(key)]; ok && (g.Failures > 0 || g.Episodes > 0) {
		g.Failures, g.Episodes, g.LockedUntil, g.UpdatedAt = 0, 0, time.Time{}, at
		s.st.guards[string(key)] = g
	}
	return nil
}

// DeleteLoginGuard forgets everything.
func (s *Store) DeleteLoginGuard(ctx context.Context, key []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.st.guards, string(key))
	return nil
}

// MoveLoginGuard puts the guard under from under to, unless to has one.
func (s *Store) MoveLoginGuard(ctx context.Context, from, to []byte) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.st.guards[string(from)]
	if _, taken := s.st.guards[string(to)]; !ok || taken {
		return false, nil
	}
	delete(s.st.guards, string(from))
	s.st.guards[string(to)] = g
	return true, nil
}
