package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kabinet/kabinet/internal/app"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/store"
)

const auditUsage = `usage: kabinet audit verify [-anchor SEQ:HASH]… [-data dir]
       kabinet audit search [-actor ID] [-subject ACCOUNT] [-action staff.citizen_viewed | staff.*] [-center ID]
                            [-from 2026-12-01T00:00:00Z] [-to …] [-limit 50] [-cursor ID] [-json] [-data dir]
verify walks the audit log's hash chain in ID order and reports the number of records checked and the first
broken link (record, seq, what is wrong: hash_mismatch, prev_mismatch, gap, unchained, head_mismatch,
anchor_mismatch); it exits non-zero on a break. It prints the head as SEQ:HASH: record it outside the
database and give it back with -anchor later, so that a chain recomputed after an edit is caught too
(docs/decisions/0013-audit-chain.md). search lists the records that match, newest first; -cursor continues
from the ID a page ends with.
`

// auditFlags are what `kabinet audit` was asked.
type auditFlags struct {
	verb    string // verify, search
	anchors []audit.Anchor
	filter  audit.Filter
	json    bool
}

// parseAudit reads the command's flags; -data is read by run.
func parseAudit(args []string, stderr io.Writer) (f auditFlags, dataDir string, err error) {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "search") {
		fmt.Fprint(stderr, auditUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help") {
			return f, "", flag.ErrHelp
		}
		return f, "", errors.New("audit: verify or search (kabinet audit -h)")
	}
	f.verb = args[0]
	fs := flag.NewFlagSet("audit "+f.verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, auditUsage) }
	data := fs.String("data", "", "data directory (KABINET_DATA_DIR)")
	var from, to, cursor string
	if f.verb == "verify" {
		fs.Func("anchor", "SEQ:HASH the chain must pass through (repeatable)", func(s string) error {
			a, err := audit.ParseAnchor(s)
			if err == nil {
				f.anchors = append(f.anchors, a)
			}
			return err
		})
	} else {
		fs.StringVar(&f.filter.ActorID, "actor", "", "the actor's ID")
		fs.StringVar(&f.filter.SubjectAccountID, "subject", "", "the citizen's account ID")
		fs.StringVar(&f.filter.Action, "action", "", "an action, or a prefix ending in .* (staff.*)")
		fs.StringVar(&f.filter.CenterID, "center", "", "the service center's ID")
		fs.StringVar(&from, "from", "", "from this time (RFC 3339), included")
		fs.StringVar(&to, "to", "", "to this time (RFC 3339), excluded")
		fs.IntVar(&f.filter.Limit, "limit", audit.DefaultPageSize, fmt.Sprintf("records a page (at most %d)", audit.MaxPageSize))
		fs.StringVar(&cursor, "cursor", "", "continue after this record ID (the previous page's next)")
		fs.BoolVar(&f.json, "json", false, "print JSON lines instead of a table")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return f, "", err
	}
	if fs.NArg() > 0 {
		return f, "", fmt.Errorf("audit %s: unexpected arguments %q", f.verb, fs.Args())
	}
	for _, t := range []struct {
		s   string
		dst *time.Time
	}{{from, &f.filter.From}, {to, &f.filter.To}} {
		if t.s == "" {
			continue
		}
		if *t.dst, err = time.Parse(time.RFC3339, t.s); err != nil {
			return f, "", fmt.Errorf("audit search: %q is not an RFC 3339 time (2026-12-01T10:00:00+03:00)", t.s)
		}
	}
	if f.filter.Cursor, err = audit.ParseCursor(cursor); err != nil {
		return f, "", fmt.Errorf("audit search: -cursor %q is not a record ID", cursor)
	}
	return f, *data, nil
}

// openAudit opens the migrated database for reading the log.
func openAudit(ctx context.Context, cfg config.Config) (*store.Store, error) {
	keys, err := app.LoadKeys(cfg, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, store.Options{URL: cfg.Storage.DatabaseURL, SQLitePath: cfg.Storage.SQLitePath()}, keys)
	if err != nil {
		return nil, err
	}
	if cur, latest, err := st.MigrationStatus(ctx); err != nil {
		st.Close()
		return nil, err
	} else if cur != latest {
		st.Close()
		return nil, fmt.Errorf("audit: the database is at version %d, not %d: run kabinet migrate (or start a node of this version) first", cur, latest)
	}
	return st, nil
}

// errChainBroken is the error of a verify that found a break: the command
// exits non-zero.
var errChainBroken = errors.New("audit: the chain is broken")

func auditCommand(ctx context.Context, cfg config.Config, f auditFlags, stdout io.Writer) error {
	st, err := openAudit(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if f.verb == "verify" {
		return auditVerify(ctx, st, f.anchors, stdout)
	}
	return auditSearch(ctx, st, f, stdout)
}

func auditVerify(ctx context.Context, st *store.Store, anchors []audit.Anchor, stdout io.Writer) error {
	start := time.Now()
	v := audit.Verifier{Anchors: anchors}
	b, err := st.AuditLog().VerifyAudit(ctx, &v)
	if err != nil {
		return err
	}
	took := time.Since(start).Round(time.Millisecond)
	if b != nil {
		fmt.Fprintf(stdout, "audit verify: BROKEN: %d records checked in %s\n", v.Checked(), took)
		fmt.Fprintf(stdout, "  first broken link: record %d, seq %d: %s\n  %s\n", b.ID, b.Seq, b.Kind, b.Detail)
		if h := v.Head(); h.Seq > 0 {
			fmt.Fprintf(stdout, "  last good link: %s\n", audit.Anchor(h))
		}
		return errChainBroken
	}
	fmt.Fprintf(stdout, "audit verify: the chain is whole: %d records checked in %s", v.Checked(), took)
	if len(anchors) > 0 {
		fmt.Fprintf(stdout, ", through %d anchors", len(anchors))
	}
	fmt.Fprintf(stdout, "\n  head (record it outside the database): %s\n", audit.Anchor(v.Head()))
	return nil
}

// auditRecordJSON is one record in `audit search -json`.
type auditRecordJSON struct {
	ID        int64             `json:"id"`
	At        time.Time         `json:"at"`
	Action    string            `json:"action"`
	ActorKind string            `json:"actor_kind"`
	ActorID   string            `json:"actor_id,omitempty"`
	ActorRole string            `json:"actor_role,omitempty"`
	CenterID  string            `json:"center_id,omitempty"`
	Subject   string            `json:"subject_account_id,omitempty"`
	Reason    string            `json:"reason,omitempty"`
	IP        string            `json:"ip,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
	Details   map[string]string `json:"details,omitempty"`
}

func auditSearch(ctx context.Context, st *store.Store, f auditFlags, stdout io.Writer) error {
	p, err := audit.Search{Store: st.AuditLog()}.Find(ctx, f.filter)
	if err != nil {
		return fmt.Errorf("audit search: %w", err)
	}
	if f.json {
		enc := json.NewEncoder(stdout)
		for _, e := range p.Events {
			if err := enc.Encode(auditRecordJSON{ID: e.ID, At: e.At.UTC(), Action: e.Action, ActorKind: e.ActorKind, ActorID: e.ActorID,
				ActorRole: e.ActorRole, CenterID: e.CenterID, Subject: e.SubjectAccountID, Reason: e.Reason, IP: e.IP,
				RequestID: e.RequestID, Details: e.Details}); err != nil {
				return err
			}
		}
	} else {
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tAT\tACTION\tACTOR\tROLE\tCENTER\tSUBJECT\tREASON\tIP")
		for _, e := range p.Events {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.At.UTC().Format(time.RFC3339), e.Action,
				strings.TrimSpace(e.ActorKind+" "+e.ActorID), dash(e.ActorRole), dash(e.CenterID), dash(e.SubjectAccountID), dash(e.Reason), dash(e.IP))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if p.Next != 0 && !f.json { // in JSON lines, the last record's ID is the cursor
		fmt.Fprintf(stdout, "more: -cursor %s\n", p.Next)
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
