package web

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ipLimiter is an in-process token bucket per client address, for cheap
// endpoints that cost CPU but guard no secret (the strength meter). Limits
// that guard secrets live in the database (internal/throttle) so that they
// hold across nodes.
type ipLimiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	buckets map[string]*bucket
	max     int
}

type bucket struct {
	l    *rate.Limiter
	seen time.Time
}

func newIPLimiter(perSecond float64, burst, maxClients int) *ipLimiter {
	return &ipLimiter{every: rate.Limit(perSecond), burst: burst, buckets: map[string]*bucket{}, max: maxClients}
}

// allow reports whether a request from ip may go ahead now.
func (l *ipLimiter) allow(ip string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[ip]
	if !ok {
		if len(l.buckets) >= l.max {
			l.sweep(now)
		}
		b = &bucket{l: rate.NewLimiter(l.every, l.burst)}
		l.buckets[ip] = b
	}
	b.seen = now
	return b.l.AllowN(now, 1)
}

// sweep forgets clients idle long enough for their bucket to be full again,
// and, if that is not enough, everyone (a flood of addresses must not grow
// memory without bound).
func (l *ipLimiter) sweep(now time.Time) {
	idle := time.Duration(float64(l.burst)/float64(l.every)*float64(time.Second)) + time.Second
	for ip, b := range l.buckets {
		if now.Sub(b.seen) > idle {
			delete(l.buckets, ip)
		}
	}
	if len(l.buckets) >= l.max {
		l.buckets = map[string]*bucket{}
	}
}
