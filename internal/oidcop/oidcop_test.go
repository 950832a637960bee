package oidcop_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/oidcop"
	"github.com/kabinet/kabinet/internal/pii"
	"github.com/kabinet/kabinet/internal/relyingparty"
	"github.com/kabinet/kabinet/internal/sso"
	"github.com/kabinet/kabinet/internal/store"
)

// rig is a provider on 127.0.0.1 over a fresh SQLite store, one
// registered site, and a login page that completes every request for one
// citizen at the standard level.
type rig struct {
	issuer string
	svc    *sso.Service
	conf   oauth2.Config
	rp     *gooidc.Provider
	// keyShift moves the signing keys' clock ahead of the real one, so
	// that a test sees them rotate.
	keyShift *time.Duration
	p        *oidcop.Provider
	told     *told                  // the back-channel logouts queued
	reg      *relyingparty.Registry // registers more sites
	// ssoShift moves single sign-on's clock (and so the provider's
	// caches') ahead of the real one.
	ssoShift *time.Duration
	claims   *countingClaims // userinfo's data, counted
}

// countingClaims releases a fixed claim and counts the releases (each
// one a record in the citizen's ledger).
type countingClaims struct {
	mu sync.Mutex
	n  int
}

func (c *countingClaims) Claims(context.Context, string, string, []string) (map[string]any, []string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return map[string]any{"family_name": "Иванова"}, []string{"fullname"}, nil
}

func (c *countingClaims) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// told records the back-channel logouts sso queues.
type told struct {
	mu   sync.Mutex
	list []sso.Logout
}

func (q *told) EnqueueLogout(_ context.Context, l sso.Logout) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.list = append(q.list, l)
	return nil
}

const (
	callback   = "http://127.0.0.1:9/cb"
	afterLeave = "http://127.0.0.1:9/bye" // the site's post-logout URI
	backURI    = "http://127.0.0.1:9/bcl" // its back-channel logout URI
)

func newRig(t testing.TB) *rig {
	t.Helper()
	ctx := context.Background()
	keys, err := pii.NewKeyring(bytes.Repeat([]byte{7}, 32), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, store.Options{SQLitePath: filepath.Join(t.TempDir(), "k.db")}, keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	reg := relyingparty.New(relyingparty.Deps{Store: st.RelyingParties(), Now: time.Now})
	c, secret, err := reg.Bootstrap(ctx, relyingparty.Client{ID: "school", Name: relyingparty.Text{RU: "Школа"}, Purpose: relyingparty.Text{RU: "Запись"},
		PrivacyURL: "https://school.example/privacy", RedirectURIs: []string{callback}, Scopes: []string{"fullname", "offline_access"},
		PostLogoutURIs: []string{afterLeave}, BackchannelLogoutURI: backURI, MaxLevel: account.Standard})
	if err != nil {
		t.Fatal(err)
	}
	queue, claims := &told{}, &countingClaims{}
	var ssoShift time.Duration
	svc := sso.New(sso.Deps{Store: st.SSO(), Clients: st.RelyingParties(), Now: func() time.Time { return time.Now().Add(ssoShift) }, Logouts: queue})
	n := 0
	var shift time.Duration
	signing := sso.NewKeys(st.SSO(), func() time.Time { return time.Now().Add(shift) }, func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) },
		func() (string, error) { n++; return "key" + string(rune('0'+n)), nil })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String() + "/oidc"
	p, err := oidcop.New(oidcop.Deps{SSO: svc, Keys: signing, Issuer: issuer, TokenKey: bytes.Repeat([]byte{9}, 32),
		LoginURL: func(id string) string { return "/login?id=" + url.QueryEscape(id) }, Home: "http://" + ln.Addr().String() + "/",
		LogoutURL: func(sealed string) string { return "/logout?l=" + url.QueryEscape(sealed) }, Claims: claims, CacheTTL: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/oidc/", http.StripPrefix("/oidc", p.Handler()))
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		// A test may carry ?refuse=<OAuth error> (the citizen refused,
		// or gave up raising the level) here.
		id := r.FormValue("id")
		if code := r.FormValue("refuse"); code != "" {
			req, err := svc.Request(r.Context(), id)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			p.Refuse(w, r, req, code, "the citizen refused")
			return
		}
		req, err := svc.Complete(r.Context(), id, sso.Citizen{AccountID: "acc1", SessionID: "ses1", AuthTime: time.Now(), AMR: []string{"pwd"}, Level: account.Standard})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		p.Respond(w, r, req)
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	rp, err := gooidc.NewProvider(ctx, issuer)
	if err != nil {
		t.Fatal(err)
	}
	return &rig{issuer: issuer, svc: svc, rp: rp, keyShift: &shift, p: p, told: queue, reg: reg, ssoShift: &ssoShift, claims: claims, conf: oauth2.Config{ClientID: c.ID, ClientSecret: secret, Endpoint: rp.Endpoint(),
		RedirectURL: callback, Scopes: []string{gooidc.ScopeOpenID, "fullname", gooidc.ScopeOfflineAccess}}}
}

// authorize follows the provider's redirects from an authorization URL to
// the site's callback and returns its query.
func authorize(t *testing.T, u string) url.Values {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), callback) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := hc.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || !strings.HasPrefix(loc.String(), callback) {
		t.Fatalf("not redirected to the site: %d %v", resp.StatusCode, err)
	}
	return loc.Query()
}

// TestCodeFlow: go-oidc and x/oauth2, as a site uses them, sign in
// through the provider — discovery, authorization with PKCE S256, the code
// exchanged with the site's secret, the ID token verified (signature,
// issuer, audience, nonce) with kabinet's acr and pairwise subject,
// userinfo, a refresh rotated — and the code cannot be used twice.
func TestCodeFlow(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	verifier := oauth2.GenerateVerifier()
	q := authorize(t, r.conf.AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier), gooidc.Nonce("nonce-1"),
		oauth2.SetAuthURLParam("acr_values", sso.ACR(account.Standard))))
	if q.Get("state") != "state-1" || q.Get("code") == "" {
		t.Fatalf("the callback: %v", q)
	}
	tok, err := r.conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	id, err := r.rp.Verifier(&gooidc.Config{ClientID: "school"}).Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		ACR   string   `json:"acr"`
		AMR   []string `json:"amr"`
		SID   string   `json:"sid"`
		Nonce string   `json:"nonce"`
		Name  string   `json:"name"`
	}
	if err := id.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if claims.Nonce != "nonce-1" || claims.ACR != sso.ACR(account.Standard) || claims.SID == "" || id.Subject == "" || id.Subject == "acc1" || claims.Name != "" {
		t.Errorf("the ID token: sub %q %+v", id.Subject, claims)
	}
	info, err := r.rp.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil || info.Subject != id.Subject {
		t.Fatalf("userinfo: %+v %v", info, err)
	}
	req, _ := http.NewRequest("GET", r.issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	if res, err := http.DefaultClient.Do(req); err != nil || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("userinfo may be cached: %v", err)
	} else {
		res.Body.Close()
	}
	if _, err := r.conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier)); err == nil {
		t.Fatal("the code exchanged twice")
	}
	if _, err := r.rp.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
		t.Fatal("the first exchange's token works after the code's reuse")
	}

	// A fresh sign-in, then a refresh: a new refresh token; the old one
	// replayed revokes.
	verifier = oauth2.GenerateVerifier()
	q = authorize(t, r.conf.AuthCodeURL("state-2", oauth2.S256ChallengeOption(verifier)))
	tok, err = r.conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("no refresh token: %v", err)
	}
	old := tok.RefreshToken
	tok.Expiry = time.Now().Add(-time.Minute)
	fresh, err := r.conf.TokenSource(ctx, tok).Token()
	if err != nil || fresh.RefreshToken == "" || fresh.RefreshToken == old {
		t.Fatalf("refreshed: %v", err)
	}
	// The school registered client_secret_basic: the secret in the form
	// is refused, whatever else is right.
	post := r.conf
	post.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	if _, err := post.TokenSource(ctx, &oauth2.Token{RefreshToken: fresh.RefreshToken, Expiry: time.Now().Add(-time.Minute)}).Token(); err == nil ||
		!strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("client_secret_post for a client_secret_basic site: %v", err)
	}
	replay := &oauth2.Token{RefreshToken: old, Expiry: time.Now().Add(-time.Minute)}
	if _, err := r.conf.TokenSource(ctx, replay).Token(); err == nil {
		t.Fatal("a used refresh token accepted")
	}
	if _, err := r.rp.UserInfo(ctx, oauth2.StaticTokenSource(fresh)); err == nil {
		t.Fatal("the refreshed token works after the replay")
	}
}
