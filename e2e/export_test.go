package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestExportPage: a registered citizen opens «Скачать мои данные» from the account
// page; it shows each part under its heading with the JSON download, axe
// finds nothing at 1280 px and at 375 px, and at 375 px the page does not
// scroll sideways (the wide tables scroll inside their own region).
func TestExportPage(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := citizen{surname: "Соколова", name: "Мария", phone: "+79034445566", login: "+7 903 444-55-66", password: goodPassword}
	b := e.browser("export")
	register(e, b, c)

	b.open("/account")
	b.follow(`a[href="/account/export"]`)
	b.expect("URL", b.url(), "/account/export")
	b.expect("heading", b.heading(), "Скачать мои данные")
	b.expect("sessions heading", b.text("#part-sessions-h"), "Сеансы")
	b.expectContains("account part", b.text("#part-account"), "Соколова")
	b.expect("download link", b.text(`a[href="/api/v1/me/export?download=1"]`), "Скачать JSON")
	if n := b.count("#part-sessions tbody tr"); n != 1 {
		t.Errorf("sessions rows: %d, want 1", n)
	}
	b.scan("export page at 1280 px")

	b.do("narrow the window", chromedp.EmulateViewport(375, 740))
	b.open("/account/export")
	if wide := get(b, "page width", chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`)); wide {
		t.Error("375 px: the export page scrolls sideways")
	}
	b.scan("export page at 375 px")

	b.open("/account/export?lang=en")
	b.expect("English heading", b.heading(), "Download my data")
	b.scan("export page in English")
}
