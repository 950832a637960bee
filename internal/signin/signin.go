// Package signin signs citizens in: a login (phone or e-mail; SNILS comes
// with personal data) and a password, then — unless the deployment turns
// it off — a one-time code to the account's phone, or to its e-mail when it
// has no phone.
//
// Before any password is compared, the lockout package decides whether this
// login may be checked now (rolling windows, lock episodes that double, a
// suspension after very many failures, and device tokens that spare the
// owner's own browsers), whether or not an account exists behind it; the
// address's failures and hashing are bounded against credential stuffing.
// An unknown login costs the same hashing time and gets the same answer as
// a wrong password. A failure is counted, kept in the history and audited
// in one transaction, and the owner is told once per lock.
//
// signin imports account, contact, flow, lockout, password, session,
// throttle, notify, audit and problem.
package signin

import (
	"context"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/flow"
	"github.com/kabinet/kabinet/internal/lockout"
	"github.com/kabinet/kabinet/internal/message"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/throttle"
)

// Store is what sign-in needs from storage.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	AccountByLogin(ctx context.Context, l contact.Login) (*account.Account, error)
	AccountByID(ctx context.Context, id string) (*account.Account, error)
	RehashPassword(ctx context.Context, id, oldHash, newHash string) error
	CreateFlow(ctx context.Context, f *flow.Flow) error
	Flow(ctx context.Context, kind flow.Kind, id string) (*flow.Flow, error)
	UpdateFlow(ctx context.Context, f *flow.Flow) error
	AppendAudit(ctx context.Context, e *audit.Event) error
}

// Sessions issues sessions and keeps the history.
type Sessions interface {
	Issue(ctx context.Context, accountID, method string, c session.Client) (string, *session.Session, error)
	RecordSignIn(ctx context.Context, accountID, method, outcome string, c session.Client) error
}

// Links builds absolute URLs for messages.
type Links interface{ Recovery() string }

// Deletions cancels an account's pending deletion when its owner signs in
// (deletion.Service), in the sign-in's transaction.
type Deletions interface {
	CancelOnSignIn(ctx context.Context, a *account.Account, c session.Client) (bool, error)
}

// Policy is the deployment's sign-in settings.
type Policy struct {
	SecondStep  bool
	FailsPerIP  int // failed sign-ins per network address per minute
	HashesPerIP int // password hashes per network address per 10 minutes
}

// Deps are the service's collaborators.
type Deps struct {
	Store    Store
	Codes    *flow.Codes
	Hasher   *password.Hasher
	Limiter  *throttle.Limiter
	Lockout  *lockout.Service
	Sessions Sessions
	Notifier message.Notifier
	Links    Links
	// Deletions may be nil: no deletion is then ever cancelled.
	Deletions Deletions
	Policy    Policy
	Site      string
	Support   string
	Now       func() time.Time
	NewID     func() (string, error)
	// Log reports errors that must not fail the request (a lost history
	// entry). May be nil.
	Log func(msg string, err error)
}

// Service signs people in.
type Service struct{ d Deps }

// New returns the service.
func New(d Deps) *Service { return &Service{d: d} }

// IPFailures is the credential-stuffing brake: failed password checks from
// one address per minute, whatever the logins. Every password check of a
// person counts under it (sign-in, and a signed-in re-check in
// internal/credential), so a guesser gains nothing by switching forms.
func (p Policy) IPFailures() throttle.Rule {
	return throttle.Rule{Name: "signin.ip_failures", Max: p.FailsPerIP, Window: time.Minute, Message: "signin.ip_limit"}
}

// IPHashes bounds the hashing one address can cause. Generous: a service
// centre signs many people in from one address.
func (p Policy) IPHashes() throttle.Rule {
	return throttle.Rule{Name: "signin.ip_hashes", Max: p.HashesPerIP, Window: 10 * time.Minute, Message: "signin.ip_limit"}
}

func (s *Service) ipFailures() throttle.Rule { return s.d.Policy.IPFailures() }
func (s *Service) ipHashes() throttle.Rule   { return s.d.Policy.IPHashes() }

// Attempt is what the sign-in form submits.
type Attempt struct {
	Login    string
	Password string
	Device   string // the browser's device token (lockout.DeviceToken), if any
	Lang     string
	Binding  []byte
	Next     string // a local path to go to afterwards
	Client   session.Client
}

// Result is either a finished sign-in (Token set) or a second step to take
// (Flow set).
type Result struct {
	Account *account.Account
	Token   string
	Session *session.Session
	Flow    *flow.Flow
	// Next is the local path the sign-in form was given, to continue to.
	Next string
	// DeletionCancelled: the account was to be deleted, and this sign-in
	// cancelled it.
	DeletionCancelled bool
}

// Spec is the second sign-in step: a code after the right password.
var Spec = flow.Define(flow.Spec{
	Kind: "signin", Title: "the second sign-in step", Initial: flow.AwaitingCode,
	Start: "password accepted, code sent to the account's phone (or e-mail)",
	Steps: []flow.Step{{From: flow.AwaitingCode, To: flow.Done, On: "code accepted, session issued"}},
	TTL:   15 * time.Minute, Audience: flow.Owner,
})

// Data is what the second step keeps while it runs.
type Data struct {
	// Method is recorded with the session ("password+sms").
	Method string `json:"method"`
	// Next is a local path to continue to once signed in.
	Next string `json:"next,omitempty"`
}

// DataOf returns the second step's data.
func DataOf(f *flow.Flow) (Data, error) { return flow.DataOf[Data](f) }

// Begin checks the login and password.
func (s *Service) Begin(ctx context.Context, in Attempt) (*Result, error) {
	var fields problem.Fields
	login, err := contact.ParseLogin(in.Login)
	fields.Add("login", err)
	if in.Password == "" {
		fields.Add("password", problem.M("signin.password_required")) // not "create one": this is sign-in
	}
	if err := fields.Err(); err != nil {
		return nil, err
	}
	if s.d.Hasher.Saturated() {
		return nil, password.ErrBusy // before any database work: refusing must be cheap
	}
	if in.Client.IP != "" {
		if err := s.d.Limiter.Check(ctx, s.ipFailures(), in.Client.IP); err != nil {
			return nil, err
		}
		if err := s.d.Limiter.Take(ctx, s.ipHashes(), in.Client.IP); err != nil {
			return nil, err
		}
	}
	a, err := s.d.Store.AccountByLogin(ctx, login)
	if err != nil && problem.KindOf(err) != problem.NotFound {
		return nil, err
	}
	var accountID string
	if a != nil {
		accountID = a.ID
	}
	ticket, err := s.d.Lockout.Before(ctx, lockout.Attempt{Login: login.String(), AccountID: accountID, Device: in.Device})
	if err != nil {
		if k := problem.KindOf(err); k == problem.TooMany || k == problem.Forbidden {
			s.record(ctx, a, login, session.OutcomeLocked, in.Client)
		}
		return nil, err
	}
	var ok, rehash bool
	if a == nil {
		// Spend the same time as a real check, then answer as for a wrong password.
		err = s.d.Hasher.VerifyDummy(ctx, in.Password)
	} else {
		ok, rehash, err = s.d.Hasher.Verify(ctx, in.Password, a.PasswordHash)
	}
	if err != nil {
		return nil, fmt.Errorf("signin: verify: %w", err)
	}
	if !ok {
		return nil, s.wrong(ctx, a, login, ticket, in.Client)
	}
	if err := s.d.Lockout.Succeeded(ctx, ticket); err != nil {
		return nil, err
	}
	if a.Status != account.Active {
		return nil, problem.New(problem.Forbidden, "account.blocked")
	}
	if rehash {
		s.rehash(ctx, a, in.Password)
	}
	if !s.d.Policy.SecondStep {
		return s.finish(ctx, a, "password", in.Client)
	}
	return s.secondStep(ctx, a, in)
}

// wrong records a wrong password or an unknown login in one transaction —
// the lockout's count, the address's count, the history, the audit event
// and, when this failure locked or suspended the login, the owner's notice
// — and returns the answer: the same for a wrong password and an unknown
// login.
func (s *Service) wrong(ctx context.Context, a *account.Account, login contact.Login, t *lockout.Ticket, c session.Client) error {
	var out lockout.Outcome
	err := s.d.Store.Transact(ctx, func(ctx context.Context) error {
		var err error
		if out, err = s.d.Lockout.Failed(ctx, t); err != nil {
			return err
		}
		if c.IP != "" {
			if _, err := s.d.Limiter.Add(ctx, s.ipFailures(), c.IP); err != nil {
				return err
			}
		}
		outcome := session.OutcomeWrongPassword
		if out.Locked || out.Suspended {
			outcome = session.OutcomeLocked
		}
		if err := s.audit(ctx, a, login, outcome, c); err != nil {
			return err
		}
		if a == nil {
			return nil
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
	return out.Answer
}

// tell sends the owner a notice about their sign-in security.
func (s *Service) tell(ctx context.Context, a *account.Account, d message.Data) error {
	ch, to := a.CodeChannel()
	if a.Email != "" {
		ch, to = contact.ChannelEmail, string(a.Email) // free, and room to explain
	}
	return s.d.Notifier.Send(ctx, message.Notification{AccountID: a.ID, Channel: ch, To: to, Lang: a.Lang, Data: d})
}

// record keeps a refused attempt (locked or suspended) in the history and
// the audit log; a failure to write them is logged, never shown.
func (s *Service) record(ctx context.Context, a *account.Account, login contact.Login, outcome string, c session.Client) {
	if err := s.audit(ctx, a, login, outcome, c); err != nil {
		s.log("signin: record a refused attempt", err)
	}
}

// audit writes the failed attempt to the audit log and, for an account,
// its sign-in history.
func (s *Service) audit(ctx context.Context, a *account.Account, login contact.Login, outcome string, c session.Client) error {
	e := &audit.Event{At: s.d.Now(), Action: "signin.failed", ActorKind: audit.ActorAnonymous, IP: c.IP, RequestID: c.RequestID,
		Details: map[string]string{"login": login.Redacted(), "outcome": outcome}}
	if a != nil {
		e.SubjectAccountID = a.ID
		if err := s.d.Sessions.RecordSignIn(ctx, a.ID, "password", outcome, c); err != nil {
			return err
		}
	}
	return s.d.Store.AppendAudit(ctx, e)
}

func (s *Service) rehash(ctx context.Context, a *account.Account, pw string) {
	h, err := s.d.Hasher.Hash(ctx, pw)
	if err == nil {
		err = s.d.Store.RehashPassword(ctx, a.ID, a.PasswordHash, h)
	}
	if err != nil {
		s.log("signin: rehash the password", err)
	}
}

func (s *Service) log(msg string, err error) {
	if s.d.Log != nil {
		s.d.Log(msg, err)
	}
}

func (s *Service) finish(ctx context.Context, a *account.Account, method string, c session.Client) (*Result, error) {
	res := &Result{Account: a}
	err := s.d.Store.Transact(ctx, func(ctx context.Context) error {
		var err error
		if res.Token, res.Session, err = s.d.Sessions.Issue(ctx, a.ID, method, c); err != nil {
			return err
		}
		if err := s.d.Sessions.RecordSignIn(ctx, a.ID, method, session.OutcomeSuccess, c); err != nil {
			return err
		}
		if s.d.Deletions != nil {
			if res.DeletionCancelled, err = s.d.Deletions.CancelOnSignIn(ctx, a, c); err != nil {
				return err
			}
		}
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: s.d.Now(), Action: "signin.succeeded", ActorKind: audit.ActorCitizen, ActorID: a.ID,
			SubjectAccountID: a.ID, IP: c.IP, RequestID: c.RequestID, Details: map[string]string{"method": method}})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func (s *Service) secondStep(ctx context.Context, a *account.Account, in Attempt) (*Result, error) {
	id, err := s.d.NewID()
	if err != nil {
		return nil, err
	}
	now := s.d.Now()
	ch, dest := a.CodeChannel()
	lang := in.Lang
	f := Spec.New(id, now)
	f.Binding, f.AccountID, f.Channel, f.Destination, f.Lang = in.Binding, a.ID, ch, dest, lang
	if err := f.SetData(Data{Method: "password+" + string(ch), Next: in.Next}); err != nil {
		return nil, err
	}
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if err := s.sendCode(ctx, f, a, in.Client.IP, now); err != nil {
			return err
		}
		return s.d.Store.CreateFlow(ctx, f)
	})
	if flow.IsInterval(err) {
		// The number had a code less than a minute ago (say, the one that
		// registered it). The password is right: keep the step open and let
		// the code be asked for once the minute is over, rather than send
		// the person back to type the password again.
		p, _ := problem.As(err)
		f.CodeAfter = now.Add(p.RetryAfter)
		err = s.d.Store.CreateFlow(ctx, f)
	}
	if err != nil {
		return nil, err
	}
	return &Result{Account: a, Flow: f}, nil
}

func (s *Service) sendCode(ctx context.Context, f *flow.Flow, a *account.Account, ip string, now time.Time) error {
	code, _, err := s.d.Codes.Issue(ctx, f, ip, now)
	if err != nil {
		return err
	}
	f.LinkHash = nil // sign-in codes are typed, never clicked
	return s.d.Notifier.Send(ctx, message.Notification{AccountID: a.ID, Channel: f.Channel, To: f.Destination, Lang: f.Lang,
		Data: message.SignInCode{Site: s.d.Site, Code: code, Name: a.Name, Minutes: int(s.d.Codes.TTL(f.Channel).Minutes()),
			Until: f.CodeExpiresAt, RecoveryLink: s.d.Links.Recovery()}})
}

func (s *Service) load(ctx context.Context, id string, binding []byte) (*flow.Flow, error) {
	f, err := s.d.Store.Flow(ctx, Spec.Kind, id)
	if err != nil {
		return nil, err
	}
	if !f.BoundTo(binding) {
		return nil, problem.New(problem.NotFound, "flow.not_found")
	}
	if f.Expired(s.d.Now()) {
		return nil, problem.New(problem.Expired, "signin.step_expired")
	}
	if f.State != flow.AwaitingCode {
		// Done: its code has signed someone in already (maybe another copy
		// of this very request).
		return nil, problem.New(problem.Conflict, "code.used")
	}
	return f, nil
}

// Flow returns the caller's pending second step.
func (s *Service) Flow(ctx context.Context, id string, binding []byte) (*flow.Flow, error) {
	return s.load(ctx, id, binding)
}

// ConfirmCode checks the second-step code and issues the session.
func (s *Service) ConfirmCode(ctx context.Context, id string, binding []byte, code string, c session.Client) (*Result, error) {
	f, err := s.load(ctx, id, binding)
	if err != nil {
		return nil, err
	}
	d, err := DataOf(f)
	if err != nil {
		return nil, err
	}
	if err := s.d.Codes.Verify(ctx, f, code, s.d.Now()); err != nil {
		if isWrong(err) || problem.KindOf(err) == problem.TooMany {
			if rerr := s.d.Sessions.RecordSignIn(ctx, f.AccountID, d.Method, session.OutcomeWrongCode, c); rerr != nil {
				s.log("signin: record a wrong code", rerr)
			}
		}
		return nil, err
	}
	a, err := s.d.Store.AccountByID(ctx, f.AccountID)
	if err != nil {
		return nil, err
	}
	if a.Status != account.Active {
		return nil, problem.New(problem.Forbidden, "account.blocked")
	}
	var res *Result
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if err := f.Move(flow.Done); err != nil {
			return err
		}
		if err := s.d.Store.UpdateFlow(ctx, f); err != nil {
			return err
		}
		res, err = s.finish(ctx, a, d.Method, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	res.Flow, res.Next = f, d.Next
	return res, nil
}

func isWrong(err error) bool {
	p, ok := problem.As(err)
	if !ok {
		return false
	}
	m, ok := p.Field("code")
	return ok && m.ID == "code.wrong"
}

// Resend sends a new second-step code.
func (s *Service) Resend(ctx context.Context, id string, binding []byte, c session.Client) (*flow.Flow, error) {
	f, err := s.load(ctx, id, binding)
	if err != nil {
		return nil, err
	}
	a, err := s.d.Store.AccountByID(ctx, f.AccountID)
	if err != nil {
		return nil, err
	}
	now := s.d.Now()
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if err := s.sendCode(ctx, f, a, c.IP, now); err != nil {
			return err
		}
		return s.d.Store.UpdateFlow(ctx, f)
	})
	return f, err
}
