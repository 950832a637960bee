package e2e

import (
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// showWarning moves kabinet's clock to 1 min 50 s before b's session ends
// for inactivity and tells the page it is looked at again (as when the
// citizen comes back to the tab); the page asks the server how long is
// left and opens the warning. The page's own timer would do the same after
// 28 minutes of real time.
func showWarning(e *env, b *browser) {
	b.t.Helper()
	e.clock.Add(30*time.Minute - 110*time.Second)
	b.do("page seen again", chromedp.Evaluate[chromedp.Void](`document.dispatchEvent(new Event('visibilitychange'))`))
	b.waitFor("the inactivity warning", `document.getElementById('session-warning').open`)
}

var leftRE = regexp.MustCompile(`^Осталось времени: 1:[0-5][0-9]$`)

// TestInactivityWarning: two minutes before a session ends for
// inactivity, a signed-in page shows an accessible modal dialog with the
// time left; "stay signed in" keeps the session, at desktop width and at
// 375 px. Left alone, the page goes to the sign-in page, which says why.
func TestInactivityWarning(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := citizen{surname: "Смирнова", name: "Анна", phone: "+79035554433", login: "+7 903 555-44-33", password: goodPassword}
	b := e.browser("desktop")
	register(e, b, c)
	b.open("/account")
	b.expect("heading", b.heading(), "Анна Смирнова")
	if b.count("#session-warning[open]") != 0 {
		t.Fatal("the warning shows at once")
	}

	for _, width := range []int64{1280, 375} {
		if width == 375 {
			b.do("narrow the window", chromedp.EmulateViewport(375, 740))
			b.open("/account/sessions")
		}
		showWarning(e, b)
		b.expect("dialog heading", b.text("#session-warning h2"), "Сеанс скоро завершится")
		if left := b.text("#session-warning-left"); !leftRE.MatchString(left) {
			t.Errorf("%d px: time left %q", width, left)
		}
		b.expect("focus", get(b, "focused element", chromedp.Evaluate[string](`document.activeElement.textContent.trim()`)), "Остаться в кабинете")
		b.expect("dialog name", get(b, "aria-labelledby", attr("#session-warning", "aria-labelledby")), "session-warning-title")
		if width == 375 {
			fits := get(b, "buttons fit", chromedp.Evaluate[bool](`Array.from(document.querySelectorAll('#session-warning button')).every(x => {
				const r = x.getBoundingClientRect(); return r.left >= 0 && r.right <= window.innerWidth && r.height >= 44; })`))
			if !fits {
				t.Error("375 px: the dialog's buttons do not fit the screen or are smaller than 44 px")
			}
			b.scan("inactivity warning at 375 px")
		} else {
			b.scan("inactivity warning")
		}
		b.shot("warning")

		b.click("#session-warning form[data-stay] button")
		b.waitFor("the warning to close", `!document.getElementById('session-warning').open`)
		// The session lives on: 29 minutes after staying signed in (58½
		// since the page was loaded) it still opens the account.
		e.clock.Add(29 * time.Minute)
		b.open("/account")
		b.expect("heading after staying signed in", b.heading(), "Анна Смирнова")
	}

	// Left alone: the page signs out and the sign-in page says why.
	showWarning(e, b)
	e.clock.Add(2 * time.Minute)
	b.do("page seen again", chromedp.Evaluate[chromedp.Void](`document.dispatchEvent(new Event('visibilitychange'))`))
	b.waitURL(`^/signin\?next=%2Faccount&reason=idle$`)
	b.expect("notice", b.text(".notice"), "Сеанс завершён: вы не пользовались кабинетом 30 минут. Войдите снова.")
	b.scan("sign-in page after the session ended for inactivity")
}
