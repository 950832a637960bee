package store

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"
)

// The rotation of the master secret (`kabinet rekey`): every value of
// sealedColumns not sealed under the current key is sealed again, and every
// blind index is recomputed from the opened value, table by table in
// batches by primary key, one short transaction per batch so that a live
// system keeps serving. Progress is kept in rekey_progress, so a stopped
// run goes on where it stopped. A row the live system changes between a
// batch's read and its write is not overwritten: each write is a
// compare-and-set on the ciphertexts read, and a row that lost is read and
// done again.

// RekeyOptions tune a run.
type RekeyOptions struct {
	// Batch is the number of rows per transaction (0: 500).
	Batch int
	// DryRun only counts what would change, from the start, ignoring and
	// keeping any progress: run after a rekey, it verifies that nothing is
	// left under an old key.
	DryRun bool
	// Progress, if set, is called after each batch with the table's counts
	// so far.
	Progress func(RekeyTable)
	// Now stamps the progress rows (nil: time.Now).
	Now func() time.Time
	// Indexed, if set, is called (not in a dry run) with every opened
	// value of a blind-indexed column, of each row read: the phones and
	// e-mails, which are also logins, for what else is keyed by them (the
	// lockout guards, moved to the current key).
	Indexed func(ctx context.Context, kind, value string) error

	afterRead func() // tests: between a batch's read and its write
}

// RekeyTable counts one table's rows.
type RekeyTable struct {
	Table     string
	Rows      int // rows read
	Resealed  int // values sealed again under the current key (DryRun: to be)
	Reindexed int // blind indexes recomputed (DryRun: to be)
	Retried   int // rows the live system changed between read and write, done again
}

// RowProblem is a value rekey could not do, named by its row's key only.
type RowProblem struct {
	Table, Column, Key string
	Reason             string
}

// RekeyReport is the outcome of a run.
type RekeyReport struct {
	Target   string // the current key's ID (pii.Keyring.KeyID)
	Resumed  bool   // the run went on from a stopped one's progress
	Tables   []RekeyTable
	Problems []RowProblem
}

// Changed is the number of values and indexes written (DryRun: left to
// write).
func (r *RekeyReport) Changed() int {
	n := 0
	for _, t := range r.Tables {
		n += t.Resealed + t.Reindexed
	}
	return n
}

// rekeyTable is a table's sealed columns.
type rekeyTable struct {
	name, key string
	cols      []SealedColumn
}

// rekeyTables groups sealedColumns by table, in their order.
func rekeyTables() []rekeyTable {
	var out []rekeyTable
	at := map[string]int{}
	for _, c := range sealedColumns {
		i, ok := at[c.Table]
		if !ok {
			i = len(out)
			at[c.Table] = i
			out = append(out, rekeyTable{name: c.Table, key: c.Key})
		}
		out[i].cols = append(out[i].cols, c)
	}
	return out
}

// selectList is the key and, per column, the value and its index (or NULL).
func (t rekeyTable) selectList() string {
	parts := []string{t.key}
	for _, c := range t.cols {
		parts = append(parts, c.Column)
		for _, x := range c.Indexes {
			parts = append(parts, x.Column)
		}
	}
	return strings.Join(parts, ", ")
}

type rekeyRow struct {
	key  string
	vals [][]byte   // per column
	idx  [][][]byte // per column, per blind index
}

func (t rekeyTable) newIndexes() [][][]byte {
	idx := make([][][]byte, len(t.cols))
	for i, c := range t.cols {
		idx[i] = make([][]byte, len(c.Indexes))
	}
	return idx
}

func (t rekeyTable) scan(sc interface{ Scan(...any) error }) (rekeyRow, error) {
	r := rekeyRow{vals: make([][]byte, len(t.cols)), idx: t.newIndexes()}
	dest := []any{&r.key}
	for i := range t.cols {
		dest = append(dest, &r.vals[i])
		for j := range r.idx[i] {
			dest = append(dest, &r.idx[i][j])
		}
	}
	return r, sc.Scan(dest...)
}

// rekeyPlan is what a row needs: per column a new ciphertext and new
// indexes, nil where the stored one is right.
type rekeyPlan struct {
	row  rekeyRow
	vals [][]byte
	idx  [][][]byte
}

// columnChanged reports whether column i gets a new value or index.
func (p rekeyPlan) columnChanged(i int) bool {
	if p.vals[i] != nil {
		return true
	}
	for _, x := range p.idx[i] {
		if x != nil {
			return true
		}
	}
	return false
}

func (p rekeyPlan) changed() bool {
	for i := range p.vals {
		if p.columnChanged(i) {
			return true
		}
	}
	return false
}

func (p rekeyPlan) counts() (resealed, reindexed int) {
	for i := range p.vals {
		if p.vals[i] != nil {
			resealed++
		}
		for _, x := range p.idx[i] {
			if x != nil {
				reindexed++
			}
		}
	}
	return
}

// plan opens each value of the row and says what must change.
func (s *Store) plan(t rekeyTable, r rekeyRow) (rekeyPlan, []RowProblem) {
	p := rekeyPlan{row: r, vals: make([][]byte, len(t.cols)), idx: t.newIndexes()}
	var problems []RowProblem
	for i, c := range t.cols {
		ct := r.vals[i]
		if len(ct) == 0 {
			continue // NULL, or an erased account's emptied name
		}
		pt, err := s.keys.Open(ct, c.context(r.key))
		if err != nil {
			problems = append(problems, RowProblem{Table: t.name, Column: c.Column, Key: r.key, Reason: "opens under none of the keys"})
			continue
		}
		if s.keys.NeedsReseal(ct) {
			p.vals[i] = s.keys.Seal(pt, c.context(r.key))
		}
		for j, x := range c.Indexes {
			v := x.indexed(pt)
			if v == "" {
				continue // nothing to index (NULL stays NULL)
			}
			if want := s.keys.Index(x.Kind, v); !bytes.Equal(want, r.idx[i][j]) {
				p.idx[i][j] = want
			}
		}
	}
	return p, problems
}

// Rekey re-seals and re-indexes every sealed column under the current
// master secret (see the top of this file). It stops at the first storage
// error or when ctx ends, keeping its progress; values that open under no
// key are reported in Problems and left as they are.
func (s *Store) Rekey(ctx context.Context, o RekeyOptions) (*RekeyReport, error) {
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	rep := &RekeyReport{Target: s.keys.KeyID()}
	progress := map[string]rekeyProgress{}
	if !o.DryRun {
		var err error
		if progress, err = s.rekeyProgress(ctx, rep.Target); err != nil {
			return rep, err
		}
		rep.Resumed = len(progress) > 0
	}
	for _, t := range rekeyTables() {
		res, problems, err := s.rekeyTable(ctx, t, progress[t.name], o)
		rep.Tables = append(rep.Tables, res)
		rep.Problems = append(rep.Problems, problems...)
		if err != nil {
			return rep, err
		}
	}
	if !o.DryRun {
		// Done: a next run starts from the beginning (and finds nothing).
		if _, err := s.exec(ctx, `DELETE FROM rekey_progress`); err != nil {
			return rep, fmt.Errorf("store: rekey progress: %w", err)
		}
	}
	return rep, nil
}

type rekeyProgress struct {
	lastKey string
	done    bool
}

// rekeyProgress forgets the progress of runs towards another key and
// returns this target's.
func (s *Store) rekeyProgress(ctx context.Context, target string) (map[string]rekeyProgress, error) {
	if _, err := s.exec(ctx, `DELETE FROM rekey_progress WHERE target <> ?`, target); err != nil {
		return nil, fmt.Errorf("store: rekey progress: %w", err)
	}
	rows, err := s.query(ctx, `SELECT table_name, last_key, done FROM rekey_progress`)
	if err != nil {
		return nil, fmt.Errorf("store: rekey progress: %w", err)
	}
	defer rows.Close()
	out := map[string]rekeyProgress{}
	for rows.Next() {
		var (
			name string
			p    rekeyProgress
			done int
		)
		if err := rows.Scan(&name, &p.lastKey, &done); err != nil {
			return nil, err
		}
		p.done = done != 0
		out[name] = p
	}
	return out, rows.Err()
}

func (s *Store) saveRekeyProgress(ctx context.Context, o RekeyOptions, table, lastKey string, done bool) error {
	_, err := s.exec(ctx, `INSERT INTO rekey_progress (table_name, target, last_key, done, updated_at) VALUES (?,?,?,?,?)
		ON CONFLICT (table_name) DO UPDATE SET target = excluded.target, last_key = excluded.last_key, done = excluded.done, updated_at = excluded.updated_at`,
		table, s.keys.KeyID(), lastKey, boolInt(done), o.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("store: rekey progress: %w", err)
	}
	return nil
}

func (s *Store) rekeyTable(ctx context.Context, t rekeyTable, from rekeyProgress, o RekeyOptions) (RekeyTable, []RowProblem, error) {
	res := RekeyTable{Table: t.name}
	var problems []RowProblem
	if from.done {
		return res, nil, nil
	}
	// Names from sealedColumns, never input.
	sel := `SELECT ` + t.selectList() + ` FROM ` + t.name + ` WHERE ` + t.key + ` > ? ORDER BY ` + t.key + ` LIMIT ?`
	last := from.lastKey
	for {
		if err := ctx.Err(); err != nil {
			return res, problems, err
		}
		batch, err := s.rekeyBatch(ctx, t, sel, last, o.Batch)
		if err != nil {
			return res, problems, err
		}
		if len(batch) == 0 {
			if o.DryRun {
				return res, problems, nil
			}
			return res, problems, s.saveRekeyProgress(ctx, o, t.name, last, true)
		}
		var plans []rekeyPlan
		for _, r := range batch {
			if o.Indexed != nil && !o.DryRun {
				if err := s.eachIndexed(ctx, t, r, o.Indexed); err != nil {
					return res, problems, err
				}
			}
			p, pr := s.plan(t, r)
			problems = append(problems, pr...)
			if !p.changed() {
				continue
			}
			if o.DryRun {
				rs, ri := p.counts()
				res.Resealed, res.Reindexed = res.Resealed+rs, res.Reindexed+ri
			}
			plans = append(plans, p)
		}
		if o.afterRead != nil {
			o.afterRead()
		}
		last = batch[len(batch)-1].key
		if !o.DryRun {
			pr, err := s.applyBatch(ctx, t, plans, last, o, &res)
			problems = append(problems, pr...)
			if err != nil {
				return res, problems, err
			}
		}
		res.Rows += len(batch)
		if o.Progress != nil {
			o.Progress(res)
		}
	}
}

// eachIndexed calls f with the row's opened blind-indexed values (those
// that open: plan reports the others).
func (s *Store) eachIndexed(ctx context.Context, t rekeyTable, r rekeyRow, f func(ctx context.Context, kind, value string) error) error {
	for i, c := range t.cols {
		if len(c.Indexes) == 0 || len(r.vals[i]) == 0 {
			continue
		}
		pt, err := s.keys.Open(r.vals[i], c.context(r.key))
		if err != nil {
			continue
		}
		for _, x := range c.Indexes {
			if v := x.indexed(pt); v != "" {
				if err := f(ctx, x.Kind, v); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (s *Store) rekeyBatch(ctx context.Context, t rekeyTable, sel, after string, limit int) ([]rekeyRow, error) {
	rows, err := s.query(ctx, sel, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: rekey %s: %w", t.name, err)
	}
	defer rows.Close()
	var out []rekeyRow
	for rows.Next() {
		r, err := t.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: rekey %s: %w", t.name, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// applyBatch writes a batch's plans and its progress in one transaction.
// A blind index that another row holds (two accounts given one contact
// while the rotation was under way, each indexed under its own key) fails
// the batch; it is then done row by row and that row reported.
func (s *Store) applyBatch(ctx context.Context, t rekeyTable, plans []rekeyPlan, last string, o RekeyOptions, res *RekeyTable) ([]RowProblem, error) {
	var done RekeyTable
	err := s.Transact(ctx, func(ctx context.Context) error {
		done = RekeyTable{}
		for _, p := range plans {
			if err := s.applyRekey(ctx, t, p, &done); err != nil {
				return err
			}
		}
		return s.saveRekeyProgress(ctx, o, t.name, last, false)
	})
	if unique, _ := isUnique(err); !unique {
		if err == nil {
			res.Resealed, res.Reindexed, res.Retried = res.Resealed+done.Resealed, res.Reindexed+done.Reindexed, res.Retried+done.Retried
		}
		return nil, err
	}
	var problems []RowProblem
	for _, p := range plans {
		var one RekeyTable
		err := s.Transact(ctx, func(ctx context.Context) error { return s.applyRekey(ctx, t, p, &one) })
		if unique, _ := isUnique(err); unique {
			problems = append(problems, RowProblem{Table: t.name, Key: p.row.key, Reason: "its blind index is another row's"})
			continue
		}
		if err != nil {
			return problems, err
		}
		res.Resealed, res.Reindexed, res.Retried = res.Resealed+one.Resealed, res.Reindexed+one.Reindexed, res.Retried+one.Retried
	}
	return problems, s.saveRekeyProgress(ctx, o, t.name, last, false)
}

// applyRekey writes one row's plan by compare-and-set on the ciphertexts
// it was made from; when the row changed meanwhile it is read and planned
// again (the live system's write wins; it is under the current key
// already, or is made so here).
func (s *Store) applyRekey(ctx context.Context, t rekeyTable, p rekeyPlan, done *RekeyTable) error {
	for attempt := 0; attempt < 5; attempt++ {
		var (
			set, where []string
			args, cas  []any
		)
		for i, c := range t.cols {
			if !p.columnChanged(i) {
				continue
			}
			if p.vals[i] != nil {
				set, args = append(set, c.Column+" = ?"), append(args, p.vals[i])
			}
			for j, x := range c.Indexes {
				if p.idx[i][j] != nil {
					set, args = append(set, x.Column+" = ?"), append(args, p.idx[i][j])
				}
			}
			where, cas = append(where, c.Column+" = ?"), append(cas, p.row.vals[i])
		}
		args = append(append(args, p.row.key), cas...)
		res, err := s.exec(ctx, `UPDATE `+t.name+` SET `+strings.Join(set, ", ")+` WHERE `+t.key+` = ? AND `+strings.Join(where, " AND "), args...)
		if err != nil {
			return fmt.Errorf("store: rekey %s %s: %w", t.name, p.row.key, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 1 {
			rs, ri := p.counts()
			done.Resealed, done.Reindexed = done.Resealed+rs, done.Reindexed+ri
			return nil
		}
		// Changed (or deleted) since it was read.
		rows, err := s.rekeyBatch(ctx, t, `SELECT `+t.selectList()+` FROM `+t.name+` WHERE `+t.key+` = ? LIMIT ?`, p.row.key, 1)
		if err != nil || len(rows) == 0 {
			return err
		}
		done.Retried++
		if p, _ = s.plan(t, rows[0]); !p.changed() {
			return nil
		}
	}
	return fmt.Errorf("store: rekey %s %s: the row keeps changing", t.name, p.row.key)
}
