// Package recovery restores access when a password is forgotten: the
// citizen gives their login (phone or e-mail), receives a code there (and,
// by e-mail, a one-time link), sets a new password, and every other session
// of the account ends. The owner is told that the password changed.
//
// An unknown login gets the same answers and the same pages (a decoy flow
// whose code never matches), so recovery cannot be used to find out who
// has an account. An unknown e-mail address is told so, as Login.gov does:
// the message says that someone asked to recover access with this address,
// that no account has it, how to register, and to ignore it if it was not
// them. Only the holder of the address reads it, so the requester learns
// nothing. An unknown phone number is sent nothing: an SMS costs money, and
// a free message to any number on request invites SMS pumping (traffic
// fraud through premium-rate numbers). A blocked account is sent nothing
// either. The decoy's messages pass the same code limits as real codes.
//
// recovery imports account, contact, flow, password, session, notify, audit
// and problem.
package recovery

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/flow"
	"github.com/kabinet/kabinet/internal/message"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
)

// Store is what recovery needs from storage.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	AccountByLogin(ctx context.Context, l contact.Login) (*account.Account, error)
	AccountByID(ctx context.Context, id string) (*account.Account, error)
	SetPassword(ctx context.Context, id, hash string, at time.Time) error
	CreateFlow(ctx context.Context, f *flow.Flow) error
	Flow(ctx context.Context, kind flow.Kind, id string) (*flow.Flow, error)
	UpdateFlow(ctx context.Context, f *flow.Flow) error
	AppendAudit(ctx context.Context, e *audit.Event) error
}

// Sessions ends the old sessions and issues the new one.
type Sessions interface {
	Issue(ctx context.Context, accountID, method string, c session.Client) (string, *session.Session, error)
	EndOthers(ctx context.Context, accountID, keepID, reason string) (int, error)
	RecordSignIn(ctx context.Context, accountID, method, outcome string, c session.Client) error
}

// Links builds absolute URLs for messages.
type Links interface {
	RecoveryLink(flowID, token string) string
	Recovery() string
	Register() string
}

// Locks are the sign-in locks a completed recovery ends.
type Locks interface {
	Release(ctx context.Context, logins ...string) error
}

// Deletions cancels an account's pending deletion when its owner gets back
// in (deletion.Service), in the recovery's transaction.
type Deletions interface {
	CancelOnSignIn(ctx context.Context, a *account.Account, c session.Client) (bool, error)
}

// Deps are the service's collaborators.
type Deps struct {
	Store    Store
	Codes    *flow.Codes
	Hasher   *password.Hasher
	Sessions Sessions
	Notifier message.Notifier
	Links    Links
	Locks    Locks
	// Deletions may be nil: no deletion is then ever cancelled.
	Deletions Deletions
	Site      string
	Support   string
	Now       func() time.Time
	NewID     func() (string, error)
}

// Spec is the password recovery process. It keeps no data of its own: the
// login is the flow's destination.
var Spec = flow.Define(flow.Spec{
	Kind: "recovery", Title: "password recovery", Initial: flow.AwaitingCode,
	Start: "code sent to the login given",
	Steps: []flow.Step{
		{From: flow.AwaitingCode, To: flow.SetPassword, On: "code or link accepted"},
		{From: flow.SetPassword, To: flow.Done, On: "new password, other sessions ended, lockout lifted, owner told"},
	},
	TTL: flowTTL, Audience: flow.Anyone,
})

// Service runs recoveries.
type Service struct {
	d Deps
	// Confirmation provides Flow, ConfirmCode and ConfirmLink: the steps
	// that prove the phone or address, shared with the other flows.
	*flow.Confirmation
}

// New returns the service.
func New(d Deps) *Service {
	return &Service{d: d, Confirmation: &flow.Confirmation{Spec: Spec, Store: d.Store, Codes: d.Codes, Now: d.Now, PasswordTime: flowTTL}}
}

const flowTTL = time.Hour

// Request is what the recovery form submits.
type Request struct {
	Login   string
	Lang    string
	Binding []byte
	Client  session.Client
}

// Begin starts a recovery and sends the code to the login given.
func (s *Service) Begin(ctx context.Context, in Request) (*flow.Flow, error) {
	login, err := contact.ParseLogin(in.Login)
	if err != nil {
		return nil, problem.InvalidField("login", err)
	}
	if login.Kind == contact.LoginSNILS {
		// The code goes to the login typed: a SNILS is no address.
		return nil, problem.InvalidField("login", problem.M("recovery.snils"))
	}
	a, err := s.d.Store.AccountByLogin(ctx, login)
	if err != nil && problem.KindOf(err) != problem.NotFound {
		return nil, err
	}
	id, err := s.d.NewID()
	if err != nil {
		return nil, err
	}
	now := s.d.Now()
	ch := contact.ChannelSMS
	if login.Kind == contact.LoginEmail {
		ch = contact.ChannelEmail
	}
	f := Spec.New(id, now)
	f.Binding, f.Channel, f.Destination, f.Lang = in.Binding, ch, login.String(), in.Lang
	if a == nil || a.Status != account.Active {
		f.Decoy = true
	} else {
		f.AccountID = a.ID
	}
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if err := s.send(ctx, f, a, in.Client.IP, now); err != nil {
			return err
		}
		if err := s.d.Store.CreateFlow(ctx, f); err != nil {
			return err
		}
		e := &audit.Event{At: now, Action: "recovery.requested", ActorKind: audit.ActorAnonymous, SubjectAccountID: f.AccountID,
			IP: in.Client.IP, RequestID: in.Client.RequestID, Details: map[string]string{"login": login.Redacted(), "known": fmt.Sprint(!f.Decoy)}}
		return s.d.Store.AppendAudit(ctx, e)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// send issues a code and, unless the flow is a decoy, sends it. A decoy
// still passes the same limits, so the answers do not differ; a decoy for
// an e-mail address without an account (a is nil) tells the address so.
func (s *Service) send(ctx context.Context, f *flow.Flow, a *account.Account, ip string, now time.Time) error {
	code, token, err := s.d.Codes.Issue(ctx, f, ip, now)
	if err != nil {
		return err
	}
	if f.Decoy {
		if a != nil || f.Channel != contact.ChannelEmail {
			return nil
		}
		return s.d.Notifier.Send(ctx, message.Notification{Channel: f.Channel, To: f.Destination, Lang: f.Lang,
			Data: message.RecoveryUnknown{Site: s.d.Site, RegisterLink: s.d.Links.Register()}})
	}
	return s.d.Notifier.Send(ctx, message.Notification{AccountID: a.ID, Channel: f.Channel, To: f.Destination, Lang: f.Lang,
		Data: message.RecoveryCode{Site: s.d.Site, Code: code, Name: a.Name, Minutes: int(s.d.Codes.TTL(f.Channel).Minutes()),
			Link: s.d.Links.RecoveryLink(f.ID, token), Until: f.CodeExpiresAt}})
}

// Resend sends a new code once allowed.
func (s *Service) Resend(ctx context.Context, id string, binding []byte, c session.Client) (*flow.Flow, error) {
	f, err := s.Flow(ctx, id, binding)
	if err != nil {
		return f, err
	}
	if f.State != flow.AwaitingCode {
		return f, problem.New(problem.Conflict, "flow.wrong_step")
	}
	var a *account.Account
	if !f.Decoy {
		if a, err = s.d.Store.AccountByID(ctx, f.AccountID); err != nil {
			return f, err
		}
	} else if f.Channel == contact.ChannelEmail {
		// A decoy is for an unknown or a blocked account: only the unknown
		// address is told again.
		a, err = s.d.Store.AccountByLogin(ctx, contact.Login{Kind: contact.LoginEmail, Email: contact.Email(f.Destination)})
		if err != nil && problem.KindOf(err) != problem.NotFound {
			return f, err
		}
	}
	now := s.d.Now()
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if err := s.send(ctx, f, a, c.IP, now); err != nil {
			return err
		}
		return s.d.Store.UpdateFlow(ctx, f)
	})
	return f, err
}

// Result is a finished recovery: the new session and how many others ended.
type Result struct {
	Account       *account.Account
	Token         string
	Session       *session.Session
	EndedSessions int
	// DeletionCancelled: the account was to be deleted, and getting back
	// in cancelled it.
	DeletionCancelled bool
}

// SetPassword sets the new password, ends every other session, tells the
// owner, and signs the user in.
func (s *Service) SetPassword(ctx context.Context, id string, binding []byte, pw, confirmation string, c session.Client) (*Result, error) {
	f, err := s.Flow(ctx, id, binding)
	if err != nil {
		return nil, err
	}
	if f.State != flow.SetPassword || f.Decoy {
		return nil, problem.New(problem.Conflict, "flow.wrong_step")
	}
	a, err := s.d.Store.AccountByID(ctx, f.AccountID)
	if err != nil {
		return nil, err
	}
	if err := password.Validate(pw, confirmation, a.Surname, a.Name, string(a.Phone), strings.TrimPrefix(string(a.Phone), "+7"), string(a.Email)); err != nil {
		return nil, err
	}
	// The forgotten password is not a new one: the owner (or whoever has
	// the phone) must choose another. Only the password the account had
	// when the recovery began: one set since is this flow's own, by a
	// copy of this request that got there first (its CAS answers that).
	if a.PasswordChangedAt.Before(f.CreatedAt) {
		if same, _, err := s.d.Hasher.Verify(ctx, pw, a.PasswordHash); err != nil && !errors.Is(err, password.ErrMalformedHash) {
			return nil, err
		} else if same {
			return nil, password.SameAsOld()
		}
	}
	hash, err := s.d.Hasher.Hash(ctx, pw)
	if err != nil {
		return nil, fmt.Errorf("recovery: hash: %w", err)
	}
	now := s.d.Now()
	res := &Result{Account: a}
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		// The flow first: its compare-and-set lets one request through and
		// rolls back any other before it changes anything.
		if err := f.Move(flow.Done); err != nil {
			return err
		}
		f.UpdatedAt = now
		if err := s.d.Store.UpdateFlow(ctx, f); err != nil {
			return err
		}
		if err := s.d.Store.SetPassword(ctx, a.ID, hash, now); err != nil {
			return err
		}
		// Whoever locked the login, its owner is back: lift it.
		if err := s.d.Locks.Release(ctx, string(a.Phone), string(a.Email)); err != nil {
			return err
		}
		if res.EndedSessions, err = s.d.Sessions.EndOthers(ctx, a.ID, "", session.EndedRecovery); err != nil {
			return err
		}
		if res.Token, res.Session, err = s.d.Sessions.Issue(ctx, a.ID, "recovery", c); err != nil {
			return err
		}
		if err := s.d.Sessions.RecordSignIn(ctx, a.ID, "recovery", session.OutcomeSuccess, c); err != nil {
			return err
		}
		if s.d.Deletions != nil {
			if res.DeletionCancelled, err = s.d.Deletions.CancelOnSignIn(ctx, a, c); err != nil {
				return err
			}
		}
		ch, to := a.CodeChannel()
		if err := s.d.Notifier.Send(ctx, message.Notification{AccountID: a.ID, Channel: ch, To: to, Lang: a.Lang,
			Data: message.PasswordChanged{Site: s.d.Site, Name: a.Name, Support: s.d.Support, RecoveryLink: s.d.Links.Recovery()}}); err != nil {
			return err
		}
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "password.recovered", ActorKind: audit.ActorCitizen, ActorID: a.ID,
			SubjectAccountID: a.ID, IP: c.IP, RequestID: c.RequestID, Details: map[string]string{"sessions_ended": fmt.Sprint(res.EndedSessions)}})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
