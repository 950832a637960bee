// Package problem defines the kinds of failure a citizen-facing operation can
// end with, and the user-facing messages that explain them.
//
// Domain packages return *problem.Error (or a problem.Message from a
// validator); the web package maps Kind to an HTTP status and translates
// every Message by its ID. Message IDs are stable: they are the i18n keys and
// the API's machine-readable codes at once.
//
// problem imports only the standard library.
package problem

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// Kind classifies a failure. Each kind maps to one HTTP status at the edge.
type Kind int

const (
	Internal     Kind = iota // 500: a bug or an unavailable dependency; details are logged, not shown
	Invalid                  // 422: input broke a rule; see Fields
	BadRequest               // 400: the request itself is malformed (not JSON, missing body)
	Unauthorized             // 401: not signed in, or wrong credentials
	Forbidden                // 403: signed in, but not allowed
	NotFound                 // 404
	Conflict                 // 409: the state does not allow this step now
	Expired                  // 410 in the API: a code, link or flow has run out of time
	TooMany                  // 429: a rate limit or lockout; see RetryAfter
	Unavailable              // 503: a dependency is down; try later
)

// Kinds the HTTP layer finds itself, before any service runs. They are
// numbered apart so that the kinds above can grow without renumbering them.
const (
	TooLarge         Kind = 64 + iota // 413: the request body is over the size limit
	MethodNotAllowed                  // 405: the path exists, but not for this method
)

var kindNames = [...]string{"internal", "invalid", "bad_request", "unauthorized", "forbidden", "not_found", "conflict", "expired", "too_many", "unavailable"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	switch k {
	case TooLarge:
		return "too_large"
	case MethodNotAllowed:
		return "method_not_allowed"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Message is one user-facing sentence: a stable ID and the arguments the
// translation needs. It implements error so that validators can return it.
type Message struct {
	ID   string
	Args map[string]any
}

// M builds a message from an ID and key/value argument pairs.
func M(id string, kv ...any) Message {
	m := Message{ID: id}
	if len(kv) > 1 {
		m.Args = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m.Args[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return m
}

func (m Message) Error() string { return m.ID }

// FieldError is a message about one input field, shown next to it.
type FieldError struct {
	Field string
	Message
}

// Error is a failure with a kind, a message for the user, optional
// per-field messages and, for TooMany, when to try again.
type Error struct {
	Kind       Kind
	Message    Message
	Fields     []FieldError
	RetryAfter time.Duration // TooMany: how long until the next attempt is allowed
	Err        error         // the cause, for logs only
}

func (e *Error) Error() string {
	s := e.Kind.String() + ": " + e.Message.ID
	for _, f := range e.Fields {
		s += " [" + f.Field + ": " + f.ID + "]"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Field returns the message for one field, if any.
func (e *Error) Field(name string) (Message, bool) {
	for _, f := range e.Fields {
		if f.Field == name {
			return f.Message, true
		}
	}
	return Message{}, false
}

// New builds an error of a kind with a message.
func New(k Kind, id string, kv ...any) *Error { return &Error{Kind: k, Message: M(id, kv...)} }

// Fields collects field messages while validating a form. The zero value is
// ready to use.
type Fields struct{ list []FieldError }

// Add records a message for a field. An error that is not a Message is
// recorded under the generic "field.invalid" ID. Only the first message for a
// field is kept: it is the one the user must fix first.
func (f *Fields) Add(field string, err error) {
	if err == nil {
		return
	}
	for _, e := range f.list {
		if e.Field == field {
			return
		}
	}
	var m Message
	if !errors.As(err, &m) {
		m = Message{ID: "field.invalid"}
	}
	f.list = append(f.list, FieldError{Field: field, Message: m})
}

// Merge records the field messages of err, an Invalid error from another
// validator (NormalizeIdentity inside a larger form); any other non-nil err
// is recorded under "form" as by Add.
func (f *Fields) Merge(err error) {
	if err == nil {
		return
	}
	p, ok := As(err)
	if !ok || len(p.Fields) == 0 {
		f.Add("form", err)
		return
	}
	for _, fe := range p.Fields {
		f.Add(fe.Field, fe.Message)
	}
}

// Err returns an Invalid error carrying every field message, or nil when
// there are none. The order of fields is the order they were added, which
// should be the order of the form.
func (f *Fields) Err() error {
	if len(f.list) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Message: M("form.invalid"), Fields: append([]FieldError(nil), f.list...)}
}

// InvalidField returns an Invalid error for a single field.
func InvalidField(field string, err error) *Error {
	var f Fields
	f.Add(field, err)
	return f.Err().(*Error)
}

// TooManyUntil returns a TooMany error whose retry time is until-now,
// rounded up to whole seconds. The message gets Until (a time.Time) and
// Wait (a time.Duration) as arguments.
func TooManyUntil(id string, now, until time.Time) *Error {
	d := until.Sub(now)
	if d < time.Second {
		d = time.Second
	}
	d = (d + time.Second - 1).Truncate(time.Second)
	return &Error{Kind: TooMany, Message: M(id, "Until", until, "Wait", d), RetryAfter: d}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var p *Error
	if errors.As(err, &p) {
		return p, true
	}
	return nil, false
}

// KindOf returns the kind of err: Internal for anything that is not a
// *problem.Error.
func KindOf(err error) Kind {
	if p, ok := As(err); ok {
		return p.Kind
	}
	return Internal
}

// SortedFieldNames returns the names of the fields with messages, sorted.
func (e *Error) SortedFieldNames() []string {
	names := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		names = append(names, f.Field)
	}
	sort.Strings(names)
	return names
}
