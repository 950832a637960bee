package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/kabinet/kabinet/internal/config"
)

// signedIn returns a browser holding the session cookie of token.
func (h *harness) signedIn(token string) *browser {
	h.t.Helper()
	b := h.browser()
	u, _ := url.Parse(h.srv.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "kabinet_session", Value: token, Path: "/"}})
	return b
}

// status asks GET /api/v1/sessions/current with the browser's cookie.
func (b *browser) status() (int, map[string]any) {
	b.h.t.Helper()
	req, _ := http.NewRequest("GET", b.h.srv.URL+"/api/v1/sessions/current", nil)
	req.Header.Set("Accept", "application/json")
	res, body := b.do(req)
	r := response{Status: res.StatusCode}
	_ = jsonUnmarshal(body, &r.Body)
	return res.StatusCode, r.Body
}

// TestIdleTimeout: with the default 30 minutes, a session used at t=0
// works at 29 min 50 s and not at 30 min 20 s; the status the warning asks
// for does not extend it; "stay signed in" does; and the sign-in page says
// why the session ended, without JavaScript.
func TestIdleTimeout(t *testing.T) {
	h := newHarness(t, nil)
	if h.app.Config.Sessions.Idle != 30*time.Minute {
		t.Fatalf("default idle timeout %v, want 30m", h.app.Config.Sessions.Idle)
	}
	token := h.register("+79161234567", goodPassword)
	br := h.signedIn(token)

	res, body := br.get("/account")
	if res.StatusCode != 200 {
		t.Fatalf("account: %d", res.StatusCode)
	}
	dlg := parse(t, body).byID("session-warning")
	if dlg == nil || dlg.Data != "dialog" || hasAttr(dlg, "open") {
		t.Fatalf("no closed warning dialog on a signed-in page")
	}
	if left, _ := strconv.Atoi(attr(dlg, "data-idle-left")); left < 1795 || left > 1800 {
		t.Errorf("data-idle-left = %q, want about 1800", attr(dlg, "data-idle-left"))
	}
	if attr(dlg, "data-warn-before") != "120" {
		t.Errorf("data-warn-before = %q", attr(dlg, "data-warn-before"))
	}
	if !strings.Contains(text(dlg), "Сеанс скоро завершится") || !strings.Contains(text(dlg), "Остаться в кабинете") {
		t.Errorf("dialog text: %q", text(dlg))
	}

	// Asking how long is left does not count as activity.
	h.clock.Add(28 * time.Minute)
	st, v := br.status()
	if st != 200 || v["idle_seconds_left"].(float64) > 120 || v["idle_seconds_left"].(float64) < 115 {
		t.Fatalf("status at 28 min: %d %v", st, v)
	}
	h.clock.Add(time.Minute + 50*time.Second) // 29:50
	if st, v = br.status(); st != 200 || v["idle_seconds_left"].(float64) > 10 {
		t.Fatalf("status at 29:50: %d %v (did the first status extend the session?)", st, v)
	}
	// Stay signed in (the form the dialog submits without a script).
	res, _ = br.post("/account/stay-signed-in", url.Values{"next": {"/account/sessions"}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/account/sessions" {
		t.Fatalf("stay signed in: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if st, v = br.status(); st != 200 || v["idle_seconds_left"].(float64) < 1795 {
		t.Fatalf("after staying signed in: %d %v", st, v)
	}

	// Used at 29:50 after that: fine; 30:20 after the last use: gone.
	h.clock.Add(29*time.Minute + 50*time.Second)
	if res, _ = br.get("/account"); res.StatusCode != 200 {
		t.Fatalf("29:50 after the last use: %d", res.StatusCode)
	}
	h.clock.Add(30*time.Minute + 20*time.Second)
	res, _ = br.get("/account")
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || loc != "/signin?next=%2Faccount&reason=idle" {
		t.Fatalf("30:20 after the last use: %d %s", res.StatusCode, loc)
	}
	if got := res.Header.Get("Clear-Site-Data"); got != `"cache", "storage"` {
		t.Errorf("Clear-Site-Data = %q", got)
	}
	_, body = br.get(res.Header.Get("Location"))
	if got := parse(t, body).textOf("notice"); got != "Сеанс завершён: вы не пользовались кабинетом 30 минут. Войдите снова." {
		t.Errorf("sign-in notice: %q", got)
	}
	if parse(t, body).has("session-warning") {
		t.Error("a warning dialog without a session")
	}
	_, body = br.get("/signin?next=%2Faccount&reason=idle&lang=en")
	if got := parse(t, body).textOf("notice"); got != "Your session has ended: you have not used your account for 30 minutes. Please sign in again." {
		t.Errorf("English notice: %q", got)
	}

	// The API says why too, for a bearer token.
	if r := h.api("GET", "/api/v1/me", token, nil); r.Status != 401 || r.str("code") != "session.ended.idle" {
		t.Errorf("API after idling: %d %s", r.Status, r.Raw)
	}
}

// TestStaySignedInAPI: the warning's script extends the session with a
// same-origin POST; a cross-site one is refused.
func TestStaySignedInAPI(t *testing.T) {
	h := newHarness(t, nil)
	token := h.register("+79161234567", goodPassword)
	br := h.signedIn(token)
	h.clock.Add(28 * time.Minute) // 29 since the session was last used (register moves a minute on)

	req, _ := http.NewRequest("POST", h.srv.URL+"/api/v1/sessions/current/extend", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if res, _ := br.do(req); res.StatusCode != 403 {
		t.Errorf("cross-site extend: %d", res.StatusCode)
	}
	req, _ = http.NewRequest("POST", h.srv.URL+"/api/v1/sessions/current/extend", nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Accept", "application/json")
	res, body := br.do(req)
	var v map[string]any
	_ = jsonUnmarshal(body, &v)
	if res.StatusCode != 200 || v["idle_seconds_left"].(float64) < 1799 || v["idle_timeout_seconds"].(float64) != 1800 {
		t.Fatalf("extend: %d %s", res.StatusCode, body)
	}
	h.clock.Add(29 * time.Minute)
	if st, _ := br.status(); st != 200 {
		t.Errorf("58 minutes after sign-in, 29 after staying: %d", st)
	}
}

// TestSignOutClearsSiteData: sign-out asks the browser to forget cached
// pages and storage, clears the session cookie, and keeps the other
// cookies (no "cookies" in Clear-Site-Data).
func TestSignOutClearsSiteData(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.SignIn.SecondStep = false })
	br := h.signedIn(h.register("+79161234567", goodPassword))
	res, _ := br.post("/signout", nil)
	if res.StatusCode != 303 {
		t.Fatalf("sign out: %d", res.StatusCode)
	}
	if got := res.Header.Get("Clear-Site-Data"); got != `"cache", "storage"` {
		t.Errorf("Clear-Site-Data = %q, want \"cache\", \"storage\"", got)
	}
	cleared := false
	for _, c := range res.Cookies() {
		if c.Name == "kabinet_session" && c.MaxAge < 0 {
			cleared = true
		}
		if c.Name != "kabinet_session" {
			t.Errorf("sign-out touched cookie %s", c.Name)
		}
	}
	if !cleared {
		t.Error("the session cookie was not cleared")
	}

	// The API sign-out with the cookie does the same.
	br = h.signedIn(h.api("POST", "/api/v1/sessions", "", map[string]string{"login": "+79161234567", "password": goodPassword}).str("session_token"))
	req, _ := http.NewRequest("DELETE", h.srv.URL+"/api/v1/sessions/current", nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if res, _ := br.do(req); res.StatusCode != 204 || res.Header.Get("Clear-Site-Data") != `"cache", "storage"` {
		t.Errorf("API sign-out: %d, Clear-Site-Data %q", res.StatusCode, res.Header.Get("Clear-Site-Data"))
	}
}

// TestWhySessionEnded: the sign-in page says a session was ended from
// another device, or ran out its absolute lifetime.
func TestWhySessionEnded(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.SignIn.SecondStep, c.Sessions.Lifetime = false, time.Hour })
	keep := h.register("+79161234567", goodPassword)
	other := h.signedIn(h.api("POST", "/api/v1/sessions", "", map[string]string{"login": "+79161234567", "password": goodPassword}).str("session_token"))
	if r := h.api("DELETE", "/api/v1/sessions/others", keep, nil); r.Status != 200 {
		t.Fatalf("end others: %d %s", r.Status, r.Raw)
	}
	res, _ := other.get("/account/history")
	if loc := res.Header.Get("Location"); loc != "/signin?next=%2Faccount%2Fhistory&reason=elsewhere" {
		t.Fatalf("ended elsewhere: %d %s", res.StatusCode, loc)
	}
	_, body := other.get(res.Header.Get("Location"))
	if got := parse(t, body).textOf("notice"); !strings.HasPrefix(got, "Сеанс завершён с другого устройства.") {
		t.Errorf("notice: %q", got)
	}
	// A public page says so in place, once, and stays the page asked for.
	late := h.signedIn(h.api("POST", "/api/v1/sessions", "", map[string]string{"login": "+79161234567", "password": goodPassword}).str("session_token"))
	for range 2 {
		h.clock.Add(25 * time.Minute)
		if res, _ := late.get("/account"); res.StatusCode != 200 {
			t.Fatalf("in use: %d", res.StatusCode)
		}
	}
	h.clock.Add(15 * time.Minute) // an hour and five minutes after sign-in
	res, body = late.get("/services")
	if res.StatusCode != 200 {
		t.Fatalf("a public page with the ended session: %d", res.StatusCode)
	}
	if got := parse(t, body).textOf("notice"); got != "Сеанс завершён: с момента входа прошло 1 ч. Войдите снова." {
		t.Errorf("lifetime notice: %q", got)
	}
	if res, body = late.get("/"); res.StatusCode != 200 || parse(t, body).textOf("notice") != "" {
		t.Errorf("the notice shows again: %d", res.StatusCode)
	}
}

func hasAttr(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
