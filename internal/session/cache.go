package session

import (
	"sync"
	"time"

	"github.com/kabinet/kabinet/internal/account"
)

// cache keeps recently authenticated sessions in memory for a short time,
// so that the common request — a signed-in citizen's next page — costs no
// database query. It is exact on one node: every way a session ends goes
// through Service, which drops the account's entries once the change has
// committed. Between nodes (PostgreSQL), the node that ends a session
// announces it through the store and the others drop their entries when
// they hear it; the TTL bounds the staleness should an announcement be lost.
//
// A drop can race with a request that read the old rows just before it: the
// request would put them back after the drop. So every drop advances a
// generation, a request notes the generation before it reads the database,
// and put refuses rows read under an older one.
type cache struct {
	ttl time.Duration
	max int

	mu  sync.RWMutex
	m   map[string]cached // by token hash
	gen uint64            // advanced by every drop
}

type cached struct {
	sess  Session
	acc   account.Account
	until time.Time
}

func newCache(ttl time.Duration, max int) *cache {
	if ttl <= 0 {
		return nil
	}
	return &cache{ttl: ttl, max: max, m: map[string]cached{}}
}

// get returns copies of a fresh entry.
func (c *cache) get(key string, now time.Time) (*Session, *account.Account, bool) {
	if c == nil {
		return nil, nil, false
	}
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if !ok || !now.Before(e.until) {
		return nil, nil, false
	}
	s, a := e.sess, e.acc
	return &s, &a, true
}

// generation is to be read before the database is: put then knows whether
// a drop happened in between.
func (c *cache) generation() uint64 {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// put keeps rows read from the database while the cache was at generation
// gen; it keeps nothing when a drop has happened since, for the rows may
// be the ones the drop was about.
func (c *cache) put(key string, s *Session, a *account.Account, now time.Time, gen uint64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	if c.gen != gen {
		c.mu.Unlock()
		return
	}
	if len(c.m) >= c.max {
		c.m = map[string]cached{} // crude but bounded; refills in one TTL
	}
	c.m[key] = cached{sess: *s, acc: *a, until: now.Add(c.ttl)}
	c.mu.Unlock()
}

// dropAccount forgets every entry of an account.
func (c *cache) dropAccount(accountID string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.gen++
	for k, e := range c.m {
		if e.sess.AccountID == accountID {
			delete(c.m, k)
		}
	}
	c.mu.Unlock()
}

// flush forgets everything (the announcements were interrupted).
func (c *cache) flush() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.gen++
	c.m = map[string]cached{}
	c.mu.Unlock()
}

// drop forgets one entry (a cached copy that no longer passes the checks).
func (c *cache) drop(key string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	delete(c.m, key)
	c.mu.Unlock()
}
