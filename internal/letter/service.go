package letter

import (
	"context"
	"io"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/address"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/message"
	"github.com/kabinet/kabinet/internal/otp"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/staff"
	"github.com/kabinet/kabinet/internal/throttle"
)

// MethodLetter names a confirmation by letter (desk.Confirmation's Method).
const MethodLetter = "letter"

// Store is what letter needs from storage. Calls made with the context
// Transact passes commit together.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	AccountByID(ctx context.Context, id string) (*account.Account, error)
	// VerifiedIdentity returns the account's verified name and birth data;
	// false when nothing is verified.
	VerifiedIdentity(ctx context.Context, accountID string) (person.Identity, bool, error)
	// CurrentLetter returns the account's latest letter that is not
	// Replaced; NotFound when there is none.
	CurrentLetter(ctx context.Context, accountID string) (*Letter, error)
	// OrderTimes returns when the account's letters ordered at or after
	// since were ordered, earliest first.
	OrderTimes(ctx context.Context, accountID string, since time.Time) ([]time.Time, error)
	CreateLetter(ctx context.Context, l *Letter) error
	// UpdateLetter writes l's status, batch, code hash, count of wrong
	// codes and times.
	UpdateLetter(ctx context.Context, l *Letter) error
	// Letter returns a letter by ID (NotFound when none).
	Letter(ctx context.Context, id string) (*Letter, error)
	// OrderedLetters returns up to max letters waiting to be printed,
	// oldest first; PendingCount how many wait in all.
	OrderedLetters(ctx context.Context, max int) ([]*Letter, error)
	PendingCount(ctx context.Context) (int, error)
	CreateBatch(ctx context.Context, b *Batch) error
	UpdateBatch(ctx context.Context, b *Batch) error
	Batch(ctx context.Context, id string) (*Batch, error)
	// Batches returns the latest batches, newest first.
	Batches(ctx context.Context, limit int) ([]*Batch, error)
	// BatchLetters returns a batch's letters in the order printed.
	BatchLetters(ctx context.Context, batchID string) ([]*Letter, error)
	// RaiseLevel sets the account's level to level when it is lower;
	// false when it was not.
	RaiseLevel(ctx context.Context, accountID string, level account.Level, at time.Time) (bool, error)
	// RecordConfirmation records how and when the account was confirmed.
	RecordConfirmation(ctx context.Context, accountID, method string, at time.Time) error
	AppendAudit(ctx context.Context, e *audit.Event) error
}

// Grants loads the role table (staff.Service).
type Grants interface {
	Grants(ctx context.Context) (staff.Grants, error)
}

// Sessions makes signed-in requests see the account's new level at once.
type Sessions interface {
	AccountChanged(ctx context.Context, accountID string) error
}

// Limiter counts code entries (throttle.Limiter).
type Limiter interface {
	Take(ctx context.Context, r throttle.Rule, subject string) error
}

// Links builds absolute URLs for letters and messages.
type Links interface {
	Account() string
	// LetterCode is the page where a code is typed; with the code, the
	// link of the letter's QR code.
	LetterCode(code string) string
}

// Deps are the service's collaborators.
type Deps struct {
	Store    Store
	Grants   Grants
	Sessions Sessions
	Limiter  Limiter
	Notifier message.Notifier
	Links    Links
	Hasher   otp.Hasher
	Regions  address.Regions
	Site     string
	// Validity is how long a printed code works (0: DefaultValidity).
	Validity time.Duration
	Now      func() time.Time
	Rand     io.Reader
	NewID    func() (string, error)
}

// DefaultValidity is how long a code works from printing: the 2–3 weeks
// of delivery, a letter waiting at the post office for a month, and slack.
const DefaultValidity = 60 * 24 * time.Hour

// MaxWrong is how many wrong codes lock a letter.
const MaxWrong = 5

// MaxBatch is the most letters one batch prints.
const MaxBatch = 500

// CodeLimit bounds code entries per account a day, whatever the letter:
// with MaxWrong per code and one order a day, guessing stays hopeless.
var CodeLimit = throttle.Rule{Name: "letter.code", Max: 10, Window: 24 * time.Hour, Message: "letter.code_rate_limited"}

// OrderRule is a limit on orders: at most Max orders in any Window.
type OrderRule struct {
	Max    int
	Window time.Duration
}

// OrderRules limit orders: one a day, four in 30 days (a lost letter can
// be ordered again, a letter a day cannot be had).
var OrderRules = []OrderRule{{1, 24 * time.Hour}, {4, 30 * 24 * time.Hour}}

// Service runs the letters.
type Service struct{ d Deps }

// New returns the service.
func New(d Deps) *Service {
	if d.Validity <= 0 {
		d.Validity = DefaultValidity
	}
	return &Service{d: d}
}

// View is what a citizen sees of their letter.
type View struct {
	Letter *Letter // nil when none is in play or just used
	// NextOrder is the earliest a new order is accepted (zero: now).
	NextOrder time.Time
}

// Current returns the citizen's letter and when they may order another.
func (s *Service) Current(ctx context.Context, accountID string) (*View, error) {
	v := &View{}
	l, err := s.d.Store.CurrentLetter(ctx, accountID)
	switch {
	case problem.KindOf(err) == problem.NotFound:
	case err != nil:
		return nil, err
	default:
		v.Letter = l
	}
	next, err := s.nextOrder(ctx, accountID, s.d.Now())
	if err != nil {
		return nil, err
	}
	v.NextOrder = next
	return v, nil
}

// nextOrder is the earliest time OrderRules allow another order: one
// read of the orders in the longest window serves every rule.
func (s *Service) nextOrder(ctx context.Context, accountID string, now time.Time) (time.Time, error) {
	var longest time.Duration
	for _, r := range OrderRules {
		longest = max(longest, r.Window)
	}
	times, err := s.d.Store.OrderTimes(ctx, accountID, now.Add(-longest))
	if err != nil {
		return time.Time{}, err
	}
	var next time.Time
	for _, r := range OrderRules {
		since := now.Add(-r.Window)
		in := times[sort.Search(len(times), func(i int) bool { return !times[i].Before(since) }):] // the orders within this window
		if len(in) < r.Max {
			continue
		}
		// The window admits another once the order Max places from the
		// newest has left it.
		if t := in[len(in)-r.Max].Add(r.Window); t.After(next) {
			next = t
		}
	}
	return next, nil
}

// Order orders a letter to addr (normalized, a postcode required; errors
// on its fields are named "address.…"). Only a standard account may (Conflict
// "letter.not_verified" for a simplified one, "letter.already_confirmed"
// for a confirmed one); OrderRules apply (TooMany "letter.order_rate_
// limited" with Until). The letter in play, if any, is replaced: its code
// stops working. Audited letter.ordered (letter.replaced for the old one).
func (s *Service) Order(ctx context.Context, accountID string, addr address.Address, c session.Client) (*Letter, error) {
	addr, err := address.Normalize("address", addr, s.d.Regions)
	if err == nil && addr.Postcode == "" {
		// The post sorts by it; an address form may leave it out, a letter not.
		err = problem.InvalidField("address.postcode", problem.M("letter.postcode_required"))
	}
	if err != nil {
		return nil, err
	}
	id, err := s.d.NewID()
	if err != nil {
		return nil, err
	}
	var out *Letter
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		a, err := s.d.Store.AccountByID(ctx, accountID)
		if err != nil {
			return err
		}
		if err := eligible(a); err != nil {
			return err
		}
		who, ok, err := s.d.Store.VerifiedIdentity(ctx, accountID)
		if err != nil {
			return err
		}
		if !ok {
			return problem.New(problem.Conflict, "letter.not_verified")
		}
		now := s.d.Now()
		if next, err := s.nextOrder(ctx, accountID, now); err != nil {
			return err
		} else if next.After(now) {
			return problem.TooManyUntil("letter.order_rate_limited", now, next)
		}
		if _, err := s.replaceCurrent(ctx, accountID, "reordered", now, audit.ActorCitizen, c); err != nil {
			return err
		}
		out = &Letter{ID: id, AccountID: accountID, Recipient: fullName(who), Address: addr, Status: Ordered, OrderedAt: now}
		if err := s.d.Store.CreateLetter(ctx, out); err != nil {
			return err
		}
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "letter.ordered", ActorKind: audit.ActorCitizen, ActorID: accountID,
			SubjectAccountID: accountID, IP: c.IP, RequestID: c.RequestID, Details: map[string]string{"letter": id, "region": addr.Region}})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Cancel voids the citizen's letter in play (they chose another method,
// or no longer want it): NotFound "letter.none" when there is none.
// Audited letter.replaced with reason "cancelled".
func (s *Service) Cancel(ctx context.Context, accountID string, c session.Client) error {
	return s.d.Store.Transact(ctx, func(ctx context.Context) error {
		voided, err := s.replaceCurrent(ctx, accountID, "cancelled", s.d.Now(), audit.ActorCitizen, c)
		if err == nil && !voided {
			err = problem.New(problem.NotFound, "letter.none")
		}
		return err
	})
}

// ConfirmedElsewhere voids the letter in play of an account confirmed by
// another method (in person, by signature), in that method's
// transaction. Audited letter.replaced with reason "confirmed".
func (s *Service) ConfirmedElsewhere(ctx context.Context, accountID string, at time.Time) error {
	_, err := s.replaceCurrent(ctx, accountID, "confirmed", at, audit.ActorSystem, session.Client{})
	return err
}

// replaceCurrent voids the account's letter in play, if any, reporting
// whether there was one; actor is who voids it (the citizen, or the
// system for them).
func (s *Service) replaceCurrent(ctx context.Context, accountID, reason string, now time.Time, actor string, c session.Client) (bool, error) {
	l, err := s.d.Store.CurrentLetter(ctx, accountID)
	if problem.KindOf(err) == problem.NotFound {
		return false, nil
	}
	if err != nil || !l.Status.InPlay() {
		return false, err
	}
	l.Status, l.ClosedAt = Replaced, now
	if err := s.d.Store.UpdateLetter(ctx, l); err != nil {
		return false, err
	}
	e := &audit.Event{At: now, Action: "letter.replaced", ActorKind: actor, SubjectAccountID: accountID,
		IP: c.IP, RequestID: c.RequestID, Reason: reason, Details: map[string]string{"letter": l.ID}}
	if actor == audit.ActorCitizen {
		e.ActorID = accountID
	}
	return true, s.d.Store.AppendAudit(ctx, e)
}

// eligible says whether the account may confirm by letter.
func eligible(a *account.Account) error {
	switch {
	case a.Level == account.Confirmed:
		return problem.New(problem.Conflict, "letter.already_confirmed")
	case a.Level != account.Standard:
		return problem.New(problem.Conflict, "letter.not_verified")
	}
	return nil
}

// EnterCode confirms the account with the code of its letter. Errors:
// Invalid on "code" ("letter.code_format" when it cannot be a code,
// "letter.code_wrong" with Left when it is not the letter's);
// Conflict "letter.not_printed" (nothing sent yet), "letter.expired",
// "letter.locked" (MaxWrong reached: order again), "letter.none",
// "letter.already_confirmed"; TooMany for CodeLimit. A right code raises
// the level, records the confirmation, tells the session cache and the
// citizen; audited letter.confirmed, or letter.code_wrong.
func (s *Service) EnterCode(ctx context.Context, accountID, typed string, c session.Client) error {
	code, ok := NormalizeCode(typed)
	if !ok {
		return problem.InvalidField("code", problem.M("letter.code_format", "Len", CodeLen))
	}
	if err := s.d.Limiter.Take(ctx, CodeLimit, accountID); err != nil {
		return err
	}
	var wrong *problem.Error
	err := s.d.Store.Transact(ctx, func(ctx context.Context) error {
		wrong = nil
		a, err := s.d.Store.AccountByID(ctx, accountID)
		if err != nil {
			return err
		}
		if a.Level == account.Confirmed {
			return problem.New(problem.Conflict, "letter.already_confirmed")
		}
		l, err := s.d.Store.CurrentLetter(ctx, accountID)
		if problem.KindOf(err) == problem.NotFound {
			return problem.New(problem.Conflict, "letter.none")
		}
		if err != nil {
			return err
		}
		now := s.d.Now()
		switch {
		case l.Status == Locked:
			return problem.New(problem.Conflict, "letter.locked")
		case l.Status == Ordered:
			return problem.New(problem.Conflict, "letter.not_printed")
		case !l.Status.InPlay():
			return problem.New(problem.Conflict, "letter.none")
		case l.Expired(now):
			return problem.New(problem.Conflict, "letter.expired")
		}
		if !s.d.Hasher.Equal(l.CodeHash, CodePurpose, l.ID, code) {
			l.Wrong++
			if l.Wrong >= MaxWrong {
				l.Status, l.ClosedAt = Locked, now
			}
			if err := s.d.Store.UpdateLetter(ctx, l); err != nil {
				return err
			}
			wrong = problem.InvalidField("code", problem.M("letter.code_wrong", "Left", MaxWrong-l.Wrong))
			return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "letter.code_wrong", ActorKind: audit.ActorCitizen, ActorID: accountID,
				SubjectAccountID: accountID, IP: c.IP, RequestID: c.RequestID, Details: map[string]string{"letter": l.ID, "locked": boolText(l.Status == Locked)}})
		}
		raised, err := s.d.Store.RaiseLevel(ctx, accountID, account.Confirmed, now)
		if err != nil {
			return err
		}
		if !raised {
			return problem.New(problem.Conflict, "letter.already_confirmed")
		}
		l.Status, l.UsedAt = Used, now
		if err := s.d.Store.UpdateLetter(ctx, l); err != nil {
			return err
		}
		if err := s.d.Store.RecordConfirmation(ctx, accountID, MethodLetter, now); err != nil {
			return err
		}
		if err := s.d.Sessions.AccountChanged(ctx, accountID); err != nil {
			return err
		}
		if err := s.tell(ctx, a, message.ConfirmedByLetter{Site: s.d.Site, Name: a.Name, Link: s.d.Links.Account()}); err != nil {
			return err
		}
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "letter.confirmed", ActorKind: audit.ActorCitizen, ActorID: accountID,
			SubjectAccountID: accountID, IP: c.IP, RequestID: c.RequestID, Details: map[string]string{"letter": l.ID, "method": MethodLetter}})
	})
	if err != nil {
		return err
	}
	if wrong != nil {
		return wrong
	}
	return nil
}

// Sheet is a letter as a batch prints it: the letter and its code, which
// exists nowhere else.
type Sheet struct {
	Letter *Letter
	Code   string
	Link   string // the QR code's link, code included
}

// Pending returns how many letters wait to be printed.
func (s *Service) Pending(ctx context.Context, a staff.Actor) (int, error) {
	if _, err := s.authorize(ctx, a, staff.PermLettersPrint); err != nil {
		return 0, err
	}
	return s.d.Store.PendingCount(ctx)
}

// Print takes up to max letters waiting (oldest first; 1 ≤ max ≤
// MaxBatch), makes each its code and puts them in a new batch: the caller
// renders the returned letters at once, as their codes are not kept.
// NotFound "letter.nothing_to_print" when none waits. Each letter is
// audited letter.printed against its citizen (the operator sees their
// name and address), and the batch letters.batch_printed.
func (s *Service) Print(ctx context.Context, a staff.Actor, max int) (*Batch, []Sheet, error) {
	g, err := s.authorize(ctx, a, staff.PermLettersPrint)
	if err != nil {
		return nil, nil, err
	}
	if max < 1 || max > MaxBatch {
		return nil, nil, problem.InvalidField("max", problem.M("letter.batch_size", "Max", MaxBatch))
	}
	id, err := s.d.NewID()
	if err != nil {
		return nil, nil, err
	}
	var (
		b   *Batch
		out []Sheet
	)
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		out = nil
		ls, err := s.d.Store.OrderedLetters(ctx, max)
		if err != nil {
			return err
		}
		if len(ls) == 0 {
			return problem.New(problem.NotFound, "letter.nothing_to_print")
		}
		now := s.d.Now()
		b = &Batch{ID: id, StaffID: a.Member.ID, CenterID: a.CenterID, Letters: len(ls), PrintedAt: now}
		if err := s.d.Store.CreateBatch(ctx, b); err != nil {
			return err
		}
		if out, err = s.printSheets(ctx, a, g, ls, b.ID, now, ""); err != nil {
			return err
		}
		e := a.Event(g, staff.PermLettersPrint, "letters.batch_printed", "", now)
		e.Details = map[string]string{"batch": b.ID, "letters": strconv.Itoa(len(ls))}
		return s.d.Store.AppendAudit(ctx, &e)
	})
	if err != nil {
		return nil, nil, err
	}
	return b, out, nil
}

// Reprint prints a batch not yet handed to the post again (its PDF was
// lost or spoiled): every letter of it still Printed gets a new code, and
// the old ones stop working. Conflict "letter.batch_sent" once sent.
// Audited like Print, with reason "reprint".
func (s *Service) Reprint(ctx context.Context, a staff.Actor, batchID string) (*Batch, []Sheet, error) {
	g, err := s.authorize(ctx, a, staff.PermLettersPrint)
	if err != nil {
		return nil, nil, err
	}
	var (
		b   *Batch
		out []Sheet
	)
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		out = nil
		b, err = s.d.Store.Batch(ctx, batchID)
		if err != nil {
			return err
		}
		if !b.SentAt.IsZero() {
			return problem.New(problem.Conflict, "letter.batch_sent")
		}
		ls, err := s.d.Store.BatchLetters(ctx, batchID)
		if err != nil {
			return err
		}
		ls = slices.DeleteFunc(ls, func(l *Letter) bool { return l.Status != Printed })
		if len(ls) == 0 {
			return problem.New(problem.NotFound, "letter.nothing_to_print")
		}
		out, err = s.printSheets(ctx, a, g, ls, b.ID, s.d.Now(), "reprint")
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return b, out, nil
}

// printSheets makes each letter's code, marks it printed in the batch and
// audits letter.printed against its citizen (with reason, "" for none).
func (s *Service) printSheets(ctx context.Context, a staff.Actor, g staff.Grants, ls []*Letter, batchID string, now time.Time, reason string) ([]Sheet, error) {
	out := make([]Sheet, 0, len(ls))
	for _, l := range ls {
		code, err := NewCode(s.d.Rand)
		if err != nil {
			return nil, err
		}
		l.Status, l.BatchID, l.PrintedAt, l.ExpiresAt, l.Wrong = Printed, batchID, now, now.Add(s.d.Validity), 0
		l.CodeHash = s.d.Hasher.Hash(CodePurpose, l.ID, code)
		if err := s.d.Store.UpdateLetter(ctx, l); err != nil {
			return nil, err
		}
		out = append(out, Sheet{Letter: l, Code: FormatCode(code), Link: s.d.Links.LetterCode(FormatCode(code))})
		e := a.Event(g, staff.PermLettersPrint, "letter.printed", l.AccountID, now)
		e.Reason, e.Details = reason, map[string]string{"letter": l.ID, "batch": batchID}
		if err := s.d.Store.AppendAudit(ctx, &e); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// MarkSent records that a batch was handed to the post: its printed
// letters become Sent. Conflict "letter.batch_sent" when it already was.
// Audited letters.batch_sent.
func (s *Service) MarkSent(ctx context.Context, a staff.Actor, batchID string) (*Batch, error) {
	g, err := s.authorize(ctx, a, staff.PermLettersDispatch)
	if err != nil {
		return nil, err
	}
	var b *Batch
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		b, err = s.d.Store.Batch(ctx, batchID)
		if err != nil {
			return err
		}
		if !b.SentAt.IsZero() {
			return problem.New(problem.Conflict, "letter.batch_sent")
		}
		now := s.d.Now()
		ls, err := s.d.Store.BatchLetters(ctx, batchID)
		if err != nil {
			return err
		}
		n := 0
		for _, l := range ls {
			if l.Status != Printed {
				continue
			}
			l.Status, l.SentAt = Sent, now
			if err := s.d.Store.UpdateLetter(ctx, l); err != nil {
				return err
			}
			n++
		}
		b.SentAt = now
		if err := s.d.Store.UpdateBatch(ctx, b); err != nil {
			return err
		}
		e := a.Event(g, staff.PermLettersDispatch, "letters.batch_sent", "", now)
		e.Details = map[string]string{"batch": b.ID, "letters": strconv.Itoa(n)}
		return s.d.Store.AppendAudit(ctx, &e)
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// MarkReturned records that the post returned a sent letter undelivered:
// the citizen is told, so that they order again or choose another method;
// the code keeps working (they may have read it at the post office).
// Conflict "letter.not_sent" for a letter not sent. Audited
// letter.returned.
func (s *Service) MarkReturned(ctx context.Context, a staff.Actor, letterID string) (*Letter, error) {
	g, err := s.authorize(ctx, a, staff.PermLettersDispatch)
	if err != nil {
		return nil, err
	}
	var l *Letter
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		l, err = s.d.Store.Letter(ctx, letterID)
		if err != nil {
			return err
		}
		if l.Status != Sent {
			return problem.New(problem.Conflict, "letter.not_sent")
		}
		now := s.d.Now()
		l.Status, l.ReturnedAt = Returned, now
		if err := s.d.Store.UpdateLetter(ctx, l); err != nil {
			return err
		}
		acc, err := s.d.Store.AccountByID(ctx, l.AccountID)
		if err != nil {
			return err
		}
		if err := s.tell(ctx, acc, message.LetterReturned{Site: s.d.Site, Name: acc.Name, Link: s.d.Links.Account()}); err != nil {
			return err
		}
		e := a.Event(g, staff.PermLettersDispatch, "letter.returned", l.AccountID, now)
		e.Details = map[string]string{"letter": l.ID, "batch": l.BatchID}
		return s.d.Store.AppendAudit(ctx, &e)
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// Batches returns the latest batches for the post operator's console.
func (s *Service) Batches(ctx context.Context, a staff.Actor, limit int) ([]*Batch, error) {
	if _, err := s.authorize(ctx, a, staff.PermLettersPrint); err != nil {
		return nil, err
	}
	return s.d.Store.Batches(ctx, max(1, min(limit, 100)))
}

// BatchLetters returns a batch's letters for the export to the post and
// the console's list: names and addresses, so the look is audited
// letter.viewed against each letter's citizen, and letters.batch_viewed.
func (s *Service) BatchLetters(ctx context.Context, a staff.Actor, batchID string) (*Batch, []*Letter, error) {
	g, err := s.authorize(ctx, a, staff.PermLettersDispatch)
	if err != nil {
		return nil, nil, err
	}
	var (
		b  *Batch
		ls []*Letter
	)
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		b, err = s.d.Store.Batch(ctx, batchID)
		if err != nil {
			return err
		}
		if ls, err = s.d.Store.BatchLetters(ctx, batchID); err != nil {
			return err
		}
		now := s.d.Now()
		// Each citizen's «Кто смотрел мои данные» shows the look at their
		// name and address; the batch's record says what was opened.
		for _, l := range ls {
			e := a.Event(g, staff.PermLettersDispatch, "letter.viewed", l.AccountID, now)
			e.Details = map[string]string{"letter": l.ID, "batch": b.ID}
			if err := s.d.Store.AppendAudit(ctx, &e); err != nil {
				return err
			}
		}
		e := a.Event(g, staff.PermLettersDispatch, "letters.batch_viewed", "", now)
		e.Details = map[string]string{"batch": b.ID, "letters": strconv.Itoa(len(ls))}
		return s.d.Store.AppendAudit(ctx, &e)
	})
	if err != nil {
		return nil, nil, err
	}
	return b, ls, nil
}

// tell sends d to the account's contact for codes, if it has one.
func (s *Service) tell(ctx context.Context, a *account.Account, d message.Data) error {
	ch, to := a.CodeChannel()
	if to == "" {
		return nil
	}
	return s.d.Notifier.Send(ctx, message.Notification{AccountID: a.ID, Channel: ch, To: to, Lang: a.Lang, Data: d})
}

func (s *Service) authorize(ctx context.Context, a staff.Actor, perm string) (staff.Grants, error) {
	g, err := s.d.Grants.Grants(ctx)
	if err != nil {
		return nil, err
	}
	if err := g.Authorize(a, perm, ""); err != nil {
		return nil, err
	}
	return g, nil
}

// NewCode returns a uniformly random code of CodeLen characters of
// CodeAlphabet.
func NewCode(r io.Reader) (string, error) {
	const n = len(CodeAlphabet)
	const ceiling = 256 / n * n // rejection sampling: 256 is not a multiple of n
	out := make([]byte, 0, CodeLen)
	var b [16]byte
	for len(out) < CodeLen {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", err
		}
		for _, x := range b {
			if int(x) < ceiling && len(out) < CodeLen {
				out = append(out, CodeAlphabet[int(x)%n])
			}
		}
	}
	return string(out), nil
}

// fullName is the addressee's name in full: surname, name, patronymic.
func fullName(id person.Identity) string {
	name := id.Surname + " " + id.Name
	if id.Patronymic != "" {
		name += " " + id.Patronymic
	}
	return name
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
