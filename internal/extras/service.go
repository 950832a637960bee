package extras

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/address"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/registry"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/throttle"
)

// Store is what extras needs from storage. Calls made with the context
// Transact passes commit together.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	// AdditionalData returns the account's data: the zero Data when it has
	// saved none.
	AdditionalData(ctx context.Context, accountID string) (Data, error)
	// SaveAdditionalData replaces the account's data with d.
	SaveAdditionalData(ctx context.Context, accountID string, d Data) error
	AppendAudit(ctx context.Context, e *audit.Event) error
}

// PersonalData reads «Мои данные», which the Tax Service is asked with
// (profile's storage).
type PersonalData interface {
	PersonalData(ctx context.Context, accountID string) (*profile.Record, error)
}

// Limiter counts the look-ups of an INN (throttle.Limiter).
type Limiter interface {
	Take(ctx context.Context, r throttle.Rule, subject string) error
}

// Deps are the service's collaborators.
type Deps struct {
	Store    Store
	Personal PersonalData
	Tax      registry.Tax // behind its circuit breaker
	Limiter  Limiter
	Regions  address.Regions
	// Wait bounds how long «Найти мой ИНН» waits for the Tax Service (0:
	// 10 s): the citizen is looking at a spinning button.
	Wait time.Duration
	Now  func() time.Time
}

// Service keeps the additional data.
type Service struct{ d Deps }

// New returns the service.
func New(d Deps) *Service {
	if d.Wait <= 0 {
		d.Wait = 10 * time.Second
	}
	return &Service{d: d}
}

// FindLimit bounds the look-ups of an INN per account: each asks the Tax
// Service about a person, which must not become an oracle for other
// people's data.
var FindLimit = throttle.Rule{Name: "inn.find", Max: 5, Window: 24 * time.Hour, Message: "additional_data.inn_rate_limited"}

// Get returns the account's data (the zero Data when none was saved).
func (s *Service) Get(ctx context.Context, accountID string) (Data, error) {
	return s.d.Store.AdditionalData(ctx, accountID)
}

// Save checks the form (Normalize's messages) and replaces the account's
// data with it in one transaction, with the audit event
// additional_data.updated naming the items that changed. An INN found by
// the Tax Service keeps that source while the number stays the same.
// Saving what is already saved changes nothing and records nothing.
func (s *Service) Save(ctx context.Context, accountID string, in Input, c session.Client) (Data, error) {
	next, err := Normalize(in, s.d.Regions)
	if err != nil {
		return Data{}, err
	}
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		old, err := s.d.Store.AdditionalData(ctx, accountID)
		if err != nil {
			return err
		}
		if next.INN != "" && next.INN == old.INN {
			next.INNSource = old.INNSource
		}
		changed := Changed(old, next)
		if len(changed) == 0 {
			next = old
			return nil
		}
		next.UpdatedAt = s.d.Now()
		if err := s.d.Store.SaveAdditionalData(ctx, accountID, next); err != nil {
			return err
		}
		return s.audit(ctx, "additional_data.updated", accountID, next.UpdatedAt, c, map[string]string{"fields": strings.Join(changed, ",")})
	})
	if err != nil {
		return Data{}, err
	}
	return next, nil
}

// FindINN asks the Tax Service for the citizen's INN with their personal
// data and saves what it finds as the INN, source FromFNS (audit
// inn.found), keeping the rest of the data.
//
// Errors: problem.Conflict "additional_data.inn_no_personal_data" when
// «Мои данные» hold nothing yet; problem.TooMany
// "additional_data.inn_rate_limited" past FindLimit; problem.NotFound
// "additional_data.inn_not_found" when the Tax Service knows no INN for the
// person; problem.Unavailable "additional_data.inn_unavailable" when it
// does not answer within the wait (an outage, an open circuit breaker, a
// refusal or an answer that is not an INN).
func (s *Service) FindINN(ctx context.Context, accountID string, c session.Client) (Data, error) {
	rec, err := s.d.Personal.PersonalData(ctx, accountID)
	if err != nil {
		return Data{}, err
	}
	var pd *profile.Data
	switch {
	case rec.Verified != nil:
		pd = rec.Verified
	case rec.Latest != nil:
		pd = &rec.Latest.Data
	default:
		return Data{}, problem.New(problem.Conflict, "additional_data.inn_no_personal_data")
	}
	if err := s.d.Limiter.Take(ctx, FindLimit, accountID); err != nil {
		return Data{}, err
	}
	inn, err := s.ask(ctx, pd)
	if err != nil {
		return Data{}, err
	}
	var out Data
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		d, err := s.d.Store.AdditionalData(ctx, accountID)
		if err != nil {
			return err
		}
		d.INN, d.INNSource, d.UpdatedAt = inn, FromFNS, s.d.Now()
		if err := s.d.Store.SaveAdditionalData(ctx, accountID, d); err != nil {
			return err
		}
		out = d
		return s.audit(ctx, "inn.found", accountID, d.UpdatedAt, c, map[string]string{"source": string(FromFNS)})
	})
	if err != nil {
		return Data{}, err
	}
	return out, nil
}

// ask puts the question to the Tax Service and reads its answer.
func (s *Service) ask(ctx context.Context, pd *profile.Data) (document.INN, error) {
	ctx, cancel := context.WithTimeout(ctx, s.d.Wait)
	defer cancel()
	id, p := pd.Identity, pd.Passport
	a, err := s.d.Tax.FindINN(ctx, registry.INNQuery{
		Person:   registry.Person{Surname: id.Surname, Name: id.Name, Patronymic: id.Patronymic, BirthDate: id.BirthDate, Gender: registry.Gender(id.Gender)},
		Passport: registry.Passport{Series: p.Series, Number: p.Number, IssueDate: p.IssueDate},
	})
	var rerr *registry.Error
	switch {
	case errors.As(err, &rerr), errors.Is(err, context.DeadlineExceeded):
		return "", &problem.Error{Kind: problem.Unavailable, Message: problem.M("additional_data.inn_unavailable"), Err: err}
	case err != nil:
		return "", err
	case !a.Found:
		return "", problem.New(problem.NotFound, "additional_data.inn_not_found")
	}
	inn, err := document.ParseINN(a.INN)
	if err != nil {
		// Never save what is not an INN: the answer is as good as none.
		return "", &problem.Error{Kind: problem.Unavailable, Message: problem.M("additional_data.inn_unavailable"), Err: errors.New("extras: the Tax Service answered a malformed INN")}
	}
	return inn, nil
}

func (s *Service) audit(ctx context.Context, action, accountID string, at time.Time, c session.Client, details map[string]string) error {
	return s.d.Store.AppendAudit(ctx, &audit.Event{At: at, Action: action, ActorKind: audit.ActorCitizen, ActorID: accountID,
		SubjectAccountID: accountID, IP: c.IP, RequestID: c.RequestID, Details: details})
}
