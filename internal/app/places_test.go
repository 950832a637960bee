package app_test

import (
	"encoding/csv"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/kabinet/kabinet/internal/config"
)

// TestPlacesConsole (issue 14 §1): the demo's villages are found by the
// region chooser; the administrator, without JavaScript, adds a region
// and a village to it — a wrong latitude refused next to its field with
// everything typed kept — which a citizen then finds and chooses; changes
// and removes the village; imports a file refused with each line named,
// then a good one, whose report counts the towns already in the reference
// data; exports the additions. Each change is in the audit log. Editors
// and operators are refused.
func TestPlacesConsole(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.SignIn.SecondStep = false })
	if r := h.api("GET", "/api/v1/localities?q=детчин", "", nil); r.Status != 200 || !strings.Contains(r.Raw, `"Детчино"`) || !strings.Contains(r.Raw, `"region":"40"`) {
		t.Fatalf("the demo's village is not suggested: %d %s", r.Status, r.Raw)
	}
	admin := h.staffBrowser("admin")
	res, body := admin.get("/staff/places")
	p := parse(t, body)
	if res.StatusCode != 200 || len(p.find(func(n *html.Node) bool { return attr(n, "data-region") == "40" })) != 1 || p.has("places-regions") == false {
		t.Fatalf("the regions: %d", res.StatusCode)
	}

	// A region, then a village in it.
	res, body = admin.post("/staff/places/regions", url.Values{"code": {"40"}, "name": {"Калужская"}, "type": {"обл"}})
	if p := parse(t, body); res.StatusCode != 422 || !strings.Contains(text(p.byID("f-code-error")), "Калужская обл") || attr(p.byID("f-name"), "value") != "Калужская" {
		t.Fatalf("a taken code: %d %s", res.StatusCode, body)
	}
	res, _ = admin.post("/staff/places/regions", url.Values{"code": {"93"}, "name": {"Донецкая Народная"}, "type": {"Респ"}, "timezone": {"UTC+3"}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/staff/places/regions/93?done=region" {
		t.Fatalf("a region: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res, body = admin.get("/staff/places/regions/93?done=region")
	p = parse(t, body)
	if res.StatusCode != 200 || !strings.Contains(p.h1(), "Респ Донецкая Народная") || !p.has("places-region-edit") {
		t.Fatalf("the new region's page: %d %s", res.StatusCode, body)
	}
	form := formValues(p, "places-locality-form")
	form.Set("type", "с")
	form.Set("name", "Ёлкино")
	form.Set("lat", "147.9")
	form.Set("lon", "37.8")
	res, body = admin.post("/staff/places/localities", form)
	p = parse(t, body)
	if res.StatusCode != 422 || !p.has("f-lat-error") || attr(p.byID("f-name"), "value") != "Ёлкино" || attr(p.byID("f-lon"), "value") != "37.8" {
		t.Fatalf("a wrong latitude: %d %s", res.StatusCode, body)
	}
	form = formValues(p, "places-locality-form")
	form.Set("lat", "47.9")
	res, _ = admin.post("/staff/places/localities", form)
	if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/staff/places/regions/93?done=added") {
		t.Fatalf("a village: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = admin.get(res.Header.Get("Location"))
	p = parse(t, body)
	rows := p.find(func(n *html.Node) bool { return attr(n, "data-locality") == "Ёлкино" })
	if len(rows) != 1 || attr(rows[0], "data-id") == "" {
		t.Fatalf("the village is not listed as added: %s", body)
	}
	id := attr(rows[0], "data-id")

	// A citizen finds it and chooses it; the header shows the new region.
	if r := h.api("GET", "/api/v1/localities?q=елкино", "", nil); !strings.Contains(r.Raw, `"Ёлкино"`) || !strings.Contains(r.Raw, `"region":"93"`) {
		t.Fatalf("the village is not suggested: %s", r.Raw)
	}
	visitor := h.browser()
	if res, _ := visitor.post("/region", url.Values{"region": {"93"}, "locality": {"Ёлкино"}}); res.StatusCode != 303 {
		t.Fatalf("choosing the added region: %d", res.StatusCode)
	}
	if _, body := visitor.get("/"); !strings.Contains(body, "Ёлкино") {
		t.Error("the header does not show the chosen village")
	}

	// Changed, then removed.
	res, body = admin.get("/staff/places/localities/" + id)
	if res.StatusCode != 200 {
		t.Fatalf("the village's form: %d", res.StatusCode)
	}
	form = formValues(parse(t, body), "places-locality-form")
	form.Set("population", "1200")
	if res, _ := admin.post("/staff/places/localities/"+id, form); res.StatusCode != 303 {
		t.Fatalf("a change: %d", res.StatusCode)
	}
	if r := h.api("GET", "/api/v1/staff/places/localities?region=93&q=елк", h.staffToken("admin"), nil); r.Status != 200 || !strings.Contains(r.Raw, `"population":1200`) {
		t.Fatalf("the change is not seen: %s", r.Raw)
	}
	if res, _ := admin.post("/staff/places/localities/"+id+"/remove", url.Values{}); res.StatusCode != 303 {
		t.Fatalf("remove: %d", res.StatusCode)
	}
	if r := h.api("GET", "/api/v1/localities?q=елкино", "", nil); strings.Contains(r.Raw, `"Ёлкино"`) {
		t.Fatalf("the removed village is suggested: %s", r.Raw)
	}

	// An import refused line by line, then a good one.
	res, body = admin.upload("/staff/places/import", "file", "villages.csv", []byte("region;type;name;lat;lon\n40;с;Ерденево-2;55;\n00;д;Нигде;;\n"))
	p = parse(t, body)
	report := text(p.find(func(n *html.Node) bool { return hasAttr(n, "data-import-report") })[0])
	if res.StatusCode != 422 || !strings.Contains(report, "Строка 2, поле «lon»") || !strings.Contains(report, "Строка 3, поле «region»") {
		t.Fatalf("a refused import: %d %s", res.StatusCode, report)
	}
	good := "region,type,name,area,lat,lon\n40,г,Калуга,,,\n93,с,Ёлкино,,47.9,37.8\n93,д,Берёзовка,Старобешевский,,\n"
	res, body = admin.upload("/staff/places/import", "file", "villages.csv", []byte(good))
	report = text(parse(t, body).find(func(n *html.Node) bool { return hasAttr(n, "data-import-report") })[0])
	if res.StatusCode != 200 || !strings.Contains(report, "новых пунктов 2") || !strings.Contains(report, "уже в справочнике 1") {
		t.Fatalf("an import: %d %s", res.StatusCode, report)
	}
	res, exported := admin.get("/staff/places/export")
	recs, err := csv.NewReader(strings.NewReader(exported)).ReadAll()
	if res.StatusCode != 200 || err != nil || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") || len(recs) != 1+16+2 {
		t.Fatalf("export: %d %v, %d rows, %v", res.StatusCode, res.Header, len(recs), err)
	}

	// Audited, each by the administrator.
	r := h.api("GET", "/api/v1/staff/audit?action=places.*", h.staffToken("admin"), nil)
	var actions []string
	for _, e := range r.Body["events"].([]any) {
		ev := e.(map[string]any)
		if ev["actor_id"] == "demo" {
			continue // the demo's villages, imported at start
		}
		if ev["actor_role"] != "administrator" {
			t.Errorf("%s by %v", ev["action"], ev["actor_role"])
		}
		actions = append(actions, ev["action"].(string))
	}
	if got := strings.Join(actions, " "); got != "places.exported places.imported places.locality_removed places.locality_changed places.locality_added places.region_added" {
		t.Errorf("audited: %s", got)
	}

	for _, who := range []string{"operator", "editor"} {
		if res, _ := h.staffBrowser(who).get("/staff/places"); res.StatusCode != 403 {
			t.Errorf("%s on the regions: %d", who, res.StatusCode)
		}
	}
}
