package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestFlowSteps walks the registration steps as issue 10 found them
// (defects 2, 8, 9): the language switch after an error keeps the flow and
// what was typed, a reload of an error page is no 404, the code page shows
// the number typed, a resend says so and the replaced code is named as
// such, «Изменить номер» returns to the filled form, and Enter in a field
// still submits the form, not the language switch. Scanned at 1280 and
// 375 px.
func TestFlowSteps(t *testing.T) {
	t.Parallel()
	e := start(t)
	b := e.browser("vera")
	const phone = "+79167770011"

	b.open("/register")
	b.fill("f-surname", "Кузнецова")
	b.fill("f-name", "Вера")
	b.fill("f-phone", "8 916 777-00-11")
	b.submit(registerButton) // the terms are not accepted: an error
	b.expectContains("terms message", b.text(".error-summary"), "условия")

	// The language switch submits the form: the page comes back in
	// English with what was typed and without the errors.
	b.submit(`.header__nav button[value="en"]`)
	b.expect("heading", b.heading(), "Register")
	b.expect("surname kept", b.value("f-surname"), "Кузнецова")
	b.expect("phone kept", b.value("f-phone"), "8 916 777-00-11")
	if b.count(".error-summary") != 0 {
		t.Error("the language switch showed the errors again")
	}
	b.scan("registration form switched to English")
	b.submit(`.header__nav button[value="ru"]`)
	b.expect("heading", b.heading(), "Регистрация")
	b.expect("name kept", b.value("f-name"), "Вера")

	// Enter in a field submits the form itself.
	b.click("#f-accept-terms")
	sent := time.Now()
	b.do("press Enter in the name field", chromedp.Focus(chromedp.ID("f-name")), chromedp.KeyEvent("\r"))
	b.waitURL(`^/register/[^/?]+$`)
	flowURL := b.url()
	b.expect("heading", b.heading(), "Подтвердите номер телефона")
	b.expectContains("code page", b.text("main"), "Мы отправили SMS с кодом на номер +7 916 777-00-11.")
	b.expect("resend button waits", get(b, "aria-disabled", attr(".resend button", "aria-disabled")), "true")
	first := e.smsCode(phone, sent)

	// A wrong code, then the language switch and a reload of that page.
	b.fill("f-code", wrongCode(first))
	b.submit(codeButton)
	b.expectContains("wrong code", b.text("#f-code-error"), "Неверный код")
	b.submit(`.header__nav button[value="en"]`)
	b.expect("heading in English", b.heading(), "Confirm your phone number")
	b.scan("code page switched to English after an error")
	if status := b.submit(`.header__nav button[value="ru"]`); status != 200 {
		t.Errorf("switch back: %d", status)
	}
	b.open(b.url()) // a reload by address: a GET of the code's POST address
	b.expect("URL after the reload", b.url(), flowURL)
	b.expect("heading after the reload", b.heading(), "Подтвердите номер телефона")

	// A new code a minute on: the page says so; the first is "replaced".
	e.clock.Add(time.Minute)
	b.open(flowURL)
	sent = time.Now()
	b.submit(`.resend button`)
	b.expectContains("resend notice", b.text(".notice"), "Мы отправили новый код на номер +7 916 777-00-11. Он действует до ")
	b.scan("code page after a resend")
	if second := e.smsCode(phone, sent); second != first {
		b.fill("f-code", first)
		b.submit(codeButton)
		b.expect("replaced code", b.text("#f-code-error"), "Ошибка: Этот код заменён новым: введите код из последнего сообщения")
	}

	// «Изменить номер»: the form again, everything kept.
	b.follow(`main a[href$="/change"]`)
	b.expect("heading", b.heading(), "Регистрация")
	b.expect("surname kept", b.value("f-surname"), "Кузнецова")
	b.expect("phone kept", b.value("f-phone"), "+7 916 777-00-11")
	if !get(b, "terms ticked", checked("f-accept-terms")) {
		t.Error("the terms are unticked")
	}

	b.do("narrow the window", chromedp.EmulateViewport(375, 740))
	b.scan("registration form at 375 px")
	b.open(flowURL)
	b.scan("code page at 375 px")
}

// TestLockoutWarningAndRecovery checks defects 3 and 4 on the pages: from
// the third wrong password the form says how many tries are left and what
// follows; the lock names recovery, and a completed recovery ends it for a
// browser the account has never used.
func TestLockoutWarningAndRecovery(t *testing.T) {
	t.Parallel()
	e := start(t)
	const phone = "+79035551122"
	registerByPhone(t, e, e.browser("owner"), "Орлов", "Пётр", "8 903 555-11-22", phone)

	b := e.browser("stranger")
	b.open("/signin")
	for i := 1; i <= 5; i++ {
		b.fill("f-login", "8 903 555-11-22")
		b.fill("f-password", "Wrong-Password-1")
		b.submit(signinButton)
		msg := b.text("#f-password-error, .error-summary")
		switch i {
		case 1, 2:
			b.expectContains("message", msg, "Неверный логин или пароль")
			if strings.Contains(msg, "Осталось") {
				t.Errorf("attempt %d warns already: %q", i, msg)
			}
		case 3:
			b.expectContains("warning", msg, "Осталось 2 попытки, затем вход с новых устройств будет приостановлен")
			b.scan("sign-in form with the lockout warning")
		case 4:
			b.expectContains("warning", msg, "Осталась 1 попытка")
		}
	}
	b.fill("f-login", "8 903 555-11-22")
	b.fill("f-password", "Wrong-Password-1")
	b.submit(signinButton)
	b.expectContains("locked", b.text(".error-summary"), "восстановите пароль")

	// Recovery from this very browser ends the lock.
	e.clock.Add(time.Minute)
	b.open("/recover")
	b.fill("f-login", "8 903 555-11-22")
	sent := time.Now()
	b.submit(`form[action="/recover"] button[type=submit]`)
	b.waitURL(`^/recover/[^/?]+$`)
	b.fill("f-code", e.smsCode(phone, sent))
	b.submit(codeButton)
	// The old password is refused as the new one (defect 16).
	b.fill("f-password", goodPassword)
	b.fill("f-password-confirmation", goodPassword)
	b.submit(passwordButton)
	b.expect("old password", b.text("#f-password-error"), "Ошибка: Новый пароль совпадает с прежним. Придумайте другой пароль")
	b.scan("recovery password page with the old password refused")
	const newPassword = "Zimnij-Les#2028"
	b.fill("f-password", newPassword)
	b.fill("f-password-confirmation", newPassword)
	b.submit(passwordButton)
	b.expect("URL", b.url(), "/account?recovered=1")

	// A browser the account has never used signs in at once.
	e.clock.Add(time.Minute)
	c := e.browser("new-laptop")
	c.open("/signin")
	c.fill("f-login", "8 903 555-11-22")
	c.fill("f-password", newPassword)
	c.submit(signinButton)
	c.waitURL(`^/signin/[^/?]+$`)
	c.expect("heading", c.heading(), "Код для входа")
}

// wrongCode returns a well-formed code other than code.
func wrongCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}
