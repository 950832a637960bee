package store

import (
	"context"
	"fmt"
	"time"
)

// The queries of account deletion (internal/deletion): a pending deletion
// is a time on the account row; erasing clears the row's personal data and
// deletes what else the account owned, keeping the ID the audit log names.

// ScheduleDeletion marks the account for erasure at the given time.
func (ac *Accounts) ScheduleDeletion(ctx context.Context, id string, effective, at time.Time) error {
	res, err := ac.st.exec(ctx, `UPDATE accounts SET deletion_effective_at = ?, updated_at = ? WHERE id = ? AND status = 'active'`, ms(effective), ms(at), id)
	if err != nil {
		return fmt.Errorf("store: schedule deletion: %w", err)
	}
	return expectOne(res, "account.not_found")
}

// CancelDeletion forgets a pending deletion; false when none was pending.
func (ac *Accounts) CancelDeletion(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := ac.st.exec(ctx, `UPDATE accounts SET deletion_effective_at = NULL, updated_at = ? WHERE id = ? AND deletion_effective_at IS NOT NULL`, ms(at), id)
	if err != nil {
		return false, fmt.Errorf("store: cancel deletion: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// AccountsDueForErasure returns up to limit IDs of accounts whose deletion
// took effect at or before now.
func (ac *Accounts) AccountsDueForErasure(ctx context.Context, now time.Time, limit int) ([]string, error) {
	rows, err := ac.st.query(ctx, `SELECT id FROM accounts WHERE deletion_effective_at IS NOT NULL AND deletion_effective_at <= ? ORDER BY deletion_effective_at LIMIT ?`, ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: accounts due for erasure: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// EraseAccount overwrites the account's personal data (names, contacts and
// their blind indexes, the password hash), marks it deleted, and deletes
// its flows, sign-in history, notifications, the undo links of its contact
// changes, its personal data, verifications, additional data, signature
// statements and letters, its single sign-on grants, consents and
// subjects, and its sessions (which the session service has ended first,
// in the same transaction, so that every node forgets them). NotFound when
// the account has no deletion due (cancelled meanwhile, or erased already).
func (ac *Accounts) EraseAccount(ctx context.Context, id string, now time.Time) error {
	res, err := ac.st.exec(ctx, `UPDATE accounts SET status = 'deleted', surname = ?, name = ?, phone = NULL, phone_index = NULL,
		email = NULL, email_index = NULL, password_hash = '', deletion_effective_at = NULL, region = '', locality = NULL, updated_at = ?
		WHERE id = ? AND deletion_effective_at IS NOT NULL AND deletion_effective_at <= ?`, []byte{}, []byte{}, ms(now), id, ms(now))
	if err != nil {
		return fmt.Errorf("store: erase account: %w", err)
	}
	if err := expectOne(res, "account.not_found"); err != nil {
		return err
	}
	for _, q := range []string{
		`DELETE FROM flows WHERE account_id = ?`,
		`DELETE FROM sign_ins WHERE account_id = ?`,
		`DELETE FROM notifications WHERE account_id = ?`,
		`DELETE FROM contact_undos WHERE account_id = ?`, // the replaced contacts
		`DELETE FROM sessions WHERE account_id = ?`,      // addresses and browsers
		`DELETE FROM verification_checks WHERE account_id = ?`,
		`DELETE FROM verifications WHERE account_id = ?`, // submitted personal data
		`DELETE FROM personal_data WHERE account_id = ?`, // verified personal data and the SNILS index
		`DELETE FROM additional_data WHERE account_id = ?`,
		`DELETE FROM signature_statements WHERE account_id = ?`, // the name and SNILS signed
		`DELETE FROM letters WHERE account_id = ?`,              // the addressee and the address
		`DELETE FROM sso_consents WHERE account_id = ?`,         // what the sites were agreed to receive
		`DELETE FROM sso_grants WHERE account_id = ?`,           // the sites' sign-ins, their tokens with them
		`DELETE FROM sso_subjects WHERE account_id = ?`,         // the subjects the sites knew the account by
	} {
		if _, err := ac.st.exec(ctx, q, id); err != nil {
			return fmt.Errorf("store: erase account: %w", err)
		}
	}
	return nil
}
