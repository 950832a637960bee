package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/kabinet/kabinet/internal/audit"
)

// AuditLog is the append-only audit log (audit_events; the database
// refuses updates and deletes) and its hash chain (decision 13).
//
// An event appended inside a transaction is held until the transaction is
// about to commit, and then written with its link of the chain: the head
// (audit_chain_head) is read — on PostgreSQL locked FOR UPDATE — the
// transaction's events are inserted after it and the head moved, and the
// transaction commits. Holding the lock only from there to the commit keeps
// the chain one line across concurrent transactions and nodes while
// serializing as little as possible; SQLite has one writer anyway.
type AuditLog struct{ st *Store }

// AuditLog returns the audit log's repository.
func (s *Store) AuditLog() *AuditLog { return &AuditLog{st: s} }

var (
	_ audit.Store  = (*AuditLog)(nil)
	_ audit.Finder = (*AuditLog)(nil)
)

// pendingAuditKey holds the *pendingAudit of the transaction Transact opened.
type pendingAuditKey struct{}

// pendingAudit is the events a transaction appended, written at its commit.
type pendingAudit struct {
	mu     sync.Mutex
	events []audit.Event
	closed bool // the transaction has ended: nothing can be added
}

// close ends the list when its transaction ends, committed or not.
func (p *pendingAudit) close() {
	p.mu.Lock()
	p.closed, p.events = true, nil
	p.mu.Unlock()
}

// errTxEnded is the error of an append with the context of a transaction
// that has ended: the event would be lost.
var errTxEnded = errors.New("store: audit: appended with the context of a transaction that has ended")

// AppendAudit adds an event to the append-only audit log: in the
// transaction ctx carries (written when it commits, with its link of the
// chain), or in a transaction of its own.
func (al *AuditLog) AppendAudit(ctx context.Context, e *audit.Event) error {
	p, ok := ctx.Value(pendingAuditKey{}).(*pendingAudit)
	if !ok {
		return al.st.Transact(ctx, func(ctx context.Context) error { return al.AppendAudit(ctx, e) })
	}
	if err := al.st.open.check(ctx); err != nil {
		return err
	}
	ev := *e
	if len(e.Details) > 0 {
		// What the log will read back: JSON has no invalid UTF-8.
		b, err := json.Marshal(e.Details)
		if err != nil {
			return fmt.Errorf("store: audit: %w", err)
		}
		ev.Details = nil
		if err := json.Unmarshal(b, &ev.Details); err != nil {
			return fmt.Errorf("store: audit: %w", err)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errTxEnded
	}
	p.events = append(p.events, ev)
	return nil
}

const auditHead = `SELECT seq, hash FROM audit_chain_head WHERE id = 1`

// head reads the chain's head in the context's transaction; on PostgreSQL
// it locks the head's row until the transaction ends.
func (s *Store) auditHead(ctx context.Context) (audit.Head, error) {
	q := auditHead
	if s.dialect == Postgres {
		q += ` FOR UPDATE`
	}
	var h audit.Head
	var hash string
	if err := s.queryRow(ctx, q).Scan(&h.Seq, &hash); err != nil {
		return h, fmt.Errorf("store: audit chain head: %w", err)
	}
	var err error
	h.Hash, err = audit.ParseHash(hash)
	return h, err
}

func (s *Store) setAuditHead(ctx context.Context, h audit.Head) error {
	_, err := s.exec(ctx, `UPDATE audit_chain_head SET seq = ?, hash = ? WHERE id = 1`, h.Seq, h.Hash.String())
	return err
}

// flushAudit writes the transaction's events with their links, just
// before it commits.
func (s *Store) flushAudit(ctx context.Context) error {
	p, ok := ctx.Value(pendingAuditKey{}).(*pendingAudit)
	if !ok {
		return nil
	}
	p.mu.Lock()
	events := p.events
	p.events = nil
	p.mu.Unlock()
	if len(events) == 0 {
		return nil
	}
	h, err := s.auditHead(ctx)
	if err != nil {
		return err
	}
	for i := range events {
		e := &events[i]
		var l audit.Link
		l, h = h.Chain(e)
		var details any
		if len(e.Details) > 0 {
			b, err := json.Marshal(e.Details)
			if err != nil {
				return err
			}
			details = string(b)
		}
		_, err := s.exec(ctx, `INSERT INTO audit_events (at, action, actor_kind, actor_id, subject_account_id, ip, request_id, details,
			actor_role, center_id, reason, seq, prev_hash, hash)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, ms(e.At), e.Action, e.ActorKind, nullString(e.ActorID), nullString(e.SubjectAccountID),
			nullString(e.IP), nullString(e.RequestID), details, nullString(e.ActorRole), nullString(e.CenterID), nullString(e.Reason),
			l.Seq, l.Prev.String(), l.Hash.String())
		if err != nil {
			return fmt.Errorf("store: audit: %w", err)
		}
	}
	if err := s.setAuditHead(ctx, h); err != nil {
		return fmt.Errorf("store: audit chain head: %w", err)
	}
	return nil
}

// auditColumns are the columns scanAudit reads, in its order.
const auditColumns = `id, at, action, actor_kind, actor_id, subject_account_id, ip, request_id, details,
	actor_role, center_id, reason, seq, prev_hash, hash`

// scanAudit reads one row of auditColumns.
func scanAudit(rows *sql.Rows) (audit.Event, audit.Link, error) {
	var e audit.Event
	var l audit.Link
	var at, seq sql.NullInt64
	var actor, subject, ip, rid, details, role, center, reason, prev, hash sql.NullString
	if err := rows.Scan(&e.ID, &at, &e.Action, &e.ActorKind, &actor, &subject, &ip, &rid, &details,
		&role, &center, &reason, &seq, &prev, &hash); err != nil {
		return e, l, err
	}
	e.At, e.ActorID, e.SubjectAccountID, e.IP, e.RequestID = fromMS(at), actor.String, subject.String, ip.String, rid.String
	e.ActorRole, e.CenterID, e.Reason = role.String, center.String, reason.String
	if details.Valid {
		if err := json.Unmarshal([]byte(details.String), &e.Details); err != nil {
			return e, l, fmt.Errorf("store: audit record %d: details: %w", e.ID, err)
		}
	}
	if seq.Valid {
		l.Seq = seq.Int64
		// A malformed hash is left zero: the verifier reports the mismatch.
		l.Prev, _ = audit.ParseHash(prev.String)
		l.Hash, _ = audit.ParseHash(hash.String)
	}
	return e, l, nil
}

// scanAuditRows reads every row of an auditColumns query, closing rows.
func scanAuditRows(rows *sql.Rows) ([]audit.Event, error) {
	defer rows.Close()
	var out []audit.Event
	for rows.Next() {
		e, _, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// EventsAbout returns the latest events about an account, newest first.
func (al *AuditLog) EventsAbout(ctx context.Context, accountID string, limit int) ([]audit.Event, error) {
	rows, err := al.st.query(ctx, `SELECT `+auditColumns+`
		FROM audit_events WHERE subject_account_id = ? ORDER BY id DESC LIMIT ?`, accountID, limit)
	if err != nil {
		return nil, err
	}
	return scanAuditRows(rows)
}

// FindAudit returns at most q.Limit+1 records matching the query, newest
// (highest ID) first.
func (al *AuditLog) FindAudit(ctx context.Context, q audit.Query) ([]audit.Event, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if q.ActorID != "" {
		add("actor_id = ?", q.ActorID)
	}
	if q.SubjectAccountID != "" {
		add("subject_account_id = ?", q.SubjectAccountID)
	}
	if q.Accessors {
		// As the partial index audit_events_accessors says it (0027).
		where = append(where, "actor_kind IN ('staff', 'site')")
	}
	if q.CenterID != "" {
		add("center_id = ?", q.CenterID)
	}
	if q.Action != "" {
		add("action = ?", q.Action)
	}
	if q.ActionPrefix != "" {
		// The prefix ends in "."; "/" is the byte after it, so the range
		// is exactly the actions under the prefix, with no LIKE escaping.
		add("action >= ?", q.ActionPrefix)
		add("action < ?", strings.TrimSuffix(q.ActionPrefix, ".")+"/")
	}
	if !q.From.IsZero() {
		add("at >= ?", q.From.UnixMilli())
	}
	if !q.To.IsZero() {
		add("at < ?", q.To.UnixMilli())
	}
	if q.BeforeID > 0 {
		add("id < ?", q.BeforeID)
	}
	sqlText := `SELECT ` + auditColumns + ` FROM audit_events`
	if len(where) > 0 {
		sqlText += ` WHERE ` + strings.Join(where, " AND ")
	}
	sqlText += ` ORDER BY id DESC LIMIT ?`
	args = append(args, q.Limit+1)
	rows, err := al.st.query(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("store: audit search: %w", err)
	}
	return scanAuditRows(rows)
}

// verifyBatch is how many records VerifyAudit reads at a time.
const verifyBatch = 1000

// VerifyAudit walks the whole log in ID order through v, a batch at a
// time, in one read-only snapshot, and checks the end against the recorded
// head. It returns the first break (nil when the chain is whole); err is
// for a failure to read.
func (al *AuditLog) VerifyAudit(ctx context.Context, v *audit.Verifier) (*audit.Break, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if al.st.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := al.st.read.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("store: audit verify: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	var recorded audit.Head
	var hash string
	if err := tx.QueryRowContext(ctx, al.st.rebind(auditHead)).Scan(&recorded.Seq, &hash); err != nil {
		return nil, fmt.Errorf("store: audit verify: head: %w", err)
	}
	if recorded.Hash, err = audit.ParseHash(hash); err != nil {
		return &audit.Break{Kind: audit.BreakHead, Detail: err.Error()}, nil
	}
	q := al.st.rebind(`SELECT ` + auditColumns + ` FROM audit_events WHERE id > ? ORDER BY id LIMIT ?`)
	var last int64
	for {
		n, b, err := func() (int, *audit.Break, error) {
			rows, err := tx.QueryContext(ctx, q, last, verifyBatch)
			if err != nil {
				return 0, nil, err
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				e, l, err := scanAudit(rows)
				if err != nil {
					return n, nil, err
				}
				n++
				last = e.ID
				if b := v.Check(e.ID, &e, l); b != nil {
					return n, b, nil
				}
			}
			return n, nil, rows.Err()
		}()
		if err != nil {
			return nil, fmt.Errorf("store: audit verify: %w", err)
		}
		if b != nil {
			return b, nil
		}
		if n < verifyBatch {
			break
		}
	}
	return v.Finish(recorded), nil
}

// chainUnchained chains the records that have no link yet — those written
// before migration 0013 — in ID order after the head, in one transaction,
// a batch at a time. The migrate step runs it; with nothing to chain it
// costs one index look-up.
func (s *Store) chainUnchained(ctx context.Context) (int64, error) {
	var one int
	err := s.write.QueryRowContext(ctx, `SELECT 1 FROM audit_events WHERE seq IS NULL LIMIT 1`).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: audit chain backfill: %w", err)
	}
	var n int64
	err = s.Transact(ctx, func(ctx context.Context) error {
		h, err := s.auditHead(ctx)
		if err != nil {
			return err
		}
		for {
			batch, err := func() ([]audit.Event, error) {
				rows, err := s.query(ctx, `SELECT `+auditColumns+` FROM audit_events WHERE seq IS NULL ORDER BY id LIMIT ?`, verifyBatch)
				if err != nil {
					return nil, err
				}
				return scanAuditRows(rows)
			}()
			if err != nil {
				return err
			}
			for i := range batch {
				var l audit.Link
				l, h = h.Chain(&batch[i])
				if _, err := s.exec(ctx, `UPDATE audit_events SET seq = ?, prev_hash = ?, hash = ? WHERE id = ? AND seq IS NULL`,
					l.Seq, l.Prev.String(), l.Hash.String(), batch[i].ID); err != nil {
					return err
				}
				n++
			}
			if len(batch) < verifyBatch {
				return s.setAuditHead(ctx, h)
			}
		}
	})
	if err != nil {
		return 0, fmt.Errorf("store: audit chain backfill: %w", err)
	}
	return n, nil
}
