package app_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"
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
