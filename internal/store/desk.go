package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/demo"
	"github.com/kabinet/kabinet/internal/desk"
)

// Desk is the storage of the operator's desk (internal/desk): the
// accounts found by their blind indexes, the verified data, the identity
// confirmations and the audit log.
type Desk struct {
	*Profiles
}

// Desk returns the operator's desk repository.
func (s *Store) Desk() *Desk { return &Desk{Profiles: s.Profiles()} }

var (
	_ desk.Store = (*Desk)(nil)
	_ demo.Store = (*Desk)(nil)
)

// Confirmation returns the account's identity confirmation, NotFound
// "desk.not_confirmed" when it has none.
func (d *Desk) Confirmation(ctx context.Context, accountID string) (*desk.Confirmation, error) {
	c := &desk.Confirmation{AccountID: accountID}
	var at sql.NullInt64
	err := d.transactions.st.queryRow(ctx, `SELECT method, center_id, staff_id, confirmed_at FROM identity_confirmations WHERE account_id = ?`, accountID).
		Scan(&c.Method, &c.CenterID, &c.StaffID, &at)
	if err != nil {
		return nil, notFound(err, "desk.not_confirmed")
	}
	c.At = fromMS(at)
	return c, nil
}

// SaveConfirmation records c as the account's confirmation, replacing an
// earlier one.
func (d *Desk) SaveConfirmation(ctx context.Context, c *desk.Confirmation) error {
	if c.AccountID == "" || c.Method == "" {
		return fmt.Errorf("store: save confirmation: account and method are required")
	}
	_, err := d.transactions.st.exec(ctx, `INSERT INTO identity_confirmations (account_id, method, center_id, staff_id, confirmed_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET method = excluded.method, center_id = excluded.center_id, staff_id = excluded.staff_id, confirmed_at = excluded.confirmed_at`,
		c.AccountID, c.Method, c.CenterID, c.StaffID, ms(c.At))
	if err != nil {
		return fmt.Errorf("store: save confirmation: %w", err)
	}
	return nil
}

// SetContact replaces the account's phone or e-mail, as ContactChanges
// does (an in-person restore of access).
func (d *Desk) SetContact(ctx context.Context, accountID string, ch contact.Channel, value string, at time.Time) error {
	return d.transactions.st.ContactChanges().SetContact(ctx, accountID, ch, value, at)
}
