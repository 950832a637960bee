package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/registry"
)

// Profiles is the storage of personal data and its verification
// (internal/profile): personal_data, verifications and their checks, with
// the accounts (for the level) and the audit log.
type Profiles struct {
	transactions
	*Accounts
	*AuditLog
}

// Profiles returns the personal data repository.
func (s *Store) Profiles() *Profiles {
	return &Profiles{transactions: transactions{st: s}, Accounts: s.Accounts(), AuditLog: s.AuditLog()}
}

var _ profile.Store = (*Profiles)(nil)

// sealedData is personal data as stored, sealed as one JSON value: field
// names of its own, so that the domain's types can change without
// rewriting rows.
type sealedData struct {
	Surname      string `json:"surname"`
	Name         string `json:"name"`
	Patronymic   string `json:"patronymic,omitempty"`
	NoPatronymic bool   `json:"no_patronymic,omitempty"`
	Gender       string `json:"gender"`
	BirthDate    string `json:"birth_date"`
	BirthPlace   string `json:"birth_place"`
	Citizenship  string `json:"citizenship"`
	Series       string `json:"series"`
	Number       string `json:"number"`
	IssueDate    string `json:"issue_date"`
	IssuedBy     string `json:"issued_by"`
	DivisionCode string `json:"division_code"`
	SNILS        string `json:"snils"`
}

const dateLayout = "2006-01-02"

// sealedSNILS is the SNILS in a sealed personal_data.data value, which its
// blind index is of (for rekey); "" when the value cannot be read.
func sealedSNILS(pt []byte) string {
	var s sealedData
	_ = json.Unmarshal(pt, &s)
	return s.SNILS
}

// sealedPassport is the passport's series and number in a sealed
// personal_data.data value, which its blind index is of ("" when the value
// cannot be read or holds none).
func sealedPassport(pt []byte) string {
	var s sealedData
	_ = json.Unmarshal(pt, &s)
	return passportKey(s.Series, s.Number)
}

// passportKey is what the passport's blind index is of: the series and
// number, digits only, together.
func passportKey(series, number string) string {
	if series == "" || number == "" {
		return ""
	}
	return series + number
}

func (p *Profiles) seal(d profile.Data, table, key string) ([]byte, error) {
	id, pp := d.Identity, d.Passport
	b, err := json.Marshal(sealedData{Surname: id.Surname, Name: id.Name, Patronymic: id.Patronymic, NoPatronymic: id.NoPatronymic,
		Gender: string(id.Gender), BirthDate: id.BirthDate.Format(dateLayout), BirthPlace: id.BirthPlace, Citizenship: id.Citizenship,
		Series: pp.Series, Number: pp.Number, IssueDate: pp.IssueDate.Format(dateLayout), IssuedBy: pp.IssuedBy, DivisionCode: pp.DivisionCode,
		SNILS: string(d.SNILS)})
	if err != nil {
		return nil, err
	}
	return p.transactions.st.keys.Seal(b, sealedColumn(table, "data").context(key)), nil
}

func (p *Profiles) open(ct []byte, table, key string) (profile.Data, error) {
	context := sealedColumn(table, "data").context(key)
	b, err := p.transactions.st.keys.Open(ct, context)
	if err != nil {
		return profile.Data{}, fmt.Errorf("store: %s: %w", context, err)
	}
	var s sealedData
	if err := json.Unmarshal(b, &s); err != nil {
		return profile.Data{}, fmt.Errorf("store: %s: %w", context, err)
	}
	birth, err1 := time.Parse(dateLayout, s.BirthDate)
	issue, err2 := time.Parse(dateLayout, s.IssueDate)
	if err := errors.Join(err1, err2); err != nil {
		return profile.Data{}, fmt.Errorf("store: %s: %w", context, err)
	}
	return profile.Data{
		Identity: person.Identity{Surname: s.Surname, Name: s.Name, Patronymic: s.Patronymic, NoPatronymic: s.NoPatronymic,
			Gender: person.Gender(s.Gender), BirthDate: birth, BirthPlace: s.BirthPlace, Citizenship: s.Citizenship},
		Passport: document.Passport{Series: s.Series, Number: s.Number, IssueDate: issue, IssuedBy: s.IssuedBy, DivisionCode: s.DivisionCode},
		SNILS:    document.SNILS(s.SNILS),
	}, nil
}

// PersonalData returns the account's verified data and its latest
// verification with its checks: the pending one if any (a submission
// supersedes every earlier one, even within the same millisecond).
func (p *Profiles) PersonalData(ctx context.Context, accountID string) (*profile.Record, error) {
	rec := &profile.Record{AccountID: accountID}
	var data []byte
	var at sql.NullInt64
	err := p.transactions.st.queryRow(ctx, `SELECT data, verified_at FROM personal_data WHERE account_id = ?`, accountID).Scan(&data, &at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("store: personal data: %w", err)
	default:
		d, err := p.open(data, "personal_data", accountID)
		if err != nil {
			return nil, err
		}
		rec.Verified, rec.VerifiedAt = &d, fromMS(at)
	}
	var id string
	err = p.transactions.st.queryRow(ctx, `SELECT id FROM verifications WHERE account_id = ? ORDER BY CASE WHEN state = 'pending' THEN 0 ELSE 1 END, submitted_at DESC, id DESC LIMIT 1`, accountID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return rec, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: latest verification: %w", err)
	}
	rec.Latest, err = p.verification(ctx, id)
	return rec, err
}

func (p *Profiles) verification(ctx context.Context, id string) (*profile.Verification, error) {
	v := &profile.Verification{ID: id}
	var state string
	var data []byte
	var submitted, finished sql.NullInt64
	err := p.transactions.st.queryRow(ctx, `SELECT account_id, state, data, submitted_at, finished_at FROM verifications WHERE id = ?`, id).
		Scan(&v.AccountID, &state, &data, &submitted, &finished)
	if err != nil {
		return nil, notFound(err, "verification.not_found")
	}
	v.State, v.SubmittedAt, v.FinishedAt = profile.State(state), fromMS(submitted), fromMS(finished)
	if v.Data, err = p.open(data, "verifications", id); err != nil {
		return nil, err
	}
	rows, err := p.transactions.st.query(ctx, `SELECT id, account_id, registry, state, reason, fields, attempts, last_error, registry_ref, created_at, updated_at
		FROM verification_checks WHERE verification_id = ? ORDER BY created_at, registry`, id)
	if err != nil {
		return nil, fmt.Errorf("store: checks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c := profile.Check{VerificationID: id}
		var reg, st, fields string
		var created, updated sql.NullInt64
		if err := rows.Scan(&c.ID, &c.AccountID, &reg, &st, &c.Reason, &fields, &c.Attempts, &c.LastError, &c.Ref, &created, &updated); err != nil {
			return nil, err
		}
		c.Registry, c.State, c.CreatedAt, c.UpdatedAt = registry.ID(reg), profile.State(st), fromMS(created), fromMS(updated)
		for f := range strings.SplitSeq(fields, ",") {
			if f != "" {
				c.Fields = append(c.Fields, registry.Field(f))
			}
		}
		v.Checks = append(v.Checks, c)
	}
	return v, rows.Err()
}

// CreateVerification stores a verification with its checks.
func (p *Profiles) CreateVerification(ctx context.Context, v *profile.Verification) error {
	data, err := p.seal(v.Data, "verifications", v.ID)
	if err != nil {
		return err
	}
	if _, err := p.transactions.st.exec(ctx, `INSERT INTO verifications (id, account_id, state, data, submitted_at, finished_at) VALUES (?, ?, ?, ?, ?, ?)`,
		v.ID, v.AccountID, string(v.State), data, ms(v.SubmittedAt), ms(v.FinishedAt)); err != nil {
		if ok, _ := isUnique(err); ok { // one pending per account: another submission won
			return &problem.Error{Kind: problem.Conflict, Message: problem.M("verification.in_progress"), Err: err}
		}
		return fmt.Errorf("store: create verification: %w", err)
	}
	for _, c := range v.Checks {
		if _, err := p.transactions.st.exec(ctx, `INSERT INTO verification_checks (id, verification_id, account_id, registry, state, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, c.ID, v.ID, v.AccountID, string(c.Registry), string(c.State), ms(c.CreatedAt), ms(c.UpdatedAt)); err != nil {
			return fmt.Errorf("store: create check: %w", err)
		}
	}
	return nil
}

// SupersedePending marks the account's pending verification and its
// pending checks superseded.
func (p *Profiles) SupersedePending(ctx context.Context, accountID string, at time.Time) error {
	// Found by the partial unique index first: the checks are then reached
	// by their verification, never by scanning every pending check.
	var id string
	err := p.transactions.st.writeRow(ctx, `SELECT id FROM verifications WHERE account_id = ? AND state = 'pending'`, accountID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: pending verification: %w", err)
	}
	// The verification before its checks, in record's order.
	if err := p.lockVerifications(ctx, `id = ?`, id); err != nil {
		return err
	}
	if _, err := p.transactions.st.exec(ctx, `UPDATE verification_checks SET state = 'superseded', updated_at = ?
		WHERE verification_id = ? AND state = 'pending'`, ms(at), id); err != nil {
		return fmt.Errorf("store: supersede checks: %w", err)
	}
	if _, err := p.transactions.st.exec(ctx, `UPDATE verifications SET state = 'superseded', finished_at = ? WHERE id = ? AND state = 'pending'`, ms(at), id); err != nil {
		return fmt.Errorf("store: supersede verification: %w", err)
	}
	return nil
}

// lockVerifications takes the row locks of the verifications where holds
// (a write that changes nothing; SQLite's one writer needs no more) until
// the transaction ends.
func (p *Profiles) lockVerifications(ctx context.Context, where string, arg any) error {
	if _, err := p.transactions.st.exec(ctx, `UPDATE verifications SET state = state WHERE `+where, arg); err != nil {
		return fmt.Errorf("store: lock verification: %w", err)
	}
	return nil
}

// Verification returns a verification with its checks.
func (p *Profiles) Verification(ctx context.Context, id string) (*profile.Verification, error) {
	return p.verification(ctx, id)
}

// LockVerification takes the verification's row lock for the rest of the
// transaction, so that two runs recording outcomes of its checks at once
// do not each miss the other's and leave it pending (PostgreSQL; SQLite's
// one writer serializes them anyway). SupersedePending takes it too,
// before the checks: the same order, so neither waits for the other in a
// cycle.
func (p *Profiles) LockVerification(ctx context.Context, id string) error {
	return p.lockVerifications(ctx, `id = ?`, id)
}

// NoteAttempt counts a pending check's failed attempt.
func (p *Profiles) NoteAttempt(ctx context.Context, checkID, lastError, ref string, at time.Time) (int, error) {
	var n int
	err := p.transactions.st.writeRow(ctx, `UPDATE verification_checks SET attempts = attempts + 1, last_error = ?, registry_ref = ?, updated_at = ?
		WHERE id = ? AND state = 'pending' RETURNING attempts`, lastError, ref, ms(at), checkID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil // finished or superseded meanwhile
	}
	if err != nil {
		return 0, fmt.Errorf("store: note attempt: %w", err)
	}
	return n, nil
}

// FinishCheck records a pending check's outcome; false when it was not
// pending any more. The caller holds the verification's lock
// (LockVerification), so that the last outcome recorded sees every other.
func (p *Profiles) FinishCheck(ctx context.Context, c *profile.Check) (bool, error) {
	fields := make([]string, len(c.Fields))
	for i, f := range c.Fields {
		fields[i] = string(f)
	}
	res, err := p.transactions.st.exec(ctx, `UPDATE verification_checks SET state = ?, reason = ?, fields = ?, last_error = ?, registry_ref = '', attempts = attempts + 1, updated_at = ?
		WHERE id = ? AND state = 'pending'`, string(c.State), c.Reason, strings.Join(fields, ","), c.LastError, ms(c.UpdatedAt), c.ID)
	if err != nil {
		return false, fmt.Errorf("store: finish check: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// FinishVerification moves a pending verification to state.
func (p *Profiles) FinishVerification(ctx context.Context, id string, state profile.State, at time.Time) (bool, error) {
	res, err := p.transactions.st.exec(ctx, `UPDATE verifications SET state = ?, finished_at = ? WHERE id = ? AND state = 'pending'`, string(state), ms(at), id)
	if err != nil {
		return false, fmt.Errorf("store: finish verification: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SaveVerified makes d the account's verified data. Another account
// holding the same SNILS is a Conflict (the unique blind index).
func (p *Profiles) SaveVerified(ctx context.Context, accountID string, d profile.Data, at time.Time) error {
	data, err := p.seal(d, "personal_data", accountID)
	if err != nil {
		return err
	}
	st := p.transactions.st
	_, err = st.exec(ctx, `INSERT INTO personal_data (account_id, data, snils_index, passport_index, verified_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET data = excluded.data, snils_index = excluded.snils_index, passport_index = excluded.passport_index,
		verified_at = excluded.verified_at, updated_at = excluded.updated_at`,
		accountID, data, st.keys.Index("snils", string(d.SNILS)), st.blindIndex("passport", passportKey(d.Passport.Series, d.Passport.Number)), ms(at), ms(at))
	if ok, _ := isUnique(err); ok {
		return &problem.Error{Kind: problem.Conflict, Message: problem.M("verification.snils_taken"), Err: err}
	}
	if err != nil {
		return fmt.Errorf("store: save verified data: %w", err)
	}
	return nil
}

// SNILSHolder returns the account whose verified data holds the SNILS.
func (p *Profiles) SNILSHolder(ctx context.Context, s document.SNILS) (string, error) {
	var id string
	cond, args := p.transactions.st.indexMatch("snils_index", "snils", string(s))
	err := p.transactions.st.queryRow(ctx, `SELECT account_id FROM personal_data WHERE `+cond, args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: SNILS holder: %w", err)
	}
	return id, nil
}

// RaiseLevel raises an active account's level to level when it is lower.
func (ac *Accounts) RaiseLevel(ctx context.Context, id string, level account.Level, at time.Time) (bool, error) {
	lower := []string{}
	for _, l := range []account.Level{account.Simplified, account.Standard, account.Confirmed} {
		if l.Rank() < level.Rank() {
			lower = append(lower, "'"+string(l)+"'")
		}
	}
	if len(lower) == 0 {
		return false, nil
	}
	res, err := ac.st.exec(ctx, `UPDATE accounts SET level = ?, updated_at = ? WHERE id = ? AND status = 'active' AND level IN (`+strings.Join(lower, ", ")+`)`,
		string(level), ms(at), id)
	if err != nil {
		return false, fmt.Errorf("store: raise level: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// StuckCheck is a check pending longer than it should, for operators.
type StuckCheck struct {
	ID, VerificationID, AccountID string
	Registry                      registry.ID
	Attempts                      int
	LastError                     string
	CreatedAt, UpdatedAt          time.Time
}

// StuckChecks lists up to limit checks still pending that were created
// before the given time, oldest first.
func (p *Profiles) StuckChecks(ctx context.Context, before time.Time, limit int) ([]StuckCheck, error) {
	rows, err := p.transactions.st.query(ctx, `SELECT id, verification_id, account_id, registry, attempts, last_error, created_at, updated_at
		FROM verification_checks WHERE state = 'pending' AND created_at < ? ORDER BY created_at LIMIT ?`, ms(before), limit)
	if err != nil {
		return nil, fmt.Errorf("store: stuck checks: %w", err)
	}
	defer rows.Close()
	var out []StuckCheck
	for rows.Next() {
		var c StuckCheck
		var reg string
		var created, updated sql.NullInt64
		if err := rows.Scan(&c.ID, &c.VerificationID, &c.AccountID, &reg, &c.Attempts, &c.LastError, &created, &updated); err != nil {
			return nil, err
		}
		c.Registry, c.CreatedAt, c.UpdatedAt = registry.ID(reg), fromMS(created), fromMS(updated)
		out = append(out, c)
	}
	return out, rows.Err()
}

// CountStuckChecks counts the checks still pending that were created before
// the given time.
func (p *Profiles) CountStuckChecks(ctx context.Context, before time.Time) (int, error) {
	var n int
	if err := p.transactions.st.queryRow(ctx, `SELECT COUNT(*) FROM verification_checks WHERE state = 'pending' AND created_at < ?`, ms(before)).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count stuck checks: %w", err)
	}
	return n, nil
}

// PendingChecks returns those of the named checks that are still pending,
// in the order named, for an operator who asks to requeue them.
func (p *Profiles) PendingChecks(ctx context.Context, ids []string) ([]StuckCheck, error) {
	var out []StuckCheck
	for _, id := range ids {
		c := StuckCheck{ID: id}
		var reg string
		var created, updated sql.NullInt64
		err := p.transactions.st.queryRow(ctx, `SELECT verification_id, account_id, registry, attempts, last_error, created_at, updated_at
			FROM verification_checks WHERE id = ? AND state = 'pending'`, id).Scan(&c.VerificationID, &c.AccountID, &reg, &c.Attempts, &c.LastError, &created, &updated)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("store: pending check: %w", err)
		}
		c.Registry, c.CreatedAt, c.UpdatedAt = registry.ID(reg), fromMS(created), fromMS(updated)
		out = append(out, c)
	}
	return out, nil
}
