package app_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/config"
)

// TestAuditHoldsNoEmailDomain walks the e-mail paths that write a login to
// the audit log (registration, a taken address, a wrong password, recovery
// of a known and an unknown address) and checks that no row names the
// domain: the audit form of an address is "i***@***".
func TestAuditHoldsNoEmailDomain(t *testing.T) {
	h := newHarness(t, nil)
	const domain = "mail-domain.example"
	addr := "irina@" + domain
	r := h.api("POST", "/api/v1/registrations", "", map[string]any{"surname": "Лебедева", "name": "Ирина", "email": addr, "accept_terms": true})
	id := r.str("id")
	if r = h.api("POST", "/api/v1/registrations/"+id+"/confirm", "", map[string]string{"code": h.lastCode(addr)}); r.Status != 200 {
		t.Fatalf("confirm: %d %s", r.Status, r.Raw)
	}
	if r = h.api("POST", "/api/v1/registrations/"+id+"/password", "", map[string]string{"password": goodPassword, "password_confirmation": goodPassword}); r.Status != 201 {
		t.Fatalf("password: %d %s", r.Status, r.Raw)
	}
	h.clock.Add(time.Minute) // a minute between codes to one address
	h.api("POST", "/api/v1/registrations", "", map[string]any{"surname": "Лебедева", "name": "Ирина", "email": addr, "accept_terms": true})
	h.api("POST", "/api/v1/sessions", "", map[string]string{"login": addr, "password": "wrong-Passw0rd"})
	h.clock.Add(time.Minute)
	h.api("POST", "/api/v1/sessions", "", map[string]string{"login": "nobody@" + domain, "password": "wrong-Passw0rd"})
	h.api("POST", "/api/v1/password-recovery", "", map[string]string{"login": addr})
	h.api("POST", "/api/v1/password-recovery", "", map[string]string{"login": "nobody@" + domain})

	rows, err := h.app.Store.DB().QueryContext(context.Background(), "SELECT action, details FROM audit_events")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n, logins := 0, 0
	for rows.Next() {
		var action string
		var details sql.NullString
		if err := rows.Scan(&action, &details); err != nil {
			t.Fatal(err)
		}
		n++
		if strings.Contains(details.String, `"login"`) {
			logins++
		}
		if strings.Contains(details.String, domain) || strings.Contains(details.String, "irina") || strings.Contains(details.String, "nobody") {
			t.Errorf("audit %s keeps the address: %s", action, details.String)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 5 || logins < 4 {
		t.Errorf("%d audit rows, %d with a login: the test no longer reaches the paths it checks", n, logins)
	}
}

// auditActions lists the audit log's actions about an account, oldest first.
func (h *harness) auditActions(accountID string) []string {
	h.t.Helper()
	rows, err := h.app.Store.DB().QueryContext(context.Background(), "SELECT action, subject_account_id FROM audit_events ORDER BY at, id")
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		var subject sql.NullString
		if err := rows.Scan(&a, &subject); err != nil {
			h.t.Fatal(err)
		}
		if subject.String == accountID {
			out = append(out, a)
		}
	}
	return out
}

// TestSessionEndingsAreTheServicesJob: a browser that signs in again gets
// a new session and its old one ends with the sign-in; ending one session,
// the others, and signing out are each audited once, by the session
// service in the same transaction as the ending.
func TestSessionEndingsAreTheServicesJob(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.SignIn.SecondStep = false })
	old := h.register("+79161234567", goodPassword)
	br := h.signedIn(old)
	res, _ := br.post("/signin", url.Values{"login": {"+7 916 123-45-67"}, "password": {goodPassword}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", res.StatusCode)
	}
	if r := h.api("GET", "/api/v1/sessions/current", old, nil); r.Status != 401 {
		t.Errorf("the replaced session still works: %d", r.Status)
	}
	if code, _ := br.status(); code != 200 {
		t.Fatalf("the new session does not work: %d", code)
	}
	other := h.signIn("+79161234567", goodPassword, "").str("session_token")
	h.signIn("+79161234567", goodPassword, "").str("session_token")
	list := h.api("GET", "/api/v1/sessions", other, nil)
	var thirdID string
	for _, x := range list.Body["sessions"].([]any) {
		if s := x.(map[string]any); !s["current"].(bool) {
			thirdID = s["id"].(string)
		}
	}
	if r := h.api("DELETE", "/api/v1/sessions/"+thirdID, other, nil); r.Status != 204 {
		t.Fatalf("end one: %d %s", r.Status, r.Raw)
	}
	if r := h.api("DELETE", "/api/v1/sessions/others", other, nil); r.Status != 200 {
		t.Fatalf("end others: %d %s", r.Status, r.Raw)
	}
	if r := h.api("DELETE", "/api/v1/sessions/current", other, nil); r.Status != 204 {
		t.Fatalf("sign out: %d %s", r.Status, r.Raw)
	}
	accountID := h.api("POST", "/api/v1/sessions", "", map[string]string{"login": "+79161234567", "password": goodPassword}).Body["account"].(map[string]any)["id"].(string)
	got := strings.Join(h.auditActions(accountID), " ")
	want := "account.registered signin.succeeded signin.succeeded signin.succeeded session.ended session.ended_others signout signin.succeeded"
	if got != want {
		t.Errorf("audit:\n got %s\nwant %s", got, want)
	}
}
