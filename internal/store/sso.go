package store

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/sso"
)

// SSO is the storage of single sign-on (internal/sso, migration 0025),
// with the audit log: subjects, requests, codes, grants, tokens and
// consents. Codes and refresh tokens are kept by their SHA-256 only.
type SSO struct {
	transactions
	*AuditLog
}

// AfterCommit runs fn once the transaction in ctx commits.
func (x *SSO) AfterCommit(ctx context.Context, fn func()) { x.transactions.st.AfterCommit(ctx, fn) }

// SSO returns single sign-on's repository.
func (s *Store) SSO() *SSO {
	return &SSO{transactions: transactions{st: s}, AuditLog: s.AuditLog()}
}

var (
	_ sso.Store    = (*SSO)(nil)
	_ sso.KeyStore = (*SSO)(nil)
)

// Subject returns the account's subject in the sector, keeping fresh as it
// when it has none.
func (x *SSO) Subject(ctx context.Context, sector, accountID, fresh string, at time.Time) (string, error) {
	st := x.transactions.st
	if _, err := st.exec(ctx, `INSERT INTO sso_subjects (sector, account_id, subject, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (sector, account_id) DO NOTHING`, sector, accountID, fresh, ms(at)); err != nil {
		return "", fmt.Errorf("store: sso subject: %w", err)
	}
	var sub string
	if err := st.queryRow(ctx, `SELECT subject FROM sso_subjects WHERE sector = ? AND account_id = ?`, sector, accountID).Scan(&sub); err != nil {
		return "", fmt.Errorf("store: sso subject: %w", err)
	}
	return sub, nil
}

// CreateRequest keeps a new request.
func (x *SSO) CreateRequest(ctx context.Context, r *sso.Request) error {
	doc, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := x.transactions.st.exec(ctx, `INSERT INTO sso_requests (id, client_id, doc, expires_at) VALUES (?, ?, ?, ?)`,
		r.ID, r.ClientID, string(doc), ms(r.ExpiresAt)); err != nil {
		return fmt.Errorf("store: sso request: %w", err)
	}
	return nil
}

// Request returns the request with the ID.
func (x *SSO) Request(ctx context.Context, id string) (*sso.Request, bool, error) {
	var doc string
	err := x.transactions.st.queryRow(ctx, `SELECT doc FROM sso_requests WHERE id = ?`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: sso request: %w", err)
	}
	var r sso.Request
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		return nil, false, fmt.Errorf("store: sso request %s: %w", id, err)
	}
	return &r, true, nil
}

// SaveRequest replaces a request's record.
func (x *SSO) SaveRequest(ctx context.Context, r *sso.Request) error {
	doc, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := x.transactions.st.exec(ctx, `UPDATE sso_requests SET doc = ? WHERE id = ?`, string(doc), r.ID); err != nil {
		return fmt.Errorf("store: sso request: %w", err)
	}
	return nil
}

// SaveCode keeps a request's code; false when the request has one.
func (x *SSO) SaveCode(ctx context.Context, hash []byte, requestID string, expires time.Time) (bool, error) {
	res, err := x.transactions.st.exec(ctx, `INSERT INTO sso_codes (code_hash, request_id, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (request_id) DO NOTHING`, hash, requestID, ms(expires))
	if err != nil {
		return false, fmt.Errorf("store: sso code: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ConsumeCode marks a code used: of two uses at once, one finds it unused
// (the row's lock on PostgreSQL, the one writer on SQLite).
func (x *SSO) ConsumeCode(ctx context.Context, hash []byte, at time.Time) (string, time.Time, bool, bool, error) {
	st := x.transactions.st
	res, err := st.exec(ctx, `UPDATE sso_codes SET consumed_at = ? WHERE code_hash = ? AND consumed_at IS NULL`, ms(at), hash)
	if err != nil {
		return "", time.Time{}, false, false, fmt.Errorf("store: sso code: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return "", time.Time{}, false, false, err
	}
	var id string
	var expires sql.NullInt64
	err = st.queryRow(ctx, `SELECT request_id, expires_at FROM sso_codes WHERE code_hash = ?`, hash).Scan(&id, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, false, false, nil
	}
	if err != nil {
		return "", time.Time{}, false, false, fmt.Errorf("store: sso code: %w", err)
	}
	return id, fromMS(expires), n == 0, true, nil
}

// CreateGrant keeps a new grant.
func (x *SSO) CreateGrant(ctx context.Context, g *sso.Grant) error {
	if _, err := x.transactions.st.exec(ctx, `INSERT INTO sso_grants (id, client_id, account_id, subject, session_id, scopes, level, amr, auth_time, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, g.ID, g.ClientID, g.AccountID, g.Subject, g.SessionID, strings.Join(g.Scopes, " "), string(g.Level),
		strings.Join(g.AMR, " "), ms(g.AuthTime), ms(g.CreatedAt)); err != nil {
		return fmt.Errorf("store: sso grant: %w", err)
	}
	return nil
}

const grantColumns = `id, client_id, account_id, subject, session_id, scopes, level, amr, auth_time, created_at, revoked_at, reason`

func scanGrant(scan func(...any) error) (*sso.Grant, error) {
	var g sso.Grant
	var scopes, level, amr string
	var authTime, created, revoked sql.NullInt64
	if err := scan(&g.ID, &g.ClientID, &g.AccountID, &g.Subject, &g.SessionID, &scopes, &level, &amr, &authTime, &created, &revoked, &g.Reason); err != nil {
		return nil, err
	}
	g.Scopes, g.Level, g.AMR = strings.Fields(scopes), account.Level(level), strings.Fields(amr)
	g.AuthTime, g.CreatedAt, g.RevokedAt = fromMS(authTime), fromMS(created), fromMS(revoked)
	return &g, nil
}

// Grant returns the grant with the ID.
func (x *SSO) Grant(ctx context.Context, id string) (*sso.Grant, bool, error) {
	g, err := scanGrant(x.transactions.st.queryRow(ctx, `SELECT `+grantColumns+` FROM sso_grants WHERE id = ?`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: sso grant: %w", err)
	}
	return g, true, nil
}

// RevokeGrant revokes a grant that stands.
func (x *SSO) RevokeGrant(ctx context.Context, id, reason string, at time.Time) (bool, error) {
	res, err := x.transactions.st.exec(ctx, `UPDATE sso_grants SET revoked_at = ?, reason = ? WHERE id = ? AND revoked_at IS NULL`, ms(at), reason, id)
	if err != nil {
		return false, fmt.Errorf("store: revoke an sso grant: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// CreateAccessToken keeps an access token's record.
func (x *SSO) CreateAccessToken(ctx context.Context, t *sso.AccessToken) error {
	if _, err := x.transactions.st.exec(ctx, `INSERT INTO sso_access_tokens (id, grant_id, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		t.ID, t.GrantID, strings.Join(t.Scopes, " "), ms(t.CreatedAt), ms(t.ExpiresAt)); err != nil {
		return fmt.Errorf("store: sso access token: %w", err)
	}
	return nil
}

// AccessToken returns an access token's record.
func (x *SSO) AccessToken(ctx context.Context, id string) (*sso.AccessToken, bool, error) {
	var t sso.AccessToken
	var scopes string
	var created, expires sql.NullInt64
	err := x.transactions.st.queryRow(ctx, `SELECT id, grant_id, scopes, created_at, expires_at FROM sso_access_tokens WHERE id = ?`, id).
		Scan(&t.ID, &t.GrantID, &scopes, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: sso access token: %w", err)
	}
	t.Scopes, t.CreatedAt, t.ExpiresAt = strings.Fields(scopes), fromMS(created), fromMS(expires)
	return &t, true, nil
}

// CreateRefreshToken keeps a refresh token's record, by its hash.
func (x *SSO) CreateRefreshToken(ctx context.Context, t *sso.RefreshToken) error {
	if _, err := x.transactions.st.exec(ctx, `INSERT INTO sso_refresh_tokens (id, token_hash, grant_id, parent_id, scopes, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, t.ID, t.Hash, t.GrantID, t.Parent, strings.Join(t.Scopes, " "), ms(t.CreatedAt), ms(t.ExpiresAt)); err != nil {
		return fmt.Errorf("store: sso refresh token: %w", err)
	}
	return nil
}

// RefreshToken returns the refresh token with the hash.
func (x *SSO) RefreshToken(ctx context.Context, hash []byte) (*sso.RefreshToken, bool, error) {
	var t sso.RefreshToken
	var scopes string
	var created, expires, rotated sql.NullInt64
	err := x.transactions.st.queryRow(ctx, `SELECT id, token_hash, grant_id, parent_id, scopes, created_at, expires_at, rotated_at
		FROM sso_refresh_tokens WHERE token_hash = ?`, hash).Scan(&t.ID, &t.Hash, &t.GrantID, &t.Parent, &scopes, &created, &expires, &rotated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: sso refresh token: %w", err)
	}
	t.Scopes, t.CreatedAt, t.ExpiresAt, t.RotatedAt = strings.Fields(scopes), fromMS(created), fromMS(expires), fromMS(rotated)
	return &t, true, nil
}

// RotateRefreshToken marks a refresh token used, once.
func (x *SSO) RotateRefreshToken(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := x.transactions.st.exec(ctx, `UPDATE sso_refresh_tokens SET rotated_at = ? WHERE id = ? AND rotated_at IS NULL`, ms(at), id)
	if err != nil {
		return false, fmt.Errorf("store: rotate an sso refresh token: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// UseAssertion remembers a site's client assertion (its jti) until it
// expires; false when the site used it before.
func (x *SSO) UseAssertion(ctx context.Context, clientID, jti string, expires time.Time) (bool, error) {
	res, err := x.transactions.st.exec(ctx, `INSERT INTO sso_assertions (client_id, jti, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (client_id, jti) DO NOTHING`, clientID, jti, ms(expires))
	if err != nil {
		return false, fmt.Errorf("store: sso assertion: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Consent returns the scopes the account agreed to give the site.
func (x *SSO) Consent(ctx context.Context, accountID, clientID string) ([]string, error) {
	var scopes string
	err := x.transactions.st.queryRow(ctx, `SELECT scopes FROM sso_consents WHERE account_id = ? AND client_id = ?`, accountID, clientID).Scan(&scopes)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: sso consent: %w", err)
	}
	return strings.Fields(scopes), nil
}

// SaveConsent keeps the scopes the account agreed to give the site.
func (x *SSO) SaveConsent(ctx context.Context, accountID, clientID string, scopes []string, at time.Time) error {
	if _, err := x.transactions.st.exec(ctx, `INSERT INTO sso_consents (account_id, client_id, scopes, given_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id, client_id) DO UPDATE SET scopes = excluded.scopes, given_at = excluded.given_at`,
		accountID, clientID, strings.Join(scopes, " "), ms(at)); err != nil {
		return fmt.Errorf("store: sso consent: %w", err)
	}
	return nil
}

// SigningKeys returns the provider's keys published at or after now.
func (x *SSO) SigningKeys(ctx context.Context, now time.Time) ([]sso.Key, error) {
	st := x.transactions.st
	rows, err := st.query(ctx, `SELECT id, private_key, created_at, active_from, retire_at, publish_until FROM sso_keys
		WHERE publish_until > ? ORDER BY active_from`, ms(now))
	if err != nil {
		return nil, fmt.Errorf("store: sso keys: %w", err)
	}
	defer rows.Close()
	var out []sso.Key
	for rows.Next() {
		var k sso.Key
		var sealed []byte
		var created, from, retire, until sql.NullInt64
		if err := rows.Scan(&k.ID, &sealed, &created, &from, &retire, &until); err != nil {
			return nil, fmt.Errorf("store: sso keys: %w", err)
		}
		der, err := st.unseal("sso_keys", "private_key", k.ID, sealed)
		if err != nil {
			return nil, fmt.Errorf("store: sso key %s: %w", k.ID, err)
		}
		priv, err := x509.ParsePKCS8PrivateKey([]byte(der))
		if err != nil {
			return nil, fmt.Errorf("store: sso key %s: %w", k.ID, err)
		}
		var ok bool
		if k.Private, ok = priv.(*rsa.PrivateKey); !ok {
			return nil, fmt.Errorf("store: sso key %s is not RSA", k.ID)
		}
		k.CreatedAt, k.ActiveFrom, k.RetireAt, k.PublishUntil = fromMS(created), fromMS(from), fromMS(retire), fromMS(until)
		out = append(out, k)
	}
	return out, rows.Err()
}

// CreateSigningKey keeps a new key, its private part sealed.
func (x *SSO) CreateSigningKey(ctx context.Context, k sso.Key) error {
	der, err := x509.MarshalPKCS8PrivateKey(k.Private)
	if err != nil {
		return err
	}
	st := x.transactions.st
	if _, err := st.exec(ctx, `INSERT INTO sso_keys (id, private_key, created_at, active_from, retire_at, publish_until) VALUES (?, ?, ?, ?, ?, ?)`,
		k.ID, st.seal("sso_keys", "private_key", k.ID, string(der)), ms(k.CreatedAt), ms(k.ActiveFrom), ms(k.RetireAt), ms(k.PublishUntil)); err != nil {
		return fmt.Errorf("store: sso key: %w", err)
	}
	return nil
}

// Consents returns every site's consent of the account.
func (x *SSO) Consents(ctx context.Context, accountID string) ([]sso.Consent, error) {
	rows, err := x.transactions.st.query(ctx, `SELECT client_id, scopes, given_at FROM sso_consents WHERE account_id = ? ORDER BY given_at DESC`, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: sso consents: %w", err)
	}
	defer rows.Close()
	var out []sso.Consent
	for rows.Next() {
		var c sso.Consent
		var scopes string
		var at sql.NullInt64
		if err := rows.Scan(&c.ClientID, &scopes, &at); err != nil {
			return nil, fmt.Errorf("store: sso consents: %w", err)
		}
		c.Scopes, c.GivenAt = strings.Fields(scopes), fromMS(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// DeleteConsent removes the account's consent to a site.
func (x *SSO) DeleteConsent(ctx context.Context, accountID, clientID string) (bool, error) {
	res, err := x.transactions.st.exec(ctx, `DELETE FROM sso_consents WHERE account_id = ? AND client_id = ?`, accountID, clientID)
	if err != nil {
		return false, fmt.Errorf("store: sso consent: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// Grants returns the account's grants, newest first.
func (x *SSO) Grants(ctx context.Context, accountID string) ([]sso.Grant, error) {
	return x.grants(ctx, `SELECT `+grantColumns+` FROM sso_grants WHERE account_id = ? ORDER BY created_at DESC, id`, accountID)
}

// LiveGrantsOfSession returns the grants a kabinet session made that
// stand.
func (x *SSO) LiveGrantsOfSession(ctx context.Context, sessionID string) ([]sso.Grant, error) {
	return x.grants(ctx, `SELECT `+grantColumns+` FROM sso_grants WHERE session_id = ? AND revoked_at IS NULL ORDER BY created_at, id`, sessionID)
}

func (x *SSO) grants(ctx context.Context, q string, args ...any) ([]sso.Grant, error) {
	rows, err := x.transactions.st.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: sso grants: %w", err)
	}
	defer rows.Close()
	var out []sso.Grant
	for rows.Next() {
		g, err := scanGrant(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("store: sso grants: %w", err)
		}
		out = append(out, *g)
	}
	return out, rows.Err()
}
