package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kabinet/kabinet/internal/demo"
	"github.com/kabinet/kabinet/internal/demorp"
)

// Single sign-on (issue 15 §5) through the demo's relying party: a small
// site of its own (internal/demorp, go-oidc) that the harness's demo mode
// starts beside kabinet, registered as demo-rp.

// ssoWait bounds what happens behind the page: a back-channel logout (a
// River job), the registries' checks (seconds in the demo).
const ssoWait = 60 * time.Second

// demoSite is the demo site's base URL, from its registration: kabinet
// starts it on a free port when its own is taken.
func (e *env) demoSite() string {
	e.t.Helper()
	c, found, err := e.app.Store.RelyingParties().Client(context.Background(), demorp.ClientID)
	if err != nil || !found || len(c.RedirectURIs) == 0 {
		e.t.Fatalf("the demo site is not registered (%v): is KABINET_DEMO_RP_ADDR empty?", err)
	}
	return strings.TrimSuffix(c.RedirectURIs[0], "/callback")
}

// endSession is kabinet's end_session endpoint, from discovery.
func (e *env) endSession() string {
	e.t.Helper()
	res, err := http.Get(e.baseURL + "/oidc/.well-known/openid-configuration")
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := json.NewDecoder(res.Body).Decode(&meta); err != nil || meta.EndSession == "" {
		e.t.Fatalf("discovery: %d %v %+v", res.StatusCode, err, meta)
	}
	return meta.EndSession
}

// ssoSignIn signs a demo citizen in on kabinet's sign-in page, which a
// site's request has led to, with the SMS code of a new device; the
// browser goes on with the site's request.
func (e *env) ssoSignIn(b *browser, login, phone string) {
	b.t.Helper()
	b.waitURL(`^/signin\?next=%2Foidc%2Flogin`)
	e.clock.Add(time.Minute) // codes to one number go out at least a minute apart
	b.fill("f-login", login)
	b.fill("f-password", demo.Password)
	sent := time.Now()
	b.submit(signinButton)
	b.waitURL(`^/signin/[^/?]+$`)
	b.fill("f-code", e.smsCode(phone, sent))
	b.submit(codeButton)
}

// until waits, up to ssoWait, for done to report true, calling it every
// 200 ms; what says what was awaited.
func (b *browser) until(what string, done func() bool) {
	b.t.Helper()
	deadline := time.Now().Add(ssoWait)
	for !done() {
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: %s did not happen within %s (at %s)", b.name, what, ssoWait, b.location())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// holds evaluates a JavaScript condition in the page; false when it
// cannot be read, as while the page reloads itself.
func (b *browser) holds(expr string) bool {
	ctx, cancel := b.step()
	defer cancel()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
	return err == nil && ok
}

// signedInAt reports whether the demo site's page shows a sign-in.
func (b *browser) signedInAt() bool {
	b.t.Helper()
	return b.count("#rp-sub") == 1
}

// siteError fails the test when the demo site shows an error (kabinet
// answered the site with one, or the exchange failed).
func (b *browser) siteError() {
	b.t.Helper()
	if b.count("#rp-error") > 0 {
		b.t.Fatalf("%s: the demo site says: %s", b.name, b.text("#rp-error"))
	}
}

// requestID is the id of the site's request on a /oidc/login page.
func (b *browser) requestID() string {
	b.t.Helper()
	u, err := url.Parse(b.url())
	if err != nil || u.Path != "/oidc/login" || u.Query().Get("id") == "" {
		b.t.Fatalf("%s: not a page of a site's request: %s", b.name, b.url())
	}
	return u.Query().Get("id")
}

// TestSSODemoSite: a standard citizen signs in at the demo site through
// kabinet — the sign-in page with the code of a new device, the consent
// page listing what the site asks — and the site shows its pairwise
// subject and the verified surname from userinfo (none in the ID token).
// «Мои разрешения» lists the site; withdrawing the permission ends the
// site's session by back-channel logout (a River job) and not kabinet's.
// Signing in again asks the consent again and gives the same subject. The
// site's own «Выйти с этого сайта» (RP-initiated logout, its ID token as
// the hint) returns to the site signed out of it and of kabinet, without
// a question. The consent and permissions pages are scanned by axe at 1280
// and 375 px.
func TestSSODemoSite(t *testing.T) {
	t.Parallel()
	e := start(t)
	site := e.demoSite()
	b := e.browser("petrova")
	surname := demo.Standard().Identity.Surname

	// Sign in at the site: kabinet's sign-in, then the consent page.
	b.open(site + "/")
	b.expect("signed out at first", b.text("h2"), "Войти через kabinet (sign in)")
	b.follow("#rp-login")
	e.ssoSignIn(b, "+7 900 000-00-02", demo.StandardPhone)
	b.waitURL(`^/oidc/login\?id=`)
	b.expect("consent heading", b.heading(), "Сайт «Демонстрационный сайт» просит ваши данные")
	b.expectContains("the site's host", b.text("#consent-site"), strings.TrimPrefix(site, "http://"))
	b.expectContains("the data asked", b.text("#consent-data"), "Фамилия, имя и отчество")
	b.scan("consent page")
	b.submit("#consent-allow")
	b.waitURL("^" + regexp.QuoteMeta(site+"/") + "$")
	b.siteError()
	if !b.signedInAt() {
		t.Fatalf("the demo site shows no sign-in: %s", b.text("main"))
	}
	sub := b.text("#rp-sub")
	b.expect("acr", b.text("#rp-acr"), "urn:kabinet:loa:standard")
	b.expectContains("userinfo", b.text("#rp-userinfo"), `"family_name": "`+surname+`"`)
	b.expectContains("ID token", b.text("#rp-id-token"), `"sid": "`)
	if strings.Contains(b.text("#rp-id-token"), surname) {
		t.Error("the ID token carries personal data")
	}
	b.shot("demo-site-signed-in")
	b.scan("the demo site, signed in") // kabinet ships it: it is held to the same rule

	// «Мои разрешения»: the site is there; withdrawing ends its session.
	b.open("/account")
	b.follow(`main a[href="/account/permissions"]`)
	b.expect("permissions heading", b.heading(), "Мои разрешения")
	b.expect("the site listed", b.text(`[data-site="demo-rp"] h2`), "Демонстрационный сайт")
	b.expectContains("what it receives", b.text(`[data-site="demo-rp"]`), "Фамилия, имя и отчество")
	b.scan("permissions page")
	b.submit(`[data-site="demo-rp"] form[action="/account/permissions/demo-rp/withdraw"] button[type=submit]`)
	b.expect("after withdrawing", b.url(), "/account/permissions?done=withdrawn")
	b.expectContains("notice", b.text(".notice"), "Разрешение отозвано")
	if n := b.count(`[data-site="demo-rp"] form`); n != 0 {
		t.Errorf("the withdrawn site still offers withdrawing (%d forms)", n)
	}
	b.scan("permissions page after withdrawing")
	b.until("the back-channel logout at the demo site", func() bool {
		b.open(site + "/")
		return !b.signedInAt()
	})
	b.open("/account")
	b.expect("still signed in to kabinet", b.url(), "/account")

	// Again: the consent is asked again, and the site is the same to it.
	b.open(site + "/")
	b.follow("#rp-login")
	b.waitURL(`^/oidc/login\?id=`)
	if b.count("#consent-allow") != 1 {
		t.Fatalf("no consent asked after withdrawing: %s", b.heading())
	}
	b.submit("#consent-allow")
	b.waitURL("^" + regexp.QuoteMeta(site+"/") + "$")
	b.siteError()
	if !b.signedInAt() {
		t.Fatal("the demo site shows no sign-in after consenting again")
	}
	b.expect("the same pairwise subject", b.text("#rp-sub"), sub)

	// The site's own sign-out: RP-initiated logout with its ID token as the
	// hint ends kabinet's session too, without a question.
	b.open(site + "/")
	b.submit(`form[action="/logout"] button[type=submit]`)
	b.waitURL("^" + regexp.QuoteMeta(site+"/") + `(\?state=[^&]+)?$`)
	b.siteError()
	if b.signedInAt() {
		t.Error("the demo site still shows the sign-in after «Выйти с этого сайта»")
	}
	b.open("/account")
	b.waitURL(`^/signin\?`)
}

// TestSSOStepUp: the simplified demo citizen signs in at the demo site's
// «standard» button; kabinet's level page (scanned in Russian and in
// English) leads to «My data», which shows the site waiting; the data the
// registry simulator matches is sent, and when the checks pass the page
// returns by itself to the site's request — the consent page (in English,
// scanned) — and the site gets acr standard; the banner is gone. Then a
// logout request naming no sign-in of this browser (no id_token_hint)
// asks before signing out of kabinet (scanned in both languages), and
// «Остаться в kabinet» returns to the site with both sessions kept; a
// damaged logout link says it is stale (scanned).
//
// English is asked with ?lang=en on the request's own address: the
// header's language link on /oidc/login pages is /oidc/login?lang=en,
// without the request's id.
func TestSSOStepUp(t *testing.T) {
	t.Parallel()
	e := start(t)
	site := e.demoSite()
	b := e.browser("anna")

	b.open(site + "/")
	b.follow("#rp-login-standard")
	e.ssoSignIn(b, "+7 900 000-00-01", demo.Phone)
	b.waitURL(`^/oidc/login\?id=`)
	id := b.requestID()
	b.expect("level heading", b.heading(), "Сайт «Демонстрационный сайт» просит более высокий уровень")
	b.expectContains("level needed", b.text("#level-need"), "Стандартная учётная запись")
	b.scan("level page")
	b.open("/oidc/login?id=" + url.QueryEscape(id) + "&lang=en")
	b.expect("level heading in English", b.heading(), "“Demo site” asks for a higher level")
	b.expect("level needed in English", b.text("#level-need"), "To sign in to “Demo site” you need at least a Standard account.")
	b.scan("level page in English")

	// «My data», in English now, with the site waiting.
	b.follow("#level-raise")
	b.expect("URL", b.url(), "/account/personal-data")
	b.expect("heading", b.heading(), "My data")
	b.expectContains("the banner", b.text("#sso-return"), "“Demo site” is waiting for you to sign in")
	b.expect("the banner's link", get(b, "banner link", attr("#sso-return-link", "href")), "/oidc/login?id="+id)
	b.scan("personal-data page with a site waiting")
	// The registry simulator of the demo matches anyone it does not know:
	// a well-formed SNILS (checksum 91) and passport of nobody in its file.
	b.fill("f-patronymic", "Игоревна")
	b.click("#f-gender-female")
	b.fill("f-birth-date", "15.05.1992")
	b.fill("f-birth-place", "г. Калуга")
	b.fill("f-document-series", "29 12")
	b.fill("f-document-number", "271828")
	b.fill("f-document-issue-date", "20.06.2012")
	b.fill("f-document-issued-by", "УМВД России по Калужской области")
	b.fill("f-document-division-code", "400-001")
	b.fill("f-snils", "271-828-182 91")
	b.submit(mydataButton)
	b.expect("URL after sending", b.url(), "/account/personal-data?sent=1")
	b.expectContains("still waiting", b.text("#sso-return"), "Demo site")

	// The page follows the checks and reloads when they end; once the
	// account is standard, the reload returns to the site's request.
	b.until("the return to the site's request", func() bool {
		return b.holds(fmt.Sprintf(`location.pathname + location.search === %q && !!document.getElementById('consent-allow')`,
			"/oidc/login?id="+url.QueryEscape(id)))
	})
	b.expect("consent heading in English", b.heading(), "“Demo site” asks for your data")
	b.scan("consent page in English")
	b.submit("#consent-allow")
	b.waitURL("^" + regexp.QuoteMeta(site+"/") + "$")
	b.siteError()
	if !b.signedInAt() {
		t.Fatal("the demo site shows no sign-in after the level was raised")
	}
	b.expect("acr", b.text("#rp-acr"), "urn:kabinet:loa:standard")
	b.expectContains("userinfo", b.text("#rp-userinfo"), `"family_name": "Демонстрационная"`)
	b.shot("demo-site-standard")

	b.open("/account")
	b.expect("level", b.text(".badge"), "Standard account")
	if n := b.count("#sso-return"); n != 0 {
		t.Error("the banner outlived the answered request")
	}

	// A logout request that names no sign-in of this browser (no
	// id_token_hint, as a link on any page could make): kabinet asks
	// before signing out; staying returns to the site, both sessions kept.
	q := url.Values{"client_id": {demorp.ClientID}, "post_logout_redirect_uri": {site + "/"}}
	res := get(b, "open end_session", chromedp.NavigateResponse(e.endSession()+"?"+q.Encode()))
	logout := b.waitURL(`^/oidc/logout\?l=`)
	if res.Status != http.StatusOK {
		t.Fatalf("the logout question: %d %q (kabinet's log says why)", res.Status, b.heading())
	}
	b.expect("logout question in English", b.heading(), "Sign out of kabinet?")
	b.expect("the site named in English", b.text("#logout-site"), "“Demo site” asks you to sign out of kabinet.")
	b.scan("logout question in English")
	b.open(logout + "&lang=ru")
	b.expect("logout question", b.heading(), "Выйти из kabinet?")
	b.expect("the site named", b.text("#logout-site"), "Сайт «Демонстрационный сайт» просит выйти из kabinet.")
	b.scan("logout question")
	b.submit("#logout-stay")
	b.waitURL("^" + regexp.QuoteMeta(site+"/") + "$")
	if !b.signedInAt() {
		t.Error("«Остаться в kabinet» ended the site's session")
	}
	b.open("/account")
	b.expect("«Остаться в kabinet» kept kabinet's session", b.url(), "/account")

	// A stale or damaged logout link says so, with kabinet's own sign-out.
	if res := get(b, "open a damaged logout link", chromedp.NavigateResponse(e.baseURL+"/oidc/logout?l=damaged")); res.Status != http.StatusBadRequest {
		t.Errorf("a damaged logout link: %d %q, want 400", res.Status, b.heading())
	}
	b.expect("expired heading", b.heading(), "Ссылка для выхода устарела")
	if b.count("#logout-signout") != 1 {
		t.Error("the expired logout page offers no «Выйти из kabinet» to a signed-in citizen")
	}
	b.scan("expired logout link")
}
