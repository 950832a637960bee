package oidcop_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/oidcop"
	"github.com/kabinet/kabinet/internal/relyingparty"
)

// siteKey is a site's signing key and its public JWK Set.
type siteKey struct {
	priv *ecdsa.PrivateKey
	kid  string
}

func newSiteKey(t *testing.T, kid string) siteKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return siteKey{k, kid}
}

func jwks(keys ...siteKey) string {
	var set jose.JSONWebKeySet
	for _, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: string(jose.ES256), Use: "sig"})
	}
	b, _ := json.Marshal(set)
	return string(b)
}

// assertion is a client assertion of the site, signed by k.
func (k siteKey) assertion(t *testing.T, client, aud, jti string, exp time.Time) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: k.priv, KeyID: k.kid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	payload, _ := json.Marshal(map[string]any{"iss": client, "sub": client, "aud": aud, "jti": jti, "iat": now.Unix(), "exp": exp.Unix()})
	sig, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := sig.CompactSerialize()
	return out
}

// exchange signs a citizen in for client and exchanges the code with the
// client assertion; it returns the token endpoint's status and error.
func (r *rig) exchange(t *testing.T, client, assertion string) (int, string) {
	t.Helper()
	conf := oauth2.Config{ClientID: client, Endpoint: r.rp.Endpoint(), RedirectURL: callback, Scopes: []string{gooidc.ScopeOpenID}}
	verifier := oauth2.GenerateVerifier()
	q := authorize(t, conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	form := url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {callback}, "code_verifier": {verifier},
		"client_id": {client}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {assertion}}
	res, err := http.PostForm(r.rp.Endpoint().TokenURL, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		IDToken     string `json:"id_token"`
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	if res.StatusCode == http.StatusOK && body.IDToken == "" {
		t.Errorf("%s: 200 without an ID token", client)
	}
	return res.StatusCode, body.Error + ": " + body.Description
}

// TestPrivateKeyJWT: sites that authenticate with keys — registered
// inline or published at their jwks_uri — exchange codes with client
// assertions; an assertion is used once (a replay is invalid_client), a
// wrong key or a missing jti is refused, and a site that rotates its
// published key is believed at once.
func TestPrivateKeyJWT(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	inline, stranger := newSiteKey(t, "k1"), newSiteKey(t, "k1")
	published := newSiteKey(t, "p1")
	var mu sync.Mutex
	served, fetches, down := jwks(published), 0, false
	keysSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		fetches++
		if down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(served))
	}))
	defer keysSrv.Close()
	for _, c := range []relyingparty.Client{
		{ID: "keys-inline", JWKS: jwks(inline)},
		{ID: "keys-published", JWKSURI: keysSrv.URL + "/jwks.json"},
	} {
		c.Name, c.Purpose, c.PrivacyURL = relyingparty.Text{RU: c.ID}, relyingparty.Text{RU: "тест"}, "https://site.example/privacy"
		c.RedirectURIs, c.MaxLevel, c.AuthMethod = []string{callback}, account.Standard, relyingparty.PrivateKeyJWT
		if _, _, err := r.reg.Bootstrap(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	aud, soon := r.issuer, time.Now().Add(time.Minute)

	first := inline.assertion(t, "keys-inline", aud, "jti-1", soon)
	for _, c := range []struct {
		name, client, assertion string
		ok                      bool
	}{
		{"inline key", "keys-inline", first, true},
		{"the same assertion again", "keys-inline", first, false},
		{"a fresh jti", "keys-inline", inline.assertion(t, "keys-inline", aud, "jti-2", soon), true},
		{"another key with the same kid", "keys-inline", stranger.assertion(t, "keys-inline", aud, "jti-3", soon), false},
		{"no jti", "keys-inline", inline.assertion(t, "keys-inline", aud, "", soon), false},
		{"expired", "keys-inline", inline.assertion(t, "keys-inline", aud, "jti-4", time.Now().Add(-time.Minute)), false},
		{"another audience", "keys-inline", inline.assertion(t, "keys-inline", "https://elsewhere.example", "jti-5", soon), false},
		{"for another site", "keys-published", inline.assertion(t, "keys-inline", aud, "jti-6", soon), false},
		{"published key", "keys-published", published.assertion(t, "keys-published", aud, "jti-1", soon), true},
		{"published key again", "keys-published", published.assertion(t, "keys-published", aud, "jti-7", soon), true},
	} {
		status, msg := r.exchange(t, c.client, c.assertion)
		if ok := status == http.StatusOK; ok != c.ok {
			t.Errorf("%s: %d %s, want ok %v", c.name, status, msg, c.ok)
		} else if !ok && !strings.HasPrefix(msg, "invalid_client") && !strings.HasPrefix(msg, "invalid_grant") {
			t.Errorf("%s: %d %s", c.name, status, msg)
		}
	}
	// The used assertion, where the library would also read it: the
	// query, a GET, introspection.
	post := func(path, query string, form url.Values) int {
		res, err := http.Post(r.issuer+path+query, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	creds := url.Values{"client_id": {"keys-inline"}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion": {first}}
	if st := post("/oauth/token", "?"+creds.Encode(), url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}); st != http.StatusBadRequest {
		t.Errorf("the assertion in the token endpoint's query: %d", st)
	}
	if res, err := http.Get(r.issuer + "/oauth/token?" + creds.Encode()); err != nil || res.StatusCode != http.StatusBadRequest {
		t.Errorf("the token endpoint by GET: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	intro := url.Values{"token": {"x"}}
	for k, v := range creds {
		intro[k] = v
	}
	if st := post("/oauth/introspect", "", intro); st != http.StatusUnauthorized {
		t.Errorf("the used assertion at introspection: %d", st)
	}
	mu.Lock()
	if fetches != 1 {
		t.Errorf("the published keys were fetched %d times for two assertions, want once (cached)", fetches)
	}
	// The site rotates its key: an assertion of the new one is refused
	// while the keys were fetched less than KeysRefetch ago (a flood of
	// unknown key IDs must not hammer the site), then believed: a key ID
	// not in the cache fetches again.
	rotated := newSiteKey(t, "p2")
	served = jwks(rotated)
	mu.Unlock()
	if status, _ := r.exchange(t, "keys-published", rotated.assertion(t, "keys-published", aud, "jti-8", soon)); status == http.StatusOK {
		t.Error("the keys were fetched again at once")
	}
	*r.ssoShift = oidcop.KeysRefetch
	if status, msg := r.exchange(t, "keys-published", rotated.assertion(t, "keys-published", aud, "jti-9", soon.Add(oidcop.KeysRefetch))); status != http.StatusOK {
		t.Errorf("after the site's key rotation: %d %s", status, msg)
	}
	mu.Lock()
	if fetches != 2 {
		t.Errorf("the published keys were fetched %d times, want twice", fetches)
	}
	// The site's key endpoint goes down: its last keys serve, an unknown
	// key ID fetches at most once per KeysRefetch however often it is
	// named, and after KeysStale the last keys serve no more.
	down = true
	mu.Unlock()
	*r.ssoShift = 2 * oidcop.KeysRefetch
	exp := time.Now().Add(*r.ssoShift + time.Minute)
	stranger2 := newSiteKey(t, "p3")
	for i := range 3 {
		if status, msg := r.exchange(t, "keys-published", stranger2.assertion(t, "keys-published", aud, fmt.Sprint("jti-x", i), exp)); status == http.StatusOK ||
			!strings.Contains(msg, "no single key") {
			t.Errorf("an unknown key while the site is down: %d %s", status, msg)
		}
	}
	if status, msg := r.exchange(t, "keys-published", rotated.assertion(t, "keys-published", aud, "jti-10", exp)); status != http.StatusOK {
		t.Errorf("the last keys while the site is down: %d %s", status, msg)
	}
	mu.Lock()
	if fetches != 3 {
		t.Errorf("%d fetches, want one more while the site is down", fetches)
	}
	mu.Unlock()
	*r.ssoShift = oidcop.KeysStale + time.Minute
	exp = time.Now().Add(*r.ssoShift + time.Minute)
	if status, msg := r.exchange(t, "keys-published", rotated.assertion(t, "keys-published", aud, "jti-11", exp)); status == http.StatusOK ||
		!strings.Contains(msg, "keys are unavailable") {
		t.Errorf("a day after the site went down: %d %s, want its keys unavailable", status, msg)
	}
}
