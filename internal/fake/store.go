package fake

import (
	"context"
	"maps"
	"sync"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/contactchange"
	"github.com/kabinet/kabinet/internal/flow"
	"github.com/kabinet/kabinet/internal/lockout"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/profile"
)

// Store keeps everything in maps. A Transact whose callback fails restores
// what was there before it began. The zero value is not ready: use
// NewStore.
type Store struct {
	mu sync.Mutex
	st state
	// FailCreateAccount, when set, is returned by CreateAccount (to imitate
	// a contact registered a moment ago by someone else).
	FailCreateAccount error
}

type storedFlow struct {
	f        flow.Flow
	version  int
	attempts int
}

type state struct {
	flows    map[string]storedFlow
	accounts map[string]account.Account
	audit    []audit.Event
	hits     map[string]map[time.Time]int
	logs     map[string][]time.Time
	guards   map[string]lockout.Guard
	undos    map[string]contactchange.Undo
	verified map[string]verifiedData         // by account
	vers     map[string]profile.Verification // by ID, with their checks
}

func (s state) clone() state {
	c := state{
		flows: maps.Clone(s.flows), accounts: maps.Clone(s.accounts), audit: append([]audit.Event(nil), s.audit...),
		hits: make(map[string]map[time.Time]int, len(s.hits)), logs: make(map[string][]time.Time, len(s.logs)), guards: maps.Clone(s.guards),
		undos: maps.Clone(s.undos), verified: maps.Clone(s.verified), vers: make(map[string]profile.Verification, len(s.vers)),
	}
	for k, v := range s.vers {
		v.Checks = append([]profile.Check(nil), v.Checks...)
		c.vers[k] = v
	}
	for k, v := range s.hits {
		c.hits[k] = maps.Clone(v)
	}
	for k, v := range s.logs {
		c.logs[k] = append([]time.Time(nil), v...)
	}
	return c
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{st: state{flows: map[string]storedFlow{}, accounts: map[string]account.Account{}, hits: map[string]map[time.Time]int{},
		logs: map[string][]time.Time{}, guards: map[string]lockout.Guard{}, undos: map[string]contactchange.Undo{},
		verified: map[string]verifiedData{}, vers: map[string]profile.Verification{}}}
}

// Transact runs fn; when it fails, every change made meanwhile is undone.
// Transactions do not run concurrently with each other's changes in mind:
// the fake is for sequential tests.
func (s *Store) Transact(ctx context.Context, fn func(ctx context.Context) error) error {
	s.mu.Lock()
	saved := s.st.clone()
	s.mu.Unlock()
	if err := fn(ctx); err != nil {
		s.mu.Lock()
		s.st = saved
		s.mu.Unlock()
		return err
	}
	return nil
}

// Flows.

// CreateFlow stores a new flow.
func (s *Store) CreateFlow(ctx context.Context, f *flow.Flow) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.flows[f.ID]; ok {
		return problem.New(problem.Conflict, "flow.conflict")
	}
	f.Stored = flow.Revision{State: f.State, Version: 0, Sends: f.Sends}
	s.st.flows[f.ID] = storedFlow{f: copyFlow(f), attempts: f.CodeAttempts}
	return nil
}

// UpdateFlow saves f if the stored flow is still at f.Stored (a Conflict
// "flow.conflict" otherwise). The attempts start afresh when a new code was
// issued; otherwise they stay as CountCodeAttempt left them.
func (s *Store) UpdateFlow(ctx context.Context, f *flow.Flow) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.st.flows[f.ID]
	if !ok || old.version != f.Stored.Version || old.f.State != f.Stored.State {
		return problem.New(problem.Conflict, "flow.conflict")
	}
	attempts := old.attempts
	if f.NewCode() {
		attempts = 0
	}
	f.Stored = flow.Revision{State: f.State, Version: f.Stored.Version + 1, Sends: f.Sends}
	s.st.flows[f.ID] = storedFlow{f: copyFlow(f), version: f.Stored.Version, attempts: attempts}
	return nil
}

// Flow returns a copy of the stored flow, or NotFound "flow.not_found".
func (s *Store) Flow(ctx context.Context, kind flow.Kind, id string) (*flow.Flow, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sf, ok := s.st.flows[id]
	if !ok || sf.f.Kind != kind {
		return nil, problem.New(problem.NotFound, "flow.not_found")
	}
	f := copyFlow(&sf.f)
	f.CodeAttempts = sf.attempts
	f.Stored = flow.Revision{State: f.State, Version: sf.version, Sends: f.Sends}
	return &f, nil
}

// CountCodeAttempt adds an attempt if the flow is at version.
func (s *Store) CountCodeAttempt(ctx context.Context, id string, version int, at time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sf, ok := s.st.flows[id]
	if !ok || sf.version != version {
		return 0, problem.New(problem.Conflict, "flow.conflict")
	}
	sf.attempts++
	s.st.flows[id] = sf
	return sf.attempts, nil
}

// FlowVersion returns the flow's saved version.
func (s *Store) FlowVersion(ctx context.Context, id string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sf, ok := s.st.flows[id]
	if !ok {
		return 0, problem.New(problem.NotFound, "flow.not_found")
	}
	return sf.version, nil
}

// SetFlow changes a stored flow in place, for tests that need a flow in a
// given condition (expired, say).
func (s *Store) SetFlow(id string, change func(f *flow.Flow)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sf := s.st.flows[id]
	change(&sf.f)
	s.st.flows[id] = sf
}

func copyFlow(f *flow.Flow) flow.Flow {
	c := *f
	c.Binding = append([]byte(nil), f.Binding...)
	if f.Binding == nil {
		c.Binding = nil
	}
	c.CodeHash = append([]byte(nil), f.CodeHash...)
	c.LinkHash = append([]byte(nil), f.LinkHash...)
	return c
}

// Accounts.

// AddAccount stores an account as it is.
func (s *Store) AddAccount(a account.Account) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.accounts[a.ID] = a
}

// Account returns the stored account (the zero Account when there is none).
func (s *Store) Account(id string) account.Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.accounts[id]
}

// Accounts returns how many accounts are stored.
func (s *Store) Accounts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.st.accounts)
}

func (s *Store) find(match func(a *account.Account) bool) (*account.Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.st.accounts {
		if match(&a) {
			return &a, nil
		}
	}
	return nil, problem.New(problem.NotFound, "account.not_found")
}

// AccountByPhone finds an account by its phone.
func (s *Store) AccountByPhone(ctx context.Context, p contact.Phone) (*account.Account, error) {
	return s.find(func(a *account.Account) bool { return a.Phone != "" && a.Phone == p })
}

// AccountByEmail finds an account by its e-mail.
func (s *Store) AccountByEmail(ctx context.Context, e contact.Email) (*account.Account, error) {
	return s.find(func(a *account.Account) bool { return a.Email != "" && a.Email == e })
}

// AccountByLogin finds an account by a phone or an e-mail login.
func (s *Store) AccountByLogin(ctx context.Context, l contact.Login) (*account.Account, error) {
	switch l.Kind {
	case contact.LoginEmail:
		return s.AccountByEmail(ctx, l.Email)
	case contact.LoginPhone:
		a, err := s.AccountByPhone(ctx, l.Phone)
		if l.SNILS != "" && problem.KindOf(err) == problem.NotFound {
			return s.accountBySNILS(ctx, l.SNILS)
		}
		return a, err
	case contact.LoginSNILS:
		return s.accountBySNILS(ctx, l.SNILS)
	}
	return nil, problem.New(problem.NotFound, "account.not_found")
}

// AccountByID finds an account by its ID.
func (s *Store) AccountByID(ctx context.Context, id string) (*account.Account, error) {
	return s.find(func(a *account.Account) bool { return a.ID == id })
}

// CreateAccount stores a new account; a phone or e-mail already taken is
// the Conflict "account.contact_taken".
func (s *Store) CreateAccount(ctx context.Context, a *account.Account) error {
	if s.FailCreateAccount != nil {
		return s.FailCreateAccount
	}
	if _, err := s.find(func(o *account.Account) bool {
		return a.Phone != "" && o.Phone == a.Phone || a.Email != "" && o.Email == a.Email
	}); err == nil {
		return problem.New(problem.Conflict, "account.contact_taken")
	}
	s.AddAccount(*a)
	return nil
}

// SetPassword replaces the password hash.
func (s *Store) SetPassword(ctx context.Context, id, hash string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.st.accounts[id]
	if !ok {
		return problem.New(problem.NotFound, "account.not_found")
	}
	a.PasswordHash, a.PasswordChangedAt, a.UpdatedAt = hash, at, at
	s.st.accounts[id] = a
	return nil
}

// RehashPassword replaces the hash if it is still oldHash.
func (s *Store) RehashPassword(ctx context.Context, id, oldHash, newHash string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.st.accounts[id]; ok && a.PasswordHash == oldHash {
		a.PasswordHash = newHash
		s.st.accounts[id] = a
	}
	return nil
}

// Audit.

// AppendAudit keeps an audit event.
func (s *Store) AppendAudit(ctx context.Context, e *audit.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.audit = append(s.st.audit, *e)
	return nil
}

// Audit returns the actions of the audit events kept, in order.
func (s *Store) Audit() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, e := range s.st.audit {
		out = append(out, e.Action)
	}
	return out
}

// Contact changes.

// SetContact sets, adds or (with "") removes the account's phone or
// e-mail; one another account has is the Conflict "account.contact_taken".
func (s *Store) SetContact(ctx context.Context, accountID string, ch contact.Channel, value string, at time.Time) error {
	if value != "" {
		if o, err := s.find(func(o *account.Account) bool {
			return ch == contact.ChannelSMS && string(o.Phone) == value || ch == contact.ChannelEmail && string(o.Email) == value
		}); err == nil && o.ID != accountID {
			return problem.New(problem.Conflict, "account.contact_taken")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.st.accounts[accountID]
	if !ok {
		return problem.New(problem.NotFound, "account.not_found")
	}
	if ch == contact.ChannelEmail {
		a.Email = contact.Email(value)
	} else {
		a.Phone = contact.Phone(value)
	}
	a.UpdatedAt = at
	s.st.accounts[accountID] = a
	return nil
}

// CreateContactUndo keeps an undo record.
func (s *Store) CreateContactUndo(ctx context.Context, u *contactchange.Undo) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.undos[u.ID] = *u
	return nil
}

// ContactUndo returns an undo record, or NotFound "undo.invalid".
func (s *Store) ContactUndo(ctx context.Context, id string) (*contactchange.Undo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.st.undos[id]
	if !ok {
		return nil, problem.New(problem.NotFound, "undo.invalid")
	}
	return &u, nil
}

// UseContactUndo marks an unused undo record used.
func (s *Store) UseContactUndo(ctx context.Context, id string, at time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.st.undos[id]
	if !ok || !u.UsedAt.IsZero() {
		return false, nil
	}
	u.UsedAt = at
	s.st.undos[id] = u
	return true, nil
}
