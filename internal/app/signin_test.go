package app_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/config"
)

func TestSignInSecondStepAndSessions(t *testing.T) {
	h := newHarness(t, nil)
	first := h.register("+79161234567", goodPassword)

	r := h.api("POST", "/api/v1/sessions", "", map[string]string{"login": "8 916 123 45 67", "password": goodPassword})
	if r.Status != 202 || r.Body["second_step"] != true || r.str("channel") != "sms" {
		t.Fatalf("password step: %d %s", r.Status, r.Raw)
	}
	if tpl, _ := h.lastMessage("+79161234567"); tpl != "signin_code" {
		t.Fatalf("second-step SMS: %s", tpl)
	}
	bad := h.api("POST", "/api/v1/sessions/"+r.str("id")+"/confirm", "", map[string]string{"code": "12 34"})
	if bad.Status != 422 || bad.fieldCode("code") != "code.format" {
		t.Errorf("malformed code: %d %s", bad.Status, bad.Raw)
	}
	ok := h.api("POST", "/api/v1/sessions/"+r.str("id")+"/confirm", "", map[string]string{"code": h.lastCode("+79161234567")})
	if ok.Status != 201 || ok.str("session_token") == "" {
		t.Fatalf("confirm: %d %s", ok.Status, ok.Raw)
	}
	second := ok.str("session_token")
	if second == first {
		t.Fatal("a new sign-in reused the token")
	}
	list := h.api("GET", "/api/v1/sessions", second, nil)
	sessions, _ := list.Body["sessions"].([]any)
	if len(sessions) != 2 {
		t.Fatalf("sessions: %s", list.Raw)
	}
	var firstID string
	for _, s := range sessions {
		m := s.(map[string]any)
		if m["current"] == false {
			firstID = m["id"].(string)
		}
	}
	if r := h.api("DELETE", "/api/v1/sessions/"+firstID, second, nil); r.Status != 204 {
		t.Fatalf("end session: %d %s", r.Status, r.Raw)
	}
	if r := h.api("GET", "/api/v1/me", first, nil); r.Status != 401 || r.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("ended session still works: %d", r.Status)
	}
	hist := h.api("GET", "/api/v1/sign-ins", second, nil)
	if entries, _ := hist.Body["sign_ins"].([]any); len(entries) < 1 || entries[0].(map[string]any)["outcome"] != "success" {
		t.Errorf("history: %s", hist.Raw)
	}
	if r := h.api("DELETE", "/api/v1/sessions/current", second, nil); r.Status != 204 {
		t.Fatalf("sign out: %d", r.Status)
	}
	if r := h.api("GET", "/api/v1/me", second, nil); r.Status != 401 {
		t.Errorf("signed-out session still works: %d", r.Status)
	}
}

func TestLockout(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.SignIn.SecondStep = false })
	h.register("+79161234567", goodPassword)
	for i := 1; i <= 5; i++ {
		r := h.api("POST", "/api/v1/sessions", "", map[string]string{"login": "+79161234567", "password": "Wrong-" + strconv.Itoa(i)})
		want := 401
		if i == 5 {
			want = 429 // the fifth failure says the login is now locked
		}
		if r.Status != want {
			t.Fatalf("attempt %d: %d %s", i, r.Status, r.Raw)
		}
	}
	// Locked: even the right password is refused, with when to come back.
	r := h.api("POST", "/api/v1/sessions", "", map[string]string{"login": "+7 916 123-45-67", "password": goodPassword})
	if r.Status != 429 || r.str("code") != "signin.locked" {
		t.Fatalf("locked: %d %s", r.Status, r.Raw)
	}
	secs, _ := strconv.Atoi(r.Header.Get("Retry-After"))
	if secs < 14*60 || secs > 15*60 || !strings.Contains(r.str("message"), "мин") {
		t.Errorf("Retry-After %d s, message %q", secs, r.str("message"))
	}
	// An unknown login locks the same way.
	for i := 0; i < 6; i++ {
		r = h.api("POST", "/api/v1/sessions", "", map[string]string{"login": "+79990001122", "password": "Wrong-1"})
	}
	if r.Status != 429 {
		t.Errorf("unknown login not locked: %d", r.Status)
	}
	// After the window the right password works and resets the count.
	h.clock.Add(16 * time.Minute)
	if r = h.api("POST", "/api/v1/sessions", "", map[string]string{"login": "+79161234567", "password": goodPassword}); r.Status != 201 {
		t.Fatalf("after the lock: %d %s", r.Status, r.Raw)
	}
}

func TestRecoveryEndsOtherSessions(t *testing.T) {
	h := newHarness(t, nil)
	old := h.register("+79161234567", goodPassword)
	r := h.api("POST", "/api/v1/password-recovery", "", map[string]string{"login": "+79161234567"})
	if r.Status != 202 {
		t.Fatalf("start: %d %s", r.Status, r.Raw)
	}
	id := r.str("id")
	if tpl, _ := h.lastMessage("+79161234567"); tpl != "recovery_code" {
		t.Fatalf("recovery SMS: %s", tpl)
	}
	if r = h.api("POST", "/api/v1/password-recovery/"+id+"/confirm", "", map[string]string{"code": h.lastCode("+79161234567")}); r.Status != 200 {
		t.Fatalf("confirm: %d %s", r.Status, r.Raw)
	}
	const newPassword = "Osen-2026?novyi"
	r = h.api("POST", "/api/v1/password-recovery/"+id+"/password", "", map[string]string{"password": newPassword, "password_confirmation": newPassword})
	if r.Status != 201 || r.Body["ended_sessions"] != float64(1) {
		t.Fatalf("password: %d %s", r.Status, r.Raw)
	}
	if me := h.api("GET", "/api/v1/me", old, nil); me.Status != 401 {
		t.Errorf("old session survived recovery: %d", me.Status)
	}
	if me := h.api("GET", "/api/v1/me", r.str("session_token"), nil); me.Status != 200 {
		t.Errorf("new session: %d", me.Status)
	}
	if tpl, _ := h.lastMessage("+79161234567"); tpl != "password_changed" {
		t.Errorf("owner not told of the change: %s", tpl)
	}
	h2 := h.api("POST", "/api/v1/sessions", "", map[string]string{"login": "+79161234567", "password": goodPassword})
	if h2.Status != 401 {
		t.Errorf("old password still works: %d", h2.Status)
	}
}

func TestBrowserJourneyWithoutJavaScript(t *testing.T) {
	h := newHarness(t, nil)
	br := h.browser()

	// Errors come back next to the fields, in a summary, with input kept.
	res, body := br.post("/register", url.Values{"surname": {"Иванова"}, "name": {"Анна-Мария"}, "phone": {"12345"}})
	if res.StatusCode != 422 {
		t.Fatalf("invalid form: %d", res.StatusCode)
	}
	p := parse(t, body)
	if got := attr(p.byID("f-surname"), "value"); got != "Иванова" {
		t.Errorf("surname lost: %q", got)
	}
	if got := text(p.byID("f-phone-error")); !strings.Contains(got, "номер") {
		t.Errorf("phone message: %q", got)
	}
	if got := attr(p.byID("f-phone"), "aria-describedby"); !strings.Contains(got, "f-phone-error") {
		t.Errorf("phone input not tied to its message: %q", got)
	}
	if !p.has("f-accept-terms-error") || !strings.Contains(p.textOf("error-summary"), "условия") {
		t.Errorf("terms message missing: %s", p.textOf("error-summary"))
	}

	res, _ = br.post("/register", url.Values{"surname": {"Иванова"}, "name": {"Анна-Мария"}, "phone": {"8 916 555-12-34"}, "accept_terms": {"yes"}})
	if res.StatusCode != 303 {
		t.Fatalf("register: %d", res.StatusCode)
	}
	flowURL := res.Header.Get("Location")
	_, body = br.get(flowURL)
	if got := parse(t, body).h1(); got != "Подтвердите номер телефона" {
		t.Errorf("code page: %q", got)
	}
	// The browser that typed the number sees it whole (the API masks it).
	if !strings.Contains(text(parse(t, body).root), "+7 916 555-12-34") {
		t.Errorf("the number typed is not shown")
	}
	// Another browser cannot continue this flow.
	if res, _ := h.browser().get(flowURL); res.StatusCode != 404 {
		t.Errorf("flow opened in another browser: %d", res.StatusCode)
	}
	res, _ = br.post(flowURL+"/code", url.Values{"code": {h.lastCode("+79165551234")}})
	if res.StatusCode != 303 {
		t.Fatalf("code: %d", res.StatusCode)
	}
	res, body = br.post(flowURL+"/password", url.Values{"password": {"парольчик1"}, "password_confirmation": {"парольчик1"}})
	if res.StatusCode != 422 || !strings.Contains(text(parse(t, body).byID("f-password-error")), "латинские") {
		t.Fatalf("Cyrillic password: %d", res.StatusCode)
	}
	res, _ = br.post(flowURL+"/password", url.Values{"password": {goodPassword}, "password_confirmation": {goodPassword}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/welcome" {
		t.Fatalf("password: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	cookie := res.Header.Get("Set-Cookie")
	for _, want := range []string{"kabinet_session=", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie %q lacks %s", cookie, want)
		}
	}
	_, body = br.get("/welcome")
	if !strings.Contains(body, `href="/services"`) || !strings.Contains(body, `href="/account"`) {
		t.Error("welcome page lacks its two ways on")
	}
	// Sign out, then sign in with the second step.
	if res, _ := br.post("/signout", nil); res.StatusCode != 303 {
		t.Fatalf("sign out: %d", res.StatusCode)
	}
	if res, _ := br.get("/account"); res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
		t.Fatalf("account after sign-out: %d", res.StatusCode)
	}
	res, _ = br.post("/signin", url.Values{"login": {"+79165551234"}, "password": {goodPassword}})
	if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/signin/") {
		t.Fatalf("sign in: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	step := res.Header.Get("Location")
	// Seconds after the registration's code, the sign-in code waits for
	// the number's minute: the page says so and keeps the step open.
	_, body = br.get(step)
	if !strings.Contains(body, "Пароль верный") || strings.Contains(body, "Мы отправили SMS") {
		t.Errorf("the step does not say the code is still to be sent:\n%s", body)
	}
	if res, _ = br.post(step+"/resend", nil); res.StatusCode != 429 {
		t.Errorf("a code within the number's minute: %d", res.StatusCode)
	}
	h.clock.Add(time.Minute)
	if res, _ = br.post(step+"/resend", nil); res.StatusCode != 303 {
		t.Fatalf("the code a minute later: %d", res.StatusCode)
	}
	if tpl, _ := h.lastMessage("+79165551234"); tpl != "signin_code" {
		t.Fatalf("the last SMS is %s", tpl)
	}
	res, _ = br.post(step+"/code", url.Values{"code": {h.lastCode("+79165551234")}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/account" {
		t.Fatalf("second step: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = br.get("/account/sessions")
	p = parse(t, body)
	if got := p.textOf("tag"); got != "этот сеанс" {
		t.Errorf("current session not marked: %q", got)
	}
	_, body = br.get("/account/history")
	if !strings.Contains(body, "Успешный вход") {
		t.Error("history lacks the sign-in")
	}
}

func TestSecurityHeadersAndCrossOrigin(t *testing.T) {
	h := newHarness(t, nil)
	br := h.browser()
	res, _ := br.get("/register")
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP: %q", csp)
	}
	for _, hdr := range []string{"X-Content-Type-Options", "Referrer-Policy", "X-Request-Id", "X-Frame-Options"} {
		if res.Header.Get(hdr) == "" {
			t.Errorf("no %s", hdr)
		}
	}
	req, _ := newFormRequest(h.srv.URL+"/register", url.Values{"surname": {"X"}})
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if res, _ := br.do(req); res.StatusCode != 403 {
		t.Errorf("cross-site POST: %d", res.StatusCode)
	}
	req, _ = newFormRequest(h.srv.URL+"/api/v1/registrations", url.Values{})
	req.Header.Set("Origin", "https://evil.example")
	if res, _ := br.do(req); res.StatusCode != 403 {
		t.Errorf("cross-origin API POST: %d", res.StatusCode)
	}
}

func TestOperationalEndpointsAndDemoMode(t *testing.T) {
	h := newHarness(t, nil)
	br := h.browser()
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200, "/dev/outbox": 200, "/terms": 200, "/privacy": 200, "/services": 200, "/nope": 404} {
		if res, _ := br.get(path); res.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, res.StatusCode, want)
		}
	}
	h.register("+79161234567", goodPassword)
	if _, body := br.get("/dev/outbox"); !strings.Contains(text(parse(t, body).root), "+79161234567") || !strings.Contains(body, "код подтверждения") {
		t.Error("outbox page does not show the SMS")
	}
	if _, body := br.get("/"); !strings.Contains(body, "demo-banner") {
		t.Error("demo mode not marked")
	}
	if _, body := br.get("/metrics"); !strings.Contains(body, "kabinet_http_requests_total") {
		t.Error("no request metrics")
	}
	if _, body := br.get("/register?lang=en"); !strings.Contains(body, "<h1 class=\"title\">Register</h1>") {
		t.Error("no English")
	}
	if _, body := br.get("/register"); !strings.Contains(body, "Register") {
		t.Error("language choice not remembered")
	}

	prod := newHarness(t, func(c *config.Config) {
		c.Server.Env = config.Production
		c.Server.BaseURL = "https://kabinet.example"
		c.Keys.Secret = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="
	})
	pb := prod.browser()
	res, body := pb.get("/dev/outbox")
	if res.StatusCode != 404 {
		t.Errorf("outbox in production: %d", res.StatusCode)
	}
	if strings.Contains(body, "demo-banner") {
		t.Error("demo banner in production")
	}
	if res, _ := pb.get("/register"); res.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS in production")
	}
}

// TestSignInByEmailWithoutPhone: an account without a phone signs in with
// its e-mail, and the second-step code goes by e-mail.
func TestSignInByEmailWithoutPhone(t *testing.T) {
	h := newHarness(t, nil)
	r := h.api("POST", "/api/v1/registrations", "", map[string]any{"surname": "Лебедева", "name": "Ирина", "email": "irina@example.ru", "accept_terms": true})
	id := r.str("id")
	if r = h.api("POST", "/api/v1/registrations/"+id+"/confirm", "", map[string]string{"code": h.lastCode("irina@example.ru")}); r.Status != 200 {
		t.Fatalf("confirm by the code in the mail: %d %s", r.Status, r.Raw)
	}
	if r = h.api("POST", "/api/v1/registrations/"+id+"/password", "", map[string]string{"password": goodPassword, "password_confirmation": goodPassword}); r.Status != 201 {
		t.Fatalf("password: %d %s", r.Status, r.Raw)
	}
	h.clock.Add(time.Minute) // the address's interval between codes
	r = h.api("POST", "/api/v1/sessions", "", map[string]string{"login": "IRINA@example.ru", "password": goodPassword})
	if r.Status != 202 || r.str("channel") != "email" || r.str("destination") != "i***@example.ru" {
		t.Fatalf("sign-in: %d %s", r.Status, r.Raw)
	}
	tpl, _ := h.lastMessage("irina@example.ru")
	if tpl != "signin_code" {
		t.Fatalf("second step went by %s", tpl)
	}
	if ok := h.api("POST", "/api/v1/sessions/"+r.str("id")+"/confirm", "", map[string]string{"code": h.lastCode("irina@example.ru")}); ok.Status != 201 {
		t.Fatalf("confirm: %d %s", ok.Status, ok.Raw)
	}
}
