package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// typeInto types into an empty field (fill clears it first, which an
// empty textarea, without a text node, refuses).
func (b *browser) typeInto(id, value string) {
	b.t.Helper()
	b.do("type into #"+id, chromedp.Focus(chromedp.ID(id)), chromedp.KeyEvent(value))
}

// TestStaffSites walks the administrator's «Сайты» (the sites that sign
// citizens in through kabinet): the list with the demo's site, the new
// site's form refused on its fields, the secret shown once, the site's
// page with its secret and status forms, and the site disabled in the
// list — scanning every page with axe at 1280 and 375 px.
func TestStaffSites(t *testing.T) {
	t.Parallel()
	e := start(t)
	b := e.browser("sites-admin")
	e.staffSignIn(b, "admin")
	b.follow(`header a[href="/staff/sites"]`)
	b.expect("heading", b.heading(), "Сайты, входящие через kabinet")
	b.expectContains("the demo's site", b.text("[data-sites] tbody"), "Демонстрационный сайт")
	b.scan("console: sites")

	b.follow(`#site-add`)
	b.scan("console: a new site's form")
	b.fill("f-id", "mos-school")
	b.typeInto("f-purpose-ru", "Записать ребёнка в школу")
	b.fill("f-privacy-url", "https://school.example.gov.ru/privacy")
	b.typeInto("f-redirect-uris", "https://school.example.gov.ru/cb\nhttp://school.example.gov.ru/cb")
	b.click("#f-scope-fullname")
	if st := b.submit("#site-submit"); st != 422 {
		t.Errorf("a site without a name: %d, want 422", st)
	}
	b.expectContains("the name's message", b.text("#f-name-ru-error"), "Заполните поле")
	b.expectContains("the address's message", b.text("#f-redirect-uris-error"), "Строка 2: адрес должен начинаться с https")
	if b.value("f-purpose-ru") != "Записать ребёнка в школу" {
		t.Error("the form lost the purpose")
	}
	b.scan("console: a site's form with errors")
	b.shot("console-site-refused")

	b.fill("f-name-ru", "Запись в школу")
	b.fill("f-redirect-uris", "https://school.example.gov.ru/cb")
	if st := b.submit("#site-submit"); st != 200 {
		t.Errorf("registered: %d, want 200", st)
	}
	secret := strings.TrimSpace(b.text("[data-client-secret]"))
	if len(secret) != 43 {
		t.Fatalf("the secret %q", secret)
	}
	b.expectContains("shown once", b.text("[data-secret-once]"), "Скопируйте секрет сейчас")
	b.scan("console: a site's secret")
	b.shot("console-site-secret")

	b.follow(`a[href="/staff/sites/mos-school"]`)
	b.scan("console: a site's page")
	b.submit("#site-disable")
	b.waitURL(`/staff/sites/mos-school\?done=disabled`)
	if b.count("#site-enable") != 1 {
		t.Error("a disabled site's page offers no «Включить сайт»")
	}
	b.scan("console: a disabled site's page")
	b.shot("console-site-disabled")
	b.open("/staff/sites")
	b.expectContains("disabled in the list", strings.ToLower(b.text(`tr[data-site="mos-school"]`)), "отключён") // the tag is in capitals
	b.open("/staff/sites/new?lang=en")
	b.expect("English form", b.heading(), "New site")
	b.scan("console: a new site's form in English")
}
