package catalog_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/catalog"
	"github.com/kabinet/kabinet/internal/demo"
	"github.com/kabinet/kabinet/internal/places"
	"github.com/kabinet/kabinet/internal/problem"
)

type regions []string

func (r regions) HasRegion(code string) bool { return slices.Contains(r, code) }
func (r regions) Codes() []string            { return r }

var three = regions{"40", "66", "77"}

// TestIn: a federal service everywhere but where withdrawn, with a
// region's agency, cost, term and extra documents; a regional one only
// where available.
func TestIn(t *testing.T) {
	cost := catalog.Cost{Rub: 500, Text: catalog.Text{RU: "500 ₽", EN: "500 ₽"}}
	term := catalog.Text{RU: "3 дня", EN: "3 days"}
	fed := &catalog.Service{ID: "f", Agency: "mvd", Federal: true, Documents: []catalog.Text{{RU: "Паспорт"}},
		Variants: []catalog.Variant{{Region: "77", Available: true, Agency: "gumvd-77", Cost: &cost, Term: &term, ExtraDocuments: []catalog.Text{{RU: "Фото"}}},
			{Region: "66", Available: false}}}
	if o, ok := fed.In("40"); !ok || o.Agency != "mvd" || len(o.Documents) != 1 {
		t.Fatalf("federal in 40: %+v %v", o, ok)
	}
	if o, ok := fed.In("77"); !ok || o.Agency != "gumvd-77" || o.Cost.Rub != 500 || o.Term != term || len(o.Documents) != 2 || len(fed.Documents) != 1 {
		t.Fatalf("federal in 77: %+v %v", o, ok)
	}
	if _, ok := fed.In("66"); ok {
		t.Fatal("a federal service withdrawn from 66 is there")
	}
	if got := fed.Regions(three); !slices.Equal(got, []string{"40", "77"}) {
		t.Fatalf("federal regions %v", got)
	}
	reg := &catalog.Service{ID: "r", Variants: []catalog.Variant{{Region: "40", Available: true}, {Region: "77", Available: false}}}
	if _, ok := reg.In("40"); !ok {
		t.Fatal("a regional service is not where available")
	}
	for _, r := range []string{"77", "66"} {
		if _, ok := reg.In(r); ok {
			t.Fatalf("a regional service in %s", r)
		}
	}
	if got := reg.Regions(three); !slices.Equal(got, []string{"40"}) {
		t.Fatalf("regional regions %v", got)
	}
	s := &catalog.Service{Level: account.Standard}
	if s.Opens(account.Simplified) || !s.Opens(account.Standard) || !s.Opens(account.Confirmed) {
		t.Fatal("Opens by level")
	}
	if (catalog.Text{RU: "да"}).In("en") != "да" || (catalog.Text{RU: "да", EN: "yes"}).In("en") != "yes" {
		t.Fatal("Text.In")
	}
}

// TestParseDemo: the demo's catalog is a valid document with every seed
// example.
func TestParseDemo(t *testing.T) {
	dir, err := places.Load()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := catalog.Parse(demo.Catalog, dir)
	var inv *catalog.Invalid
	if errors.As(err, &inv) {
		t.Fatalf("the demo catalog: %v", inv.Rejections)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Services) < 150 || len(doc.Categories) < 12 {
		t.Fatalf("%d services in %d categories", len(doc.Services), len(doc.Categories))
	}
	for _, id := range []string{"traffic-fines", "accounting-statements", "doctor-appointment", "pension-account-statement", "tax-debt-check",
		"foreign-passport-10y", "marriage-registration", "kindergarten-queue", "inn"} {
		if !slices.ContainsFunc(doc.Services, func(s catalog.Service) bool { return s.ID == id }) {
			t.Errorf("no %s", id)
		}
	}
}

// TestParseRejects: every problem of a document is reported with its path,
// and nothing of it is accepted.
func TestParseRejects(t *testing.T) {
	doc := `{"categories":[{"id":"docs","icon":"docs","order":1,"title":{"ru":"Документы","en":"Documents"}},{"id":"docs","icon":"x","order":2,"title":{"ru":"","en":"B"}}],
	"agencies":[{"id":"mvd","level":"federal","region":"77","name":{"ru":"МВД","en":"MVD"}},{"id":"k","level":"city","region":"40","name":{"ru":"К","en":"K"}}],
	"services":[{"id":"Bad ID","category":"nope","agency":"ghost","title":{"ru":"Т","en":"T"},"short":{"ru":"к","en":"s"},"description":{"ru":"о","en":"d"},
	"applicants":["alien"],"level":"gold","documents":[],"cost":{"rub":-1,"text":{"ru":"б","en":"f"}},"payment":{"ru":"","en":""},"term":{"ru":"с","en":"t"},
	"result":{"ru":"р","en":"r"},"channels":[],"legal_basis":[],"federal":false,"keywords":{"ru":[],"en":[]},"variants":[{"region":"99","available":false,"agency":"","cost":null,"term":null,"extra_documents":[]}],"popularity":101}],
	"synonyms":[{"term":"","expands":"x"}]}`
	_, err := catalog.Parse([]byte(doc), three)
	var inv *catalog.Invalid
	if !errors.As(err, &inv) {
		t.Fatalf("got %v", err)
	}
	got := map[string]string{}
	for _, r := range inv.Rejections {
		got[r.Path] = r.Message.ID
	}
	for path, id := range map[string]string{
		"categories[1].id": "catalog.id_duplicate", "categories[1].title.ru": "catalog.text_required",
		"agencies[0].region": "catalog.agency_federal_region", "agencies[1].level": "catalog.agency_level",
		"services[0].id": "catalog.id_format", "services[0].category": "catalog.category_unknown", "services[0].agency": "catalog.agency_unknown",
		"services[0].applicants[0]": "catalog.applicant_unknown", "services[0].level": "catalog.level_unknown", "services[0].cost.rub": "catalog.cost_range",
		"services[0].channels": "catalog.channels_required", "services[0].variants[0].region": "catalog.region_unknown",
		"services[0].variants": "catalog.nowhere", "services[0].popularity": "catalog.popularity_range", "synonyms[0].term": "catalog.keyword_format",
	} {
		if got[path] != id {
			t.Errorf("%s: %q, want %q", path, got[path], id)
		}
	}
	for _, bad := range []string{`{`, `[]`, `{"services":[],"extra":1}`, `{"services":[]} {}`} {
		if _, err := catalog.Parse([]byte(bad), three); problem.KindOf(err) != problem.Invalid || errors.As(err, &inv) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := catalog.Parse([]byte(strings.Repeat(" ", catalog.MaxDocument+1)), three); problem.KindOf(err) != problem.TooLarge {
		t.Errorf("too large: %v", err)
	}
}

// TestLexicon: a query's words become groups — the stem, a synonym's
// terms, the terms one typo away — and the word being typed a prefix.
func TestLexicon(t *testing.T) {
	l := catalog.NewLexicon([]catalog.Synonym{{Term: "загран", Expands: "заграничный паспорт"}, {Term: "гос пошлина", Expands: "государственная пошлина"}},
		[]catalog.ServiceTerms{{Summary: catalog.Summary{ID: "a"}, All: "заграничн паспорт выезд"}, {Summary: catalog.Summary{ID: "b"}, All: "паспорт гражданин"}, {Summary: catalog.Summary{ID: "c"}, All: "врач запис"}})
	groups, prefix := l.Parse("паспрот для загран", false)
	if prefix != "" || len(groups) != 2 {
		t.Fatalf("groups %v prefix %q", groups, prefix)
	}
	if !slices.ContainsFunc(groups[0], func(alt []string) bool { return slices.Equal(alt, []string{"паспорт"}) }) {
		t.Errorf("the typo's correction is not an alternative: %v", groups[0])
	}
	if !slices.ContainsFunc(groups[1], func(alt []string) bool { return slices.Equal(alt, []string{"заграничн", "паспорт"}) }) {
		t.Errorf("the synonym is not an alternative: %v", groups[1])
	}
	if groups, _ := l.Parse("гос пошлина", false); len(groups) != 1 || len(groups[0]) != 1 || len(groups[0][0]) != 2 {
		t.Errorf("a phrase synonym: %v", groups)
	}
	if groups, prefix := l.Parse("запись к вра", true); len(groups) != 1 || prefix == "" || !strings.HasPrefix("врач", prefix) {
		t.Errorf("typing: %v %q", groups, prefix)
	}
	if groups, prefix := l.Parse("запись к ", true); len(groups) != 1 || prefix != "" {
		t.Errorf("typing, the last word finished: %v %q", groups, prefix)
	}
	if groups, prefix := l.Parse("запись к в", true); len(groups) != 1 || prefix != "" {
		t.Errorf("typing, one letter of the last word: %v %q", groups, prefix)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"categories":[],"agencies":[],"services":[],"synonyms":[]}`))
	f.Add(demo.Catalog[:2000])
	f.Add([]byte(`{"services":[{"id":"a","variants":[{"region":"40"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := catalog.Parse(data, three)
		if err == nil && doc == nil {
			t.Fatal("no document and no error")
		}
		var inv *catalog.Invalid
		if errors.As(err, &inv) && len(inv.Rejections) == 0 {
			t.Fatal("an Invalid without rejections")
		}
	})
}

func FuzzLexiconParse(f *testing.F) {
	l := catalog.NewLexicon([]catalog.Synonym{{Term: "загран", Expands: "заграничный паспорт"}}, []catalog.ServiceTerms{{Summary: catalog.Summary{ID: "a"}, All: "паспорт врач"}})
	for _, s := range []string{"паспорта", "паспрот загран", "", "   ", "ё-моё 123", "\x00\xff"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, q string, typing bool) {
		groups, _ := l.Parse(q, typing)
		if len(groups) > 8 {
			t.Fatalf("%d groups", len(groups))
		}
		for _, g := range groups {
			for _, alt := range g {
				if len(alt) == 0 {
					t.Fatalf("an empty alternative in %v", groups)
				}
			}
		}
	})
}
