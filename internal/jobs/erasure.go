package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// Eraser erases the accounts whose deletion is due as of its own (injected)
// clock, and says how many it erased (deletion.Service).
type Eraser interface {
	EraseDue(ctx context.Context) (int, error)
}

// Erasure registers the periodic job of account deletion: every interval
// (0: 15 minutes) the leader inserts one job, which erases the accounts
// whose grace period has ended.
func Erasure(e Eraser, every time.Duration, log *slog.Logger) Registration {
	return periodic(erasureArgs{}, every, 15*time.Minute, e.EraseDue, log, "jobs: accounts erased")
}

type erasureArgs struct{}

func (erasureArgs) Kind() string { return "account.erase" }

func (erasureArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 10 * time.Minute}}
}
