package signin

import (
	"context"
	"fmt"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/lockout"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
)

// PasswordChecker records, in the caller's transaction, that the session a
// client holds has just proved the password (session.Service does).
type PasswordChecker interface {
	PasswordChecked(ctx context.Context, c session.Client) error
}

// Reauthenticate checks the signed-in account's password again before a
// sensitive change (a new phone or e-mail), with everything a sign-in's
// password check has: the address's brakes, the login's lockout (keyed on
// the account's phone, or its e-mail when it has none), the count of a
// wrong password with its history entry, audit event and owner notice.
// On success the session c holds is marked as having proved the password
// now, with an audit event, in one transaction.
//
// A wrong password is the Invalid problem on field "password" (with the
// lockout's "signin.wrong" or "signin.wrong_left" message); a locked or
// suspended login is TooMany "signin.locked" or Forbidden
// "signin.suspended", as at sign-in.
func (s *Service) Reauthenticate(ctx context.Context, a *account.Account, pw, device string, c session.Client) error {
	if pw == "" {
		return problem.InvalidField("password", problem.M("password.required"))
	}
	if s.d.Checked == nil {
		return fmt.Errorf("signin: no PasswordChecker")
	}
	if s.d.Hasher.Saturated() {
		return password.ErrBusy
	}
	if c.IP != "" {
		if err := s.d.Limiter.Check(ctx, s.ipFailures(), c.IP); err != nil {
			return err
		}
		if err := s.d.Limiter.Take(ctx, s.ipHashes(), c.IP); err != nil {
			return err
		}
	}
	login := contact.Login{Kind: contact.LoginPhone, Phone: a.Phone}
	if a.Phone == "" {
		login = contact.Login{Kind: contact.LoginEmail, Email: a.Email}
	}
	ticket, err := s.d.Lockout.Before(ctx, lockout.Attempt{Login: login.String(), AccountID: a.ID, Device: device})
	if err != nil {
		return err
	}
	ok, _, err := s.d.Hasher.Verify(ctx, pw, a.PasswordHash)
	if err != nil {
		return fmt.Errorf("signin: verify: %w", err)
	}
	if !ok {
		err := s.wrong(ctx, a, login, ticket, c)
		if p, isP := problem.As(err); isP && p.Kind == problem.Unauthorized {
			// Signed in all the same: the answer belongs to the field.
			return problem.InvalidField("password", p.Message)
		}
		return err
	}
	return s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if err := s.d.Lockout.Succeeded(ctx, ticket); err != nil {
			return err
		}
		if err := s.d.Checked.PasswordChecked(ctx, c); err != nil {
			return err
		}
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: s.d.Now(), Action: "session.reauthenticated", ActorKind: audit.ActorCitizen, ActorID: a.ID,
			SubjectAccountID: a.ID, IP: c.IP, RequestID: c.RequestID, Details: map[string]string{"session": c.Holds.ID}})
	})
}
