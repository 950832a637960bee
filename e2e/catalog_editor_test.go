package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// publicCost reads a service's cost in a region from the public API, as
// any client sees it.
func (e *env) publicCost(id, region string) (rub int, title string) {
	e.t.Helper()
	res, err := http.Get(e.baseURL + "/api/v1/services/" + id + "?region=" + region)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Title struct{ RU string } `json:"title"`
		Cost  struct{ Rub int }   `json:"cost"`
	}
	if res.StatusCode != 200 || json.NewDecoder(res.Body).Decode(&out) != nil {
		e.t.Fatalf("public service %s: %d", id, res.StatusCode)
	}
	return out.Cost.Rub, out.Title.RU
}

// TestCatalogEditor (issue 14 §2): the demo catalog editor signs in to
// the console, finds the internal passport, changes its title and the
// Moscow variant's cost — first leaving the English title empty, told so
// next to the field with the rest kept —, adds a variant row, saves the
// draft (the public API still shows the old cost), publishes it, and the
// public API shows the new cost in Moscow. A refused import lists its
// problems by path; the categories, agencies, synonyms and new-service
// pages and the form in English are scanned too. Axe finds nothing at
// 1280 and 375 px on each page.
func TestCatalogEditor(t *testing.T) {
	t.Parallel()
	e := start(t)
	b := e.browser("catalog-editor")
	e.staffSignIn(b, "editor")
	b.follow(`a[href="/staff/catalog"]`)
	b.expect("heading", b.heading(), "Каталог услуг")
	b.scan("catalog editors: the services")

	b.fill("f-q", "паспорт гражданина")
	b.submit(`form[action="/staff/catalog"] button[type=submit]`)
	if n := b.count(`[data-service="internal-passport"][data-state="published"]`); n != 1 {
		t.Errorf("the internal passport found published: %d rows", n)
	}
	b.expect("its state", b.text(`[data-service="internal-passport"] .tag`), "Опубликована")
	b.follow(`a[href="/staff/catalog/services/internal-passport"]`)
	b.expectContains("heading", b.heading(), "Получение или замена паспорта")
	b.expect("the Moscow row", b.value("f-variants-1-region"), "77")
	b.scan("catalog editors: a service")
	if rub, _ := e.publicCost("internal-passport", "77"); rub != 300 {
		t.Fatalf("the demo's cost in Moscow: %d", rub)
	}

	b.fill("f-title-ru", "Паспорт гражданина РФ: получение и замена")
	b.fill("f-title-en", "")
	b.fill("f-variants-1-cost", "500")
	b.fill("f-variants-1-cost-text", "Госпошлина 500 ₽ | State duty 500 ₽")
	if st := b.submit("#catalog-save"); st != 422 {
		t.Errorf("a draft without an English title: %d, want 422", st)
	}
	b.expectContains("the English title's message", b.text("#f-title-en-error"), "Заполните текст")
	b.expect("the title kept", b.value("f-title-ru"), "Паспорт гражданина РФ: получение и замена")
	b.expect("the cost kept", b.value("f-variants-1-cost"), "500")
	b.scan("catalog editors: a draft refused")
	b.shot("catalog-draft-refused")

	b.fill("f-title-en", "Getting or replacing a Russian passport")
	b.submit("#catalog-add-row")
	if n := b.count("tr[data-variant]"); n != 5 {
		t.Errorf("rows after «Добавить строку»: %d, want 5", n)
	}
	b.expect("the English title kept", b.value("f-title-en"), "Getting or replacing a Russian passport")
	b.submit("#catalog-save")
	b.expect("URL after saving", b.url(), "/staff/catalog/services/internal-passport?done=saved")
	b.waitFor("the draft", `document.querySelector('#catalog-state[data-state="changed"]') !== null`)
	b.scan("catalog editors: a draft saved")
	if rub, title := e.publicCost("internal-passport", "77"); rub != 300 || title == "Паспорт гражданина РФ: получение и замена" {
		t.Fatalf("a draft is public: %d %q", rub, title)
	}

	b.submit("#catalog-publish")
	b.expect("URL after publishing", b.url(), "/staff/catalog?done=published&id=internal-passport")
	b.expectContains("notice", b.text(".notice"), "опубликована")
	if rub, title := e.publicCost("internal-passport", "77"); rub != 500 || title != "Паспорт гражданина РФ: получение и замена" {
		t.Errorf("published: %d %q, want 500 and the new title", rub, title)
	}

	// An import refused: every problem by its path.
	bad := filepath.Join(t.TempDir(), "catalog.json")
	if err := os.WriteFile(bad, []byte(`{"categories":[],"agencies":[],"services":[{"id":"Bad ID"}],"synonyms":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	b.do("choose the file", chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{bad}))
	if st := b.submit("#catalog-import-submit"); st != 422 {
		t.Errorf("a bad import: %d, want 422", st)
	}
	b.expectContains("the rejections", b.text("#import-rejections"), "services[0].title.ru")
	b.scan("catalog editors: an import refused")

	for _, p := range []struct{ path, heading, page string }{
		{"/staff/catalog/new", "Новая услуга", "catalog editors: a new service"},
		{"/staff/catalog/categories?id=passports", "Категории", "catalog editors: categories"},
		{"/staff/catalog/agencies?id=mvd-77", "Ведомства", "catalog editors: agencies"},
		{"/staff/catalog/synonyms", "Синонимы поиска", "catalog editors: synonyms"},
	} {
		b.open(p.path)
		b.expect(p.path+" heading", b.heading(), p.heading)
		b.scan(p.page)
	}
	b.open("/staff/catalog/services/internal-passport?lang=en")
	b.expect("heading in English", b.heading(), "Service «Getting or replacing a Russian passport»")
	b.scan("catalog editors: a service in English")
}
