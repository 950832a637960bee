package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/app"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/session"
)

// drainReport is the result of `kabinet bench -drain n`.
type drainReport struct {
	Database        string    `json:"database"`
	DataIn          string    `json:"data_in"`
	Verifications   int       `json:"verifications"`
	Checks          int       `json:"checks"`
	Workers         int       `json:"workers"` // KABINET_VERIFICATION_WORKERS
	QueueSeconds    float64   `json:"queue_seconds"`
	DrainSeconds    float64   `json:"drain_seconds"`
	PerSecond       float64   `json:"verifications_per_second"`
	Passed          int       `json:"passed"`
	Failed          int       `json:"failed"`
	LoadAverageEnds [2]string `json:"load_average_1m"`
}

// runDrain queues o.drain verifications with kabinet's workers stopped
// (submitted through the profile service, as the API submits them), then
// starts a node and times how long it takes until none is pending.
func runDrain(ctx context.Context, o benchOptions, stdout, stderr io.Writer) error {
	rep := drainReport{Verifications: o.drain, LoadAverageEnds: [2]string{loadAvg(), ""}}
	e, err := prepareBenchEnv(ctx, o.db, stderr)
	if err != nil {
		return err
	}
	defer e.close()
	if err := e.start(ctx, app.Options{NoJobs: true}); err != nil {
		return err
	}
	rep.Database, rep.DataIn, rep.Workers = e.engine, e.dbNote, e.cfg.Registry.Workers
	fmt.Fprintf(stderr, "bench: drain: queueing %d verifications on %s with the workers stopped…\n", o.drain, e.engine)
	began := time.Now()
	if err := queueVerifications(ctx, e, o.drain, stderr); err != nil {
		return err
	}
	rep.QueueSeconds = time.Since(began).Seconds()
	rep.Checks = 2 * o.drain
	e.stopApp()

	fmt.Fprintf(stderr, "bench: drain: queued in %s; starting a node with %d workers\n", time.Since(began).Round(time.Second), rep.Workers)
	began = time.Now()
	if err := e.start(ctx, app.Options{}); err != nil {
		return err
	}
	if o.cpuprofile != "" {
		f, err := os.Create(profilePath(o.cpuprofile, "drain", 0, 1))
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	db := e.app.Store.DB()
	last := time.Now()
	for {
		var pending int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM verifications WHERE state = 'pending'`).Scan(&pending); err != nil {
			return err
		}
		if pending == 0 {
			break
		}
		if time.Since(last) >= 10*time.Second {
			last = time.Now()
			done := o.drain - pending
			fmt.Fprintf(stderr, "bench: drain: %d of %d done after %s (%.0f/s)\n", done, o.drain, time.Since(began).Round(time.Second),
				float64(done)/time.Since(began).Seconds())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("bench: drain interrupted with %d verifications pending: %w", pending, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
	rep.DrainSeconds = time.Since(began).Seconds()
	rep.PerSecond = float64(o.drain) / rep.DrainSeconds
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM verifications WHERE state = 'passed'`).Scan(&rep.Passed); err != nil {
		return err
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM verifications WHERE state = 'failed'`).Scan(&rep.Failed); err != nil {
		return err
	}
	rep.LoadAverageEnds[1] = loadAvg()

	fmt.Fprintf(stdout, "\nkabinet bench -drain\n  database  %s — %s\n", rep.Database, rep.DataIn)
	fmt.Fprintf(stdout, "  queued    %d verifications (%d registry checks) in %s, the workers stopped\n", rep.Verifications, rep.Checks, roundSeconds(rep.QueueSeconds))
	fmt.Fprintf(stdout, "  drained   in %s by one node with %d workers: %.1f verifications/s (%d passed, %d failed); load average %s at start, %s at end\n",
		roundSeconds(rep.DrainSeconds), rep.Workers, rep.PerSecond, rep.Passed, rep.Failed, rep.LoadAverageEnds[0], rep.LoadAverageEnds[1])
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	}
	if rep.Passed != o.drain {
		return fmt.Errorf("bench: drain: %d of %d verifications passed", rep.Passed, o.drain)
	}
	return nil
}

// queueVerifications creates n accounts and submits one verification for
// each (another for the same account would supersede it), 8 at a time.
func queueVerifications(ctx context.Context, e *benchEnv, n int, stderr io.Writer) error {
	st := e.app.Store
	accounts := n
	now := time.Now()
	var phones phoneSeq
	for start := 0; start < accounts; start += 1000 {
		err := st.Transact(ctx, func(ctx context.Context) error {
			for i := start; i < min(start+1000, accounts); i++ {
				a := &account.Account{ID: "bench-drain-" + strconv.Itoa(i), Level: account.Simplified, Status: account.Active, Surname: "Иванова", Name: "Анна",
					Phone: contact.Phone(phones.next()), PasswordHash: "unused", Lang: "ru", PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now}
				if err := st.Accounts().CreateAccount(ctx, a); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	var next, done atomic.Int64
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				// A context of its own per transaction (see verifyOp).
				c, cancel := context.WithCancel(ctx)
				out, err := e.app.Profile.Submit(c, profile.Submission{AccountID: "bench-drain-" + strconv.Itoa(i), Input: benchInput(i), Client: session.Client{IP: "10.0.0.1"}})
				cancel()
				if err == nil && !out.Started {
					err = fmt.Errorf("submission %d started nothing", i)
				}
				if err != nil {
					errs <- err
					return
				}
				if d := done.Add(1); d%10_000 == 0 {
					fmt.Fprintf(stderr, "bench: drain: %d queued\n", d)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// roundSeconds writes seconds as a duration to a tenth of a second.
func roundSeconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(100 * time.Millisecond).String()
}
