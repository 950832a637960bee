package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/kabinet/kabinet/internal/app"
	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/store"
)

// rekeyFlags are rekey's own flags.
type rekeyFlags struct {
	dryRun, verify bool
	batch          int
}

func (f *rekeyFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.dryRun, "dry-run", false, "count what would change; change nothing")
	fs.BoolVar(&f.verify, "verify", false, "check that no value or index is left under an old key; change nothing")
	fs.IntVar(&f.batch, "batch", 500, "rows per transaction")
}

// rekey rotates the master secret on a live system: with the new secret in
// KABINET_SECRET_KEY and the old one in KABINET_OLD_SECRET_KEYS, it
// re-seals every sealed value and rebuilds every blind index under the new
// one, then verifies that nothing is left under an old key
// (docs/operations.md, docs/decisions/0010-key-rotation.md).
func rekey(ctx context.Context, cfg config.Config, f rekeyFlags, stdout io.Writer) error {
	if cfg.Keys.Secret == "" {
		return errors.New("rekey: put the new master secret in KABINET_SECRET_KEY (and the old ones in KABINET_OLD_SECRET_KEYS)")
	}
	if len(cfg.Keys.OldSecrets) == 0 && !f.verify {
		return errors.New("rekey: KABINET_OLD_SECRET_KEYS is empty: there is no old master secret to rotate from " +
			"(put the new secret in KABINET_SECRET_KEY and the old one in KABINET_OLD_SECRET_KEYS)")
	}
	keys, err := app.LoadKeys(cfg, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, store.Options{URL: cfg.Storage.DatabaseURL, SQLitePath: cfg.Storage.SQLitePath()}, keys)
	if err != nil {
		return err
	}
	defer st.Close()
	if cur, latest, err := st.MigrationStatus(ctx); err != nil {
		return err
	} else if cur != latest {
		return fmt.Errorf("rekey: the database is at version %d, not %d: run kabinet migrate (or start a node of this version) first", cur, latest)
	}

	if f.verify || f.dryRun {
		rep, err := st.Rekey(ctx, store.RekeyOptions{DryRun: true, Batch: f.batch})
		if err != nil {
			return err
		}
		summary(stdout, rep, true)
		if f.verify {
			return verdict(stdout, rep)
		}
		return problems(rep)
	}

	fmt.Fprintf(stdout, "rekey: sealing under key %s, %d rows a batch\n", keys.KeyID(), f.batch)
	last := time.Time{}
	rep, err := st.Rekey(ctx, store.RekeyOptions{Batch: f.batch, Indexed: app.AdoptLogins(st, keys), Progress: func(t store.RekeyTable) {
		if time.Since(last) >= 2*time.Second {
			last = time.Now()
			fmt.Fprintf(stdout, "  %s: %d rows, %d re-sealed, %d re-indexed\n", t.Table, t.Rows, t.Resealed, t.Reindexed)
		}
	}})
	if err != nil {
		if rep != nil {
			summary(stdout, rep, false)
		}
		return fmt.Errorf("rekey stopped (run it again to go on from where it stopped): %w", err)
	}
	if rep.Resumed {
		fmt.Fprintln(stdout, "rekey: went on from a stopped run (the rows counted below are those done since)")
	}
	summary(stdout, rep, false)
	check, err := st.Rekey(ctx, store.RekeyOptions{DryRun: true, Batch: f.batch})
	if err != nil {
		return err
	}
	return errors.Join(verdict(stdout, check), problems(rep))
}

// summary prints the rows per table and the values that could not be done.
func summary(w io.Writer, rep *store.RekeyReport, dry bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	if dry {
		fmt.Fprintln(tw, "table\trows\tto re-seal\tto re-index\t")
	} else {
		fmt.Fprintln(tw, "table\trows\tre-sealed\tre-indexed\tretried\t")
	}
	for _, t := range rep.Tables {
		if dry {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t\n", t.Table, t.Rows, t.Resealed, t.Reindexed)
		} else {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", t.Table, t.Rows, t.Resealed, t.Reindexed, t.Retried)
		}
	}
	tw.Flush()
	for _, p := range rep.Problems {
		col := ""
		if p.Column != "" {
			col = "." + p.Column
		}
		fmt.Fprintf(w, "  not done: %s%s of row %s: %s\n", p.Table, col, p.Key, p.Reason)
	}
}

// verdict says whether the old secrets may go, from a dry run.
func verdict(w io.Writer, check *store.RekeyReport) error {
	if check.Changed() == 0 && len(check.Problems) == 0 {
		fmt.Fprintf(w, "verified: every value and blind index is under key %s; once every node runs with this KABINET_SECRET_KEY, "+
			"KABINET_OLD_SECRET_KEYS can be emptied (wait out the code and limit windows first: docs/operations.md)\n", check.Target)
		return nil
	}
	if check.Changed() > 0 {
		fmt.Fprintf(w, "not verified: %d values or indexes are still under an old key (written by a node still on the old secret?): run kabinet rekey again\n", check.Changed())
		return fmt.Errorf("rekey: %d values or indexes left under an old key", check.Changed())
	}
	return problems(check)
}

func problems(rep *store.RekeyReport) error {
	if n := len(rep.Problems); n > 0 {
		return fmt.Errorf("rekey: %d values could not be opened or re-indexed (listed above by row)", n)
	}
	return nil
}
