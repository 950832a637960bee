// Package contactchange lets a signed-in citizen change or add the
// account's phone or e-mail address (issue 10 §2): the new contact proves
// itself with its own code (SMS, 300 s) or link and code (e-mail) before it
// replaces the old one or is added; the old contact is told and may undo
// the change for 7 days by a link, which puts it back and ends every
// session (a takeover: the owner then recovers the password).
//
// Starting a change needs a recent password check of the session
// (RecentPassword, 15 minutes): otherwise the Forbidden problem
// "reauth.required", and the caller re-authenticates (credential.Reauthenticate).
//
// A contact that belongs to another account is answered exactly like a
// free one (a decoy flow whose code never matches, under the same limits);
// no code goes to it, and its owner is told, at most once an hour.
//
// Every step checks that the flow belongs to the signed-in account: another
// account's flow is NotFound, as if it did not exist.
//
// contactchange imports account, contact, flow, otp, session, message,
// throttle, audit and problem; it knows nothing of HTTP or SQL.
package contactchange

import (
	"context"
	"encoding/base64"
	"io"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/flow"
	"github.com/kabinet/kabinet/internal/message"
	"github.com/kabinet/kabinet/internal/otp"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/throttle"
)

// Store is what contact changes need from storage.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	CreateFlow(ctx context.Context, f *flow.Flow) error
	Flow(ctx context.Context, kind flow.Kind, id string) (*flow.Flow, error)
	UpdateFlow(ctx context.Context, f *flow.Flow) error
	AccountByID(ctx context.Context, id string) (*account.Account, error)
	AccountByPhone(ctx context.Context, p contact.Phone) (*account.Account, error)
	AccountByEmail(ctx context.Context, e contact.Email) (*account.Account, error)
	// SetContact replaces (or, from empty, adds) the account's phone or
	// e-mail; "" removes it. A contact another account has is the
	// Conflict "account.contact_taken".
	SetContact(ctx context.Context, accountID string, ch contact.Channel, value string, at time.Time) error
	CreateContactUndo(ctx context.Context, u *Undo) error
	// ContactUndo returns an undo link's record, or NotFound.
	ContactUndo(ctx context.Context, id string) (*Undo, error)
	// UseContactUndo marks an unused record used; false when it was used.
	UseContactUndo(ctx context.Context, id string, at time.Time) (bool, error)
	AppendAudit(ctx context.Context, e *audit.Event) error
}

// Sessions drops the account's cached sessions and ends them.
type Sessions interface {
	AccountChanged(ctx context.Context, accountID string) error
	EndOthers(ctx context.Context, accountID, keepID, reason string) (int, error)
}

// Links builds absolute URLs for messages.
type Links interface {
	ContactLink(flowID, token string) string
	ContactUndoLink(id, token string) string
	SignIn() string
	Recovery() string
}

// Deps are the service's collaborators.
type Deps struct {
	Store    Store
	Codes    *flow.Codes
	Hasher   otp.Hasher
	Sessions Sessions
	Notifier message.Notifier
	Links    Links
	Limiter  *throttle.Limiter
	Site     string
	Support  string
	Now      func() time.Time
	Rand     io.Reader
	NewID    func() (string, error)
}

const (
	// RecentPassword is how long after the session's last password check
	// a change may start without the password again.
	RecentPassword = 15 * time.Minute
	// UndoTime is how long the replaced contact's undo link works.
	UndoTime = 7 * 24 * time.Hour
	flowTTL  = 30 * time.Minute
)

// Spec is the contact change process.
var Spec = flow.Define(flow.Spec{
	Kind: "contact_change", Title: "a new phone or e-mail for a signed-in account", Initial: flow.AwaitingCode,
	Start: "new contact accepted (password recent), code sent to it (SMS 300 s / e-mail link + code)",
	Steps: []flow.Step{
		{From: flow.AwaitingCode, To: flow.Done, On: "code or link accepted: contact replaced or added, old contact told with a 7-day undo link"},
	},
	// Anyone with an account can type any number here: its codes count in
	// the same budget as registration's and recovery's.
	TTL: flowTTL, Audience: flow.Anyone,
})

// Data is what a contact change keeps while it runs.
type Data struct {
	// Field is "phone" or "email": which contact the flow sets.
	Field string `json:"field"`
}

// DataOf returns the change's data.
func DataOf(f *flow.Flow) (Data, error) { return flow.DataOf[Data](f) }

// Undo is the record behind an undo link sent to a replaced contact.
type Undo struct {
	ID        string
	AccountID string
	Channel   contact.Channel
	OldValue  string // the replaced phone (E.164) or e-mail
	TokenHash []byte
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
}

// takenNotice limits the «someone tried to use your number» messages to
// one an hour per contact, like registration's.
var takenNotice = throttle.Rule{Name: "notice.contact_taken", Max: 1, Window: time.Hour, Message: "code.hourly_limit"}

// Service runs contact changes.
type Service struct{ d Deps }

// New returns the service.
func New(d Deps) *Service { return &Service{d: d} }

// Start is what the form (or POST /api/v1/me/contacts) submits.
type Start struct {
	Account *account.Account
	// PasswordAt is when the session last proved the password.
	PasswordAt time.Time
	Phone      string // exactly one of Phone and Email, by UseEmail
	Email      string
	UseEmail   bool
	Lang       string
	Binding    []byte // browser binding hash; nil for API clients
	Client     session.Client
}

// ReauthRequired reports whether a session whose password was last proved
// at t must prove it again before a change starts.
func (s *Service) ReauthRequired(t time.Time) bool {
	return t.IsZero() || s.d.Now().Sub(t) > RecentPassword
}

// Begin validates the new contact, starts a flow and sends the code (or,
// when the contact is another account's, the notice to its owner). It
// refuses with Forbidden "reauth.required" when the password is not
// recent, and Invalid on "phone" or "email" for a malformed contact or the
// account's own ("contacts.same").
func (s *Service) Begin(ctx context.Context, in Start) (*flow.Flow, error) {
	if s.ReauthRequired(in.PasswordAt) {
		return nil, problem.New(problem.Forbidden, "reauth.required")
	}
	a := in.Account
	var (
		ch    contact.Channel
		dest  string
		field string
	)
	if in.UseEmail {
		e, err := contact.ParseEmail(in.Email)
		if err != nil {
			return nil, problem.InvalidField("email", err)
		}
		ch, dest, field = contact.ChannelEmail, string(e), "email"
		if e == a.Email {
			return nil, problem.InvalidField("email", problem.M("contacts.same"))
		}
	} else {
		p, err := contact.ParsePhone(in.Phone)
		if err != nil {
			return nil, problem.InvalidField("phone", err)
		}
		ch, dest, field = contact.ChannelSMS, string(p), "phone"
		if p == a.Phone {
			return nil, problem.InvalidField("phone", problem.M("contacts.same"))
		}
	}
	owner, err := s.owner(ctx, ch, dest)
	if err != nil {
		return nil, err
	}
	id, err := s.d.NewID()
	if err != nil {
		return nil, err
	}
	now := s.d.Now()
	f := Spec.New(id, now)
	f.Binding, f.AccountID, f.Channel, f.Destination, f.Decoy, f.Lang = in.Binding, a.ID, ch, dest, owner != nil, in.Lang
	if err := f.SetData(Data{Field: field}); err != nil {
		return nil, err
	}
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if err := s.send(ctx, f, a, owner, in.Client.IP, now); err != nil {
			return err
		}
		if err := s.d.Store.CreateFlow(ctx, f); err != nil {
			return err
		}
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "contact.change_requested", ActorKind: audit.ActorCitizen, ActorID: a.ID,
			SubjectAccountID: a.ID, IP: in.Client.IP, RequestID: in.Client.RequestID,
			Details: map[string]string{"field": field, "taken": boolText(owner != nil)}})
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// owner returns the account that already has this contact, or nil.
func (s *Service) owner(ctx context.Context, ch contact.Channel, dest string) (*account.Account, error) {
	return account.Owner(ctx, s.d.Store, ch, dest)
}

// send issues a code on the flow and queues the message: the code to the
// new contact, or, for a decoy, the notice to the contact's owner (the
// decoy's code goes nowhere). Both pass the same code limits.
func (s *Service) send(ctx context.Context, f *flow.Flow, a, owner *account.Account, ip string, now time.Time) error {
	code, token, err := s.d.Codes.Issue(ctx, f, ip, now)
	if err != nil {
		return err
	}
	n := message.Notification{Channel: f.Channel, To: f.Destination, Lang: f.Lang}
	if f.Decoy {
		if owner == nil {
			return nil // the owner has let it go since: nobody to tell
		}
		if ok, err := s.d.Limiter.Allow(ctx, takenNotice, f.Destination); !ok {
			return err
		}
		n.AccountID, n.Lang = owner.ID, owner.Lang
		n.Data = message.ContactTaken{Site: s.d.Site, SignInLink: s.d.Links.SignIn(), RecoveryLink: s.d.Links.Recovery()}
		return s.d.Notifier.Send(ctx, n)
	}
	n.AccountID = a.ID
	n.Data = message.ContactCode{Site: s.d.Site, Code: code, Name: a.Name, Minutes: int(s.d.Codes.TTL(f.Channel).Minutes()),
		Link: s.d.Links.ContactLink(f.ID, token), Until: f.CodeExpiresAt}
	return s.d.Notifier.Send(ctx, n)
}

// Flow returns a change the signed-in account may act on: it exists, is
// the account's, is bound to this browser (API flows have no binding) and
// has not expired. Anything else is NotFound "flow.not_found"; an expired
// flow is Expired "flow.expired" with the flow. A finished flow comes back
// as it is, for the page to go on.
func (s *Service) Flow(ctx context.Context, accountID, id string, binding []byte) (*flow.Flow, error) {
	f, err := s.d.Store.Flow(ctx, Spec.Kind, id)
	if err != nil {
		return nil, err
	}
	if accountID == "" || f.AccountID != accountID || !f.BoundTo(binding) {
		return nil, problem.New(problem.NotFound, "flow.not_found")
	}
	if f.State == flow.AwaitingCode && f.Expired(s.d.Now()) {
		return f, problem.New(problem.Expired, "flow.expired")
	}
	return f, nil
}

// pending returns the account's flow still waiting for its code.
func (s *Service) pending(ctx context.Context, accountID, id string, binding []byte) (*flow.Flow, error) {
	f, err := s.Flow(ctx, accountID, id, binding)
	if err != nil {
		return f, err
	}
	if f.State != flow.AwaitingCode {
		return f, problem.New(problem.Conflict, "code.used")
	}
	return f, nil
}

// Resend sends a new code once allowed.
func (s *Service) Resend(ctx context.Context, accountID, id string, binding []byte, c session.Client) (*flow.Flow, error) {
	f, err := s.pending(ctx, accountID, id, binding)
	if err != nil {
		return f, err
	}
	a, err := s.d.Store.AccountByID(ctx, accountID)
	if err != nil {
		return f, err
	}
	var owner *account.Account
	if f.Decoy {
		if owner, err = s.owner(ctx, f.Channel, f.Destination); err != nil {
			return f, err
		}
	}
	now := s.d.Now()
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if err := s.send(ctx, f, a, owner, c.IP, now); err != nil {
			return err
		}
		return s.d.Store.UpdateFlow(ctx, f)
	})
	return f, err
}

// ConfirmCode checks the typed code and makes the change. It returns the
// finished flow and the changed account.
func (s *Service) ConfirmCode(ctx context.Context, accountID, id string, binding []byte, code string, c session.Client) (*flow.Flow, *account.Account, error) {
	f, err := s.pending(ctx, accountID, id, binding)
	if err != nil {
		return f, nil, err
	}
	if err := s.d.Codes.Verify(ctx, f, code, s.d.Now()); err != nil {
		return f, nil, err
	}
	a, err := s.apply(ctx, f, c)
	return f, a, err
}

// ConfirmLink accepts the token of the e-mailed link, opened by the same
// account (signed in, in any browser: the link proves the address).
// Failures say no more than "this link does not work" (NotFound) or "it
// has expired" (Expired).
func (s *Service) ConfirmLink(ctx context.Context, accountID, id, token string, c session.Client) (*flow.Flow, *account.Account, error) {
	f, err := s.d.Store.Flow(ctx, Spec.Kind, id)
	if err != nil && problem.KindOf(err) != problem.NotFound {
		return nil, nil, err
	}
	if err != nil || accountID == "" || f.AccountID != accountID {
		return nil, nil, problem.New(problem.NotFound, "link.invalid")
	}
	if f.State == flow.Done {
		return f, nil, problem.New(problem.Conflict, "code.used")
	}
	if f.Expired(s.d.Now()) {
		return nil, nil, problem.New(problem.Expired, "link.expired")
	}
	if f.Channel != contact.ChannelEmail {
		return nil, nil, problem.New(problem.NotFound, "link.invalid")
	}
	if err := s.d.Codes.VerifyLink(ctx, f, token, s.d.Now()); err != nil {
		return nil, nil, err
	}
	a, err := s.apply(ctx, f, c)
	return f, a, err
}

// apply makes the change in one transaction: the flow finished, the
// contact set, the undo link made and sent to the replaced contact, the
// cached sessions dropped, the audit event.
func (s *Service) apply(ctx context.Context, f *flow.Flow, c session.Client) (*account.Account, error) {
	if f.Decoy {
		// Never reached: a decoy's code never matches.
		return nil, problem.New(problem.Conflict, "flow.wrong_step")
	}
	a, err := s.d.Store.AccountByID(ctx, f.AccountID)
	if err != nil {
		return nil, err
	}
	d, err := DataOf(f)
	if err != nil {
		return nil, err
	}
	now := s.d.Now()
	old := string(a.Phone)
	if f.Channel == contact.ChannelEmail {
		old = string(a.Email)
	}
	var undo *Undo
	var token string
	if old != "" {
		if undo, token, err = s.newUndo(a.ID, f.Channel, old, now); err != nil {
			return nil, err
		}
	}
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if err := f.Move(flow.Done); err != nil {
			return err
		}
		f.UpdatedAt = now
		if err := s.d.Store.UpdateFlow(ctx, f); err != nil {
			return err
		}
		if err := s.d.Store.SetContact(ctx, a.ID, f.Channel, f.Destination, now); err != nil {
			return err
		}
		if err := s.d.Sessions.AccountChanged(ctx, a.ID); err != nil {
			return err
		}
		action := "contact.added"
		if undo != nil {
			action = "contact.changed"
			if err := s.d.Store.CreateContactUndo(ctx, undo); err != nil {
				return err
			}
			if err := s.d.Notifier.Send(ctx, message.Notification{AccountID: a.ID, Channel: f.Channel, To: old, Lang: a.Lang,
				Data: message.ContactChanged{Site: s.d.Site, Name: a.Name, New: masked(f.Channel, f.Destination),
					UndoLink: s.d.Links.ContactUndoLink(undo.ID, token), Until: undo.ExpiresAt, Support: s.d.Support}}); err != nil {
				return err
			}
		}
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: action, ActorKind: audit.ActorCitizen, ActorID: a.ID,
			SubjectAccountID: a.ID, IP: c.IP, RequestID: c.RequestID, Details: map[string]string{"field": d.Field}})
	})
	if p, ok := problem.As(err); ok && p.Kind == problem.Conflict && p.Message.ID == "account.contact_taken" {
		// Another account took the contact between the code and now.
		return nil, problem.InvalidField(d.Field, problem.M("contacts.taken"))
	}
	if err != nil {
		return nil, err
	}
	if f.Channel == contact.ChannelEmail {
		a.Email = contact.Email(f.Destination)
	} else {
		a.Phone = contact.Phone(f.Destination)
	}
	return a, nil
}

func masked(ch contact.Channel, v string) string {
	if ch == contact.ChannelEmail {
		return contact.Email(v).Masked()
	}
	return contact.Phone(v).Masked()
}

func (s *Service) newUndo(accountID string, ch contact.Channel, old string, now time.Time) (*Undo, string, error) {
	id, err := s.d.NewID()
	if err != nil {
		return nil, "", err
	}
	// 128 bits, shorter than a flow's link token: the link goes by SMS.
	b := make([]byte, 16)
	if _, err := io.ReadFull(s.d.Rand, b); err != nil {
		return nil, "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	return &Undo{ID: id, AccountID: accountID, Channel: ch, OldValue: old, TokenHash: s.d.Hasher.Hash("contact_undo", id, token),
		CreatedAt: now, ExpiresAt: now.Add(UndoTime)}, token, nil
}

// UndoResult is what an undo did.
type UndoResult struct {
	// Restored is false when the old contact has gone to another account
	// since: the sessions end all the same.
	Restored      bool
	EndedSessions int
}

// CheckUndo reports whether an undo link works, without using it (the
// page that asks for the click). NotFound "undo.invalid" or Expired
// "undo.expired" otherwise.
func (s *Service) CheckUndo(ctx context.Context, id, token string) error {
	_, err := s.undo(ctx, id, token)
	return err
}

func (s *Service) undo(ctx context.Context, id, token string) (*Undo, error) {
	if id == "" || token == "" || len(token) > 100 {
		return nil, problem.New(problem.NotFound, "undo.invalid")
	}
	u, err := s.d.Store.ContactUndo(ctx, id)
	if problem.KindOf(err) == problem.NotFound {
		return nil, problem.New(problem.NotFound, "undo.invalid")
	}
	if err != nil {
		return nil, err
	}
	if !s.d.Hasher.Equal(u.TokenHash, "contact_undo", u.ID, token) || !u.UsedAt.IsZero() {
		return nil, problem.New(problem.NotFound, "undo.invalid")
	}
	if !s.d.Now().Before(u.ExpiresAt) {
		return nil, problem.New(problem.Expired, "undo.expired")
	}
	return u, nil
}

// Undo puts the replaced contact back (if no other account has it now),
// ends every session of the account and tells the restored contact to
// recover the password: whoever made the change may know it. One
// transaction; a link works once.
func (s *Service) Undo(ctx context.Context, id, token string, c session.Client) (*UndoResult, error) {
	u, err := s.undo(ctx, id, token)
	if err != nil {
		return nil, err
	}
	a, err := s.d.Store.AccountByID(ctx, u.AccountID)
	if err != nil {
		return nil, err
	}
	owner, err := s.owner(ctx, u.Channel, u.OldValue)
	if err != nil {
		return nil, err
	}
	res := &UndoResult{Restored: owner == nil || owner.ID == a.ID}
	now := s.d.Now()
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		ok, err := s.d.Store.UseContactUndo(ctx, u.ID, now)
		if err != nil {
			return err
		}
		if !ok {
			return problem.New(problem.NotFound, "undo.invalid") // used a moment ago
		}
		if res.Restored {
			if err := s.d.Store.SetContact(ctx, a.ID, u.Channel, u.OldValue, now); err != nil {
				return err
			}
		}
		if res.EndedSessions, err = s.d.Sessions.EndOthers(ctx, a.ID, "", session.EndedContactUndo); err != nil {
			return err
		}
		if err := s.d.Sessions.AccountChanged(ctx, a.ID); err != nil {
			return err
		}
		// Only a restored contact is told: otherwise it is another account's now.
		if res.Restored {
			if err := s.d.Notifier.Send(ctx, message.Notification{AccountID: a.ID, Channel: u.Channel, To: u.OldValue, Lang: a.Lang,
				Data: message.ContactUndone{Site: s.d.Site, Name: a.Name, RecoveryLink: s.d.Links.Recovery(), Support: s.d.Support}}); err != nil {
				return err
			}
		}
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "contact.change_undone", ActorKind: audit.ActorAnonymous,
			SubjectAccountID: a.ID, IP: c.IP, RequestID: c.RequestID,
			Details: map[string]string{"channel": string(u.Channel), "restored": boolText(res.Restored)}})
	})
	if p, ok := problem.As(err); ok && p.Kind == problem.Conflict && p.Message.ID == "account.contact_taken" {
		return nil, problem.New(problem.Conflict, "undo.taken")
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}
