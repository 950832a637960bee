package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/kabinet/kabinet/internal/audit"
)

// AuditLog is the append-only audit log (audit_events; the database
// refuses updates and deletes).
type AuditLog struct{ st *Store }

// AuditLog returns the audit log's repository.
func (s *Store) AuditLog() *AuditLog { return &AuditLog{st: s} }

var _ audit.Store = (*AuditLog)(nil)

// AppendAudit adds an event to the append-only audit log.
func (al *AuditLog) AppendAudit(ctx context.Context, e *audit.Event) error {
	var details any
	if len(e.Details) > 0 {
		b, err := json.Marshal(e.Details)
		if err != nil {
			return err
		}
		details = string(b)
	}
	_, err := al.st.exec(ctx, `INSERT INTO audit_events (at, action, actor_kind, actor_id, subject_account_id, ip, request_id, details)
		VALUES (?,?,?,?,?,?,?,?)`, ms(e.At), e.Action, e.ActorKind, nullString(e.ActorID), nullString(e.SubjectAccountID),
		nullString(e.IP), nullString(e.RequestID), details)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// EventsAbout returns the latest events about an account, newest first.
func (al *AuditLog) EventsAbout(ctx context.Context, accountID string, limit int) ([]audit.Event, error) {
	rows, err := al.st.query(ctx, `SELECT id, at, action, actor_kind, actor_id, subject_account_id, ip, request_id, details
		FROM audit_events WHERE subject_account_id = ? ORDER BY id DESC LIMIT ?`, accountID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Event
	for rows.Next() {
		var e audit.Event
		var at sql.NullInt64
		var actor, subject, ip, rid, details sql.NullString
		if err := rows.Scan(&e.ID, &at, &e.Action, &e.ActorKind, &actor, &subject, &ip, &rid, &details); err != nil {
			return nil, err
		}
		e.At, e.ActorID, e.SubjectAccountID, e.IP, e.RequestID = fromMS(at), actor.String, subject.String, ip.String, rid.String
		if details.Valid {
			if err := json.Unmarshal([]byte(details.String), &e.Details); err != nil {
				return nil, err
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
