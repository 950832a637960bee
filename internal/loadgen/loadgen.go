// Package loadgen runs a closed-loop load: a fixed number of workers each
// repeat one operation as fast as it completes, for a bounded time and a
// bounded number of operations, and it reports throughput, latency
// quantiles (from a bounded-memory histogram) and errors.
//
// Measurement follows the usual fixed-window rule: after an optional
// warm-up, operations that complete inside the measured window are counted
// and their latencies recorded; no operation starts after the window ends,
// and those still in flight then finish but are not counted. In a steady
// state the two edges cancel, so Ops/Elapsed is an unbiased rate.
//
// loadgen imports only the standard library.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for the bounds a Config leaves at zero.
const (
	DefaultMaxOps    = 10_000_000
	DefaultMaxErrors = 1000
	maxErrorKinds    = 16
)

// Config bounds a run.
type Config struct {
	Concurrency int           // workers; at least 1
	Warmup      time.Duration // run but do not measure this long first
	Duration    time.Duration // the measured window; must be positive
	// MaxOps caps the operations started, warm-up included (0:
	// DefaultMaxOps). The window closes early when every worker has stopped.
	MaxOps int64
	// MaxErrors stops the run early after this many failed operations (0:
	// DefaultMaxErrors; negative: never).
	MaxErrors int64
	// Steps names the parts of an operation a Worker times with Step.
	Steps []string
	// CPUTime, when set, is a cumulative clock (the process's CPU time,
	// say) read when the window opens and when it closes; Result.CPU is the
	// difference.
	CPUTime func() time.Duration
}

// Op is one operation. It returns nil on success. Errors should have
// stable texts (no IDs or times): errors are grouped by their text.
type Op func(ctx context.Context, w *Worker) error

// Worker is handed to each call of an Op.
type Worker struct {
	ID  int   // 0 … Concurrency-1
	Seq int64 // this worker's operation number, from 0
	// Global is a number unique to this operation across all workers,
	// from 0, in start order.
	Global int64

	pending []time.Duration // this operation's steps
	stepSet []bool
}

// Step records the duration of step i (an index into Config.Steps) of the
// current operation. It is kept only if the operation succeeds inside the
// measured window.
func (w *Worker) Step(i int, d time.Duration) {
	if i >= 0 && i < len(w.pending) {
		w.pending[i] = d
		w.stepSet[i] = true
	}
}

// StepResult is the latency of one named step.
type StepResult struct {
	Name    string
	Latency *Histogram
}

// ErrorCount is how often one error text occurred.
type ErrorCount struct {
	Error string
	Count int64
}

// Result is what a run measured.
type Result struct {
	Ops      int64         // successful operations completed in the window
	Errors   int64         // failed operations, warm-up and tail included
	Elapsed  time.Duration // the measured window
	CPU      time.Duration // Config.CPUTime spent in the window (0 without it)
	Latency  *Histogram    // of the successful operations in the window
	Steps    []StepResult
	Kinds    []ErrorCount // the most frequent error texts first
	Stopped  string       // why the run ended early, if it did
	Canceled bool         // ctx ended during the run
}

// Rate is successful operations per second of the window.
func (r *Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops) / r.Elapsed.Seconds()
}

// CPURate is the CPU time used per second of the window: how many cores
// the process kept busy.
func (r *Result) CPURate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return r.CPU.Seconds() / r.Elapsed.Seconds()
}

// OpsPerCPUSecond is successful operations per second of CPU time, a rate
// that other load on the machine disturbs far less than Rate.
func (r *Result) OpsPerCPUSecond() float64 {
	if r.CPU <= 0 {
		return 0
	}
	return float64(r.Ops) / r.CPU.Seconds()
}

// Merge adds o, a further run of the same operation (a later round), to r:
// counts, windows and CPU time add up, latencies merge.
func (r *Result) Merge(o *Result) {
	r.Ops += o.Ops
	r.Errors += o.Errors
	r.Elapsed += o.Elapsed
	r.CPU += o.CPU
	if r.Latency == nil {
		r.Latency = &Histogram{}
	}
	r.Latency.Merge(o.Latency)
	for i, s := range o.Steps {
		if i < len(r.Steps) {
			r.Steps[i].Latency.Merge(s.Latency)
		} else {
			h := &Histogram{}
			h.Merge(s.Latency)
			r.Steps = append(r.Steps, StepResult{Name: s.Name, Latency: h})
		}
	}
	counts := map[string]int64{}
	for _, k := range append(r.Kinds, o.Kinds...) {
		counts[k.Error] += k.Count
	}
	r.Kinds = sortKinds(counts)
	if o.Stopped != "" && r.Stopped == "" {
		r.Stopped = o.Stopped
	}
	r.Canceled = r.Canceled || o.Canceled
}

func sortKinds(counts map[string]int64) []ErrorCount {
	var out []ErrorCount
	for k, n := range counts {
		out = append(out, ErrorCount{Error: k, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Error < out[j].Error
	})
	return out
}

// Run runs op under cfg until the window ends, MaxOps operations have been
// started, MaxErrors have failed, or ctx ends, and returns once every
// worker has stopped. Operations receive ctx itself, not a deadline: an
// operation should bound its own time (an HTTP client timeout, say).
func Run(ctx context.Context, cfg Config, op Op) (*Result, error) {
	if cfg.Concurrency < 1 {
		return nil, errors.New("loadgen: concurrency must be at least 1")
	}
	if cfg.Duration <= 0 || cfg.Warmup < 0 {
		return nil, errors.New("loadgen: duration must be positive and warm-up not negative")
	}
	if cfg.MaxOps <= 0 {
		cfg.MaxOps = DefaultMaxOps
	}
	if cfg.MaxErrors == 0 {
		cfg.MaxErrors = DefaultMaxErrors
	}

	start := time.Now()
	t0 := start.Add(cfg.Warmup)
	t1 := t0.Add(cfg.Duration)

	var (
		started  atomic.Int64
		failed   atomic.Int64
		stop     atomic.Bool
		stopOnce sync.Once
		stopWhy  string
		mu       sync.Mutex
		kinds    = map[string]int64{}
		wg       sync.WaitGroup
	)
	halt := func(why string) {
		stopOnce.Do(func() { stopWhy = why })
		stop.Store(true)
	}
	type workerOut struct {
		ops     int64
		latency Histogram
		steps   []Histogram
	}
	// The CPU clock is read when the window opens and when it closes (or
	// when the last worker stops, if that is earlier).
	allDone := make(chan struct{})
	var cpu0, cpu1 time.Duration
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		if cfg.CPUTime == nil {
			return
		}
		timer := time.NewTimer(time.Until(t0))
		select {
		case <-timer.C:
			cpu0 = cfg.CPUTime()
		case <-allDone:
			timer.Stop()
			return
		}
		timer = time.NewTimer(time.Until(t1))
		select {
		case <-timer.C:
		case <-allDone:
			timer.Stop()
		}
		cpu1 = cfg.CPUTime()
	}()
	outs := make([]*workerOut, cfg.Concurrency)
	for id := range cfg.Concurrency {
		out := &workerOut{steps: make([]Histogram, len(cfg.Steps))}
		outs[id] = out
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &Worker{ID: id, pending: make([]time.Duration, len(cfg.Steps)), stepSet: make([]bool, len(cfg.Steps))}
			for ; ; w.Seq++ {
				if stop.Load() || ctx.Err() != nil || !time.Now().Before(t1) {
					return
				}
				n := started.Add(1)
				if n > cfg.MaxOps {
					halt(fmt.Sprintf("reached the cap of %d operations", cfg.MaxOps))
					return
				}
				w.Global = n - 1
				clear(w.stepSet)
				begin := time.Now()
				err := op(ctx, w)
				end := time.Now()
				if err != nil {
					if ctx.Err() != nil {
						return // interrupted, not a failure of the system under test
					}
					key := err.Error()
					mu.Lock()
					if _, ok := kinds[key]; !ok && len(kinds) >= maxErrorKinds {
						key = "(other errors)"
					}
					kinds[key]++
					mu.Unlock()
					if f := failed.Add(1); cfg.MaxErrors > 0 && f >= cfg.MaxErrors {
						halt(fmt.Sprintf("stopped after %d errors", f))
					}
					continue
				}
				if end.Before(t0) || end.After(t1) {
					continue // warm-up, or the tail after the window
				}
				out.ops++
				out.latency.Record(end.Sub(begin))
				for i, set := range w.stepSet {
					if set {
						out.steps[i].Record(w.pending[i])
					}
				}
			}
		}()
	}
	wg.Wait()
	done := time.Now()
	close(allDone)
	<-sampled

	res := &Result{Errors: failed.Load(), Latency: &Histogram{}, Stopped: stopWhy, Canceled: ctx.Err() != nil, CPU: max(cpu1-cpu0, 0)}
	end := t1
	if done.Before(t1) {
		end = done // every worker stopped early
	}
	if end.After(t0) {
		res.Elapsed = end.Sub(t0)
	}
	res.Steps = make([]StepResult, len(cfg.Steps))
	for i, name := range cfg.Steps {
		res.Steps[i] = StepResult{Name: name, Latency: &Histogram{}}
	}
	for _, o := range outs {
		res.Ops += o.ops
		res.Latency.Merge(&o.latency)
		for i := range o.steps {
			res.Steps[i].Latency.Merge(&o.steps[i])
		}
	}
	res.Kinds = sortKinds(kinds)
	return res, nil
}
