package oidcop_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/relyingparty"
	"github.com/kabinet/kabinet/internal/sso"
)

// refused follows an authorization URL with the login page told to
// refuse with code ("" to sign in) and returns the site's callback query.
func refused(t *testing.T, u, code string) url.Values {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if req.URL.Path == "/login" && code != "" {
			req.URL.RawQuery += "&refuse=" + code
		}
		if strings.HasPrefix(req.URL.String(), callback) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	res, err := hc.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, err := res.Location()
	if err != nil || !strings.HasPrefix(loc.String(), callback) {
		t.Fatalf("not redirected to the site: %d %v", res.StatusCode, err)
	}
	return loc.Query()
}

// codeFor signs in and returns a code and its verifier.
func (r *rig) codeFor(t *testing.T, conf oauth2.Config, opts ...oauth2.AuthCodeOption) (code, verifier string) {
	t.Helper()
	verifier = oauth2.GenerateVerifier()
	q := authorize(t, conf.AuthCodeURL("st", append(opts, oauth2.S256ChallengeOption(verifier))...))
	if q.Get("code") == "" {
		t.Fatalf("no code: %v", q)
	}
	return q.Get("code"), verifier
}

// oauthError is the OAuth error code in an x/oauth2 error, "" for none.
func oauthError(err error) string {
	if re, ok := err.(*oauth2.RetrieveError); ok {
		return re.ErrorCode
	}
	return ""
}

// TestNegativeSuite (issue 15 §5): in one table, every way a site's
// request or exchange may break kabinet's rules, and what the site gets.
// One provider serves the rows in order; a row that moves a clock puts it
// back.
func TestNegativeSuite(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	c, secret, err := r.reg.Bootstrap(ctx, relyingparty.Client{ID: "other-site", Name: relyingparty.Text{RU: "Другой сайт"}, Purpose: relyingparty.Text{RU: "тест"},
		PrivacyURL: "https://other.example/privacy", RedirectURIs: []string{callback}, MaxLevel: account.Standard})
	if err != nil {
		t.Fatal(err)
	}
	// Both sites registered client_secret_basic: x/oauth2 must not try
	// the form after a refusal (its auto-detection would, and meet
	// invalid_client instead of the refusal under test).
	r.conf.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
	other := oauth2.Config{ClientID: c.ID, ClientSecret: secret, Endpoint: r.conf.Endpoint, RedirectURL: callback, Scopes: []string{gooidc.ScopeOpenID}}
	authErr := func(t *testing.T, want string, opts ...oauth2.AuthCodeOption) {
		t.Helper()
		if q := authorize(t, r.conf.AuthCodeURL("st", opts...)); q.Get("error") != want || q.Get("state") != "st" || q.Get("code") != "" {
			t.Errorf("%v, want %s", q, want)
		}
	}
	for _, tt := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"redirect_uri variants: none is redirected to", func(t *testing.T) { redirectNowhere(t, r) }},
		{"an unregistered redirect URI or the implicit flow: no redirect at all", func(t *testing.T) {
			for name, u := range map[string]string{
				"unregistered": strings.Replace(r.conf.AuthCodeURL("st", oauth2.S256ChallengeOption("v")), url.QueryEscape(callback), url.QueryEscape("http://127.0.0.1:9/cb/"), 1),
				"implicit":     r.conf.AuthCodeURL("st", oauth2.S256ChallengeOption("v"), oauth2.SetAuthURLParam("response_type", "token")),
			} {
				res, err := http.Get(u)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != http.StatusBadRequest || res.Header.Get("Location") != "" {
					t.Errorf("%s: %d %q", name, res.StatusCode, res.Header.Get("Location"))
				}
			}
		}},
		{"userinfo without a token or with a bad one: 401 and its challenge (RFC 6750 §3)", func(t *testing.T) {
			for token, want := range map[string]string{"": `Bearer realm="kabinet"`, "not-a-token": `Bearer error="invalid_token"`} {
				req, _ := http.NewRequest("GET", r.issuer+"/userinfo", nil)
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), want) {
					t.Errorf("token %q: %d %q, want 401 %s…", token, res.StatusCode, res.Header.Get("WWW-Authenticate"), want)
				}
			}
		}},
		{"PKCE missing", func(t *testing.T) { authErr(t, "invalid_request") }},
		{"PKCE plain", func(t *testing.T) {
			authErr(t, "invalid_request", oauth2.SetAuthURLParam("code_challenge", strings.Repeat("a", 43)), oauth2.SetAuthURLParam("code_challenge_method", "plain"))
		}},
		{"the wrong PKCE verifier", func(t *testing.T) {
			code, _ := r.codeFor(t, r.conf)
			if _, err := r.conf.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); oauthError(err) != "invalid_grant" {
				t.Errorf("exchanged with another verifier: %v", err)
			}
		}},
		{"a code used twice: refused, and the first exchange's tokens revoked", func(t *testing.T) {
			code, v := r.codeFor(t, r.conf)
			tok, err := r.conf.Exchange(ctx, code, oauth2.VerifierOption(v))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.conf.Exchange(ctx, code, oauth2.VerifierOption(v)); oauthError(err) != "invalid_grant" {
				t.Errorf("the second exchange: %v", err)
			}
			if _, err := r.rp.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
				t.Error("the first exchange's access token works after the reuse")
			}
		}},
		{"an expired code (60 s)", func(t *testing.T) {
			code, v := r.codeFor(t, r.conf)
			*r.ssoShift = sso.CodeLifetime + time.Second
			defer func() { *r.ssoShift = 0 }()
			if _, err := r.conf.Exchange(ctx, code, oauth2.VerifierOption(v)); oauthError(err) != "invalid_grant" {
				t.Errorf("an expired code exchanged: %v", err)
			}
		}},
		{"another site's code", func(t *testing.T) {
			code, v := r.codeFor(t, r.conf)
			if _, err := other.Exchange(ctx, code, oauth2.VerifierOption(v)); oauthError(err) != "invalid_grant" {
				t.Errorf("exchanged by another site: %v", err)
			}
		}},
		{"the wrong secret", func(t *testing.T) {
			code, v := r.codeFor(t, r.conf)
			bad := r.conf
			bad.ClientSecret = secret
			if _, err := bad.Exchange(ctx, code, oauth2.VerifierOption(v)); oauthError(err) != "invalid_client" {
				t.Errorf("exchanged with another site's secret: %v", err)
			}
		}},
		{"a client assertion with alg=none", func(t *testing.T) {
			none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." +
				base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"school","sub":"school","aud":"`+r.issuer+`","jti":"x","exp":9999999999}`)) + "."
			code, v := r.codeFor(t, r.conf)
			res, err := http.PostForm(r.rp.Endpoint().TokenURL, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {v},
				"redirect_uri": {callback}, "client_id": {"school"}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
				"client_assertion": {none}})
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("alg=none: %d", res.StatusCode)
			}
		}},
		{"state and nonce echoed exactly", func(t *testing.T) {
			state, nonce := "a b&c=d/é?#%+~", "n=1&x y/ё"
			v := oauth2.GenerateVerifier()
			q := authorize(t, r.conf.AuthCodeURL(state, oauth2.S256ChallengeOption(v), gooidc.Nonce(nonce)))
			if q.Get("state") != state {
				t.Errorf("state %q, want %q", q.Get("state"), state)
			}
			tok, err := r.conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(v))
			if err != nil {
				t.Fatal(err)
			}
			id, err := r.rp.Verifier(&gooidc.Config{ClientID: "school"}).Verify(ctx, tok.Extra("id_token").(string))
			if err != nil || id.Nonce != nonce {
				t.Errorf("nonce %q, want %q (%v)", id.Nonce, nonce, err)
			}
		}},
		{"scopes beyond the site's allowance dropped", func(t *testing.T) {
			conf := r.conf
			conf.Scopes = []string{gooidc.ScopeOpenID, "fullname", "inn", "snils", "no_such_scope"}
			code, v := r.codeFor(t, conf)
			tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(v))
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := tok.Extra("scope").(string); got != "openid fullname" {
				t.Errorf("granted %q, want openid fullname", got)
			}
		}},
		{"acr_values above the site's highest level", func(t *testing.T) {
			authErr(t, "invalid_request", oauth2.S256ChallengeOption("v"), oauth2.SetAuthURLParam("acr_values", sso.ACR(account.Confirmed)))
		}},
		{"acr_values met: the ID token says the level", func(t *testing.T) {
			code, v := r.codeFor(t, r.conf, oauth2.SetAuthURLParam("acr_values", sso.ACR(account.Standard)))
			tok, err := r.conf.Exchange(ctx, code, oauth2.VerifierOption(v))
			if err != nil {
				t.Fatal(err)
			}
			id, err := r.rp.Verifier(&gooidc.Config{ClientID: "school"}).Verify(ctx, tok.Extra("id_token").(string))
			var claims struct {
				ACR string `json:"acr"`
			}
			if err != nil || id.Claims(&claims) != nil || claims.ACR != sso.ACR(account.Standard) {
				t.Errorf("acr %q (%v)", claims.ACR, err)
			}
		}},
		{"acr_values unmet and the citizen gives up", func(t *testing.T) {
			q := refused(t, r.conf.AuthCodeURL("st", oauth2.S256ChallengeOption("v"), oauth2.SetAuthURLParam("acr_values", sso.ACR(account.Standard))),
				"unmet_authentication_requirements")
			if q.Get("error") != "unmet_authentication_requirements" || q.Get("state") != "st" {
				t.Errorf("%v", q)
			}
		}},
		{"the citizen refuses", func(t *testing.T) {
			if q := refused(t, r.conf.AuthCodeURL("st", oauth2.S256ChallengeOption("v")), "access_denied"); q.Get("error") != "access_denied" || q.Get("state") != "st" {
				t.Errorf("%v", q)
			}
		}},
		{"a refresh token replayed: the grant revoked", func(t *testing.T) {
			code, v := r.codeFor(t, r.conf)
			tok, err := r.conf.Exchange(ctx, code, oauth2.VerifierOption(v))
			if err != nil {
				t.Fatal(err)
			}
			old := tok.RefreshToken
			tok.Expiry = time.Now().Add(-time.Minute)
			fresh, err := r.conf.TokenSource(ctx, tok).Token()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: old, Expiry: time.Now().Add(-time.Minute)}).Token(); oauthError(err) != "invalid_grant" {
				t.Errorf("the old refresh token: %v", err)
			}
			if _, err := r.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: fresh.RefreshToken, Expiry: time.Now().Add(-time.Minute)}).Token(); oauthError(err) != "invalid_grant" {
				t.Errorf("the new refresh token after the replay: %v", err)
			}
		}},
		{"an ID token of a retired key: verifies within the overlap, not after", func(t *testing.T) {
			defer func() { *r.keyShift = 0 }()
			code, v := r.codeFor(t, r.conf)
			tok, err := r.conf.Exchange(ctx, code, oauth2.VerifierOption(v))
			if err != nil {
				t.Fatal(err)
			}
			raw := tok.Extra("id_token").(string)
			verify := func() error {
				p, err := gooidc.NewProvider(ctx, r.issuer) // a site's fresh look at the keys
				if err != nil {
					t.Fatal(err)
				}
				_, err = p.Verifier(&gooidc.Config{ClientID: "school"}).Verify(ctx, raw)
				return err
			}
			*r.keyShift = sso.KeyPeriod + 2*time.Minute
			if err := verify(); err != nil {
				t.Fatalf("within the overlap: %v", err)
			}
			*r.keyShift = sso.KeyPeriod + sso.KeyOverlap + 2*time.Minute
			if err := verify(); err == nil || !strings.Contains(err.Error(), "signature") {
				t.Fatalf("after its window: %v", err)
			}
		}},
	} {
		t.Run(tt.name, tt.run)
	}
}
