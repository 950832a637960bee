package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/problem"
)

// Accounts is the accounts table: citizens' accounts, their personal data
// sealed per column, found by ID or by the blind index of a phone or an
// e-mail address.
type Accounts struct{ st *Store }

// Accounts returns the accounts repository.
func (s *Store) Accounts() *Accounts { return &Accounts{st: s} }

const accountColumns = `a.id, a.level, a.status, a.surname, a.name, a.phone, a.email, a.password_hash, a.password_changed_at, a.lang, a.created_at, a.updated_at, a.deletion_effective_at, a.region, a.locality`

type accountRow struct {
	id, level, status, pwHash, lang string
	region                          string
	surname, name, phone, email     []byte
	locality                        []byte
	pwChanged, created, updated     sql.NullInt64
	deletion                        sql.NullInt64
}

func (r *accountRow) dest() []any {
	return []any{&r.id, &r.level, &r.status, &r.surname, &r.name, &r.phone, &r.email, &r.pwHash, &r.pwChanged, &r.lang, &r.created, &r.updated, &r.deletion, &r.region, &r.locality}
}

func (s *Store) decodeAccount(r *accountRow) (*account.Account, error) {
	a := &account.Account{
		ID: r.id, Level: account.Level(r.level), Status: account.Status(r.status), PasswordHash: r.pwHash, Lang: r.lang,
		PasswordChangedAt: fromMS(r.pwChanged), CreatedAt: fromMS(r.created), UpdatedAt: fromMS(r.updated),
		DeletionEffectiveAt: fromMS(r.deletion), Region: r.region,
	}
	var err error
	open := func(ct []byte, col string) string {
		if err != nil || len(ct) == 0 { // an erased account's names are empty
			return ""
		}
		var v string
		v, err = s.unseal("accounts", col, r.id, ct)
		return v
	}
	a.Surname = open(r.surname, "surname")
	a.Name = open(r.name, "name")
	a.Phone = contact.Phone(open(r.phone, "phone"))
	a.Email = contact.Email(open(r.email, "email"))
	a.Locality = open(r.locality, "locality")
	if err != nil {
		return nil, fmt.Errorf("store: account %s: %w", r.id, err)
	}
	return a, nil
}

// CreateAccount inserts a new account. A phone or e-mail already used by
// another account is a Conflict problem "account.contact_taken".
func (ac *Accounts) CreateAccount(ctx context.Context, a *account.Account) error {
	seal := func(v, col string) []byte { return ac.st.seal("accounts", col, a.ID, v) }
	_, err := ac.st.exec(ctx, `INSERT INTO accounts (id, level, status, surname, name, phone, phone_index, email, email_index,
		password_hash, password_changed_at, lang, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		a.ID, string(a.Level), string(a.Status), seal(a.Surname, "surname"), seal(a.Name, "name"),
		seal(string(a.Phone), "phone"), ac.st.blindIndex("phone", string(a.Phone)),
		seal(string(a.Email), "email"), ac.st.blindIndex("email", string(a.Email)),
		a.PasswordHash, ms(a.PasswordChangedAt), a.Lang, ms(a.CreatedAt), ms(a.UpdatedAt))
	if ok, _ := isUnique(err); ok {
		return &problem.Error{Kind: problem.Conflict, Message: problem.M("account.contact_taken"), Err: err}
	}
	if err != nil {
		return fmt.Errorf("store: create account: %w", err)
	}
	return nil
}

func (ac *Accounts) accountWhere(ctx context.Context, where string, args ...any) (*account.Account, error) {
	var r accountRow
	err := ac.st.queryRow(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE `+where, args...).Scan(r.dest()...)
	if err != nil {
		return nil, notFound(err, "account.not_found")
	}
	return ac.st.decodeAccount(&r)
}

// AccountByID returns an account or a NotFound problem.
func (ac *Accounts) AccountByID(ctx context.Context, id string) (*account.Account, error) {
	return ac.accountWhere(ctx, "a.id = ?", id)
}

// AccountByPhone finds the account with this phone (E.164), indexed under
// the current master secret or, during a rotation, an old one.
func (ac *Accounts) AccountByPhone(ctx context.Context, p contact.Phone) (*account.Account, error) {
	where, args := ac.st.indexMatch("a.phone_index", "phone", string(p))
	return ac.accountWhere(ctx, where, args...)
}

// AccountByEmail finds the account with this (normalized) e-mail, as
// AccountByPhone does.
func (ac *Accounts) AccountByEmail(ctx context.Context, e contact.Email) (*account.Account, error) {
	where, args := ac.st.indexMatch("a.email_index", "email", string(e))
	return ac.accountWhere(ctx, where, args...)
}

// AccountBySNILS finds the account whose verified personal data holds the
// SNILS.
func (ac *Accounts) AccountBySNILS(ctx context.Context, s document.SNILS) (*account.Account, error) {
	where, args := ac.st.indexMatch("snils_index", "snils", string(s))
	return ac.accountWhere(ctx, "a.id = (SELECT account_id FROM personal_data WHERE "+where+")", args...)
}

// AccountByPassport finds the account whose verified personal data holds
// the passport (series and number, digits only); when two did (a passport
// verified on two accounts), the first by ID.
func (ac *Accounts) AccountByPassport(ctx context.Context, series, number string) (*account.Account, error) {
	key := passportKey(series, number)
	if key == "" {
		return nil, problem.New(problem.NotFound, "account.not_found")
	}
	where, args := ac.st.indexMatch("passport_index", "passport", key)
	return ac.accountWhere(ctx, "a.id = (SELECT account_id FROM personal_data WHERE "+where+" ORDER BY account_id LIMIT 1)", args...)
}

// AccountByLogin finds the account a login names: by phone, e-mail or
// verified SNILS; a phone login carrying a SNILS too (digits that are
// both) finds the phone's account, else the SNILS's.
func (ac *Accounts) AccountByLogin(ctx context.Context, l contact.Login) (*account.Account, error) {
	switch l.Kind {
	case contact.LoginPhone:
		a, err := ac.AccountByPhone(ctx, l.Phone)
		if l.SNILS != "" && problem.KindOf(err) == problem.NotFound {
			return ac.AccountBySNILS(ctx, l.SNILS)
		}
		return a, err
	case contact.LoginEmail:
		return ac.AccountByEmail(ctx, l.Email)
	case contact.LoginSNILS:
		return ac.AccountBySNILS(ctx, l.SNILS)
	}
	return nil, problem.New(problem.NotFound, "account.not_found")
}

// SetNames replaces an active account's surname and name (with its
// verified ones).
func (ac *Accounts) SetNames(ctx context.Context, id, surname, name string, at time.Time) error {
	res, err := ac.st.exec(ctx, `UPDATE accounts SET surname = ?, name = ?, updated_at = ? WHERE id = ? AND status = 'active'`,
		ac.st.seal("accounts", "surname", id, surname), ac.st.seal("accounts", "name", id, name), ms(at), id)
	if err != nil {
		return fmt.Errorf("store: set names: %w", err)
	}
	return expectOne(res, "account.not_found")
}

// SetRegion records the region the citizen chose and the town they chose
// it by (sealed).
func (ac *Accounts) SetRegion(ctx context.Context, id, region, locality string, at time.Time) error {
	var sealed []byte
	if locality != "" {
		sealed = ac.st.seal("accounts", "locality", id, locality)
	}
	res, err := ac.st.exec(ctx, `UPDATE accounts SET region = ?, locality = ?, updated_at = ? WHERE id = ?`, region, sealed, ms(at), id)
	if err != nil {
		return fmt.Errorf("store: set region: %w", err)
	}
	return expectOne(res, "account.not_found")
}

// SetPassword replaces an account's password hash.
func (ac *Accounts) SetPassword(ctx context.Context, id, hash string, at time.Time) error {
	res, err := ac.st.exec(ctx, `UPDATE accounts SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE id = ?`, hash, ms(at), ms(at), id)
	if err != nil {
		return fmt.Errorf("store: set password: %w", err)
	}
	return expectOne(res, "account.not_found")
}

// RehashPassword stores a new hash of the same password (after a parameter
// change), without touching password_changed_at.
func (ac *Accounts) RehashPassword(ctx context.Context, id, oldHash, newHash string) error {
	_, err := ac.st.exec(ctx, `UPDATE accounts SET password_hash = ? WHERE id = ? AND password_hash = ?`, newHash, id, oldHash)
	return err
}

func expectOne(res sql.Result, notFoundID string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return problem.New(problem.NotFound, notFoundID)
	}
	return nil
}
