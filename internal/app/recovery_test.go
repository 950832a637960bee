package app_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/config"
)

// registerEmail completes an API registration by e-mail.
func (h *harness) registerEmail(addr string) {
	h.t.Helper()
	r := h.api("POST", "/api/v1/registrations", "", map[string]any{"surname": "Лебедева", "name": "Ирина", "email": addr, "accept_terms": true})
	id := r.str("id")
	if r = h.api("POST", "/api/v1/registrations/"+id+"/confirm", "", map[string]string{"code": h.lastCode(addr)}); r.Status != 200 {
		h.t.Fatalf("confirm: %d %s", r.Status, r.Raw)
	}
	if r = h.api("POST", "/api/v1/registrations/"+id+"/password", "", map[string]string{"password": goodPassword, "password_confirmation": goodPassword}); r.Status != 201 {
		h.t.Fatalf("password: %d %s", r.Status, r.Raw)
	}
	// An hour on, the registration's code no longer counts in the
	// address's hourly budget: known and unknown addresses start even.
	h.clock.Add(time.Hour + time.Minute)
}

// TestRecoveryOfUnknownEmail: recovery for an e-mail address without an
// account answers exactly as for a known one, and the address is told that
// there is no account with it (in the request's language, with a
// registration link and no code), through the outbox; the decoy passes the
// same hourly limit; an unknown phone number is sent nothing.
func TestRecoveryOfUnknownEmail(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.Codes.PerHour = 3 })
	const known, unknown = "irina@example.ru", "ivan@example.ru"
	h.registerEmail(known)

	k := h.api("POST", "/api/v1/password-recovery?lang=en", "", map[string]string{"login": known})
	u := h.api("POST", "/api/v1/password-recovery?lang=en", "", map[string]string{"login": unknown})
	// The same document but for the flow ID and the test clock's milliseconds.
	times := regexpMust(`(\.\d{1,9})?Z`)
	same := func(a, b response) bool {
		return times.ReplaceAllString(strings.Replace(a.Raw, a.str("id"), "ID", 1), "Z") == times.ReplaceAllString(strings.Replace(b.Raw, b.str("id"), "ID", 1), "Z")
	}
	if k.Status != 202 || u.Status != k.Status || !same(k, u) {
		t.Fatalf("answers differ:\n%s\n%s", k.Raw, u.Raw)
	}
	if tpl, _ := h.lastMessage(known); tpl != "recovery_code" {
		t.Fatalf("known address got %q", tpl)
	}
	tpl, text := h.lastMessage(unknown)
	if tpl != "recovery_unknown" || codeRE.MatchString(text) || !strings.Contains(text, "there is no account with it") ||
		!strings.Contains(text, h.app.Config.Server.BaseURL+"/register") || !strings.Contains(text, "ignore this message") {
		t.Fatalf("unknown address got %q: %q", tpl, text)
	}
	// No code opens the decoy.
	if r := h.api("POST", "/api/v1/password-recovery/"+u.str("id")+"/confirm", "", map[string]string{"code": "123456"}); r.Status != 422 || r.fieldCode("code") != "code.wrong" {
		t.Errorf("decoy confirm: %d %s", r.Status, r.Raw)
	}

	// A resend tells the address again, once the cooldown allows, as for a known one.
	h.clock.Add(61 * time.Second)
	kr := h.api("POST", "/api/v1/password-recovery/"+k.str("id")+"/resend", "", nil)
	ur := h.api("POST", "/api/v1/password-recovery/"+u.str("id")+"/resend", "", nil)
	if kr.Status != 200 || ur.Status != kr.Status || !same(kr, ur) {
		t.Fatalf("resend: %d %s / %d %s", kr.Status, kr.Raw, ur.Status, ur.Raw)
	}
	if n := h.messagesTo(unknown); n != 2 {
		t.Errorf("%d messages to the unknown address after a resend, want 2", n)
	}

	// The third code of the hour is the last: both get the same 429 after it.
	h.clock.Add(61 * time.Second)
	h.api("POST", "/api/v1/password-recovery", "", map[string]string{"login": known})
	h.api("POST", "/api/v1/password-recovery", "", map[string]string{"login": unknown})
	h.clock.Add(61 * time.Second)
	k = h.api("POST", "/api/v1/password-recovery", "", map[string]string{"login": known})
	u = h.api("POST", "/api/v1/password-recovery", "", map[string]string{"login": unknown})
	if k.Status != 429 || u.Status != 429 || k.str("code") != "code.hourly_limit" || u.str("code") != k.str("code") {
		t.Errorf("over the hourly limit: %d %s / %d %s", k.Status, k.Raw, u.Status, u.Raw)
	}
	if n := h.messagesTo(unknown); n != 3 {
		t.Errorf("%d messages to the unknown address, want 3 (the hourly limit)", n)
	}

	// An unknown phone number is sent nothing (SMS pumping).
	if r := h.api("POST", "/api/v1/password-recovery", "", map[string]string{"login": "+79160000000"}); r.Status != 202 {
		t.Fatalf("unknown phone: %d %s", r.Status, r.Raw)
	}
	if n := h.messagesTo("+79160000000"); n != 0 {
		t.Errorf("%d messages to an unknown phone number", n)
	}
}

// TestRecoveryPagesOfUnknownEmail: in the browser, a known and an unknown
// address lead to the same code page.
func TestRecoveryPagesOfUnknownEmail(t *testing.T) {
	h := newHarness(t, nil)
	h.registerEmail("irina@example.ru")
	page := func(login string) string {
		br := h.browser()
		res, _ := br.post("/recover", url.Values{"login": {login}})
		loc := res.Header.Get("Location")
		if res.StatusCode != 303 || !strings.HasPrefix(loc, "/recover/") {
			t.Fatalf("%s: %d %s", login, res.StatusCode, loc)
		}
		res, body := br.get(loc)
		if res.StatusCode != 200 {
			t.Fatalf("%s: code page %d", login, res.StatusCode)
		}
		// The page shows the address as this browser typed it, so that
		// part differs; nothing else may.
		return strings.ReplaceAll(strings.ReplaceAll(text(parse(t, body).root), strings.TrimPrefix(loc, "/recover/"), "ID"), login, "LOGIN")
	}
	if k, u := page("irina@example.ru"), page("ivan@example.ru"); k != u {
		t.Errorf("pages differ:\n%s\n%s", k, u)
	}
	if tpl, _ := h.lastMessage("ivan@example.ru"); tpl != "recovery_unknown" {
		t.Errorf("unknown address got %q", tpl)
	}
}
