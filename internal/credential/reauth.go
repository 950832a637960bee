package credential

import (
	"context"
	"errors"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/session"
)

// PasswordChecker records, in the caller's transaction, that the session a
// client holds has just proved the password (session.Service does).
type PasswordChecker interface {
	PasswordChecked(ctx context.Context, c session.Client) error
}

// Reauthenticate checks the signed-in account's password again before a
// sensitive change (a new phone or e-mail) — the same check as Confirm,
// answered on the field "password" — and on success marks the session c
// holds as having proved the password now, with an audit event, in one
// transaction.
func (s *Service) Reauthenticate(ctx context.Context, accountID, pw, device string, c session.Client) error {
	if s.d.Checked == nil {
		return errors.New("credential: no PasswordChecker")
	}
	a, err := s.Confirm(ctx, Check{AccountID: accountID, Password: pw, Field: "password", Device: device, Client: c})
	if err != nil {
		return err
	}
	return s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if err := s.d.Checked.PasswordChecked(ctx, c); err != nil {
			return err
		}
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: s.d.Now(), Action: "session.reauthenticated", ActorKind: audit.ActorCitizen, ActorID: a.ID,
			SubjectAccountID: a.ID, IP: c.IP, RequestID: c.RequestID, Details: map[string]string{"session": c.Holds.ID}})
	})
}
