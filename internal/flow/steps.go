package flow

import (
	"context"
	"time"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/problem"
)

// StepStore loads and saves flows.
type StepStore interface {
	Flow(ctx context.Context, kind Kind, id string) (*Flow, error)
	UpdateFlow(ctx context.Context, f *Flow) error
}

// Confirmation runs the steps that every "prove you own this phone or
// address" flow shares (registration, recovery): loading the caller's flow,
// the typed code, the e-mailed link, and the move to set_password.
type Confirmation struct {
	Spec  *Spec
	Store StepStore
	Codes *Codes
	Now   func() time.Time
	// PasswordTime is how long the password step stays open once the code
	// or link is accepted.
	PasswordTime time.Duration
}

// Flow returns a flow the caller may act on: it exists, is bound to them
// and has not expired. An expired flow comes back with the Expired problem
// "flow.expired", so that the form can be shown again with what was typed;
// a flow of another browser is NotFound, as if it did not exist.
func (c *Confirmation) Flow(ctx context.Context, id string, binding []byte) (*Flow, error) {
	f, err := c.Store.Flow(ctx, c.Spec.Kind, id)
	if err != nil {
		return nil, err
	}
	if !f.BoundTo(binding) {
		return nil, problem.New(problem.NotFound, "flow.not_found")
	}
	if f.Expired(c.Now()) {
		return f, problem.New(problem.Expired, "flow.expired")
	}
	return f, nil
}

// ConfirmCode checks a typed code and moves the flow to set_password. A
// code works once: on a flow already past this step the answer is the
// Conflict "code.used", with the flow, so that a page can take a reload or
// a second tab of the same browser to the step it is at.
func (c *Confirmation) ConfirmCode(ctx context.Context, id string, binding []byte, code string) (*Flow, error) {
	f, err := c.Flow(ctx, id, binding)
	if err != nil {
		return f, err
	}
	if f.State == SetPassword {
		return f, problem.New(problem.Conflict, "code.used")
	}
	if f.State != AwaitingCode {
		return f, problem.New(problem.Conflict, "flow.wrong_step")
	}
	if err := c.Codes.Verify(ctx, f, code, c.Now()); err != nil {
		return f, err
	}
	return f, c.confirmed(ctx, f)
}

// ConfirmLink accepts the token of an e-mailed link. The browser that opens
// the link goes on with the flow (newBinding), whichever browser started
// it: the link itself proves the address. Failures never say more than
// "this link does not work" (NotFound) or "it has expired" (Expired), but
// for the browser that already used it, which gets "code.used" and the flow.
func (c *Confirmation) ConfirmLink(ctx context.Context, id, token string, newBinding []byte) (*Flow, error) {
	f, err := c.Store.Flow(ctx, c.Spec.Kind, id)
	if problem.KindOf(err) == problem.NotFound {
		return nil, problem.New(problem.NotFound, "link.invalid")
	}
	if err != nil {
		return nil, err
	}
	if f.Expired(c.Now()) {
		return nil, problem.New(problem.Expired, "link.expired")
	}
	if f.State == SetPassword && f.BoundTo(newBinding) {
		// The link opened again in the browser it already confirmed.
		return f, problem.New(problem.Conflict, "code.used")
	}
	if f.State != AwaitingCode || f.Channel != contact.ChannelEmail {
		return nil, problem.New(problem.NotFound, "link.invalid")
	}
	if err := c.Codes.VerifyLink(ctx, f, token, c.Now()); err != nil {
		return nil, err
	}
	f.Binding = newBinding
	return f, c.confirmed(ctx, f)
}

func (c *Confirmation) confirmed(ctx context.Context, f *Flow) error {
	if err := f.Move(SetPassword); err != nil {
		return err
	}
	f.ExpiresAt = c.Now().Add(c.PasswordTime)
	return c.Store.UpdateFlow(ctx, f)
}
