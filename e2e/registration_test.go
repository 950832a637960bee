package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// goodPassword passes the rule, the common-password list and the strength
// check.
const goodPassword = "Zvezda#Kapital-2026"

// Selectors of the buttons that submit each form.
const (
	registerButton = `form[action="/register"] button.button[type=submit]`
	codeButton     = `form[action$="/code"] button[type=submit]`
	passwordButton = `form[action$="/password"] button[type=submit]`
	signinButton   = `form[action="/signin"] button[type=submit]`
	signoutButton  = `form[action="/signout"] button[type=submit]`
)

// TestRegisterByPhone is the main journey: register with a phone number,
// confirm it with the SMS code, pick a password (after a common one and one
// typed in the Russian layout are refused), sign out, sign in again with the
// second step, and look at the account and its sessions.
func TestRegisterByPhone(t *testing.T) {
	t.Parallel()
	e := start(t)
	b := e.browser("anna")
	const phone = "+79165551234"

	// The registration form.
	b.open("/register")
	b.expect("heading", b.heading(), "Регистрация")
	b.scan("registration form")
	b.fill("f-surname", "Иванова")
	b.fill("f-name", "Анна-Мария")
	b.fill("f-phone", "8 916 555-12-34")
	b.click("#f-accept-terms")
	b.shot("register")
	sent := time.Now()
	b.submit(registerButton)

	// The code page says where the SMS went: the number as this browser
	// typed it, seconds ago.
	b.waitURL(`^/register/[^/?]+$`)
	b.expect("heading", b.heading(), "Подтвердите номер телефона")
	b.expectContains("code page", b.text("main"), "Мы отправили SMS с кодом на номер +7 916 555-12-34.")
	b.expect("code field label", b.text(`label[for="f-code"]`), "Код подтверждения")
	b.scan("registration code page")
	b.shot("code")

	code := e.smsCode(phone, sent)
	b.fill("f-code", code)
	b.submit(codeButton)

	// The password page.
	b.expect("heading", b.heading(), "Задайте пароль")
	b.expectContains("password rule", b.text("#password-rules"), "не менее чем из 8 символов")
	b.scan("password page")

	// A common password is refused, with the message next to the field and
	// in the error summary.
	b.fill("f-password", "password1")
	b.fill("f-password-confirmation", "password1")
	b.submit(passwordButton)
	const common = "Этот пароль слишком распространён, его легко подобрать. Придумайте другой"
	b.expect("heading after a common password", b.heading(), "Задайте пароль")
	b.expect("error summary title", b.text(".error-summary h2"), "Исправьте ошибки")
	b.expect("error summary link", b.text(`.error-summary a[href="#f-password"]`), common)
	b.expect("message next to the password", b.text("#f-password-error"), "Ошибка: "+common)
	b.scan("password page with a field error")

	// Typed in the Russian layout: the strength meter says so as the user
	// types, and the server refuses it with the same advice.
	const layout = "Пароль может содержать только латинские буквы, цифры и знаки пунктуации — похоже, включена русская раскладка"
	b.fill("f-password", "ЯщкщкщЫуе2026")
	b.waitFor("the strength meter", `!document.getElementById('password-strength').hidden`)
	b.waitFor("the layout message in the meter", `document.querySelector('.strength__label').textContent.includes('русская раскладка')`)
	b.expect("strength meter", b.text(".strength__label"), layout)
	b.fill("f-password-confirmation", "ЯщкщкщЫуе2026")
	b.submit(passwordButton)
	b.expect("message next to the password", b.text("#f-password-error"), "Ошибка: "+layout)
	b.scan("password page with the keyboard-layout error")

	// A good password, with the meter showing its strength.
	b.fill("f-password", goodPassword)
	b.waitFor("the meter to rate the good password",
		`['Хороший пароль', 'Надёжный пароль'].includes(document.querySelector('.strength__label').textContent)`)
	b.shot("password-strength")
	b.scan("password page with the strength meter")
	b.fill("f-password-confirmation", goodPassword)
	b.submit(passwordButton)

	// Congratulations, with the next step first and the two ways on.
	b.expect("URL", b.url(), "/welcome")
	b.expect("heading", b.heading(), "Поздравляем, вы только что зарегистрировались!")
	b.expect("buttons", strings.Join(b.texts("main a.button"), " | "),
		"Заполните личные данные | Перейти к получению государственных услуг | Перейти в личный кабинет")
	b.expect("personal data button", get(b, "href", attr(`main a.button:not(.button--secondary)`, "href")), "/account/personal-data")
	b.expect("services and account buttons", strings.Join(get(b, "hrefs", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('main a.button--secondary'), a => a.getAttribute('href'))`)), " "),
		"/services /account")
	b.scan("congratulations page")
	b.shot("welcome")

	// Sign out, then in again with the phone in another format, a minute on
	// (codes to one number go out at least a minute apart).
	e.clock.Add(time.Minute)
	b.submit(signoutButton)
	b.expect("URL after signing out", b.url(), "/?signed_out=1")
	b.expect("header links", strings.Join(b.texts(".header__nav a, .header__nav button"), " | "), "English | Войти | Зарегистрироваться")
	b.scan("home page after signing out")
	b.follow(`.header__nav a[href="/signin"]`)
	b.expect("heading", b.heading(), "Вход")
	b.scan("sign-in form")
	b.fill("f-login", "+7 916 555-12-34")
	b.fill("f-password", goodPassword)
	sent = time.Now()
	b.submit(signinButton)

	// The second step.
	b.waitURL(`^/signin/[^/?]+$`)
	b.expect("heading", b.heading(), "Код для входа")
	b.expectContains("code page", b.text("main"), "Мы отправили SMS с кодом на номер +7 916 ***-**-34.")
	b.scan("sign-in code page")
	code = e.smsCode(phone, sent)
	b.fill("f-code", code)
	b.submit(codeButton)

	// The account.
	b.expect("URL", b.url(), "/account")
	b.expect("heading", b.heading(), "Анна-Мария Иванова")
	b.expect("level", b.text(".summary .badge"), "Упрощённая учётная запись")
	b.expectContains("phone", b.text(".summary"), "+7 916 555-12-34")
	b.scan("account page")
	b.shot("account")

	// Its sessions: this one, marked as current.
	b.follow(`main a[href="/account/sessions"]`)
	b.expect("heading", b.heading(), "Активные сеансы")
	if n := b.count("tr[data-session]"); n != 1 {
		t.Errorf("sessions listed: %d, want 1 (the registration session ends at sign-out)", n)
	}
	b.expect("current session marker", b.text("tr[data-session] .tag"), "ЭТОТ СЕАНС") // .tag is upper-cased by CSS
	b.scan("sessions page")
}

// TestRegisterByEmail registers without a phone: the e-mail arrives in
// mailpit, its link (on the app's base URL) is opened and confirmed with the
// button, and a password finishes the registration.
func TestRegisterByEmail(t *testing.T) {
	t.Parallel()
	e := start(t)
	b := e.browser("boris")
	const email = "boris.petrov@example.ru"

	b.open("/register")
	b.scan("registration form")
	// «У меня нет мобильного телефона» switches the form in place.
	b.fill("f-surname", "Петров")
	b.click(`button[data-switch-channel="email"]`)
	b.waitFor("the e-mail field", `document.getElementById('f-email').offsetParent !== null`)
	b.expect("URL", b.url(), "/register")
	b.expect("surname kept", b.value("f-surname"), "Петров")
	b.expect("email label", b.text(`label[for="f-email"]`), "Электронная почта")
	b.waitFor("focus on the e-mail field", `document.activeElement && document.activeElement.id === 'f-email'`)
	if n := b.count("#f-phone:not([hidden] *)"); n != 0 {
		t.Errorf("the e-mail form still shows a phone field")
	}
	b.expectContains("lead", b.text("main p[data-channel-show=email]"), "адрес электронной почты")
	b.scan("registration form, e-mail")
	b.fill("f-name", "Борис")
	b.fill("f-email", email)
	b.click("#f-accept-terms")
	b.submit(registerButton)

	b.waitURL(`^/register/[^/?]+$`)
	b.expect("heading", b.heading(), "Подтвердите адрес электронной почты")
	b.expectContains("code page", b.text("main"), "Мы отправили письмо со ссылкой и кодом на адрес boris.petrov@example.ru.")
	b.scan("registration code page, e-mail")
	b.shot("code-email")

	m := e.latestMail(email)
	if m.Subject != "Подтвердите адрес электронной почты" {
		t.Errorf("mail subject %q", m.Subject)
	}
	if !strings.HasPrefix(m.Text, "Здравствуйте, Борис!") {
		t.Errorf("mail text does not greet Boris: %q", m.Text)
	}
	link := regexp.MustCompile(`https?://\S+/register/\S+/link\?token=\S+`).FindString(m.Text)
	if !strings.HasPrefix(link, e.baseURL+"/register/") {
		t.Fatalf("the mail's link %q does not point at %s; mail text:\n%s", link, e.baseURL, m.Text)
	}

	// The link opens a page with one button, so that mail scanners that
	// fetch links cannot use it up.
	b.open(link)
	b.expect("heading", b.heading(), "Подтвердите адрес электронной почты")
	b.expect("button", b.text(`main form button[type=submit]`), "Подтвердить")
	b.scan("e-mail link page")
	b.submit(`main form button[type=submit]`)

	b.expect("heading", b.heading(), "Задайте пароль")
	b.scan("password page, e-mail")
	b.fill("f-password", goodPassword)
	b.fill("f-password-confirmation", goodPassword)
	b.submit(passwordButton)

	b.expect("URL", b.url(), "/welcome")
	b.expect("heading", b.heading(), "Поздравляем, вы только что зарегистрировались!")
	b.scan("congratulations page, e-mail")
	b.follow(`main a[href="/account"]`)
	b.expect("heading", b.heading(), "Борис Петров")
	b.expectContains("e-mail", b.text(".summary"), email)
	b.scan("account page, e-mail")
}

// TestRegisterFormErrorsKeepInput submits the registration form with a bad
// phone number and without accepting the terms: both messages show in the
// summary and next to their fields, focus moves to the summary, and nothing
// typed is lost.
func TestRegisterFormErrorsKeepInput(t *testing.T) {
	t.Parallel()
	e := start(t)
	b := e.browser("petr")

	b.open("/register")
	b.scan("registration form")
	b.fill("f-surname", "Соколов")
	b.fill("f-name", "Пётр")
	b.fill("f-phone", "12345")
	b.submit(registerButton)

	const (
		badPhone = "Введите номер мобильного телефона цифрами, например +7 916 123-45-67"
		terms    = "Чтобы зарегистрироваться, примите условия использования и политику конфиденциальности"
	)
	b.expect("heading", b.heading(), "Регистрация")
	b.expect("error summary title", b.text(".error-summary h2"), "Исправьте ошибки")
	b.expect("error summary", strings.Join(b.texts(".error-summary li"), " | "), badPhone+" | "+terms)
	b.expect("summary link to the phone", b.text(`.error-summary a[href="#f-phone"]`), badPhone)
	b.expect("summary link to the terms", b.text(`.error-summary a[href="#f-accept-terms"]`), terms)
	b.expect("message next to the phone", b.text("#f-phone-error"), "Ошибка: "+badPhone)
	b.expect("message next to the terms", b.text("#f-accept-terms-error"), "Ошибка: "+terms)
	b.waitFor("focus on the error summary", `document.activeElement && document.activeElement.classList.contains('error-summary')`)

	b.expect("surname kept", b.value("f-surname"), "Соколов")
	b.expect("name kept", b.value("f-name"), "Пётр")
	b.expect("phone kept", b.value("f-phone"), "12345")
	if get(b, "terms checkbox", checked("f-accept-terms")) {
		t.Error("the terms checkbox came back checked")
	}
	b.scan("registration form with errors")
	b.shot("register-errors")

	// The summary's link takes the user to the field.
	b.click(`.error-summary a[href="#f-phone"]`)
	b.waitFor("focus on the phone field", `document.activeElement && document.activeElement.id === 'f-phone'`)
}
