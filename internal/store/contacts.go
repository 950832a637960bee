package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/contactchange"
	"github.com/kabinet/kabinet/internal/problem"
)

// ContactChanges is the storage of a signed-in account's change of phone
// or e-mail: the accounts (whose contact columns it sets, sealed, with
// their blind indexes), the flows, the undo links (contact_undos) and the
// audit log, joined by Transact.
type ContactChanges struct {
	st *Store
	transactions
	*Accounts
	*Flows
	*AuditLog
}

// ContactChanges returns the contact change repository.
func (s *Store) ContactChanges() *ContactChanges {
	return &ContactChanges{st: s, transactions: transactions{st: s}, Accounts: s.Accounts(), Flows: s.Flows(), AuditLog: s.AuditLog()}
}

var _ contactchange.Store = (*ContactChanges)(nil)

// SetContact replaces, adds or (with "") removes the account's phone or
// e-mail. A contact another account has is the Conflict
// "account.contact_taken" (the unique blind index decides, races included).
func (cc *ContactChanges) SetContact(ctx context.Context, accountID string, ch contact.Channel, value string, at time.Time) error {
	col := "phone"
	if ch == contact.ChannelEmail {
		col = "email"
	}
	var sealed any
	if value != "" {
		sealed = cc.st.seal("accounts", col, accountID, value)
	}
	// col is one of two constants, never input.
	res, err := cc.st.exec(ctx, `UPDATE accounts SET `+col+` = ?, `+col+`_index = ?, updated_at = ? WHERE id = ?`,
		sealed, cc.st.blindIndex(col, value), ms(at), accountID)
	if ok, _ := isUnique(err); ok {
		return &problem.Error{Kind: problem.Conflict, Message: problem.M("account.contact_taken"), Err: err}
	}
	if err != nil {
		return fmt.Errorf("store: set %s: %w", col, err)
	}
	return expectOne(res, "account.not_found")
}

// CreateContactUndo keeps an undo link's record: the old contact sealed,
// the token as its keyed hash.
func (cc *ContactChanges) CreateContactUndo(ctx context.Context, u *contactchange.Undo) error {
	_, err := cc.st.exec(ctx, `INSERT INTO contact_undos (id, account_id, channel, old_value, token_hash, created_at, expires_at) VALUES (?,?,?,?,?,?,?)`,
		u.ID, u.AccountID, string(u.Channel), cc.st.seal("contact_undos", "old_value", u.ID, u.OldValue), u.TokenHash, ms(u.CreatedAt), ms(u.ExpiresAt))
	if err != nil {
		return fmt.Errorf("store: create contact undo: %w", err)
	}
	return nil
}

// ContactUndo returns an undo link's record, or NotFound "undo.invalid".
func (cc *ContactChanges) ContactUndo(ctx context.Context, id string) (*contactchange.Undo, error) {
	u := &contactchange.Undo{ID: id}
	var (
		ch                   string
		old                  []byte
		created, exp, usedAt sql.NullInt64
	)
	err := cc.st.queryRow(ctx, `SELECT account_id, channel, old_value, token_hash, created_at, expires_at, used_at FROM contact_undos WHERE id = ?`, id).
		Scan(&u.AccountID, &ch, &old, &u.TokenHash, &created, &exp, &usedAt)
	if err != nil {
		return nil, notFound(err, "undo.invalid")
	}
	v, err := cc.st.unseal("contact_undos", "old_value", id, old)
	if err != nil {
		return nil, fmt.Errorf("store: contact undo %s: %w", id, err)
	}
	u.Channel, u.OldValue, u.CreatedAt, u.ExpiresAt, u.UsedAt = contact.Channel(ch), v, fromMS(created), fromMS(exp), fromMS(usedAt)
	return u, nil
}

// UseContactUndo marks an unused undo record used; false when it was used
// already (by another copy of the request).
func (cc *ContactChanges) UseContactUndo(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := cc.st.exec(ctx, `UPDATE contact_undos SET used_at = ? WHERE id = ? AND used_at IS NULL`, ms(at), id)
	if err != nil {
		return false, fmt.Errorf("store: use contact undo: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
