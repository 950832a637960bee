package app_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/kabinet/kabinet/internal/config"
)

// exportDoc is GET /api/v1/me/export as a client reads it.
type exportDoc struct {
	AccountID string `json:"account_id"`
	Parts     []struct {
		Name  string           `json:"name"`
		Title string           `json:"title"`
		Data  []map[string]any `json:"data"`
	} `json:"parts"`
}

func (d exportDoc) part(t *testing.T, name string) []map[string]any {
	t.Helper()
	for _, p := range d.Parts {
		if p.Name == name {
			return p.Data
		}
	}
	t.Fatalf("no part %q in the export", name)
	return nil
}

// registerFrom registers through the API from an address of its own (so
// that the sessions, sign-ins and events of each account can be told
// apart) and returns the session token and the code that was sent.
func (h *harness) registerFrom(ip, phone, pw string) (token, code string) {
	h.t.Helper()
	r := h.call("POST", "/api/v1/registrations", "", ip, map[string]any{"surname": "Иванов", "name": "Иван", "phone": phone, "accept_terms": true})
	if r.Status != 201 {
		h.t.Fatalf("register: %d %s", r.Status, r.Raw)
	}
	id := r.str("id")
	code = h.lastCode(phone)
	if r = h.call("POST", "/api/v1/registrations/"+id+"/confirm", "", ip, map[string]string{"code": code}); r.Status != 200 {
		h.t.Fatalf("confirm: %d %s", r.Status, r.Raw)
	}
	r = h.call("POST", "/api/v1/registrations/"+id+"/password", "", ip, map[string]string{"password": pw, "password_confirmation": pw})
	if r.Status != 201 {
		h.t.Fatalf("password: %d %s", r.Status, r.Raw)
	}
	h.clock.Add(time.Minute)
	return r.str("session_token"), code
}

func (h *harness) export(token, ip string) (response, exportDoc) {
	h.t.Helper()
	r := h.call("GET", "/api/v1/me/export", token, ip, nil)
	var d exportDoc
	if r.Status == 200 {
		if err := json.Unmarshal([]byte(r.Raw), &d); err != nil {
			h.t.Fatal(err)
		}
	}
	return r, d
}

// TestExportHoldsOnlyItsOwnAccount: two accounts, each with a registration,
// a wrong password and a recovery begun; each export holds that account's
// sessions, history, events, messages and flows and nothing of the other,
// and no code that was sent appears in it.
func TestExportHoldsOnlyItsOwnAccount(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.Server.TrustedProxies = []string{"127.0.0.1/32"} })
	const pw = "Vesna-Kabinet-2026"
	type person struct {
		ip, phone, token string
		codes            []string
	}
	people := []*person{{ip: "203.0.113.10", phone: "+79161110011"}, {ip: "198.51.100.20", phone: "+79162220022"}}
	for _, p := range people {
		var code string
		p.token, code = h.registerFrom(p.ip, p.phone, pw)
		p.codes = append(p.codes, code)
		if r := h.call("POST", "/api/v1/sessions", "", p.ip, map[string]string{"login": p.phone, "password": "wrong-" + pw}); r.Status != 401 {
			t.Fatalf("wrong password: %d %s", r.Status, r.Raw)
		}
		if r := h.call("POST", "/api/v1/password-recovery", "", p.ip, map[string]string{"login": p.phone}); r.Status != 202 {
			t.Fatalf("recovery: %d %s", r.Status, r.Raw)
		}
		p.codes = append(p.codes, h.lastCode(p.phone))
	}
	for i, p := range people {
		other := people[1-i]
		r, d := h.export(p.token, p.ip)
		if r.Status != 200 {
			t.Fatalf("export: %d %s", r.Status, r.Raw)
		}
		var names []string
		for _, part := range d.Parts {
			names = append(names, part.Name)
		}
		if want := []string{"account", "sessions", "sign_ins", "security_events", "notifications", "remembered_devices", "pending_flows", "personal_data", "verification", "additional_data", "letters", "signature_statements", "data_access"}; !slices.Equal(names, want) {
			t.Errorf("parts %v, want %v", names, want)
		}
		acc := d.part(t, "account")
		if len(acc) != 1 || acc[0]["phone"] != p.phone || acc[0]["surname"] != "Иванов" || acc[0]["level"] != "simplified" || acc[0]["email"] != nil {
			t.Errorf("account part %v", acc)
		}
		if _, ok := acc[0]["password_hash"]; ok || strings.Contains(r.Raw, "argon2") {
			t.Error("the password hash is in the export")
		}
		sessions := d.part(t, "sessions")
		if len(sessions) != 1 || sessions[0]["ip"] != p.ip || sessions[0]["status"] != "active" || sessions[0]["method"] != "registration" {
			t.Errorf("sessions %v, want the one registration session from %s", sessions, p.ip)
		}
		signIns := d.part(t, "sign_ins")
		var outcomes []string
		for _, s := range signIns {
			if s["ip"] != p.ip {
				t.Errorf("sign-in from %v in %s's export", s["ip"], p.phone)
			}
			outcomes = append(outcomes, s["outcome"].(string))
		}
		if !slices.Contains(outcomes, "wrong_password") {
			t.Errorf("sign-in outcomes %v lack the wrong password", outcomes)
		}
		var actions []string
		for _, e := range d.part(t, "security_events") {
			actions = append(actions, e["action"].(string))
			if ip, _ := e["ip"].(string); ip != "" && ip != p.ip {
				t.Errorf("event %v from another address", e)
			}
		}
		for _, want := range []string{"account.registered", "signin.failed", "recovery.requested"} {
			if !slices.Contains(actions, want) {
				t.Errorf("security events %v lack %s", actions, want)
			}
		}
		var templates []string
		for _, n := range d.part(t, "notifications") {
			if n["recipient"] != p.phone {
				t.Errorf("a message to %v in %s's export", n["recipient"], p.phone)
			}
			templates = append(templates, n["template"].(string))
		}
		if !slices.Contains(templates, "recovery_code") {
			t.Errorf("messages %v lack the recovery code's", templates)
		}
		flows := d.part(t, "pending_flows")
		if len(flows) != 1 || flows[0]["kind"] != "recovery" || flows[0]["state"] != "awaiting_code" {
			t.Errorf("pending flows %v, want the recovery awaiting its code", flows)
		}
		for _, leak := range append([]string{other.phone, other.ip, digits(other.phone)}, append(p.codes, other.codes...)...) {
			if strings.Contains(r.Raw, leak) {
				t.Errorf("%s's export contains %q", p.phone, leak)
			}
		}
	}
}

// TestExportDownloadAuditAndLimit: ?download=1 is a dated attachment;
// every export is audited; the 11th in an hour is refused with a clear
// 429 (for that account only) and allowed again an hour later.
func TestExportDownloadAuditAndLimit(t *testing.T) {
	h := newHarness(t, nil)
	a := h.register("+7 916 123-45-67", "Vesna-Kabinet-2026")
	b := h.register("+7 916 765-43-21", "Vesna-Kabinet-2026")

	r := h.api("GET", "/api/v1/me/export?download=1", a, nil)
	if r.Status != 200 || r.Header.Get("Content-Disposition") != `attachment; filename="kabinet-export-2026-11-23.json"` {
		t.Fatalf("download: %d %q", r.Status, r.Header.Get("Content-Disposition"))
	}
	if r = h.api("GET", "/api/v1/me/export", a, nil); r.Header.Get("Content-Disposition") != "" {
		t.Errorf("a plain export is an attachment: %q", r.Header.Get("Content-Disposition"))
	}
	var acc struct{ ID string }
	_ = json.Unmarshal([]byte(h.api("GET", "/api/v1/me", a, nil).Raw), &acc)
	if n := strings.Count(strings.Join(h.auditActions(acc.ID), " "), "account.exported"); n != 2 {
		t.Errorf("%d account.exported events, want 2", n)
	}

	for i := 2; i < 10; i++ {
		if r = h.api("GET", "/api/v1/me/export", a, nil); r.Status != 200 {
			t.Fatalf("export %d: %d %s", i+1, r.Status, r.Raw)
		}
	}
	r = h.call("GET", "/api/v1/me/export?lang=en", a, "", nil)
	if r.Status != 429 || r.str("code") != "export.rate_limited" || r.Header.Get("Retry-After") == "" ||
		!strings.HasPrefix(r.str("message"), "You have downloaded your data many times in the last hour. Try again in") {
		t.Errorf("11th export: %d %s", r.Status, r.Raw)
	}
	if r = h.api("GET", "/api/v1/me/export", b, nil); r.Status != 200 {
		t.Errorf("another account is held back by the first's limit: %d", r.Status)
	}
	for range 4 { // past the hour, using the session so it does not end for inactivity
		h.clock.Add(16 * time.Minute)
		h.api("GET", "/api/v1/me", a, nil)
	}
	if r = h.api("GET", "/api/v1/me/export", a, nil); r.Status != 200 {
		t.Errorf("an hour later: %d %s", r.Status, r.Raw)
	}
}

// TestExportPage: /account/export is linked from /account and shows each
// part under its heading, in both languages, with the JSON download; it
// asks a visitor to sign in.
func TestExportPage(t *testing.T) {
	h := newHarness(t, nil)
	token := h.register("+7 916 123-45-67", "Vesna-Kabinet-2026")
	if res, _ := h.browser().get("/account/export"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
		t.Errorf("a visitor: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	b := h.signedIn(token)
	_, home := b.get("/account")
	if len(parse(t, home).find(func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "/account/export" })) != 1 {
		t.Error("/account does not link to /account/export")
	}
	for _, tc := range []struct{ lang, h1, sessions, method, download string }{
		{"ru", "Скачать мои данные", "Сеансы", "Регистрация", "Скачать JSON"},
		{"en", "Download my data", "Sessions", "Registration", "Download JSON"},
	} {
		res, body := b.get("/account/export?lang=" + tc.lang)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d", tc.lang, res.StatusCode)
		}
		p := parse(t, body)
		if p.h1() != tc.h1 {
			t.Errorf("%s: h1 %q", tc.lang, p.h1())
		}
		if got := text(p.byID("part-sessions-h")); got != tc.sessions {
			t.Errorf("%s: sessions heading %q", tc.lang, got)
		}
		cells := p.find(func(n *html.Node) bool { return n.Data == "td" && text(n) == tc.method })
		if len(cells) == 0 {
			t.Errorf("%s: no session shown as signed in by %q", tc.lang, tc.method)
		}
		links := p.find(func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "/api/v1/me/export?download=1" })
		if len(links) != 1 || text(links[0]) != tc.download {
			t.Errorf("%s: download link %d", tc.lang, len(links))
		}
		if !p.has("part-remembered_devices") || !p.has("part-account") {
			t.Errorf("%s: parts missing", tc.lang)
		}
	}
}
