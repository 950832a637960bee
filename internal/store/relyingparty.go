package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/relyingparty"
)

// RelyingParties is the storage of the sites that sign citizens in
// through kabinet (internal/relyingparty), with the audit log: each
// registration as JSON, its secret's hash apart (migration 0024).
type RelyingParties struct {
	transactions
	*AuditLog
}

// RelyingParties returns the registrations' repository.
func (s *Store) RelyingParties() *RelyingParties {
	return &RelyingParties{transactions: transactions{st: s}, AuditLog: s.AuditLog()}
}

var _ relyingparty.Store = (*RelyingParties)(nil)

const clientColumns = `doc, secret_hash, disabled, created_at, updated_at, updated_by`

func scanClient(scan func(...any) error) (relyingparty.Client, error) {
	var c relyingparty.Client
	var doc string
	var disabled int
	var created, updated sql.NullInt64
	if err := scan(&doc, &c.SecretHash, &disabled, &created, &updated, &c.UpdatedBy); err != nil {
		return c, err
	}
	hash, by := c.SecretHash, c.UpdatedBy
	if err := json.Unmarshal([]byte(doc), &c); err != nil {
		return c, fmt.Errorf("store: a relying party's record: %w", err)
	}
	c.SecretHash, c.UpdatedBy, c.Disabled = hash, by, disabled == 1
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return c, nil
}

// Clients returns every registered site, by ID.
func (x *RelyingParties) Clients(ctx context.Context) ([]relyingparty.Client, error) {
	rows, err := x.transactions.st.query(ctx, `SELECT `+clientColumns+` FROM relying_parties ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: relying parties: %w", err)
	}
	defer rows.Close()
	var out []relyingparty.Client
	for rows.Next() {
		c, err := scanClient(rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Client returns the site with the ID.
func (x *RelyingParties) Client(ctx context.Context, id string) (relyingparty.Client, bool, error) {
	c, err := scanClient(x.transactions.st.queryRow(ctx, `SELECT `+clientColumns+` FROM relying_parties WHERE id = ?`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return relyingparty.Client{}, false, nil
	}
	if err != nil {
		return relyingparty.Client{}, false, fmt.Errorf("store: relying party %s: %w", id, err)
	}
	return c, true, nil
}

// CreateClient inserts a new site; Conflict "relyingparty.id_taken" when
// its ID is taken.
func (x *RelyingParties) CreateClient(ctx context.Context, c relyingparty.Client) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	_, err = x.transactions.st.exec(ctx, `INSERT INTO relying_parties (id, `+clientColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.ID, string(doc), c.SecretHash, boolInt(c.Disabled), ms(c.CreatedAt), ms(c.UpdatedAt), c.UpdatedBy)
	if unique, _ := isUnique(err); unique {
		return &problem.Error{Kind: problem.Conflict, Message: problem.M("relyingparty.id_taken"), Err: err}
	}
	if err != nil {
		return fmt.Errorf("store: register a relying party: %w", err)
	}
	return nil
}

// SaveClient replaces a site's registration.
func (x *RelyingParties) SaveClient(ctx context.Context, c relyingparty.Client) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	_, err = x.transactions.st.exec(ctx, `UPDATE relying_parties SET doc = ?, secret_hash = ?, disabled = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
		string(doc), c.SecretHash, boolInt(c.Disabled), ms(c.UpdatedAt), c.UpdatedBy, c.ID)
	if err != nil {
		return fmt.Errorf("store: save a relying party: %w", err)
	}
	return nil
}
