// Package flow holds the mechanics shared by every multi-step citizen
// process (registration, the second sign-in step, password recovery, and
// the processes still to come): a persisted record with an unguessable ID,
// a kind, a state moved only along the kind's declared transitions, an
// expiry, the one-time code and its counters, and the feature's own data.
//
// Each feature declares its process once, as a Spec passed to Define: the
// kind, the states and transitions (with what moves the flow along each,
// for docs/flows.md, which a test regenerates from the specs), how long a
// new flow lives and who can make it send a code. The feature keeps its
// inputs in its own struct, saved with the flow as JSON (encrypted at
// rest): DataOf and SetData. flow never looks inside it.
//
// A flow started in a browser is bound to that browser: the hash of a
// random per-browser token is kept in Binding, and every later step must
// present the same token. Flows started through the API have no binding;
// their unguessable ID is the capability.
//
// flow imports contact, otp, throttle and problem.
package flow

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/problem"
)

// Kind names a process.
type Kind string

// State is where a flow stands. Features name their own states; the ones
// below are shared by every "prove this phone or address" process.
type State string

const (
	AwaitingCode State = "awaiting_code"
	SetPassword  State = "set_password"
	Done         State = "done"
)

// Flow is one attempt by one browser or API client to complete a process.
type Flow struct {
	ID            string
	Kind          Kind
	State         State
	Binding       []byte // hash of the browser's binding token; nil for API flows
	AccountID     string // the account concerned, once known
	Channel       contact.Channel
	Destination   string // the phone (E.164) or e-mail the code goes to
	CodeHash      []byte
	LinkHash      []byte
	CodeSentAt    time.Time
	CodeExpiresAt time.Time
	CodeAttempts  int // wrong or right entries of the current code
	Sends         int // codes sent in this flow
	// CodeAfter is set on a flow started while its destination's interval
	// between codes was running (a sign-in just after another code to the
	// number): no code is sent yet, and one may be asked for from then.
	CodeAfter time.Time
	// Decoy marks a flow that must look normal to the requester but can
	// never succeed: registration with a phone or e-mail that is already
	// taken, recovery of an unknown login. No code or link ever matches.
	Decoy bool
	// Data is the feature's own inputs as JSON (see DataOf and SetData).
	Data      json.RawMessage
	Lang      string
	CreatedAt time.Time
	UpdatedAt time.Time
	ExpiresAt time.Time
	// Stored is what the database held when the flow was read or last
	// saved. A save is a compare-and-set on it: of two requests acting on
	// one flow at once, only the first saves and the other gets a Conflict,
	// so every step works exactly once.
	Stored Revision
}

// Revision is the saved state of a flow and the number of its saves.
type Revision struct {
	State   State
	Version int
	Sends   int
}

// DataOf decodes the feature's data kept with a flow. A flow saved
// without data gives T's zero value.
func DataOf[T any](f *Flow) (T, error) {
	var v T
	if len(f.Data) == 0 {
		return v, nil
	}
	if err := json.Unmarshal(f.Data, &v); err != nil {
		return v, fmt.Errorf("flow %s: data: %w", f.ID, err)
	}
	return v, nil
}

// SetData keeps v as the flow's data, to be saved with it. What the flow
// mechanics keep there themselves (replacedKey) stays.
func (f *Flow) SetData(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("flow %s: data: %w", f.ID, err)
	}
	prev := f.replaced()
	f.Data = b
	if prev != nil {
		return f.setReplaced(prev)
	}
	return nil
}

// replacedKey holds, inside the flow's data (sealed at rest like the rest
// of it), the hash of the code a resend replaced, so that the old code is
// answered "replaced by a newer one" instead of "wrong". It lives in the
// data rather than in a column of its own: features' DataOf ignores it.
const replacedKey = "flow.replaced_code"

// replaced returns the hash of the code the current one replaced, or nil.
func (f *Flow) replaced() []byte {
	var m map[string]json.RawMessage
	if len(f.Data) == 0 || json.Unmarshal(f.Data, &m) != nil {
		return nil
	}
	var h []byte
	if raw, ok := m[replacedKey]; !ok || json.Unmarshal(raw, &h) != nil {
		return nil
	}
	return h
}

// setReplaced keeps h as the replaced code's hash in the flow's data.
func (f *Flow) setReplaced(h []byte) error {
	m := map[string]json.RawMessage{}
	if len(f.Data) > 0 && string(f.Data) != "null" {
		if err := json.Unmarshal(f.Data, &m); err != nil {
			return fmt.Errorf("flow %s: data is not an object: %w", f.ID, err)
		}
	}
	raw, err := json.Marshal(h)
	if err != nil {
		return err
	}
	m[replacedKey] = raw
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	f.Data = b
	return nil
}

// NewCode reports whether a code was issued since the flow was read: the
// save then starts the new code's attempt counter afresh. Attempts are
// otherwise only ever added to, atomically, by the store.
func (f *Flow) NewCode() bool { return f.Sends != f.Stored.Sends }

// Move advances the flow, or returns a Conflict error when the kind's spec
// does not allow the step.
func (f *Flow) Move(to State) error {
	s, ok := SpecOf(f.Kind)
	if !ok || !s.CanMove(f.State, to) {
		return &problem.Error{Kind: problem.Conflict, Message: problem.M("flow.wrong_step")}
	}
	f.State = to
	return nil
}

// Expired reports whether the whole flow has run out of time.
func (f *Flow) Expired(now time.Time) bool { return !now.Before(f.ExpiresAt) }

// CodeExpired reports whether the current code has run out of time.
func (f *Flow) CodeExpired(now time.Time) bool { return !now.Before(f.CodeExpiresAt) }

// ResendAt is the earliest moment a new code may be sent: after the
// cooldown, or as soon as the current code has expired or has been used up.
func (f *Flow) ResendAt(cooldown time.Duration, maxAttempts int) time.Time {
	if f.CodeAttempts >= maxAttempts {
		return f.CodeSentAt
	}
	at := f.CodeSentAt.Add(cooldown)
	if f.CodeExpiresAt.Before(at) {
		return f.CodeExpiresAt
	}
	return at
}

// BoundTo reports whether a step presented with the given binding hash may
// act on this flow. API flows (nil binding) accept any caller holding the ID.
func (f *Flow) BoundTo(binding []byte) bool {
	if f.Binding == nil {
		return true
	}
	return subtle.ConstantTimeCompare(f.Binding, binding) == 1
}
