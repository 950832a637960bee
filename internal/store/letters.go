package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/internal/desk"
	"github.com/kabinet/kabinet/internal/letter"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/problem"
)

// Letters is the storage of the registered letters (internal/letter):
// letters with their addressee and address sealed, the post operator's
// batches, and what a confirmation by letter touches (the account's
// level, identity_confirmations, the audit log).
type Letters struct {
	*Desk
}

// Letters returns the letters' repository.
func (s *Store) Letters() *Letters { return &Letters{Desk: s.Desk()} }

var _ letter.Store = (*Letters)(nil)

const letterColumns = `id, account_id, recipient, address, status, batch_id, code_hash, wrong,
	ordered_at, printed_at, sent_at, returned_at, used_at, closed_at, expires_at`

// VerifiedIdentity returns the account's verified name and birth data.
func (x *Letters) VerifiedIdentity(ctx context.Context, accountID string) (person.Identity, bool, error) {
	r, err := x.PersonalData(ctx, accountID)
	if problem.KindOf(err) == problem.NotFound {
		return person.Identity{}, false, nil
	}
	if err != nil || r.Verified == nil {
		return person.Identity{}, false, err
	}
	return r.Verified.Identity, true, nil
}

// CreateLetter inserts a new letter.
func (x *Letters) CreateLetter(ctx context.Context, l *letter.Letter) error {
	st := x.transactions.st
	addr, err := json.Marshal(l.Address)
	if err != nil {
		return err
	}
	_, err = st.exec(ctx, `INSERT INTO letters (id, account_id, recipient, address, status, wrong, ordered_at) VALUES (?, ?, ?, ?, ?, 0, ?)`,
		l.ID, l.AccountID, st.seal("letters", "recipient", l.ID, l.Recipient), st.seal("letters", "address", l.ID, string(addr)),
		string(l.Status), ms(l.OrderedAt))
	if err != nil {
		return fmt.Errorf("store: create letter: %w", err)
	}
	return nil
}

// UpdateLetter writes a letter's status, batch, code hash, wrong codes
// and times (the addressee and address never change).
func (x *Letters) UpdateLetter(ctx context.Context, l *letter.Letter) error {
	res, err := x.transactions.st.exec(ctx, `UPDATE letters SET status = ?, batch_id = ?, code_hash = ?, wrong = ?,
		printed_at = ?, sent_at = ?, returned_at = ?, used_at = ?, closed_at = ?, expires_at = ? WHERE id = ?`,
		string(l.Status), nullString(l.BatchID), l.CodeHash, l.Wrong,
		ms(l.PrintedAt), ms(l.SentAt), ms(l.ReturnedAt), ms(l.UsedAt), ms(l.ClosedAt), ms(l.ExpiresAt), l.ID)
	if err != nil {
		return fmt.Errorf("store: update letter: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return problem.New(problem.NotFound, "letter.not_found")
	}
	return nil
}

// Letter returns a letter by ID; NotFound "letter.not_found".
func (x *Letters) Letter(ctx context.Context, id string) (*letter.Letter, error) {
	ls, err := x.letters(ctx, `SELECT `+letterColumns+` FROM letters WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(ls) == 0 {
		return nil, problem.New(problem.NotFound, "letter.not_found")
	}
	return ls[0], nil
}

// CurrentLetter returns the account's latest letter not replaced;
// NotFound "letter.none".
func (x *Letters) CurrentLetter(ctx context.Context, accountID string) (*letter.Letter, error) {
	ls, err := x.letters(ctx, `SELECT `+letterColumns+` FROM letters WHERE account_id = ? AND status <> ?
		ORDER BY ordered_at DESC, id DESC LIMIT 1`, accountID, string(letter.Replaced))
	if err != nil {
		return nil, err
	}
	if len(ls) == 0 {
		return nil, problem.New(problem.NotFound, "letter.none")
	}
	return ls[0], nil
}

// AccountLetters returns every letter of the account, newest first (the
// export of its data).
func (x *Letters) AccountLetters(ctx context.Context, accountID string) ([]*letter.Letter, error) {
	return x.letters(ctx, `SELECT `+letterColumns+` FROM letters WHERE account_id = ? ORDER BY ordered_at DESC, id DESC`, accountID)
}

// OrderTimes returns when the account's letters ordered at or after since
// were ordered, earliest first.
func (x *Letters) OrderTimes(ctx context.Context, accountID string, since time.Time) ([]time.Time, error) {
	rows, err := x.transactions.st.query(ctx, `SELECT ordered_at FROM letters WHERE account_id = ? AND ordered_at >= ? ORDER BY ordered_at`, accountID, ms(since))
	if err != nil {
		return nil, fmt.Errorf("store: letters ordered: %w", err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at sql.NullInt64
		if err := rows.Scan(&at); err != nil {
			return nil, fmt.Errorf("store: letters ordered: %w", err)
		}
		out = append(out, fromMS(at))
	}
	return out, rows.Err()
}

// OrderedLetters returns up to max letters waiting to be printed, oldest
// first.
func (x *Letters) OrderedLetters(ctx context.Context, max int) ([]*letter.Letter, error) {
	return x.letters(ctx, `SELECT `+letterColumns+` FROM letters WHERE status = ? ORDER BY ordered_at, id LIMIT ?`, string(letter.Ordered), max)
}

// PendingCount is how many letters wait to be printed.
func (x *Letters) PendingCount(ctx context.Context) (int, error) {
	var n int
	if err := x.transactions.st.queryRow(ctx, `SELECT COUNT(*) FROM letters WHERE status = ?`, string(letter.Ordered)).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: letters waiting: %w", err)
	}
	return n, nil
}

// BatchLetters returns a batch's letters in the order printed.
func (x *Letters) BatchLetters(ctx context.Context, batchID string) ([]*letter.Letter, error) {
	return x.letters(ctx, `SELECT `+letterColumns+` FROM letters WHERE batch_id = ? ORDER BY ordered_at, id`, batchID)
}

// letters runs a query of letterColumns and opens each row.
func (x *Letters) letters(ctx context.Context, q string, args ...any) ([]*letter.Letter, error) {
	st := x.transactions.st
	rows, err := st.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: letters: %w", err)
	}
	defer rows.Close()
	var out []*letter.Letter
	for rows.Next() {
		var (
			l                                                         letter.Letter
			recipient, addr                                           []byte
			status                                                    string
			batch                                                     sql.NullString
			ordered, printed, sent, returned, used, closed, expiresAt sql.NullInt64
		)
		if err := rows.Scan(&l.ID, &l.AccountID, &recipient, &addr, &status, &batch, &l.CodeHash, &l.Wrong,
			&ordered, &printed, &sent, &returned, &used, &closed, &expiresAt); err != nil {
			return nil, fmt.Errorf("store: letter: %w", err)
		}
		if l.Recipient, err = st.unseal("letters", "recipient", l.ID, recipient); err != nil {
			return nil, err
		}
		a, err := st.unseal("letters", "address", l.ID, addr)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(a), &l.Address); err != nil {
			return nil, fmt.Errorf("store: letter %s address: %w", l.ID, err)
		}
		l.Status, l.BatchID = letter.Status(status), batch.String
		l.OrderedAt, l.PrintedAt, l.SentAt, l.ReturnedAt = fromMS(ordered), fromMS(printed), fromMS(sent), fromMS(returned)
		l.UsedAt, l.ClosedAt, l.ExpiresAt = fromMS(used), fromMS(closed), fromMS(expiresAt)
		out = append(out, &l)
	}
	return out, rows.Err()
}

// CreateBatch inserts a batch.
func (x *Letters) CreateBatch(ctx context.Context, b *letter.Batch) error {
	_, err := x.transactions.st.exec(ctx, `INSERT INTO letter_batches (id, staff_id, center_id, letters, printed_at, sent_at) VALUES (?, ?, ?, ?, ?, ?)`,
		b.ID, b.StaffID, b.CenterID, b.Letters, ms(b.PrintedAt), ms(b.SentAt))
	if err != nil {
		return fmt.Errorf("store: create letter batch: %w", err)
	}
	return nil
}

// UpdateBatch writes when a batch was handed to the post.
func (x *Letters) UpdateBatch(ctx context.Context, b *letter.Batch) error {
	if _, err := x.transactions.st.exec(ctx, `UPDATE letter_batches SET sent_at = ? WHERE id = ?`, ms(b.SentAt), b.ID); err != nil {
		return fmt.Errorf("store: update letter batch: %w", err)
	}
	return nil
}

const batchColumns = `id, staff_id, center_id, letters, printed_at, sent_at`

// Batch returns a batch; NotFound "letter.batch_not_found".
func (x *Letters) Batch(ctx context.Context, id string) (*letter.Batch, error) {
	bs, err := x.batches(ctx, `SELECT `+batchColumns+` FROM letter_batches WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(bs) == 0 {
		return nil, problem.New(problem.NotFound, "letter.batch_not_found")
	}
	return bs[0], nil
}

// Batches returns the latest batches, newest first.
func (x *Letters) Batches(ctx context.Context, limit int) ([]*letter.Batch, error) {
	return x.batches(ctx, `SELECT `+batchColumns+` FROM letter_batches ORDER BY printed_at DESC, id DESC LIMIT ?`, limit)
}

func (x *Letters) batches(ctx context.Context, q string, args ...any) ([]*letter.Batch, error) {
	rows, err := x.transactions.st.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: letter batches: %w", err)
	}
	defer rows.Close()
	var out []*letter.Batch
	for rows.Next() {
		var b letter.Batch
		var printed, sent sql.NullInt64
		if err := rows.Scan(&b.ID, &b.StaffID, &b.CenterID, &b.Letters, &printed, &sent); err != nil {
			return nil, fmt.Errorf("store: letter batch: %w", err)
		}
		b.PrintedAt, b.SentAt = fromMS(printed), fromMS(sent)
		out = append(out, &b)
	}
	return out, rows.Err()
}

// RecordConfirmation records a confirmation without a center or staff (a
// letter, a signature) as the account's confirmation.
func (x *Letters) RecordConfirmation(ctx context.Context, accountID, method string, at time.Time) error {
	return x.SaveConfirmation(ctx, &desk.Confirmation{AccountID: accountID, Method: method, At: at})
}
