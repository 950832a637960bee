package e2e

import (
	"testing"
	"time"
)

// citizen is an account the sessions test registers and signs in with.
type citizen struct {
	surname, name string
	phone         string // E.164, where the SMS go
	login         string // as typed on the forms
	password      string
}

// register walks the phone registration in b without the checks of
// TestRegisterByPhone; b ends signed in, on the congratulations page.
func register(e *env, b *browser, c citizen) {
	b.t.Helper()
	b.open("/register")
	b.scan("registration form")
	b.fill("f-surname", c.surname)
	b.fill("f-name", c.name)
	b.fill("f-phone", c.login)
	b.click("#f-accept-terms")
	sent := time.Now()
	b.submit(registerButton)
	b.waitURL(`^/register/[^/?]+$`)
	b.scan("registration code page")
	b.fill("f-code", e.smsCode(c.phone, sent))
	b.submit(codeButton)
	b.scan("password page")
	b.fill("f-password", c.password)
	b.fill("f-password-confirmation", c.password)
	b.submit(passwordButton)
	b.expect("URL after registering", b.url(), "/welcome")
	b.scan("congratulations page")
}

// signIn signs in in b with the password and the SMS code; b ends on the
// account page.
func signIn(e *env, b *browser, c citizen) {
	b.t.Helper()
	// Codes to one number go out at least a minute apart: this sign-in
	// comes a minute after the last code.
	e.clock.Add(time.Minute)
	b.open("/signin")
	b.scan("sign-in form")
	b.fill("f-login", c.login)
	b.fill("f-password", c.password)
	sent := time.Now()
	b.submit(signinButton)
	b.waitURL(`^/signin/[^/?]+$`)
	b.scan("sign-in code page")
	b.fill("f-code", e.smsCode(c.phone, sent))
	b.submit(codeButton)
	b.expect("URL after signing in", b.url(), "/account")
	b.expect("heading after signing in", b.heading(), c.name+" "+c.surname)
	b.scan("account page")
}

// TestSessions signs in to one account from two browsers: the first ends
// the second's session on the sessions page, and the second is signed out at
// its next page load. Then, with two other sessions, "end all other
// sessions" signs out both.
func TestSessions(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := citizen{surname: "Кузнецова", name: "Ольга", phone: "+79031112233", login: "+7 903 111-22-33", password: goodPassword}

	first := e.browser("first") // its own Chromium and user-data-dir
	register(e, first, c)
	second := e.browser("second")
	signIn(e, second, c)

	first.open("/account/sessions")
	first.expect("heading", first.heading(), "Активные сеансы")
	if n := first.count("tr[data-session]"); n != 2 {
		t.Fatalf("sessions listed: %d, want 2", n)
	}
	if n := first.count("tr[data-session] .tag"); n != 1 {
		t.Errorf("rows marked as the current session: %d, want 1", n)
	}
	first.expect("end-others button", first.text(`form[action="/account/sessions/end-others"] button`), "Завершить все другие сеансы")
	first.scan("sessions page with two sessions")
	first.shot("sessions")

	// End the other session: the row without the "this session" tag.
	first.submit(`tr[data-session]:not(:has(.tag)) button[type=submit]`)
	first.expect("URL", first.url(), "/account/sessions?done=one")
	first.expect("notice", first.text(".notice"), "Сеанс завершён.")
	if n := first.count("tr[data-session]"); n != 1 {
		t.Errorf("sessions listed after ending one: %d, want 1", n)
	}
	if n := first.count(`form[action="/account/sessions/end-others"]`); n != 0 {
		t.Errorf("the end-others button still shows with one session")
	}
	first.scan("sessions page after ending one")

	// The second browser is signed out at its next page load, and told why.
	second.open("/account")
	second.waitURL(`^/signin\?next=%2Faccount&reason=elsewhere$`)
	second.expect("heading", second.heading(), "Вход")
	second.expect("notice", second.text(".notice"), "Сеанс завершён с другого устройства. Если это были не вы, войдите и смените пароль.")
	second.expect("header sign-in link", second.text(`.header__nav a[href="/signin"]`), "Войти")
	second.scan("sign-in form after the session was ended")

	// Two other sessions: the second browser again, and a third in a new
	// browser context of the second's Chromium.
	signIn(e, second, c)
	third := second.incognito("third")
	signIn(e, third, c)

	first.open("/account/sessions")
	if n := first.count("tr[data-session]"); n != 3 {
		t.Fatalf("sessions listed: %d, want 3", n)
	}
	first.scan("sessions page with three sessions")
	first.submit(`form[action="/account/sessions/end-others"] button[type=submit]`)
	first.expect("URL", first.url(), "/account/sessions?done=others")
	first.expect("notice", first.text(".notice"), "Все другие сеансы завершены.")
	if n := first.count("tr[data-session]"); n != 1 {
		t.Errorf("sessions listed after ending the others: %d, want 1", n)
	}
	first.scan("sessions page after ending the others")

	for _, b := range []*browser{second, third} {
		b.open("/account/sessions")
		b.waitURL(`^/signin\?next=%2Faccount%2Fsessions&reason=elsewhere$`)
		b.expect("heading", b.heading(), "Вход")
		b.scan("sign-in form after the other sessions were ended")
	}

	// The first browser is still signed in.
	first.open("/account")
	first.expect("heading", first.heading(), "Ольга Кузнецова")
	first.scan("account page")
}
