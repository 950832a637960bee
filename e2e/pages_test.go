package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestCitizenPages walks registration with a long double surname and the
// keyboard, checking what issue 10 found on the pages: the error summary
// (GOV.UK's: names the field, «Ошибка:» in the title, its link focuses the
// input with its label in view), the show-password button, the strength
// meter (a refused password is shown as refused; the verdict is announced
// once typing pauses), no sideways scrolling at 320 px (every scan checks),
// and the sessions table keeping its column labels at 375 px and at 200%
// zoom.
func TestCitizenPages(t *testing.T) {
	t.Parallel()
	e := start(t)
	b := e.browser("long-name")
	const (
		surname = "Константинопольская-Преображенская"
		phone   = "+79167770011"
	)

	b.open("/register")
	b.fill("f-surname", surname)
	b.fill("f-phone", "8 916 777-00-11")
	b.click("#f-accept-terms")
	b.submit(registerButton)

	// The summary names the field whose rule is shared, and the title says
	// there is an error.
	b.expect("title", get(b, "title", chromedp.Title()), "Ошибка: Регистрация — Госуслуги kabinet")
	b.expect("summary title", b.text(".error-summary h2"), "Исправьте ошибки")
	b.expect("summary link to the name", b.text(`.error-summary a[href="#f-name"]`), "Имя: заполните это поле")
	b.scan("registration form with a missing name")
	b.do("scroll to the bottom", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.body.scrollHeight)`))
	b.click(`.error-summary a[href="#f-name"]`)
	b.waitFor("focus on the name", `document.activeElement && document.activeElement.id === 'f-name'`)
	if !get(b, "label in view", chromedp.Evaluate[bool](`(() => {
		const r = document.querySelector('label[for="f-name"]').getBoundingClientRect();
		return r.top > -1 && r.bottom <= window.innerHeight; // scrolled to the top, give or take a subpixel
	})()`)) {
		t.Error("the summary link left the name's label out of view")
	}
	b.fill("f-name", "Анна")
	sent := time.Now()
	b.submit(registerButton)
	b.waitURL(`^/register/[^/?]+$`)
	b.fill("f-code", e.smsCode(phone, sent))
	b.submit(codeButton)

	// The show-password button: visible with the script, toggles the type,
	// says its state, works from the keyboard.
	b.expect("heading", b.heading(), "Задайте пароль")
	b.fill("f-password", "secret")
	toggle := `button[aria-controls="f-password"]`
	b.expect("toggle", b.text(toggle), "Показать")
	b.click(toggle)
	b.expect("type after show", get(b, "type", attr("#f-password", "type")), "text")
	b.expect("toggle name after show", get(b, "label", attr(toggle, "aria-label")), "Скрыть пароль")
	b.waitFor("the status says the password shows", `document.querySelector('[data-password-status]').textContent === 'Пароль виден на экране'`)
	b.do("Enter on the toggle", chromedp.Focus(chromedp.CSS(toggle)), chromedp.KeyEvent("\r"))
	b.expect("type after hide", get(b, "type", attr("#f-password", "type")), "password")
	b.expect("toggle name after hide", get(b, "label", attr(toggle, "aria-label")), "Показать пароль")
	b.scan("password page with the show-password button")

	// A password in the Russian layout: never strong, shown as refused
	// with the rule's message; the status is written once, after the pause.
	b.waitFor("the verdict on the first password", `document.getElementById('password-strength-status').textContent !== ''`)
	b.do("count status changes", chromedp.Evaluate[chromedp.Void](`(() => {
		window.statusChanges = [];
		const s = document.getElementById('password-strength-status');
		new MutationObserver(() => window.statusChanges.push(s.textContent)).observe(s, {childList: true, characterData: true, subtree: true});
	})()`))
	// chromedp's Clear resets the value attribute, which no longer empties an
	// input whose type the toggle has changed: empty it as a user would.
	emptyPassword := chromedp.Evaluate[chromedp.Void](`document.getElementById('f-password').value = ''`)
	b.do("empty the password", emptyPassword)
	b.fill("f-password", "ЯщкщкщЫуе2026Длинный")
	b.waitFor("the layout verdict", `document.querySelector('.strength__label').textContent.includes('раскладка')`)
	b.expect("meter level", get(b, "level", attr(".strength__fill", "data-level")), "rejected")
	b.expect("meter label", b.text(".strength__label"),
		"Пароль может содержать только латинские буквы, цифры и знаки пунктуации — похоже, включена русская раскладка")
	b.waitFor("the announcement", `window.statusChanges.length > 0`)
	b.expect("announced", b.text("#password-strength-status"), b.text(".strength__label"))
	if n := get(b, "announcements", chromedp.Evaluate[int](`window.statusChanges.length`)); n != 1 {
		t.Errorf("the verdict was announced %d times while typing one password, want once", n)
	}
	b.scan("password page with a refused password")

	b.do("empty the password", emptyPassword)
	b.fill("f-password", goodPassword)
	b.fill("f-password-confirmation", goodPassword)
	b.submit(passwordButton)
	if b.url() != "/welcome" {
		t.Fatalf("password refused: %s", b.text("main"))
	}
	b.scan("congratulations page")
	b.open("/account")
	b.expect("heading", b.heading(), "Анна "+surname)
	b.scan("account page with a long surname")

	// The sessions table at 375 px and at 200% zoom (640 CSS px): each
	// cell shows its column's label.
	b.open("/account/sessions")
	b.scan("sessions page")
	for _, w := range []int64{375, 640} {
		b.do("narrow the window", chromedp.EmulateViewport(w, 800))
		labels := get(b, "cell labels", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('tr[data-session] td[data-label]'),
			td => getComputedStyle(td, '::before').content === 'none' || getComputedStyle(td).display !== 'block' ? '' : td.getAttribute('data-label'))`))
		want := []string{"Браузер", "IP-адрес", "Вход", "Последняя активность"}
		if len(labels) != len(want) {
			t.Fatalf("%d px: cells with labels %q, want %q", w, labels, want)
		}
		for i := range want {
			if labels[i] != want[i] {
				t.Errorf("%d px: cell %d shows label %q, want %q", w, i, labels[i], want[i])
			}
		}
	}
	b.do("back to 1280 px", chromedp.EmulateReset())
}
