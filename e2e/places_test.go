package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPlacesConsole (issue 14 §1): the administrator adds a region the
// reference data lacks and a village in it — a wrong latitude refused
// next to its field, what was typed kept — imports a district's villages
// (a refused file naming its lines first), and a visitor then chooses
// their region by typing the village's name; axe clean on each page at
// 1280 and 375 px, and in English.
func TestPlacesConsole(t *testing.T) {
	t.Parallel()
	e := start(t)
	b := e.browser("places-admin")
	e.staffSignIn(b, "admin")
	b.follow(`a[href="/staff/places"]`)
	b.expect("heading", b.heading(), "Регионы и населённые пункты")
	b.scan("places: the regions")

	b.follow("#places-region-new")
	b.expect("heading", b.heading(), "Новый регион")
	b.fill("f-code", "93")
	b.fill("f-name", "Донецкая Народная")
	b.do("choose the republic", chromedp.Evaluate[chromedp.Void](`document.getElementById('f-type').value = 'Респ'`))
	b.fill("f-timezone", "UTC+3")
	b.scan("places: a new region")
	b.submit("#places-region-save")
	b.expect("URL after saving", b.url(), "/staff/places/regions/93?done=region")
	b.expect("heading", b.heading(), "Респ Донецкая Народная (93)")

	b.fill("f-type", "с")
	b.fill("f-name", "Зелёное")
	b.fill("f-lat", "147.9")
	b.fill("f-lon", "37.8")
	if st := b.submit("#places-locality-save"); st != 422 {
		t.Errorf("a wrong latitude: %d, want 422", st)
	}
	b.expectContains("the latitude's message", b.text("#f-lat-error"), "Широта — число от 41 до 82")
	b.expect("the name kept", b.value("f-name"), "Зелёное")
	b.expect("the longitude kept", b.value("f-lon"), "37.8")
	b.scan("places: a locality refused")
	b.fill("f-lat", "47.9")
	b.submit("#places-locality-save")
	b.expectContains("notice", b.text(".notice"), "Населённый пункт добавлен")
	if n := b.count(`tr[data-locality="Зелёное"][data-id]`); n != 1 {
		t.Fatalf("the village listed as added: %d rows", n)
	}
	b.scan("places: a region's localities")
	b.follow(`tr[data-locality="Зелёное"] a`)
	b.expect("heading", b.heading(), "Добавленный населённый пункт")
	b.scan("places: an added locality")

	// An import refused line by line, then a good one.
	dir := t.TempDir()
	bad, good := filepath.Join(dir, "bad.csv"), filepath.Join(dir, "good.csv")
	if err := os.WriteFile(bad, []byte("region;type;name;lat\n93;с;Берёзовка;47\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, []byte("region;type;name;area\n93;д;Берёзовка;Старобешевский\n93;г;Донецк;\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.open("/staff/places")
	b.do("choose the bad file", chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{bad}))
	if st := b.submit(`#places-import button[type=submit]`); st != 422 {
		t.Errorf("a bad import: %d, want 422", st)
	}
	b.expectContains("the rejection", b.text("[data-import-report]"), "Строка 2, поле «lon»")
	b.scan("places: an import refused")
	b.do("choose the good file", chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{good}))
	b.submit(`#places-import button[type=submit]`)
	b.expectContains("the report", b.text("[data-import-report]"), "новых пунктов 2")
	b.open("/staff/places?lang=en")
	b.expect("heading in English", b.heading(), "Regions and localities")
	b.scan("places: the regions in English")

	// A visitor chooses the region by the village.
	v := e.browser("places-visitor")
	v.open("/region")
	v.fill("f-q", "зеленое")
	v.waitFor("the suggested village", `document.querySelector('#region-results [data-choose-region="93"]') !== null`)
	v.submit(`#region-results [data-choose-region="93"]`)
	v.expectContains("the region in the header", v.text("#region-current"), "Зелёное")
}
