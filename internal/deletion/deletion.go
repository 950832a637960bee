// Package deletion deletes an account at its owner's request. The owner
// confirms with the password; the account is then erased once a grace
// period has passed (KABINET_DELETION_GRACE, 7 days by default). Until
// then the owner can cancel with a button, and any sign-in cancels it (the
// sign-in service calls CancelOnSignIn in its transaction), each with a
// notice to the owner.
//
// Erasure (EraseDue, run by a periodic job) overwrites the personal data
// (names, phone, e-mail, password hash), clears the blind indexes so that
// the phone and e-mail can register again, marks the account deleted, ends
// its sessions, deletes its flows, history and notifications and lifts the
// locks on its logins. The account row stays with its ID only: the audit
// log names accounts by that pseudonymous ID, and the erasure's own event
// carries nothing else.
//
// deletion imports account, credential, session, message, audit and
// problem.
package deletion

import (
	"context"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/credential"
	"github.com/kabinet/kabinet/internal/message"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
)

// Store is what deletion needs from storage.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	AccountByID(ctx context.Context, id string) (*account.Account, error)
	// ScheduleDeletion sets when an active account is erased.
	ScheduleDeletion(ctx context.Context, id string, effective, at time.Time) error
	// CancelDeletion forgets a pending deletion; false when none was.
	CancelDeletion(ctx context.Context, id string, at time.Time) (bool, error)
	// AccountsDueForErasure lists up to limit accounts whose deletion is due at now.
	AccountsDueForErasure(ctx context.Context, now time.Time, limit int) ([]string, error)
	// EraseAccount erases an account whose deletion is due; NotFound when
	// none is (cancelled meanwhile).
	EraseAccount(ctx context.Context, id string, now time.Time) error
	AppendAudit(ctx context.Context, e *audit.Event) error
}

// Reauth checks the password again (credential.Service).
type Reauth interface {
	Confirm(ctx context.Context, c credential.Check) (*account.Account, error)
}

// Sessions ends an account's sessions and makes signed-in requests see the
// account's change at once.
type Sessions interface {
	EndOthers(ctx context.Context, accountID, keepID, reason string) (int, error)
	AccountChanged(ctx context.Context, accountID string) error
}

// Locks are the sign-in locks of the erased logins, lifted so that a new
// owner of the number starts afresh.
type Locks interface {
	Release(ctx context.Context, logins ...string) error
}

// Links builds absolute URLs for messages.
type Links interface {
	SignIn() string
	Recovery() string
}

// Deps are the service's collaborators.
type Deps struct {
	Store    Store
	Reauth   Reauth
	Sessions Sessions
	Locks    Locks
	Notifier message.Notifier
	Links    Links
	Grace    time.Duration
	Site     string
	Support  string
	Now      func() time.Time
}

// Service runs deletions.
type Service struct{ d Deps }

// New returns the service.
func New(d Deps) *Service { return &Service{d: d} }

// Grace is how long after a request the account is erased.
func (s *Service) Grace() time.Duration { return s.d.Grace }

// Request is an owner's request to delete their account.
type Request struct {
	AccountID string
	Password  string
	Device    string
	Client    session.Client
}

// Request checks the password (credential.Service.Confirm's answers, on the
// field password) and schedules the erasure, telling the owner and
// auditing it in one transaction. It returns when the deletion takes
// effect; asking again while one is pending returns the pending date and
// changes nothing.
func (s *Service) Request(ctx context.Context, in Request) (time.Time, error) {
	a, err := s.d.Reauth.Confirm(ctx, credential.Check{AccountID: in.AccountID, Password: in.Password, Field: "password", Device: in.Device, Client: in.Client})
	if err != nil {
		return time.Time{}, err
	}
	if !a.DeletionEffectiveAt.IsZero() {
		return a.DeletionEffectiveAt, nil
	}
	now := s.d.Now()
	// Whole seconds: the date is shown and sent as RFC 3339.
	at := now.Add(s.d.Grace).Truncate(time.Second)
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if err := s.d.Store.ScheduleDeletion(ctx, a.ID, at, now); err != nil {
			return err
		}
		if err := s.d.Sessions.AccountChanged(ctx, a.ID); err != nil {
			return err
		}
		if err := s.tell(ctx, a, message.DeletionRequested{Site: s.d.Site, Name: a.Name, EffectiveAt: at, SignInLink: s.d.Links.SignIn(), Support: s.d.Support}); err != nil {
			return err
		}
		return s.audit(ctx, "account.deletion_requested", a.ID, in.Client, map[string]string{"effective_at": at.UTC().Format(time.RFC3339)})
	})
	if err != nil {
		return time.Time{}, err
	}
	return at, nil
}

// Cancel cancels the account's pending deletion at its owner's request;
// NotFound "deletion.none" when none is pending.
func (s *Service) Cancel(ctx context.Context, accountID string, c session.Client) error {
	return s.d.Store.Transact(ctx, func(ctx context.Context) error {
		a, err := s.d.Store.AccountByID(ctx, accountID)
		if err != nil {
			return err
		}
		ok, err := s.cancel(ctx, a, false, c)
		if err == nil && !ok {
			err = problem.New(problem.NotFound, "deletion.none")
		}
		return err
	})
}

// CancelOnSignIn cancels a's pending deletion, if any, inside the sign-in's
// transaction, and reports whether it did.
func (s *Service) CancelOnSignIn(ctx context.Context, a *account.Account, c session.Client) (bool, error) {
	if a.DeletionEffectiveAt.IsZero() {
		return false, nil
	}
	return s.cancel(ctx, a, true, c)
}

func (s *Service) cancel(ctx context.Context, a *account.Account, bySignIn bool, c session.Client) (bool, error) {
	now := s.d.Now()
	ok, err := s.d.Store.CancelDeletion(ctx, a.ID, now)
	if err != nil || !ok {
		return false, err
	}
	if err := s.d.Sessions.AccountChanged(ctx, a.ID); err != nil {
		return false, err
	}
	if err := s.tell(ctx, a, message.DeletionCancelled{Site: s.d.Site, Name: a.Name, BySignIn: bySignIn, Support: s.d.Support, RecoveryLink: s.d.Links.Recovery()}); err != nil {
		return false, err
	}
	how := "button"
	if bySignIn {
		how = "sign_in"
	}
	return true, s.audit(ctx, "account.deletion_cancelled", a.ID, c, map[string]string{"by": how})
}

// EraseDue erases every account whose deletion is due, one transaction
// each, and returns how many it erased. An account whose deletion was
// cancelled meanwhile is skipped.
func (s *Service) EraseDue(ctx context.Context) (int, error) {
	n := 0
	for {
		now := s.d.Now()
		ids, err := s.d.Store.AccountsDueForErasure(ctx, now, 100)
		if err != nil || len(ids) == 0 {
			return n, err
		}
		erased := 0
		for _, id := range ids {
			ok, err := s.erase(ctx, id, now)
			if err != nil {
				return n, err
			}
			if ok {
				n++
				erased++
			}
		}
		if erased == 0 {
			return n, nil
		}
	}
}

func (s *Service) erase(ctx context.Context, id string, now time.Time) (bool, error) {
	erased := false
	err := s.d.Store.Transact(ctx, func(ctx context.Context) error {
		a, err := s.d.Store.AccountByID(ctx, id)
		if err != nil {
			return err
		}
		if a.DeletionEffectiveAt.IsZero() || a.DeletionEffectiveAt.After(now) {
			return nil // cancelled meanwhile
		}
		// The sessions end first (the other nodes hear of it), then their
		// rows go with the rest of the personal data.
		ended, err := s.d.Sessions.EndOthers(ctx, id, "", session.EndedDeleted)
		if err != nil {
			return err
		}
		if err := s.d.Store.EraseAccount(ctx, id, now); err != nil {
			return err // NotFound too: roll the ended sessions back
		}
		if err := s.d.Locks.Release(ctx, string(a.Phone), string(a.Email)); err != nil {
			return err
		}
		erased = true
		// The account's ID and counts only: nothing that names the person.
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "account.erased", ActorKind: audit.ActorSystem, SubjectAccountID: id,
			Details: map[string]string{"sessions_ended": fmt.Sprint(ended)}})
	})
	return erased, err
}

func (s *Service) tell(ctx context.Context, a *account.Account, d message.Data) error {
	ch, to := a.CodeChannel()
	return s.d.Notifier.Send(ctx, message.Notification{AccountID: a.ID, Channel: ch, To: to, Lang: a.Lang, Data: d})
}

func (s *Service) audit(ctx context.Context, action, accountID string, c session.Client, details map[string]string) error {
	return s.d.Store.AppendAudit(ctx, &audit.Event{At: s.d.Now(), Action: action, ActorKind: audit.ActorCitizen, ActorID: accountID,
		SubjectAccountID: accountID, IP: c.IP, RequestID: c.RequestID, Details: details})
}
