package relyingparty_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/i18n/i18ntest"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/relyingparty"
	"github.com/kabinet/kabinet/internal/staff"
)

var t0 = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

// site is a valid registration.
func site() relyingparty.Client {
	return relyingparty.Client{ID: "school-kaluga", Name: relyingparty.Text{RU: "Электронная школа", EN: "E-school"},
		Purpose:      relyingparty.Text{RU: "Запись в школу", EN: "School enrolment"},
		PrivacyURL:   "https://school.kaluga.ru/privacy",
		RedirectURIs: []string{"https://school.kaluga.ru/callback"}, Scopes: []string{"fullname", "birthdate"}}
}

// TestNormalize: defaults filled, what was typed tidied, and a message
// next to each field that is wrong.
func TestNormalize(t *testing.T) {
	c, err := relyingparty.Normalize(site())
	if err != nil {
		t.Fatal(err)
	}
	if c.Sector != "school.kaluga.ru" || c.SubjectType != relyingparty.Pairwise || c.AuthMethod != relyingparty.SecretBasic ||
		c.MaxLevel != account.Confirmed || !slices.Equal(c.Scopes, []string{"openid", "fullname", "birthdate"}) {
		t.Errorf("defaults: %+v", c)
	}
	tests := []struct {
		name   string
		change func(c *relyingparty.Client)
		fields []string
	}{
		{"trimmed and lower-cased", func(c *relyingparty.Client) {
			c.ID, c.Name.RU, c.RedirectURIs = " School-Kaluga ", " Школа ", []string{" https://school.kaluga.ru/callback ", ""}
		}, nil},
		{"an ID of other characters", func(c *relyingparty.Client) { c.ID = "школа" }, []string{"id"}},
		{"an ID too short", func(c *relyingparty.Client) { c.ID = "ab" }, []string{"id"}},
		{"no name, no purpose", func(c *relyingparty.Client) { c.Name.RU, c.Purpose.RU = "", "" }, []string{"name.ru", "purpose.ru"}},
		{"no privacy page", func(c *relyingparty.Client) { c.PrivacyURL = "" }, []string{"privacy_url"}},
		{"no redirect URI", func(c *relyingparty.Client) { c.RedirectURIs = nil }, []string{"redirect_uris"}},
		{"a bad and a repeated redirect URI", func(c *relyingparty.Client) {
			c.RedirectURIs = []string{"https://a.ru/cb", "http://a.ru/cb", "https://a.ru/cb"}
		}, []string{"redirect_uris[1]", "redirect_uris[2]"}},
		{"a bad post-logout URI", func(c *relyingparty.Client) { c.PostLogoutURIs = []string{"https://a.ru/#x"} }, []string{"post_logout_redirect_uris[0]"}},
		{"an unknown scope", func(c *relyingparty.Client) { c.Scopes = []string{"fullname", "passwords"} }, []string{"scopes"}},
		{"an unknown level", func(c *relyingparty.Client) { c.MaxLevel = "gold" }, []string{"max_level"}},
		{"an unknown subject type", func(c *relyingparty.Client) { c.SubjectType = "secret" }, []string{"subject_type"}},
		{"a bad sector", func(c *relyingparty.Client) { c.Sector = "not a host" }, []string{"sector"}},
		{"an unknown method", func(c *relyingparty.Client) { c.AuthMethod = "none" }, []string{"auth_method"}},
		{"keys needed", func(c *relyingparty.Client) { c.AuthMethod = relyingparty.PrivateKeyJWT }, []string{"jwks_uri"}},
		{"keys twice", func(c *relyingparty.Client) {
			c.AuthMethod, c.JWKSURI, c.JWKS = relyingparty.PrivateKeyJWT, "https://a.ru/jwks", publicJWKS
		}, []string{"jwks"}},
		{"a private key", func(c *relyingparty.Client) { c.AuthMethod, c.JWKS = relyingparty.PrivateKeyJWT, privateJWKS }, []string{"jwks"}},
		{"not a key set", func(c *relyingparty.Client) { c.AuthMethod, c.JWKS = relyingparty.PrivateKeyJWT, `{"kty":"EC"}` }, []string{"jwks"}},
		{"public keys", func(c *relyingparty.Client) { c.AuthMethod, c.JWKS = relyingparty.PrivateKeyJWT, publicJWKS }, nil},
		{"control characters", func(c *relyingparty.Client) { c.Name.EN = "E\x00school" }, []string{"name.en"}},
	}
	for _, tt := range tests {
		c := site()
		tt.change(&c)
		_, err := relyingparty.Normalize(c)
		if got := problemFields(err); !slices.Equal(got, tt.fields) {
			t.Errorf("%s: fields %v, want %v (%v)", tt.name, got, tt.fields, err)
		}
	}
}

// A P-256 public key, and the same with its private part.
const (
	publicJWKS  = `{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","use":"sig","kid":"k1"}]}`
	privateJWKS = `{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI","kid":"k1"}]}`
)

func problemFields(err error) []string {
	p, ok := problem.As(err)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range p.Fields {
		out = append(out, f.Field)
	}
	return out
}

// TestCheckURI: what a registered address may be. Every address is
// compared exactly, so it must be written as it will be sent.
func TestCheckURI(t *testing.T) {
	for uri, want := range map[string]string{
		"https://school.kaluga.ru/callback":            "",
		"https://school.kaluga.ru":                     "",
		"https://school.kaluga.ru:8443/cb?from=kab":    "",
		"http://127.0.0.1:9000/callback":               "",
		"http://localhost/callback":                    "",
		"http://[::1]:9000/callback":                   "",
		"https://xn--80ahgb7c.xn--p1ai/cb":             "",
		"http://school.kaluga.ru/callback":             "relyingparty.uri_https",
		"ftp://school.kaluga.ru/callback":              "relyingparty.uri_https",
		"javascript://school.kaluga.ru/%0aalert(1)":    "relyingparty.uri_https",
		"http://127.0.0.2/callback":                    "relyingparty.uri_https",
		"https://school.kaluga.ru/cb#frag":             "relyingparty.uri_fragment",
		"https://*.kaluga.ru/cb":                       "relyingparty.uri_fragment",
		"https://school.kaluga.ru\\@evil.ru/cb":        "relyingparty.uri_fragment",
		"https://user:pw@school.kaluga.ru/cb":          "relyingparty.uri_userinfo",
		"https://evil.ru@school.kaluga.ru/cb":          "relyingparty.uri_userinfo",
		"https://School.Kaluga.ru/cb":                  "relyingparty.uri_host",
		"https://school.kaluga.ru:0/cb":                "relyingparty.uri_host",
		"https://school.kaluga.ru:99999/cb":            "relyingparty.uri_host",
		"https://school.kaluga.ru:/cb":                 "relyingparty.uri_host",
		"https://school_kaluga.ru/cb":                  "relyingparty.uri_host",
		"https://школа.рф/cb":                          "relyingparty.uri_characters",
		"https://school.kaluga.ru/call back":           "relyingparty.uri_characters",
		"https://school.kaluga.ru/cb\n":                "relyingparty.uri_characters",
		"/callback":                                    "relyingparty.uri_absolute",
		"https:school.kaluga.ru/cb":                    "relyingparty.uri_absolute",
		"HTTPS://school.kaluga.ru/cb":                  "relyingparty.uri_absolute",
		"https:///cb":                                  "relyingparty.uri_absolute",
		"https://school.kaluga.ru/a/../cb":             "relyingparty.uri_path",
		"https://school.kaluga.ru/a/%2e%2e/cb":         "relyingparty.uri_path",
		"https://school.kaluga.ru/./cb":                "relyingparty.uri_path",
		"https://" + strings.Repeat("a", 2000) + ".ru": "relyingparty.uri_too_long",
	} {
		if got := relyingparty.CheckURI(uri); got != want {
			t.Errorf("%q: %q, want %q", uri, got, want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	f.Add("school-kaluga", "https://school.kaluga.ru/callback", "fullname birthdate", "client_secret_basic", "")
	f.Add("x", "http://[::1]:0/", "openid", "private_key_jwt", publicJWKS)
	f.Add("a-b", "https://a.ru/%zz", "", "", `{"keys":[{}]}`)
	f.Fuzz(func(t *testing.T, id, uri, scopes, method, jwks string) {
		c := site()
		c.ID, c.RedirectURIs, c.Scopes, c.AuthMethod, c.JWKS = id, []string{uri}, strings.Fields(scopes), relyingparty.AuthMethod(method), jwks
		n, err := relyingparty.Normalize(c)
		if err != nil {
			if p, ok := problem.As(err); !ok || p.Kind != problem.Invalid || len(p.Fields) == 0 {
				t.Fatalf("not an Invalid with fields: %v", err)
			}
			return
		}
		if relyingparty.CheckURI(n.RedirectURIs[0]) != "" || !slices.Contains(n.Scopes, "openid") {
			t.Fatalf("passed but wrong: %+v", n)
		}
		again, err := relyingparty.Normalize(n)
		if err != nil || !slices.Equal(again.Scopes, n.Scopes) || again.Sector != n.Sector {
			t.Fatalf("not stable: %+v %v", again, err)
		}
	})
}

func TestMessages(t *testing.T) {
	i18ntest.CheckArea(t, "relyingparty", map[string]map[string]any{
		"relyingparty.required": nil, "relyingparty.too_long": {"Max": 200}, "relyingparty.characters": nil,
		"relyingparty.id_format": nil, "relyingparty.redirect_required": nil, "relyingparty.too_many_uris": {"Max": 20},
		"relyingparty.uri_duplicate": nil, "relyingparty.uri_too_long": nil, "relyingparty.uri_characters": nil,
		"relyingparty.uri_fragment": nil, "relyingparty.uri_absolute": nil, "relyingparty.uri_userinfo": nil,
		"relyingparty.uri_https": nil, "relyingparty.uri_host": nil, "relyingparty.uri_path": nil,
		"relyingparty.scope_unknown": {"Scope": "x", "Scopes": "openid"}, "relyingparty.level_unknown": nil,
		"relyingparty.subject_type_unknown": nil, "relyingparty.sector_format": nil, "relyingparty.auth_method_unknown": nil,
		"relyingparty.keys_required": nil, "relyingparty.keys_both": nil, "relyingparty.keys_too_large": nil,
		"relyingparty.keys_format": nil, "relyingparty.keys_public": nil, "relyingparty.not_found": nil,
		"relyingparty.id_taken": nil, "relyingparty.no_secret": nil,
	})
}

// memStore keeps the registry in memory.
type memStore struct {
	mu      sync.Mutex
	clients map[string]relyingparty.Client
	audit   []audit.Event
}

func (m *memStore) Transact(ctx context.Context, fn func(ctx context.Context) error) error {
	return fn(ctx)
}
func (m *memStore) Clients(context.Context) ([]relyingparty.Client, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []relyingparty.Client
	for _, c := range m.clients {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b relyingparty.Client) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
func (m *memStore) Client(_ context.Context, id string) (relyingparty.Client, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.clients[id]
	return c, ok, nil
}
func (m *memStore) CreateClient(_ context.Context, c relyingparty.Client) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.clients[c.ID]; ok {
		return problem.New(problem.Conflict, "relyingparty.id_taken")
	}
	m.clients[c.ID] = c
	return nil
}
func (m *memStore) SaveClient(_ context.Context, c relyingparty.Client) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.clients[c.ID] = c
	return nil
}
func (m *memStore) AppendAudit(_ context.Context, e *audit.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.audit = append(m.audit, *e)
	return nil
}

type grants staff.Grants

func (g grants) Grants(context.Context) (staff.Grants, error) { return staff.Grants(g), nil }

var (
	admin    = staff.Actor{Member: &staff.Member{ID: "stf_admin", Roles: []string{staff.RoleAdministrator}}}
	operator = staff.Actor{Member: &staff.Member{ID: "stf_op", Roles: []string{staff.RoleOperator}}}
)

// TestRegistry: an administrator registers a site and gets its secret
// once; the secret checks, a wrong one does not; a change keeps it, a
// rotation replaces it; a site is disabled and enabled; an operator may do
// none of it; every change is audited.
func TestRegistry(t *testing.T) {
	st := &memStore{clients: map[string]relyingparty.Client{}}
	r := relyingparty.New(relyingparty.Deps{Store: st, Now: func() time.Time { return t0 },
		Grants: grants{{Role: staff.RoleAdministrator, Permission: staff.PermRPManage}}, Rand: rand.NewChaCha8([32]byte{14, 15})})
	ctx := context.Background()
	c, secret, err := r.Register(ctx, admin, site())
	if err != nil || len(secret) != 43 || !c.CheckSecret(secret) || c.CheckSecret(secret+"x") || c.CheckSecret("") {
		t.Fatalf("registered %+v, secret %q, %v", c, secret, err)
	}
	if _, _, err := r.Register(ctx, admin, site()); problem.KindOf(err) != problem.Conflict {
		t.Errorf("registered twice: %v", err)
	}
	if _, _, err := r.Register(ctx, operator, site()); problem.KindOf(err) != problem.Forbidden {
		t.Errorf("an operator registered a site: %v", err)
	}
	// Saved as it is: nothing changes, nothing is recorded.
	if got, again, err := r.Change(ctx, admin, site()); err != nil || again != "" || !got.UpdatedAt.Equal(c.UpdatedAt) || got.UpdatedBy != c.UpdatedBy {
		t.Errorf("saved unchanged: %+v %q %v", got, again, err)
	}
	changed := site()
	changed.Scopes = []string{"snils"}
	got, again, err := r.Change(ctx, admin, changed)
	if err != nil || again != "" || !got.CheckSecret(secret) || !slices.Equal(got.Scopes, []string{"openid", "snils"}) || !got.CreatedAt.Equal(t0) {
		t.Fatalf("changed: %+v %q %v", got, again, err)
	}
	_, newSecret, err := r.RotateSecret(ctx, admin, c.ID)
	if err != nil || newSecret == "" {
		t.Fatalf("rotated: %v", err)
	}
	if stored, _ := r.Get(ctx, admin, c.ID); stored.CheckSecret(secret) || !stored.CheckSecret(newSecret) {
		t.Error("the old secret still works after the rotation")
	}
	keys := site()
	keys.AuthMethod, keys.JWKS = relyingparty.PrivateKeyJWT, publicJWKS
	if got, s, err := r.Change(ctx, admin, keys); err != nil || s != "" || got.CheckSecret(newSecret) {
		t.Errorf("changed to keys: %q %v", s, err)
	}
	if stored, _ := r.Get(ctx, admin, c.ID); len(stored.SecretHash) != 0 {
		t.Error("a site moved to keys keeps its old secret's hash")
	}
	if _, _, err := r.RotateSecret(ctx, admin, c.ID); problem.KindOf(err) != problem.Conflict {
		t.Errorf("a secret for a site of keys: %v", err)
	}
	if got, s, err := r.Change(ctx, admin, site()); err != nil || s == "" || !got.CheckSecret(s) {
		t.Errorf("back to a secret, a new one: %q %v", s, err)
	}
	if err := r.SetDisabled(ctx, admin, c.ID, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.Get(ctx, admin, c.ID); !got.Disabled {
		t.Error("not disabled")
	}
	if list, err := r.List(ctx, admin); err != nil || len(list) != 1 || list[0].ID != c.ID {
		t.Errorf("list: %+v %v", list, err)
	}
	if _, err := r.List(ctx, operator); problem.KindOf(err) != problem.Forbidden {
		t.Errorf("an operator listed the sites: %v", err)
	}
	if _, err := r.Get(ctx, admin, "nobody"); problem.KindOf(err) != problem.NotFound {
		t.Errorf("an unknown site: %v", err)
	}
	var actions []string
	for _, e := range st.audit {
		actions = append(actions, e.Action)
		if e.ActorID != "stf_admin" || e.Details["client_id"] != c.ID {
			t.Errorf("%s: actor %q, details %v", e.Action, e.ActorID, e.Details)
		}
	}
	if want := []string{"rp.registered", "rp.changed", "rp.secret_rotated", "rp.changed", "rp.changed", "rp.disabled"}; !slices.Equal(actions, want) {
		t.Errorf("audit %v, want %v", actions, want)
	}
}
