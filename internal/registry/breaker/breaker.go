// Package breaker puts a circuit breaker (sony/gobreaker) in front of each
// registry: after a number of consecutive calls a registry leaves
// unanswered (registry.ErrTemporary), calls to it stop for a while and
// fail at once as temporary, so that workers waiting for an outage to end
// do not each spend a timeout on it; then one trial call decides whether
// it is back. Answers, and refusals (registry.ErrPermanent), count as the
// registry working; a cancelled caller counts as nothing.
//
// breaker is an adapter: it imports registry and gobreaker.
package breaker

import (
	"context"
	"errors"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/kabinet/kabinet/internal/registry"
)

// Settings configure every registry's breaker.
type Settings struct {
	Failures int           // consecutive unanswered calls that open it (0: 5)
	Open     time.Duration // how long it stays open before a trial call (0: 30 s)
	// OnChange is told when a registry's breaker changes state ("closed",
	// "half-open", "open"), for logs and metrics; may be nil.
	OnChange func(id registry.ID, from, to string)
}

// Registries is registry.Registries behind one breaker per registry.
type Registries struct {
	next registry.Registries
	sfr  *gobreaker.CircuitBreaker[registry.SNILSAnswer]
	mvd  *gobreaker.CircuitBreaker[registry.PassportAnswer]
	fns  *gobreaker.CircuitBreaker[registry.INNAnswer]
}

var _ registry.Registries = (*Registries)(nil)

// New wraps next.
func New(next registry.Registries, s Settings) *Registries {
	if s.Failures <= 0 {
		s.Failures = 5
	}
	if s.Open <= 0 {
		s.Open = 30 * time.Second
	}
	return &Registries{next: next,
		sfr: gobreaker.NewCircuitBreaker[registry.SNILSAnswer](settings(registry.SFR, s)),
		mvd: gobreaker.NewCircuitBreaker[registry.PassportAnswer](settings(registry.MVD, s)),
		fns: gobreaker.NewCircuitBreaker[registry.INNAnswer](settings(registry.FNS, s)),
	}
}

func settings(id registry.ID, s Settings) gobreaker.Settings {
	st := gobreaker.Settings{
		Name:        string(id),
		Timeout:     s.Open,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= uint32(s.Failures) },
		// Only silence is a failure: a registry that answers, even "no"
		// or "later", or refuses a question is up.
		IsSuccessful: func(err error) bool {
			_, later := registry.Pending(err)
			return err == nil || later || !errors.Is(err, registry.ErrTemporary)
		},
		IsExcluded: func(err error) bool {
			return errors.Is(err, context.Canceled) && !errors.Is(err, registry.ErrTemporary)
		},
	}
	if s.OnChange != nil {
		st.OnStateChange = func(_ string, from, to gobreaker.State) { s.OnChange(id, from.String(), to.String()) }
	}
	return st
}

// open translates the breaker's own refusals into a temporary registry
// error: the check waits and asks again.
func open(id registry.ID, err error) error {
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return &registry.Error{Registry: id, Temporary: true, Detail: "circuit breaker " + err.Error(), Err: err}
	}
	return err
}

// CheckSNILS implements registry.SocialFund.
func (r *Registries) CheckSNILS(ctx context.Context, q registry.SNILSQuery) (registry.SNILSAnswer, error) {
	a, err := r.sfr.Execute(func() (registry.SNILSAnswer, error) { return r.next.CheckSNILS(ctx, q) })
	return a, open(registry.SFR, err)
}

// CheckPassport implements registry.Interior.
func (r *Registries) CheckPassport(ctx context.Context, q registry.PassportQuery) (registry.PassportAnswer, error) {
	a, err := r.mvd.Execute(func() (registry.PassportAnswer, error) { return r.next.CheckPassport(ctx, q) })
	return a, open(registry.MVD, err)
}

// FindINN implements registry.Tax.
func (r *Registries) FindINN(ctx context.Context, q registry.INNQuery) (registry.INNAnswer, error) {
	a, err := r.fns.Execute(func() (registry.INNAnswer, error) { return r.next.FindINN(ctx, q) })
	return a, open(registry.FNS, err)
}

// State returns the state of a registry's breaker: "closed", "half-open"
// or "open".
func (r *Registries) State(id registry.ID) string {
	switch id {
	case registry.SFR:
		return r.sfr.State().String()
	case registry.MVD:
		return r.mvd.State().String()
	case registry.FNS:
		return r.fns.State().String()
	}
	return ""
}
