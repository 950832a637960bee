package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/app"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/store"
	"github.com/kabinet/kabinet/internal/testenv"
)

// TestAuditCommand: `kabinet audit verify` on a log a node wrote says the
// chain is whole and prints its head; after a record is changed behind the
// triggers' back it names that record and fails; a head given back as an
// anchor catches a chain recomputed to its end. `audit search` finds by
// action prefix and pages. On both engines.
func TestAuditCommand(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			vars := map[string]string{"KABINET_DATA_DIR": t.TempDir(), "KABINET_ARGON2_MEMORY_KIB": "64"}
			if engine == "postgres" {
				vars["KABINET_DATABASE_URL"] = testenv.NewPostgresDatabase(t)
			}
			getenv := env(vars)
			cfg, err := config.Load(getenv)
			if err != nil {
				t.Fatal(err)
			}
			node, err := app.New(ctx, cfg, app.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			st := node.Store
			for i := range 5 {
				if err := st.AuditLog().AppendAudit(ctx, &audit.Event{At: time.UnixMilli(1_700_000_000_000 + int64(i)), Action: "staff.citizen_viewed",
					ActorKind: audit.ActorStaff, ActorID: "op-1", ActorRole: "operator", CenterID: "c-1", SubjectAccountID: "acc"}); err != nil {
					t.Fatal(err)
				}
			}
			var out bytes.Buffer
			if err := run(ctx, []string{"audit", "verify"}, getenv, &out, &out); err != nil {
				t.Fatalf("verify: %v\n%s", err, out.String())
			}
			m := regexp.MustCompile(`the chain is whole: (\d+) records checked.*\n.*: (\d+:[0-9a-f]{64})\n`).FindStringSubmatch(out.String())
			if m == nil {
				t.Fatalf("verify output:\n%s", out.String())
			}
			total, head := m[1], m[2]

			out.Reset()
			if err := run(ctx, []string{"audit", "search", "-action", "staff.*", "-limit", "3"}, getenv, &out, &out); err != nil {
				t.Fatalf("search: %v\n%s", err, out.String())
			}
			if n := strings.Count(out.String(), "staff.citizen_viewed"); n != 3 || !strings.Contains(out.String(), "more: -cursor ") {
				t.Errorf("search output:\n%s", out.String())
			}

			// The last staff record changed, and the whole tail recomputed
			// as a DB-only attacker can: the chain is whole again, but
			// not through the head recorded before.
			var id int64
			if err := st.DB().QueryRowContext(ctx, "SELECT MAX(id) FROM audit_events").Scan(&id); err != nil {
				t.Fatal(err)
			}
			tamper := []string{"DROP TRIGGER audit_events_no_update", fmt.Sprintf("UPDATE audit_events SET reason = 'curiosity' WHERE id = %d", id)}
			if engine == "postgres" {
				tamper[0] = "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"
			}
			for _, q := range tamper {
				if _, err := st.DB().ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			if err := node.Close(ctx); err != nil {
				t.Fatal(err)
			}
			out.Reset()
			err = run(ctx, []string{"audit", "verify"}, getenv, &out, &out)
			want := fmt.Sprintf("first broken link: record %d, seq %s: hash_mismatch", id, total)
			if err == nil || !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "BROKEN: "+total+" records checked") {
				t.Fatalf("verify after tampering: %v\n%s\nwant %q", err, out.String(), want)
			}

			rechain(t, engine, vars, id)
			out.Reset()
			if err := run(ctx, []string{"audit", "verify"}, getenv, &out, &out); err != nil {
				t.Fatalf("verify of the recomputed chain: %v\n%s", err, out.String())
			}
			out.Reset()
			err = run(ctx, []string{"audit", "verify", "-anchor", head}, getenv, &out, &out)
			if err == nil || !strings.Contains(out.String(), fmt.Sprintf("record %d, seq %s: anchor_mismatch", id, total)) {
				t.Fatalf("verify through the old head: %v\n%s", err, out.String())
			}

			out.Reset()
			if err := run(ctx, []string{"audit", "verify", "-anchor", "x"}, getenv, &out, &out); err == nil {
				t.Error("a malformed anchor was taken")
			}
		})
	}
}

// rechain recomputes the record's hash and the head, as an attacker
// with the database alone could.
func rechain(t *testing.T, engine string, vars map[string]string, id int64) {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load(env(vars))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := app.LoadKeys(cfg, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, store.Options{URL: cfg.Storage.DatabaseURL, SQLitePath: cfg.Storage.SQLitePath()}, keys)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, err := audit.Search{Store: st.AuditLog()}.Find(ctx, audit.Filter{Limit: 1})
	if err != nil || len(p.Events) != 1 || p.Events[0].ID != id {
		t.Fatalf("the last record: %+v %v", p, err)
	}
	var seq int64
	var prev string
	q := "SELECT seq, prev_hash FROM audit_events WHERE id = ?"
	if engine == "postgres" {
		q = "SELECT seq, prev_hash FROM audit_events WHERE id = $1"
	}
	if err := st.DB().QueryRowContext(ctx, q, id).Scan(&seq, &prev); err != nil {
		t.Fatal(err)
	}
	ph, err := audit.ParseHash(prev)
	if err != nil {
		t.Fatal(err)
	}
	h := audit.Next(ph, seq, &p.Events[0]).String()
	for _, q := range []string{fmt.Sprintf("UPDATE audit_events SET hash = '%s' WHERE id = %d", h, id),
		fmt.Sprintf("UPDATE audit_chain_head SET hash = '%s'", h)} {
		if _, err := st.DB().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
}

// TestParseAudit: the command's flags, and the mistakes it refuses before
// opening the database.
func TestParseAudit(t *testing.T) {
	h := audit.Next(audit.Genesis, 1, &audit.Event{Action: "a"}).String()
	for _, tc := range []struct {
		args []string
		ok   bool
		want func(auditFlags) bool
	}{
		{[]string{"verify"}, true, func(f auditFlags) bool { return f.verb == "verify" && len(f.anchors) == 0 }},
		{[]string{"verify", "-anchor", "3:" + h, "-anchor", "9:" + h}, true, func(f auditFlags) bool { return len(f.anchors) == 2 && f.anchors[1].Seq == 9 }},
		{[]string{"verify", "-anchor", "3"}, false, nil},
		{[]string{"verify", "extra"}, false, nil},
		{[]string{"search", "-action", "staff.*", "-from", "2026-12-01T00:00:00Z", "-to", "2026-12-02T00:00:00+03:00", "-cursor", "42", "-json"}, true,
			func(f auditFlags) bool {
				return f.filter.Action == "staff.*" && f.filter.Cursor == 42 && f.json && f.filter.To.Sub(f.filter.From) == 21*time.Hour
			}},
		{[]string{"search", "-from", "yesterday"}, false, nil},
		{[]string{"search", "-cursor", "x"}, false, nil},
		{[]string{"search", "-anchor", "1:" + h}, false, nil},
		{[]string{}, false, nil},
		{[]string{"delete"}, false, nil},
	} {
		f, _, err := parseAudit(tc.args, io.Discard)
		if (err == nil) != tc.ok || (tc.ok && !tc.want(f)) {
			t.Errorf("parseAudit(%q) = %+v, %v", tc.args, f, err)
		}
	}
}
