package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// Lapser records the end of the sessions that lapsed (idle or past their
// lifetime) without a sign-out, and says how many (session.Service).
type Lapser interface {
	EndLapsed(ctx context.Context) (int, error)
}

// Lapse registers the periodic job that records lapsed sessions' end:
// every interval (0: a minute) the leader inserts one job. Single sign-on
// hears of each end, so that a site learns of a sign-in that timed out
// here within about a minute (back-channel logout).
func Lapse(l Lapser, every time.Duration, log *slog.Logger) Registration {
	return periodic(lapseArgs{}, every, time.Minute, l.EndLapsed, log, "jobs: lapsed sessions ended")
}

type lapseArgs struct{}

func (lapseArgs) Kind() string { return "session.lapse" }

func (lapseArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 30 * time.Second}}
}
