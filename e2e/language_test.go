package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestEnglish switches the registration page to English with the switch in
// the header (a button of the page's form); the choice is remembered on
// the next page.
func TestEnglish(t *testing.T) {
	t.Parallel()
	e := start(t)
	b := e.browser("reader")

	b.open("/register")
	b.expect("heading in Russian", b.heading(), "Регистрация")
	b.scan("registration form in Russian")
	b.submit(`.header__nav button[value="en"]`)

	b.expect("URL", b.url(), "/register")
	b.expect("document language", get(b, "lang", attr("html", "lang")), "en")
	b.expect("title", get(b, "title", chromedp.Title()), "Registration — kabinet public services")
	b.expect("heading", b.heading(), "Register")
	b.expect("labels", strings.Join(b.texts("main label:not([hidden] *)"), " | "),
		"Surname | Name | Mobile phone | I accept the terms of use and the privacy policy")
	b.expect("phone hint", b.text("#f-phone-hint"), "For example, +7 916 123-45-67 or 8 916 123-45-67")
	b.expect("no-phone link", b.text(`main button[data-switch-channel="email"]`), "I have no mobile phone")
	b.expect("submit button", b.text(registerButton), "Register")
	b.expect("language switch", b.text(`.header__nav button[value="ru"]`), "Русский")
	b.scan("registration form in English")

	// The choice is remembered.
	b.open("/")
	b.expect("home heading", b.heading(), "One account for public services")
	b.expect("document language", get(b, "lang", attr("html", "lang")), "en")
	b.scan("home page in English")
}
