// Package registration creates simplified accounts, as the user's documents
// describe it: surname, name and a mobile phone (or, for those without one,
// an e-mail address) and acceptance of the terms; a code by SMS (valid
// 300 s) or a one-time link by e-mail; then a password entered twice; then
// "Congratulations, you have just registered" and a session.
//
// Registering with a phone or e-mail that already belongs to an account
// looks exactly like the normal case to the requester (a decoy flow whose
// code never matches); the real owner is told by SMS or e-mail instead.
//
// registration imports account, contact, person, password, flow, session,
// notify, audit and problem; it knows nothing of HTTP or SQL.
package registration

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/flow"
	"github.com/kabinet/kabinet/internal/message"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/throttle"
)

// Store is what registration needs from storage.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	CreateFlow(ctx context.Context, f *flow.Flow) error
	Flow(ctx context.Context, kind flow.Kind, id string) (*flow.Flow, error)
	UpdateFlow(ctx context.Context, f *flow.Flow) error
	AccountByPhone(ctx context.Context, p contact.Phone) (*account.Account, error)
	AccountByEmail(ctx context.Context, e contact.Email) (*account.Account, error)
	CreateAccount(ctx context.Context, a *account.Account) error
	AppendAudit(ctx context.Context, e *audit.Event) error
}

// Sessions issues the session that follows registration.
type Sessions interface {
	Issue(ctx context.Context, accountID, method string, c session.Client) (string, *session.Session, error)
	RecordSignIn(ctx context.Context, accountID, method, outcome string, c session.Client) error
}

// Links builds absolute URLs for messages.
type Links interface {
	RegistrationLink(flowID, token string) string
	SignIn() string
	Recovery() string
}

// Deps are the service's collaborators.
type Deps struct {
	Store    Store
	Codes    *flow.Codes
	Hasher   *password.Hasher
	Sessions Sessions
	Notifier message.Notifier
	Links    Links
	Limiter  *throttle.Limiter
	Site     string // the portal's name in messages
	Now      func() time.Time
	Rand     io.Reader
	NewID    func() (string, error)
}

// Spec is the registration process.
var Spec = flow.Define(flow.Spec{
	Kind: "registration", Title: "a simplified account", Initial: flow.AwaitingCode,
	Start: "form accepted, code sent (SMS 300 s / e-mail link + code)",
	Steps: []flow.Step{
		{From: flow.AwaitingCode, To: flow.SetPassword, On: "code or link accepted"},
		{From: flow.SetPassword, To: flow.Done, On: "password accepted, simplified account and session created"},
	},
	TTL: flowTTL, Audience: flow.Anyone,
})

// Data is what a registration keeps while it runs.
type Data struct {
	Surname string `json:"surname"`
	Name    string `json:"name"`
}

// DataOf returns the registration's data.
func DataOf(f *flow.Flow) (Data, error) { return flow.DataOf[Data](f) }

// Service runs registrations.
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

// Start is what the registration form submits.
type Start struct {
	Surname     string
	Name        string
	Phone       string // exactly one of Phone and Email, by the chosen channel
	Email       string
	UseEmail    bool // "I have no mobile phone"
	AcceptTerms bool
	Lang        string
	Binding     []byte // browser binding hash; nil for API clients
	Client      session.Client
}

// takenNotice limits the «someone tried to register with your number»
// messages to one an hour per phone or address.
var takenNotice = throttle.Rule{Name: "notice.registration_taken", Max: 1, Window: time.Hour, Message: "code.hourly_limit"}

// flowTTL is how long an unfinished registration is kept after its last code.
const flowTTL = time.Hour

// Begin validates the form, starts a flow and sends the code (or, when the
// contact is taken, the notice to its owner). Field problems come back
// together, in form order.
func (s *Service) Begin(ctx context.Context, in Start) (*flow.Flow, error) {
	var fields problem.Fields
	surname, err := person.NormalizeName(in.Surname)
	fields.Add("surname", err)
	name, err := person.NormalizeName(in.Name)
	fields.Add("name", err)
	var (
		ch   contact.Channel
		dest string
	)
	if in.UseEmail {
		e, err := contact.ParseEmail(in.Email)
		fields.Add("email", err)
		ch, dest = contact.ChannelEmail, string(e)
	} else {
		p, err := contact.ParsePhone(in.Phone)
		fields.Add("phone", err)
		ch, dest = contact.ChannelSMS, string(p)
	}
	if !in.AcceptTerms {
		fields.Add("accept_terms", problem.M("terms.required"))
	}
	if err := fields.Err(); err != nil {
		return nil, err
	}
	now := s.d.Now()
	id, err := s.d.NewID()
	if err != nil {
		return nil, err
	}
	owner, err := s.owner(ctx, ch, dest)
	if err != nil {
		return nil, err
	}
	f := Spec.New(id, now)
	f.Binding, f.Channel, f.Destination, f.Decoy, f.Lang = in.Binding, ch, dest, owner != nil, in.Lang
	if err := f.SetData(Data{Surname: surname, Name: name}); err != nil {
		return nil, err
	}
	if err := s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if err := s.send(ctx, f, owner, in.Client.IP, now); err != nil {
			return err
		}
		if err := s.d.Store.CreateFlow(ctx, f); err != nil {
			return err
		}
		if owner != nil {
			return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "registration.contact_taken", ActorKind: audit.ActorAnonymous,
				SubjectAccountID: owner.ID, IP: in.Client.IP, RequestID: in.Client.RequestID, Details: map[string]string{"channel": string(ch)}})
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return f, nil
}

// owner returns the account that already has this contact, or nil.
func (s *Service) owner(ctx context.Context, ch contact.Channel, dest string) (*account.Account, error) {
	return account.Owner(ctx, s.d.Store, ch, dest)
}

// send issues a new code on the flow and queues the message: the code to
// the requester, or, for a decoy, the notice to the contact's owner (the
// decoy's code itself goes nowhere).
func (s *Service) send(ctx context.Context, f *flow.Flow, owner *account.Account, ip string, now time.Time) error {
	code, token, err := s.d.Codes.Issue(ctx, f, ip, now)
	if err != nil {
		return err
	}
	n := message.Notification{Channel: f.Channel, To: f.Destination, Lang: f.Lang}
	if f.Decoy {
		if owner == nil {
			return nil // the owner has gone since: nobody to tell
		}
		// One notice an hour per contact is enough to warn the owner, and
		// keeps strangers from flooding them through us.
		if ok, err := s.d.Limiter.Allow(ctx, takenNotice, f.Destination); !ok {
			return err
		}
		n.AccountID = owner.ID
		n.Data = message.RegistrationTaken{Site: s.d.Site, SignInLink: s.d.Links.SignIn(), RecoveryLink: s.d.Links.Recovery()}
		return s.d.Notifier.Send(ctx, n)
	}
	d, err := DataOf(f)
	if err != nil {
		return err
	}
	n.Data = message.RegistrationCode{
		Site: s.d.Site, Code: code, Name: d.Name, Minutes: int(s.d.Codes.TTL(f.Channel).Minutes()),
		Link: s.d.Links.RegistrationLink(f.ID, token), Until: f.CodeExpiresAt,
	}
	return s.d.Notifier.Send(ctx, n)
}

// Resend sends a new code, once the cooldown has passed or the old code
// has expired or been used up.
func (s *Service) Resend(ctx context.Context, id string, binding []byte, c session.Client) (*flow.Flow, error) {
	f, err := s.Flow(ctx, id, binding)
	if err != nil {
		return f, err
	}
	if f.State != flow.AwaitingCode {
		return f, problem.New(problem.Conflict, "flow.wrong_step")
	}
	var owner *account.Account
	if f.Decoy {
		if owner, err = s.owner(ctx, f.Channel, f.Destination); err != nil {
			return f, err
		}
	}
	now := s.d.Now()
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if err := s.send(ctx, f, owner, c.IP, now); err != nil {
			return err
		}
		return s.d.Store.UpdateFlow(ctx, f)
	})
	return f, err
}

// Result is a finished registration.
type Result struct {
	Account *account.Account
	Token   string
	Session *session.Session
}

// SetPassword checks the password against the rule and the blocklist,
// creates the simplified account and signs its owner in.
func (s *Service) SetPassword(ctx context.Context, id string, binding []byte, pw, confirmation string, c session.Client) (*Result, error) {
	f, err := s.Flow(ctx, id, binding)
	if err != nil {
		return nil, err
	}
	if f.State != flow.SetPassword {
		return nil, problem.New(problem.Conflict, "flow.wrong_step")
	}
	d, err := DataOf(f)
	if err != nil {
		return nil, err
	}
	if err := password.Validate(pw, confirmation, d.Surname, d.Name, f.Destination, strings.TrimPrefix(f.Destination, "+7")); err != nil {
		return nil, err
	}
	hash, err := s.d.Hasher.Hash(ctx, pw)
	if err != nil {
		return nil, fmt.Errorf("registration: hash: %w", err)
	}
	accID, err := s.d.NewID()
	if err != nil {
		return nil, err
	}
	now := s.d.Now()
	a := &account.Account{
		ID: accID, Level: account.Simplified, Status: account.Active, Surname: d.Surname, Name: d.Name,
		PasswordHash: hash, PasswordChangedAt: now, Lang: f.Lang, CreatedAt: now, UpdatedAt: now,
	}
	if f.Channel == contact.ChannelEmail {
		a.Email = contact.Email(f.Destination)
	} else {
		a.Phone = contact.Phone(f.Destination)
	}
	res := &Result{Account: a}
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if err := s.d.Store.CreateAccount(ctx, a); err != nil {
			return err
		}
		if err := f.Move(flow.Done); err != nil {
			return err
		}
		f.AccountID, f.UpdatedAt = a.ID, now
		if err := s.d.Store.UpdateFlow(ctx, f); err != nil {
			return err
		}
		if res.Token, res.Session, err = s.d.Sessions.Issue(ctx, a.ID, "registration", c); err != nil {
			return err
		}
		// The first session is the account's first sign-in: the history
		// shows it, as the sessions list does.
		if err := s.d.Sessions.RecordSignIn(ctx, a.ID, "registration", session.OutcomeSuccess, c); err != nil {
			return err
		}
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "account.registered", ActorKind: audit.ActorCitizen, ActorID: a.ID,
			SubjectAccountID: a.ID, IP: c.IP, RequestID: c.RequestID, Details: map[string]string{"channel": string(f.Channel)}})
	})
	if err != nil {
		var p *problem.Error
		if errors.As(err, &p) && p.Kind == problem.Conflict && p.Message.ID == "account.contact_taken" {
			// Someone registered the same contact a moment ago.
			return nil, problem.New(problem.Conflict, "registration.raced")
		}
		return nil, err
	}
	return res, nil
}
