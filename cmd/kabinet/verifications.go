package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/kabinet/kabinet/internal/app"
	"github.com/kabinet/kabinet/internal/config"
)

const verificationsUsage = `usage: kabinet verifications --stuck [--older-than 30m] [--limit 1000] [--json] [-data dir]
       kabinet verifications --requeue CHECK_ID… | --requeue-stuck [--older-than 30m]
--stuck lists the checks of personal data still waiting for a registry's answer longer than
KABINET_VERIFICATION_STUCK_AFTER (or --older-than): check, verification, account, registry, age,
attempts, the state of its verification's job and the last error; never personal data. A check whose JOB
is "none" has lost its job (discarded after its attempts ran out): --requeue gives its verification a fresh one, once no job
of the check is available, scheduled, running or retryable; --requeue-stuck does so for every such
stuck check.
`

// verificationsFlags are what `kabinet verifications` was asked.
type verificationsFlags struct {
	stuck, requeueStuck, json, requeue bool
	olderThan                          time.Duration // -1: KABINET_VERIFICATION_STUCK_AFTER
	limit                              int
	ids                                []string
}

// parseVerifications reads the command's flags; -data is read by run.
func parseVerifications(args []string, stderr io.Writer) (f verificationsFlags, dataDir string, err error) {
	fs := flag.NewFlagSet("verifications", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, verificationsUsage) }
	fs.BoolVar(&f.stuck, "stuck", false, "list the checks pending too long")
	fs.BoolVar(&f.json, "json", false, "print JSON instead of a table")
	fs.BoolVar(&f.requeue, "requeue", false, "give the named checks a fresh job")
	fs.BoolVar(&f.requeueStuck, "requeue-stuck", false, "give every stuck check without a job a fresh one")
	fs.DurationVar(&f.olderThan, "older-than", -1, "pending for longer than this (default KABINET_VERIFICATION_STUCK_AFTER)")
	fs.IntVar(&f.limit, "limit", 1000, "list at most this many")
	data := fs.String("data", "", "data directory (KABINET_DATA_DIR)")
	if err := fs.Parse(args); err != nil {
		return f, "", err
	}
	f.ids = fs.Args()
	given := false
	fs.Visit(func(fl *flag.Flag) { given = given || fl.Name == "older-than" })
	switch {
	case f.requeue && len(f.ids) == 0:
		return f, "", errors.New("verifications: --requeue needs the IDs of the checks")
	case !f.requeue && len(f.ids) > 0:
		return f, "", fmt.Errorf("verifications: unexpected arguments %q (kabinet verifications -h)", f.ids)
	case btoi(f.stuck)+btoi(f.requeue)+btoi(f.requeueStuck) != 1:
		return f, "", errors.New("verifications: one of --stuck, --requeue or --requeue-stuck (kabinet verifications -h)")
	case given && f.olderThan < 0 || f.limit <= 0:
		return f, "", errors.New("verifications: --older-than must not be negative and --limit must be positive")
	}
	return f, *data, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// stuckJSON is one stuck check in `--json`: IDs, counts and the registry's
// last complaint, never personal data.
type stuckJSON struct {
	CheckID        string    `json:"check_id"`
	VerificationID string    `json:"verification_id"`
	AccountID      string    `json:"account_id"`
	Registry       string    `json:"registry"`
	CreatedAt      time.Time `json:"created_at"`
	AgeSeconds     int64     `json:"age_seconds"`
	Attempts       int       `json:"attempts"`
	Job            string    `json:"job"` // the state of its verification's job; "none": lost
	LastError      string    `json:"last_error"`
}

func verifications(ctx context.Context, cfg config.Config, f verificationsFlags, stdout io.Writer) (err error) {
	if f.olderThan < 0 {
		f.olderThan = cfg.Registry.StuckAfter
	}
	checks, err := app.OpenChecks(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, checks.Close()) }()
	if f.requeue {
		return requeue(ctx, checks, f.ids, stdout)
	}
	stuck, err := checks.Stuck(ctx, f.olderThan, f.limit)
	if err != nil {
		return err
	}
	if f.requeueStuck {
		var lost []string
		for _, c := range stuck {
			if c.Job == "" {
				lost = append(lost, c.ID)
			}
		}
		fmt.Fprintf(stdout, "%d checks pending longer than %v, %d of them without a job\n", len(stuck), f.olderThan, len(lost))
		if len(lost) == 0 {
			return nil
		}
		return requeue(ctx, checks, lost, stdout)
	}
	now := time.Now()
	if f.json {
		out := make([]stuckJSON, len(stuck))
		for i, c := range stuck {
			out[i] = stuckJSON{CheckID: c.ID, VerificationID: c.VerificationID, AccountID: c.AccountID, Registry: string(c.Registry),
				CreatedAt: c.CreatedAt.UTC(), AgeSeconds: int64(now.Sub(c.CreatedAt) / time.Second), Attempts: c.Attempts, Job: jobState(c.Job), LastError: c.LastError}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(stuck) == 0 {
		fmt.Fprintf(stdout, "no check pending longer than %v\n", f.olderThan)
		return nil
	}
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "CHECK\tVERIFICATION\tACCOUNT\tREGISTRY\tAGE\tATTEMPTS\tJOB\tLAST ERROR")
	for _, c := range stuck {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%v\t%d\t%s\t%s\n", c.ID, c.VerificationID, c.AccountID, c.Registry,
			now.Sub(c.CreatedAt).Round(time.Second), c.Attempts, jobState(c.Job), c.LastError)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(stuck) == f.limit {
		fmt.Fprintf(stdout, "(the oldest %d; --limit shows more)\n", f.limit)
	}
	return nil
}

func jobState(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// requeue prints what became of each check and fails when one named was not
// pending.
func requeue(ctx context.Context, checks *app.Checks, ids []string, stdout io.Writer) error {
	res, err := checks.Requeue(ctx, ids)
	if err != nil {
		return err
	}
	missing := 0
	for _, r := range res {
		fmt.Fprintf(stdout, "%s\t%s\n", r.CheckID, r.Outcome)
		if r.Outcome == "not pending" {
			missing++
		}
	}
	if missing > 0 {
		return fmt.Errorf("verifications: %d of the checks named are not pending (no such check, or it has its answer)", missing)
	}
	return nil
}
