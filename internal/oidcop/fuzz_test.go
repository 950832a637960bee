package oidcop_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/oidcop"
	"github.com/kabinet/kabinet/internal/relyingparty"
)

// FuzzOpenLogout: kabinet's logout page reads only what a provider with
// the deployment's key sealed: anything else is refused, never a panic,
// and whatever opens is a whole, unexpired request. (Each fuzzing worker
// builds its own rig: the seed sealed by another opens with the same key
// but names that rig's address.)
func FuzzOpenLogout(f *testing.F) {
	r := newRig(f)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Get(r.issuer + "/end_session")
	if err != nil {
		f.Fatal(err)
	}
	res.Body.Close()
	sealed, _ := url.QueryUnescape(strings.TrimPrefix(res.Header.Get("Location"), "/logout?l="))
	if _, err := r.p.OpenLogout(sealed); err != nil {
		f.Fatal(err)
	}
	f.Add(sealed)
	f.Add("")
	f.Add(strings.Repeat("A", 200))
	f.Fuzz(func(t *testing.T, s string) {
		got, err := r.p.OpenLogout(s)
		if err == nil && (got.Redirect == "" || !got.ExpiresAt.After(time.Now()) || got.ExpiresAt.After(time.Now().Add(oidcop.LogoutLifetime))) {
			t.Errorf("OpenLogout(%q) = %+v", s, got)
		}
	})
}

// FuzzClientAssertion: whatever a client assertion holds, the token
// endpoint refuses it with a client error for a site of keys — never a
// token, never a server error.
func FuzzClientAssertion(f *testing.F) {
	r := newRig(f)
	ctx := context.Background()
	if _, _, err := r.reg.Bootstrap(ctx, relyingparty.Client{ID: "keys-site", Name: relyingparty.Text{RU: "Сайт"}, Purpose: relyingparty.Text{RU: "тест"},
		PrivacyURL: "https://site.example/privacy", RedirectURIs: []string{callback}, MaxLevel: account.Standard, AuthMethod: relyingparty.PrivateKeyJWT,
		JWKS: `{"keys":[{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","kid":"k1","use":"sig"}]}`}); err != nil {
		f.Fatal(err)
	}
	token := r.rp.Endpoint().TokenURL
	f.Add("eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJrZXlzLXNpdGUiLCJzdWIiOiJrZXlzLXNpdGUiLCJqdGkiOiJ4IiwiZXhwIjo5OTk5OTk5OTk5fQ.c2ln")
	f.Add("eyJhbGciOiJub25lIn0.eyJpc3MiOiJrZXlzLXNpdGUifQ.")
	f.Add("")
	f.Add("...")
	f.Fuzz(func(t *testing.T, assertion string) {
		form := url.Values{"grant_type": {"authorization_code"}, "code": {"c"}, "redirect_uri": {callback}, "code_verifier": {strings.Repeat("v", 43)},
			"client_id": {"keys-site"}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {assertion}}
		res, err := http.PostForm(token, form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusOK || res.StatusCode >= 500 {
			t.Errorf("assertion %q: %d", assertion, res.StatusCode)
		}
	})
}
