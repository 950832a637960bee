package sso_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/i18n/i18ntest"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/relyingparty"
	"github.com/kabinet/kabinet/internal/sso"
)

var t0 = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

// memStore keeps single sign-on in memory.
type memStore struct {
	mu       sync.Mutex
	subjects map[[2]string]string
	requests map[string]sso.Request
	codes    map[string]*code
	grants   map[string]sso.Grant
	access   map[string]sso.AccessToken
	refresh  map[string]sso.RefreshToken // by hash
	consents map[[2]string][]string
	audit    []audit.Event
	told     []sso.Logout // the back-channel logouts queued
	// assertions are the client assertions used, by site and jti.
	assertions map[string]bool
}

func (m *memStore) UseAssertion(_ context.Context, clientID, jti string, _ time.Time) (bool, error) {
	defer m.lock()()
	if m.assertions == nil {
		m.assertions = map[string]bool{}
	}
	k := clientID + " " + jti
	fresh := !m.assertions[k]
	m.assertions[k] = true
	return fresh, nil
}

func (m *memStore) LiveGrantsOfSession(_ context.Context, sessionID string) ([]sso.Grant, error) {
	defer m.lock()()
	var out []sso.Grant
	for _, g := range m.grants {
		if g.SessionID == sessionID && g.Live() {
			out = append(out, g)
		}
	}
	return out, nil
}

func (m *memStore) AfterCommit(_ context.Context, fn func()) { fn() }

func (m *memStore) EnqueueLogout(_ context.Context, l sso.Logout) error {
	defer m.lock()()
	m.told = append(m.told, l)
	return nil
}

type code struct {
	request string
	expires time.Time
	used    bool
}

func newMemStore() *memStore {
	return &memStore{subjects: map[[2]string]string{}, requests: map[string]sso.Request{}, codes: map[string]*code{}, grants: map[string]sso.Grant{},
		access: map[string]sso.AccessToken{}, refresh: map[string]sso.RefreshToken{}, consents: map[[2]string][]string{}}
}

func (m *memStore) lock() func() { m.mu.Lock(); return m.mu.Unlock }

func (m *memStore) Transact(ctx context.Context, fn func(ctx context.Context) error) error {
	return fn(ctx)
}
func (m *memStore) Subject(_ context.Context, sector, accountID, fresh string, _ time.Time) (string, error) {
	defer m.lock()()
	if s, ok := m.subjects[[2]string{sector, accountID}]; ok {
		return s, nil
	}
	m.subjects[[2]string{sector, accountID}] = fresh
	return fresh, nil
}
func (m *memStore) CreateRequest(_ context.Context, r *sso.Request) error {
	defer m.lock()()
	m.requests[r.ID] = *r
	return nil
}
func (m *memStore) Request(_ context.Context, id string) (*sso.Request, bool, error) {
	defer m.lock()()
	r, ok := m.requests[id]
	return &r, ok, nil
}
func (m *memStore) SaveRequest(ctx context.Context, r *sso.Request) error {
	return m.CreateRequest(ctx, r)
}
func (m *memStore) SaveCode(_ context.Context, hash []byte, requestID string, expires time.Time) (bool, error) {
	defer m.lock()()
	for _, c := range m.codes {
		if c.request == requestID {
			return false, nil
		}
	}
	m.codes[string(hash)] = &code{request: requestID, expires: expires}
	return true, nil
}
func (m *memStore) ConsumeCode(_ context.Context, hash []byte, _ time.Time) (string, time.Time, bool, bool, error) {
	defer m.lock()()
	c, ok := m.codes[string(hash)]
	if !ok {
		return "", time.Time{}, false, false, nil
	}
	used := c.used
	c.used = true
	return c.request, c.expires, used, true, nil
}
func (m *memStore) CreateGrant(_ context.Context, g *sso.Grant) error {
	defer m.lock()()
	m.grants[g.ID] = *g
	return nil
}
func (m *memStore) Grant(_ context.Context, id string) (*sso.Grant, bool, error) {
	defer m.lock()()
	g, ok := m.grants[id]
	return &g, ok, nil
}
func (m *memStore) RevokeGrant(_ context.Context, id, reason string, at time.Time) (bool, error) {
	defer m.lock()()
	g, ok := m.grants[id]
	if !ok || !g.RevokedAt.IsZero() {
		return false, nil
	}
	g.RevokedAt, g.Reason = at, reason
	m.grants[id] = g
	return true, nil
}
func (m *memStore) CreateAccessToken(_ context.Context, t *sso.AccessToken) error {
	defer m.lock()()
	m.access[t.ID] = *t
	return nil
}
func (m *memStore) AccessToken(_ context.Context, id string) (*sso.AccessToken, bool, error) {
	defer m.lock()()
	t, ok := m.access[id]
	return &t, ok, nil
}
func (m *memStore) CreateRefreshToken(_ context.Context, t *sso.RefreshToken) error {
	defer m.lock()()
	m.refresh[string(t.Hash)] = *t
	return nil
}
func (m *memStore) RefreshToken(_ context.Context, hash []byte) (*sso.RefreshToken, bool, error) {
	defer m.lock()()
	t, ok := m.refresh[string(hash)]
	return &t, ok, nil
}
func (m *memStore) RotateRefreshToken(_ context.Context, id string, at time.Time) (bool, error) {
	defer m.lock()()
	for h, t := range m.refresh {
		if t.ID == id {
			if !t.RotatedAt.IsZero() {
				return false, nil
			}
			t.RotatedAt = at
			m.refresh[h] = t
			return true, nil
		}
	}
	return false, nil
}
func (m *memStore) Consent(_ context.Context, accountID, clientID string) ([]string, error) {
	defer m.lock()()
	return slices.Clone(m.consents[[2]string{accountID, clientID}]), nil
}
func (m *memStore) SaveConsent(_ context.Context, accountID, clientID string, scopes []string, _ time.Time) error {
	defer m.lock()()
	m.consents[[2]string{accountID, clientID}] = slices.Clone(scopes)
	return nil
}
func (m *memStore) Consents(_ context.Context, accountID string) ([]sso.Consent, error) {
	defer m.lock()()
	var out []sso.Consent
	for k, v := range m.consents {
		if k[0] == accountID {
			out = append(out, sso.Consent{ClientID: k[1], Scopes: slices.Clone(v), GivenAt: t0})
		}
	}
	return out, nil
}
func (m *memStore) DeleteConsent(_ context.Context, accountID, clientID string) (bool, error) {
	defer m.lock()()
	_, ok := m.consents[[2]string{accountID, clientID}]
	delete(m.consents, [2]string{accountID, clientID})
	return ok, nil
}
func (m *memStore) Grants(_ context.Context, accountID string) ([]sso.Grant, error) {
	defer m.lock()()
	var out []sso.Grant
	for _, g := range m.grants {
		if g.AccountID == accountID {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b sso.Grant) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}
func (m *memStore) AppendAudit(_ context.Context, e *audit.Event) error {
	defer m.lock()()
	m.audit = append(m.audit, *e)
	return nil
}

type clients map[string]relyingparty.Client

func (c clients) Client(_ context.Context, id string) (relyingparty.Client, bool, error) {
	x, ok := c[id]
	return x, ok, nil
}

func site(id, sector string, subject relyingparty.SubjectType, scopes ...string) relyingparty.Client {
	return relyingparty.Client{ID: id, Sector: sector, SubjectType: subject, MaxLevel: account.Standard,
		Scopes: append([]string{"openid"}, scopes...), RedirectURIs: []string{"https://" + sector + "/cb"}}
}

// fixture is a service over a memory store, a clock the test moves, and
// four sites: two of one sector, one of another, one public; one disabled.
func fixture() (*sso.Service, *memStore, *time.Time) {
	st := newMemStore()
	now := t0
	disabled := site("off", "off.ru", relyingparty.Pairwise)
	disabled.Disabled = true
	school := site("school", "edu.kaluga.ru", relyingparty.Pairwise, "fullname", "birthdate", "offline_access")
	school.BackchannelLogoutURI = "https://edu.kaluga.ru/logout"
	tax := site("tax", "tax.gov.ru", relyingparty.Pairwise, "fullname", "inn")
	tax.BackchannelLogoutURI = "https://tax.gov.ru/bcl"
	s := sso.New(sso.Deps{Store: st, Now: func() time.Time { return now }, Rand: rand.NewChaCha8([32]byte{15}), Logouts: st,
		Clients: clients{
			"school": school,
			"kinder": site("kinder", "edu.kaluga.ru", relyingparty.Pairwise, "fullname"),
			"tax":    tax,
			"public": site("public", "open.gov.ru", relyingparty.Public),
			"off":    disabled,
		}})
	return s, st, &now
}

func request(client string, scopes ...string) sso.Request {
	return sso.Request{ClientID: client, RedirectURI: "https://x/cb", Scopes: append([]string{"openid"}, scopes...), State: "st", Nonce: "n",
		CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}
}

var citizen = sso.Citizen{AccountID: "acc1", SessionID: "ses1", AuthTime: t0, AMR: []string{"pwd"}, Level: account.Standard}

func refusal(err error) string {
	if r, ok := err.(*sso.Refusal); ok {
		return r.Code
	}
	return ""
}

// TestBegin: kabinet's rules for a request — PKCE with S256, the openid
// scope, a registered site in service, no level above its highest — and
// scopes beyond the site's allowance dropped.
func TestBegin(t *testing.T) {
	s, _, _ := fixture()
	ctx := context.Background()
	noPKCE := request("school")
	noPKCE.CodeChallenge = ""
	acrHigh := request("school")
	acrHigh.ACRValues = []string{sso.ACR(account.Confirmed)}
	for _, tt := range []struct {
		name   string
		r      sso.Request
		method string
		want   string
	}{
		{"no PKCE", noPKCE, "", "invalid_request"},
		{"PKCE plain", request("school"), "plain", "invalid_request"},
		{"no openid", sso.Request{ClientID: "school", Scopes: []string{"fullname"}, CodeChallenge: "x"}, "S256", "invalid_scope"},
		{"a disabled site", request("off"), "S256", "unauthorized_client"},
		{"an unknown site", request("nobody"), "S256", "unauthorized_client"},
		{"a level above the site's", acrHigh, "S256", "invalid_request"},
	} {
		if _, err := s.Begin(ctx, tt.r, tt.method); refusal(err) != tt.want {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.want)
		}
	}
	r, err := s.Begin(ctx, request("school", "fullname", "snils", "birthdate"), "S256")
	if err != nil || !slices.Equal(r.Scopes, []string{"openid", "fullname", "birthdate"}) || r.ID == "" || !r.ExpiresAt.Equal(t0.Add(sso.RequestLifetime)) {
		t.Fatalf("begun: %+v %v", r, err)
	}
	if sso.Required([]string{"urn:other", sso.ACR(account.Confirmed), sso.ACR(account.Standard)}) != account.Standard || sso.Required([]string{"x"}) != "" {
		t.Error("Required: the lowest of kabinet's levels named")
	}
}

// TestSignIn: a completed request gives each sector its own subject (the
// same for two sites of a sector, another for another sector, the
// account's ID for a public site); its code works once within 60
// seconds, a second use revokes what the first issued; a level below the
// site's demand is refused until raised.
func TestSignIn(t *testing.T) {
	s, st, now := fixture()
	ctx := context.Background()
	complete := func(client string, scopes ...string) *sso.Request {
		t.Helper()
		r, err := s.Begin(ctx, request(client, scopes...), "S256")
		if err != nil {
			t.Fatal(err)
		}
		if r, err = s.Complete(ctx, r.ID, citizen); err != nil {
			t.Fatal(err)
		}
		return r
	}
	school, kinder, tax, public := complete("school", "fullname"), complete("kinder"), complete("tax"), complete("public")
	if school.Subject != kinder.Subject || school.Subject == tax.Subject || public.Subject != "acc1" || len(school.Subject) != 32 {
		t.Errorf("subjects: school %s, kinder %s, tax %s, public %s", school.Subject, kinder.Subject, tax.Subject, public.Subject)
	}

	if err := s.SaveCode(ctx, school.ID, "code-1"); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveCode(ctx, school.ID, "code-2"); refusal(err) != "invalid_request" {
		t.Errorf("a second code for a request: %v", err)
	}
	r, err := s.ByCode(ctx, "code-1")
	if err != nil || r.ID != school.ID || r.Subject != school.Subject {
		t.Fatalf("exchanged: %+v %v", r, err)
	}
	at, _, err := s.Tokens(ctx, r.GrantID, r.Granted)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Access(ctx, at.ID); err != nil {
		t.Fatalf("the access token: %v", err)
	}
	if _, err := s.ByCode(ctx, "code-1"); refusal(err) != "invalid_grant" {
		t.Errorf("the code again: %v", err)
	}
	if _, _, err := s.Access(ctx, at.ID); refusal(err) != "invalid_token" {
		t.Errorf("the first exchange's token after the code's reuse: %v", err)
	}
	if g := st.grants[r.GrantID]; g.Reason != sso.RevokedCodeReused {
		t.Errorf("the grant: %+v", g)
	}

	if err := s.SaveCode(ctx, kinder.ID, "code-3"); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(sso.CodeLifetime)
	if _, err := s.ByCode(ctx, "code-3"); refusal(err) != "invalid_grant" {
		t.Errorf("a code of 60 seconds ago: %v", err)
	}
	if _, err := s.ByCode(ctx, "never-issued"); refusal(err) != "invalid_grant" {
		t.Errorf("an unknown code: %v", err)
	}

	high := request("tax")
	high.ACRValues = []string{sso.ACR(account.Standard)}
	hr, err := s.Begin(ctx, high, "S256")
	if err != nil {
		t.Fatal(err)
	}
	low := citizen
	low.Level = account.Simplified
	if _, err := s.Complete(ctx, hr.ID, low); problem.KindOf(err) != problem.Conflict {
		t.Errorf("a simplified account for a standard demand: %v", err)
	}
	if r, err := s.Complete(ctx, hr.ID, citizen); err != nil || r.Level != account.Standard {
		t.Errorf("once raised: %+v %v", r, err)
	}
	*now = now.Add(sso.RequestLifetime)
	if _, err := s.Request(ctx, hr.ID); problem.KindOf(err) != problem.NotFound {
		t.Errorf("an expired request: %v", err)
	}
}

// TestRefresh: a refresh token is used once, each use giving a new one; a
// used one presented again revokes the grant, so the new one stops too.
func TestRefresh(t *testing.T) {
	s, _, _ := fixture()
	ctx := context.Background()
	r, err := s.Begin(ctx, request("school", "fullname", "offline_access"), "S256")
	if err != nil {
		t.Fatal(err)
	}
	if r, err = s.Complete(ctx, r.ID, citizen); err != nil {
		t.Fatal(err)
	}
	_, first, err := s.Tokens(ctx, r.GrantID, r.Granted)
	if err != nil || first == "" {
		t.Fatalf("no refresh token: %v", err)
	}
	rt, _, err := s.Refreshing(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	at, second, err := s.Rotate(ctx, rt, []string{"openid", "fullname", "snils"})
	if err != nil || second == "" || second == first || !slices.Equal(at.Scopes, []string{"openid", "fullname"}) {
		t.Fatalf("rotated: %+v %q %v", at, second, err)
	}
	if _, _, err := s.Rotate(ctx, rt, nil); refusal(err) != "invalid_grant" {
		t.Errorf("the same token rotated twice: %v", err)
	}
	if _, _, err := s.Refreshing(ctx, second); refusal(err) != "invalid_grant" {
		t.Errorf("the new token after the old one's reuse: %v", err)
	}
	if _, _, err := s.Access(ctx, at.ID); refusal(err) != "invalid_token" {
		t.Errorf("the access token after the reuse: %v", err)
	}
	// Without offline_access, no refresh token.
	r2, _ := s.Begin(ctx, request("kinder", "fullname"), "S256")
	r2, _ = s.Complete(ctx, r2.ID, citizen)
	if _, refresh, err := s.Tokens(ctx, r2.GrantID, r2.Granted); err != nil || refresh != "" {
		t.Errorf("a refresh token without offline_access: %q %v", refresh, err)
	}
}

// TestConsent: the citizen is asked for data they have not agreed to give
// the site, not again for the same, again for more or when the site asks.
func TestConsent(t *testing.T) {
	s, st, _ := fixture()
	ctx := context.Background()
	ask := func(r sso.Request) (*sso.Request, bool) {
		t.Helper()
		got, err := s.Begin(ctx, r, "S256")
		if err != nil {
			t.Fatal(err)
		}
		need, err := s.NeedsConsent(ctx, "acc1", got)
		if err != nil {
			t.Fatal(err)
		}
		return got, need
	}
	r, need := ask(request("school", "fullname"))
	if !need {
		t.Error("no consent asked the first time")
	}
	if _, err := s.Complete(ctx, r.ID, citizen); err != nil {
		t.Fatal(err)
	}
	if _, need := ask(request("school", "fullname")); need {
		t.Error("asked again for the same")
	}
	if _, need := ask(request("school", "fullname", "birthdate")); !need {
		t.Error("not asked for more")
	}
	again := request("school", "fullname")
	again.Prompt = []string{"consent"}
	if _, need := ask(again); !need {
		t.Error("not asked with prompt=consent")
	}
	if _, need := ask(request("kinder")); need {
		t.Error("asked for no data")
	}
	if st.audit[0].Action != "sso.granted" || st.audit[0].SubjectAccountID != "acc1" || st.audit[0].Details["client_id"] != "school" {
		t.Errorf("audit: %+v", st.audit)
	}
}

func TestMessages(t *testing.T) {
	i18ntest.CheckArea(t, "sso", map[string]map[string]any{"sso.request_expired": nil, "sso.level_low": nil, "sso.permission_not_found": nil})
}

// TestRelease: a site receives only what was verified, and only of the
// scopes it was granted: the registries' data with when they checked it,
// the INN the Tax Service found (not one typed), the contacts confirmed
// by a code.
func TestRelease(t *testing.T) {
	at := t0.Add(-48 * time.Hour)
	data := &profile.Data{Identity: person.Identity{Surname: "Петрова", Name: "Светлана", Patronymic: "Игоревна", Gender: person.Female,
		BirthDate: time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC), BirthPlace: "г. Калуга"},
		Passport: document.Passport{Series: "2910", Number: "123456", IssueDate: time.Date(2015, 6, 1, 0, 0, 0, 0, time.UTC), IssuedBy: "УМВД", DivisionCode: "400-001"},
		SNILS:    "15748293607"}
	full := sso.Person{Level: account.Standard, Data: data, DataVerifiedAt: at, Phone: "+79000000002", Email: "s@example.org", INN: "402700000000", INNVerifiedAt: at}
	for _, tt := range []struct {
		name     string
		scopes   []string
		p        sso.Person
		released []string
	}{
		{"a name only", []string{"openid", "fullname"}, full, []string{"fullname"}},
		{"everything asked", []string{"openid", "fullname", "birthdate", "gender", "birthplace", "snils", "id_doc", "inn", "email", "mobile", "addresses", "medical_doc"}, full,
			[]string{"fullname", "birthdate", "gender", "birthplace", "snils", "id_doc", "inn", "email", "mobile"}},
		{"nothing verified yet", []string{"openid", "fullname", "snils", "mobile"}, sso.Person{Level: account.Simplified, Phone: "+79000000001"}, []string{"mobile"}},
		{"no data scope", []string{"openid"}, full, nil},
	} {
		claims, released := sso.Release(tt.scopes, tt.p)
		if !slices.Equal(released, tt.released) {
			t.Errorf("%s: released %v, want %v (%v)", tt.name, released, tt.released, claims)
		}
	}
	claims, _ := sso.Release([]string{"fullname", "snils", "inn", "email"}, full)
	v := claims["verified_claims"].([]map[string]any)
	if len(v) != 2 || v[0]["verification"].(map[string]any)["time"] != at.Format(time.RFC3339) ||
		v[0]["claims"].(map[string]any)["snils"] != "157-482-936 07" || v[1]["claims"].(map[string]any)["inn"] != "402700000000" ||
		claims["email_verified"] != true || claims["family_name"] != nil {
		t.Errorf("claims: %+v", claims)
	}
}

// TestWithdraw: «Мои разрешения» lists the sites the citizen let in; a
// withdrawal drops the consent and ends the sign-ins there, so that the
// site's tokens stop and the next sign-in asks again.
func TestWithdraw(t *testing.T) {
	s, _, _ := fixture()
	ctx := context.Background()
	r, _ := s.Begin(ctx, request("school", "fullname", "offline_access"), "S256")
	r, err := s.Complete(ctx, r.ID, citizen)
	if err != nil {
		t.Fatal(err)
	}
	at, refresh, err := s.Tokens(ctx, r.GrantID, r.Granted)
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := s.Begin(ctx, request("tax"), "S256")
	if _, err := s.Complete(ctx, r2.ID, citizen); err != nil {
		t.Fatal(err)
	}
	ps, err := s.Permissions(ctx, "acc1")
	if err != nil || len(ps) != 2 {
		t.Fatalf("permissions: %+v %v", ps, err)
	}
	school := ps[slices.IndexFunc(ps, func(p sso.Permission) bool { return p.Site.ID == "school" })]
	if !slices.Equal(school.Scopes, []string{"fullname", "offline_access"}) || !school.Live || school.LastSignIn.IsZero() {
		t.Errorf("the school's permission: %+v", school)
	}
	if err := s.Withdraw(ctx, "acc1", "school"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Access(ctx, at.ID); refusal(err) != "invalid_token" {
		t.Errorf("the school's access token after the withdrawal: %v", err)
	}
	if _, _, err := s.Refreshing(ctx, refresh); refusal(err) != "invalid_grant" {
		t.Errorf("the school's refresh token after the withdrawal: %v", err)
	}
	again, _ := s.Begin(ctx, request("school", "fullname"), "S256")
	if need, _ := s.NeedsConsent(ctx, "acc1", again); !need {
		t.Error("not asked again after the withdrawal")
	}
	if err := s.Withdraw(ctx, "acc1", "school"); problem.KindOf(err) != problem.NotFound {
		t.Errorf("withdrawn twice: %v", err)
	}
	if err := s.Withdraw(ctx, "acc1", "nobody"); problem.KindOf(err) != problem.NotFound {
		t.Errorf("a site never let in: %v", err)
	}
}

// TestLogouts: the end of a kabinet session ends the sign-ins it made at
// sites, and each site that registered a back-channel logout URI is told
// (with the subject it knows and the sid of its ID token); offline access
// outlives a plain sign-out only. A site that signs the citizen out itself
// is not told; a withdrawal and a stolen code's replay tell.
func TestLogouts(t *testing.T) {
	s, st, _ := fixture()
	ctx := context.Background()
	signIn := func(client, session string, scopes ...string) *sso.Grant {
		t.Helper()
		r, err := s.Begin(ctx, request(client, scopes...), "S256")
		if err != nil {
			t.Fatal(err)
		}
		who := citizen
		who.SessionID = session
		if r, err = s.Complete(ctx, r.ID, who); err != nil {
			t.Fatal(err)
		}
		g, err := s.GrantOf(ctx, r.GrantID)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	live := func(g *sso.Grant) bool {
		t.Helper()
		x, err := s.GrantOf(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		return x.Live()
	}
	told := func(want ...*sso.Grant) {
		t.Helper()
		var got, exp []string
		for _, l := range st.told {
			got = append(got, l.ClientID+" "+l.Subject+" "+l.SID)
		}
		for _, g := range want {
			exp = append(exp, g.ClientID+" "+g.Subject+" "+g.ID)
		}
		slices.Sort(got)
		slices.Sort(exp)
		if !slices.Equal(got, exp) {
			t.Errorf("told %q, want %q", got, exp)
		}
		st.told = nil
	}

	school := signIn("school", "ses1", "fullname", "offline_access")
	tax := signIn("tax", "ses1", "fullname")
	kinder := signIn("kinder", "ses1", "fullname") // no back-channel URI
	elsewhere := signIn("tax", "ses2", "fullname")
	told()

	// A sign-out: the sites of that session are told; offline access stands.
	if err := s.SessionsEnded(ctx, "acc1", []string{"ses1"}, true); err != nil {
		t.Fatal(err)
	}
	told(school, tax)
	if !live(school) || live(tax) || live(kinder) || !live(elsewhere) {
		t.Errorf("after the sign-out: school %v tax %v kinder %v elsewhere %v, want true false false true", live(school), live(tax), live(kinder), live(elsewhere))
	}
	// Every other session ended for security (a password changed): every
	// sign-in but the kept session's goes, offline access included, also
	// where the session had ended before (the school's, signed out above).
	kept := signIn("tax", "ses9", "fullname")
	if err := s.AllSessionsEnded(ctx, "acc1", "ses9"); err != nil {
		t.Fatal(err)
	}
	told(school, elsewhere)
	if live(school) || live(elsewhere) || !live(kept) {
		t.Errorf("after the security end: school %v elsewhere %v kept %v, want false false true", live(school), live(elsewhere), live(kept))
	}
	// Ended from another device: that session's sign-ins go, offline too.
	device := signIn("school", "ses8", "fullname", "offline_access")
	if err := s.SessionsEnded(ctx, "acc1", []string{"ses8"}, false); err != nil {
		t.Fatal(err)
	}
	told(device)
	if live(device) {
		t.Error("offline access outlived its session's end from another device")
	}
	if err := s.SessionsEnded(ctx, "other", []string{"ses9"}, false); err != nil || !live(kept) {
		t.Errorf("another account's end touched this one: %v", err)
	}
	told()
	if err := s.AllSessionsEnded(ctx, "acc1", ""); err != nil || live(kept) {
		t.Errorf("the account's every session ended: %v, kept %v", err, live(kept))
	}
	told(kept)

	// The site signs the citizen out itself: the grant ends, untold; a
	// sid of another site, or another subject, ends nothing.
	again := signIn("tax", "ses3", "fullname")
	for _, x := range [][3]string{{"school", again.Subject, again.ID}, {"tax", "someone-else", again.ID}} {
		if err := s.SiteLogout(ctx, x[0], x[1], x[2]); err != nil || !live(again) {
			t.Errorf("SiteLogout%q: %v, live %v", x, err, live(again))
		}
	}
	if err := s.SiteLogout(ctx, "tax", again.Subject, again.ID); err != nil || live(again) {
		t.Errorf("SiteLogout by the site: %v, live %v", err, live(again))
	}
	told()

	// A withdrawal tells.
	last := signIn("school", "ses4", "fullname")
	if err := s.Withdraw(ctx, "acc1", "school"); err != nil {
		t.Fatal(err)
	}
	told(last)
}

// TestNeedsReauth: max_age asks a sign-in no older than it; prompt=login
// (max_age 0) asks the password again, once, during the request.
func TestNeedsReauth(t *testing.T) {
	age := func(n int) *int { return &n }
	now := t0.Add(time.Hour)
	for _, tt := range []struct {
		name       string
		r          sso.Request
		passwordAt time.Time
		want       bool
	}{
		{"no max_age", sso.Request{CreatedAt: now}, t0.Add(-24 * time.Hour), false},
		{"within max_age", sso.Request{CreatedAt: now, MaxAge: age(3600)}, t0.Add(time.Minute), false},
		{"older than max_age", sso.Request{CreatedAt: now, MaxAge: age(600)}, t0, true},
		{"prompt=login", sso.Request{CreatedAt: now, MaxAge: age(0)}, now.Add(-time.Second), true},
		{"prompt=login, proved again", sso.Request{CreatedAt: now, MaxAge: age(0), ReauthAt: now.Add(time.Second)}, t0, false},
		{"signed in during the request", sso.Request{CreatedAt: now, MaxAge: age(0)}, now.Add(time.Second), false},
	} {
		if got := tt.r.NeedsReauth(tt.passwordAt, now.Add(2*time.Second)); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestAssertion: a site's client assertion is admitted once; a replay, a
// missing jti and an expiry past or too far ahead are invalid_client; the
// same jti from another site is its own.
func TestAssertion(t *testing.T) {
	s, _, now := fixture()
	ctx := context.Background()
	for _, c := range []struct {
		name, client, jti string
		expires           time.Duration
		want              string
	}{
		{"fresh", "school", "j1", time.Minute, ""},
		{"replayed", "school", "j1", time.Minute, "invalid_client"},
		{"another site's jti", "tax", "j1", time.Minute, ""},
		{"no jti", "school", "", time.Minute, "invalid_client"},
		{"expired", "school", "j2", -time.Second, "invalid_client"},
		{"too far ahead", "school", "j3", sso.MaxAssertionLife + time.Minute, "invalid_client"},
		{"an hour ahead", "school", "j4", sso.MaxAssertionLife, ""},
	} {
		err := s.Assertion(ctx, c.client, c.jti, now.Add(c.expires))
		if refusal(err) != c.want || c.want == "" && err != nil {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
