package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/internal/desk"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/signature"
)

// Signatures is the storage of the confirmation by signature
// (internal/signature): the statements, whose snapshot of the person is
// sealed; the trusted CAs and their generation; the uploaded CRLs; and
// what a confirmation touches (the account's level,
// identity_confirmations, the audit log).
type Signatures struct {
	*Desk
}

// Signatures returns the signatures' repository.
func (s *Store) Signatures() *Signatures { return &Signatures{Desk: s.Desk()} }

var _ signature.Store = (*Signatures)(nil)

// sealedPerson is a statement's snapshot as sealed: field names of its
// own, so that the domain's type can change without rewriting rows.
type sealedPerson struct {
	Surname    string `json:"surname"`
	Name       string `json:"name"`
	Patronymic string `json:"patronymic,omitempty"`
	SNILS      string `json:"snils"`
}

// VerifiedPerson returns the account's verified name and SNILS.
func (x *Signatures) VerifiedPerson(ctx context.Context, accountID string) (signature.Person, bool, error) {
	var data []byte
	err := x.transactions.st.queryRow(ctx, `SELECT data FROM personal_data WHERE account_id = ?`, accountID).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return signature.Person{}, false, nil
	}
	if err != nil {
		return signature.Person{}, false, fmt.Errorf("store: personal data: %w", err)
	}
	d, err := x.open(data, "personal_data", accountID)
	if err != nil {
		return signature.Person{}, false, err
	}
	id := d.Identity
	return signature.Person{Surname: id.Surname, Name: id.Name, Patronymic: id.Patronymic, SNILS: d.SNILS}, true, nil
}

// CreateStatement inserts a statement, its person sealed.
func (x *Signatures) CreateStatement(ctx context.Context, s *signature.Statement) error {
	st := x.transactions.st
	p := s.Person
	b, err := json.Marshal(sealedPerson{Surname: p.Surname, Name: p.Name, Patronymic: p.Patronymic, SNILS: string(p.SNILS)})
	if err != nil {
		return err
	}
	_, err = st.exec(ctx, `INSERT INTO signature_statements (id, account_id, nonce, person, site, format, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.AccountID, s.Nonce, st.seal("signature_statements", "person", s.ID, string(b)), s.Site, s.Format, ms(s.IssuedAt), ms(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("store: create statement: %w", err)
	}
	return nil
}

// LatestStatement returns the account's latest statement; NotFound
// "signature.no_statement".
func (x *Signatures) LatestStatement(ctx context.Context, accountID string) (*signature.Statement, error) {
	st := x.transactions.st
	s := &signature.Statement{AccountID: accountID}
	var sealed []byte
	var issued, expires, used sql.NullInt64
	err := st.queryRow(ctx, `SELECT id, nonce, person, site, format, issued_at, expires_at, used_at FROM signature_statements
		WHERE account_id = ? ORDER BY issued_at DESC, id DESC LIMIT 1`, accountID).Scan(&s.ID, &s.Nonce, &sealed, &s.Site, &s.Format, &issued, &expires, &used)
	if err != nil {
		return nil, notFound(err, "signature.no_statement")
	}
	pt, err := st.unseal("signature_statements", "person", s.ID, sealed)
	if err != nil {
		return nil, err
	}
	var p sealedPerson
	if err := json.Unmarshal([]byte(pt), &p); err != nil {
		return nil, fmt.Errorf("store: statement %s: %w", s.ID, err)
	}
	s.Person = signature.Person{Surname: p.Surname, Name: p.Name, Patronymic: p.Patronymic, SNILS: document.SNILS(p.SNILS)}
	s.IssuedAt, s.ExpiresAt, s.UsedAt = fromMS(issued), fromMS(expires), fromMS(used)
	return s, nil
}

// AccountStatements returns every statement issued to the account,
// newest first (the export of its data: when, its code, whether used;
// the name and SNILS it holds are the verified data's, exported there).
func (x *Signatures) AccountStatements(ctx context.Context, accountID string) ([]*signature.Statement, error) {
	rows, err := x.transactions.st.query(ctx, `SELECT id, nonce, issued_at, expires_at, used_at FROM signature_statements
		WHERE account_id = ? ORDER BY issued_at DESC, id DESC`, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: statements: %w", err)
	}
	defer rows.Close()
	var out []*signature.Statement
	for rows.Next() {
		s := &signature.Statement{AccountID: accountID}
		var issued, expires, used sql.NullInt64
		if err := rows.Scan(&s.ID, &s.Nonce, &issued, &expires, &used); err != nil {
			return nil, err
		}
		s.IssuedAt, s.ExpiresAt, s.UsedAt = fromMS(issued), fromMS(expires), fromMS(used)
		out = append(out, s)
	}
	return out, rows.Err()
}

// UseStatement marks a statement used; false when it already was.
func (x *Signatures) UseStatement(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := x.transactions.st.exec(ctx, `UPDATE signature_statements SET used_at = ? WHERE id = ? AND used_at IS NULL`, ms(at), id)
	if err != nil {
		return false, fmt.Errorf("store: use statement: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RecordConfirmation records a confirmation by signature as the account's
// confirmation.
func (x *Signatures) RecordConfirmation(ctx context.Context, accountID, method string, at time.Time) error {
	return x.SaveConfirmation(ctx, &desk.Confirmation{AccountID: accountID, Method: method, At: at})
}

// TrustGeneration is the trusted CAs' generation: one row, bumped by
// every change of the list in the change's transaction.
func (x *Signatures) TrustGeneration(ctx context.Context) (int64, error) {
	var g int64
	if err := x.transactions.st.queryRow(ctx, `SELECT generation FROM trust_generation WHERE id = 1`).Scan(&g); err != nil {
		return 0, fmt.Errorf("store: trust generation: %w", err)
	}
	return g, nil
}

func (x *Signatures) bumpGeneration(ctx context.Context) error {
	if _, err := x.transactions.st.exec(ctx, `UPDATE trust_generation SET generation = generation + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("store: trust generation: %w", err)
	}
	return nil
}

const caColumns = `id, der, subject, fingerprint, not_before, not_after, added_by, added_at`

// TrustedCAs returns the trusted CAs, oldest first.
func (x *Signatures) TrustedCAs(ctx context.Context) ([]*signature.TrustedCA, error) {
	return x.cas(ctx, `SELECT `+caColumns+` FROM trusted_cas ORDER BY added_at, id`)
}

func (x *Signatures) cas(ctx context.Context, q string, args ...any) ([]*signature.TrustedCA, error) {
	rows, err := x.transactions.st.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: trusted CAs: %w", err)
	}
	defer rows.Close()
	var out []*signature.TrustedCA
	for rows.Next() {
		var ca signature.TrustedCA
		var from, to, added sql.NullInt64
		if err := rows.Scan(&ca.ID, &ca.DER, &ca.Subject, &ca.Fingerprint, &from, &to, &ca.AddedBy, &added); err != nil {
			return nil, fmt.Errorf("store: trusted CA: %w", err)
		}
		ca.NotBefore, ca.NotAfter, ca.AddedAt = fromMS(from), fromMS(to), fromMS(added)
		out = append(out, &ca)
	}
	return out, rows.Err()
}

// AddTrustedCA inserts a CA and bumps the generation; Conflict
// "trust.ca_duplicate" for a fingerprint already there.
func (x *Signatures) AddTrustedCA(ctx context.Context, ca *signature.TrustedCA) error {
	_, err := x.transactions.st.exec(ctx, `INSERT INTO trusted_cas (`+caColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		ca.ID, ca.DER, ca.Subject, ca.Fingerprint, ms(ca.NotBefore), ms(ca.NotAfter), ca.AddedBy, ms(ca.AddedAt))
	if unique, _ := isUnique(err); unique {
		return &problem.Error{Kind: problem.Conflict, Message: problem.M("trust.ca_duplicate"), Err: err}
	}
	if err != nil {
		return fmt.Errorf("store: add trusted CA: %w", err)
	}
	return x.bumpGeneration(ctx)
}

// RemoveTrustedCA deletes a CA and the CRLs it signed, and bumps the
// generation; NotFound "trust.ca_not_found".
func (x *Signatures) RemoveTrustedCA(ctx context.Context, id string) (*signature.TrustedCA, error) {
	list, err := x.cas(ctx, `SELECT `+caColumns+` FROM trusted_cas WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, problem.New(problem.NotFound, "trust.ca_not_found")
	}
	st := x.transactions.st
	if _, err := st.exec(ctx, `DELETE FROM crls WHERE ca_id = ?`, id); err != nil {
		return nil, fmt.Errorf("store: remove trusted CA: %w", err)
	}
	if _, err := st.exec(ctx, `DELETE FROM trusted_cas WHERE id = ?`, id); err != nil {
		return nil, fmt.Errorf("store: remove trusted CA: %w", err)
	}
	return list[0], x.bumpGeneration(ctx)
}

const crlColumns = `issuer_key, issuer, ca_id, der, this_update, next_update, entries, uploaded_by, uploaded_at`

// UploadedCRL returns the CRL uploaded for an issuer; NotFound
// "trust.crl_not_found".
func (x *Signatures) UploadedCRL(ctx context.Context, issuerKey string) (*signature.CRL, error) {
	list, err := x.crls(ctx, `SELECT `+crlColumns+` FROM crls WHERE issuer_key = ?`, issuerKey)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, problem.New(problem.NotFound, "trust.crl_not_found")
	}
	return list[0], nil
}

// UploadedCRLs returns the uploaded CRLs by issuer name.
func (x *Signatures) UploadedCRLs(ctx context.Context) ([]*signature.CRL, error) {
	return x.crls(ctx, `SELECT `+crlColumns+` FROM crls ORDER BY issuer, issuer_key`)
}

// SaveCRL stores a CRL as its issuer's, replacing the one before.
func (x *Signatures) SaveCRL(ctx context.Context, c *signature.CRL) error {
	_, err := x.transactions.st.exec(ctx, `INSERT INTO crls (`+crlColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (issuer_key) DO UPDATE SET issuer = excluded.issuer, ca_id = excluded.ca_id, der = excluded.der,
		this_update = excluded.this_update, next_update = excluded.next_update, entries = excluded.entries,
		uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at`,
		c.IssuerKey, c.Issuer, c.CAID, c.DER, ms(c.ThisUpdate), ms(c.NextUpdate), c.Entries, c.UploadedBy, ms(c.UploadedAt))
	if err != nil {
		return fmt.Errorf("store: save CRL: %w", err)
	}
	return nil
}

func (x *Signatures) crls(ctx context.Context, q string, args ...any) ([]*signature.CRL, error) {
	rows, err := x.transactions.st.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: CRLs: %w", err)
	}
	defer rows.Close()
	var out []*signature.CRL
	for rows.Next() {
		var c signature.CRL
		var this, next, uploaded sql.NullInt64
		if err := rows.Scan(&c.IssuerKey, &c.Issuer, &c.CAID, &c.DER, &this, &next, &c.Entries, &c.UploadedBy, &uploaded); err != nil {
			return nil, fmt.Errorf("store: CRL: %w", err)
		}
		c.ThisUpdate, c.NextUpdate, c.UploadedAt = fromMS(this), fromMS(next), fromMS(uploaded)
		out = append(out, &c)
	}
	return out, rows.Err()
}
