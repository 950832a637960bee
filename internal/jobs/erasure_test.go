package jobs

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"
)

type eraserFunc func(context.Context) (int, error)

func (f eraserFunc) EraseDue(ctx context.Context) (int, error) { return f(ctx) }

// TestErasureRegistersAPeriodicJob: the registration adds the worker of
// account.erase and one periodic job; the worker runs the eraser and
// returns its failure for River to retry.
func TestErasureRegistersAPeriodicJob(t *testing.T) {
	calls := 0
	fail := errors.New("database gone")
	var answer error
	reg := newRegistry(Erasure(eraserFunc(func(context.Context) (int, error) { calls++; return 1, answer }), time.Hour, nil))
	if len(reg.periodic) != 1 {
		t.Fatalf("%d periodic jobs, want 1", len(reg.periodic))
	}
	w := &countWorker[erasureArgs]{work: func(ctx context.Context) (int, error) { calls++; return 1, answer }, log: slog.New(slog.DiscardHandler)}
	if err := w.Work(context.Background(), &river.Job[erasureArgs]{}); err != nil || calls != 1 {
		t.Errorf("work: %v after %d calls", err, calls)
	}
	answer = fail
	if err := w.Work(context.Background(), &river.Job[erasureArgs]{}); !errors.Is(err, fail) {
		t.Errorf("a failed erasure: %v", err)
	}
}
