package app_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/demo"
)

// TestRegionChoice: a guest's region lives in a cookie and shows in the
// header of every page; a citizen's is kept on the account (so another
// browser shows it too) and through the API; an unknown region is refused
// on its field; the return path stays on the site.
func TestRegionChoice(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.SignIn.SecondStep = false })
	guest := h.browser()
	res, body := guest.get("/region?q=" + url.QueryEscape("калгуа") + "&back=/services")
	if p := parse(t, body); res.StatusCode != 200 || !strings.Contains(body, `data-choose-region="40"`) || p.has("region-current") {
		t.Fatalf("the towns found: %d %s", res.StatusCode, body)
	}
	res, _ = guest.post("/region", url.Values{"region": {"40"}, "locality": {"Калуга"}, "back": {"/services"}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/services?region_chosen=40" {
		t.Fatalf("choose: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = guest.get("/services?region_chosen=40")
	if p := parse(t, body); !strings.Contains(text(p.byID("region-current")), "Калуга") || !strings.Contains(body, "Регион выбран") {
		t.Fatalf("the header after choosing: %s", body)
	}
	if res, _ := guest.post("/region", url.Values{"region": {"40"}, "back": {"https://evil.example/"}}); res.Header.Get("Location") != "/?region_chosen=40" {
		t.Fatalf("an outside return path: %s", res.Header.Get("Location"))
	}
	res, body = guest.post("/region", url.Values{"region": {"00"}, "back": {"/"}})
	if p := parse(t, body); res.StatusCode != 422 || !strings.Contains(text(p.byID("f-region-error")), "Выберите регион") && !strings.Contains(body, "Выберите регион из списка") {
		t.Fatalf("an unknown region: %d %s", res.StatusCode, body)
	}

	// A citizen's choice goes with the account.
	tok := h.citizenToken(demo.StandardPhone)
	if r := h.api("GET", "/api/v1/me/region", tok, nil); r.Status != 200 || r.str("region") != "" {
		t.Fatalf("before: %d %s", r.Status, r.Raw)
	}
	if r := h.api("PUT", "/api/v1/me/region", tok, map[string]string{"region": "00"}); r.Status != 422 || r.fieldCode("region") != "region.unknown" {
		t.Fatalf("an unknown region: %d %s", r.Status, r.Raw)
	}
	if r := h.api("PUT", "/api/v1/me/region", tok, map[string]string{"region": "66", "locality": "Екатеринбург"}); r.Status != 200 || r.str("region") != "66" {
		t.Fatalf("choose: %d %s", r.Status, r.Raw)
	}
	b := h.browser()
	b.post("/signin", url.Values{"login": {demo.StandardPhone}, "password": {demo.Password}})
	_, body = b.get("/account")
	if p := parse(t, body); !strings.Contains(text(p.byID("region-current")), "Екатеринбург") {
		t.Fatalf("another browser of the citizen: %s", body)
	}
	// A service page in the region: the Sverdlovsk variant.
	r := h.api("GET", "/api/v1/services/doctor-appointment?region=66", "", nil)
	if r.Status != 200 || r.Body["exists"] != true || !strings.Contains(r.Raw, "Свердловской") {
		t.Fatalf("a regional service in 66: %d %s", r.Status, r.Raw)
	}
	r = h.api("GET", "/api/v1/services/doctor-appointment?region=01", "", nil)
	if r.Status != 200 || r.Body["exists"] != false || !strings.Contains(r.Raw, `"elsewhere":["40","66","77"]`) {
		t.Fatalf("a regional service elsewhere: %d %s", r.Status, r.Raw)
	}
}
