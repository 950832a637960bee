package web

import (
	"testing"
	"time"
)

func TestIPLimiter(t *testing.T) {
	l := newIPLimiter(2, 3, 100)
	now := time.Unix(1000, 0)
	for i := 0; i < 3; i++ {
		if !l.allow("10.0.0.1", now) {
			t.Fatalf("request %d within the burst refused", i)
		}
	}
	if l.allow("10.0.0.1", now) {
		t.Error("fourth request in the same instant allowed")
	}
	if !l.allow("10.0.0.2", now) {
		t.Error("another address shares the bucket")
	}
	if !l.allow("10.0.0.1", now.Add(600*time.Millisecond)) {
		t.Error("bucket did not refill")
	}
	small := newIPLimiter(1, 1, 3)
	for i := 0; i < 50; i++ {
		small.allow(string(rune('a'+i)), now)
	}
	if len(small.buckets) > 3 {
		t.Errorf("%d buckets kept, cap is 3", len(small.buckets))
	}
}
