package catalog_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/catalog"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/staff"
)

type grants staff.Grants

func (g grants) Grants(context.Context) (staff.Grants, error) { return staff.Grants(g), nil }

var (
	editor   = staff.Actor{Member: &staff.Member{ID: "stf_editor", Roles: []string{staff.RoleCatalogEditor}}}
	operator = staff.Actor{Member: &staff.Member{ID: "stf_op", Roles: []string{staff.RoleOperator}}}
	t0       = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
)

// editing is a catalog with a category and two agencies, for the
// editors' tests.
func editing(t *testing.T) (*catalog.Catalog, *memStore) {
	t.Helper()
	st := newMemStore()
	c := catalog.New(catalog.Deps{Store: st, Regions: three, Now: func() time.Time { return t0 },
		Grants: grants{{Role: staff.RoleCatalogEditor, Permission: staff.PermCatalogManage}}})
	ctx := context.Background()
	for _, err := range []error{
		c.SaveCategory(ctx, editor, catalog.Category{ID: "passports", Icon: "passports", Order: 1, Title: catalog.Text{RU: "Паспорта", EN: "Passports"}}),
		c.SaveAgency(ctx, editor, catalog.Agency{ID: "mvd", Level: catalog.Federal, Name: catalog.Text{RU: "МВД России", EN: "Interior Ministry"}}),
		c.SaveAgency(ctx, editor, catalog.Agency{ID: "mvd-77", Level: catalog.Regional, Region: "77", Name: catalog.Text{RU: "ГУ МВД по Москве", EN: "Moscow police"}}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return c, st
}

// passport is a valid service, with a Moscow variant.
func passport() catalog.Service {
	t := func(ru, en string) catalog.Text { return catalog.Text{RU: ru, EN: en} }
	cost := catalog.Cost{Rub: 6000, Text: t("Госпошлина 6 000 ₽", "State duty 6,000 ₽")}
	return catalog.Service{ID: "foreign-passport", Category: "passports", Agency: "mvd",
		Title: t("Заграничный паспорт", "Foreign travel passport"), Short: t("На 10 лет", "For 10 years"),
		Description: t("Паспорт для поездок за границу", "A passport to travel abroad"), Applicants: []catalog.Applicant{catalog.Citizen},
		Level: account.Confirmed, Documents: []catalog.Text{t("Паспорт", "Passport")}, Cost: cost, Term: t("1 месяц", "1 month"),
		Result: t("Паспорт", "Passport"), Channels: []catalog.Channel{catalog.Online, catalog.MFC}, LegalBasis: []catalog.Text{t("Закон № 114-ФЗ", "Law 114-FZ")},
		Federal: true, Variants: []catalog.Variant{{Region: "77", Available: true, Agency: "mvd-77"}}}
}

// fields returns the paths of an Invalid problem's fields.
func fields(err error) []string {
	p, ok := problem.As(err)
	if !ok || p.Kind != problem.Invalid {
		return nil
	}
	return p.SortedFieldNames()
}

// TestEditing walks the editors' work on one service, step by step: a
// draft saved is not public; published, the search finds it and a
// region's page shows its variant; a change saved as a draft leaves the
// public version alone until published; a bad draft is refused with its
// fields and nothing saved; a draft discarded leaves the published
// version; a new service's draft discarded is gone. Each step is audited
// with the service's ID.
func TestEditing(t *testing.T) {
	c, st := editing(t)
	ctx := context.Background()
	find := func(q string) []string {
		res, err := c.Find(ctx, catalog.Search{Q: q, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, h := range res.Hits {
			ids = append(ids, h.ID)
		}
		return ids
	}
	changed := passport()
	changed.Title.RU = "Заграничный паспорт нового образца"
	changed.Variants[0].Cost = &catalog.Cost{Rub: 7000, Text: catalog.Text{RU: "7 000 ₽", EN: "7,000 ₽"}}
	bad := changed
	bad.Title.EN, bad.Category = "", "nowhere"
	bad.Variants = []catalog.Variant{{Region: "00", Available: true, Agency: "mvd-77"}}
	newOne := passport()
	newOne.ID, newOne.Title = "birth-certificate", catalog.Text{RU: "Свидетельство о рождении", EN: "Birth certificate"}

	for _, step := range []struct {
		name   string
		do     func() error
		err    problem.Kind // the refusal's kind, 0 for none
		fields []string     // an Invalid refusal's paths
		state  catalog.State
		title  string   // the editors' version's Russian title
		found  []string // what the public search finds for «заграничного»
		newer  bool     // whether it finds the changed title's «образца»
		cost   int      // the published version's cost in Moscow (0: not published)
		action string   // the audit record added, "" for none
	}{
		{name: "a draft saved", do: func() error { _, err := c.SaveDraft(ctx, editor, passport()); return err },
			state: catalog.StateDraft, title: "Заграничный паспорт", action: "catalog.draft_saved"},
		{name: "published", do: func() error { _, err := c.Publish(ctx, editor, "foreign-passport"); return err },
			state: catalog.StatePublished, title: "Заграничный паспорт", found: []string{"foreign-passport"}, cost: 6000, action: "catalog.published"},
		{name: "nothing to publish", do: func() error { _, err := c.Publish(ctx, editor, "foreign-passport"); return err }, err: problem.NotFound,
			state: catalog.StatePublished, title: "Заграничный паспорт", found: []string{"foreign-passport"}, cost: 6000},
		{name: "a change saved as a draft", do: func() error { _, err := c.SaveDraft(ctx, editor, changed); return err },
			state: catalog.StateChanged, title: "Заграничный паспорт нового образца", found: []string{"foreign-passport"}, cost: 6000, action: "catalog.draft_saved"},
		{name: "a bad draft refused", do: func() error { _, err := c.SaveDraft(ctx, editor, bad); return err }, err: problem.Invalid,
			fields: []string{"category", "title.en", "variants[0].agency", "variants[0].region"},
			state:  catalog.StateChanged, title: "Заграничный паспорт нового образца", found: []string{"foreign-passport"}, cost: 6000},
		{name: "not an editor", do: func() error { _, err := c.SaveDraft(ctx, operator, passport()); return err }, err: problem.Forbidden,
			state: catalog.StateChanged, title: "Заграничный паспорт нового образца", found: []string{"foreign-passport"}, cost: 6000},
		{name: "the change published", do: func() error { _, err := c.Publish(ctx, editor, "foreign-passport"); return err },
			state: catalog.StatePublished, title: "Заграничный паспорт нового образца", found: []string{"foreign-passport"}, newer: true, cost: 7000, action: "catalog.published"},
		{name: "another draft", do: func() error { _, err := c.SaveDraft(ctx, editor, bad2()); return err },
			state: catalog.StateChanged, title: "Паспорт для отмены", found: []string{"foreign-passport"}, newer: true, cost: 7000, action: "catalog.draft_saved"},
		{name: "the draft discarded", do: func() error { return c.Discard(ctx, editor, "foreign-passport") },
			state: catalog.StatePublished, title: "Заграничный паспорт нового образца", found: []string{"foreign-passport"}, newer: true, cost: 7000, action: "catalog.draft_discarded"},
		{name: "no draft to discard", do: func() error { return c.Discard(ctx, editor, "foreign-passport") }, err: problem.NotFound,
			state: catalog.StatePublished, title: "Заграничный паспорт нового образца", found: []string{"foreign-passport"}, newer: true, cost: 7000},
		{name: "not an editor discards", do: func() error { return c.Discard(ctx, operator, "foreign-passport") }, err: problem.Forbidden,
			state: catalog.StatePublished, title: "Заграничный паспорт нового образца", found: []string{"foreign-passport"}, newer: true, cost: 7000},
	} {
		t.Run(step.name, func(t *testing.T) {
			before := len(st.actions())
			err := step.do()
			if got := problem.KindOf(err); err != nil && got != step.err || err == nil && step.err != 0 {
				t.Fatalf("error %v, want kind %v", err, step.err)
			}
			if got := fields(err); !slices.Equal(got, step.fields) {
				t.Errorf("fields %v, want %v", got, step.fields)
			}
			s, state, err := c.Service(ctx, editor, "foreign-passport")
			if err != nil || state != step.state || s.Title.RU != step.title {
				t.Errorf("the editors' version: %v %s %q, want %s %q", err, state, s.Title.RU, step.state, step.title)
			}
			if got := find("заграничного"); !slices.Equal(got, step.found) {
				t.Errorf("the public search finds %v, want %v", got, step.found)
			}
			if got := find("образца"); len(got) > 0 != step.newer {
				t.Errorf("the public search finds %v for the changed title's word", got)
			}
			pg, err := c.Page(ctx, "foreign-passport", "77")
			switch {
			case step.cost == 0 && problem.KindOf(err) != problem.NotFound:
				t.Errorf("an unpublished service's page: %v", err)
			case step.cost != 0 && (err != nil || pg.Offer.Cost.Rub != step.cost || pg.Agency.ID != "mvd-77"):
				t.Errorf("the page in Moscow: %v %+v, want the cost %d", err, pg, step.cost)
			}
			log := st.actions()[before:]
			switch {
			case step.action == "" && len(log) > 0:
				t.Errorf("audited %v", log)
			case step.action != "" && (len(log) != 1 || log[0].Action != step.action || log[0].Details["service"] != "foreign-passport" ||
				log[0].ActorID != "stf_editor" || log[0].ActorRole != staff.RoleCatalogEditor):
				t.Errorf("audited %+v, want one %s of foreign-passport", log, step.action)
			}
		})
	}

	// A new service's draft discarded is gone, and the list says so.
	if _, err := c.SaveDraft(ctx, editor, newOne); err != nil {
		t.Fatal(err)
	}
	list := func(f catalog.Filter) []string {
		es, err := c.Services(ctx, editor, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.ID+":"+string(e.State))
		}
		return out
	}
	for _, x := range []struct {
		f    catalog.Filter
		want []string
	}{
		{catalog.Filter{}, []string{"birth-certificate:draft", "foreign-passport:published"}},
		{catalog.Filter{State: catalog.StateDraft}, []string{"birth-certificate:draft"}},
		{catalog.Filter{Q: "РОЖД"}, []string{"birth-certificate:draft"}},
		{catalog.Filter{Q: "foreign"}, []string{"foreign-passport:published"}},
		{catalog.Filter{Q: "birth"}, []string{"birth-certificate:draft"}},
		{catalog.Filter{Category: "passports", State: catalog.StatePublished}, []string{"foreign-passport:published"}},
		{catalog.Filter{Category: "family"}, nil},
	} {
		if got := list(x.f); !slices.Equal(got, x.want) {
			t.Errorf("list %+v: %v, want %v", x.f, got, x.want)
		}
	}
	if _, err := c.Services(ctx, editor, catalog.Filter{State: "lost"}); !slices.Equal(fields(err), []string{"state"}) {
		t.Errorf("an unknown state: %v", err)
	}
	if _, err := c.Services(ctx, operator, catalog.Filter{}); problem.KindOf(err) != problem.Forbidden {
		t.Errorf("an operator lists the services: %v", err)
	}
	if err := c.Discard(ctx, editor, "birth-certificate"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Service(ctx, editor, "birth-certificate"); problem.KindOf(err) != problem.NotFound {
		t.Fatalf("a discarded new service: %v", err)
	}
	if log := st.actions(); log[len(log)-1].Details["published"] != "false" {
		t.Errorf("the last discard: %+v", log[len(log)-1])
	}
}

// bad2 is a valid change of the passport, to be discarded.
func bad2() catalog.Service {
	s := passport()
	s.Title.RU = "Паспорт для отмены"
	return s
}

// TestEditingReferences: categories, agencies and synonyms are checked
// like a document's, saved, audited with their IDs; a synonym reaches the
// search at once.
func TestEditingReferences(t *testing.T) {
	c, st := editing(t)
	ctx := context.Background()
	if _, err := c.SaveDraft(ctx, editor, passport()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, editor, "foreign-passport"); err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		name   string
		do     func() error
		fields []string
		action string
		detail [2]string
	}{
		{"a category", func() error {
			return c.SaveCategory(ctx, editor, catalog.Category{ID: "family", Icon: "family", Order: 2, Title: catalog.Text{RU: "Семья", EN: "Family"}})
		}, nil, "catalog.category_saved", [2]string{"category", "family"}},
		{"a category without an icon or English", func() error {
			return c.SaveCategory(ctx, editor, catalog.Category{ID: "Family!", Title: catalog.Text{RU: "Семья"}})
		}, []string{"icon", "id", "title.en"}, "", [2]string{}},
		{"a regional agency", func() error {
			return c.SaveAgency(ctx, editor, catalog.Agency{ID: "kaluga-zags", Level: catalog.Regional, Region: "40", Name: catalog.Text{RU: "ЗАГС", EN: "Registry office"}})
		}, nil, "catalog.agency_saved", [2]string{"agency", "kaluga-zags"}},
		{"a federal agency with a region", func() error {
			return c.SaveAgency(ctx, editor, catalog.Agency{ID: "fns", Level: catalog.Federal, Region: "40", Name: catalog.Text{RU: "ФНС", EN: "Tax"}})
		}, []string{"region"}, "", [2]string{}},
		{"an agency of a region that is not", func() error {
			return c.SaveAgency(ctx, editor, catalog.Agency{ID: "x", Level: catalog.Municipal, Region: "00", Name: catalog.Text{RU: "Х", EN: "X"}})
		}, []string{"region"}, "", [2]string{}},
		{"synonyms", func() error {
			return c.SaveSynonyms(ctx, editor, []catalog.Synonym{{Term: " загран ", Expands: "заграничный паспорт"}})
		}, nil, "catalog.synonyms_saved", [2]string{"synonyms", "1"}},
		{"a synonym twice and one empty", func() error {
			return c.SaveSynonyms(ctx, editor, []catalog.Synonym{{Term: "загран", Expands: "паспорт"}, {Term: "Загран", Expands: "паспорт"}, {Term: "x"}})
		}, []string{"[1].term", "[2].expands"}, "", [2]string{}},
		{"not an editor", func() error {
			return c.SaveCategory(ctx, operator, catalog.Category{ID: "family", Icon: "family", Title: catalog.Text{RU: "Семья", EN: "Family"}})
		}, nil, "", [2]string{}},
	} {
		t.Run(x.name, func(t *testing.T) {
			before := len(st.actions())
			err := x.do()
			if got := fields(err); !slices.Equal(got, x.fields) {
				t.Errorf("fields %v (%v), want %v", got, err, x.fields)
			}
			if x.action != "" && err != nil {
				t.Fatal(err)
			}
			log := st.actions()[before:]
			if x.action == "" && len(log) > 0 || x.action != "" && (len(log) != 1 || log[0].Action != x.action || log[0].Details[x.detail[0]] != x.detail[1]) {
				t.Errorf("audited %+v, want %s %v", log, x.action, x.detail)
			}
		})
	}
	if cats, _ := c.Categories(ctx); len(cats) != 2 {
		t.Errorf("categories %+v", cats)
	}
	if ags, _ := c.Agencies(ctx); len(ags) != 3 {
		t.Errorf("agencies %+v", ags)
	}
	if syns, err := c.Synonyms(ctx, editor); err != nil || len(syns) != 1 || syns[0].Term != "загран" {
		t.Errorf("synonyms %+v %v", syns, err)
	}
	if res, err := c.Find(ctx, catalog.Search{Q: "загран", Limit: 5}); err != nil || res.Total != 1 {
		t.Errorf("the synonym does not find the passport: %+v %v", res, err)
	}
	if _, err := c.Synonyms(ctx, operator); problem.KindOf(err) != problem.Forbidden {
		t.Errorf("an operator reads the synonyms: %v", err)
	}
}

// TestImportInvalidUnwraps: a refused import is an Invalid problem with a
// field per path, as the API answers it.
func TestImportInvalidUnwraps(t *testing.T) {
	c, _ := editing(t)
	_, err := c.Import(context.Background(), editor, []byte(`{"categories":[{"id":"X","icon":"x","order":1,"title":{"ru":"Х","en":""}}],"agencies":[],"services":[],"synonyms":[]}`), false)
	var inv *catalog.Invalid
	p, ok := problem.As(err)
	if !ok || p.Kind != problem.Invalid || p.Message.ID != "catalog.document_invalid" || len(p.Fields) != 2 {
		t.Fatalf("%v", err)
	}
	if !errors.As(err, &inv) || len(inv.Rejections) != 2 {
		t.Fatalf("not an *Invalid: %v", err)
	}
}
