package app_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/config"
)

const goodPassword = "Vesna-2026!kab"

func TestRegistrationByPhoneAPI(t *testing.T) {
	h := newHarness(t, nil)
	r := h.api("POST", "/api/v1/registrations", "", map[string]any{"surname": "Иванов", "name": "Иван", "phone": "8 (916) 123-45-67", "accept_terms": true})
	if r.Status != 201 || r.str("channel") != "sms" || r.str("id") == "" {
		t.Fatalf("start: %d %s", r.Status, r.Raw)
	}
	exp, _ := time.Parse(time.RFC3339, r.str("expires_at"))
	if got := exp.Sub(h.clock.Now()).Round(time.Second); got != 300*time.Second {
		t.Errorf("code lifetime %v, want 300s", got)
	}
	tpl, text := h.lastMessage("+79161234567")
	if tpl != "registration_code" || !strings.Contains(text, "код подтверждения") {
		t.Fatalf("SMS: %s %q", tpl, text)
	}
	id := r.str("id")
	r = h.api("POST", "/api/v1/registrations/"+id+"/confirm", "", map[string]string{"code": h.lastCode("+79161234567")})
	if r.Status != 200 || r.str("state") != "set_password" {
		t.Fatalf("confirm: %d %s", r.Status, r.Raw)
	}
	r = h.api("POST", "/api/v1/registrations/"+id+"/password", "", map[string]string{"password": goodPassword, "password_confirmation": goodPassword})
	if r.Status != 201 {
		t.Fatalf("password: %d %s", r.Status, r.Raw)
	}
	acc, _ := r.Body["account"].(map[string]any)
	if acc["level"] != "simplified" || acc["phone"] != "+79161234567" || acc["surname"] != "Иванов" {
		t.Errorf("account: %v", acc)
	}
	me := h.api("GET", "/api/v1/me", r.str("session_token"), nil)
	if me.Status != 200 || me.str("name") != "Иван" {
		t.Errorf("me: %d %s", me.Status, me.Raw)
	}
	// The flow is finished: it cannot be used again.
	if again := h.api("POST", "/api/v1/registrations/"+id+"/password", "", map[string]string{"password": goodPassword, "password_confirmation": goodPassword}); again.Status != 409 {
		t.Errorf("reused flow: %d %s", again.Status, again.Raw)
	}
}

func TestRegistrationValidation(t *testing.T) {
	h := newHarness(t, nil)
	for _, c := range []struct {
		name   string
		body   map[string]any
		fields map[string]string
	}{
		{"everything wrong", map[string]any{"surname": "Иванов2", "name": "", "phone": "12345"},
			map[string]string{"surname": "name.digits", "name": "name.required", "phone": "phone.invalid", "accept_terms": "terms.required"}},
		{"landline", map[string]any{"surname": "Иванов", "name": "Иван", "phone": "+7 495 123-45-67", "accept_terms": true},
			map[string]string{"phone": "phone.not_mobile"}},
		{"mixed scripts", map[string]any{"surname": "Ивaнов", "name": "Иван", "phone": "+79161234567", "accept_terms": true},
			map[string]string{"surname": "name.mixed_script"}},
		{"bad e-mail", map[string]any{"surname": "Иванов", "name": "Иван", "email": "ivan@", "accept_terms": true},
			map[string]string{"email": "email.invalid"}},
		{"both channels", map[string]any{"surname": "Иванов", "name": "Иван", "email": "i@example.com", "phone": "+79161234567", "accept_terms": true},
			map[string]string{"email": "registration.one_channel"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := h.api("POST", "/api/v1/registrations", "", c.body)
			if r.Status != 422 || r.str("code") != "form.invalid" {
				t.Fatalf("%d %s", r.Status, r.Raw)
			}
			for f, code := range c.fields {
				if got := r.fieldCode(f); got != code {
					t.Errorf("%s: %q, want %q (%s)", f, got, code, r.Raw)
				}
			}
			fields, _ := r.Body["fields"].(map[string]any)
			if len(fields) != len(c.fields) {
				t.Errorf("fields %v, want exactly %v", fields, c.fields)
			}
		})
	}
	if r := h.api("POST", "/api/v1/registrations", "", map[string]any{"surname": "Иванов", "extra": 1}); r.Status != 400 || r.str("code") != "request.unknown_field" {
		t.Errorf("unknown field: %d %s", r.Status, r.Raw)
	}
}

func TestCodeExpiryResendAndAttempts(t *testing.T) {
	h := newHarness(t, nil)
	phone := "+79031112233"
	start := func() string {
		r := h.api("POST", "/api/v1/registrations", "", map[string]any{"surname": "Петров", "name": "Пётр", "phone": phone, "accept_terms": true})
		if r.Status != 201 {
			t.Fatalf("start: %d %s", r.Status, r.Raw)
		}
		return r.str("id")
	}
	id := start()
	first := h.lastCode(phone)

	// A new code only after the cooldown: 429 with Retry-After.
	h.clock.Add(10 * time.Second)
	r := h.api("POST", "/api/v1/registrations/"+id+"/resend", "", nil)
	if r.Status != 429 || r.str("code") != "code.resend_wait" || r.Header.Get("Retry-After") != "50" {
		t.Fatalf("early resend: %d %s Retry-After=%q", r.Status, r.Raw, r.Header.Get("Retry-After"))
	}
	// After 300 s the code has expired.
	h.clock.Add(291 * time.Second)
	r = h.api("POST", "/api/v1/registrations/"+id+"/confirm", "", map[string]string{"code": first})
	if r.Status != 410 || r.str("code") != "code.expired" {
		t.Fatalf("expired code: %d %s", r.Status, r.Raw)
	}
	r = h.api("POST", "/api/v1/registrations/"+id+"/resend", "", nil)
	if r.Status != 200 {
		t.Fatalf("resend: %d %s", r.Status, r.Raw)
	}
	second := h.lastCode(phone)
	if second == first {
		t.Fatal("same code twice") // one in a million; rerun
	}
	// Five wrong entries use the code up, even the right one after that.
	wrong := "000000"
	if wrong == second {
		wrong = "111111"
	}
	for i := 1; i <= 5; i++ {
		r = h.api("POST", "/api/v1/registrations/"+id+"/confirm", "", map[string]string{"code": wrong})
		if i < 5 {
			if r.Status != 422 || r.fieldCode("code") != "code.wrong" {
				t.Fatalf("wrong code %d: %d %s", i, r.Status, r.Raw)
			}
			fields := r.Body["fields"].(map[string]any)
			if want := "Осталось " + strconv.Itoa(5-i); i < 4 && !strings.Contains(fields["code"].(string), want) {
				t.Errorf("attempt %d: %q lacks %q", i, fields["code"], want)
			}
		} else if r.Status != 429 || r.str("code") != "code.attempts" {
			t.Fatalf("fifth wrong code: %d %s", r.Status, r.Raw)
		}
	}
	if r = h.api("POST", "/api/v1/registrations/"+id+"/confirm", "", map[string]string{"code": second}); r.Status != 429 {
		t.Fatalf("right code after the cap: %d %s", r.Status, r.Raw)
	}
	// A used-up code may be replaced as soon as a minute has passed since
	// the last code to this number, and the old one stays dead.
	h.clock.Add(time.Minute)
	if r = h.api("POST", "/api/v1/registrations/"+id+"/resend", "", nil); r.Status != 200 {
		t.Fatalf("resend after cap: %d %s", r.Status, r.Raw)
	}
	third := h.lastCode(phone)
	if second != third {
		if r = h.api("POST", "/api/v1/registrations/"+id+"/confirm", "", map[string]string{"code": second}); r.Status != 422 {
			t.Errorf("old code accepted: %d", r.Status)
		}
	}
	if r = h.api("POST", "/api/v1/registrations/"+id+"/confirm", "", map[string]string{"code": third}); r.Status != 200 {
		t.Fatalf("new code: %d %s", r.Status, r.Raw)
	}
}

// TestNoEnumeration checks that a taken phone and e-mail, and an unknown
// login in recovery, get the same answers as the normal case, and that the
// real owner is told instead.
func TestNoEnumeration(t *testing.T) {
	h := newHarness(t, nil)
	h.register("+79161234567", goodPassword)

	shape := func(r map[string]any) string {
		var keys []string
		for k := range r {
			keys = append(keys, k)
		}
		return strings.Join(sortStrings(keys), ",")
	}
	fresh := h.api("POST", "/api/v1/registrations", "", map[string]any{"surname": "Сидоров", "name": "Сидор", "phone": "+79167654321", "accept_terms": true})
	taken := h.api("POST", "/api/v1/registrations", "", map[string]any{"surname": "Сидоров", "name": "Сидор", "phone": "8 916 123-45-67", "accept_terms": true})
	if fresh.Status != taken.Status || shape(fresh.Body) != shape(taken.Body) || fresh.str("destination") == "" {
		t.Fatalf("taken phone answers differently:\n%s\n%s", fresh.Raw, taken.Raw)
	}
	if tpl, text := h.lastMessage("+79161234567"); tpl != "registration_taken" || codeRE.MatchString(text) {
		t.Errorf("owner was not told, or was sent a code: %s %q", tpl, text)
	}
	// No code ever works on the decoy.
	r := h.api("POST", "/api/v1/registrations/"+taken.str("id")+"/confirm", "", map[string]string{"code": "123456"})
	if r.Status != 422 || r.fieldCode("code") != "code.wrong" {
		t.Errorf("decoy confirm: %d %s", r.Status, r.Raw)
	}

	h.clock.Add(time.Minute) // the number's interval between codes
	known := h.api("POST", "/api/v1/password-recovery", "", map[string]string{"login": "+79161234567"})
	unknown := h.api("POST", "/api/v1/password-recovery", "", map[string]string{"login": "+79160000000"})
	if known.Status != 202 || known.Status != unknown.Status || shape(known.Body) != shape(unknown.Body) {
		t.Fatalf("recovery answers differ:\n%s\n%s", known.Raw, unknown.Raw)
	}
	if n := h.messagesTo("+79160000000"); n != 0 {
		t.Errorf("a message went to an unknown number")
	}

	// Sign-in: an unknown login and a wrong password look the same.
	a := h.api("POST", "/api/v1/sessions", "", map[string]string{"login": "+79161234567", "password": "wrong-Passw0rd"})
	b := h.api("POST", "/api/v1/sessions", "", map[string]string{"login": "+79160000000", "password": "wrong-Passw0rd"})
	if a.Status != 401 || a.Status != b.Status || a.str("code") != b.str("code") || a.str("message") != b.str("message") {
		t.Errorf("sign-in answers differ:\n%s\n%s", a.Raw, b.Raw)
	}

	// The browser form for a taken phone redirects exactly like a new one.
	h.clock.Add(time.Minute)
	br := h.browser()
	form := url.Values{"surname": {"Сидоров"}, "name": {"Сидор"}, "phone": {"+7 916 123 45 67"}, "accept_terms": {"yes"}}
	res, _ := br.post("/register", form)
	if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/register/") {
		t.Errorf("taken phone in the browser: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

func sortStrings(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

func TestPasswordRules(t *testing.T) {
	h := newHarness(t, nil)
	r := h.api("POST", "/api/v1/registrations", "", map[string]any{"surname": "Смирнова", "name": "Ольга", "phone": "+79260001122", "accept_terms": true})
	id := r.str("id")
	h.api("POST", "/api/v1/registrations/"+id+"/confirm", "", map[string]string{"code": h.lastCode("+79260001122")})
	for _, c := range []struct{ pw, confirm, field, code string }{
		{"пароль123", "пароль123", "password", "password.cyrillic"},
		{"my pass word", "my pass word", "password", "password.space"},
		{"Ab1!", "Ab1!", "password", "password.too_short"},
		{"gfhjkm123", "gfhjkm123", "password", "password.common"},
		{"qwerty123", "qwerty123", "password", "password.common"},
		{goodPassword, goodPassword + "x", "password_confirmation", "password.mismatch"},
	} {
		r := h.api("POST", "/api/v1/registrations/"+id+"/password", "", map[string]string{"password": c.pw, "password_confirmation": c.confirm})
		if r.Status != 422 || r.fieldCode(c.field) != c.code {
			t.Errorf("%q: %d %s, want %s on %s", c.pw, r.Status, r.Raw, c.code, c.field)
		}
	}
	// The strength meter gives the same verdict as the form.
	s := h.api("POST", "/api/v1/password-strength", "", map[string]any{"password": "gfhjkm123"})
	if s.Status != 200 || s.Body["accepted"] != false || s.Body["common"] != true {
		t.Errorf("meter on a common password: %s", s.Raw)
	}
	s = h.api("POST", "/api/v1/password-strength", "", map[string]any{"password": goodPassword})
	if s.Body["accepted"] != true {
		t.Errorf("meter on a good password: %s", s.Raw)
	}
	if r := h.api("POST", "/api/v1/registrations/"+id+"/password", "", map[string]string{"password": goodPassword, "password_confirmation": goodPassword}); r.Status != 201 {
		t.Errorf("good password refused: %d %s", r.Status, r.Raw)
	}
}

func TestRegistrationByEmailLink(t *testing.T) {
	h := newHarness(t, nil)
	r := h.api("POST", "/api/v1/registrations", "", map[string]any{"surname": "Кузнецова", "name": "Мария", "email": "Maria.K@Example.COM", "accept_terms": true})
	if r.Status != 201 || r.str("channel") != "email" {
		t.Fatalf("start: %d %s", r.Status, r.Raw)
	}
	tpl, text := h.lastMessage("maria.k@example.com")
	if tpl != "registration_code" {
		t.Fatalf("mail: %s", tpl)
	}
	link := regexpFind(t, `https?://\S+/register/\S+/link\?token=\S+`, text)
	u, _ := url.Parse(link)
	// A mail scanner fetching the link with GET must not use it up.
	br := h.browser()
	if res, body := br.get(u.RequestURI()); res.StatusCode != 200 || !strings.Contains(body, `name="token"`) {
		t.Fatalf("link page: %d", res.StatusCode)
	}
	res, _ := br.post(u.Path, url.Values{"token": {u.Query().Get("token")}})
	if res.StatusCode != 303 || res.Header.Get("Location") != strings.TrimSuffix(u.Path, "/link") {
		t.Fatalf("link confirm: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, body := br.get(res.Header.Get("Location"))
	if p := parse(t, body); !p.has("f-password") {
		t.Fatalf("no password form after the link: %s", p.h1())
	}
	res, _ = br.post(res.Header.Get("Location")+"/password", url.Values{"password": {goodPassword}, "password_confirmation": {goodPassword}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/welcome" {
		t.Fatalf("password: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = br.get("/welcome")
	if got := parse(t, body).textOf("panel__title"); got != "Поздравляем, вы только что зарегистрировались!" {
		t.Errorf("welcome page: %q", got)
	}
}

func regexpFind(t *testing.T, re, s string) string {
	t.Helper()
	m := regexpMust(re).FindString(s)
	if m == "" {
		t.Fatalf("no %s in %q", re, s)
	}
	return m
}

// TestPerAddressCodeCap: one network address cannot ask for codes to many
// numbers; the answer says when to try again.
func TestPerAddressCodeCap(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.Codes.PerIPDay = 2 })
	for i, phone := range []string{"+79031000001", "+79031000002", "+79031000003"} {
		r := h.api("POST", "/api/v1/registrations", "", map[string]any{"surname": "Петров", "name": "Пётр", "phone": phone, "accept_terms": true})
		if i < 2 && r.Status != 201 {
			t.Fatalf("registration %d: %d %s", i+1, r.Status, r.Raw)
		}
		if i == 2 {
			if r.Status != 429 || r.str("code") != "code.ip_limit" || r.Header.Get("Retry-After") == "" {
				t.Fatalf("third number from one address: %d %s", r.Status, r.Raw)
			}
			if n := h.messagesTo(phone); n != 0 {
				t.Errorf("a code went out over the cap")
			}
		}
	}
}
