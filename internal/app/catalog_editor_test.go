package app_test

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/kabinet/kabinet/internal/config"
)

// formValues reads a form of a page as a browser would send it: its
// inputs (boxes only when ticked, no buttons nor files), the chosen option
// of each list, each textarea's text.
func formValues(p page, id string) url.Values {
	p.t.Helper()
	form := p.byID(id)
	v := url.Values{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && attr(n, "name") != "" {
			name := attr(n, "name")
			switch n.Data {
			case "input":
				switch attr(n, "type") {
				case "submit", "button", "file":
				case "checkbox", "radio":
					if hasAttr(n, "checked") {
						v.Add(name, attr(n, "value"))
					}
				default:
					v.Add(name, attr(n, "value"))
				}
			case "textarea":
				v.Add(name, textRaw(n))
			case "select":
				opts := (page{t: p.t, root: n}).find(func(o *html.Node) bool { return o.Data == "option" })
				chosen := ""
				if len(opts) > 0 {
					chosen = attr(opts[0], "value")
				}
				for _, o := range opts {
					if hasAttr(o, "selected") {
						chosen = attr(o, "value")
					}
				}
				v.Add(name, chosen)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(form)
	return v
}

// textRaw is an element's text as it is, its lines kept.
func textRaw(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// moscowRow finds the form row of the Moscow variant.
func moscowRow(t *testing.T, v url.Values) string {
	t.Helper()
	for i := range 10 {
		row := "variants." + string(rune('0'+i)) + "."
		if v.Get(row+"region") == "77" {
			return row
		}
	}
	t.Fatalf("no Moscow row in %v", v)
	return ""
}

// publicCost reads a service's cost and title in a region from the
// public API.
func (h *harness) publicService(id, region string) (rub float64, title string) {
	h.t.Helper()
	r := h.api("GET", "/api/v1/services/"+id+"?region="+region, "", nil)
	if r.Status != 200 {
		h.t.Fatalf("public service %s: %d %s", id, r.Status, r.Raw)
	}
	return r.obj("cost")["rub"].(float64), r.obj("title")["ru"].(string)
}

// TestCatalogEditorPages (issue 14 §2): the demo catalog editor, without
// JavaScript, edits a service's title and its Moscow variant's cost — a
// missing English text refused next to its field with everything typed
// kept; a row added; the draft saved, which the public pages do not see;
// published with a fresh code once the last is old — and the public API
// shows the new cost in Moscow. Operators and post operators are refused.
// The synonyms, a category, the import (a refusal listing its paths, then
// drafts) and the export; the pages in English.
func TestCatalogEditorPages(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.SignIn.SecondStep = false })
	ed := h.staffBrowser("editor")
	res, body := ed.get("/staff/console")
	if p := parse(t, body); res.StatusCode != 200 || len(p.find(func(n *html.Node) bool { return attr(n, "href") == "/staff/catalog" })) == 0 {
		t.Fatalf("the editor's menu has no catalog: %d", res.StatusCode)
	}
	res, body = ed.get("/staff/catalog?q=паспорт+гражданина")
	p := parse(t, body)
	if res.StatusCode != 200 || len(p.find(func(n *html.Node) bool {
		return attr(n, "data-service") == "internal-passport" && attr(n, "data-state") == "published"
	})) != 1 {
		t.Fatalf("the list: %d %s", res.StatusCode, body)
	}
	if _, body := ed.get("/staff/catalog"); atoi(attr(parse(t, body).byID("catalog-count"), "data-total")) < 150 {
		t.Fatalf("the whole list: %s", attr(parse(t, body).byID("catalog-count"), "data-total"))
	}
	if rub, _ := h.publicService("internal-passport", "77"); rub != 300 {
		t.Fatalf("the demo's cost in Moscow: %v", rub)
	}

	res, body = ed.get("/staff/catalog/services/internal-passport")
	if res.StatusCode != 200 {
		t.Fatalf("the service's form: %d", res.StatusCode)
	}
	form := formValues(parse(t, body), "catalog-service-form")
	row := moscowRow(t, form)
	form.Set("title.ru", "Паспорт гражданина РФ: получение и замена")
	form.Set("title.en", "")
	form.Set(row+"cost", "500")
	form.Set(row+"cost_text", "Госпошлина 500 ₽ | State duty 500 ₽")
	form.Set("documents", form.Get("documents")+"\nСправка без перевода")
	form.Set("action", "save")
	res, body = ed.post("/staff/catalog/services/internal-passport", form)
	p = parse(t, body)
	if res.StatusCode != 422 || !p.has("f-title-en-error") || !p.has("f-documents-error") || attr(p.byID("f-title-ru"), "value") != "Паспорт гражданина РФ: получение и замена" ||
		attr(p.byID(strings.ReplaceAll("f-"+row+"cost", ".", "-")), "value") != "500" || !strings.Contains(text(p.byID("f-documents-error")), "Строка 5, по-английски") {
		t.Fatalf("a draft without English: %d %s", res.StatusCode, body)
	}
	if sum := p.textOf("error-summary"); !strings.Contains(sum, "Название, по-английски: заполните текст") || !strings.Contains(sum, "Документы, строка 5, по-английски: заполните текст") {
		t.Errorf("the summary does not name the fields: %s", sum)
	}
	form = formValues(p, "catalog-service-form")
	form.Set("title.en", "Getting or replacing a Russian passport")
	form.Set("documents", strings.Replace(form.Get("documents"), "Справка без перевода", "Справка | A certificate", 1))
	form.Set("action", "add_row")
	res, body = ed.post("/staff/catalog/services/internal-passport", form)
	p = parse(t, body)
	if res.StatusCode != 200 || len(p.find(func(n *html.Node) bool { return attr(n, "data-variant") != "" })) != 5 || attr(p.byID("f-title-en"), "value") != "Getting or replacing a Russian passport" {
		t.Fatalf("a row added: %d", res.StatusCode)
	}
	form = formValues(p, "catalog-service-form")
	form.Set("action", "save")
	if res, body := ed.post("/staff/catalog/services/internal-passport", form); res.StatusCode != 303 || res.Header.Get("Location") != "/staff/catalog/services/internal-passport?done=saved" {
		t.Fatalf("save: %d %s %s", res.StatusCode, res.Header.Get("Location"), parse(t, body).textOf("error-summary"))
	}
	res, body = ed.get("/staff/catalog/services/internal-passport?done=saved")
	p = parse(t, body)
	if res.StatusCode != 200 || attr(p.byID("catalog-state"), "data-state") != "changed" || !p.has("catalog-discard") {
		t.Fatalf("the saved draft: %d %s", res.StatusCode, body)
	}
	if rub, title := h.publicService("internal-passport", "77"); rub != 300 || strings.Contains(title, "получение и замена") {
		t.Fatalf("a draft is public: %v %q", rub, title)
	}

	// Publishing wants a fresh code once the last is over 5 minutes old.
	h.clock.Add(6 * time.Minute)
	form = formValues(p, "catalog-service-form")
	form.Set("action", "publish")
	res, body = ed.post("/staff/catalog/services/internal-passport", form)
	if p := parse(t, body); res.StatusCode != 422 || !p.has("f-code-error") {
		t.Fatalf("publish without a fresh code: %d %s", res.StatusCode, body)
	}
	form.Set("code", h.staffCode(demoMember("editor").Secret))
	if res, _ := ed.post("/staff/catalog/services/internal-passport", form); res.StatusCode != 303 || res.Header.Get("Location") != "/staff/catalog?done=published&id=internal-passport" {
		t.Fatalf("publish: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if rub, title := h.publicService("internal-passport", "77"); rub != 500 || title != "Паспорт гражданина РФ: получение и замена" {
		t.Fatalf("published: %v %q", rub, title)
	}
	if rub, _ := h.publicService("internal-passport", "40"); rub != 300 {
		t.Fatalf("the Kaluga cost changed: %v", rub)
	}
	if r := h.api("GET", "/api/v1/services?q=получение+замена+паспорта&region=77", "", nil); r.Status != 200 || !strings.Contains(r.Raw, `"internal-passport"`) {
		t.Fatalf("the search does not find the new title: %s", r.Raw)
	}

	// Others are refused.
	for _, who := range []string{"operator", "post"} {
		b := h.staffBrowser(who)
		if res, _ := b.get("/staff/catalog"); res.StatusCode != 403 {
			t.Errorf("%s on the catalog: %d", who, res.StatusCode)
		}
		if res, _ := b.post("/staff/catalog/services/internal-passport", url.Values{"action": {"publish"}}); res.StatusCode != 403 {
			t.Errorf("%s publishes: %d", who, res.StatusCode)
		}
	}

	// The synonyms: a line without «=» is named; then a new one works at once.
	res, body = ed.get("/staff/catalog/synonyms")
	syns := formValues(parse(t, body), "catalog-synonyms-form").Get("synonyms")
	if res.StatusCode != 200 || !strings.Contains(syns, "загран = заграничный паспорт") {
		t.Fatalf("the synonyms: %d %q", res.StatusCode, syns)
	}
	res, body = ed.post("/staff/catalog/synonyms", url.Values{"synonyms": {syns + "\nкраснокнижка"}})
	if p := parse(t, body); res.StatusCode != 422 || !strings.Contains(text(p.byID("f-synonyms-error")), "Строка") || !strings.Contains(formValues(p, "catalog-synonyms-form").Get("synonyms"), "краснокнижка") {
		t.Fatalf("a line without =: %d %s", res.StatusCode, body)
	}
	if res, _ := ed.post("/staff/catalog/synonyms", url.Values{"synonyms": {syns + "\nпаспортина = паспорт гражданина"}}); res.StatusCode != 303 {
		t.Fatalf("synonyms: %d", res.StatusCode)
	}
	if r := h.api("GET", "/api/v1/services?q=паспортина", "", nil); !strings.Contains(r.Raw, `"internal-passport"`) {
		t.Fatalf("the new synonym finds nothing: %s", r.Raw)
	}

	// A category: a wrong icon refused as typed, then saved.
	res, body = ed.post("/staff/catalog/categories", url.Values{"id": {"hobby"}, "icon": {"Not An Icon"}, "order": {"30"}, "title.ru": {"Досуг"}, "title.en": {"Leisure"}})
	if p := parse(t, body); res.StatusCode != 422 || !p.has("f-icon-error") || attr(p.byID("f-title-ru"), "value") != "Досуг" {
		t.Fatalf("a wrong icon: %d %s", res.StatusCode, body)
	}
	if res, _ := ed.post("/staff/catalog/categories", url.Values{"id": {"hobby"}, "icon": {"culture"}, "order": {"30"}, "title.ru": {"Досуг"}, "title.en": {"Leisure"}}); res.StatusCode != 303 {
		t.Fatalf("a category: %d", res.StatusCode)
	}
	if r := h.api("GET", "/api/v1/categories", "", nil); !strings.Contains(r.Raw, `"hobby"`) {
		t.Fatal("the new category is not listed")
	}

	// The export, and an import refused with every path, then as drafts.
	res, exported := ed.get("/staff/catalog/export")
	var doc struct {
		Services []map[string]any `json:"services"`
	}
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") || json.Unmarshal([]byte(exported), &doc) != nil || len(doc.Services) < 150 {
		t.Fatalf("export: %d %v", res.StatusCode, res.Header)
	}
	bad := `{"categories":[],"agencies":[],"services":[{"id":"Bad ID","category":"nowhere"}],"synonyms":[]}`
	res, body = ed.upload("/staff/catalog/import", "file", "catalog.json", []byte(bad))
	p = parse(t, body)
	if res.StatusCode != 422 || !p.has("f-file-error") || !strings.Contains(text(p.byID("import-rejections")), "services[0].title.en") ||
		!strings.Contains(text(p.byID("import-rejections")), "services[0].category") {
		t.Fatalf("a bad import: %d %s", res.StatusCode, body)
	}
	var whole map[string]any
	if err := json.Unmarshal([]byte(exported), &whole); err != nil {
		t.Fatal(err)
	}
	first := whole["services"].([]any)[0].(map[string]any)
	first["title"].(map[string]any)["ru"] = "Изменено импортом"
	edited, _ := json.Marshal(whole)
	res, body = ed.upload("/staff/catalog/import", "file", "catalog.json", edited)
	if p := parse(t, body); res.StatusCode != 200 || len(p.find(func(n *html.Node) bool { return hasAttr(n, "data-import-report") })) != 1 {
		t.Fatalf("an import as drafts: %d %s", res.StatusCode, body)
	}
	if _, body := ed.get("/staff/catalog?state=changed&q=изменено+импортом"); !strings.Contains(body, `data-service="`+first["id"].(string)+`"`) {
		t.Fatal("the imported service is not a draft of changes")
	}
	for action, want := range map[string]int{"catalog.draft_saved": 2, "catalog.published": 1, // saved, then saved and published "catalog.synonyms_saved": 1, "catalog.category_saved": 1,
		"catalog.exported": 1, "catalog.imported": 2} { // the demo's bootstrap and the editor's
		if n := h.auditCount(action); n != want {
			t.Errorf("audit %s: %d, want %d", action, n, want)
		}
	}

	// English.
	res, body = ed.get("/staff/catalog/services/internal-passport?lang=en")
	if p := parse(t, body); res.StatusCode != 200 || !strings.Contains(p.h1(), "Service «") || !strings.Contains(body, "Save the draft") {
		t.Fatalf("in English: %d %s", res.StatusCode, p.h1())
	}
}

// TestCatalogEditorAPI (issue 14 §2): the same through the API — an
// editor's draft of a service with a Moscow variant's new cost, refused
// first with its fields by path, then saved, published, and shown by
// GET /api/v1/services/{id}?region=77; a draft discarded; an import
// refused with its paths; operators and post operators refused.
func TestCatalogEditorAPI(t *testing.T) {
	h := newHarness(t, nil)
	editor := h.staffToken("editor")
	r := h.api("GET", "/api/v1/staff/catalog/services?state=published&q=паспорт", editor, nil)
	if r.Status != 200 || r.Body["total"].(float64) < 2 {
		t.Fatalf("the list: %d %s", r.Status, r.Raw)
	}
	r = h.api("GET", "/api/v1/staff/catalog/services/internal-passport", editor, nil)
	if r.Status != 200 || r.str("state") != "published" {
		t.Fatalf("the service: %d %s", r.Status, r.Raw)
	}
	svc := r.obj("service")
	svc["title"] = map[string]any{"ru": "Паспорт гражданина России", "en": ""}
	for _, v := range svc["variants"].([]any) {
		if v := v.(map[string]any); v["region"] == "77" {
			v["cost"] = map[string]any{"rub": 700, "text": map[string]string{"ru": "Госпошлина 700 ₽", "en": "State duty 700 ₽"}}
		}
	}
	r = h.api("PUT", "/api/v1/staff/catalog/services/internal-passport/draft", editor, svc)
	if r.Status != 422 || r.fieldCode("title.en") != "catalog.text_required" {
		t.Fatalf("a draft without English: %d %s", r.Status, r.Raw)
	}
	svc["title"] = map[string]any{"ru": "Паспорт гражданина России", "en": "Russian internal passport"}
	if r := h.api("PUT", "/api/v1/staff/catalog/services/internal-passport/draft", editor, svc); r.Status != 200 || r.str("state") != "changed" {
		t.Fatalf("the draft: %d %s", r.Status, r.Raw)
	}
	if rub, _ := h.publicService("internal-passport", "77"); rub != 300 {
		t.Fatalf("a draft is public: %v", rub)
	}
	for _, who := range []string{"operator", "post"} {
		token := h.staffToken(who)
		for _, c := range []struct {
			method, path string
			body         any
		}{{"GET", "/api/v1/staff/catalog/services", nil}, {"PUT", "/api/v1/staff/catalog/services/internal-passport/draft", svc},
			{"POST", "/api/v1/staff/catalog/services/internal-passport/publish", nil}} {
			if r := h.api(c.method, c.path, token, c.body); r.Status != 403 || r.str("code") != "staff.forbidden" {
				t.Errorf("%s: %s %s: %d", who, c.method, c.path, r.Status)
			}
		}
	}
	if r := h.api("POST", "/api/v1/staff/catalog/services/internal-passport/publish", editor, nil); r.Status != 200 || r.str("state") != "published" {
		t.Fatalf("publish: %d %s", r.Status, r.Raw)
	}
	if rub, title := h.publicService("internal-passport", "77"); rub != 700 || title != "Паспорт гражданина России" {
		t.Fatalf("published: %v %q", rub, title)
	}
	if r := h.api("POST", "/api/v1/staff/catalog/services/internal-passport/publish", editor, nil); r.Status != 404 || r.str("code") != "catalog.draft_not_found" {
		t.Fatalf("nothing to publish: %d %s", r.Status, r.Raw)
	}

	// A new service's draft, discarded.
	svc["title"] = map[string]any{"ru": "Пробная услуга", "en": "A trial service"}
	if r := h.api("PUT", "/api/v1/staff/catalog/services/trial-service/draft", editor, svc); r.Status != 200 || r.str("state") != "draft" || r.obj("service")["id"] != "trial-service" {
		t.Fatalf("a new draft: %d %s", r.Status, r.Raw)
	}
	if r := h.api("GET", "/api/v1/services/trial-service", "", nil); r.Status != 404 {
		t.Fatalf("a new draft is public: %d", r.Status)
	}
	if r := h.api("DELETE", "/api/v1/staff/catalog/services/trial-service/draft", editor, nil); r.Status != 204 {
		t.Fatalf("discard: %d %s", r.Status, r.Raw)
	}
	if r := h.api("GET", "/api/v1/staff/catalog/services/trial-service", editor, nil); r.Status != 404 {
		t.Fatalf("a discarded new service: %d", r.Status)
	}

	// The import: refused with its paths; the export read back as drafts.
	r = h.api("POST", "/api/v1/staff/catalog/import", editor, json.RawMessage(`{"categories":[{"id":"x","icon":"x","order":1,"title":{"ru":"Х","en":""}}],"agencies":[],"services":[],"synonyms":[]}`))
	if r.Status != 422 || r.str("code") != "catalog.document_invalid" || r.fieldCode("categories[0].title.en") != "catalog.text_required" {
		t.Fatalf("a bad import: %d %s", r.Status, r.Raw)
	}
	if r := h.api("POST", "/api/v1/staff/catalog/import?publish=maybe", editor, json.RawMessage(`{}`)); r.Status != 422 || r.fieldCode("publish") != "console.catalog.publish_flag" {
		t.Fatalf("a bad flag: %d %s", r.Status, r.Raw)
	}
	exp := h.api("GET", "/api/v1/staff/catalog/export", editor, nil)
	if exp.Status != 200 {
		t.Fatalf("export: %d", exp.Status)
	}
	if r := h.api("POST", "/api/v1/staff/catalog/import?publish=false", editor, json.RawMessage(exp.Raw)); r.Status != 200 || r.Body["services"].(float64) < 150 || r.Body["published"] != false {
		t.Fatalf("the export imported back: %d %s", r.Status, r.Raw)
	}
	if r := h.api("GET", "/api/v1/staff/catalog/services?state=changed", editor, nil); r.Body["total"].(float64) < 150 {
		t.Fatalf("the drafts after the import: %s", r.Raw)
	}
	r = h.api("GET", "/api/v1/staff/audit?action=catalog.*", h.staffToken("admin"), nil)
	for _, want := range []string{`"catalog.draft_saved"`, `"catalog.published"`, `"catalog.draft_discarded"`, `"catalog.imported"`, `"catalog.exported"`, `"service":"trial-service"`, `"actor_role":"catalog_editor"`} {
		if !strings.Contains(r.Raw, want) {
			t.Errorf("the audit log lacks %s", want)
		}
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }
