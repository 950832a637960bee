package loadgen

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestBucketsCoverEveryValue(t *testing.T) {
	// Bucket bounds tile the range without gaps or overlaps.
	var next uint64
	for i := range nBuckets {
		lo, hi := bucketBounds(i)
		if lo != next {
			t.Fatalf("bucket %d starts at %d, want %d", i, lo, next)
		}
		if hi < lo {
			t.Fatalf("bucket %d: hi %d < lo %d", i, hi, lo)
		}
		if bucketOf(lo) != i || bucketOf(hi) != i {
			t.Fatalf("bucket %d [%d, %d]: bucketOf gives %d and %d", i, lo, hi, bucketOf(lo), bucketOf(hi))
		}
		if lo >= subCount && float64(hi-lo+1)/float64(lo) > 1.0/subCount+1e-12 {
			t.Fatalf("bucket %d [%d, %d] is wider than 1/%d of its start", i, lo, hi, subCount)
		}
		next = hi + 1
	}
	if next != 1<<63 {
		t.Fatalf("buckets end at %d, want 2^63", next)
	}
}

// exactQuantile is the nearest-rank quantile of sorted values.
func exactQuantile(sorted []time.Duration, q float64) time.Duration {
	if q <= 0 {
		return sorted[0]
	}
	rank := int(math.Ceil(q * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

func TestQuantileMatchesSortedValues(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name string
		gen  func() time.Duration
	}{
		{"uniform 0-100µs", func() time.Duration { return time.Duration(r.Int64N(100_000)) }},
		{"log-normal around 1ms", func() time.Duration { return time.Duration(math.Exp(r.NormFloat64()*1.5) * 1e6) }},
		{"bimodal 200µs / 60ms", func() time.Duration {
			if r.IntN(10) == 0 {
				return 60*time.Millisecond + time.Duration(r.Int64N(5e6))
			}
			return 200*time.Microsecond + time.Duration(r.Int64N(50_000))
		}},
		{"tiny values", func() time.Duration { return time.Duration(r.Int64N(50)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h Histogram
			vals := make([]time.Duration, 20_000)
			for i := range vals {
				vals[i] = tc.gen()
				h.Record(vals[i])
			}
			slices.Sort(vals)
			for _, q := range []float64{0, 0.01, 0.5, 0.9, 0.99, 0.999, 1} {
				got, want := h.Quantile(q), exactQuantile(vals, q)
				tol := float64(want)/(2*subCount) + 1 // half a bucket, and rounding
				if math.Abs(float64(got-want)) > tol {
					t.Errorf("q=%v: got %v, want %v ± %.0fns", q, got, want, tol)
				}
			}
			if h.Min() != vals[0] || h.Max() != vals[len(vals)-1] {
				t.Errorf("min/max = %v/%v, want %v/%v", h.Min(), h.Max(), vals[0], vals[len(vals)-1])
			}
			if h.Count() != uint64(len(vals)) {
				t.Errorf("count = %d", h.Count())
			}
		})
	}
}

func TestQuantileSmallCases(t *testing.T) {
	var h Histogram
	if h.Quantile(0.5) != 0 || h.Mean() != 0 {
		t.Fatal("empty histogram should give zeros")
	}
	h.Record(10 * time.Millisecond)
	for _, q := range []float64{0, 0.5, 0.99, 1} {
		if got := h.Quantile(q); got != 10*time.Millisecond {
			t.Errorf("one value, q=%v: got %v", q, got)
		}
	}
	// 1…100 ms: p50 is the 50th value, p99 the 99th.
	var g Histogram
	for i := 1; i <= 100; i++ {
		g.Record(time.Duration(i) * time.Millisecond)
	}
	for q, want := range map[float64]time.Duration{0.5: 50 * time.Millisecond, 0.99: 99 * time.Millisecond, 0.01: time.Millisecond} {
		got := g.Quantile(q)
		if math.Abs(float64(got-want)) > float64(want)/(2*subCount) {
			t.Errorf("q=%v: got %v, want %v", q, got, want)
		}
	}
	if g.Mean() != 50500*time.Microsecond {
		t.Errorf("mean = %v", g.Mean())
	}
	h.Record(-time.Second) // counted as zero
	if h.Min() != 0 {
		t.Errorf("negative duration: min = %v", h.Min())
	}
}

func TestMerge(t *testing.T) {
	var a, b, all Histogram
	for i := range 1000 {
		d := time.Duration(i*i) * time.Microsecond
		all.Record(d)
		if i%3 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	var m Histogram
	m.Merge(&a)
	m.Merge(&b)
	m.Merge(nil)
	if m.Count() != all.Count() || m.Min() != all.Min() || m.Max() != all.Max() || m.Mean() != all.Mean() {
		t.Fatalf("merged summary differs")
	}
	for _, q := range []float64{0.1, 0.5, 0.99} {
		if m.Quantile(q) != all.Quantile(q) {
			t.Errorf("q=%v: merged %v, direct %v", q, m.Quantile(q), all.Quantile(q))
		}
	}
}

// The Run tests run inside a synctest bubble: time.Now, timers and sleeps
// use the bubble's fake clock, which moves only when every goroutine in the
// bubble is blocked, so a 1 ms operation takes exactly 1 ms and the counts
// below are exact rather than bounds.

func TestRunCountsAndBounds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int64
		res, err := Run(context.Background(), Config{Concurrency: 4, Duration: 200 * time.Millisecond, Steps: []string{"a"}},
			func(ctx context.Context, w *Worker) error {
				calls.Add(1)
				time.Sleep(time.Millisecond)
				w.Step(0, time.Millisecond)
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		// Each worker completes one operation per millisecond; the one that
		// ends exactly as the window closes still counts, and none starts
		// after it: 4 × 200.
		if res.Ops != 800 || calls.Load() != 800 || res.Errors != 0 {
			t.Fatalf("ops %d, calls %d, errors %d; want 800, 800, 0", res.Ops, calls.Load(), res.Errors)
		}
		if res.Elapsed != 200*time.Millisecond {
			t.Errorf("elapsed %v, want the window", res.Elapsed)
		}
		if res.Latency.Count() != uint64(res.Ops) || res.Steps[0].Latency.Count() != uint64(res.Ops) {
			t.Errorf("latency count %d, step count %d, ops %d", res.Latency.Count(), res.Steps[0].Latency.Count(), res.Ops)
		}
		if res.Latency.Min() != time.Millisecond || res.Latency.Max() != time.Millisecond {
			t.Errorf("latency %v…%v, want exactly the 1ms sleep", res.Latency.Min(), res.Latency.Max())
		}
		if res.Rate() != 4000 {
			t.Errorf("rate %v, want 4000/s", res.Rate())
		}
	})
}

func TestRunMaxOps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var seen [10]atomic.Bool
		res, err := Run(context.Background(), Config{Concurrency: 3, Duration: time.Minute, MaxOps: 10},
			func(ctx context.Context, w *Worker) error {
				if seen[w.Global].Swap(true) {
					t.Errorf("Global %d given twice", w.Global)
				}
				time.Sleep(time.Millisecond)
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		if res.Ops != 10 || res.Stopped != "reached the cap of 10 operations" {
			t.Fatalf("ops %d, stopped %q", res.Ops, res.Stopped)
		}
		// Three workers, 1 ms each: the tenth operation ends at 4 ms, and
		// the window closes when the last worker stops.
		if res.Elapsed != 4*time.Millisecond {
			t.Errorf("elapsed %v, want 4ms", res.Elapsed)
		}
	})
}

func TestRunErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Both workers fail on their even operations and succeed on their odd
		// ones, in step (1 ms each): errors arrive in pairs, the 50th comes
		// with the pair of Seq 48, and the operation still in flight when the
		// run halts is an odd one, which succeeds. So exactly 50.
		res, err := Run(context.Background(), Config{Concurrency: 2, Duration: time.Minute, MaxErrors: 50},
			func(ctx context.Context, w *Worker) error {
				time.Sleep(time.Millisecond)
				if w.Seq%2 == 0 {
					return errors.New("POST /x: 500")
				}
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		if res.Errors != 50 || res.Stopped != "stopped after 50 errors" || len(res.Kinds) != 1 || res.Kinds[0] != (ErrorCount{"POST /x: 500", 50}) {
			t.Fatalf("errors %d, stopped %q, kinds %v", res.Errors, res.Stopped, res.Kinds)
		}
		if res.Elapsed != 50*time.Millisecond {
			t.Errorf("elapsed %v, want 50ms (Seq 0…49 at 1ms each)", res.Elapsed)
		}
	})
}

func TestRunErrorsInFlightTail(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Every operation fails. The second worker's operation that is in
		// flight when the first reaches the cap fails too and still counts:
		// MaxErrors + (Concurrency - 1) at most, and never fewer than the cap.
		res, err := Run(context.Background(), Config{Concurrency: 2, Duration: time.Minute, MaxErrors: 5},
			func(ctx context.Context, w *Worker) error {
				time.Sleep(time.Millisecond)
				return errors.New("boom")
			})
		if err != nil {
			t.Fatal(err)
		}
		if res.Errors < 5 || res.Errors > 6 || res.Ops != 0 || res.Stopped == "" {
			t.Fatalf("errors %d, ops %d, stopped %q", res.Errors, res.Ops, res.Stopped)
		}
	})
}

func TestRunWarmupNotMeasured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var total atomic.Int64
		res, err := Run(context.Background(), Config{Concurrency: 1, Warmup: 100 * time.Millisecond, Duration: 100 * time.Millisecond},
			func(ctx context.Context, w *Worker) error {
				time.Sleep(5 * time.Millisecond)
				total.Add(1)
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		// Operations end at 5, 10, … 200 ms: the 20 that end in the warm-up
		// are not measured; those ending at 100 … 200 ms (21) are.
		if total.Load() != 40 || res.Ops != 21 || res.Elapsed != 100*time.Millisecond {
			t.Fatalf("measured %d of %d operations over %v; want 21 of 40 over 100ms", res.Ops, total.Load(), res.Elapsed)
		}
	})
}

func TestRunCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		res, err := Run(ctx, Config{Concurrency: 2, Duration: time.Hour}, func(ctx context.Context, w *Worker) error {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Millisecond):
				return nil
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Canceled || res.Errors != 0 || time.Since(start) != 50*time.Millisecond || res.Elapsed != 50*time.Millisecond {
			t.Fatalf("canceled %v, errors %d, took %v, elapsed %v", res.Canceled, res.Errors, time.Since(start), res.Elapsed)
		}
	})
}

func TestRunCPUTimeSampledAtWindowEdges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		clock := func() time.Duration { return time.Since(start) } // a "CPU" that is always busy
		res, err := Run(context.Background(), Config{Concurrency: 1, Warmup: 50 * time.Millisecond, Duration: 100 * time.Millisecond, CPUTime: clock},
			func(ctx context.Context, w *Worker) error { time.Sleep(time.Millisecond); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if res.CPU != 100*time.Millisecond {
			t.Fatalf("CPU %v, want the 100ms window", res.CPU)
		}
		if r := res.CPURate(); r != 1 {
			t.Errorf("CPURate %v", r)
		}
		// 101 operations end inside [50ms, 150ms].
		if res.Ops != 101 || res.OpsPerCPUSecond() != 1010 {
			t.Errorf("ops %d, OpsPerCPUSecond %v", res.Ops, res.OpsPerCPUSecond())
		}
	})
}

func TestRunCPUTimeWhenWorkersStopEarly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		clock := func() time.Duration { return time.Since(start) }
		res, err := Run(context.Background(), Config{Concurrency: 1, Warmup: 10 * time.Millisecond, Duration: time.Minute, MaxOps: 30, CPUTime: clock},
			func(ctx context.Context, w *Worker) error { time.Sleep(time.Millisecond); return nil })
		if err != nil {
			t.Fatal(err)
		}
		// The cap stops the worker at 30ms: the window is [10ms, 30ms].
		if res.Elapsed != 20*time.Millisecond || res.CPU != 20*time.Millisecond || res.Ops != 21 {
			t.Fatalf("elapsed %v, CPU %v, ops %d", res.Elapsed, res.CPU, res.Ops)
		}
	})
}

func TestResultMerge(t *testing.T) {
	mk := func(ops int64, d time.Duration, kinds ...ErrorCount) *Result {
		r := &Result{Ops: ops, Elapsed: time.Second, CPU: 2 * time.Second, Latency: &Histogram{}, Kinds: kinds,
			Steps: []StepResult{{Name: "a", Latency: &Histogram{}}}}
		for range ops {
			r.Latency.Record(d)
			r.Steps[0].Latency.Record(d / 2)
		}
		for _, k := range kinds {
			r.Errors += k.Count
		}
		return r
	}
	total := &Result{}
	total.Merge(mk(10, time.Millisecond, ErrorCount{"x", 2}))
	total.Merge(mk(30, 3*time.Millisecond, ErrorCount{"y", 5}, ErrorCount{"x", 4}))
	if total.Ops != 40 || total.Errors != 11 || total.Elapsed != 2*time.Second || total.CPU != 4*time.Second {
		t.Fatalf("merged %+v", total)
	}
	if total.Rate() != 20 || total.CPURate() != 2 || total.OpsPerCPUSecond() != 10 {
		t.Errorf("rates %v %v %v", total.Rate(), total.CPURate(), total.OpsPerCPUSecond())
	}
	if total.Latency.Count() != 40 || total.Steps[0].Latency.Count() != 40 {
		t.Errorf("histograms not merged")
	}
	if len(total.Kinds) != 2 || total.Kinds[0] != (ErrorCount{"x", 6}) || total.Kinds[1] != (ErrorCount{"y", 5}) {
		t.Errorf("kinds %v", total.Kinds)
	}
}
