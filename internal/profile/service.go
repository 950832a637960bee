package profile

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/message"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/registry"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/throttle"
)

// Store is what profile needs from storage. Calls made with the context
// Transact passes commit together.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	AccountByID(ctx context.Context, id string) (*account.Account, error)
	// PersonalData returns the account's verified data and latest
	// verification (a Record with neither when there are none).
	PersonalData(ctx context.Context, accountID string) (*Record, error)
	// CreateVerification stores a verification with its checks.
	CreateVerification(ctx context.Context, v *Verification) error
	// SupersedePending marks the account's pending verification, if any,
	// and its pending checks superseded.
	SupersedePending(ctx context.Context, accountID string, at time.Time) error
	// Verification returns a verification with all its checks; NotFound
	// when there is none (erased with its account).
	Verification(ctx context.Context, id string) (*Verification, error)
	// LockVerification makes the calling transaction the only one
	// recording outcomes of this verification's checks until it ends, so
	// that the last outcome sees every other.
	LockVerification(ctx context.Context, id string) error
	// NoteAttempt records a pending check's attempt that got no answer, with
	// the reference to collect it later ("" when there is none), and
	// returns how many it has had.
	NoteAttempt(ctx context.Context, checkID, lastError, ref string, at time.Time) (int, error)
	// FinishCheck sets a pending check's outcome (State, Reason, Fields,
	// UpdatedAt); false when the check was no longer pending. The checks of
	// one verification finish one transaction after another, so that
	// VerificationOfCheck after FinishCheck sees every answer recorded
	// before.
	FinishCheck(ctx context.Context, c *Check) (bool, error)
	// FinishVerification moves a pending verification to state; false when
	// it was no longer pending.
	FinishVerification(ctx context.Context, id string, state State, at time.Time) (bool, error)
	// SaveVerified makes d the account's verified data.
	SaveVerified(ctx context.Context, accountID string, d Data, at time.Time) error
	// SNILSHolder returns the account whose verified data holds the SNILS,
	// "" when none does.
	SNILSHolder(ctx context.Context, s document.SNILS) (string, error)
	// SetNames replaces the account's surname and name.
	SetNames(ctx context.Context, accountID, surname, name string, at time.Time) error
	// RaiseLevel sets the account's level to level when it is lower;
	// false when it was not.
	RaiseLevel(ctx context.Context, accountID string, level account.Level, at time.Time) (bool, error)
	AppendAudit(ctx context.Context, e *audit.Event) error
}

// Queue runs a verification's checks in the background: a job enqueued in
// the caller's transaction, which calls RunVerification until it returns
// no retry.
type Queue interface {
	EnqueueVerification(ctx context.Context, verificationID string) error
}

// Sessions makes signed-in requests see the account's new level at once.
type Sessions interface {
	AccountChanged(ctx context.Context, accountID string) error
}

// Limiter counts submissions (throttle.Limiter).
type Limiter interface {
	Take(ctx context.Context, r throttle.Rule, subject string) error
}

// Links builds absolute URLs for messages.
type Links interface {
	PersonalData() string
}

// Policy is how checks are retried.
type Policy struct {
	// RetryBase and RetryMax bound the wait before a check is asked again
	// after a registry gave no answer: RetryBase doubled per attempt, at
	// most RetryMax, or longer when the registry asked for it.
	RetryBase, RetryMax time.Duration
}

// Deps are the service's collaborators.
type Deps struct {
	Store      Store
	Registries registry.Registries
	Queue      Queue
	Sessions   Sessions
	Limiter    Limiter
	Notifier   message.Notifier
	Links      Links
	Policy     Policy
	Site       string
	Now        func() time.Time
	NewID      func() (string, error)
}

// Service keeps personal data and runs its verification.
type Service struct{ d Deps }

// New returns the service.
func New(d Deps) *Service {
	if d.Policy.RetryBase <= 0 {
		d.Policy.RetryBase = 5 * time.Second
	}
	if d.Policy.RetryMax < d.Policy.RetryBase {
		d.Policy.RetryMax = max(10*time.Minute, d.Policy.RetryBase)
	}
	return &Service{d: d}
}

// SubmitLimit bounds how often one account may submit data for checking:
// each submission asks the registries, which must not become an oracle for
// other people's data.
var SubmitLimit = throttle.Rule{Name: "personal_data.submit", Max: 10, Window: 24 * time.Hour, Message: "personal_data.rate_limited"}

// Get returns the account's personal data.
func (s *Service) Get(ctx context.Context, accountID string) (*Record, error) {
	return s.d.Store.PersonalData(ctx, accountID)
}

// Submission is a citizen's «Мои данные» form.
type Submission struct {
	AccountID string
	Input     Input
	Client    session.Client
}

// Submitted is Submit's answer: the verification the data is in, and
// whether this submission started it (false when the data equals what is
// verified, or what is being checked, and nothing new was started).
type Submitted struct {
	Verification *Verification
	Started      bool
	// Validity is the passport's: its grace before replacement, when in it.
	Validity document.Validity
}

// Submit checks the form (Normalize's messages) and starts a verification
// of what changed against the verified data, superseding one still
// pending, with one job per registry, in one transaction. Data equal to
// what is verified or being checked starts nothing. A citizen's names
// must stay as the account has them only until a verification passes:
// the registries are the authority then.
func (s *Service) Submit(ctx context.Context, in Submission) (*Submitted, error) {
	now := s.d.Now()
	d, v, err := Normalize(in.Input, person.Today(now))
	if err != nil {
		return nil, err
	}
	var out *Submitted
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		rec, err := s.d.Store.PersonalData(ctx, in.AccountID)
		if err != nil {
			return err
		}
		if l := rec.Latest; l != nil && l.State == Pending && Equal(l.Data, d) {
			out = &Submitted{Verification: l, Validity: v}
			return nil // a second copy of the same form
		}
		ids := Registries(rec.Verified, d)
		if len(ids) == 0 {
			if l := rec.Latest; l != nil && l.State == Pending {
				// Back to the verified data: what was being checked is dropped.
				if err := s.d.Store.SupersedePending(ctx, in.AccountID, now); err != nil {
					return err
				}
			}
			out = &Submitted{Verification: rec.Latest, Validity: v}
			if out.Verification == nil || out.Verification.State != Passed {
				out.Verification = &Verification{AccountID: in.AccountID, State: Passed, Data: d, SubmittedAt: rec.VerifiedAt, FinishedAt: rec.VerifiedAt}
			}
			return nil
		}
		if err := s.d.Limiter.Take(ctx, SubmitLimit, in.AccountID); err != nil {
			return err
		}
		if err := s.d.Store.SupersedePending(ctx, in.AccountID, now); err != nil {
			return err
		}
		ver := &Verification{AccountID: in.AccountID, State: Pending, Data: d, SubmittedAt: now}
		if ver.ID, err = s.d.NewID(); err != nil {
			return err
		}
		for _, id := range ids {
			c := Check{VerificationID: ver.ID, AccountID: in.AccountID, Registry: id, State: Pending, CreatedAt: now, UpdatedAt: now}
			if c.ID, err = s.d.NewID(); err != nil {
				return err
			}
			ver.Checks = append(ver.Checks, c)
		}
		if err := s.d.Store.CreateVerification(ctx, ver); err != nil {
			return err
		}
		if err := s.d.Queue.EnqueueVerification(ctx, ver.ID); err != nil {
			return err
		}
		out = &Submitted{Verification: ver, Started: true, Validity: v}
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "personal_data.submitted", ActorKind: audit.ActorCitizen, ActorID: in.AccountID,
			SubjectAccountID: in.AccountID, IP: in.Client.IP, RequestID: in.Client.RequestID,
			Details: map[string]string{"verification": ver.ID, "registries": joinIDs(ids)}})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RunVerification asks each pending check's registry, all at once, and
// records the answers in one transaction; once every check has an answer,
// it finishes the verification. It returns retryIn > 0 when a registry gave
// no answer and its check must be asked again after that long (an outage
// never fails a check: the checks answered meanwhile are kept), and an
// error for anything else that went wrong (storage), to be retried by the
// caller. A verification already finished, or superseded, is left alone:
// the job may run more than once, on any node.
func (s *Service) RunVerification(ctx context.Context, id string) (retryIn time.Duration, err error) {
	v, err := s.d.Store.Verification(ctx, id)
	if problem.KindOf(err) == problem.NotFound {
		return 0, nil // erased with its account
	}
	if err != nil || v.State != Pending {
		return 0, err
	}
	var pending []Check
	for _, c := range v.Checks {
		if c.State == Pending {
			pending = append(pending, c)
		}
	}
	answers := make([]answer, len(pending))
	var wg sync.WaitGroup
	for i, c := range pending {
		wg.Go(func() { answers[i] = s.answer(ctx, v, c) })
	}
	wg.Wait()
	for _, a := range answers {
		if a.err != nil {
			return 0, a.err
		}
	}
	return s.record(ctx, v, answers)
}

// answer is a check's outcome, or why it has none yet.
type answer struct {
	check  Check           // with State, Reason, Fields (and LastError when refused)
	waitOn *registry.Error // the registry gave no answer: ask again later
	err    error           // anything else: the job is retried
}

// answer asks the check's registry and reads its answer.
func (s *Service) answer(ctx context.Context, v *Verification, c Check) answer {
	result, err := s.ask(ctx, v, c)
	var rerr *registry.Error
	switch {
	case errors.As(err, &rerr) && rerr.Temporary:
		return answer{check: c, waitOn: rerr}
	case errors.As(err, &rerr):
		// Refused: asking again will not help; the citizen is told to try
		// later or call support, and operators see the detail.
		result = Check{State: Failed, Reason: "verification.refused", LastError: rerr.Error()}
	case err != nil:
		return answer{err: err}
	}
	c.State, c.Reason, c.Fields = result.State, result.Reason, result.Fields
	if result.LastError != "" {
		c.LastError = result.LastError
	}
	return answer{check: c}
}

// ask puts the check's question to its registry and reads the answer into
// a finished check's State, Reason and Fields.
func (s *Service) ask(ctx context.Context, v *Verification, c Check) (Check, error) {
	holder := holderOf(v.Data.Identity)
	switch c.Registry {
	case registry.SFR:
		a, err := s.d.Registries.CheckSNILS(ctx, registry.SNILSQuery{SNILS: string(v.Data.SNILS), Person: holder, Ref: c.Ref})
		if err != nil {
			return Check{}, err
		}
		switch a.Result {
		case registry.SNILSMatches:
			return Check{State: Passed}, nil
		case registry.SNILSMismatch:
			return Check{State: Failed, Reason: "verification.snils_mismatch", Fields: a.Mismatch}, nil
		case registry.SNILSUnknown:
			return Check{State: Failed, Reason: "verification.snils_unknown"}, nil
		}
		return Check{}, &registry.Error{Registry: c.Registry, Detail: "unknown result " + string(a.Result)}
	case registry.MVD:
		a, err := s.d.Registries.CheckPassport(ctx, registry.PassportQuery{Passport: passportOf(v.Data.Passport), Holder: holder, Ref: c.Ref})
		if err != nil {
			return Check{}, err
		}
		switch a.Result {
		case registry.PassportValid:
			return Check{State: Passed}, nil
		case registry.PassportMismatch:
			return Check{State: Failed, Reason: "verification.passport_mismatch", Fields: a.Mismatch}, nil
		case registry.PassportInvalid:
			return Check{State: Failed, Reason: "verification.passport_" + string(a.Reason)}, nil
		}
		return Check{}, &registry.Error{Registry: c.Registry, Detail: "unknown result " + string(a.Result)}
	}
	return Check{}, &registry.Error{Registry: c.Registry, Detail: "no such check"}
}

// backoff is the wait before the n-th attempt's retry: RetryBase doubled
// per attempt up to RetryMax, the registry's own wait when longer, with a
// tenth of jitter so that a registry coming back is not met by every
// check at once.
func (s *Service) backoff(n int, asked time.Duration) time.Duration {
	p := s.d.Policy
	d := p.RetryMax
	if n < 30 {
		d = min(p.RetryBase<<max(n-1, 0), p.RetryMax)
	}
	d = max(d, asked)
	return d + time.Duration(rand.Int64N(int64(d/10)+1))
}

// record stores the answers (and the attempts that got none) and, when no
// check is left pending, the verification's outcome, in one transaction.
// It returns the wait before the checks still without an answer are asked
// again (zero when none is).
func (s *Service) record(ctx context.Context, v *Verification, answers []answer) (time.Duration, error) {
	var retryIn time.Duration
	err := s.d.Store.Transact(ctx, func(ctx context.Context) error {
		retryIn = 0
		now := s.d.Now()
		if err := s.d.Store.LockVerification(ctx, v.ID); err != nil {
			return err
		}
		for _, a := range answers {
			c := a.check
			if a.waitOn != nil {
				n, err := s.d.Store.NoteAttempt(ctx, c.ID, a.waitOn.Error(), a.waitOn.Ref, now)
				if err != nil {
					return err
				}
				if n > 0 {
					retryIn = max(retryIn, s.backoff(n, a.waitOn.RetryAfter))
				}
				continue
			}
			if c.Registry == registry.SFR && c.State == Passed {
				// One person, one account: a SNILS verified on another
				// account cannot be verified here too.
				holder, err := s.d.Store.SNILSHolder(ctx, v.Data.SNILS)
				if err != nil {
					return err
				}
				if holder != "" && holder != v.AccountID {
					c.State, c.Reason, c.Fields = Failed, "verification.snils_taken", nil
				}
			}
			c.UpdatedAt = now
			ok, err := s.d.Store.FinishCheck(ctx, &c)
			if err != nil {
				return err
			}
			if !ok {
				continue // another run recorded it first
			}
			if err := s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "personal_data.checked", ActorKind: audit.ActorSystem,
				SubjectAccountID: v.AccountID, Details: checkDetails(v, c)}); err != nil {
				return err
			}
		}
		// The verification's checks as they are now, these included.
		fresh, err := s.d.Store.Verification(ctx, v.ID)
		if err != nil || fresh.State != Pending {
			return err
		}
		state := Passed
		for _, o := range fresh.Checks {
			switch o.State {
			case Pending:
				return nil // others still waiting for their registry
			case Failed:
				state = Failed
			}
		}
		return s.finish(ctx, fresh, state, now)
	})
	return retryIn, err
}

func checkDetails(v *Verification, c Check) map[string]string {
	d := map[string]string{"verification": v.ID, "check": c.ID, "registry": string(c.Registry), "state": string(c.State)}
	if c.Reason != "" {
		d["reason"] = c.Reason
	}
	if len(c.Fields) > 0 {
		f := make([]string, len(c.Fields))
		for i, x := range c.Fields {
			f[i] = string(x)
		}
		d["fields"] = strings.Join(f, ",")
	}
	return d
}

// finish ends a verification whose checks all have answers: passed makes
// its data the verified data and a simplified account standard; either way
// the citizen is told.
func (s *Service) finish(ctx context.Context, v *Verification, state State, now time.Time) error {
	ok, err := s.d.Store.FinishVerification(ctx, v.ID, state, now)
	if err != nil || !ok {
		return err
	}
	a, err := s.d.Store.AccountByID(ctx, v.AccountID)
	if err != nil {
		return err
	}
	details := map[string]string{"verification": v.ID}
	if state == Passed {
		if err := s.d.Store.SaveVerified(ctx, v.AccountID, v.Data, now); err != nil {
			return err
		}
		raised, err := s.d.Store.RaiseLevel(ctx, v.AccountID, account.Standard, now)
		if err != nil {
			return err
		}
		if raised {
			details["level"] = string(account.Standard)
		}
		// The account is called as the registries know the person from now
		// on: the names typed at registration were the citizen's word.
		id := v.Data.Identity
		renamed := a.Surname != id.Surname || a.Name != id.Name
		if renamed {
			if err := s.d.Store.SetNames(ctx, v.AccountID, id.Surname, id.Name, now); err != nil {
				return err
			}
			details["renamed"] = "true"
			a.Surname, a.Name = id.Surname, id.Name
		}
		if raised || renamed {
			if err := s.d.Sessions.AccountChanged(ctx, v.AccountID); err != nil {
				return err
			}
		}
		if err := s.tell(ctx, a, message.VerificationPassed{Site: s.d.Site, Name: a.Name, Raised: raised, Link: s.d.Links.PersonalData()}); err != nil {
			return err
		}
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "personal_data.verified", ActorKind: audit.ActorSystem, SubjectAccountID: v.AccountID, Details: details})
	}
	msg := message.VerificationFailed{Site: s.d.Site, Name: a.Name, Link: s.d.Links.PersonalData()}
	for _, c := range v.Checks {
		if c.State == Failed {
			msg.SNILS = msg.SNILS || c.Registry == registry.SFR
			msg.Passport = msg.Passport || c.Registry == registry.MVD
		}
	}
	if err := s.tell(ctx, a, msg); err != nil {
		return err
	}
	return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "personal_data.verification_failed", ActorKind: audit.ActorSystem, SubjectAccountID: v.AccountID, Details: details})
}

func (s *Service) tell(ctx context.Context, a *account.Account, d message.Data) error {
	ch, to := a.CodeChannel()
	if to == "" {
		return nil
	}
	return s.d.Notifier.Send(ctx, message.Notification{AccountID: a.ID, Channel: ch, To: to, Lang: a.Lang, Data: d})
}

func joinIDs(ids []registry.ID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ",")
}
