package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/demo"
	"github.com/kabinet/kabinet/internal/staff"
)

// staffCode is the demo member's authenticator code on the harness's clock,
// at least one 30-second step after the last one used (a code works once).
func (h *harness) staffCode(secret string) string {
	h.t.Helper()
	h.clock.Add(31 * time.Second)
	c, err := staff.Code(secret, h.clock.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func demoMember(login string) demo.StaffMember {
	for _, m := range demo.Staff {
		if m.Login == login {
			return m
		}
	}
	panic("no demo member " + login)
}

// staffToken signs a demo member in through the API.
func (h *harness) staffToken(login string) string {
	h.t.Helper()
	m := demoMember(login)
	r := h.api("POST", "/api/v1/staff/sessions", "", map[string]string{"login": login, "password": demo.Password, "code": h.staffCode(m.Secret)})
	if r.Status != 201 {
		h.t.Fatalf("staff sign-in %s: %d %s", login, r.Status, r.Raw)
	}
	return r.str("token")
}

func (h *harness) auditCount(action string) int {
	h.t.Helper()
	var n int
	if err := h.app.Store.DB().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM audit_events WHERE action = '"+action+"'").Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// TestStaffSignInBrowser walks the console's sign-in as the demo operator:
// a wrong password, the password, a wrong code, the code; the console;
// a replayed code refused; the 15-minute idle timeout.
func TestStaffSignInBrowser(t *testing.T) {
	h := newHarness(t, nil)
	b := h.browser()
	op := demoMember("operator")

	if res, body := b.get("/staff"); res.StatusCode != 200 || !strings.Contains(body, "Вход для сотрудников") {
		t.Fatalf("sign-in form: %d", res.StatusCode)
	}
	if res, body := b.post("/staff", url.Values{"login": {"operator"}, "password": {"wrong-password"}}); res.StatusCode != 401 || !strings.Contains(body, "Неверный логин или пароль") {
		t.Fatalf("wrong password: %d", res.StatusCode)
	}
	if res, body := b.post("/staff", url.Values{"login": {"nobody"}, "password": {"wrong-password"}}); res.StatusCode != 401 || !strings.Contains(body, "Неверный логин или пароль") {
		t.Fatalf("unknown login answers differently: %d", res.StatusCode)
	}
	res, _ := b.post("/staff", url.Values{"login": {" Operator "}, "password": {demo.Password}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/staff/code" {
		t.Fatalf("password: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// The password alone opens nothing.
	if res, _ := b.get("/staff/console"); res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/staff?") {
		t.Fatalf("console after the password only: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res, body := b.post("/staff/code", url.Values{"code": {"000000"}}); res.StatusCode != 422 || !strings.Contains(body, "Код не подходит") {
		t.Fatalf("wrong code: %d\n%s", res.StatusCode, body)
	}
	code := h.staffCode(op.Secret)
	res, _ = b.post("/staff/code", url.Values{"code": {code}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/staff/console" {
		t.Fatalf("code: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res, body := b.get("/staff/console")
	if res.StatusCode != 200 || !strings.Contains(body, op.Name) || !strings.Contains(body, "МФЦ Калужской области") || !strings.Contains(body, "Оператор центра обслуживания") {
		t.Fatalf("console: %d\n%s", res.StatusCode, body)
	}
	if strings.Contains(body, `href="/staff/members"`) {
		t.Fatal("an operator's menu offers staff management")
	}

	// The same code again, from another browser, is refused.
	b2 := h.browser()
	b2.post("/staff", url.Values{"login": {"operator"}, "password": {demo.Password}})
	if res, body := b2.post("/staff/code", url.Values{"code": {code}}); res.StatusCode != 422 || !strings.Contains(body, "уже использован") {
		t.Fatalf("replayed code: %d", res.StatusCode)
	}

	// Fifteen minutes unused end the session, and the form says why.
	h.clock.Add(15*time.Minute + time.Second)
	res, _ = b.get("/staff/console")
	if res.StatusCode != 303 || !strings.Contains(res.Header.Get("Location"), "reason=idle") {
		t.Fatalf("idle: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if _, body := b.get(res.Header.Get("Location")); !strings.Contains(body, "не использовалась 15 минут") {
		t.Fatal("the sign-in form does not say the session timed out")
	}
	if h.auditCount("staff.signed_in") != 1 || h.auditCount("staff.signin_failed") != 2 || h.auditCount("staff.code_failed") != 2 {
		t.Fatalf("audit: signed_in %d, signin_failed %d, code_failed %d", h.auditCount("staff.signed_in"), h.auditCount("staff.signin_failed"), h.auditCount("staff.code_failed"))
	}
}

// TestStaffThreeWrongCodes: the third wrong code ends the pending session.
func TestStaffThreeWrongCodes(t *testing.T) {
	h := newHarness(t, nil)
	b := h.browser()
	b.post("/staff", url.Values{"login": {"admin"}, "password": {demo.Password}})
	for i := range 2 {
		if res, _ := b.post("/staff/code", url.Values{"code": {"11111" + string(rune('0'+i))}}); res.StatusCode != 422 {
			t.Fatalf("wrong code %d: %d", i, res.StatusCode)
		}
	}
	if res, body := b.post("/staff/code", url.Values{"code": {"111112"}}); res.StatusCode != 401 || !strings.Contains(body, "Три неверных кода") {
		t.Fatalf("third wrong code: %d", res.StatusCode)
	}
	if res, _ := b.post("/staff/code", url.Values{"code": {h.staffCode(demoMember("admin").Secret)}}); res.StatusCode == 303 && res.Header.Get("Location") == "/staff/console" {
		t.Fatal("the ended pending session still took a right code")
	}
}

var (
	tempPasswordRE = regexp.MustCompile(`data-temp-password>([a-z0-9-]+)<`)
	secretRE       = regexp.MustCompile(`data-totp-secret>([A-Z2-7 ]+)<`)
)

// TestStaffNewMember: an administrator creates an operator in the console;
// the operator's first sign-in enrols an authenticator from the QR page's
// secret and replaces the temporary password; the administrator disables
// the operator, whose session ends at once.
func TestStaffNewMember(t *testing.T) {
	h := newHarness(t, nil)
	admin := h.browser()
	admin.post("/staff", url.Values{"login": {"admin"}, "password": {demo.Password}})
	admin.post("/staff/code", url.Values{"code": {h.staffCode(demoMember("admin").Secret)}})

	// A mistake keeps what was typed.
	res, body := admin.post("/staff/members", url.Values{"login": {"ivanova.op"}, "name": {"Иванова Мария"}, "roles": {"operator"}})
	if res.StatusCode != 422 || !strings.Contains(body, "Оператору нужен хотя бы один центр") || !strings.Contains(body, `value="ivanova.op"`) {
		t.Fatalf("operator without a center: %d", res.StatusCode)
	}
	res, body = admin.post("/staff/members", url.Values{"login": {"ivanova.op"}, "name": {"Иванова Мария"}, "roles": {"operator"}, "centers": {demo.CenterKalugaMFC}})
	m := tempPasswordRE.FindStringSubmatch(body)
	if res.StatusCode != 201 || m == nil {
		t.Fatalf("create: %d\n%s", res.StatusCode, body)
	}
	temp := m[1]

	op := h.browser()
	res, _ = op.post("/staff", url.Values{"login": {"ivanova.op"}, "password": {temp}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/staff/enroll" {
		t.Fatalf("first sign-in: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res, body = op.get("/staff/enroll")
	sm := secretRE.FindStringSubmatch(body)
	if res.StatusCode != 200 || sm == nil || !strings.Contains(body, `src="data:image/png;base64,`) {
		t.Fatalf("enrolment page: %d", res.StatusCode)
	}
	secret := strings.ReplaceAll(sm[1], " ", "")
	res, _ = op.post("/staff/enroll", url.Values{"code": {h.staffCode(secret)}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/staff/password" {
		t.Fatalf("enrol: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := op.get("/staff/console"); res.StatusCode != 303 {
		t.Fatal("the console opened before the temporary password was replaced")
	}
	if res, body := op.post("/staff/password", url.Values{"password": {temp}, "password_confirmation": {temp}}); res.StatusCode != 422 || !strings.Contains(body, "field--error") {
		t.Fatalf("the temporary password kept: %d", res.StatusCode)
	}
	own := "Kaluga-Operator-Spring-2027"
	if res, _ := op.post("/staff/password", url.Values{"password": {own}, "password_confirmation": {own}}); res.StatusCode != 303 || res.Header.Get("Location") != "/staff/console" {
		t.Fatalf("own password: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res, body := op.get("/staff/console"); res.StatusCode != 200 || !strings.Contains(body, "Иванова Мария") {
		t.Fatalf("console: %d", res.StatusCode)
	}

	// Disabling needs a fresh code once the last one is over 5 minutes old.
	h.clock.Add(6 * time.Minute)
	admin.get("/staff/console") // keep the administrator's session alive
	var id string
	if err := h.app.Store.DB().QueryRowContext(context.Background(), "SELECT id FROM staff WHERE login = 'ivanova.op'").Scan(&id); err != nil {
		t.Fatal(err)
	}
	res, body = admin.post("/staff/members/"+id, url.Values{"change": {"disable"}})
	if res.StatusCode != 422 || !strings.Contains(body, "подтвердите вход") {
		t.Fatalf("disable without a fresh code: %d", res.StatusCode)
	}
	res, _ = admin.post("/staff/members/"+id, url.Values{"change": {"disable"}, "code": {h.staffCode(demoMember("admin").Secret)}})
	if res.StatusCode != 303 {
		t.Fatalf("disable: %d", res.StatusCode)
	}
	if res, _ := op.get("/staff/console"); res.StatusCode != 303 {
		t.Fatal("a disabled member's session still works")
	}
	if res, _ := op.post("/staff", url.Values{"login": {"ivanova.op"}, "password": {own}}); res.StatusCode != 401 {
		t.Fatalf("a disabled member signs in: %d", res.StatusCode)
	}
	// The four demo members and the new one.
	for action, want := range map[string]int{"staff.created": 5, "staff.enrolled": 1, "staff.password_changed": 1, "staff.disabled": 1, "staff.reauthenticated": 1} {
		if n := h.auditCount(action); n != want {
			t.Errorf("audit %s: %d records, want %d", action, n, want)
		}
	}
}

// staffRoute is one staff route and the roles that may use it.
type staffRoute struct {
	method, path string
	body         any
	// allowed for the demo administrator / operator / post operator /
	// catalog editor
	admin, op, post, editor bool
}

// TestStaffAccessMatrix: every staff API route, for each caller — the
// administrator, the operator, a citizen's token, no token — answers as
// the roles say (anything not granted is 403), and the list covers every
// /api/v1/staff route the OpenAPI document has.
func TestStaffAccessMatrix(t *testing.T) {
	h := newHarness(t, nil)
	citizen := h.register("+7 916 555-44-33", "Correct-Horse-Battery-9")
	admin, op, post, editor := h.staffToken("admin"), h.staffToken("operator"), h.staffToken("post"), h.staffToken("editor")
	routes := []staffRoute{
		// The desk's routes first: the center route below leaves the
		// operator acting for no center.
		{"POST", "/api/v1/staff/citizens/search", map[string]string{"by": "snils", "value": "157-482-936 07", "reason": "identity_confirmation"}, false, true, false, false},
		{"POST", "/api/v1/staff/citizens/acc_none/confirmation", map[string]string{"series": "2909", "number": "512874"}, false, true, false, false},
		{"POST", "/api/v1/staff/citizens", map[string]string{"surname": "Иванова", "name": "Мария", "phone": "+7 916 111-22-33"}, false, true, false, false},
		{"POST", "/api/v1/staff/citizens/acc_none/access", map[string]string{"series": "2909", "number": "512874", "phone": "+7 916 111-22-44"}, false, true, false, false},
		{"GET", "/api/v1/staff/me", nil, true, true, true, true},
		{"PUT", "/api/v1/staff/sessions/current/center", map[string]string{"center_id": ""}, true, true, true, true},
		{"POST", "/api/v1/staff/sessions/current/reauth", map[string]string{"code": "000000"}, true, true, true, true},
		{"GET", "/api/v1/staff/members", nil, true, false, false, false},
		{"POST", "/api/v1/staff/members", map[string]any{"login": "x"}, true, false, false, false},
		{"POST", "/api/v1/staff/members/stf_none/changes", map[string]string{"change": "disable"}, true, false, false, false},
		{"POST", "/api/v1/staff/centers", map[string]any{"name": ""}, true, false, false, false},
		{"PUT", "/api/v1/staff/centers/kaluga-mfc", map[string]any{"name": ""}, true, false, false, false},
		{"POST", "/api/v1/staff/centers/import", nil, true, false, false, false},
		{"GET", "/api/v1/staff/audit?action=staff.*", nil, true, false, false, false},
		// The trusted CAs (issue 13 §2).
		{"GET", "/api/v1/staff/trust/cas", nil, true, false, false, false},
		{"POST", "/api/v1/staff/trust/cas", map[string]string{"certificate": ""}, true, false, false, false},
		{"DELETE", "/api/v1/staff/trust/cas/ca_none", nil, true, false, false, false},
		{"GET", "/api/v1/staff/trust/crls", nil, true, false, false, false},
		{"POST", "/api/v1/staff/trust/crls", nil, true, false, false, false},
		// The sites that sign citizens in through kabinet (issue 15 §4):
		// refused (empty) or about a site that is not there.
		{"GET", "/api/v1/staff/relying-parties", nil, true, false, false, false},
		{"POST", "/api/v1/staff/relying-parties", map[string]string{"id": ""}, true, false, false, false},
		{"GET", "/api/v1/staff/relying-parties/rp-none", nil, true, false, false, false},
		{"PUT", "/api/v1/staff/relying-parties/rp-none", map[string]string{"id": ""}, true, false, false, false},
		{"POST", "/api/v1/staff/relying-parties/rp-none/secret", nil, true, false, false, false},
		{"PUT", "/api/v1/staff/relying-parties/rp-none/status", map[string]bool{"disabled": true}, true, false, false, false},
		// The post operator's letters (issue 13 §1), before the sign-out.
		{"GET", "/api/v1/staff/letters", nil, false, false, true, false},
		{"POST", "/api/v1/staff/letters/batches", map[string]int{"max": 0}, false, false, true, false},
		{"GET", "/api/v1/staff/letters/batches/b_none", nil, false, false, true, false},
		{"POST", "/api/v1/staff/letters/batches/b_none/reprint", nil, false, false, true, false},
		{"POST", "/api/v1/staff/letters/batches/b_none/sent", nil, false, false, true, false},
		{"GET", "/api/v1/staff/letters/batches/b_none/register", nil, false, false, true, false},
		{"POST", "/api/v1/staff/letters/l_none/returned", nil, false, false, true, false},
		// The catalog editors (issue 14 §2): nothing here changes the
		// catalog (a draft refused, a service that is not there).
		{"GET", "/api/v1/staff/catalog/services", nil, true, false, false, true},
		{"GET", "/api/v1/staff/catalog/services/s-none", nil, true, false, false, true},
		{"PUT", "/api/v1/staff/catalog/services/s-none/draft", map[string]any{"title": map[string]string{"ru": ""}}, true, false, false, true},
		{"DELETE", "/api/v1/staff/catalog/services/s-none/draft", nil, true, false, false, true},
		{"POST", "/api/v1/staff/catalog/services/s-none/publish", nil, true, false, false, true},
		{"POST", "/api/v1/staff/catalog/import", nil, true, false, false, true},
		{"GET", "/api/v1/staff/catalog/export", nil, true, false, false, true},
		// The regions and localities administrators add (issue 14 §1):
		// refused or about a locality that is not there; the export
		// changes nothing.
		{"POST", "/api/v1/staff/places/regions", map[string]string{"code": ""}, true, false, false, false},
		{"GET", "/api/v1/staff/places/localities?region=40", nil, true, false, false, false},
		{"POST", "/api/v1/staff/places/localities", map[string]string{"name": ""}, true, false, false, false},
		{"PUT", "/api/v1/staff/places/localities/l-none", map[string]string{"name": ""}, true, false, false, false},
		{"DELETE", "/api/v1/staff/places/localities/l-none", nil, true, false, false, false},
		{"POST", "/api/v1/staff/places/import", nil, true, false, false, false},
		{"GET", "/api/v1/staff/places/export", nil, true, false, false, false},
		{"DELETE", "/api/v1/staff/sessions/current", nil, true, true, true, true},
	}
	doc := h.api("GET", "/api/v1/openapi.json", "", nil)
	paths, _ := doc.Body["paths"].(map[string]any)
	for p, ops := range paths {
		if !strings.HasPrefix(p, "/api/v1/staff/") || p == "/api/v1/staff/sessions" {
			continue
		}
		for m := range ops.(map[string]any) {
			method := strings.ToUpper(m)
			if !slices.ContainsFunc(routes, func(r staffRoute) bool {
				return r.method == method && regexp.MustCompile("^"+regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(p, "[^/]+")+"$").MatchString(strings.Split(r.path, "?")[0])
			}) {
				t.Errorf("%s %s is not in the access matrix", method, p)
			}
		}
	}
	for _, rt := range routes {
		for _, c := range []struct {
			who, token string
			allowed    bool
		}{{"administrator", admin, rt.admin}, {"operator", op, rt.op}, {"post operator", post, rt.post}, {"catalog editor", editor, rt.editor},
			{"citizen", citizen, false}, {"nobody", "", false}} {
			r := h.api(rt.method, rt.path, c.token, rt.body)
			switch {
			case c.who == "citizen" || c.who == "nobody":
				if r.Status != http.StatusUnauthorized {
					t.Errorf("%s %s as %s: %d, want 401", rt.method, rt.path, c.who, r.Status)
				}
			case c.allowed && (r.Status == 401 || r.Status == 403):
				t.Errorf("%s %s as %s: %d %s, want allowed", rt.method, rt.path, c.who, r.Status, r.Raw)
			case !c.allowed && (r.Status != 403 || r.str("code") != "staff.forbidden"):
				t.Errorf("%s %s as %s: %d %s, want 403 staff.forbidden", rt.method, rt.path, c.who, r.Status, r.Raw)
			}
		}
	}
	// The last route signed the staff tokens out.
	if r := h.api("GET", "/api/v1/staff/me", admin, nil); r.Status != 401 {
		t.Fatalf("after sign-out: %d", r.Status)
	}
	// A staff token is nobody on a citizen's route.
	admin = h.staffToken("admin")
	if r := h.api("GET", "/api/v1/me", admin, nil); r.Status != 401 {
		t.Fatalf("a staff token on /api/v1/me: %d", r.Status)
	}
}

// TestStaffPagesAccess: console pages by role, and the two cookies kept
// apart: a citizen's session opens no console page, a staff session no
// citizen's page.
func TestStaffPagesAccess(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.SignIn.SecondStep = false })
	admin, op := h.browser(), h.browser()
	for _, x := range []struct {
		b     *browser
		login string
	}{{admin, "admin"}, {op, "operator"}} {
		x.b.post("/staff", url.Values{"login": {x.login}, "password": {demo.Password}})
		if res, _ := x.b.post("/staff/code", url.Values{"code": {h.staffCode(demoMember(x.login).Secret)}}); res.StatusCode != 303 {
			t.Fatalf("%s: %d", x.login, res.StatusCode)
		}
	}
	if res, _ := admin.get("/staff/members"); res.StatusCode != 200 {
		t.Fatalf("administrator on /staff/members: %d", res.StatusCode)
	}
	if res, _ := op.get("/staff/members"); res.StatusCode != 403 {
		t.Fatalf("operator on /staff/members: %d", res.StatusCode)
	}
	if res, _ := op.post("/staff/members", url.Values{"login": {"sneaky"}, "name": {"x"}, "roles": {"administrator"}}); res.StatusCode != 403 {
		t.Fatalf("operator creating staff: %d", res.StatusCode)
	}
	// A staff session is not a citizen's.
	if res, _ := admin.get("/account"); res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
		t.Fatalf("staff cookie on /account: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// A citizen's session is not a staff one.
	citizen := h.browser()
	citizen.post("/signin", url.Values{"login": {"+7 900 000-00-02"}, "password": {demo.Password}})
	if res, _ := citizen.get("/account"); res.StatusCode != 200 {
		t.Fatalf("citizen sign-in: %d", res.StatusCode)
	}
	for _, p := range []string{"/staff/console", "/staff/members"} {
		if res, _ := citizen.get(p); res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/staff") {
			t.Fatalf("citizen on %s: %d %s", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

// TestStaffCentersAndAudit: an administrator adds a center in the console
// (a mistake keeps what was typed), imports a file with a bad row
// (nothing saved, every mistake reported) and then a good one, and finds
// these changes in the audit log, where the search itself is recorded.
func TestStaffCentersAndAudit(t *testing.T) {
	h := newHarness(t, nil)
	b := h.browser()
	b.post("/staff", url.Values{"login": {"admin"}, "password": {demo.Password}})
	b.post("/staff/code", url.Values{"code": {h.staffCode(demoMember("admin").Secret)}})

	form := url.Values{"id": {"obninsk-lib"}, "name": {"Библиотека Обнинска"}, "type": {"library"}, "region": {"40"}, "locality": {"Обнинск"},
		"address": {"пр. Ленина, 129"}, "hours": {"пн-пт 25:00-18:00"}, "services": {"identity_confirmation"}, "active": {"true"}}
	res, body := b.post("/staff/centers", form)
	if res.StatusCode != 422 || !strings.Contains(body, `value="Библиотека Обнинска"`) || !strings.Contains(body, "f-hours-error") {
		t.Fatalf("bad hours: %d", res.StatusCode)
	}
	form.Set("hours", "пн-пт 10:00-19:00 перерыв 14:00-15:00")
	if res, _ := b.post("/staff/centers", form); res.StatusCode != 303 {
		t.Fatalf("save: %d", res.StatusCode)
	}
	if r := h.api("GET", "/api/v1/centers?q=обнинск&service=identity_confirmation", "", nil); r.Status != 200 || !strings.Contains(r.Raw, "obninsk-lib") {
		t.Fatalf("the new center is not found: %d %s", r.Status, r.Raw)
	}

	token := h.staffToken("admin")
	bad := "id,name,type,region,locality,address,hours,services\n" +
		"tarusa-lib,Библиотека Тарусы,library,40,Таруса,ул. Ленина 1,пн-пт 09:00-18:00,identity_confirmation\n" +
		"x,Без региона,library,00,Нигде,ул. Нет 1,,identity_confirmation\n"
	r := h.importCSV(token, bad)
	if r.Status != 200 || r.Body["saved"] != false || !strings.Contains(r.Raw, `"row":3`) {
		t.Fatalf("bad import: %d %s", r.Status, r.Raw)
	}
	if r := h.api("GET", "/api/v1/centers/tarusa-lib", "", nil); r.Status != 404 {
		t.Fatalf("a refused import saved a row: %d", r.Status)
	}
	good := "id,name,type,region,locality,address,hours,services\n" +
		"tarusa-lib,Библиотека Тарусы,library,40,Таруса,ул. Ленина 1,пн-пт 09:00-18:00,identity_confirmation\n"
	if r := h.importCSV(token, good); r.Status != 200 || r.Body["saved"] != true || r.Body["created"] != float64(1) {
		t.Fatalf("good import: %d %s", r.Status, r.Raw)
	}

	r = h.api("GET", "/api/v1/staff/audit?action=center.*", token, nil)
	if r.Status != 200 || !strings.Contains(r.Raw, `"center.created"`) || !strings.Contains(r.Raw, `"center.imported"`) || !strings.Contains(r.Raw, `"actor_role":"administrator"`) {
		t.Fatalf("audit search: %d %s", r.Status, r.Raw)
	}
	if r := h.api("GET", "/api/v1/staff/audit?from=yesterday", token, nil); r.Status != 422 || r.fieldCode("from") != "console.audit.time_format" {
		t.Fatalf("a bad date: %d %s", r.Status, r.Raw)
	}
	if res, body := b.get("/staff/audit?action=staff.signed_in"); res.StatusCode != 200 || !strings.Contains(body, "data-audit-results") || !strings.Contains(body, "staff.signed_in") {
		t.Fatalf("audit page: %d", res.StatusCode)
	}
	if n := h.auditCount("staff.audit_searched"); n != 2 {
		t.Fatalf("searches recorded: %d, want 2 (the refused one is not a search)", n)
	}
}

func (h *harness) importCSV(token, csv string) response {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.srv.URL+"/api/v1/staff/centers/import?format=csv", strings.NewReader(csv))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "text/csv")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := response{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &out.Body)
	return out
}

// staffPageRoute is one console route and who may use it.
type staffPageRoute struct {
	method, path            string
	admin, op, post, editor bool
}

// TestStaffPagesMatrix: every console route registered in web/routes.go
// (read from the source, so a new one fails here until it is listed),
// for the administrator, the operator, a signed-in citizen and a
// stranger: allowed routes answer, the others are 403 for staff and the
// sign-in form for everyone else.
func TestStaffPagesMatrix(t *testing.T) {
	routes := []staffPageRoute{
		// The desk's pages first: the center route below, posted empty,
		// leaves the operator acting for no center.
		{"GET", "/staff/citizens", false, true, false, false},
		{"POST", "/staff/citizens", false, true, false, false},
		{"POST", "/staff/citizens/{id}/confirm", false, true, false, false},
		{"GET", "/staff/citizens/new", false, true, false, false},
		{"POST", "/staff/citizens/new", false, true, false, false},
		{"GET", "/staff/citizens/{id}/access", false, true, false, false},
		{"POST", "/staff/citizens/{id}/access", false, true, false, false},
		{"GET", "/staff/console", true, true, true, true},
		{"POST", "/staff/center", true, true, true, true},
		{"GET", "/staff/members", true, false, false, false},
		{"POST", "/staff/members", true, false, false, false},
		{"POST", "/staff/members/{id}", true, false, false, false},
		{"GET", "/staff/centers", true, false, false, false},
		{"GET", "/staff/centers/new", true, false, false, false},
		{"GET", "/staff/centers/{id}", true, false, false, false},
		{"POST", "/staff/centers", true, false, false, false},
		{"POST", "/staff/centers/import", true, false, false, false},
		{"GET", "/staff/audit", true, false, false, false},
		{"GET", "/staff/letters", false, false, true, false},
		{"POST", "/staff/letters/print", false, false, true, false},
		{"GET", "/staff/letters/batches/{id}", false, false, true, false},
		{"POST", "/staff/letters/batches/{id}/reprint", false, false, true, false},
		{"POST", "/staff/letters/batches/{id}/sent", false, false, true, false},
		{"GET", "/staff/letters/batches/{id}/register", false, false, true, false},
		{"POST", "/staff/letters/{id}/returned", false, false, true, false},
		{"GET", "/staff/trust", true, false, false, false},
		{"POST", "/staff/trust/cas", true, false, false, false},
		{"POST", "/staff/trust/cas/{id}/remove", true, false, false, false},
		{"POST", "/staff/trust/crls", true, false, false, false},
		// The sites that sign citizens in (issue 15 §4): the posts refused
		// (empty) or about a site that is not there.
		{"GET", "/staff/sites", true, false, false, false},
		{"GET", "/staff/sites/new", true, false, false, false},
		{"GET", "/staff/sites/{id}", true, false, false, false},
		{"POST", "/staff/sites", true, false, false, false},
		{"POST", "/staff/sites/{id}/secret", true, false, false, false},
		{"POST", "/staff/sites/{id}/disable", true, false, false, false},
		{"POST", "/staff/sites/{id}/enable", true, false, false, false},
		// The catalog editors (issue 14 §2); the posts refused (empty)
		// or about a service that is not there.
		{"GET", "/staff/catalog", true, false, false, true},
		{"GET", "/staff/catalog/new", true, false, false, true},
		{"POST", "/staff/catalog/services", true, false, false, true},
		{"GET", "/staff/catalog/services/{id}", true, false, false, true},
		{"POST", "/staff/catalog/services/{id}", true, false, false, true},
		{"POST", "/staff/catalog/services/{id}/discard", true, false, false, true},
		{"POST", "/staff/catalog/import", true, false, false, true},
		{"GET", "/staff/catalog/export", true, false, false, true},
		{"GET", "/staff/catalog/categories", true, false, false, true},
		{"POST", "/staff/catalog/categories", true, false, false, true},
		{"GET", "/staff/catalog/agencies", true, false, false, true},
		{"POST", "/staff/catalog/agencies", true, false, false, true},
		{"GET", "/staff/catalog/synonyms", true, false, false, true},
		{"POST", "/staff/catalog/synonyms", true, false, false, true},
		// The regions and localities (issue 14 §1): the posts refused
		// (empty) or about a locality that is not there.
		{"GET", "/staff/places", true, false, false, false},
		{"GET", "/staff/places/regions/new", true, false, false, false},
		{"POST", "/staff/places/regions", true, false, false, false},
		{"GET", "/staff/places/regions/{code}", true, false, false, false},
		{"GET", "/staff/places/regions/{code}/edit", true, false, false, false},
		{"POST", "/staff/places/localities", true, false, false, false},
		{"GET", "/staff/places/localities/{id}", true, false, false, false},
		{"POST", "/staff/places/localities/{id}", true, false, false, false},
		{"POST", "/staff/places/localities/{id}/remove", true, false, false, false},
		{"POST", "/staff/places/import", true, false, false, false},
		{"GET", "/staff/places/export", true, false, false, false},
	}
	// The sign-in steps, open to anyone, are not in the matrix.
	open := map[string]bool{"GET /staff": true, "POST /staff": true, "GET /staff/enroll": true, "POST /staff/enroll": true,
		"GET /staff/code": true, "POST /staff/code": true, "GET /staff/password": true, "POST /staff/password": true, "POST /staff/signout": true}
	src, err := os.ReadFile(filepath.Join("..", "web", "routes.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`mux\.HandleFunc\("([A-Z]+) (/staff[^"]*)"`).FindAllStringSubmatch(string(src), -1) {
		key := m[1] + " " + m[2]
		if !open[key] && !slices.ContainsFunc(routes, func(r staffPageRoute) bool { return r.method+" "+r.path == key }) {
			t.Errorf("%s is not in the matrix", key)
		}
	}

	h := newHarness(t, func(c *config.Config) { c.SignIn.SecondStep = false })
	admin, op, post, editor, citizen, stranger := h.browser(), h.browser(), h.browser(), h.browser(), h.browser(), h.browser()
	for _, x := range []struct {
		b     *browser
		login string
	}{{admin, "admin"}, {op, "operator"}, {post, "post"}, {editor, "editor"}} {
		x.b.post("/staff", url.Values{"login": {x.login}, "password": {demo.Password}})
		if res, _ := x.b.post("/staff/code", url.Values{"code": {h.staffCode(demoMember(x.login).Secret)}}); res.StatusCode != 303 {
			t.Fatalf("%s: %d", x.login, res.StatusCode)
		}
	}
	citizen.post("/signin", url.Values{"login": {"+7 900 000-00-02"}, "password": {demo.Password}})
	for _, rt := range routes {
		path := strings.NewReplacer("{id}", "kaluga-mfc", "{code}", "40").Replace(rt.path)
		for _, c := range []struct {
			who     string
			b       *browser
			allowed bool
		}{{"administrator", admin, rt.admin}, {"operator", op, rt.op}, {"post operator", post, rt.post}, {"catalog editor", editor, rt.editor},
			{"citizen", citizen, false}, {"stranger", stranger, false}} {
			var res *http.Response
			if rt.method == "GET" {
				res, _ = c.b.get(path)
			} else {
				res, _ = c.b.post(path, url.Values{})
			}
			switch {
			case c.who == "citizen" || c.who == "stranger":
				if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/staff") {
					t.Errorf("%s %s as %s: %d %s, want the staff sign-in", rt.method, path, c.who, res.StatusCode, res.Header.Get("Location"))
				}
			case c.allowed && (res.StatusCode == 403 || (res.StatusCode == 303 && strings.HasPrefix(res.Header.Get("Location"), "/staff?"))):
				t.Errorf("%s %s as %s: %d, want allowed", rt.method, path, c.who, res.StatusCode)
			case !c.allowed && res.StatusCode != 403:
				t.Errorf("%s %s as %s: %d, want 403", rt.method, path, c.who, res.StatusCode)
			}
		}
	}
	// A staff session reaches none of a citizen's own pages.
	for _, p := range []string{"/account", "/account/personal-data", "/account/sessions", "/account/export", "/account/data-access"} {
		if res, _ := admin.get(p); res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
			t.Errorf("a staff session on %s: %d %s", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
}
