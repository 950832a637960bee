package throttle_test

import (
	"context"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/fake"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/throttle"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func newLimiter() (*throttle.Limiter, *fake.Clock) {
	clk := fake.NewClock(t0)
	return throttle.New(fake.NewStore(), clk.Now, []byte("throttle test key")), clk
}

// refused fails the test unless err is TooMany with the message and wait.
func refused(t *testing.T, err error, id string, wait time.Duration) {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || p.Kind != problem.TooMany || p.Message.ID != id || p.RetryAfter != wait {
		t.Fatalf("got %v (retry after %v), want too_many %s after %v", err, retryAfter(err), id, wait)
	}
}

func retryAfter(err error) time.Duration {
	if p, ok := problem.As(err); ok {
		return p.RetryAfter
	}
	return 0
}

// TestExactRollingWindow: a small rule keeps exact times; an event counts
// for exactly Window, there is no boundary across which twice the limit
// fits, and a refusal is not counted.
func TestExactRollingWindow(t *testing.T) {
	ctx := context.Background()
	l, clk := newLimiter()
	r := throttle.Rule{Name: "r", Max: 3, Window: time.Minute, Message: "slow.down"}
	for _, at := range []time.Duration{0, 20 * time.Second, 40 * time.Second} {
		clk.Advance(at - clk.Now().Sub(t0))
		if n, err := l.TakeCount(ctx, r, "a"); err != nil {
			t.Fatalf("at %v: %v", at, err)
		} else if want := int(at/(20*time.Second)) + 1; n != want {
			t.Fatalf("at %v: count %d, want %d", at, n, want)
		}
	}
	clk.Advance(10 * time.Second) // t0+50s: the event at t0 counts until t0+60s
	refused(t, l.Take(ctx, r, "a"), "slow.down", 10*time.Second)
	refused(t, l.Check(ctx, r, "a"), "slow.down", 10*time.Second)
	if n, _ := l.Count(ctx, r, "a"); n != 3 {
		t.Fatalf("a refused event was counted: %d", n)
	}
	if err := l.Take(ctx, r, "b"); err != nil {
		t.Fatalf("another subject is held back: %v", err)
	}
	clk.Advance(10 * time.Second) // t0+60s: the first event is out
	if err := l.Take(ctx, r, "a"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	// Refused again until the event at t0+20s leaves, 20s on.
	refused(t, l.Take(ctx, r, "a"), "slow.down", 20*time.Second)

	if err := l.Reset(ctx, r, "a"); err != nil {
		t.Fatal(err)
	}
	if n, _ := l.Count(ctx, r, "a"); n != 0 {
		t.Fatalf("after Reset: %d", n)
	}
	if err := l.Check(ctx, r, "a"); err != nil {
		t.Fatalf("Check after Reset: %v", err)
	}
}

// TestExactAdd: Add counts whatever the count (failures known only
// afterwards) and keeps at most Max times, the newest.
func TestExactAdd(t *testing.T) {
	ctx := context.Background()
	l, clk := newLimiter()
	r := throttle.Rule{Name: "fails", Max: 2, Window: time.Minute, Message: "m"}
	for i := range 4 {
		n, err := l.Add(ctx, r, "ip")
		if err != nil || n != min(i+1, 2) {
			t.Fatalf("Add %d: %d, %v", i, n, err)
		}
		clk.Advance(10 * time.Second)
	}
	// Kept: the adds at t0+20s and t0+30s; now t0+40s, so free at t0+80s.
	refused(t, l.Check(ctx, r, "ip"), "m", 40*time.Second)
}

// TestBucketed: a large rule counts in buckets of a sixtieth of the window;
// the event over the limit is taken back, so hammering does not keep the
// door closed, and the wait is at most a bucket longer than the window.
func TestBucketed(t *testing.T) {
	ctx := context.Background()
	l, clk := newLimiter()
	r := throttle.Rule{Name: "big", Max: 100, Window: time.Hour, Message: "busy"} // buckets of a minute
	for i := range 100 {
		if err := l.Take(ctx, r, "ip"); err != nil {
			t.Fatalf("take %d: %v", i, err)
		}
		if i == 49 {
			clk.Advance(30 * time.Minute)
		}
	}
	clk.Advance(90 * time.Second) // t0+31m30s
	for range 5 {
		// The oldest bucket (t0) counts until t0 + 1h + 1m.
		refused(t, l.Take(ctx, r, "ip"), "busy", 29*time.Minute+30*time.Second)
	}
	if n, _ := l.Count(ctx, r, "ip"); n != 100 {
		t.Fatalf("refused events stayed counted: %d", n)
	}
	refused(t, l.Check(ctx, r, "ip"), "busy", 29*time.Minute+30*time.Second)

	clk.Advance(29*time.Minute + 30*time.Second) // t0+61m: the t0 bucket is out
	if n, _ := l.Count(ctx, r, "ip"); n != 50 {
		t.Fatalf("after the first bucket left: %d, want 50", n)
	}
	if n, err := l.TakeCount(ctx, r, "ip"); err != nil || n != 51 {
		t.Fatalf("TakeCount: %d, %v", n, err)
	}
	if n, err := l.Add(ctx, r, "ip"); err != nil || n != 52 {
		t.Fatalf("Add: %d, %v", n, err)
	}
	if err := l.Reset(ctx, r, "ip"); err != nil {
		t.Fatal(err)
	}
	if n, _ := l.Count(ctx, r, "ip"); n != 0 {
		t.Fatalf("after Reset: %d", n)
	}
}

// TestBucketNeverTooWide: a bucket stays one second at least, and a
// bucket any part of which is in the window counts.
func TestBucketNeverTooWide(t *testing.T) {
	ctx := context.Background()
	l, clk := newLimiter()
	r := throttle.Rule{Name: "short", Max: 65, Window: 30 * time.Second, Message: "m"} // bucketed; 1 s buckets
	clk.Advance(500 * time.Millisecond)
	for range 65 {
		if err := l.Take(ctx, r, "x"); err != nil {
			t.Fatal(err)
		}
	}
	// The bucket [t0, t0+1s) counts while any of it is in the window: up to
	// t0+31s, 30.5 s from now, rounded up.
	refused(t, l.Take(ctx, r, "x"), "m", 31*time.Second)
	clk.Advance(30500 * time.Millisecond)
	if err := l.Take(ctx, r, "x"); err != nil {
		t.Fatalf("after the bucket left: %v", err)
	}
}

// TestAllow: what is skipped over the limit (one notice an hour) is a
// plain false, never an error, and is not counted; the next window allows
// it again.
func TestAllow(t *testing.T) {
	l, clk := newLimiter()
	ctx := context.Background()
	r := throttle.Rule{Name: "notice.test", Max: 1, Window: time.Hour, Message: "code.hourly_limit"}
	for i, want := range []bool{true, false, false} {
		if ok, err := l.Allow(ctx, r, "+79161234567"); ok != want || err != nil {
			t.Fatalf("call %d: %v %v, want %v", i+1, ok, err, want)
		}
	}
	if n, err := l.Count(ctx, r, "+79161234567"); n != 1 || err != nil {
		t.Errorf("counted %d %v, want the allowed one only", n, err)
	}
	clk.Advance(time.Hour + time.Minute)
	if ok, err := l.Allow(ctx, r, "+79161234567"); !ok || err != nil {
		t.Errorf("next hour: %v %v", ok, err)
	}
}

// TestRotationKeepsCounts: after the master secret changes (the limiter
// gets the new key first and the old one after), the events counted under
// the old key still count, for exact and bucketed rules alike, the wait
// runs from the oldest of them, and Reset forgets both.
func TestRotationKeepsCounts(t *testing.T) {
	for _, r := range []throttle.Rule{
		{Name: "exact", Max: 3, Window: time.Minute, Message: "m"},
		{Name: "bucketed", Max: 100, Window: time.Hour, Message: "m"},
	} {
		t.Run(r.Name, func(t *testing.T) {
			ctx := context.Background()
			st, clk := fake.NewStore(), fake.NewClock(t0)
			keyA, keyB := []byte("throttle key A"), []byte("throttle key B")
			before := throttle.New(st, clk.Now, keyA)
			for range r.Max - 1 {
				if err := before.Take(ctx, r, "s"); err != nil {
					t.Fatal(err)
				}
			}
			clk.Advance(time.Second)
			after := throttle.New(st, clk.Now, keyB, keyA)
			if n, err := after.TakeCount(ctx, r, "s"); err != nil || n != r.Max {
				t.Fatalf("the last event allowed: %d, %v", n, err)
			}
			err := after.Take(ctx, r, "s")
			if p, ok := problem.As(err); !ok || p.Kind != problem.TooMany || p.RetryAfter <= 0 || p.RetryAfter > r.Window+r.Window/60 {
				t.Fatalf("over the limit across the rotation: %v (retry after %v)", err, retryAfter(err))
			}
			if n, _ := after.Count(ctx, r, "s"); n != r.Max {
				t.Errorf("Count = %d, want %d", n, r.Max)
			}
			// Without the old key the old events are not seen: why the
			// old key stays listed until the windows have passed.
			if n, _ := throttle.New(st, clk.Now, keyB).Count(ctx, r, "s"); n != 1 {
				t.Errorf("Count under the new key alone = %d, want 1", n)
			}
			if err := after.Reset(ctx, r, "s"); err != nil {
				t.Fatal(err)
			}
			if n, _ := after.Count(ctx, r, "s"); n != 0 {
				t.Errorf("after Reset: %d", n)
			}
		})
	}
}
