package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/kabinet/kabinet/internal/audit"
)

// seedStaff writes staff events about an account straight to the log, as
// the staff console (built in parallel) will.
func (h *harness) seedStaff(accountID string, events ...audit.Event) {
	h.t.Helper()
	for _, e := range events {
		if e.ActorKind == "" {
			e.ActorKind = audit.ActorStaff
		}
		if e.SubjectAccountID == "" {
			e.SubjectAccountID = accountID
		}
		if e.At.IsZero() {
			e.At = h.clock.Now()
		}
		if err := h.app.Store.AuditLog().AppendAudit(context.Background(), &e); err != nil {
			h.t.Fatal(err)
		}
	}
}

// accessList is GET /api/v1/me/data-access as a client reads it.
type accessList struct {
	Accesses []struct {
		Reference  string    `json:"reference"`
		At         time.Time `json:"at"`
		Action     string    `json:"action"`
		ActionText string    `json:"action_text"`
		Role       string    `json:"role"`
		RoleText   string    `json:"role_text"`
		Center     *string   `json:"center"`
		Reason     *string   `json:"reason"`
		ReasonText *string   `json:"reason_text"`
	} `json:"accesses"`
	NextCursor *string `json:"next_cursor"`
}

func (h *harness) dataAccess(token, query string) (response, accessList) {
	h.t.Helper()
	r := h.api("GET", "/api/v1/me/data-access"+query, token, nil)
	var l accessList
	if r.Status == 200 {
		if err := json.Unmarshal([]byte(r.Raw), &l); err != nil {
			h.t.Fatal(err)
		}
	}
	return r, l
}

// TestDataAccessAPI: the citizen sees every staff access to their data and
// nothing else — not another citizen's, not their own actions — in words,
// with role and reason, no center name without the directory, never the
// staff member; 50 a page with a cursor; a bad cursor is a 422 on its
// field; the export has them as a part, and its security events leave them
// out (they carry the staff's address).
func TestDataAccessAPI(t *testing.T) {
	h := newHarness(t, nil)
	token := h.register("8 916 555-01-01", "Kx7-vault-Lemon")
	other := h.register("8 916 555-01-02", "Kx7-vault-Lemon")
	me, them := h.meID(token), h.meID(other)

	h.seedStaff(me,
		audit.Event{Action: "staff.citizen_viewed", ActorID: "staff-secret-id", ActorRole: "operator", CenterID: "kaluga-1", Reason: "identity_confirmation", IP: "10.1.2.3"},
		audit.Event{Action: "staff.identity_confirmed", ActorID: "staff-secret-id", ActorRole: "operator", CenterID: "kaluga-1", Reason: "identity_confirmation"},
		audit.Event{Action: "staff.something_new", ActorID: "adm-1", ActorRole: "auditor", Reason: "new_reason"},
	)
	h.seedStaff(them, audit.Event{Action: "staff.citizen_viewed", ActorID: "staff-secret-id", ActorRole: "operator"})

	r, l := h.dataAccess(token, "")
	if r.Status != 200 || len(l.Accesses) != 3 || l.NextCursor != nil {
		t.Fatalf("data access: %d %s", r.Status, r.Raw)
	}
	newest, first := l.Accesses[0], l.Accesses[2]
	if first.Action != "staff.citizen_viewed" || first.ActionText != "Просмотр ваших данных" || first.Role != "operator" ||
		first.RoleText != "Оператор центра обслуживания" || first.Center != nil || first.Reason == nil || *first.ReasonText != "Подтверждение личности" {
		t.Errorf("first access %+v", first)
	}
	if newest.ActionText != "Действие сотрудника с вашими данными" || newest.RoleText != "Сотрудник" || *newest.ReasonText != "new_reason" {
		t.Errorf("an unknown action, role and reason: %+v", newest)
	}
	if strings.Contains(r.Raw, "staff-secret-id") || strings.Contains(r.Raw, "10.1.2.3") || strings.Contains(r.Raw, "kaluga-1") {
		t.Errorf("the staff member or the center's ID shown: %s", r.Raw)
	}
	if _, l := h.dataAccess(other, ""); len(l.Accesses) != 1 {
		t.Errorf("the other citizen sees %d accesses", len(l.Accesses))
	}
	r = h.call("GET", "/api/v1/me/data-access?lang=en", token, "", nil)
	if !strings.Contains(r.Raw, `"action_text":"Identity confirmed"`) {
		t.Errorf("English: %s", r.Raw)
	}

	// Paging: 52 more, 55 in all: 50 and then 5, newest first, each once.
	for i := range 52 {
		h.seedStaff(me, audit.Event{Action: "staff.citizen_viewed", ActorRole: "operator", Details: map[string]string{"i": fmt.Sprint(i)}})
	}
	_, p1 := h.dataAccess(token, "")
	if len(p1.Accesses) != 50 || p1.NextCursor == nil {
		t.Fatalf("first page: %d, next %v", len(p1.Accesses), p1.NextCursor)
	}
	_, p2 := h.dataAccess(token, "?cursor="+*p1.NextCursor)
	if len(p2.Accesses) != 5 || p2.NextCursor != nil || p2.Accesses[4].Reference != first.Reference {
		t.Fatalf("second page: %+v", p2)
	}
	seen := map[string]bool{}
	for _, a := range append(p1.Accesses, p2.Accesses...) {
		if seen[a.Reference] {
			t.Errorf("access %s twice", a.Reference)
		}
		seen[a.Reference] = true
	}

	for _, bad := range []string{"abc", "0", "-1", "01"} {
		if r := h.api("GET", "/api/v1/me/data-access?cursor="+bad, token, nil); r.Status != 422 || r.fieldCode("cursor") != "audit.cursor.invalid" {
			t.Errorf("cursor %q: %d %s", bad, r.Status, r.Raw)
		}
	}
	if r := h.api("GET", "/api/v1/me/data-access", "", nil); r.Status != 401 {
		t.Errorf("without a session: %d", r.Status)
	}

	_, doc := h.export(token, "")
	if got := doc.part(t, "data_access"); len(got) != 55 || got[54]["action"] != "staff.citizen_viewed" || got[54]["reference"] != first.Reference {
		t.Errorf("export's data_access: %d records, last %v", len(got), got[len(got)-1])
	}
	for _, e := range doc.part(t, "security_events") {
		if strings.HasPrefix(fmt.Sprint(e["action"]), "staff.") {
			t.Errorf("a staff access in security_events: %v", e)
		}
	}
}

// TestDataAccessPage: the page lists the accesses in a table, links the
// older ones without JavaScript, and the account page links to it.
func TestDataAccessPage(t *testing.T) {
	h := newHarness(t, nil)
	token := h.register("8 916 555-01-03", "Kx7-vault-Lemon")
	me := h.meID(token)
	b := h.signedIn(token)

	res, body := b.get("/account/data-access")
	if res.StatusCode != 200 || parse(t, body).byID("data-access-empty") == nil {
		t.Fatalf("empty page: %d", res.StatusCode)
	}
	_, body = b.get("/account")
	if len(parse(t, body).find(func(n *html.Node) bool { return attr(n, "href") == "/account/data-access" })) != 1 {
		t.Error("the account page does not link to the list")
	}

	h.seedStaff(me, audit.Event{Action: "staff.identity_confirmed", ActorRole: "operator", CenterID: "c-1", Reason: "identity_confirmation"})
	for range 50 {
		h.seedStaff(me, audit.Event{Action: "staff.citizen_viewed", ActorRole: "administrator"})
	}
	res, body = b.get("/account/data-access")
	p := parse(t, body)
	rows := p.find(func(n *html.Node) bool { return n.Data == "tr" })
	if res.StatusCode != 200 || len(rows) != 51 { // the head and 50
		t.Fatalf("page: %d, %d rows", res.StatusCode, len(rows))
	}
	if got := text(rows[1]); !strings.Contains(got, "Просмотр ваших данных") || !strings.Contains(got, "Администратор") {
		t.Errorf("first row %q", got)
	}
	older := attr(p.byID("data-access-older"), "href")
	res, body = b.get(older)
	rows = parse(t, body).find(func(n *html.Node) bool { return n.Data == "tr" })
	if res.StatusCode != 200 || len(rows) != 2 || !strings.Contains(text(rows[1]), "Подтверждение личности") {
		t.Fatalf("older page %s: %d, %d rows", older, res.StatusCode, len(rows))
	}
	res, body = b.get("/account/data-access?cursor=zz")
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Неверная ссылка на страницу списка") {
		t.Errorf("a bad cursor: %d %s", res.StatusCode, body)
	}
}
