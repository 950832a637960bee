package signature_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/esign"
	"github.com/kabinet/kabinet/internal/message"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/signature"
	"github.com/kabinet/kabinet/internal/staff"
	"github.com/kabinet/kabinet/internal/throttle"
)

// memStore keeps everything in memory; a transaction that fails leaves
// everything as it was.
type memStore struct {
	accounts   map[string]*account.Account
	verified   map[string]signature.Person
	statements []*signature.Statement
	cas        []*signature.TrustedCA
	crls       map[string]*signature.CRL
	gen        int64
	confirmed  map[string]string // account → method
	audit      []audit.Event
	caReads    int // TrustedCAs calls: the verifier's rebuilds
}

func newMem() *memStore {
	return &memStore{accounts: map[string]*account.Account{}, verified: map[string]signature.Person{},
		crls: map[string]*signature.CRL{}, confirmed: map[string]string{}}
}

func (m *memStore) Transact(ctx context.Context, fn func(context.Context) error) error {
	saved := m.snapshot()
	if err := fn(ctx); err != nil {
		saved.caReads = m.caReads
		*m = *saved
		return err
	}
	return nil
}

func (m *memStore) snapshot() *memStore {
	c := *m
	c.accounts = map[string]*account.Account{}
	for k, v := range m.accounts {
		a := *v
		c.accounts[k] = &a
	}
	c.verified = maps.Clone(m.verified)
	c.statements = nil
	for _, s := range m.statements {
		x := *s
		c.statements = append(c.statements, &x)
	}
	c.cas = slices.Clone(m.cas)
	c.crls = maps.Clone(m.crls)
	c.confirmed = maps.Clone(m.confirmed)
	c.audit = slices.Clone(m.audit)
	return &c
}

func (m *memStore) AccountByID(_ context.Context, id string) (*account.Account, error) {
	if a, ok := m.accounts[id]; ok {
		c := *a
		return &c, nil
	}
	return nil, problem.New(problem.NotFound, "account.not_found")
}
func (m *memStore) VerifiedPerson(_ context.Context, id string) (signature.Person, bool, error) {
	p, ok := m.verified[id]
	return p, ok, nil
}
func (m *memStore) LatestStatement(_ context.Context, accountID string) (*signature.Statement, error) {
	for i := len(m.statements) - 1; i >= 0; i-- {
		if s := m.statements[i]; s.AccountID == accountID {
			c := *s
			return &c, nil
		}
	}
	return nil, problem.New(problem.NotFound, "signature.no_statement")
}
func (m *memStore) CreateStatement(_ context.Context, s *signature.Statement) error {
	c := *s
	m.statements = append(m.statements, &c)
	return nil
}
func (m *memStore) UseStatement(_ context.Context, id string, at time.Time) (bool, error) {
	for _, s := range m.statements {
		if s.ID == id {
			if s.Used() {
				return false, nil
			}
			s.UsedAt = at
			return true, nil
		}
	}
	return false, problem.New(problem.NotFound, "signature.no_statement")
}
func (m *memStore) RaiseLevel(_ context.Context, id string, level account.Level, _ time.Time) (bool, error) {
	a := m.accounts[id]
	if a.Level.Meets(level) {
		return false, nil
	}
	a.Level = level
	return true, nil
}
func (m *memStore) RecordConfirmation(_ context.Context, id, method string, _ time.Time) error {
	m.confirmed[id] = method
	return nil
}
func (m *memStore) AppendAudit(_ context.Context, e *audit.Event) error {
	m.audit = append(m.audit, *e)
	return nil
}
func (m *memStore) TrustGeneration(context.Context) (int64, error) { return m.gen, nil }
func (m *memStore) TrustedCAs(context.Context) ([]*signature.TrustedCA, error) {
	m.caReads++
	return slices.Clone(m.cas), nil
}
func (m *memStore) AddTrustedCA(_ context.Context, ca *signature.TrustedCA) error {
	for _, x := range m.cas {
		if x.Fingerprint == ca.Fingerprint {
			return problem.New(problem.Conflict, "trust.ca_duplicate")
		}
	}
	c := *ca
	m.cas = append(m.cas, &c)
	m.gen++
	return nil
}
func (m *memStore) RemoveTrustedCA(_ context.Context, id string) (*signature.TrustedCA, error) {
	for i, x := range m.cas {
		if x.ID == id {
			m.cas = slices.Delete(m.cas, i, i+1)
			maps.DeleteFunc(m.crls, func(_ string, c *signature.CRL) bool { return c.CAID == id })
			m.gen++
			return x, nil
		}
	}
	return nil, problem.New(problem.NotFound, "trust.ca_not_found")
}
func (m *memStore) UploadedCRL(_ context.Context, key string) (*signature.CRL, error) {
	if c, ok := m.crls[key]; ok {
		x := *c
		return &x, nil
	}
	return nil, problem.New(problem.NotFound, "trust.crl_not_found")
}
func (m *memStore) SaveCRL(_ context.Context, c *signature.CRL) error {
	x := *c
	m.crls[c.IssuerKey] = &x
	return nil
}
func (m *memStore) UploadedCRLs(context.Context) ([]*signature.CRL, error) {
	return slices.Collect(maps.Values(m.crls)), nil
}

// actions are the audited actions, in order, that start with prefix.
func (m *memStore) actions(prefix string) []string {
	var out []string
	for _, e := range m.audit {
		if len(e.Action) >= len(prefix) && e.Action[:len(prefix)] == prefix {
			out = append(out, e.Action)
		}
	}
	return out
}

func (m *memStore) last(action string) *audit.Event {
	for i := len(m.audit) - 1; i >= 0; i-- {
		if m.audit[i].Action == action {
			return &m.audit[i]
		}
	}
	return nil
}

type grants struct{}

func (grants) Grants(context.Context) (staff.Grants, error) {
	return staff.Grants{{Role: staff.RoleAdministrator, Permission: staff.PermTrustManage}}, nil
}

type sessions struct{ changed []string }

func (s *sessions) AccountChanged(_ context.Context, id string) error {
	s.changed = append(s.changed, id)
	return nil
}

// limiter allows max takes per rule and subject; off lets everything by.
type limiter struct {
	n   map[string]int
	off bool
}

func (l *limiter) Take(_ context.Context, r throttle.Rule, subject string) error {
	if l.off {
		return nil
	}
	if l.n == nil {
		l.n = map[string]int{}
	}
	l.n[r.Name+subject]++
	if l.n[r.Name+subject] > r.Max {
		return problem.New(problem.TooMany, r.Message)
	}
	return nil
}

type notifier struct{ sent []message.Notification }

func (n *notifier) Send(_ context.Context, m message.Notification) error {
	n.sent = append(n.sent, m)
	return nil
}

type links struct{}

func (links) Account() string { return "https://kabinet.example/account" }

// elsewhere records ConfirmedElsewhere calls (a letter voided).
type elsewhere struct{ calls []string }

func (e *elsewhere) ConfirmedElsewhere(_ context.Context, accountID string, _ time.Time) error {
	e.calls = append(e.calls, accountID)
	return nil
}

// fetcher serves CRLs by issuer's common name, as the CA's distribution
// point would; down makes every fetch fail.
type fetcher struct {
	byCN  map[string][]byte
	down  bool
	calls int
}

func (f *fetcher) CRL(_ context.Context, issuer *esign.Certificate, _ []string) ([]byte, error) {
	f.calls++
	if f.down {
		return nil, errors.New("dial tcp 127.0.0.1:80: connection refused")
	}
	if b, ok := f.byCN[issuer.X509().Subject.CommonName]; ok {
		return b, nil
	}
	return nil, errors.New("404 Not Found")
}

type env struct {
	p     *pki
	st    *memStore
	svc   *signature.Service
	now   time.Time
	sess  *sessions
	notes *notifier
	lim   *limiter
	else_ *elsewhere
	fetch *fetcher
}

var (
	admin    = staff.Actor{Member: &staff.Member{ID: "adm1", Roles: []string{staff.RoleAdministrator}}, IP: "10.0.0.9", RequestID: "r1"}
	operator = staff.Actor{Member: &staff.Member{ID: "op1", Roles: []string{staff.RoleOperator}}, CenterID: "kaluga-mfc"}
	citizen  = session.Client{IP: "10.0.0.1", RequestID: "req"}
	ivanov   = signature.Person{Surname: "Иванов", Name: "Иван", Patronymic: "Иванович", SNILS: wantSNILS}
)

// newEnv is a standard account "acc" verified as Иванов Иван Иванович
// with the PKI of alg, its CRLs at their distribution points, and trust
// in the CAs named ("root", "inter").
func newEnv(t testing.TB, alg string, trust ...string) *env {
	t.Helper()
	p := getPKI(t, alg)
	e := &env{p: p, st: newMem(), now: p.t0.Add(time.Hour), sess: &sessions{}, notes: &notifier{}, lim: &limiter{}, else_: &elsewhere{},
		fetch: &fetcher{byCN: map[string][]byte{"Тестовый УЦ 2": p.interCRL, "Тестовый головной УЦ": p.rootCRL}}}
	e.st.accounts["acc"] = &account.Account{ID: "acc", Level: account.Standard, Status: account.Active, Name: "Иван", Surname: "Иванов",
		Phone: contact.Phone("+79001234567"), Lang: "ru"}
	e.st.verified["acc"] = ivanov
	n := 0
	e.svc = signature.New(signature.Deps{Store: e.st, Grants: grants{}, Sessions: e.sess, Limiter: e.lim, Notifier: e.notes, Links: links{},
		Elsewhere: e.else_, CRLFetcher: e.fetch, Site: "kabinet.example", Now: func() time.Time { return e.now }, Rand: rand.Reader,
		NewID: func() (string, error) { n++; return fmt.Sprintf("id%d", n), nil }})
	for _, name := range trust {
		pemData := map[string][]byte{"root": p.rootPEM, "inter": p.interPEM}[name]
		if _, err := e.svc.AddCA(context.Background(), admin, pemData); err != nil {
			t.Fatalf("trusting %s: %v", name, err)
		}
	}
	return e
}

// statement returns the account's current statement.
func (e *env) statement(t *testing.T) *signature.Statement {
	t.Helper()
	st, err := e.svc.Statement(context.Background(), "acc")
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func kind(err error) problem.Kind { return problem.KindOf(err) }

// messageID is err's message ID: its field's when it has one.
func messageID(err error) string {
	p, ok := problem.As(err)
	if !ok {
		return ""
	}
	if len(p.Fields) > 0 {
		return p.Fields[0].Message.ID
	}
	return p.Message.ID
}
