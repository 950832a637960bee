package oidcop_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"golang.org/x/oauth2"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/oidcop"
	"github.com/kabinet/kabinet/internal/relyingparty"
	"github.com/kabinet/kabinet/internal/sso"
)

// signIn completes a sign-in asking scopes and returns the tokens, the
// raw ID token, and its sid and subject.
func (r *rig) signIn(t *testing.T, scopes ...string) (tok *oauth2.Token, raw, sid, sub string) {
	t.Helper()
	ctx := context.Background()
	conf := r.conf
	conf.Scopes = append([]string{gooidc.ScopeOpenID}, scopes...)
	verifier := oauth2.GenerateVerifier()
	q := authorize(t, conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ = tok.Extra("id_token").(string)
	id, err := r.rp.Verifier(&gooidc.Config{ClientID: "school"}).Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		SID string `json:"sid"`
	}
	if err := id.Claims(&claims); err != nil || claims.SID == "" {
		t.Fatalf("no sid: %v", err)
	}
	return tok, raw, claims.SID, id.Subject
}

// endSession calls end_session with the query, not following redirects,
// and returns the answer's status and Location.
func (r *rig) endSession(t *testing.T, q url.Values) (int, string) {
	t.Helper()
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := r.rp.Claims(&meta); err != nil || meta.EndSession == "" {
		t.Fatalf("no end_session_endpoint in discovery: %v", err)
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Get(meta.EndSession + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location")
}

// TestRPInitiatedLogout: a site sends the citizen to end_session with its
// ID token as the hint: its sign-in ends there (its tokens stop, unless
// it holds offline access), it is not told back-channel (it asked), and
// kabinet's page receives a sealed request naming the sign-in and the
// registered post-logout URI with the site's state. An unregistered
// post-logout URI is refused without a redirect; a request without a hint
// returns to kabinet's home; a sealed request altered is refused.
func TestRPInitiatedLogout(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	tok, raw, sid, sub := r.signIn(t, "fullname")
	r.told.list = nil

	status, loc := r.endSession(t, url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {afterLeave + "x"}, "state": {"s1"}})
	if status < 400 || loc != "" {
		t.Errorf("an unregistered post-logout URI: %d %q", status, loc)
	}
	if _, err := r.rp.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err != nil {
		t.Fatalf("a refused logout ended the sign-in: %v", err)
	}

	status, loc = r.endSession(t, url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {afterLeave}, "state": {"s1"}})
	sealed, ok := strings.CutPrefix(loc, "/logout?l=")
	if status != http.StatusFound || !ok {
		t.Fatalf("end_session: %d %q, want a redirect to kabinet's page", status, loc)
	}
	sealed, _ = url.QueryUnescape(sealed)
	end, err := r.p.OpenLogout(sealed)
	if err != nil {
		t.Fatal(err)
	}
	if end.ClientID != "school" || end.SID != sid || end.Subject != sub || end.Redirect != afterLeave+"?state=s1" {
		t.Errorf("the sealed request: %+v", end)
	}
	if _, err := r.rp.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
		t.Error("the site's token works after it signed the citizen out")
	}
	if len(r.told.list) != 0 {
		t.Errorf("the site that asked was told back-channel: %+v", r.told.list)
	}
	for _, bad := range []string{"", sealed[:len(sealed)-2], sealed[2:], strings.ToUpper(sealed)} {
		if _, err := r.p.OpenLogout(bad); !errors.Is(err, oidcop.ErrLogoutExpired) {
			t.Errorf("OpenLogout(%.12q…) = %v", bad, err)
		}
	}

	// Offline access outlives the site's own logout.
	tok, raw, _, _ = r.signIn(t, "fullname", gooidc.ScopeOfflineAccess)
	if status, _ := r.endSession(t, url.Values{"id_token_hint": {raw}}); status != http.StatusFound {
		t.Fatalf("end_session: %d", status)
	}
	tok.Expiry = time.Now().Add(-time.Minute)
	if _, err := r.conf.TokenSource(ctx, tok).Token(); err != nil {
		t.Errorf("offline access ended by the site's logout: %v", err)
	}

	// No hint: back to kabinet's home.
	_, loc = r.endSession(t, url.Values{})
	sealed, _ = url.QueryUnescape(strings.TrimPrefix(loc, "/logout?l="))
	if end, err := r.p.OpenLogout(sealed); err != nil || end.SID != "" || !strings.HasSuffix(end.Redirect, "/") || strings.Contains(end.Redirect, "9/bye") {
		t.Errorf("without a hint: %+v %v", end, err)
	}
}

// TestBackchannelLogout: the logout token verifies as the provider's
// (go-oidc, the site's audience) and carries sid, sub, the event and no
// nonce, typed logout+jwt; the worker posts it, is done on 2xx, gives up
// on 400 (the site refused it) and retries anything else.
func TestBackchannelLogout(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	_, _, sid, sub := r.signIn(t, "fullname")

	var mu sync.Mutex
	status, got := http.StatusOK, ""
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		got = req.PostFormValue("logout_token")
		w.WriteHeader(status)
	}))
	defer site.Close()
	// The worker posts to the URI registered when it works: a site
	// registered with this server's.
	for _, c := range []relyingparty.Client{
		{ID: "school-bcl", BackchannelLogoutURI: site.URL + "/bcl"},
		{ID: "no-bcl"},
	} {
		c.Name, c.Purpose, c.PrivacyURL = relyingparty.Text{RU: c.ID}, relyingparty.Text{RU: "тест"}, "https://site.example/privacy"
		c.RedirectURIs, c.MaxLevel = []string{callback}, account.Standard
		if _, _, err := r.reg.Bootstrap(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	worker := &oidcop.LogoutWorker{Provider: func() *oidcop.Provider { return r.p }}
	job := &river.Job[oidcop.LogoutArgs]{Args: oidcop.LogoutArgs{Logout: sso.Logout{ClientID: "school-bcl", Subject: sub, SID: sid}}}
	var cancel *rivertype.JobCancelError
	gone := &river.Job[oidcop.LogoutArgs]{Args: oidcop.LogoutArgs{Logout: sso.Logout{ClientID: "no-bcl", Subject: sub, SID: sid}}}
	if err := worker.Work(ctx, gone); !errors.As(err, &cancel) {
		t.Errorf("a site without a back-channel URI now: %v, want the job cancelled", err)
	}

	if err := worker.Work(ctx, job); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	token := got
	mu.Unlock()
	id, err := r.rp.Verifier(&gooidc.Config{ClientID: "school-bcl"}).Verify(ctx, token)
	if err != nil {
		t.Fatalf("the logout token does not verify: %v", err)
	}
	var claims struct {
		SID    string         `json:"sid"`
		Nonce  *string        `json:"nonce"`
		JTI    string         `json:"jti"`
		Events map[string]any `json:"events"`
	}
	if err := id.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if id.Subject != sub || claims.SID != sid || claims.Nonce != nil || claims.JTI == "" || claims.Events[oidcop.BackchannelEvent] == nil {
		t.Errorf("the logout token: sub %q %+v", id.Subject, claims)
	}
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || jws.Signatures[0].Header.ExtraHeaders["typ"] != "logout+jwt" {
		t.Errorf("the logout token's type: %v %v", jws.Signatures[0].Header.ExtraHeaders, err)
	}

	for _, c := range []struct {
		status int
		cancel bool
	}{{http.StatusNoContent, false}, {http.StatusBadRequest, true}, {http.StatusServiceUnavailable, false}, {http.StatusFound, false}} {
		mu.Lock()
		status = c.status
		mu.Unlock()
		err := worker.Work(ctx, job)
		switch {
		case c.status < 300 && err != nil:
			t.Errorf("%d: %v, want done", c.status, err)
		case c.status >= 300 && err == nil:
			t.Errorf("%d: done, want an error", c.status)
		case errors.As(err, &cancel) != c.cancel:
			t.Errorf("%d: %v, cancelled %v, want %v", c.status, err, !c.cancel, c.cancel)
		}
	}
}

// TestUserinfoCache: a site asking userinfo again with the same token
// within the cache's time gets the answer already released (one release,
// one record in the citizen's ledger); after the time, a fresh release;
// a revocation on this node stops the token at once, cache or not.
func TestUserinfoCache(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	tok, _, _, _ := r.signIn(t, "fullname")
	before := r.claims.count()
	for range 3 {
		info, err := r.rp.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		var claims struct {
			FamilyName string `json:"family_name"`
		}
		if err != nil || info.Claims(&claims) != nil || claims.FamilyName != "Иванова" {
			t.Fatalf("userinfo: %+v %v", claims, err)
		}
	}
	if n := r.claims.count() - before; n != 1 {
		t.Errorf("%d releases for three asks within the cache's time, want 1", n)
	}
	*r.ssoShift = 3 * time.Second
	if _, err := r.rp.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err != nil {
		t.Fatal(err)
	}
	if n := r.claims.count() - before; n != 2 {
		t.Errorf("%d releases after the cache's time, want 2", n)
	}
	// Revoked by the site (the revocation endpoint): refused at once.
	if err := revoke(r, tok.AccessToken); err != nil {
		t.Fatal(err)
	}
	if _, err := r.rp.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
		t.Error("a revoked token answered from the cache")
	}
}

// revoke revokes a token at the revocation endpoint as the school.
func revoke(r *rig, token string) error {
	req, _ := http.NewRequest("POST", strings.TrimSuffix(r.issuer, "/")+"/revoke", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("school", r.conf.ClientSecret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("revoke: %d", res.StatusCode)
	}
	return nil
}

// TestSiteAddresses: kabinet reaches sites anywhere but where no site can
// be — a cloud's metadata service (link-local), multicast, 0.0.0.0.
func TestSiteAddresses(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	for _, c := range []relyingparty.Client{{ID: "metadata", BackchannelLogoutURI: "https://169.254.169.254/latest"}, {ID: "nowhere", BackchannelLogoutURI: "https://0.0.0.0/x"}} {
		c.Name, c.Purpose, c.PrivacyURL = relyingparty.Text{RU: c.ID}, relyingparty.Text{RU: "тест"}, "https://site.example/privacy"
		c.RedirectURIs, c.MaxLevel = []string{callback}, account.Standard
		if _, _, err := r.reg.Bootstrap(ctx, c); err != nil {
			t.Fatal(err)
		}
		worker := &oidcop.LogoutWorker{Provider: func() *oidcop.Provider { return r.p }}
		err := worker.Work(ctx, &river.Job[oidcop.LogoutArgs]{Args: oidcop.LogoutArgs{Logout: sso.Logout{ClientID: c.ID, Subject: "s", SID: "g"}}})
		if err == nil || !strings.Contains(err.Error(), "not an address a site may have") {
			t.Errorf("%s: %v", c.BackchannelLogoutURI, err)
		}
	}
}

// TestDiscovery: the document promises what kabinet serves and nothing
// more — the code flow with S256, pairwise and public subjects, the acr
// values, back-channel and RP-initiated logout, client authentication by
// secret or keys (no public clients), no device flow, the claims issued.
func TestDiscovery(t *testing.T) {
	r := newRig(t)
	var d struct {
		ResponseTypes   []string `json:"response_types_supported"`
		GrantTypes      []string `json:"grant_types_supported"`
		PKCE            []string `json:"code_challenge_methods_supported"`
		Subjects        []string `json:"subject_types_supported"`
		ACR             []string `json:"acr_values_supported"`
		Backchannel     bool     `json:"backchannel_logout_supported"`
		BackchannelSID  bool     `json:"backchannel_logout_session_supported"`
		EndSession      string   `json:"end_session_endpoint"`
		Device          string   `json:"device_authorization_endpoint"`
		TokenAuth       []string `json:"token_endpoint_auth_methods_supported"`
		TokenAuthAlgs   []string `json:"token_endpoint_auth_signing_alg_values_supported"`
		RevocationAuth  []string `json:"revocation_endpoint_auth_methods_supported"`
		Claims          []string `json:"claims_supported"`
		IDTokenSignAlgs []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := r.rp.Claims(&d); err != nil {
		t.Fatal(err)
	}
	same := func(name string, got, want []string) {
		t.Helper()
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	same("response types", d.ResponseTypes, []string{"code"})
	same("grant types", d.GrantTypes, []string{"authorization_code", "refresh_token"})
	same("PKCE", d.PKCE, []string{"S256"})
	same("subjects", d.Subjects, []string{"pairwise", "public"})
	same("acr", d.ACR, oidcop.ACRValues())
	same("token auth", d.TokenAuth, []string{"client_secret_basic", "client_secret_post", "private_key_jwt"})
	same("revocation auth", d.RevocationAuth, []string{"client_secret_basic", "client_secret_post", "private_key_jwt"})
	same("ID token algorithms", d.IDTokenSignAlgs, []string{"RS256"})
	if !d.Backchannel || !d.BackchannelSID || d.EndSession == "" || d.Device != "" {
		t.Errorf("logout %v %v %q, device %q", d.Backchannel, d.BackchannelSID, d.EndSession, d.Device)
	}
	if !slices.Contains(d.TokenAuthAlgs, "ES256") || slices.Contains(d.TokenAuthAlgs, "none") {
		t.Errorf("assertion algorithms %q", d.TokenAuthAlgs)
	}
	if !slices.Contains(d.Claims, "verified_claims") || slices.Contains(d.Claims, "name") || slices.Contains(d.Claims, "preferred_username") {
		t.Errorf("claims %q", d.Claims)
	}
}
