// Package credential lets a signed-in citizen change their password, and
// checks the password again before an action that needs it (re-
// authentication: account deletion).
//
// The current password is checked under the same rules as at sign-in: the
// lockout package decides whether the login may be checked now, a wrong
// password counts towards the login's lock (so a stolen session cannot be
// used to guess the password without limit), and the address's failures
// and hashing are bounded by the same rules, under the same names, as the
// sign-in form's. A wrong password is answered next to the field with how
// many tries are left once few are.
//
// credential imports account, contact, lockout, password, session,
// throttle, message, audit and problem.
package credential

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/lockout"
	"github.com/kabinet/kabinet/internal/message"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/signin"
	"github.com/kabinet/kabinet/internal/throttle"
)

// Store is what the service needs from storage.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	AccountByID(ctx context.Context, id string) (*account.Account, error)
	SetPassword(ctx context.Context, id, hash string, at time.Time) error
	AppendAudit(ctx context.Context, e *audit.Event) error
}

// Sessions ends the other sessions of an account.
type Sessions interface {
	EndOthers(ctx context.Context, accountID, keepID, reason string) (int, error)
}

// Links builds absolute URLs for messages.
type Links interface{ Recovery() string }

// Policy is the sign-in brakes per network address (signin.Policy's).
type Policy struct {
	FailsPerIP  int // failed password checks per address per minute
	HashesPerIP int // password hashes per address per 10 minutes
}

// Deps are the service's collaborators.
type Deps struct {
	Store    Store
	Hasher   *password.Hasher
	Limiter  *throttle.Limiter
	Lockout  *lockout.Service
	Sessions Sessions
	Notifier message.Notifier
	Links    Links
	Policy   Policy
	Site     string
	Support  string
	Now      func() time.Time
	// Checked marks a session re-authenticated (Reauthenticate).
	Checked PasswordChecker
}

// Service changes and checks passwords of signed-in citizens.
type Service struct{ d Deps }

// New returns the service.
func New(d Deps) *Service { return &Service{d: d} }

// The address's brakes are sign-in's own rules, so that the counts are
// shared: a guesser gains nothing by switching forms.
func (s *Service) ipFailures() throttle.Rule { return s.signinPolicy().IPFailures() }
func (s *Service) ipHashes() throttle.Rule   { return s.signinPolicy().IPHashes() }

func (s *Service) signinPolicy() signin.Policy {
	return signin.Policy{FailsPerIP: s.d.Policy.FailsPerIP, HashesPerIP: s.d.Policy.HashesPerIP}
}

// Check is one check of a signed-in citizen's password.
type Check struct {
	AccountID string
	Password  string
	Field     string // the form field the password came in ("current_password", "password")
	Device    string // the browser's device token, if any
	Client    session.Client
}

// Confirm checks the password of a signed-in account and returns the
// account. An empty password is Invalid "<field>: credential.required"; a
// wrong one Invalid "<field>: credential.wrong" or
// "credential.wrong_left" {Count}, counted like a failed sign-in; a locked
// or suspended login TooMany "signin.locked" or Forbidden
// "signin.suspended"; a full hashing queue password.ErrBusy (503).
func (s *Service) Confirm(ctx context.Context, c Check) (*account.Account, error) {
	if c.Password == "" {
		return nil, problem.InvalidField(c.Field, problem.M("credential.required"))
	}
	if s.d.Hasher.Saturated() {
		return nil, password.ErrBusy
	}
	a, err := s.d.Store.AccountByID(ctx, c.AccountID)
	if err != nil {
		return nil, err
	}
	if a.Status != account.Active {
		return nil, problem.New(problem.Forbidden, "account.blocked")
	}
	if ip := c.Client.IP; ip != "" {
		if err := s.d.Limiter.Check(ctx, s.ipFailures(), ip); err != nil {
			return nil, err
		}
		if err := s.d.Limiter.Take(ctx, s.ipHashes(), ip); err != nil {
			return nil, err
		}
	}
	login := loginOf(a)
	ticket, err := s.d.Lockout.Before(ctx, lockout.Attempt{Login: login, AccountID: a.ID, Device: c.Device})
	if err != nil {
		return nil, err
	}
	ok, _, err := s.d.Hasher.Verify(ctx, c.Password, a.PasswordHash)
	if err != nil {
		return nil, fmt.Errorf("credential: verify: %w", err)
	}
	if !ok {
		return nil, s.wrong(ctx, a, c, ticket)
	}
	if err := s.d.Lockout.Succeeded(ctx, ticket); err != nil {
		return nil, err
	}
	return a, nil
}

// loginOf is the login whose lock a password check of the account counts
// towards: the one sign-in codes go to, as the person signs in with it.
func loginOf(a *account.Account) string {
	_, to := a.CodeChannel()
	return to
}

// wrong counts a wrong password (the login's lock, the address's brake,
// the audit event, the owner's notice when it locked the login) in one
// transaction and says so next to the field.
func (s *Service) wrong(ctx context.Context, a *account.Account, c Check, t *lockout.Ticket) error {
	var out lockout.Outcome
	err := s.d.Store.Transact(ctx, func(ctx context.Context) error {
		var err error
		if out, err = s.d.Lockout.Failed(ctx, t); err != nil {
			return err
		}
		if c.Client.IP != "" {
			if _, err := s.d.Limiter.Add(ctx, s.ipFailures(), c.Client.IP); err != nil {
				return err
			}
		}
		if err := s.d.Store.AppendAudit(ctx, &audit.Event{At: s.d.Now(), Action: "password.check_failed", ActorKind: audit.ActorCitizen,
			ActorID: a.ID, SubjectAccountID: a.ID, IP: c.Client.IP, RequestID: c.Client.RequestID,
			Details: map[string]string{"field": c.Field, "locked": fmt.Sprint(out.Locked || out.Suspended)}}); err != nil {
			return err
		}
		switch {
		case out.Locked:
			return s.tell(ctx, a, message.SignInLocked{Site: s.d.Site, Name: a.Name, Until: out.Until, RecoveryLink: s.d.Links.Recovery()})
		case out.Suspended:
			return s.tell(ctx, a, message.SignInSuspended{Site: s.d.Site, Name: a.Name, Support: s.d.Support, RecoveryLink: s.d.Links.Recovery()})
		}
		return nil
	})
	if err != nil {
		return err
	}
	// The lockout answers as at sign-in; here the password is one field of
	// a form, so a plain wrong password is said next to it.
	if p, ok := problem.As(out.Answer); ok && p.Kind == problem.Unauthorized {
		if p.Message.ID == "signin.wrong_left" {
			return problem.InvalidField(c.Field, problem.M("credential.wrong_left", "Count", p.Message.Args["Count"]))
		}
		return problem.InvalidField(c.Field, problem.M("credential.wrong"))
	}
	return out.Answer
}

// tell sends the owner a security notice, by e-mail when there is one
// (free, and room to explain), as sign-in does.
func (s *Service) tell(ctx context.Context, a *account.Account, d message.Data) error {
	ch, to := a.CodeChannel()
	if a.Email != "" {
		ch, to = contact.ChannelEmail, string(a.Email)
	}
	return s.d.Notifier.Send(ctx, message.Notification{AccountID: a.ID, Channel: ch, To: to, Lang: a.Lang, Data: d})
}

// Change is a password change by a signed-in citizen.
type Change struct {
	AccountID    string
	SessionID    string // the session asking: it stays
	Current      string
	Password     string
	Confirmation string
	EndOthers    bool
	Device       string
	Client       session.Client
}

// Changed is what a change did.
type Changed struct {
	EndedSessions int
}

// ChangePassword checks the current password (Confirm's answers, on the
// field current_password), applies the password rule to the new one
// (password.Validate, and not the current one: Invalid "password:
// credential.same"), and then, in one transaction, stores the new hash,
// ends the other sessions when asked, audits the change and tells the
// owner.
func (s *Service) ChangePassword(ctx context.Context, in Change) (*Changed, error) {
	var fields problem.Fields
	if in.Current == "" {
		fields.Add("current_password", problem.M("credential.required"))
	}
	if in.Password == "" {
		fields.Add("password", problem.M("password.required"))
	}
	if err := fields.Err(); err != nil {
		return nil, err
	}
	a, err := s.Confirm(ctx, Check{AccountID: in.AccountID, Password: in.Current, Field: "current_password", Device: in.Device, Client: in.Client})
	if err != nil {
		return nil, err
	}
	if err := password.Validate(in.Password, in.Confirmation, a.Surname, a.Name, string(a.Phone), strings.TrimPrefix(string(a.Phone), "+7"), string(a.Email)); err != nil {
		return nil, err
	}
	if in.Password == in.Current {
		return nil, problem.InvalidField("password", problem.M("credential.same"))
	}
	hash, err := s.d.Hasher.Hash(ctx, in.Password)
	if err != nil {
		return nil, fmt.Errorf("credential: hash: %w", err)
	}
	now := s.d.Now()
	res := &Changed{}
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if err := s.d.Store.SetPassword(ctx, a.ID, hash, now); err != nil {
			return err
		}
		if in.EndOthers {
			if res.EndedSessions, err = s.d.Sessions.EndOthers(ctx, a.ID, in.SessionID, session.EndedPwdChange); err != nil {
				return err
			}
		}
		ch, to := a.CodeChannel()
		if err := s.d.Notifier.Send(ctx, message.Notification{AccountID: a.ID, Channel: ch, To: to, Lang: a.Lang,
			Data: message.PasswordChangedByOwner{Site: s.d.Site, Name: a.Name, OthersEnded: in.EndOthers, Support: s.d.Support,
				RecoveryLink: s.d.Links.Recovery()}}); err != nil {
			return err
		}
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "password.changed", ActorKind: audit.ActorCitizen, ActorID: a.ID,
			SubjectAccountID: a.ID, IP: in.Client.IP, RequestID: in.Client.RequestID,
			Details: map[string]string{"session": in.SessionID, "sessions_ended": fmt.Sprint(res.EndedSessions)}})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
