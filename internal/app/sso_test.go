package app_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/app"
	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/demo"
	"github.com/kabinet/kabinet/internal/relyingparty"
	"github.com/kabinet/kabinet/internal/sso"
)

const ssoCallback = "http://127.0.0.1:9/cb"

// ssoHarness is kabinet served at the base URL it knows (the issuer must
// be where the site finds it), on the real clock (the site checks the ID
// token's expiry against it), with two registered sites: "school" (up
// to the standard level, with data and offline access) and "court" (up to
// confirmed).
func ssoHarness(t *testing.T, demoSite bool) (*harness, map[string]oauth2.Config, *gooidc.Provider) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.Log.Level = "error"
	cfg.SSO.DemoRPAddr = ""
	cfg.Storage.DataDir, cfg.Storage.DatabaseURL = seeded(t, cfg, os.Getenv("KABINET_TEST_ENGINE") == "postgres")
	cfg.Server.BaseURL = "http://" + ln.Addr().String()
	if demoSite {
		cfg.SSO.DemoRPAddr = "127.0.0.1:0"
	}
	clk := &clock{t: time.Now()}
	a, err := app.New(context.Background(), cfg, harnessOptions(cfg, clk))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(checkAPI(t, a.Handler))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		_ = a.Close(context.Background())
	})
	h := &harness{t: t, app: a, srv: srv, clock: clk}
	reg := relyingparty.New(relyingparty.Deps{Store: a.Store.RelyingParties(), Now: time.Now})
	rp, err := gooidc.NewProvider(context.Background(), cfg.Server.BaseURL+"/oidc")
	if err != nil {
		t.Fatal(err)
	}
	confs := map[string]oauth2.Config{}
	for _, c := range []relyingparty.Client{
		{ID: "school", Name: relyingparty.Text{RU: "Электронная школа", EN: "E-school"}, Purpose: relyingparty.Text{RU: "Запись в школу"},
			PrivacyURL: "https://school.example/privacy", RedirectURIs: []string{ssoCallback}, Scopes: []string{"fullname", "birthdate", "offline_access"},
			MaxLevel: account.Standard},
		{ID: "court", Name: relyingparty.Text{RU: "Суд онлайн"}, Purpose: relyingparty.Text{RU: "Подача исков"},
			PrivacyURL: "https://court.example/privacy", RedirectURIs: []string{ssoCallback}, Sector: "court.example"},
	} {
		c, secret, err := reg.Bootstrap(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		confs[c.ID] = oauth2.Config{ClientID: c.ID, ClientSecret: secret, Endpoint: rp.Endpoint(), RedirectURL: ssoCallback,
			Scopes: append([]string{gooidc.ScopeOpenID}, c.Scopes[1:]...)}
	}
	return h, confs, rp
}

// signInAs signs the browser in with the sign-in form (and, from a new
// device, the code sent by SMS) and returns the last answer, which sends
// the browser on to next when given.
func (b *browser) signInAs(phone, password, next string) *http.Response {
	b.h.t.Helper()
	form := url.Values{"login": {phone}, "password": {password}}
	if next != "" {
		form.Set("next", next)
	}
	res, _ := b.post("/signin", form)
	if step := res.Header.Get("Location"); strings.HasPrefix(step, "/signin/") {
		b.get(step)
		res, _ = b.post(step+"/code", url.Values{"code": {b.h.lastCode(phone)}})
	}
	return res
}

// follow goes from an authorization URL through kabinet's redirects, in
// the browser, until an answer that is not a redirect within kabinet: a
// page (its body) or the site's callback (its query).
func follow(t *testing.T, b *browser, u string) (page string, callback url.Values) {
	t.Helper()
	for range 10 {
		req, _ := http.NewRequest("GET", u, nil)
		res, body := b.do(req)
		if res.StatusCode != http.StatusFound && res.StatusCode != http.StatusSeeOther {
			return body, nil
		}
		loc, err := res.Location()
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(loc.String(), ssoCallback) {
			return "", loc.Query()
		}
		u = loc.String()
	}
	t.Fatal("too many redirects")
	return "", nil
}

// decide posts the consent or level page's form and returns the site's
// callback query.
func decide(t *testing.T, b *browser, page, decision string) url.Values {
	t.Helper()
	id := between(page, `name="id" value="`, `"`)
	res, _ := b.post("/oidc/login", url.Values{"id": {id}, "decision": {decision}})
	loc, err := res.Location()
	if err != nil || !strings.HasPrefix(loc.String(), ssoCallback) {
		t.Fatalf("%s: not sent to the site: %d %v", decision, res.StatusCode, loc)
	}
	return loc.Query()
}

func between(s, from, to string) string {
	_, s, _ = strings.Cut(s, from)
	s, _, _ = strings.Cut(s, to)
	return s
}

// TestSingleSignOn: a citizen signs in to a registered site through
// kabinet, as the site's go-oidc and x/oauth2 see it — sent to sign in
// first, then asked to consent to exactly the data the site asks, then
// back at the site with a code; the ID token carries the level as acr and
// a pairwise subject. The consent is not asked twice; refused, the site
// hears access_denied; a site demanding a level above the account's
// shows the step that raises it, and giving up tells the site
// unmet_authentication_requirements; prompt=none without a session is
// login_required.
func TestSingleSignOn(t *testing.T) {
	h, confs, rp := ssoHarness(t, false)
	ctx := context.Background()
	school := confs["school"]
	b := h.browser()

	verifier := oauth2.GenerateVerifier()
	authURL := school.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier), gooidc.Nonce("n-1"), oauth2.SetAuthURLParam("login_hint", demo.StandardPhone))
	page, q := follow(t, b, authURL)
	if q != nil || !strings.Contains(page, `name="login"`) || !strings.Contains(page, `value="&#43;79000000002"`) {
		t.Fatalf("not sent to sign in first: %v %.300s", q, page)
	}
	next := between(page, `name="next" value="`, `"`)
	res := b.signInAs(demo.StandardPhone, demo.Password, next)
	if loc := res.Header.Get("Location"); !strings.HasPrefix(next, "/oidc/login?id=") || loc != next {
		t.Fatalf("after signing in, sent to %q, not back to the request %q", loc, next)
	}
	page, q = follow(t, b, h.srv.URL+next)
	data := between(page, `id="consent-data">`, "</ul>")
	if q != nil || !strings.Contains(page, "Электронная школа") || data != "\n  <li>Фамилия, имя и отчество</li><li>Дата рождения</li>\n" ||
		!strings.Contains(page, `id="consent-offline"`) {
		t.Fatalf("the consent page: %v %s", q, between(page, "<main", "</main>"))
	}
	if res, _ := b.get(next); !strings.Contains(res.Header.Get("Content-Security-Policy"), "form-action 'self' http://127.0.0.1:9;") {
		t.Errorf("the consent page's form may not lead to the site: %s", res.Header.Get("Content-Security-Policy"))
	}
	q = decide(t, b, page, "allow")
	if q.Get("state") != "st-1" || q.Get("code") == "" {
		t.Fatalf("the callback: %v", q)
	}
	tok, err := school.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	id, err := rp.Verifier(&gooidc.Config{ClientID: "school"}).Verify(ctx, tok.Extra("id_token").(string))
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		ACR   string `json:"acr"`
		Nonce string `json:"nonce"`
	}
	if err := id.Claims(&claims); err != nil || claims.ACR != sso.ACR(account.Standard) || claims.Nonce != "n-1" || len(id.Subject) != 32 {
		t.Fatalf("the ID token: %q %+v %v", id.Subject, claims, err)
	}
	info, err := rp.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil || info.Subject != id.Subject {
		t.Fatalf("userinfo: %+v %v", info, err)
	}
	// The data the registries verified, with what verified it and when;
	// nothing the school was not granted.
	var released struct {
		Verified []struct {
			Verification struct {
				TrustFramework string `json:"trust_framework"`
				Time           string `json:"time"`
			} `json:"verification"`
			Claims map[string]any `json:"claims"`
		} `json:"verified_claims"`
		Phone string `json:"phone_number"`
	}
	want := demo.Standard().Identity
	if err := info.Claims(&released); err != nil || len(released.Verified) != 1 || released.Verified[0].Verification.TrustFramework != sso.TrustRegistries ||
		released.Verified[0].Verification.Time == "" || released.Verified[0].Claims["family_name"] != want.Surname ||
		released.Verified[0].Claims["given_name"] != want.Name || released.Verified[0].Claims["birthdate"] != want.BirthDate.Format(time.DateOnly) ||
		released.Verified[0].Claims["snils"] != nil || released.Phone != "" {
		t.Fatalf("the released data: %+v %v", released, err)
	}
	// «Кто смотрел мои данные» says the school received them.
	if _, body := b.get("/account/data-access"); !strings.Contains(body, "Сайт «Электронная школа» получил: Фамилия, имя и отчество, Дата рождения") {
		t.Errorf("the ledger: %s", between(body, "<main", "</main>"))
	}

	// Again: no consent screen, the same subject.
	verifier = oauth2.GenerateVerifier()
	if page, q = follow(t, b, school.AuthCodeURL("st-2", oauth2.S256ChallengeOption(verifier))); q.Get("code") == "" {
		t.Fatalf("asked again: %.500s", page)
	}
	tok2, err := school.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if id2, err := rp.Verifier(&gooidc.Config{ClientID: "school"}).Verify(ctx, tok2.Extra("id_token").(string)); err != nil || id2.Subject != id.Subject {
		t.Fatalf("another subject the second time: %v", err)
	}

	// The site asks for a fresh sign-in (prompt=login): the password
	// again, a wrong one refused on the page.
	page, q = follow(t, b, school.AuthCodeURL("st-login", oauth2.S256ChallengeOption("v"), oauth2.SetAuthURLParam("prompt", "login")))
	if q != nil || !strings.Contains(page, `value="reauth"`) {
		t.Fatalf("no password asked for prompt=login: %v %s", q, between(page, "<main", "</main>"))
	}
	reqID := between(page, `name="id" value="`, `"`)
	if res, body := b.post("/oidc/login", url.Values{"id": {reqID}, "decision": {"reauth"}, "password": {"wrong-password-1"}}); res.StatusCode == http.StatusFound ||
		!strings.Contains(body, `value="reauth"`) || !strings.Contains(body, "error-message") {
		t.Fatalf("a wrong password: %d %s", res.StatusCode, between(body, "<main", "</main>"))
	}
	res, _ = b.post("/oidc/login", url.Values{"id": {reqID}, "decision": {"reauth"}, "password": {demo.Password}})
	if loc, err := res.Location(); err != nil || !strings.HasPrefix(loc.String(), ssoCallback) || loc.Query().Get("code") == "" {
		t.Fatalf("after the password again: %d %v", res.StatusCode, loc)
	}

	// The site asks in English (ui_locales): kabinet's page is in English.
	if page, _ = follow(t, b, school.AuthCodeURL("st-en", oauth2.S256ChallengeOption("v"), oauth2.SetAuthURLParam("prompt", "consent"),
		oauth2.SetAuthURLParam("ui_locales", "en-GB ru"))); !strings.Contains(page, "“E-school” asks for your data") {
		t.Errorf("ui_locales=en: %s", between(page, "<main", "</main>"))
	}

	// The site asks again (prompt=consent); refused.
	page, _ = follow(t, b, school.AuthCodeURL("st-3", oauth2.S256ChallengeOption("v"), oauth2.SetAuthURLParam("prompt", "consent")))
	if q = decide(t, b, page, "refuse"); q.Get("error") != "access_denied" || q.Get("state") != "st-3" {
		t.Errorf("refused: %v", q)
	}

	// A site demanding the confirmed level of a standard account.
	court := confs["court"]
	page, q = follow(t, b, court.AuthCodeURL("st-4", oauth2.S256ChallengeOption("v"), oauth2.SetAuthURLParam("acr_values", sso.ACR(account.Confirmed))))
	if q != nil || !strings.Contains(page, `id="level-need"`) || !strings.Contains(page, `href="/account/confirmation"`) {
		t.Fatalf("the level page: %v %.1000s", q, page)
	}
	if q = decide(t, b, page, "give_up"); q.Get("error") != "unmet_authentication_requirements" || q.Get("state") != "st-4" {
		t.Errorf("given up: %v", q)
	}
	// Asked of the school, which may demand at most standard: refused.
	if _, q = follow(t, b, school.AuthCodeURL("st-5", oauth2.S256ChallengeOption("v"), oauth2.SetAuthURLParam("acr_values", sso.ACR(account.Confirmed)))); q.Get("error") != "invalid_request" {
		t.Errorf("a level above the site's highest: %v", q)
	}

	// «Мои разрешения»: the school, what it may receive; withdrawn, its
	// tokens stop and the next sign-in asks again.
	_, body := b.get("/account/permissions")
	if !strings.Contains(body, `data-site="school"`) || !strings.Contains(between(body, `data-site="school"`, "</section>"), "Фамилия, имя и отчество") {
		t.Fatalf("my permissions: %s", between(body, "<main", "</main>"))
	}
	if _, body = b.get("/api/v1/me/permissions"); !strings.Contains(body, `"client_id":"school"`) || !strings.Contains(body, `"signed_in":true`) {
		t.Errorf("the API's permissions: %s", body)
	}
	if res, _ := b.post("/account/permissions/school/withdraw", nil); res.Header.Get("Location") != "/account/permissions?done=withdrawn" {
		t.Fatalf("withdrawn: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if _, err := rp.UserInfo(ctx, oauth2.StaticTokenSource(tok2)); err == nil {
		t.Error("the school's token works after the withdrawal")
	}
	if page, _ = follow(t, b, school.AuthCodeURL("st-7", oauth2.S256ChallengeOption("v"))); !strings.Contains(page, `id="consent-allow"`) {
		t.Error("not asked again after the withdrawal")
	}

	// prompt=none in a browser without a session.
	if _, q = follow(t, h.browser(), school.AuthCodeURL("st-6", oauth2.S256ChallengeOption("v"), oauth2.SetAuthURLParam("prompt", "none"))); q.Get("error") != "login_required" {
		t.Errorf("prompt=none signed out: %v", q)
	}
}

// siteWalk goes from u through every redirect, across kabinet and the
// demo site, allowing the consent on the way; it returns the last page
// and its URL.
func siteWalk(t *testing.T, b *browser, method, u string) (body, at string) {
	t.Helper()
	for range 12 {
		req, _ := http.NewRequest(method, u, nil)
		if method == "POST" {
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
		res, body := b.do(req)
		method = "GET"
		if strings.Contains(body, `id="consent-allow"`) {
			res, _ = b.post("/oidc/login", url.Values{"id": {between(body, `name="id" value="`, `"`)}, "decision": {"allow"}})
		}
		loc, err := res.Location()
		if err != nil {
			return body, u
		}
		u = req.URL.ResolveReference(loc).String()
	}
	t.Fatal("too many steps")
	return "", ""
}

// eventually waits (a generous bound: River polls) until the demo site's
// page satisfies ok.
func eventually(t *testing.T, b *browser, page string, ok func(body string) bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		req, _ := http.NewRequest("GET", page, nil)
		if _, body := b.do(req); ok(body) {
			return
		}
	}
	t.Fatal("the demo site's page never changed")
}

// TestDemoRelyingParty: the demo's own site, started with kabinet, signs
// the confirmed demo citizen in through kabinet when it asks the
// confirmed level, and shows the subject, the acr and the data received.
// Then each way a sign-in ends reaches it: signing out of kabinet (a
// back-channel logout, by a River job), signing out at the site (the site
// sends the browser to end_session with its ID token: kabinet's session
// ends too, without a question, and the browser returns to the site), and
// withdrawing the site's permission in the profile, and the kabinet
// session idling out.
func TestDemoRelyingParty(t *testing.T) {
	h, _, _ := ssoHarness(t, true)
	ctx := context.Background()
	c, found, err := h.app.Store.RelyingParties().Client(ctx, "demo-rp")
	if err != nil || !found {
		t.Fatalf("the demo site is not registered: %v", err)
	}
	if c.BackchannelLogoutURI == "" || len(c.PostLogoutURIs) == 0 {
		t.Fatalf("the demo site has no logout URIs: %+v", c)
	}
	if err := h.app.StartJobs(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.app.Jobs().Stop(ctx) })
	site := strings.TrimSuffix(c.RedirectURIs[0], "/callback")
	b := h.browser()
	signIn := func() {
		t.Helper()
		b.signInAs(demo.ConfirmedPhone, demo.Password, "")
		h.clock.Add(time.Minute) // the next code is the newest message
	}
	signedInAtSite := func() {
		t.Helper()
		body, at := siteWalk(t, b, "GET", site+"/login?level=confirmed")
		if !strings.Contains(body, `id="rp-sub"`) {
			t.Fatalf("stopped at %s: %.3000s", at, body)
		}
		if !strings.Contains(body, sso.ACR(account.Confirmed)) || !strings.Contains(body, "family_name") || !strings.Contains(body, demo.Confirmed().Identity.Surname) {
			t.Fatalf("the demo site shows: %s", between(body, "<main>", "</main>"))
		}
	}
	signedOut := func(body string) bool { return !strings.Contains(body, `id="rp-sub"`) }
	kabinetSignedIn := func() bool {
		res, _ := b.get("/account")
		return res.StatusCode == http.StatusOK
	}

	signIn()
	signedInAtSite()
	// 1. Signing out of kabinet ends the site's session: back-channel.
	b.post("/signout", nil)
	eventually(t, b, site+"/", signedOut)

	// 2. Signing out at the site ends kabinet's session too, and returns.
	signIn()
	signedInAtSite()
	body, at := siteWalk(t, b, "POST", site+"/logout")
	if !strings.HasPrefix(at, site+"/") || !signedOut(body) {
		t.Fatalf("after signing out at the site: at %s %.2000s", at, body)
	}
	if kabinetSignedIn() {
		t.Error("kabinet's session outlived the site's logout with its own ID token")
	}

	// 3. Withdrawing the permission in the profile ends the site's session.
	signIn()
	signedInAtSite()
	if res, _ := b.post("/account/permissions/demo-rp/withdraw", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", res.StatusCode)
	}
	eventually(t, b, site+"/", signedOut)
	if !kabinetSignedIn() {
		t.Error("withdrawing a site's permission signed the citizen out of kabinet")
	}

	// 4. A kabinet session that idles out ends the site's session too,
	// once the periodic job records the end (run here at once).
	signIn()
	signedInAtSite()
	h.clock.Add(h.app.Config.Sessions.Idle + time.Minute)
	if n, err := h.app.Sessions.EndLapsed(ctx); err != nil || n == 0 {
		t.Fatalf("EndLapsed = %d %v", n, err)
	}
	eventually(t, b, site+"/", signedOut)
}

// TestReturnAfterRaisingLevel: a simplified citizen signs in to a site
// that demands the standard level: the level page sends them to «Мои
// данные», every page shows the site waiting, and once the registries
// verify the data the personal data page itself returns them to the site,
// which gets its code with acr standard.
func TestReturnAfterRaisingLevel(t *testing.T) {
	h, confs, _ := ssoHarness(t, false)
	token := h.register("+7 916 555-12-34", "Correct-Horse-Battery-9")
	b := h.signedIn(token)
	school := confs["school"]
	page, q := follow(t, b, school.AuthCodeURL("st-r", oauth2.S256ChallengeOption("v"), oauth2.SetAuthURLParam("acr_values", sso.ACR(account.Standard))))
	if q != nil || !strings.Contains(page, `href="/account/personal-data"`) {
		t.Fatalf("the level page: %v %.1000s", q, between(page, "<main", "</main>"))
	}
	_, body := b.get("/account")
	banner := between(body, `id="sso-return"`, "</div>")
	if !strings.Contains(banner, "Электронная школа") || !strings.Contains(banner, "button--secondary") {
		t.Errorf("the waiting site's banner: %q", banner)
	}
	// Not raised yet: the personal data page stays.
	if res, _ := b.get("/account/personal-data"); res.StatusCode != http.StatusOK {
		t.Fatalf("the personal data page before the checks: %d", res.StatusCode)
	}
	h.submitPersonal(h.meID(token), smirnovaInput)
	if h.runChecks() == 0 {
		t.Fatal("no checks ran")
	}
	res, _ := b.get("/account/personal-data")
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/oidc/login?id=") {
		t.Fatalf("the personal data page after the checks: %d %q, want back to the site", res.StatusCode, loc)
	}
	page, q = follow(t, b, h.srv.URL+loc)
	if q == nil && strings.Contains(page, `id="consent-allow"`) {
		q = decide(t, b, page, "allow")
	}
	if q.Get("code") == "" || q.Get("state") != "st-r" {
		t.Fatalf("back at the site: %v %.1000s", q, between(page, "<main", "</main>"))
	}
	// Answered: no banner any more.
	if _, body = b.get("/account"); strings.Contains(body, `id="sso-return"`) {
		t.Error("the banner outlived the answered request")
	}
	// Another site waits for the confirmed level; the citizen signs out:
	// the request is not the next citizen's in this browser.
	court := confs["court"]
	if page, _ = follow(t, b, court.AuthCodeURL("st-c", oauth2.S256ChallengeOption("v"), oauth2.SetAuthURLParam("acr_values", sso.ACR(account.Confirmed)))); !strings.Contains(page, `id="level-need"`) {
		t.Fatalf("the court's level page: %.500s", between(page, "<main", "</main>"))
	}
	res, _ = b.post("/signout", nil)
	forgotten := false
	for _, c := range res.Cookies() {
		forgotten = forgotten || c.Name == "kabinet_sso_return" && c.MaxAge < 0
	}
	if !forgotten {
		t.Error("sign-out kept the waiting site's request in the browser")
	}
}

// TestSecurityEndsOfflineAccess: a site's offline access outlives the
// citizen's plain sign-out (its refresh token still works), but a password
// change that ends the other sessions revokes it, though the session that
// gave it had ended before — a takeover must not leave a site acting.
func TestSecurityEndsOfflineAccess(t *testing.T) {
	h, confs, _ := ssoHarness(t, false)
	ctx := context.Background()
	first := h.register("+79165551235", goodPassword)
	b := h.signedIn(first)
	school := confs["school"]
	school.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
	verifier := oauth2.GenerateVerifier()
	page, q := follow(t, b, school.AuthCodeURL("st-o", oauth2.S256ChallengeOption(verifier)))
	if q == nil {
		q = decide(t, b, page, "allow")
	}
	tok, err := school.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("no refresh token: %v", err)
	}
	refresh := func() error {
		t.Helper()
		next, err := school.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Minute)}).Token()
		if err == nil {
			tok = next
		}
		return err
	}
	if res, _ := b.post("/signout", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", res.StatusCode)
	}
	if err := refresh(); err != nil {
		t.Fatalf("offline access ended by a plain sign-out: %v", err)
	}
	second := h.signInToken("+79165551235")
	if r := h.changePw(second, goodPassword, newPassword, true); r.Status != 200 {
		t.Fatalf("password change: %d %s", r.Status, r.Raw)
	}
	if err := refresh(); err == nil {
		t.Error("offline access outlived a password change that ended the other sessions")
	}
}
