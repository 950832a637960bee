package app_test

import (
	"golang.org/x/net/html"

	"net/url"
	"strings"
	"testing"
	"time"
)

// Issue 10, §1: the flow steps as a citizen meets them, over HTTP and
// without script. The browser journeys are in e2e/steps_test.go.

// startRegistration fills the registration form in a fresh browser and
// returns it with the flow's address.
func startRegistration(t *testing.T, h *harness, phone string) (*browser, string) {
	t.Helper()
	br := h.browser()
	res, _ := br.post("/register", url.Values{"surname": {"Иванова"}, "name": {"Анна"}, "phone": {phone}, "accept_terms": {"yes"}})
	if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/register/") {
		t.Fatalf("register: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	return br, res.Header.Get("Location")
}

// TestStepAddressesAnswerGET (defect 2): a refused code or password is
// shown at the address it was posted to; a reload, a link or the language
// switch there is a GET, which leads back to the flow's step, never a 404.
func TestStepAddressesAnswerGET(t *testing.T) {
	h := newHarness(t, nil)
	br, flowURL := startRegistration(t, h, "8 916 555-12-34")
	if res, _ := br.post(flowURL+"/code", url.Values{"code": {"000000"}}); res.StatusCode != 422 {
		t.Fatalf("wrong code: %d", res.StatusCode)
	}
	for _, step := range []string{"/code", "/resend", "/password", "/code?lang=en"} {
		res, _ := br.get(flowURL + step)
		if res.StatusCode != 303 || res.Header.Get("Location") != flowURL {
			t.Errorf("GET %s: %d %s, want 303 to the step", step, res.StatusCode, res.Header.Get("Location"))
		}
	}
	// The language chosen by the last link holds on the step page.
	_, body := br.get(flowURL)
	if got := parse(t, body).h1(); got != "Confirm your phone number" {
		t.Errorf("step page after ?lang=en: %q", got)
	}
	// Another browser still gets no flow.
	if res, _ := h.browser().get(flowURL + "/code"); res.StatusCode != 303 {
		t.Errorf("another browser: %d", res.StatusCode)
	}
}

// TestLanguageSwitchKeepsInput (defect 2): on every form page the language
// switch is a submit button of the form; the page comes back in the other
// language with what was typed (not passwords), unchecked, nothing sent or
// counted.
func TestLanguageSwitchKeepsInput(t *testing.T) {
	h := newHarness(t, nil)
	h.register("+79161234567", goodPassword)
	sent := h.messagesTo("+79169998877")

	br := h.browser()
	_, body := br.get("/register")
	p := parse(t, body)
	if b := p.find(func(n *html.Node) bool { return n.Data == "button" && attr(n, "name") == "lang" }); len(b) != 1 ||
		attr(b[0], "form") != "register-form" || attr(b[0], "value") != "en" {
		t.Fatalf("the register page's language switch is not a button of its form")
	}
	for _, c := range []struct {
		path, h1 string
		form     url.Values
		kept     map[string]string
	}{
		{"/register", "Register", url.Values{"lang": {"en"}, "surname": {"Иванова"}, "name": {"Анна"}, "phone": {"8 916 999-88-77"}},
			map[string]string{"f-surname": "Иванова", "f-name": "Анна", "f-phone": "8 916 999-88-77"}},
		{"/signin", "Sign in", url.Values{"lang": {"en"}, "login": {"+7 916 123-45-67"}, "password": {"secret"}},
			map[string]string{"f-login": "+7 916 123-45-67", "f-password": ""}},
		{"/recover", "Recover your password", url.Values{"lang": {"en"}, "login": {"anna@example.ru"}},
			map[string]string{"f-login": "anna@example.ru"}},
	} {
		res, body := br.post(c.path, c.form)
		p := parse(t, body)
		if res.StatusCode != 200 || p.has("error-summary-title") {
			t.Errorf("%s: %d, errors shown: %v", c.path, res.StatusCode, p.has("error-summary-title"))
		}
		if got := p.h1(); got != c.h1 {
			t.Errorf("%s: heading %q, want %q", c.path, got, c.h1)
		}
		for id, want := range c.kept {
			if got := attr(p.byID(id), "value"); got != want {
				t.Errorf("%s: %s = %q, want %q", c.path, id, got, want)
			}
		}
	}
	if h.messagesTo("+79169998877") != sent {
		t.Error("the language switch sent a code")
	}

	// The code page: the code typed stays, no attempt is spent; the
	// password page: nothing is kept.
	br, flowURL := startRegistration(t, h, "8 916 555-12-34")
	res, body := br.post(flowURL+"/code", url.Values{"lang": {"en"}, "code": {"12345"}})
	p = parse(t, body)
	if res.StatusCode != 200 || p.h1() != "Confirm your phone number" || attr(p.byID("f-code"), "value") != "12345" || p.has("f-code-error") {
		t.Fatalf("code page in English: %d %q", res.StatusCode, p.h1())
	}
	res, body = br.post(flowURL+"/code", url.Values{"lang": {"ru"}, "code": {"12345"}})
	if p = parse(t, body); res.StatusCode != 200 || p.h1() != "Подтвердите номер телефона" {
		t.Fatalf("code page back in Russian: %d %q", res.StatusCode, p.h1())
	}
	for range 4 { // five attempts in all: the switches spent none
		br.post(flowURL+"/code", url.Values{"code": {"000000"}})
	}
	if res, _ := br.post(flowURL+"/code", url.Values{"code": {h.lastCode("+79165551234")}}); res.StatusCode != 303 {
		t.Fatalf("the right code after four wrong ones and two switches: %d", res.StatusCode)
	}
	res, body = br.post(flowURL+"/password", url.Values{"lang": {"en"}, "password": {goodPassword}, "password_confirmation": {goodPassword}})
	p = parse(t, body)
	if res.StatusCode != 200 || p.h1() != "Set a password" || attr(p.byID("f-password"), "value") != "" || p.has("f-password-error") {
		t.Errorf("password page in English: %d %q", res.StatusCode, p.h1())
	}
}

// TestCodePageContactAndChange (defect 8): the code page shows the number
// as typed, and «Изменить номер» returns to the form with everything kept.
func TestCodePageContactAndChange(t *testing.T) {
	h := newHarness(t, nil)
	br, flowURL := startRegistration(t, h, "8 916 555-12-34")
	_, body := br.get(flowURL)
	p := parse(t, body)
	if !strings.Contains(text(p.root), "+7 916 555-12-34") {
		t.Error("the number is not shown in full")
	}
	links := p.find(func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == flowURL+"/change" })
	if len(links) != 1 || text(links[0]) != "Изменить номер" {
		t.Fatalf("no «Изменить номер» link")
	}
	res, body := br.get(flowURL + "/change")
	p = parse(t, body)
	if res.StatusCode != 200 || p.h1() == "" {
		t.Fatalf("change: %d", res.StatusCode)
	}
	for id, want := range map[string]string{"f-surname": "Иванова", "f-name": "Анна", "f-phone": "+7 916 555-12-34"} {
		if got := attr(p.byID(id), "value"); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	if !hasAttr(p.byID("f-accept-terms"), "checked") {
		t.Error("the terms accepted are unticked")
	}
	// The API keeps the number masked.
	r := h.api("POST", "/api/v1/registrations", "", map[string]any{"surname": "Иванов", "name": "Иван", "phone": "+79160001122", "accept_terms": true})
	if r.str("destination") != "+7 916 ***-**-22" {
		t.Errorf("API destination %q", r.str("destination"))
	}
}

// TestResendSaysSoAndOldCodeIsReplaced (defect 9).
func TestResendSaysSoAndOldCodeIsReplaced(t *testing.T) {
	h := newHarness(t, nil)
	br, flowURL := startRegistration(t, h, "8 916 555-12-34")
	first := h.lastCode("+79165551234")
	_, body := br.get(flowURL)
	resend := parse(t, body).find(func(n *html.Node) bool {
		return n.Data == "button" && strings.Contains(text(n), "Отправить код ещё раз")
	})
	if len(resend) != 1 || attr(resend[0], "aria-disabled") != "true" {
		t.Fatal("the waiting resend button is not marked disabled")
	}
	h.clock.Add(time.Minute)
	res, _ := br.post(flowURL+"/resend", nil)
	if res.StatusCode != 303 {
		t.Fatalf("resend: %d", res.StatusCode)
	}
	_, body = br.get(res.Header.Get("Location"))
	p := parse(t, body)
	if got := p.textOf("notice"); !strings.HasPrefix(got, "Мы отправили новый код на номер +7 916 555-12-34. Он действует до ") {
		t.Errorf("notice: %q", got)
	}
	if first == h.lastCode("+79165551234") {
		t.Skip("the random codes coincided")
	}
	_, body = br.post(flowURL+"/code", url.Values{"code": {first}})
	if got := text(parse(t, body).byID("f-code-error")); !strings.Contains(got, "Этот код заменён новым: введите код из последнего сообщения") {
		t.Errorf("the replaced code: %q", got)
	}
	r := h.api("POST", "/api/v1/registrations", "", map[string]any{"surname": "Иванов", "name": "Иван", "phone": "+79160001122", "accept_terms": true})
	id, firstAPI := r.str("id"), h.lastCode("+79160001122")
	h.clock.Add(time.Minute)
	h.api("POST", "/api/v1/registrations/"+id+"/resend", "", nil)
	if firstAPI != h.lastCode("+79160001122") {
		h.t.Helper()
		r = h.call("POST", "/api/v1/registrations/"+id+"/confirm?lang=en", "", "", map[string]string{"code": firstAPI})
		if r.fieldCode("code") != "code.replaced" || !strings.Contains(r.Raw, "This code was replaced by a newer one") {
			t.Errorf("API: %s", r.Raw)
		}
	}
}

// TestSignInEmptyPassword (defect 10): «Введите пароль», not «Придумайте».
func TestSignInEmptyPassword(t *testing.T) {
	h := newHarness(t, nil)
	for lang, want := range map[string]string{"ru": "Введите пароль", "en": "Enter your password"} {
		_, body := h.browser().post("/signin?lang="+lang, url.Values{"login": {"+79161234567"}})
		if got := text(parse(t, body).byID("f-password-error")); !strings.HasSuffix(got, want) {
			t.Errorf("%s: %q", lang, got)
		}
	}
}

// TestHistoryAfterRegistration (defect 15): the registration's first
// session is a sign-in in the history.
func TestHistoryAfterRegistration(t *testing.T) {
	h := newHarness(t, nil)
	br, flowURL := startRegistration(t, h, "8 916 555-12-34")
	br.post(flowURL+"/code", url.Values{"code": {h.lastCode("+79165551234")}})
	if res, _ := br.post(flowURL+"/password", url.Values{"password": {goodPassword}, "password_confirmation": {goodPassword}}); res.StatusCode != 303 {
		t.Fatalf("password: %d", res.StatusCode)
	}
	_, body := br.get("/account/history")
	if got := text(parse(t, body).root); !strings.Contains(got, "Успешный вход") || strings.Contains(got, "Входов пока не было") {
		t.Errorf("history right after registration: %s", got)
	}
}

// TestSignedInFormsLeadToAccount (defect 16): /signin and /register for a
// signed-in browser lead to the account, with a note.
func TestSignedInFormsLeadToAccount(t *testing.T) {
	h := newHarness(t, nil)
	br := h.signedIn(h.register("+79161234567", goodPassword))
	for _, path := range []string{"/signin", "/register", "/register?channel=email"} {
		res, _ := br.get(path)
		if res.StatusCode != 303 || res.Header.Get("Location") != "/account?already=1" {
			t.Errorf("%s: %d %s", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
	_, body := br.get("/account?already=1")
	if got := parse(t, body).textOf("notice"); !strings.HasPrefix(got, "Вы уже вошли в личный кабинет.") {
		t.Errorf("notice %q", got)
	}
}

// TestRecoveryRefusesOldPassword (defect 16), on the page.
func TestRecoveryRefusesOldPassword(t *testing.T) {
	h := newHarness(t, nil)
	h.register("+79161234567", goodPassword)
	br := h.browser()
	res, _ := br.post("/recover", url.Values{"login": {"+7 916 123-45-67"}})
	flowURL := res.Header.Get("Location")
	br.post(flowURL+"/code", url.Values{"code": {h.lastCode("+79161234567")}})
	res, body := br.post(flowURL+"/password", url.Values{"password": {goodPassword}, "password_confirmation": {goodPassword}})
	if got := text(parse(t, body).byID("f-password-error")); res.StatusCode != 422 || !strings.Contains(got, "Новый пароль совпадает с прежним") {
		t.Errorf("old password: %d %q", res.StatusCode, got)
	}
}
