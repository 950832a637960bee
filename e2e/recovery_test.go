package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestRecoverPassword: a citizen signed in on one device forgets the
// password on another, recovers it by SMS code from the sign-in page, and
// lands in the account; the first device is signed out.
func TestRecoverPassword(t *testing.T) {
	t.Parallel()
	e := start(t)
	const phone = "+79035557788"
	old := e.browser("old-device")
	registerByPhone(t, e, old, "Смирнов", "Олег", "8 903 555-77-88", phone)

	b := e.browser("new-device")
	e.clock.Add(time.Minute) // a minute after the registration's code: the number's interval
	b.open("/signin")
	b.follow(`main a[href="/recover"]`)
	b.expect("heading", b.heading(), "Восстановление пароля")
	b.scan("recovery form")
	b.fill("f-login", "8 (903) 555-77-88")
	sent := time.Now()
	b.submit(`form[action="/recover"] button[type=submit]`)

	b.waitURL(`^/recover/[^/?]+$`)
	b.expect("heading", b.heading(), "Введите код")
	b.expectContains("code page", b.text("main"), "+7 903 555-77-88")
	b.scan("recovery code page")
	b.fill("f-code", e.smsCode(phone, sent))
	b.submit(codeButton)

	b.expect("heading", b.heading(), "Новый пароль")
	b.scan("recovery password page")
	const newPassword = "Osennij-Veter#2027"
	b.fill("f-password", newPassword)
	b.fill("f-password-confirmation", newPassword)
	b.submit(passwordButton)

	b.expect("URL", b.url(), "/account?recovered=1")
	b.expectContains("notice", b.text(".notice"), "Пароль изменён")
	b.expect("heading", b.heading(), "Олег Смирнов")
	b.scan("account after recovery")

	// The old device's session ended with the recovery.
	old.open("/account")
	if got := old.url(); !strings.HasPrefix(got, "/signin") {
		t.Errorf("the old device still sees %s after the password was recovered elsewhere", got)
	}
	old.expect("notice on the old device", old.text(".notice"), "Сеанс завершён, потому что пароль был изменён. Войдите с новым паролем.")
	old.scan("sign-in page after the password was changed elsewhere")
}

// registerByPhone registers a citizen in browser b, ending on the
// congratulations page, signed in.
func registerByPhone(t *testing.T, e *env, b *browser, surname, name, typed, phone string) {
	t.Helper()
	b.open("/register")
	b.fill("f-surname", surname)
	b.fill("f-name", name)
	b.fill("f-phone", typed)
	b.click("#f-accept-terms")
	sent := time.Now()
	b.submit(registerButton)
	b.waitURL(`^/register/[^/?]+$`)
	b.fill("f-code", e.smsCode(phone, sent))
	b.submit(codeButton)
	b.fill("f-password", goodPassword)
	b.fill("f-password-confirmation", goodPassword)
	b.submit(passwordButton)
	b.expect("URL after registering", b.url(), "/welcome")
}
