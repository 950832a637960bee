package app_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/kabinet/kabinet/internal/config"
)

// centerIDs are the IDs of a center list answer, with their matches.
func centerIDs(r response) (ids, matches []string) {
	list, _ := r.Body["centers"].([]any)
	for _, c := range list {
		m, _ := c.(map[string]any)
		id, _ := m["id"].(string)
		match, _ := m["match"].(string)
		ids, matches = append(ids, id), append(matches, match)
	}
	return ids, matches
}

// TestCentersAPI: the demo directory over the API — a typo and a filter by
// service find the Kaluga MFC and Rostelecom (not the libraries, which
// only help to register); a prefix finds Kamensk-Uralsky; paging; an
// unknown service, region or a limit that is no number is 422 on its
// parameter; a center by ID, an unknown one 404. Every answer is checked
// against the OpenAPI document (checkAPI).
func TestCentersAPI(t *testing.T) {
	h := newHarness(t, nil)
	q := func(v url.Values) response { return h.api("GET", "/api/v1/centers?"+v.Encode(), "", nil) }

	r := q(url.Values{"q": {"Калгуа"}, "service": {"identity_confirmation"}})
	ids, matches := centerIDs(r)
	if r.Status != 200 || !slices.Equal(ids, []string{"kaluga-mfc", "kaluga-rostelecom"}) || !slices.Equal(matches, []string{"typo", "typo"}) {
		t.Fatalf("typo + service: %d %q %q", r.Status, ids, matches)
	}
	r = q(url.Values{"q": {"Калгуа"}})
	if ids, _ := centerIDs(r); len(ids) != 10 || r.Body["total"] != float64(10) {
		t.Errorf("typo without a service: %q, total %v", ids, r.Body["total"])
	}
	r = q(url.Values{"q": {"каменск"}, "region": {"66"}, "limit": {"3"}, "offset": {"1"}})
	ids, matches = centerIDs(r)
	if r.Status != 200 || len(ids) != 3 || r.Body["total"] != float64(4) || matches[0] != "prefix" || !strings.HasPrefix(ids[0], "kamensk-") {
		t.Errorf("prefix with paging: %d %q %q total %v", r.Status, ids, matches, r.Body["total"])
	}
	for _, tc := range []struct {
		v     url.Values
		field string
		code  string
	}{
		{url.Values{"service": {"coffee"}}, "service", "center.service_unknown"},
		{url.Values{"region": {"99x"}}, "region", "center.region_unknown"},
		{url.Values{"limit": {"many"}}, "limit", "center.limit_range"},
		{url.Values{"limit": {"1000"}}, "limit", "center.limit_range"},
		{url.Values{"q": {strings.Repeat("я", 101)}}, "q", "center.query_too_long"},
	} {
		if r := q(tc.v); r.Status != 422 || r.fieldCode(tc.field) != tc.code {
			t.Errorf("%v: %d %s", tc.v, r.Status, r.Raw)
		}
	}

	r = h.api("GET", "/api/v1/centers/kaluga-library-gogol", "", nil)
	if r.Status != 200 || r.str("phone") != "(4842) 57-84-63" || r.str("locality") != "Калуга" || r.Body["lat"] == nil {
		t.Errorf("a center: %d %s", r.Status, r.Raw)
	}
	// Хвастовичи is not a town of the reference data: the demo adds the
	// village (internal/demo/villages.csv), and its center gets its point.
	r = h.api("GET", "/api/v1/centers/kaluga-mfc-khvastovichi", "", nil)
	if r.Status != 200 || r.Body["lat"] != 53.4667 || r.Body["lon"] != 35.1 {
		t.Errorf("a village's center is not at the village's point: %d %s", r.Status, r.Raw)
	}
	if r = h.api("GET", "/api/v1/centers/nowhere", "", nil); r.Status != 404 || r.str("code") != "center.not_found" {
		t.Errorf("unknown center: %d %s", r.Status, r.Raw)
	}
}

// TestCentersPage: the finder without JavaScript — the list answers the
// form, the form keeps what was typed, a bad service is a message on its
// field with the summary; the recovery page, the account page and the
// verified personal data link to it prefiltered.
func TestCentersPage(t *testing.T) {
	h := newHarness(t, nil)
	br := h.browser()
	res, body := br.get("/centers?q=" + url.QueryEscape("калгуа") + "&service=identity_confirmation")
	p := parse(t, body)
	if res.StatusCode != 200 || p.h1() != "Центры обслуживания" {
		t.Fatalf("page: %d %q", res.StatusCode, p.h1())
	}
	items := p.find(func(n *html.Node) bool { return n.Data == "li" && strings.HasPrefix(attr(n, "id"), "center-") })
	if len(items) != 2 || attr(items[0], "id") != "center-kaluga-mfc" || attr(items[0], "data-lat") == "" {
		t.Fatalf("%d results", len(items))
	}
	if !strings.Contains(text(items[0]), "ул. Хрустальная, д. 34 а") || !strings.Contains(text(items[0]), "похожее название") {
		t.Errorf("first result: %q", text(items[0]))
	}
	if attr(p.byID("f-q"), "value") != "калгуа" || !strings.Contains(body, `<option value="identity_confirmation" selected>`) {
		t.Error("the form does not keep what was typed")
	}
	if m := p.byID("centers-map"); m == nil || attr(m, "data-regions") == "" || !strings.Contains(body, "js/centers.js") {
		t.Error("no map for the script")
	}

	res, body = br.get("/centers?q=x&service=coffee")
	p = parse(t, body)
	if res.StatusCode != 422 || attr(p.byID("f-service"), "aria-invalid") != "true" || p.byID("f-service-error") == nil ||
		len(p.find(func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "#f-service" })) != 1 {
		t.Errorf("bad service: %d", res.StatusCode)
	}

	_, body = br.get("/recover")
	if p = parse(t, body); len(p.find(func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "/centers?service=access_recovery" })) != 1 {
		t.Error("the recovery page does not link the finder")
	}
	signedUp(t, h, br, "Смирнова", "Анна", "8 916 555-04-11")
	_, body = br.get("/account")
	if p = parse(t, body); attr(p.byID("account-centers"), "href") != "/centers?service=identity_confirmation" {
		t.Errorf("account page link: %q", attr(p.byID("account-centers"), "href"))
	}
	form := url.Values{"registration_address.region": {"40"}, "registration_address.locality": {"Калуга"}, "registration_address.house": {"1"},
		"residence_same": {"on"}}
	if res, _ = br.post("/account/additional-data", form); res.StatusCode != 303 {
		t.Fatalf("save additional data: %d", res.StatusCode)
	}
	_, body = br.get("/account")
	if p = parse(t, body); attr(p.byID("account-centers"), "href") != "/centers?region=40&service=identity_confirmation" {
		t.Errorf("account page link with the region: %q", attr(p.byID("account-centers"), "href"))
	}
}

// TestCentersMapTiles: with KABINET_MAP_TILES_URL the map gets the tile
// server and the pages' CSP lets its images in; without it, neither.
func TestCentersMapTiles(t *testing.T) {
	for _, tc := range []struct{ tiles, imgSrc string }{
		{"", "img-src 'self' data:;"},
		{"https://{s}.tiles.example.org/{z}/{x}/{y}.png", "img-src 'self' data: https://*.tiles.example.org;"},
	} {
		h := newHarness(t, func(c *config.Config) { c.Map.TilesURL, c.Map.TilesAttribution = tc.tiles, "© OpenStreetMap" })
		res, body := h.browser().get("/centers?q=" + url.QueryEscape("Калуга"))
		p := parse(t, body)
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, tc.imgSrc) {
			t.Errorf("tiles %q: CSP %q", tc.tiles, csp)
		}
		if m := p.byID("centers-map"); m == nil || attr(m, "data-tiles") != tc.tiles {
			t.Errorf("tiles %q: the map's data-tiles", tc.tiles)
		}
	}
}
