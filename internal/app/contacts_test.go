package app_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Issue 10 §2: changing or adding the phone and the e-mail while signed in.

var undoLinkRE = regexp.MustCompile(`/account/undo/[a-z0-9]+\?token=[A-Za-z0-9_%-]+`)

func (h *harness) me(token string) response {
	h.t.Helper()
	return h.api("GET", "/api/v1/me", token, nil)
}

// changePhone runs a whole API change of the phone and returns the
// confirm answer.
func (h *harness) changePhone(token, to string) response {
	h.t.Helper()
	r := h.api("POST", "/api/v1/me/contacts", token, map[string]string{"phone": to})
	if r.Status != 202 {
		h.t.Fatalf("start: %d %s", r.Status, r.Raw)
	}
	return h.api("POST", "/api/v1/me/contacts/"+r.str("id")+"/confirm", token, map[string]string{"code": h.lastCode(to)})
}

// TestContactChangePhone: the new number gets a code, replaces the old one
// once confirmed, the old number is told with an undo link, the history
// has the change, and sign-in works with the new number only.
func TestContactChangePhone(t *testing.T) {
	h := newHarness(t, nil)
	const old, neu = "+79161234567", "+79031112233"
	token := h.register(old, goodPassword)
	r := h.changePhone(token, neu)
	if r.Status != 200 || r.str("phone") != neu {
		t.Fatalf("confirm: %d %s", r.Status, r.Raw)
	}
	if me := h.me(token); me.str("phone") != neu {
		t.Errorf("GET /me after the change: %s", me.Raw)
	}
	tpl, text := h.lastMessage(old)
	if tpl != "contact_changed" || !undoLinkRE.MatchString(text) || !strings.Contains(text, "+7 903 ***-**-33") {
		t.Errorf("old number got %s: %q", tpl, text)
	}
	if acts := strings.Join(h.auditActions(r.str("id")), " "); !strings.Contains(acts, "contact.change_requested contact.changed") {
		t.Errorf("audit: %s", acts)
	}
	h.clock.Add(time.Minute)
	if s := h.signIn(neu, goodPassword, ""); s.Status != 202 && s.Status != 201 {
		t.Errorf("sign-in with the new number: %d %s", s.Status, s.Raw)
	}
	if s := h.signIn(old, goodPassword, ""); s.Status != 401 || s.str("code") != "signin.wrong" {
		t.Errorf("sign-in with the old number: %d %s", s.Status, s.Raw)
	}
	// The same number again is refused next to the field.
	if s := h.api("POST", "/api/v1/me/contacts", token, map[string]string{"phone": "8 903 111-22-33"}); s.Status != 422 || s.fieldCode("phone") != "contacts.same" {
		t.Errorf("the current number: %d %s", s.Status, s.Raw)
	}
}

// TestContactAddEmailPages: a phone-only account adds an e-mail address in
// the browser: the list offers «Добавить», the form leads to the shared
// code page, the code adds the address (nobody to tell: there was none).
func TestContactAddEmailPages(t *testing.T) {
	h := newHarness(t, nil)
	token := h.register("+79161234567", goodPassword)
	b := h.signedIn(token)
	res, body := b.get("/account/contacts")
	if res.StatusCode != 200 || !strings.Contains(body, `href="/account/contacts/new?field=email">Добавить`) {
		t.Fatalf("contacts page: %d\n%s", res.StatusCode, body)
	}
	const addr = "ivan@example.ru"
	res, body = b.post("/account/contacts", url.Values{"field": {"email"}, "email": {"not an address"}})
	if res.StatusCode != 422 || !strings.Contains(body, `value="not an address"`) || !strings.Contains(body, `id="f-email-error"`) {
		t.Errorf("a malformed address: %d, the typed value and its message next to the field expected\n%s", res.StatusCode, body)
	}
	res, _ = b.post("/account/contacts", url.Values{"field": {"email"}, "email": {addr}})
	loc := res.Header.Get("Location")
	if res.StatusCode != 303 || !strings.HasPrefix(loc, "/account/contacts/") {
		t.Fatalf("start: %d %s", res.StatusCode, loc)
	}
	res, body = b.get(loc)
	if res.StatusCode != 200 || !strings.Contains(body, "Подтвердите новый адрес") {
		t.Fatalf("code page: %d\n%s", res.StatusCode, body)
	}
	res, _ = b.post(loc+"/code", url.Values{"code": {h.lastCode(addr)}})
	if res.StatusCode != 303 {
		t.Fatalf("code: %d", res.StatusCode)
	}
	res, _ = b.get(res.Header.Get("Location"))
	if res.StatusCode != 303 || res.Header.Get("Location") != "/account/contacts?changed=1" {
		t.Fatalf("after the code: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if me := h.me(token); me.str("email") != addr || me.str("phone") != "+79161234567" {
		t.Errorf("GET /me: %s", me.Raw)
	}
	if n := h.templatesTo("+79161234567", "contact_changed"); n != 0 {
		t.Errorf("%d change notices for an added address", n)
	}
	h.clock.Add(time.Minute)
	if s := h.signIn(addr, goodPassword, ""); s.Status != 202 && s.Status != 201 {
		t.Errorf("sign-in with the added address: %d %s", s.Status, s.Raw)
	}
}

// TestContactTaken: a number that belongs to another account gets the
// same answers as a free one, but no code; its owner is told once an hour;
// no code confirms the flow.
func TestContactTaken(t *testing.T) {
	h := newHarness(t, nil)
	const taken, free = "+79035550000", "+79036660000"
	h.register(taken, goodPassword)
	h.clock.Add(time.Hour) // the registration's code leaves the hourly count
	token := h.register("+79161234567", goodPassword)

	a := h.api("POST", "/api/v1/me/contacts", token, map[string]string{"phone": taken})
	b := h.api("POST", "/api/v1/me/contacts", token, map[string]string{"phone": free})
	norm := func(r response) string {
		s := strings.Replace(r.Raw, r.str("id"), "ID", 1)
		s = strings.Replace(s, r.str("destination"), "DEST", 1)
		return regexpMust(`\d\d:\d\d:\d\d(\.\d+)?Z`).ReplaceAllString(s, "T")
	}
	if a.Status != 202 || b.Status != 202 || norm(a) != norm(b) {
		t.Fatalf("answers differ:\n%s\n%s", a.Raw, b.Raw)
	}
	if tpl, text := h.lastMessage(taken); tpl != "contact_taken" || codeRE.MatchString(text) {
		t.Errorf("the owner got %s: %q", tpl, text)
	}
	if r := h.api("POST", "/api/v1/me/contacts/"+a.str("id")+"/confirm", token, map[string]string{"code": "123456"}); r.Status != 422 || r.fieldCode("code") != "code.wrong" {
		t.Errorf("decoy confirm: %d %s", r.Status, r.Raw)
	}
	h.clock.Add(2 * time.Minute)
	if r := h.api("POST", "/api/v1/me/contacts/"+a.str("id")+"/resend", token, nil); r.Status != 200 {
		t.Errorf("decoy resend: %d %s", r.Status, r.Raw)
	}
	if n := h.templatesTo(taken, "contact_taken"); n != 1 {
		t.Errorf("%d notices to the owner within the hour, want 1", n)
	}
	if me := h.me(token); me.str("phone") != "+79161234567" {
		t.Errorf("the account changed: %s", me.Raw)
	}
}

// TestContactFlowOfAnotherAccount: one account cannot see, confirm or
// resend another's change, even with the right code.
func TestContactFlowOfAnotherAccount(t *testing.T) {
	h := newHarness(t, nil)
	mine := h.register("+79161234567", goodPassword)
	other := h.register("+79162223344", goodPassword)
	const neu = "+79031112233"
	r := h.api("POST", "/api/v1/me/contacts", mine, map[string]string{"phone": neu})
	id := r.str("id")
	if x := h.api("POST", "/api/v1/me/contacts/"+id+"/confirm", other, map[string]string{"code": h.lastCode(neu)}); x.Status != 404 || x.str("code") != "flow.not_found" {
		t.Errorf("confirm by another account: %d %s", x.Status, x.Raw)
	}
	h.clock.Add(2 * time.Minute)
	if x := h.api("POST", "/api/v1/me/contacts/"+id+"/resend", other, nil); x.Status != 404 {
		t.Errorf("resend by another account: %d %s", x.Status, x.Raw)
	}
	if x := h.api("POST", "/api/v1/me/contacts/"+id+"/confirm", "", map[string]string{"code": "123456"}); x.Status != 401 {
		t.Errorf("confirm without a session: %d %s", x.Status, x.Raw)
	}
	if res, _ := h.signedIn(other).get("/account/contacts/" + id); res.StatusCode != 404 {
		t.Errorf("another account's step page: %d", res.StatusCode)
	}
	if me := h.me(other); me.str("phone") != "+79162223344" {
		t.Errorf("the other account changed: %s", me.Raw)
	}
	// The owner still can: the code was not used up by the stranger.
	if x := h.api("POST", "/api/v1/me/contacts/"+id+"/confirm", mine, map[string]string{"code": h.lastCode(neu)}); x.Status != 200 {
		t.Errorf("confirm by the owner: %d %s", x.Status, x.Raw)
	}
}

// TestContactReauth: 15 minutes after the last password check a change
// needs the password again; the API says reauth.required and
// /api/v1/me/reauthenticate opens it; the page asks for the password and
// goes on with what was typed.
func TestContactReauth(t *testing.T) {
	h := newHarness(t, nil)
	token := h.register("+79161234567", goodPassword)
	h.clock.Add(16 * time.Minute)
	if r := h.api("POST", "/api/v1/me/contacts", token, map[string]string{"phone": "+79031112233"}); r.Status != 403 || r.str("code") != "reauth.required" {
		t.Fatalf("after 16 minutes: %d %s", r.Status, r.Raw)
	}
	if r := h.api("POST", "/api/v1/me/reauthenticate", token, map[string]string{"password": "Wrong-password-1"}); r.Status != 422 || r.fieldCode("password") != "credential.wrong" {
		t.Errorf("wrong password: %d %s", r.Status, r.Raw)
	}
	if r := h.api("POST", "/api/v1/me/reauthenticate", token, map[string]string{"password": goodPassword}); r.Status != 204 {
		t.Fatalf("reauthenticate: %d %s", r.Status, r.Raw)
	}
	if r := h.api("POST", "/api/v1/me/contacts", token, map[string]string{"phone": "+79031112233"}); r.Status != 202 {
		t.Errorf("after reauthentication: %d %s", r.Status, r.Raw)
	}

	// In the browser.
	h.clock.Add(16 * time.Minute)
	b := h.signedIn(token)
	const typed = "8 903 444-55-66"
	res, body := b.post("/account/contacts", url.Values{"field": {"phone"}, "phone": {typed}})
	if res.StatusCode != 200 || !strings.Contains(body, `action="/account/reauthenticate"`) || !strings.Contains(body, `value="`+typed+`"`) {
		t.Fatalf("password prompt: %d\n%s", res.StatusCode, body)
	}
	res, body = b.post("/account/reauthenticate", url.Values{"field": {"phone"}, "value": {typed}, "password": {"nope"}})
	if res.StatusCode != 422 || !strings.Contains(body, `value="`+typed+`"`) {
		t.Errorf("wrong password in the browser: %d", res.StatusCode)
	}
	res, _ = b.post("/account/reauthenticate", url.Values{"field": {"phone"}, "value": {typed}, "password": {goodPassword}})
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || !strings.HasPrefix(loc, "/account/contacts/") {
		t.Fatalf("after the password: %d %s", res.StatusCode, loc)
	}
	if tpl, _ := h.lastMessage("+79034445566"); tpl != "contact_code" {
		t.Errorf("the typed number got %q", tpl)
	}
}

// TestContactUndo: the old number's link, within 7 days, puts it back,
// ends every session and sends the person to recovery; it works once.
// After 7 days it is refused.
func TestContactUndo(t *testing.T) {
	h := newHarness(t, nil)
	const old, neu = "+79161234567", "+79031112233"
	token := h.register(old, goodPassword)
	if r := h.changePhone(token, neu); r.Status != 200 {
		t.Fatalf("change: %d %s", r.Status, r.Raw)
	}
	_, text := h.lastMessage(old)
	link := undoLinkRE.FindString(text)
	h.clock.Add(6 * 24 * time.Hour)
	b := h.browser()
	res, body := b.get(link)
	if res.StatusCode != 200 || !strings.Contains(body, "Отменить замену") {
		t.Fatalf("undo page: %d\n%s", res.StatusCode, body)
	}
	u, _ := url.Parse(link)
	res, _ = b.post(u.Path, url.Values{"token": {u.Query().Get("token")}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/recover?undone=1" {
		t.Fatalf("undo: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if r := h.me(token); r.Status != 401 {
		t.Errorf("the session after the undo: %d %s", r.Status, r.Raw)
	}
	if tpl, _ := h.lastMessage(old); tpl != "contact_undone" {
		t.Errorf("the restored number got %q", tpl)
	}
	if s := h.signIn(old, goodPassword, ""); s.Status != 202 && s.Status != 201 {
		t.Errorf("sign-in with the restored number: %d %s", s.Status, s.Raw)
	}
	if s := h.signIn(neu, goodPassword, ""); s.Status != 401 {
		t.Errorf("sign-in with the undone number: %d %s", s.Status, s.Raw)
	}
	if res, _ := b.post(u.Path, url.Values{"token": {u.Query().Get("token")}}); res.StatusCode != 404 {
		t.Errorf("the link a second time: %d", res.StatusCode)
	}

	// Another change, undone after 7 days: refused.
	h.clock.Add(time.Hour)
	token = h.signInToken(old)
	if r := h.changePhone(token, neu); r.Status != 200 {
		t.Fatalf("second change: %d %s", r.Status, r.Raw)
	}
	_, text = h.lastMessage(old)
	link = undoLinkRE.FindString(text)
	h.clock.Add(7*24*time.Hour + time.Minute)
	if res, _ := b.get(link); res.StatusCode != 410 {
		t.Errorf("undo page after 7 days: %d", res.StatusCode)
	}
	u, _ = url.Parse(link)
	if res, _ := b.post(u.Path, url.Values{"token": {u.Query().Get("token")}}); res.StatusCode != 410 {
		t.Errorf("undo after 7 days: %d", res.StatusCode)
	}
	h.clock.Add(time.Minute)
	if s := h.signIn(neu, goodPassword, ""); s.Status != 202 && s.Status != 201 {
		t.Errorf("the change stays: sign-in with the new number: %d %s", s.Status, s.Raw)
	}
}

// signInToken signs in by API through the second step and returns the token.
func (h *harness) signInToken(login string) string {
	h.t.Helper()
	r := h.signIn(login, goodPassword, "")
	if r.Status == 201 {
		return r.str("session_token")
	}
	if r.Status != 202 {
		h.t.Fatalf("sign-in: %d %s", r.Status, r.Raw)
	}
	r = h.api("POST", "/api/v1/sessions/"+r.str("id")+"/confirm", "", map[string]string{"code": h.lastCode(login)})
	if r.Status != 201 {
		h.t.Fatalf("second step: %d %s", r.Status, r.Raw)
	}
	return r.str("session_token")
}

// TestContactUndoAPI: the undo link's token works through the API too,
// once, without a session.
func TestContactUndoAPI(t *testing.T) {
	h := newHarness(t, nil)
	const old, neu = "+79161234567", "+79031112233"
	token := h.register(old, goodPassword)
	if r := h.changePhone(token, neu); r.Status != 200 {
		t.Fatalf("change: %d %s", r.Status, r.Raw)
	}
	_, text := h.lastMessage(old)
	u, _ := url.Parse(undoLinkRE.FindString(text))
	path := "/api/v1/contact-undos/" + strings.TrimPrefix(u.Path, "/account/undo/")
	if r := h.api("POST", path, "", map[string]string{"token": "wrong"}); r.Status != 404 || r.str("code") != "undo.invalid" {
		t.Errorf("wrong token: %d %s", r.Status, r.Raw)
	}
	r := h.api("POST", path, "", map[string]string{"token": u.Query().Get("token")})
	if r.Status != 200 || r.Body["restored"] != true || r.Body["ended_sessions"].(float64) < 1 {
		t.Fatalf("undo: %d %s", r.Status, r.Raw)
	}
	if r := h.api("POST", path, "", map[string]string{"token": u.Query().Get("token")}); r.Status != 404 {
		t.Errorf("again: %d %s", r.Status, r.Raw)
	}
	if r := h.me(token); r.Status != 401 {
		t.Errorf("session after the undo: %d", r.Status)
	}
}
