package desk

import (
	"context"
	"crypto/subtle"
	"io"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/message"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/staff"
	"github.com/kabinet/kabinet/internal/throttle"
)

// MethodInPerson is the confirmation method of a confirmation at a
// service center.
const MethodInPerson = "in_person"

// Confirmation is how, where, by whom and when an account was confirmed.
type Confirmation struct {
	AccountID string
	Method    string // MethodInPerson today; letters and signatures later
	CenterID  string
	StaffID   string
	At        time.Time
}

// Card is what an operator sees of a citizen: the verified data (what
// they compare with the document in hand), the level, the contacts masked
// and any earlier confirmation.
type Card struct {
	AccountID    string
	Level        account.Level
	Surname      string // the account's names when nothing is verified
	Name         string
	Verified     *profile.Data // nil for a simplified account
	Phone        string        // masked, "" for none
	Email        string        // masked, "" for none
	Confirmation *Confirmation // nil when never confirmed
}

// Store is what desk needs from storage. Calls made with the context
// Transact passes commit together.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	AccountByID(ctx context.Context, id string) (*account.Account, error)
	AccountBySNILS(ctx context.Context, s document.SNILS) (*account.Account, error)
	AccountByPhone(ctx context.Context, p contact.Phone) (*account.Account, error)
	// AccountByPassport finds the account whose verified data holds the
	// passport's series and number (NotFound when none does).
	AccountByPassport(ctx context.Context, series, number string) (*account.Account, error)
	// PersonalData returns the account's verified data (profile's storage).
	PersonalData(ctx context.Context, accountID string) (*profile.Record, error)
	// Confirmation returns the account's confirmation: NotFound when it
	// has none.
	Confirmation(ctx context.Context, accountID string) (*Confirmation, error)
	// SaveConfirmation records c as the account's confirmation.
	SaveConfirmation(ctx context.Context, c *Confirmation) error
	// CreateAccount inserts a new account (Conflict when its phone is
	// another's).
	CreateAccount(ctx context.Context, a *account.Account) error
	// SetContact replaces the account's phone or e-mail (Conflict when
	// another account has it).
	SetContact(ctx context.Context, accountID string, ch contact.Channel, value string, at time.Time) error
	// RaiseLevel sets the account's level to level when it is lower;
	// false when it was not.
	RaiseLevel(ctx context.Context, accountID string, level account.Level, at time.Time) (bool, error)
	AppendAudit(ctx context.Context, e *audit.Event) error
}

// Grants loads the role table (staff.Service).
type Grants interface {
	Grants(ctx context.Context) (staff.Grants, error)
}

// Sessions makes signed-in requests see the account's new level at once,
// and ends an account's sessions (keepID "": all of them).
type Sessions interface {
	AccountChanged(ctx context.Context, accountID string) error
	EndOthers(ctx context.Context, accountID, keepID, reason string) (int, error)
}

// Hasher hashes a password (password.Hasher).
type Hasher interface {
	Hash(ctx context.Context, pw string) (string, error)
}

// Locks are the sign-in locks an in-person restore releases
// (lockout.Service).
type Locks interface {
	Release(ctx context.Context, logins ...string) error
}

// Limiter counts searches and attempts (throttle.Limiter).
type Limiter interface {
	Take(ctx context.Context, r throttle.Rule, subject string) error
}

// Links builds absolute URLs for messages.
type Links interface {
	Account() string
	Recovery() string // where a citizen sets a (new) password
}

// CenterNames names a service center for the citizen's messages (the
// directory); false when it does not know the center.
type CenterNames interface {
	CenterName(ctx context.Context, id string) (string, bool)
}

// OtherMethods are the remote ways of confirming (letter.Service): a
// confirmation in person voids a letter in play, in the same transaction.
type OtherMethods interface {
	ConfirmedElsewhere(ctx context.Context, accountID string, at time.Time) error
}

// Deps are the service's collaborators.
type Deps struct {
	Store    Store
	Grants   Grants
	Sessions Sessions
	Limiter  Limiter
	Notifier message.Notifier
	Links    Links
	Hasher   Hasher
	Locks    Locks
	// Centers may be nil: messages then name a center by its ID.
	Centers CenterNames
	// Others may be nil (no remote methods wired).
	Others OtherMethods
	Site   string
	Now    func() time.Time
	Rand   io.Reader
	NewID  func() (string, error)
}

// Service is the operator's desk.
type Service struct{ d Deps }

// New returns the service.
func New(d Deps) *Service { return &Service{d: d} }

// SearchLimit bounds one operator's searches: enough for a queue of
// visitors, too few to browse the citizens.
var SearchLimit = throttle.Rule{Name: "desk.search", Max: 60, Window: time.Hour, Message: "desk.search_rate_limited"}

// ConfirmLimit bounds the confirmation attempts for one citizen a day, at
// every center together: a wrong passport is a mistake once, a guess
// many times.
var ConfirmLimit = throttle.Rule{Name: "desk.confirm", Max: 5, Window: 24 * time.Hour, Message: "desk.confirm_rate_limited"}

// authorize checks perm for the actor and returns the role table for the
// audit record.
func (s *Service) authorize(ctx context.Context, a staff.Actor, perm string) (staff.Grants, error) {
	g, err := s.d.Grants.Grants(ctx)
	if err != nil {
		return nil, err
	}
	return g, g.Authorize(a, perm, "")
}

// Find finds the citizen q names and opens their card: one audit record
// staff.citizen_viewed with the reason, in the transaction of the read.
// NotFound "desk.not_found" when no account matches (a simplified account
// has no SNILS or passport to be found by); TooMany past SearchLimit;
// Forbidden without citizens.find at the actor's center.
func (s *Service) Find(ctx context.Context, a staff.Actor, q Query) (*Card, error) {
	g, err := s.authorize(ctx, a, staff.PermCitizensFind)
	if err != nil {
		return nil, err
	}
	if err := s.d.Limiter.Take(ctx, SearchLimit, a.Member.ID); err != nil {
		return nil, err
	}
	var card *Card
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		acc, err := s.lookup(ctx, q)
		if err != nil {
			return err
		}
		if card, err = s.card(ctx, acc); err != nil {
			return err
		}
		e := a.Event(g, staff.PermCitizensFind, "staff.citizen_viewed", acc.ID, s.d.Now())
		e.Reason = string(q.Reason)
		e.Details = map[string]string{"by": string(q.By)}
		return s.d.Store.AppendAudit(ctx, &e)
	})
	if err != nil {
		return nil, err
	}
	return card, nil
}

func (s *Service) lookup(ctx context.Context, q Query) (*account.Account, error) {
	var (
		acc *account.Account
		err error
	)
	switch q.By {
	case BySNILS:
		acc, err = s.d.Store.AccountBySNILS(ctx, q.SNILS)
	case ByPhone:
		acc, err = s.d.Store.AccountByPhone(ctx, q.Phone)
	case ByPassport:
		acc, err = s.d.Store.AccountByPassport(ctx, q.Series, q.Number)
	default:
		return nil, problem.InvalidField("by", problem.M("desk.by.invalid"))
	}
	if problem.KindOf(err) == problem.NotFound || (err == nil && acc.Status != account.Active) {
		return nil, problem.New(problem.NotFound, "desk.not_found")
	}
	return acc, err
}

// card reads what the operator sees of acc.
func (s *Service) card(ctx context.Context, acc *account.Account) (*Card, error) {
	c := &Card{AccountID: acc.ID, Level: acc.Level, Surname: acc.Surname, Name: acc.Name}
	if acc.Phone != "" {
		c.Phone = acc.Phone.Masked()
	}
	if acc.Email != "" {
		c.Email = acc.Email.Masked()
	}
	rec, err := s.d.Store.PersonalData(ctx, acc.ID)
	if err != nil {
		return nil, err
	}
	c.Verified = rec.Verified
	conf, err := s.d.Store.Confirmation(ctx, acc.ID)
	switch {
	case err == nil:
		c.Confirmation = conf
	case problem.KindOf(err) != problem.NotFound:
		return nil, err
	}
	return c, nil
}

// ConfirmInput is the passport in the citizen's hands, as typed.
type ConfirmInput struct {
	AccountID      string
	Series, Number string
}

// Confirm confirms the identity of the account's holder in person: the
// series and number typed from the presented passport must be the verified
// passport's (compared in constant time, after the attempt is counted
// against ConfirmLimit). Only a standard account can be confirmed
// (Conflict "desk.not_verified" for a simplified one, "desk.already_
// confirmed" for a confirmed one). A match raises the level, records the
// confirmation, tells the session cache and the citizen, and is audited
// staff.identity_confirmed; a mismatch is audited staff.identity_mismatch
// and returned as Invalid on "series" and "number". The caller checks the
// fresh code (re-authentication) first.
func (s *Service) Confirm(ctx context.Context, a staff.Actor, in ConfirmInput) (*Card, error) {
	g, err := s.authorize(ctx, a, staff.PermIdentityConfirm)
	if err != nil {
		return nil, err
	}
	var f problem.Fields
	series, number := passportFields(&f, in.Series, in.Number)
	if err := f.Err(); err != nil {
		return nil, err
	}
	if err := s.d.Limiter.Take(ctx, ConfirmLimit, in.AccountID); err != nil {
		return nil, err
	}
	var (
		card     *Card
		mismatch bool
	)
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		mismatch = false
		acc, c, err := s.activeCard(ctx, in.AccountID)
		if err != nil {
			return err
		}
		card = c
		switch {
		case acc.Level == account.Confirmed:
			return problem.New(problem.Conflict, "desk.already_confirmed")
		case acc.Level != account.Standard || card.Verified == nil:
			return problem.New(problem.Conflict, "desk.not_verified")
		}
		now := s.d.Now()
		if !samePassport(card.Verified.Passport, series, number) {
			mismatch = true
			e := a.Event(g, staff.PermIdentityConfirm, "staff.identity_mismatch", acc.ID, now)
			return s.d.Store.AppendAudit(ctx, &e)
		}
		raised, err := s.d.Store.RaiseLevel(ctx, acc.ID, account.Confirmed, now)
		if err != nil {
			return err
		}
		if !raised { // confirmed meanwhile
			return problem.New(problem.Conflict, "desk.already_confirmed")
		}
		conf := &Confirmation{AccountID: acc.ID, Method: MethodInPerson, CenterID: a.CenterID, StaffID: a.Member.ID, At: now}
		if err := s.d.Store.SaveConfirmation(ctx, conf); err != nil {
			return err
		}
		card.Level, card.Confirmation = account.Confirmed, conf
		if s.d.Others != nil {
			if err := s.d.Others.ConfirmedElsewhere(ctx, acc.ID, now); err != nil {
				return err
			}
		}
		if err := s.d.Sessions.AccountChanged(ctx, acc.ID); err != nil {
			return err
		}
		if err := s.tell(ctx, acc, message.IdentityConfirmed{Site: s.d.Site, Name: acc.Name, Center: s.centerName(ctx, a.CenterID), Link: s.d.Links.Account()}); err != nil {
			return err
		}
		e := a.Event(g, staff.PermIdentityConfirm, "staff.identity_confirmed", acc.ID, now)
		e.Details = map[string]string{"method": MethodInPerson}
		return s.d.Store.AppendAudit(ctx, &e)
	})
	if err != nil {
		return nil, err
	}
	if mismatch {
		return card, passportMismatch()
	}
	return card, nil
}

// samePassport compares the typed series and number with the verified
// ones in constant time (both always compared).
func samePassport(p document.Passport, series, number string) bool {
	a := subtle.ConstantTimeCompare([]byte(p.Series), []byte(series))
	b := subtle.ConstantTimeCompare([]byte(p.Number), []byte(number))
	return a&b == 1
}

// ConfirmationOf returns the account's confirmation, for the citizen's own
// pages: NotFound when it has none.
func (s *Service) ConfirmationOf(ctx context.Context, accountID string) (*Confirmation, error) {
	return s.d.Store.Confirmation(ctx, accountID)
}

func (s *Service) tell(ctx context.Context, a *account.Account, d message.Data) error {
	ch, to := a.CodeChannel()
	if to == "" {
		return nil
	}
	return s.d.Notifier.Send(ctx, message.Notification{AccountID: a.ID, Channel: ch, To: to, Lang: a.Lang, Data: d})
}

// centerName is the center's name for a message, its ID when unknown.
func (s *Service) centerName(ctx context.Context, id string) string {
	if s.d.Centers != nil {
		if name, ok := s.d.Centers.CenterName(ctx, id); ok && name != "" {
			return name
		}
	}
	return id
}

// passportFields parses the passport's series and number as typed, each
// problem on its field.
func passportFields(f *problem.Fields, series, number string) (string, string) {
	s, err1 := document.ParsePassportSeries(series)
	n, err2 := document.ParsePassportNumber(number)
	f.Add("series", err1)
	f.Add("number", err2)
	return s, n
}

// activeCard reads an active account and its card; any other account is
// NotFound "desk.not_found".
func (s *Service) activeCard(ctx context.Context, accountID string) (*account.Account, *Card, error) {
	acc, err := s.d.Store.AccountByID(ctx, accountID)
	if problem.KindOf(err) == problem.NotFound || (err == nil && acc.Status != account.Active) {
		return nil, nil, problem.New(problem.NotFound, "desk.not_found")
	}
	if err != nil {
		return nil, nil, err
	}
	card, err := s.card(ctx, acc)
	if err != nil {
		return nil, nil, err
	}
	return acc, card, nil
}

// passportMismatch is the answer to a passport that is not the verified one.
func passportMismatch() error {
	var f problem.Fields
	f.Add("series", problem.M("desk.passport.mismatch"))
	f.Add("number", problem.M("desk.passport.mismatch"))
	return f.Err()
}
