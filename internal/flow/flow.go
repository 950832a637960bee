// Package flow holds the mechanics shared by every multi-step citizen
// process (registration, the second sign-in step, password recovery): a
// persisted record with an unguessable ID, a kind, a state moved only along
// the kind's transition table, an expiry, the one-time code and its counters,
// and the values typed so far.
//
// A flow started in a browser is bound to that browser: the hash of a
// random per-browser token is kept in Binding, and every later step must
// present the same token. Flows started through the API have no binding;
// their unguessable ID is the capability.
//
//	stateDiagram-v2
//	    state registration {
//	        [*] --> awaiting_code
//	        awaiting_code --> set_password: code or link accepted
//	        set_password --> done: password set, account created
//	    }
//	    state signin {
//	        [*] --> awaiting_code: password accepted
//	        awaiting_code --> done: code accepted, session issued
//	    }
//	    state recovery {
//	        [*] --> awaiting_code
//	        awaiting_code --> set_password: code or link accepted
//	        set_password --> done: new password, other sessions ended
//	    }
//
// flow imports contact and problem.
package flow

import (
	"crypto/subtle"
	"slices"
	"time"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/problem"
)

// Kind names a process.
type Kind string

const (
	Registration Kind = "registration"
	SignIn       Kind = "signin"
	Recovery     Kind = "recovery"
)

// State is where a flow stands.
type State string

const (
	AwaitingCode State = "awaiting_code"
	SetPassword  State = "set_password"
	Done         State = "done"
)

// transitions is every allowed move, per kind. Anything else is a bug or a
// replayed request, and is refused.
var transitions = map[Kind]map[State][]State{
	Registration: {AwaitingCode: {SetPassword}, SetPassword: {Done}},
	SignIn:       {AwaitingCode: {Done}},
	Recovery:     {AwaitingCode: {SetPassword}, SetPassword: {Done}},
}

// Initial is the state every kind starts in.
const Initial = AwaitingCode

// CanMove reports whether kind k may move from one state to another.
func CanMove(k Kind, from, to State) bool { return slices.Contains(transitions[k][from], to) }

// Kinds lists every kind, for tests and documentation.
func Kinds() []Kind { return []Kind{Registration, SignIn, Recovery} }

// States lists every state.
func States() []State { return []State{AwaitingCode, SetPassword, Done} }

// Values are the kind-specific inputs kept with a flow (encrypted at rest).
type Values struct {
	Surname string `json:"surname,omitempty"`
	Name    string `json:"name,omitempty"`
	// Decoy marks a flow that must look normal to the requester but can
	// never succeed: registration with a phone or e-mail that is already
	// taken, recovery of an unknown login. The real owner, if any, is told
	// by a separate message.
	Decoy bool `json:"decoy,omitempty"`
	// Method is how the account got here, recorded with the session
	// ("password", "password+sms").
	Method string `json:"method,omitempty"`
	// Next is a local path to continue to when the flow is done.
	Next string `json:"next,omitempty"`
	// CodeAfter is set on a flow started while its destination's interval
	// between codes was running (a sign-in just after another code to the
	// number): no code is sent yet, and one may be asked for from then.
	CodeAfter time.Time `json:"code_after,omitzero"`
}

// Flow is one attempt by one browser or API client to complete a process.
type Flow struct {
	ID            string
	Kind          Kind
	State         State
	Binding       []byte // hash of the browser's binding token; nil for API flows
	AccountID     string // the account concerned, once known
	Channel       contact.Channel
	Destination   string // the phone (E.164) or e-mail the code goes to
	Values        Values
	CodeHash      []byte
	LinkHash      []byte
	CodeSentAt    time.Time
	CodeExpiresAt time.Time
	CodeAttempts  int // wrong or right entries of the current code
	Sends         int // codes sent in this flow
	Lang          string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	ExpiresAt     time.Time
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

// NewCode reports whether a code was issued since the flow was read: the
// save then starts the new code's attempt counter afresh. Attempts are
// otherwise only ever added to, atomically, by the store.
func (f *Flow) NewCode() bool { return f.Sends != f.Stored.Sends }

// Move advances the flow, or returns a Conflict error when the kind's table
// does not allow the step.
func (f *Flow) Move(to State) error {
	if !CanMove(f.Kind, f.State, to) {
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
