package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestCenterFinder (issue 12 §2): from the recovery page's link to the
// finder prefiltered by access recovery; then a locality typed with a typo
// («Калгуа») and the service «Подтверждение личности» chosen find the
// Kaluga region MFC and Rostelecom's office (not the libraries, which only
// help to register), in the list and as one marker on the map — both are
// placed at Kaluga's point — over the embedded region outlines; the
// marker's popup names both. Axe finds nothing at 1280, 375 and 320 px.
func TestCenterFinder(t *testing.T) {
	t.Parallel()
	e := start(t)
	b := e.browser("centers")

	b.open("/recover")
	b.follow("#recover-centers")
	b.expect("URL", b.url(), "/centers?service=access_recovery")
	b.expect("heading", b.heading(), "Центры обслуживания")
	b.expect("service prefilled", b.value("f-service"), "access_recovery")
	b.scan("centers finder")

	b.fill("f-q", "Калгуа")
	b.do("choose identity confirmation", chromedp.Evaluate[chromedp.Void](`document.getElementById('f-service').value = 'identity_confirmation'`))
	if status := b.submit(`#centers-form button[type="submit"]`); status != 200 {
		t.Fatalf("search: status %d", status)
	}
	b.expect("count", b.text("#centers-count"), "Центры 1–2 из 2")
	b.expect("results", squash(b.text("#center-kaluga-mfc h3")), `ГБУ КО "МФЦ Калужской области"`)
	b.expect("second result", squash(b.text("#center-kaluga-rostelecom h3")), "Центр продаж и обслуживания ПАО «Ростелеком»")
	b.expectContains("address", b.text("#center-kaluga-mfc .center__address"), "Калуга, ул. Хрустальная, д. 34 а")
	b.expectContains("a typo is said", b.text("#center-kaluga-mfc .center__type"), "похожее название")
	b.expect("query kept", b.value("f-q"), "Калгуа")

	// The map: the outlines of the regions, then one marker for Kaluga.
	b.waitFor("the map shown with its marker", `document.getElementById('centers-map').dataset.markers === '1'`)
	b.waitFor("the region outlines drawn", `document.querySelectorAll('#centers-map .leaflet-overlay-pane path').length > 80`)
	if n := b.count("#centers-map path.center-marker"); n != 1 {
		t.Errorf("%d markers, want 1", n)
	}
	b.do("open the marker's popup", chromedp.Evaluate[chromedp.Void](`document.querySelector('#centers-map path.center-marker').dispatchEvent(new MouseEvent('click', {bubbles: true}))`))
	b.waitFor("the popup", `document.querySelector('.leaflet-popup-content') !== null`)
	popup := b.text(".leaflet-popup-content")
	b.expectContains("popup", popup, `ГБУ КО "МФЦ Калужской области"`)
	b.expectContains("popup", popup, "Ростелеком")
	b.scan("centers finder with results")
	b.do("1280 px", chromedp.EmulateReset())
	b.shot("centers finder with results")

	// A town with no centers offering the service: nothing, and said so.
	b.fill("f-q", "Жиздра")
	b.do("choose signature issuance", chromedp.Evaluate[chromedp.Void](`document.getElementById('f-service').value = 'signature_issuance'`))
	b.submit(`#centers-form button[type="submit"]`)
	b.expectContains("nothing found", b.text("#centers-count"), "Ничего не нашлось")
}
