package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/demo"
	"github.com/kabinet/kabinet/internal/relyingparty"
	"github.com/kabinet/kabinet/internal/sso"
	"github.com/kabinet/kabinet/internal/testenv"
)

// The site openid-client plays: its redirect and post-logout URIs are on
// a loopback port nothing serves, where the browser's walk stops.
const (
	nodeRPID        = "openid-client"
	nodeRPCallback  = "http://127.0.0.1:9/openid-client/callback"
	nodeRPSignedOut = "http://127.0.0.1:9/openid-client/signed-out"
)

// nodeRP is e2e/oidc/rp.mjs, a relying party built on openid-client,
// running under Node.js and driven a JSON line at a time.
type nodeRP struct {
	t      *testing.T
	in     io.WriteCloser
	out    *bufio.Scanner
	stderr *lockedBuffer // the node process's, written by exec's copier
}

// rpFailure is the script's answer when the library (or the provider)
// refused: the message, the library's code and the server's OAuth error.
type rpFailure struct {
	Error       string `json:"error"`
	Code        string `json:"code"`
	Name        string `json:"name"`
	OAuthError  string `json:"oauth_error"`
	Description string `json:"error_description"`
	Status      int    `json:"status"`
	Cause       string `json:"cause"`
	// What the server answered, when the library found it unconforming.
	WWWAuthenticate string `json:"www_authenticate"`
	ContentType     string `json:"content_type"`
	Body            string `json:"body"`
}

// startNodeRP starts the script under node, bounded to a minute and killed
// with the test. Without node or openid-client (npm ci --prefix e2e) the
// test skips, or fails with CI=true.
func startNodeRP(t *testing.T) *nodeRP {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	testenv.Need(t, "Node.js (node on PATH)", err)
	_, err = os.Stat(filepath.Join(root, "e2e", "node_modules", "openid-client", "package.json"))
	testenv.Need(t, "openid-client (npm ci --prefix e2e)", err)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	cmd := exec.CommandContext(ctx, node, filepath.Join(root, "e2e", "oidc", "rp.mjs"))
	cmd.Dir = root
	cmd.WaitDelay = 5 * time.Second
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s := stderr.String(); s != "" {
			t.Logf("openid-client's stderr: %s", s)
		}
		_ = in.Close() // the script ends at the end of its input
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cancel() // kills it
			<-done
		}
		cancel()
	})
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	return &nodeRP{t: t, in: in, out: sc, stderr: stderr}
}

// try sends a request and decodes the answer into into, or returns the
// failure the script answered.
func (n *nodeRP) try(req map[string]any, into any) *rpFailure {
	n.t.Helper()
	line, err := json.Marshal(req)
	if err != nil {
		n.t.Fatal(err)
	}
	if _, err := n.in.Write(append(line, '\n')); err != nil {
		n.t.Fatalf("openid-client %s: write: %v; stderr: %s", req["op"], err, n.stderr)
	}
	if !n.out.Scan() {
		n.t.Fatalf("openid-client %s: no answer (%v); stderr: %s", req["op"], n.out.Err(), n.stderr)
	}
	var f rpFailure
	if err := json.Unmarshal(n.out.Bytes(), &f); err != nil {
		n.t.Fatalf("openid-client %s: not JSON: %q", req["op"], n.out.Text())
	}
	if f.Error != "" {
		return &f
	}
	if into != nil {
		if err := json.Unmarshal(n.out.Bytes(), into); err != nil {
			n.t.Fatalf("openid-client %s: %v: %s", req["op"], err, n.out.Text())
		}
	}
	return nil
}

// do is try for a request that must succeed.
func (n *nodeRP) do(req map[string]any, into any) {
	n.t.Helper()
	if f := n.try(req, into); f != nil {
		n.t.Fatalf("openid-client %s failed: %+v", req["op"], *f)
	}
}

// rpWalk follows the browser from u through kabinet's redirects, allowing
// the consent on the way (consented says it was asked), until a URL under
// stop (returned as at) or a page that leads nowhere (returned with its
// URL).
func rpWalk(t *testing.T, b *browser, u, stop string) (page string, at *url.URL, consented bool) {
	t.Helper()
	for range 12 {
		if strings.HasPrefix(u, stop) {
			at, err := url.Parse(u)
			if err != nil {
				t.Fatal(err)
			}
			return "", at, consented
		}
		req, err := http.NewRequest("GET", u, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, body := b.do(req)
		if strings.Contains(body, `id="consent-allow"`) {
			consented = true
			res, _ = b.post("/oidc/login", url.Values{"id": {between(body, `name="id" value="`, `"`)}, "decision": {"allow"}})
		}
		loc, err := res.Location()
		if err != nil {
			return body, req.URL, consented
		}
		u = req.URL.ResolveReference(loc).String()
	}
	t.Fatal("too many redirects")
	return "", nil, false
}

// idClaims are the ID token's claims as openid-client validated them.
type idClaims struct {
	Iss   string   `json:"iss"`
	Sub   string   `json:"sub"`
	Aud   any      `json:"aud"`
	ACR   string   `json:"acr"`
	AMR   []string `json:"amr"`
	SID   string   `json:"sid"`
	Nonce string   `json:"nonce"`
	Exp   float64  `json:"exp"`
}

type callbackAnswer struct {
	Claims          idClaims `json:"claims"`
	Nonce           string   `json:"nonce"`
	TokenType       string   `json:"token_type"`
	Scope           string   `json:"scope"`
	HasRefreshToken bool     `json:"has_refresh_token"`
}

type introspection struct {
	Introspection struct {
		Active   bool   `json:"active"`
		ClientID string `json:"client_id"`
		Sub      string `json:"sub"`
	} `json:"introspection"`
}

// TestOpenIDClient: a site built on openid-client — the OpenID-certified
// relying-party library for JavaScript, not kabinet's own Go — signs the
// confirmed demo citizen in through a running kabinet with the
// authorization code flow and PKCE, asking the confirmed level; the
// library accepts the ID token (signature, iss, aud, exp, nonce, state),
// which carries acr, a pairwise sub and sid. Then userinfo with the
// verified surname; a refresh that rotates the refresh token, the old one
// replayed refused and the sign-in revoked for it; introspection and
// revocation; and RP-initiated logout with the library's end-session URL,
// which ends kabinet's session and returns to the site with its state.
func TestOpenIDClient(t *testing.T) {
	rp := startNodeRP(t)
	h, _, _ := ssoHarness(t, false)
	ctx := context.Background()
	reg := relyingparty.New(relyingparty.Deps{Store: h.app.Store.RelyingParties(), Now: time.Now})
	c, secret, err := reg.Bootstrap(ctx, relyingparty.Client{ID: nodeRPID, Name: relyingparty.Text{RU: "Сайт на openid-client", EN: "An openid-client site"},
		Purpose: relyingparty.Text{RU: "Проверка совместимости"}, PrivacyURL: "https://rp.example/privacy",
		RedirectURIs: []string{nodeRPCallback}, PostLogoutURIs: []string{nodeRPSignedOut},
		Scopes: []string{"fullname", "email", "offline_access"}, MaxLevel: account.Confirmed, AuthMethod: relyingparty.SecretBasic})
	if err != nil {
		t.Fatal(err)
	}
	citizen, err := h.app.Store.Accounts().AccountByPhone(ctx, demo.ConfirmedPhone)
	if err != nil {
		t.Fatal(err)
	}
	issuer := h.srv.URL + "/oidc"

	// Discovery, with the secret sent by HTTP Basic.
	var disc struct {
		Issuer     string `json:"issuer"`
		EndSession string `json:"end_session_endpoint"`
	}
	rp.do(map[string]any{"op": "discover", "issuer": issuer, "client_id": c.ID, "client_secret": secret, "redirect_uri": nodeRPCallback}, &disc)
	if disc.Issuer != issuer || disc.EndSession == "" {
		t.Fatalf("discovery: %+v", disc)
	}

	// signIn walks the library's authorization URL in the browser — the
	// sign-in with the SMS code of a new device when kabinet asks, the
	// consent — to the callback, and hands that to the library.
	const scope = "openid fullname email offline_access"
	b := h.browser()
	signIn := func(label string, wantConsent bool) callbackAnswer {
		t.Helper()
		var auth struct {
			URL   string `json:"url"`
			State string `json:"state"`
		}
		rp.do(map[string]any{"op": "authorize", "scope": scope, "acr_values": sso.ACR(account.Confirmed)}, &auth)
		if q := mustParse(t, auth.URL).Query(); !strings.HasPrefix(auth.URL, issuer+"/") || q.Get("code_challenge_method") != "S256" ||
			q.Get("code_challenge") == "" || q.Get("state") != auth.State || q.Get("nonce") == "" {
			t.Fatalf("the library's authorization URL: %s", auth.URL)
		}
		page, at, consented := rpWalk(t, b, auth.URL, nodeRPCallback)
		if strings.Contains(page, `name="login"`) { // not signed in yet
			next := between(page, `name="next" value="`, `"`)
			res := b.signInAs(demo.ConfirmedPhone, demo.Password, next)
			if loc := res.Header.Get("Location"); !strings.HasPrefix(next, "/oidc/login?id=") || loc != next {
				t.Fatalf("after signing in, sent to %q, not back to the request %q", loc, next)
			}
			var asked bool
			page, at, asked = rpWalk(t, b, h.srv.URL+next, nodeRPCallback)
			consented = consented || asked
		}
		if !strings.HasPrefix(at.String(), nodeRPCallback+"?") {
			t.Fatalf("%s: stopped at %s: %s", label, at, between(page, "<main", "</main>"))
		}
		if q := at.Query(); q.Get("code") == "" || q.Get("state") != auth.State {
			t.Fatalf("%s: the callback: %s", label, at)
		}
		if consented != wantConsent {
			t.Errorf("%s: asked to consent: %t", label, consented)
		}
		var cb callbackAnswer
		rp.do(map[string]any{"op": "callback", "url": at.String()}, &cb)
		return cb
	}

	// 1. The sign-in: the ID token as the library validated it.
	cb := signIn("the first sign-in", true)
	id := cb.Claims
	t.Logf("the ID token openid-client accepted: %+v", id)
	if id.Iss != issuer || !audienceHas(id.Aud, c.ID) || id.Exp == 0 {
		t.Errorf("the ID token's iss, aud or exp: %+v", id)
	}
	if id.ACR != sso.ACR(account.Confirmed) || !slices.Contains(id.AMR, "pwd") {
		t.Errorf("the ID token's acr %q, amr %v; want %q with pwd", id.ACR, id.AMR, sso.ACR(account.Confirmed))
	}
	if id.Sub == "" || id.Sub == citizen.ID || strings.Contains(id.Sub, citizen.ID) {
		t.Errorf("the subject %q is not pairwise (the account is %s)", id.Sub, citizen.ID)
	}
	if id.SID == "" || id.Nonce == "" || id.Nonce != cb.Nonce {
		t.Errorf("the ID token's sid %q, nonce %q (sent %q)", id.SID, id.Nonce, cb.Nonce)
	}
	if !strings.EqualFold(cb.TokenType, "bearer") || !cb.HasRefreshToken {
		t.Errorf("the token response: %+v", cb)
	}

	// 2. Userinfo: the same subject, the verified surname.
	var ui struct {
		UserInfo struct {
			Sub      string `json:"sub"`
			Verified []struct {
				Claims map[string]any `json:"claims"`
			} `json:"verified_claims"`
		} `json:"userinfo"`
	}
	rp.do(map[string]any{"op": "userinfo"}, &ui)
	if ui.UserInfo.Sub != id.Sub || len(ui.UserInfo.Verified) != 1 || ui.UserInfo.Verified[0].Claims["family_name"] != demo.Confirmed().Identity.Surname {
		t.Errorf("userinfo: %+v", ui.UserInfo)
	}

	// 3. Introspection of the live access token, by the site itself.
	var in introspection
	rp.do(map[string]any{"op": "introspect", "token": "access_token"}, &in)
	if !in.Introspection.Active || in.Introspection.ClientID != c.ID || in.Introspection.Sub != id.Sub {
		t.Errorf("introspection of a live access token: %+v", in.Introspection)
	}

	// 4. Refresh: a new refresh token each time; the old one replayed is
	// invalid_grant and revokes the sign-in, so the new one fails too.
	var ref struct {
		OldPrefix string    `json:"old_prefix"`
		NewPrefix string    `json:"new_prefix"`
		Same      bool      `json:"same"`
		Changed   bool      `json:"access_token_changed"`
		Replay    rpFailure `json:"replay"`
		Claims    *idClaims `json:"claims"`
	}
	rp.do(map[string]any{"op": "refresh"}, &ref)
	if ref.Same || ref.NewPrefix == "" || ref.OldPrefix == ref.NewPrefix || !ref.Changed {
		t.Errorf("the refresh did not rotate: %+v", ref)
	}
	if ref.Claims != nil && (ref.Claims.Sub != id.Sub || ref.Claims.ACR != id.ACR || ref.Claims.SID != id.SID) {
		t.Errorf("the refreshed ID token: %+v", *ref.Claims)
	}
	if ref.Replay.OAuthError != "invalid_grant" {
		t.Errorf("the old refresh token replayed: %+v", ref.Replay)
	}
	if f := rp.try(map[string]any{"op": "refresh"}, nil); f == nil || f.OAuthError != "invalid_grant" {
		t.Errorf("the new refresh token after the replay: %+v", f)
	}
	in = introspection{}
	rp.do(map[string]any{"op": "introspect", "token": "access_token"}, &in)
	if in.Introspection.Active {
		t.Errorf("the refreshed access token is active after the replay revoked the sign-in: %+v", in.Introspection)
	}

	// 5. Again, without a question: the same subject; this access token
	// revoked by the site is inactive and refused at userinfo.
	cb2 := signIn("the second sign-in", false)
	if cb2.Claims.Sub != id.Sub || cb2.Claims.Nonce != cb2.Nonce || cb2.Claims.Nonce == id.Nonce {
		t.Errorf("the second sign-in's ID token: %+v (first %+v)", cb2.Claims, id)
	}
	in = introspection{}
	rp.do(map[string]any{"op": "introspect", "token": "access_token"}, &in)
	if !in.Introspection.Active || in.Introspection.ClientID != c.ID {
		t.Errorf("introspection of the second access token: %+v", in.Introspection)
	}
	rp.do(map[string]any{"op": "revoke", "token": "access_token"}, nil)
	in = introspection{}
	rp.do(map[string]any{"op": "introspect", "token": "access_token"}, &in)
	if in.Introspection.Active {
		t.Errorf("a revoked access token is active: %+v", in.Introspection)
	}
	// Refused as RFC 6750 §3 wants: 401 with invalid_token in the
	// WWW-Authenticate challenge, which openid-client reports as such.
	f := rp.try(map[string]any{"op": "userinfo"}, nil)
	if f == nil || f.Status != http.StatusUnauthorized || !strings.Contains(f.WWWAuthenticate, `error="invalid_token"`) {
		t.Errorf("userinfo with a revoked access token: %+v", f)
	}

	// 6. RP-initiated logout: the library's end-session URL, with the ID
	// token as the hint, ends kabinet's session and returns to the site
	// with its state.
	var end struct {
		URL string `json:"url"`
	}
	rp.do(map[string]any{"op": "end_session", "post_logout_redirect_uri": nodeRPSignedOut, "state": "bye-1"}, &end)
	if q := mustParse(t, end.URL).Query(); !strings.HasPrefix(end.URL, disc.EndSession+"?") || q.Get("id_token_hint") == "" ||
		q.Get("post_logout_redirect_uri") != nodeRPSignedOut {
		t.Fatalf("the library's end-session URL: %s", end.URL)
	}
	page, at, _ := rpWalk(t, b, end.URL, nodeRPSignedOut)
	if at == nil || at.Scheme+"://"+at.Host+at.Path != nodeRPSignedOut || at.Query().Get("state") != "bye-1" {
		t.Fatalf("after end_session: at %v %s", at, between(page, "<main", "</main>"))
	}
	if res, _ := b.get("/account"); res.StatusCode == http.StatusOK {
		t.Error("kabinet's session outlived the site's logout with its own ID token")
	}
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// audienceHas reports whether an aud claim (a string or an array) names id.
func audienceHas(aud any, id string) bool {
	switch a := aud.(type) {
	case string:
		return a == id
	case []any:
		return slices.Contains(a, any(id))
	}
	return false
}
