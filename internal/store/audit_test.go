package store_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/store"
)

// allowTampering lifts the append-only triggers, as an attacker with the
// database's owner rights could.
func allowTampering(t *testing.T, s *store.Store) {
	t.Helper()
	stmts := []string{"DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete"}
	if s.Dialect() == store.Postgres {
		stmts = []string{"ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"}
	}
	for _, q := range stmts {
		if _, err := s.DB().ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
}

func exec(t *testing.T, s *store.Store, q string, args ...any) {
	t.Helper()
	if s.Dialect() == store.Postgres {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	if _, err := s.DB().ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// seedAudit appends n events: the odd ones two to a transaction, the rest
// on their own.
func seedAudit(t *testing.T, s *store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	for i := 1; i <= n; i++ {
		e := &audit.Event{At: t0.Add(time.Duration(i) * time.Minute), Action: "staff.citizen_viewed", ActorKind: audit.ActorStaff,
			ActorID: "staff-1", ActorRole: "operator", CenterID: "kaluga-1", Reason: "identity_confirmation",
			SubjectAccountID: "acc", IP: "10.0.0.1", RequestID: fmt.Sprint("req-", i), Details: map[string]string{"n": fmt.Sprint(i), "a": "б"}}
		if i%2 == 1 && i < n {
			err := s.Transact(ctx, func(ctx context.Context) error {
				if err := s.AuditLog().AppendAudit(ctx, e); err != nil {
					return err
				}
				e2 := *e
				e2.At, e2.Details = e.At.Add(time.Second), map[string]string{"n": fmt.Sprint(i + 1)}
				return s.AuditLog().AppendAudit(ctx, &e2)
			})
			if err != nil {
				t.Fatal(err)
			}
			i++
			continue
		}
		if err := s.AuditLog().AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
}

func verify(t *testing.T, s *store.Store) (*audit.Break, int64) {
	t.Helper()
	var v audit.Verifier
	b, err := s.AuditLog().VerifyAudit(context.Background(), &v)
	if err != nil {
		t.Fatal(err)
	}
	return b, v.Checked()
}

// TestAuditChainFindsTheFirstBrokenLink tampers with a log of five records
// (IDs 1 to 5) and checks the link verify reports.
func TestAuditChainFindsTheFirstBrokenLink(t *testing.T) {
	rehash := func(t *testing.T, s *store.Store) {
		// The attacker recomputes the changed record's own hash.
		var p audit.Page
		p, err := audit.Search{Store: s.AuditLog()}.Find(context.Background(), audit.Filter{Action: "staff.changed"})
		if err != nil || len(p.Events) != 1 {
			t.Fatalf("find %v %v", p, err)
		}
		e := p.Events[0]
		prev := mustHashOf(t, s, 2)
		exec(t, s, "UPDATE audit_events SET hash = ? WHERE id = 3", audit.Next(prev, 3, &e).String())
	}
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, s *store.Store)
		id     int64
		kind   string
	}{
		{"untouched", func(*testing.T, *store.Store) {}, 0, ""},
		{"a record changed", func(t *testing.T, s *store.Store) {
			exec(t, s, "UPDATE audit_events SET reason = 'curiosity' WHERE id = 3")
		}, 3, audit.BreakHash},
		{"a detail changed", func(t *testing.T, s *store.Store) {
			exec(t, s, `UPDATE audit_events SET details = '{"n":"9","a":"б"}' WHERE id = 3`)
		}, 3, audit.BreakHash},
		{"a record changed and its hash recomputed", func(t *testing.T, s *store.Store) {
			exec(t, s, "UPDATE audit_events SET action = 'staff.changed' WHERE id = 3")
			rehash(t, s)
		}, 4, audit.BreakPrev},
		{"a record deleted", func(t *testing.T, s *store.Store) {
			exec(t, s, "DELETE FROM audit_events WHERE id = 3")
		}, 4, audit.BreakGap},
		{"the last record deleted", func(t *testing.T, s *store.Store) {
			exec(t, s, "DELETE FROM audit_events WHERE id = 5")
		}, 0, audit.BreakHead},
		{"a record inserted without a link", func(t *testing.T, s *store.Store) {
			exec(t, s, "INSERT INTO audit_events (at, action, actor_kind) VALUES (?, 'signin.succeeded', 'citizen')", t0.UnixMilli())
		}, 6, audit.BreakUnchained},
		{"two records swapped", func(t *testing.T, s *store.Store) {
			exec(t, s, "UPDATE audit_events SET seq = -seq WHERE id IN (2, 3)")
			exec(t, s, "UPDATE audit_events SET seq = 3 WHERE id = 2")
			exec(t, s, "UPDATE audit_events SET seq = 2 WHERE id = 3")
		}, 2, audit.BreakGap},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachEngine(t, func(t *testing.T, s *store.Store) {
				seedAudit(t, s, 5)
				allowTampering(t, s)
				tc.tamper(t, s)
				b, n := verify(t, s)
				if tc.kind == "" {
					if b != nil || n != 5 {
						t.Fatalf("verify = %v after %d records, want whole after 5", b, n)
					}
					return
				}
				if b == nil || b.Kind != tc.kind || b.ID != tc.id {
					t.Fatalf("verify = %+v, want %s at record %d", b, tc.kind, tc.id)
				}
			})
		})
	}
}

func mustHashOf(t *testing.T, s *store.Store, id int64) audit.Hash {
	t.Helper()
	var hash string
	q := "SELECT hash FROM audit_events WHERE id = ?"
	if s.Dialect() == store.Postgres {
		q = "SELECT hash FROM audit_events WHERE id = $1"
	}
	if err := s.DB().QueryRowContext(context.Background(), q, id).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	h, err := audit.ParseHash(hash)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestAuditChainIsOneLine: concurrent transactions, each appending two
// events, leave one chain with no gap; a rolled-back transaction leaves no
// record and no link.
func TestAuditChainIsOneLine(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const writers, each = 16, 10
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					err := s.Transact(ctx, func(ctx context.Context) error {
						for k := range 2 {
							e := &audit.Event{At: t0, Action: "session.ended", ActorKind: audit.ActorCitizen, ActorID: fmt.Sprint(w),
								Details: map[string]string{"i": fmt.Sprint(i), "k": fmt.Sprint(k)}}
							if err := s.AuditLog().AppendAudit(ctx, e); err != nil {
								return err
							}
						}
						if i == 3 {
							return errors.New("rolled back")
						}
						return nil
					})
					if err != nil && err.Error() != "rolled back" {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		b, n := verify(t, s)
		if want := int64(writers * (each - 1) * 2); b != nil || n != want {
			t.Fatalf("verify = %v after %d records, want whole after %d", b, n, want)
		}
	})
}

// TestAuditChainBackfill: a deployment with audit records from before
// migration 0013 gets them chained by the migrate step, unchanged, and
// the next append continues the chain.
func TestAuditChainBackfill(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := openAt(t, engine, 11)
			for i := range 3 {
				exec(t, s, `INSERT INTO audit_events (at, action, actor_kind, subject_account_id, details) VALUES (?, ?, 'citizen', 'acc', ?)`,
					t0.Add(time.Duration(i)*time.Second).UnixMilli(), fmt.Sprint("account.event", i), `{"i":"`+fmt.Sprint(i)+`"}`)
			}
			exec(t, s, `INSERT INTO audit_events (at, action, actor_kind) VALUES (?, 'signin.failed', 'anonymous')`, t0.UnixMilli())
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if b, n := verify(t, s); b != nil || n != 4 {
				t.Fatalf("verify after the backfill = %v after %d, want whole after 4", b, n)
			}
			got, err := s.AuditLog().EventsAbout(ctx, "acc", 10)
			if err != nil || len(got) != 3 || got[0].Action != "account.event2" || got[2].Details["i"] != "0" {
				t.Fatalf("events after the backfill = %+v %v", got, err)
			}
			if err := s.AuditLog().AppendAudit(ctx, &audit.Event{At: t0, Action: "signin.succeeded", ActorKind: audit.ActorCitizen}); err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(ctx); err != nil { // nothing left to chain
				t.Fatal(err)
			}
			if b, n := verify(t, s); b != nil || n != 5 {
				t.Fatalf("verify = %v after %d, want whole after 5", b, n)
			}
			// A chained record is never changed again, even by the backfill's way.
			if _, err := s.DB().ExecContext(ctx, "UPDATE audit_events SET seq = NULL WHERE id = 1"); err == nil {
				t.Error("a chained record was unchained")
			}
		})
	}
}

// TestFindAudit runs the administrators' search and the citizen's list
// over one log.
func TestFindAudit(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		type ev struct {
			action, kind, actor, center, subject string
			min                                  int
		}
		seed := []ev{
			{"staff.citizen_viewed", audit.ActorStaff, "op-1", "c-1", "acc-1", 1},     // 1
			{"staff.identity_confirmed", audit.ActorStaff, "op-1", "c-1", "acc-1", 2}, // 2
			{"staff.citizen_viewed", audit.ActorStaff, "op-2", "c-2", "acc-2", 3},     // 3
			{"signin.succeeded", audit.ActorCitizen, "acc-1", "", "acc-1", 4},         // 4
			{"staffx.other", audit.ActorStaff, "adm", "", "acc-1", 5},                 // 5
			{"staff.citizen_viewed", audit.ActorStaff, "op-1", "c-1", "acc-1", 6},     // 6
		}
		for _, e := range seed {
			if err := s.AuditLog().AppendAudit(ctx, &audit.Event{At: t0.Add(time.Duration(e.min) * time.Minute), Action: e.action,
				ActorKind: e.kind, ActorID: e.actor, CenterID: e.center, SubjectAccountID: e.subject, ActorRole: "operator"}); err != nil {
				t.Fatal(err)
			}
		}
		ids := func(list []audit.Event) string {
			var out []string
			for _, e := range list {
				out = append(out, fmt.Sprint(e.ID))
			}
			return strings.Join(out, ",")
		}
		search := audit.Search{Store: s.AuditLog()}
		for _, tc := range []struct {
			name string
			f    audit.Filter
			want string
		}{
			{"everything, newest first", audit.Filter{}, "6,5,4,3,2,1"},
			{"by actor", audit.Filter{ActorID: "op-1"}, "6,2,1"},
			{"by subject", audit.Filter{SubjectAccountID: "acc-2"}, "3"},
			{"by action", audit.Filter{Action: "staff.citizen_viewed"}, "6,3,1"},
			{"by action prefix", audit.Filter{Action: "staff.*"}, "6,3,2,1"},
			{"by action prefix with a dot", audit.Filter{Action: "staff."}, "6,3,2,1"},
			{"by center", audit.Filter{CenterID: "c-1"}, "6,2,1"},
			{"by time, from included, to excluded", audit.Filter{From: t0.Add(2 * time.Minute), To: t0.Add(5 * time.Minute)}, "4,3,2"},
			{"combined", audit.Filter{ActorID: "op-1", Action: "staff.*", From: t0.Add(2 * time.Minute)}, "6,2"},
			{"a page", audit.Filter{Limit: 2}, "6,5"},
			{"the next page", audit.Filter{Limit: 2, Cursor: 5}, "4,3"},
			{"nothing", audit.Filter{ActorID: "nobody"}, ""},
		} {
			p, err := search.Find(ctx, tc.f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if got := ids(p.Events); got != tc.want {
				t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
			}
		}
		// Paging to the end: every record once, the last page says so.
		var all []string
		var cur audit.Cursor
		for pages := 0; ; pages++ {
			p, err := search.Find(ctx, audit.Filter{Limit: 4, Cursor: cur})
			if err != nil || pages > 3 {
				t.Fatalf("paging: %v after %d pages", err, pages)
			}
			all = append(all, ids(p.Events))
			if p.Next == 0 {
				break
			}
			cur = p.Next
		}
		if got := strings.Join(all, "|"); got != "6,5,4,3|2,1" {
			t.Errorf("pages %s", got)
		}

		// The citizen's list: staff records about acc-1 only.
		da := audit.DataAccess{Store: s.AuditLog(), Centers: centerNames{"c-1": "МФЦ Калуги"}}
		p, err := da.List(ctx, "acc-1", 0, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Accesses) != 2 || p.Accesses[0].Reference != "6" || p.Accesses[0].Center != "МФЦ Калуги" || p.Accesses[1].Reference != "5" ||
			p.Accesses[1].Center != "" || p.Next != 5 {
			t.Fatalf("first page %+v", p)
		}
		p, err = da.List(ctx, "acc-1", p.Next, 2)
		if err != nil || len(p.Accesses) != 2 || p.Accesses[0].Reference != "2" || p.Accesses[1].Reference != "1" || p.Next != 0 {
			t.Fatalf("second page %+v %v", p, err)
		}
	})
}

type centerNames map[string]string

func (c centerNames) CenterName(_ context.Context, id string) (string, bool) {
	n, ok := c[id]
	return n, ok
}

// BenchmarkAppendAudit: one audited transaction per operation from one
// writer and from 16 concurrent writers, with the chain (AppendAudit: the head locked just
// before the commit) and, as the baseline, the same row inserted plainly in
// the same kind of transaction, as before the chain. docs/benchmarks.md
// reports the ratio.
//
//	go test ./internal/store -run '^$' -bench AppendAudit -benchtime 3s
func BenchmarkAppendAudit(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			var s *store.Store
			if engine == "sqlite" {
				s = openSQLite(b)
			} else {
				s = openPostgres(b)
			}
			ctx := context.Background()
			ev := audit.Event{At: t0, Action: "staff.citizen_viewed", ActorKind: audit.ActorStaff, ActorID: "op-1", ActorRole: "operator",
				CenterID: "c-1", SubjectAccountID: "acc", IP: "10.0.0.1", RequestID: "req", Reason: "identity_confirmation",
				Details: map[string]string{"field": "passport"}}
			plain := "INSERT INTO audit_events (at, action, actor_kind, actor_id, subject_account_id, ip, request_id, details, actor_role, center_id, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
			if engine == "postgres" {
				plain = "INSERT INTO audit_events (at, action, actor_kind, actor_id, subject_account_id, ip, request_id, details, actor_role, center_id, reason) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)"
			}
			for _, tc := range []struct {
				mode    string
				writers int
			}{{"plain", 1}, {"chained", 1}, {"plain", 16}, {"chained", 16}} {
				mode := tc.mode
				b.Run(fmt.Sprintf("%s/writers=%d", mode, tc.writers), func(b *testing.B) {
					op := func() error {
						return s.Transact(ctx, func(ctx context.Context) error {
							if mode == "chained" {
								e := ev
								return s.AuditLog().AppendAudit(ctx, &e)
							}
							tx, _ := store.Tx(ctx)
							_, err := tx.ExecContext(ctx, plain, t0.UnixMilli(), ev.Action, ev.ActorKind, ev.ActorID, ev.SubjectAccountID, ev.IP,
								ev.RequestID, `{"field":"passport"}`, ev.ActorRole, ev.CenterID, ev.Reason)
							return err
						})
					}
					if tc.writers == 1 {
						for range b.N {
							if err := op(); err != nil {
								b.Fatal(err)
							}
						}
						return
					}
					b.SetParallelism((tc.writers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if err := op(); err != nil {
								b.Error(err)
								return
							}
						}
					})
				})
			}
		})
	}
}

// TestAuditAppendAfterTheTransaction: an event appended with the context
// of a transaction that has ended is an error, not silently lost.
func TestAuditAppendAfterTheTransaction(t *testing.T) {
	s := openSQLite(t)
	ctx := context.Background()
	var stale context.Context
	if err := s.Transact(ctx, func(ctx context.Context) error { stale = ctx; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.AuditLog().AppendAudit(stale, &audit.Event{At: t0, Action: "signin.failed", ActorKind: audit.ActorAnonymous}); err == nil {
		t.Error("an append after the commit was taken")
	}
}
