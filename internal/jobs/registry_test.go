package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
)

type pingArgs struct{}

func (pingArgs) Kind() string { return "test.ping" }

type pingWorker struct{ river.WorkerDefaults[pingArgs] }

func (*pingWorker) Work(context.Context, *river.Job[pingArgs]) error { return nil }

type tickArgs struct{}

func (tickArgs) Kind() string { return "test.tick" }

// TestRegistryCollectsRegistrations: what each feature's registration adds
// (workers, queues, periodic jobs) ends up in the registry New builds the
// client from, beside River's default queue of two workers.
func TestRegistryCollectsRegistrations(t *testing.T) {
	pings := func(r *Registry) {
		AddWorker(r, &pingWorker{})
		r.Queue("ping", 3)
		r.Periodic(time.Minute, pingArgs{})
	}
	ticks := func(r *Registry) {
		r.Queue("tick", 1)
		r.Periodic(time.Hour, tickArgs{})
	}
	reg := newRegistry(pings, ticks)
	queues := map[string]int{}
	for name, q := range reg.queues {
		queues[name] = q.MaxWorkers
	}
	if want := map[string]int{river.QueueDefault: 2, "ping": 3, "tick": 1}; fmt.Sprint(queues) != fmt.Sprint(want) {
		t.Errorf("queues %v, want %v", queues, want)
	}
	if len(reg.periodic) != 2 {
		t.Errorf("%d periodic jobs, want 2", len(reg.periodic))
	}
	// A queue declared again takes the later size, the default queue too.
	reg.Queue(river.QueueDefault, 5)
	if n := reg.queues[river.QueueDefault].MaxWorkers; n != 5 {
		t.Errorf("default queue redeclared with 5 workers has %d", n)
	}
	if empty := newRegistry(); len(empty.queues) != 1 || len(empty.periodic) != 0 {
		t.Errorf("no registrations: queues %v, %d periodic jobs", empty.queues, len(empty.periodic))
	}
}

// TestRegistryRefusesDuplicateKind: two workers for one job kind are a
// programming error found when the runner is built: AddWorker panics and
// names the kind.
func TestRegistryRefusesDuplicateKind(t *testing.T) {
	pings := func(r *Registry) { AddWorker(r, &pingWorker{}) }
	defer func() {
		p := recover()
		if p == nil {
			t.Fatal("a second worker for test.ping was accepted")
		}
		if !strings.Contains(fmt.Sprint(p), "test.ping") {
			t.Errorf("the panic does not name the kind: %v", p)
		}
	}()
	newRegistry(pings, pings)
}

// sweepCall is one call the retention worker made.
type sweepCall struct {
	cut   time.Time
	batch int
}

// fakeSweeper records the calls and returns n rows for each (or fails the
// named sweep).
type fakeSweeper struct {
	calls map[string]sweepCall
	n     int64
	fail  string
}

func (f *fakeSweeper) call(name string, cut time.Time, batch int) (int64, error) {
	if f.calls == nil {
		f.calls = map[string]sweepCall{}
	}
	f.calls[name] = sweepCall{cut, batch}
	if name == f.fail {
		return 0, errors.New("disk full")
	}
	return f.n, nil
}

func (f *fakeSweeper) DeleteFlowsEndedBefore(_ context.Context, before time.Time, batch int) (int64, error) {
	return f.call("flows", before, batch)
}

func (f *fakeSweeper) DeleteSessionsEndedBefore(_ context.Context, before time.Time, batch int) (int64, error) {
	return f.call("sessions", before, batch)
}

func (f *fakeSweeper) DeleteSignInsBefore(_ context.Context, before time.Time, batch int) (int64, error) {
	return f.call("sign_ins", before, batch)
}

func (f *fakeSweeper) DeleteNotificationsCreatedBefore(_ context.Context, before time.Time, batch int) (int64, error) {
	return f.call("notifications", before, batch)
}

func (f *fakeSweeper) DeleteContactUndosEndedBefore(_ context.Context, before time.Time, batch int) (int64, error) {
	return f.call("contact_undos", before, batch)
}

func (f *fakeSweeper) DeleteSSORequestsEndedBefore(_ context.Context, before time.Time, batch int) (int64, error) {
	return f.call("sso_requests", before, batch)
}

func (f *fakeSweeper) DeleteSSOTokensExpiredBefore(_ context.Context, before time.Time, batch int) (int64, error) {
	return f.call("sso_tokens", before, batch)
}

func (f *fakeSweeper) DeleteSSOAssertionsExpired(_ context.Context, now time.Time, batch int) (int64, error) {
	return f.call("sso_assertions", now, batch)
}

func (f *fakeSweeper) DeleteRateLimitsPastHorizon(_ context.Context, now time.Time, batch int) (int64, error) {
	return f.call("throttles", now, batch)
}

// TestRetentionWorkerUsesTheInjectedClock: each run cuts at the injected
// clock's now less each period, read afresh every run; a period of zero
// turns its sweep off; the batch defaults to 500; the log line says how
// many rows of each kind went.
func TestRetentionWorkerUsesTheInjectedClock(t *testing.T) {
	const day = 24 * time.Hour
	now := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	var logged bytes.Buffer
	f := &fakeSweeper{n: 4}
	w := newRetentionWorker(f, RetentionPolicy{Flows: day, SignIns: 180 * day, Notifications: 30 * day}, func() time.Time { return now },
		slog.New(slog.NewTextHandler(&logged, nil)))
	for range 2 {
		f.calls = nil
		if err := w.Work(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		want := map[string]sweepCall{"flows": {now.Add(-day), 500}, "sign_ins": {now.Add(-180 * day), 500},
			"notifications": {now.Add(-30 * day), 500}, "contact_undos": {now.Add(-day), 500}, "sso_requests": {now.Add(-day), 500}, "sso_assertions": {now, 500}, "throttles": {now, 500}}
		if fmt.Sprint(f.calls) != fmt.Sprint(want) {
			t.Errorf("at %v the sweep made %v, want %v (no sessions: their period is 0)", now, f.calls, want)
		}
		now = now.Add(36 * time.Hour) // the next run sees the clock moved
	}
	line := strings.SplitN(logged.String(), "\n", 2)[0]
	for _, kv := range []string{"flows=4", "sign_ins=4", "notifications=4", "sso_requests=4", "throttles=4"} {
		if !strings.Contains(line, kv) {
			t.Errorf("log line %q lacks %s", line, kv)
		}
	}
	if strings.Contains(line, "sessions=") || strings.Contains(line, "sso_tokens=") {
		t.Errorf("log line %q reports the sweep that is off", line)
	}
}

// TestRetentionWorkerStopsAtAFailure: a failed sweep fails the job (River
// retries it) and the later sweeps wait for that retry.
func TestRetentionWorkerStopsAtAFailure(t *testing.T) {
	f := &fakeSweeper{fail: "sessions"}
	w := newRetentionWorker(f, RetentionPolicy{Flows: time.Hour, Sessions: time.Hour, SignIns: time.Hour, Batch: 7}, time.Now, nil)
	if err := w.Work(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Work = %v, want the sweep's error", err)
	}
	if _, ok := f.calls["sign_ins"]; ok {
		t.Error("the sweep went on after a failure")
	}
	if c := f.calls["flows"]; c.batch != 7 {
		t.Errorf("batch %d, want the policy's 7", c.batch)
	}
}
