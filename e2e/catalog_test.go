package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/kabinet/kabinet/internal/demo"
)

// withoutScripts turns the tab's JavaScript off: the pages must work
// without it.
func (b *browser) withoutScripts() {
	b.t.Helper()
	b.do("turn JavaScript off", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
}

// TestCatalogJourney (issue 14 §1, §4): a guest chooses the region by
// typing a town with a typo (the suggestions come as they type), finds a
// service by an inflected word, opens it and sees the step its level asks
// for — signed in as the standard demo citizen, «confirm your identity»;
// the same in English; and without JavaScript: the town found by the
// form, a regional service found and shown for that region. Axe finds
// nothing at 1280 and 375 px.
func TestCatalogJourney(t *testing.T) {
	t.Parallel()
	e := start(t)
	b := e.browser("catalog-guest")
	b.open("/")
	b.follow("#region-change")
	b.expect("heading", b.heading(), "Выбор региона")
	b.scan("choose the region")
	b.fill("f-q", "калгуа")
	b.waitFor("the suggested towns", `document.querySelector('#region-results [data-choose-region="40"]') !== null`)
	b.scan("choose the region: suggestions")
	b.submit(`#region-results [data-choose-region="40"]`)
	b.expectContains("the region in the header", b.text("#region-current"), "Калуга")
	b.expectContains("the notice", b.text(".notice"), "Регион выбран")

	b.open("/services")
	b.expectContains("categories", b.text("#categories-heading"), "Категории")
	b.scan("the catalog")
	b.fill("f-q", "паспорта")
	b.submit("#catalog-find")
	b.waitFor("results", `document.querySelector('#results [data-service="foreign-passport-10y"]') !== null`)
	b.scan("the catalog: results")
	b.follow(`#results a[href="/services/foreign-passport-10y"]`)
	b.expectContains("the service", b.heading(), "паспорт")
	b.expect("the step of a guest", get(b, "step", chromedp.Evaluate[string](`document.getElementById('service-step').dataset.step`)), "signin")
	b.scan("a service, a guest")

	// Signed in as the standard demo citizen: the passport needs a
	// confirmed account.
	e.signIn(b, "+7 900 000-00-02", demo.StandardPhone)
	b.open("/services/foreign-passport-10y")
	b.expect("the step of a standard account", get(b, "step", chromedp.Evaluate[string](`document.getElementById('service-step').dataset.step`)), "confirm")
	b.expectContains("the way on", b.text("#service-step"), "подтвердите личность")
	b.scan("a service, a standard account")

	// In English.
	b.open("/services?lang=en")
	b.fill("f-q", "traffic fines")
	b.submit("#catalog-find")
	b.waitFor("results", `document.querySelector('#results [data-service="traffic-fines"]') !== null`)
	b.follow(`#results a[href="/services/traffic-fines"]`)
	b.expectContains("the service in English", b.heading(), "fines")
	b.expect("a simplified service is open", get(b, "step", chromedp.Evaluate[string](`document.getElementById('service-step').dataset.step`)), "available")
	b.scan("a service in English")

	// Without JavaScript.
	n := e.browser("catalog-no-js")
	n.withoutScripts()
	n.open("/region")
	n.fill("f-q", "екатеринбур")
	n.submit("#region-find")
	n.submit(`#region-results [data-choose-region="66"]`)
	n.expectContains("the region in the header", n.text("#region-current"), "Екатеринбург")
	n.open("/services?q=" + "врачу")
	n.expectContains("results", n.text("#results"), "врач")
	n.follow(`#results a[href="/services/doctor-appointment"]`)
	n.expectContains("the region's agency", n.text("#service-agency"), "Свердловской")
}
