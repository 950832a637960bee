package fake

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/kabinet/kabinet/internal/message"
	"github.com/kabinet/kabinet/internal/session"
)

// Clock is a settable time source.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time; pass it as a service's Now.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Notifier records what the services send, in order. It knows the message
// only through Sent, so that a change of the notification type touches
// Send and Field alone.
type Notifier struct {
	mu   sync.Mutex
	sent []message.Notification
	// Err, when set, is returned by Send (and nothing is recorded).
	Err error
}

// Sent is one recorded message.
type Sent struct {
	Template  string
	To        string
	AccountID string
	n         message.Notification
}

// Field returns a field of the message's data ("Code", "Link",
// "Until"…), or nil when its type has no such field.
func (s Sent) Field(name string) any {
	v := reflect.ValueOf(s.n.Data)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	f := v.FieldByName(name)
	if !f.IsValid() {
		return nil
	}
	return f.Interface()
}

// Send records n.
func (r *Notifier) Send(ctx context.Context, n message.Notification) error {
	if r.Err != nil {
		return r.Err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, n)
	return nil
}

// All returns every message recorded.
func (r *Notifier) All() []Sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Sent, len(r.sent))
	for i, n := range r.sent {
		out[i] = Sent{Template: n.Data.Template(), To: n.To, AccountID: n.AccountID, n: n}
	}
	return out
}

// Templates returns the template names of the messages recorded, in order.
func (r *Notifier) Templates() []string {
	var out []string
	for _, s := range r.All() {
		out = append(out, s.Template)
	}
	return out
}

// Last returns the latest message, failing the test if there is none or
// it has another template.
func (r *Notifier) Last(t interface {
	Helper()
	Fatalf(string, ...any)
}, template string) Sent {
	t.Helper()
	all := r.All()
	if len(all) == 0 {
		t.Fatalf("no message sent; want %s", template)
	}
	s := all[len(all)-1]
	if s.Template != template {
		t.Fatalf("last message is %s, want %s", s.Template, template)
	}
	return s
}

// Code returns the "Code" of the latest message with that template, for a
// test that types it back.
func (r *Notifier) Code(t interface {
	Helper()
	Fatalf(string, ...any)
}, template string) string {
	t.Helper()
	code, _ := r.Last(t, template).Field("Code").(string)
	if code == "" {
		t.Fatalf("%s carries no code", template)
	}
	return code
}

// Sessions issues numbered sessions and records the sign-in history.
type Sessions struct {
	mu       sync.Mutex
	n        int
	Issued   []*session.Session
	History  []string // "accountID method outcome"
	Ended    map[string]int
	Sessions map[string]int // active sessions per account, for EndOthers
	Changed  map[string]int // AccountChanged calls per account
}

// Issue returns a new session for the account.
func (s *Sessions) Issue(ctx context.Context, accountID, method string, c session.Client) (string, *session.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	ss := &session.Session{ID: fmt.Sprintf("s%d", s.n), AccountID: accountID, Method: method, IP: c.IP}
	s.Issued = append(s.Issued, ss)
	if s.Sessions == nil {
		s.Sessions = map[string]int{}
	}
	s.Sessions[accountID]++
	return fmt.Sprintf("token%d", s.n), ss, nil
}

// RecordSignIn keeps an entry of the history.
func (s *Sessions) RecordSignIn(ctx context.Context, accountID, method, outcome string, c session.Client) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.History = append(s.History, accountID+" "+method+" "+outcome)
	return nil
}

// EndOthers ends every active session of the account and returns how many.
func (s *Sessions) EndOthers(ctx context.Context, accountID, keepID, reason string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.Sessions[accountID]
	delete(s.Sessions, accountID)
	if keepID != "" && n > 0 { // the one kept is among the active ones
		n--
		s.Sessions[accountID] = 1
	}
	if s.Ended == nil {
		s.Ended = map[string]int{}
	}
	s.Ended[accountID] += n
	return n, nil
}

// AccountChanged counts the announcements that an account changed.
func (s *Sessions) AccountChanged(ctx context.Context, accountID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Changed == nil {
		s.Changed = map[string]int{}
	}
	s.Changed[accountID]++
	return nil
}
