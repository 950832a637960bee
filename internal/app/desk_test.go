package app_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/demo"
)

func (h *harness) auditTotal() int {
	h.t.Helper()
	var n int
	if err := h.app.Store.DB().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM audit_events").Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// TestDeskConfirmInPerson: the demo operator finds the standard demo
// citizen by SNILS and confirms them with the passport in hand — a wrong
// number first — and each operator action leaves exactly one audit record;
// the citizen is told, and GET /api/v1/me shows the level and the center.
func TestDeskConfirmInPerson(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.SignIn.SecondStep = false })
	op := h.staffToken("operator")
	search := map[string]string{"by": "snils", "value": "157-482-936 07", "reason": "identity_confirmation"}

	// One action, one audit record of its kind and none other.
	act := func(name, method, path string, body any, status int, action string) response {
		t.Helper()
		before, kind := h.auditTotal(), h.auditCount(action)
		r := h.api(method, path, op, body)
		if r.Status != status {
			t.Fatalf("%s: %d %s, want %d", name, r.Status, r.Raw, status)
		}
		if got := h.auditTotal() - before; got != 1 || h.auditCount(action) != kind+1 {
			t.Fatalf("%s: %d audit records, want one %s", name, got, action)
		}
		return r
	}

	card := act("search", "POST", "/api/v1/staff/citizens/search", search, 200, "staff.citizen_viewed")
	id := card.str("id")
	if card.str("level") != "standard" || card.str("surname") != "Петрова" || card.str("birth_date") != "1987-09-23" ||
		card.str("snils") != "157-482-936 07" || card.Body["confirmation"] != nil {
		t.Fatalf("card: %s", card.Raw)
	}
	if p, _ := card.Body["passport"].(map[string]any); p["series"] != "2909" || p["number"] != "512874" {
		t.Fatalf("card passport: %s", card.Raw)
	}
	if card.str("phone") == demo.StandardPhone || card.str("phone") == "" {
		t.Fatalf("phone not masked: %s", card.Raw)
	}
	// By the passport and by the phone too; a simplified account has no
	// SNILS to be found by.
	for _, q := range []map[string]string{
		{"by": "passport", "value": "29 09 512874", "reason": "access_recovery"},
		{"by": "phone", "value": "+7 900 000-00-02", "reason": "registration_help"},
	} {
		if r := act("search by "+q["by"], "POST", "/api/v1/staff/citizens/search", q, 200, "staff.citizen_viewed"); r.str("id") != id {
			t.Fatalf("by %s: %s", q["by"], r.Raw)
		}
	}
	before := h.auditTotal()
	if r := h.api("POST", "/api/v1/staff/citizens/search", op, map[string]string{"by": "passport", "value": "2909 000000", "reason": "identity_confirmation"}); r.Status != 404 || r.str("code") != "desk.not_found" {
		t.Fatalf("unknown passport: %d %s", r.Status, r.Raw)
	}
	if r := h.api("POST", "/api/v1/staff/citizens/search", op, map[string]string{"by": "snils", "value": "157-482-936 08", "reason": ""}); r.Status != 422 ||
		r.fieldCode("value") != "snils.checksum" || r.fieldCode("reason") != "desk.reason.invalid" {
		t.Fatalf("bad search: %d %s", r.Status, r.Raw)
	}
	if h.auditTotal() != before {
		t.Fatal("a search that opened no card was audited")
	}

	confirm := "/api/v1/staff/citizens/" + id + "/confirmation"
	r := act("mismatch", "POST", confirm, map[string]string{"series": "2909", "number": "512875"}, 422, "staff.identity_mismatch")
	if r.fieldCode("series") != "desk.passport.mismatch" || r.fieldCode("number") != "desk.passport.mismatch" {
		t.Fatalf("mismatch: %s", r.Raw)
	}
	if r := h.api("POST", confirm, op, map[string]string{"series": "29", "number": "x"}); r.Status != 422 ||
		r.fieldCode("series") != "passport.series.length" || r.fieldCode("number") != "passport.number.symbols" {
		t.Fatalf("malformed: %d %s", r.Status, r.Raw)
	}
	r = act("confirm", "POST", confirm, map[string]string{"series": "29 09", "number": "512874"}, 200, "staff.identity_confirmed")
	if c, _ := r.Body["confirmation"].(map[string]any); r.str("level") != "confirmed" || c["center_id"] != demo.CenterKalugaMFC || c["method"] != "in_person" {
		t.Fatalf("confirmed card: %s", r.Raw)
	}
	if tpl, _ := h.lastMessage(demo.StandardPhone); tpl != "identity_confirmed" {
		t.Fatalf("the citizen was told with %q", tpl)
	}
	if r := h.api("POST", confirm, op, map[string]string{"series": "2909", "number": "512874"}); r.Status != 409 || r.str("code") != "desk.already_confirmed" {
		t.Fatalf("again: %d %s", r.Status, r.Raw)
	}

	// The citizen sees it.
	in := h.signIn(demo.StandardPhone, demo.Password, "")
	if in.Status != 201 {
		t.Fatalf("citizen sign-in: %d %s", in.Status, in.Raw)
	}
	me := h.me(in.str("session_token"))
	if c, _ := me.Body["confirmation"].(map[string]any); me.str("level") != "confirmed" || c["center_id"] != demo.CenterKalugaMFC || c["at"] == nil {
		t.Fatalf("me: %s", me.Raw)
	}
	// «Кто смотрел мои данные»: the three looks and the two passport
	// checks, each with the operator's role and center, the looks with
	// their reasons.
	seen := h.api("GET", "/api/v1/me/data-access", in.str("session_token"), nil)
	list, _ := seen.Body["accesses"].([]any)
	var actions, reasons []string
	for _, x := range list {
		m := x.(map[string]any)
		actions = append(actions, m["action"].(string))
		if r, ok := m["reason"].(string); ok {
			reasons = append(reasons, r)
		}
		if m["role"] != "operator" || m["center"] == nil {
			t.Errorf("access %v", m)
		}
	}
	if want := []string{"staff.identity_confirmed", "staff.identity_mismatch", "staff.citizen_viewed", "staff.citizen_viewed", "staff.citizen_viewed"}; strings.Join(actions, " ") != strings.Join(want, " ") ||
		strings.Join(reasons, " ") != "registration_help access_recovery identity_confirmation" {
		t.Errorf("data access: %v %v (%s)", actions, reasons, seen.Raw)
	}

	// A simplified citizen cannot be confirmed.
	simple := h.api("POST", "/api/v1/staff/citizens/search", op, map[string]string{"by": "phone", "value": demo.Phone, "reason": "identity_confirmation"})
	if r := h.api("POST", "/api/v1/staff/citizens/"+simple.str("id")+"/confirmation", op, map[string]string{"series": "2909", "number": "512874"}); r.Status != 409 || r.str("code") != "desk.not_verified" {
		t.Fatalf("simplified: %d %s", r.Status, r.Raw)
	}

	// A stale code: re-authenticate first.
	h.clock.Add(6 * time.Minute)
	if r := h.api("POST", confirm, op, map[string]string{"series": "2909", "number": "512874"}); r.Status != 403 || r.str("code") != "staff.reauth_required" {
		t.Fatalf("stale: %d %s", r.Status, r.Raw)
	}

	// Acting for no center of theirs, the operator can do nothing.
	if r := h.api("PUT", "/api/v1/staff/sessions/current/center", op, map[string]string{"center_id": ""}); r.Status != 200 {
		t.Fatalf("no center: %d %s", r.Status, r.Raw)
	}
	if r := h.api("POST", "/api/v1/staff/citizens/search", op, search); r.Status != 403 || r.str("code") != "staff.no_center" {
		t.Fatalf("search without a center: %d %s", r.Status, r.Raw)
	}
}

// TestDeskPages: the console's desk without JavaScript — the search with
// its errors beside the fields and nothing typed lost, the card, a wrong
// passport kept in the form with the message on both fields, the
// confirmation; then the citizen's account page names the center.
func TestDeskPages(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.SignIn.SecondStep = false })
	op := h.browser()
	op.post("/staff", url.Values{"login": {"operator"}, "password": {demo.Password}})
	if res, _ := op.post("/staff/code", url.Values{"code": {h.staffCode(demoMember("operator").Secret)}}); res.StatusCode != 303 {
		t.Fatalf("operator sign-in: %d", res.StatusCode)
	}
	if res, _ := op.get("/staff/citizens"); res.StatusCode != 200 {
		t.Fatalf("desk: %d", res.StatusCode)
	}

	res, body := op.post("/staff/citizens", url.Values{"by": {"snils"}, "value": {"157-482-936 08"}, "reason": {""}})
	p := parse(t, body)
	if res.StatusCode != 422 || attr(p.byID("f-value"), "value") != "157-482-936 08" || !p.has("f-value-error") || !p.has("f-reason-error") ||
		len(p.find(func(n *html.Node) bool { return hasClass(n, "error-summary") })) != 1 {
		t.Fatalf("bad search: %d %s", res.StatusCode, body)
	}

	res, body = op.post("/staff/citizens", url.Values{"by": {"snils"}, "value": {"157-482-936 07"}, "reason": {"identity_confirmation"}})
	p = parse(t, body)
	cards := p.find(func(n *html.Node) bool { return hasAttr(n, "data-citizen-card") })
	forms := p.find(func(n *html.Node) bool { return hasAttr(n, "data-confirm-form") })
	if res.StatusCode != 200 || len(cards) != 1 || len(forms) != 1 || !strings.Contains(text(cards[0]), "2909 512874") {
		t.Fatalf("card: %d %s", res.StatusCode, body)
	}
	action := attr(forms[0], "action")

	res, body = op.post(action, url.Values{"series": {"2909"}, "number": {"512875"}})
	p = parse(t, body)
	if res.StatusCode != 422 || attr(p.byID("f-number"), "value") != "512875" || !p.has("f-series-error") || !p.has("f-number-error") {
		t.Fatalf("mismatch: %d %s", res.StatusCode, body)
	}
	res, body = op.post(action, url.Values{"series": {"2909"}, "number": {"512874"}})
	p = parse(t, body)
	if l := p.find(func(n *html.Node) bool { return n.Data == "dd" && attr(n, "data-level") == "confirmed" }); res.StatusCode != 200 || len(l) != 1 {
		t.Fatalf("confirmed: %d %s", res.StatusCode, body)
	}

	// Register a citizen: a taken phone comes back on its field with the
	// names kept; a free one makes the account.
	if res, _ := op.get("/staff/citizens/new"); res.StatusCode != 200 {
		t.Fatalf("register form: %d", res.StatusCode)
	}
	res, body = op.post("/staff/citizens/new", url.Values{"surname": {"Иванова"}, "name": {"Мария"}, "phone": {"+7 900 000-00-01"}})
	p = parse(t, body)
	if res.StatusCode != 422 || attr(p.byID("f-surname"), "value") != "Иванова" || !p.has("f-phone-error") {
		t.Fatalf("register, taken phone: %d %s", res.StatusCode, body)
	}
	res, body = op.post("/staff/citizens/new", url.Values{"surname": {"Иванова"}, "name": {"Мария"}, "phone": {"+7 916 555-44-33"}})
	p = parse(t, body)
	if res.StatusCode != 201 || len(p.find(func(n *html.Node) bool { return hasAttr(n, "data-registered") })) != 1 {
		t.Fatalf("register: %d %s", res.StatusCode, body)
	}

	// Restore the confirmed demo citizen's access with an e-mail address.
	res, body = op.post("/staff/citizens", url.Values{"by": {"phone"}, "value": {demo.ConfirmedPhone}, "reason": {"access_recovery"}})
	p = parse(t, body)
	links := p.find(func(n *html.Node) bool { return hasAttr(n, "data-restore-link") })
	if res.StatusCode != 200 || len(links) != 1 {
		t.Fatalf("the confirmed citizen's card: %d %s", res.StatusCode, body)
	}
	restore := attr(links[0], "href")
	if res, _ := op.get(restore); res.StatusCode != 200 {
		t.Fatalf("restore form: %d", res.StatusCode)
	}
	res, body = op.post(restore, url.Values{"series": {"2904"}, "number": {"318265"}, "email": {"not-an-address"}})
	p = parse(t, body)
	if res.StatusCode != 422 || attr(p.byID("f-email"), "value") != "not-an-address" || attr(p.byID("f-number"), "value") != "318265" || !p.has("f-email-error") {
		t.Fatalf("restore, bad address: %d %s", res.StatusCode, body)
	}
	res, body = op.post(restore, url.Values{"series": {"2904"}, "number": {"318265"}, "email": {"sokolov@example.ru"}})
	p = parse(t, body)
	if res.StatusCode != 200 || len(p.find(func(n *html.Node) bool { return hasAttr(n, "data-restored") })) != 1 {
		t.Fatalf("restore: %d %s", res.StatusCode, body)
	}

	citizen := h.browser()
	citizen.post("/signin", url.Values{"login": {demo.StandardPhone}, "password": {demo.Password}})
	res, body = citizen.get("/account")
	p = parse(t, body)
	if res.StatusCode != 200 || !strings.Contains(text(p.byID("account-confirmation")), "МФЦ Калужской области") {
		t.Fatalf("account page: %d %s", res.StatusCode, body)
	}
}

// TestDemoConfirmedCitizen: the demo has a citizen at each level; the
// confirmed one's /api/v1/me names the center that confirmed them.
func TestDemoConfirmedCitizen(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.SignIn.SecondStep = false })
	for _, c := range []struct{ phone, level string }{{demo.Phone, "simplified"}, {demo.StandardPhone, "standard"}, {demo.ConfirmedPhone, "confirmed"}} {
		in := h.signIn(c.phone, demo.Password, "")
		if in.Status != 201 {
			t.Fatalf("%s: sign-in %d %s", c.phone, in.Status, in.Raw)
		}
		me := h.me(in.str("session_token"))
		conf, _ := me.Body["confirmation"].(map[string]any)
		if me.str("level") != c.level || (c.level == "confirmed") != (conf != nil) || (conf != nil && conf["center_id"] != demo.CenterKalugaMFC) {
			t.Errorf("%s: %s", c.phone, me.Raw)
		}
	}
}

// TestDeskRegisterAndRestore: an operator registers a citizen who came in
// person — the citizen sets their password by recovery with the SMS they
// got — and restores a standard citizen's access with a new phone after
// the passport matches: the old sessions end, both numbers are told, the
// new one recovers; a phone with an account is refused on its field. Each
// action is one audit record.
func TestDeskRegisterAndRestore(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.SignIn.SecondStep = false })
	op := h.staffToken("operator")
	const fresh = "Novyi#Parol-2027"
	recoverWith := func(login string) string {
		t.Helper()
		r := h.api("POST", "/api/v1/password-recovery", "", map[string]string{"login": login})
		id := r.str("id")
		if r = h.api("POST", "/api/v1/password-recovery/"+id+"/confirm", "", map[string]string{"code": h.lastCode(login)}); r.Status != 200 {
			t.Fatalf("recovery code: %d %s", r.Status, r.Raw)
		}
		r = h.api("POST", "/api/v1/password-recovery/"+id+"/password", "", map[string]string{"password": fresh, "password_confirmation": fresh})
		if r.Status != 201 {
			t.Fatalf("recovery: %d %s", r.Status, r.Raw)
		}
		return r.str("session_token")
	}

	before := h.auditTotal()
	reg := h.api("POST", "/api/v1/staff/citizens", op, map[string]string{"surname": "Иванова", "name": "Мария", "phone": "8 916 555-44-33"})
	if reg.Status != 201 || reg.str("level") != "simplified" || h.auditTotal() != before+1 || h.auditCount("staff.citizen_registered") != 1 {
		t.Fatalf("register: %d %s", reg.Status, reg.Raw)
	}
	if tpl, _ := h.lastMessage("+79165554433"); tpl != "registered_in_person" {
		t.Fatalf("the citizen was told with %q", tpl)
	}
	if r := h.signIn("+79165554433", fresh, ""); r.Status == 201 {
		t.Fatal("signed in before setting a password")
	}
	if me := h.me(recoverWith("+79165554433")); me.str("surname") != "Иванова" || me.str("id") != reg.str("id") {
		t.Fatalf("the registered citizen: %s", me.Raw)
	}
	for _, phone := range []string{"+7 916 555-44-33", demo.Phone} {
		if r := h.api("POST", "/api/v1/staff/citizens", op, map[string]string{"surname": "Петров", "name": "Пётр", "phone": phone}); r.Status != 422 || r.fieldCode("phone") != "desk.phone_taken" {
			t.Fatalf("a taken phone %s: %d %s", phone, r.Status, r.Raw)
		}
	}
	if r := h.api("POST", "/api/v1/staff/citizens", op, map[string]string{"surname": "Petrov1", "name": "", "phone": "+7 495 123-45-67"}); r.Status != 422 ||
		r.fieldCode("surname") == "" || r.fieldCode("name") != "name.required" || r.fieldCode("phone") != "phone.not_mobile" {
		t.Fatalf("a bad form: %d %s", r.Status, r.Raw)
	}

	// Restore the standard citizen's access with a new phone.
	in := h.signIn(demo.StandardPhone, demo.Password, "")
	old := in.str("session_token")
	card := h.api("POST", "/api/v1/staff/citizens/search", op, map[string]string{"by": "snils", "value": "157-482-936 07", "reason": "access_recovery"})
	access := "/api/v1/staff/citizens/" + card.str("id") + "/access"
	before, mismatches := h.auditTotal(), h.auditCount("staff.identity_mismatch")
	if r := h.api("POST", access, op, map[string]string{"series": "2909", "number": "000000", "phone": "+7 916 777-88-99"}); r.Status != 422 ||
		r.fieldCode("number") != "desk.passport.mismatch" || h.auditTotal() != before+1 || h.auditCount("staff.identity_mismatch") != mismatches+1 {
		t.Fatalf("mismatch: %d %s", r.Status, r.Raw)
	}
	if r := h.api("POST", access, op, map[string]string{"series": "2909", "number": "512874"}); r.Status != 422 || r.fieldCode("phone") != "desk.contact_one" {
		t.Fatalf("no contact: %d %s", r.Status, r.Raw)
	}
	if r := h.api("POST", access, op, map[string]string{"series": "2909", "number": "512874", "phone": demo.Phone}); r.Status != 422 || r.fieldCode("phone") != "desk.contact_taken" {
		t.Fatalf("a taken contact: %d %s", r.Status, r.Raw)
	}
	before = h.auditTotal()
	r := h.api("POST", access, op, map[string]string{"series": "2909", "number": "512874", "phone": "+7 916 777-88-99"})
	if r.Status != 200 || r.str("phone") == "" || h.auditTotal() != before+1 || h.auditCount("staff.access_restored") != 1 {
		t.Fatalf("restore: %d %s", r.Status, r.Raw)
	}
	if me := h.me(old); me.Status != 401 {
		t.Fatalf("the old session lives on: %d", me.Status)
	}
	if tpl, _ := h.lastMessage(demo.StandardPhone); tpl != "access_restored" {
		t.Fatalf("the old number was told with %q", tpl)
	}
	if tpl, _ := h.lastMessage("+79167778899"); tpl != "access_restored" {
		t.Fatalf("the new number was told with %q", tpl)
	}
	if me := h.me(recoverWith("+79167778899")); me.str("phone") != "+79167778899" || me.str("level") != "standard" {
		t.Fatalf("after restore: %s", me.Raw)
	}
}
