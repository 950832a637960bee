package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/catalog"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/store"
)

// search is a catalog search over what the store keeps: the lexicon of
// its vocabulary matches q (the catalog ranks the first matches; here
// they stay in the cheap order), or the store's popular list for no
// words, counted by the lexicon.
func search(ctx context.Context, x *store.Catalog, q catalog.Query) (catalog.Result, error) {
	v, err := x.Vocabulary(ctx)
	if err != nil {
		return catalog.Result{}, err
	}
	lex := catalog.NewLexicon(nil, v)
	if len(q.Groups) == 0 && q.Prefix == "" {
		hits, err := x.PopularPage(ctx, q)
		m := lex.Match(catalog.Query{Region: q.Region, Category: q.Category, Level: q.Level}, 0, 0)
		return catalog.Result{Hits: hits, Total: m.Total, More: m.More}, err
	}
	all := lex.Match(q, 0, 0)
	m := lex.Match(q, q.Offset, q.Limit)
	var hits []catalog.Summary
	for _, c := range m.Candidates {
		i := slices.IndexFunc(v, func(t catalog.ServiceTerms) bool { return t.Summary.ID == c.Key })
		if i < 0 {
			return catalog.Result{}, fmt.Errorf("candidate %s is not in the vocabulary", c.Key)
		}
		hits = append(hits, v[i].Summary)
	}
	return catalog.Result{Hits: hits, Total: all.Total, More: all.More}, nil
}

func hitIDs(hs []catalog.Summary) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.ID)
	}
	return out
}

// TestCatalog: the catalog's storage on both engines — categories,
// agencies and synonyms saved and read back; published services, as the
// lexicon reads them from the store, found by their terms (groups of
// alternatives, a prefix), filtered by region (a federal service
// everywhere but where withdrawn, a regional one only where available),
// category and level, the title and keywords' matches first, each with
// the terms the ranking reads; drafts kept apart from the published
// version; views and the generation counted.
func TestCatalog(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		x := s.Catalog()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(x.SaveCategory(ctx, catalog.Category{ID: "docs", Icon: "docs", Order: 2, Title: catalog.Text{RU: "Документы", EN: "Documents"}}))
		must(x.SaveCategory(ctx, catalog.Category{ID: "family", Icon: "family", Order: 1, Title: catalog.Text{RU: "Семья", EN: "Family"}}))
		must(x.SaveCategory(ctx, catalog.Category{ID: "docs", Icon: "passport", Order: 2, Title: catalog.Text{RU: "Документы", EN: "Documents"}}))
		if cats, err := x.Categories(ctx); err != nil || len(cats) != 2 || cats[0].ID != "family" || cats[1].Icon != "passport" {
			t.Fatalf("categories %+v %v", cats, err)
		}
		must(x.SaveAgency(ctx, catalog.Agency{ID: "mvd", Level: catalog.Federal, Name: catalog.Text{RU: "МВД", EN: "MVD"}}))
		must(x.SaveAgency(ctx, catalog.Agency{ID: "kaluga-edu", Level: catalog.Regional, Region: "40", Name: catalog.Text{RU: "Минобр", EN: "Education"}}))
		if ags, err := x.Agencies(ctx); err != nil || len(ags) != 2 || ags[0].ID != "kaluga-edu" || ags[0].Region != "40" {
			t.Fatalf("agencies %+v %v", ags, err)
		}
		must(x.ReplaceSynonyms(ctx, []catalog.Synonym{{Term: "загран", Expands: "заграничный паспорт"}}))
		must(x.ReplaceSynonyms(ctx, []catalog.Synonym{{Term: "загран", Expands: "заграничный паспорт"}, {Term: "детсад", Expands: "детский сад"}}))
		if syns, err := x.Synonyms(ctx); err != nil || len(syns) != 2 || syns[1].Term != "загран" {
			t.Fatalf("synonyms %+v %v", syns, err)
		}

		svc := func(id, cat string, federal bool, level account.Level, title string, variants ...catalog.Variant) *catalog.Service {
			return &catalog.Service{ID: id, Category: cat, Agency: "mvd", Title: catalog.Text{RU: title, EN: id}, Short: catalog.Text{RU: title, EN: id},
				Level: level, Federal: federal, Variants: variants, Status: catalog.Published}
		}
		popular := func(s *catalog.Service) *catalog.Service { s.Popularity = 90; return s }
		type pub struct {
			s   *catalog.Service
			idx catalog.Indexed
		}
		for _, p := range []pub{
			{svc("foreign-passport", "docs", true, account.Confirmed, "Заграничный паспорт", catalog.Variant{Region: "99", Available: false}),
				catalog.Indexed{Title: "заграничн паспорт", Keywords: "загранпаспорт паспорт", Short: "выезд паспорт", Body: "выезд границ",
					All: "заграничн паспорт загранпаспорт паспорт выезд паспорт выезд границ"}},
			{svc("internal-passport", "docs", true, account.Standard, "Паспорт гражданина"),
				catalog.Indexed{Title: "паспорт гражданин", Keywords: "удостоверен", Body: "замен", All: "паспорт гражданин удостоверен замен"}},
			{popular(svc("kindergarten", "family", false, account.Standard, "Запись в детский сад", catalog.Variant{Region: "40", Available: true}, catalog.Variant{Region: "77", Available: false})),
				catalog.Indexed{Title: "запис детск сад", Body: "паспорт родител", All: "запис детск сад паспорт родител"}},
		} {
			must(x.PublishService(ctx, p.s, p.idx, "stf1", t0))
		}
		// Republished: the old terms go.
		p := svc("internal-passport", "docs", true, account.Standard, "Паспорт гражданина РФ")
		must(x.PublishService(ctx, p, catalog.Indexed{Title: "паспорт гражданин рф", Keywords: "удостоверен", All: "паспорт гражданин рф удостоверен"}, "stf1", t0))

		for _, c := range []struct {
			name string
			q    catalog.Query
			want []string
			tot  int
		}{
			{"every match, by popularity", catalog.Query{Groups: [][][]string{{{"паспорт"}}}, Limit: 10}, []string{"kindergarten", "foreign-passport", "internal-passport"}, 3},
			{"a full page: the title and keywords' matches first", catalog.Query{Groups: [][][]string{{{"паспорт"}}}, Limit: 2}, []string{"foreign-passport", "internal-passport"}, 3},
			{"two terms", catalog.Query{Groups: [][][]string{{{"паспорт"}}, {{"выезд"}}}, Limit: 10}, []string{"foreign-passport"}, 1},
			{"an alternative of two terms", catalog.Query{Groups: [][][]string{{{"загран"}, {"заграничн", "паспорт"}}}, Limit: 10}, []string{"foreign-passport"}, 1},
			{"a replaced term is gone", catalog.Query{Groups: [][][]string{{{"замен"}}}, Limit: 10}, nil, 0},
			{"a prefix", catalog.Query{Prefix: "паспо", Limit: 10}, []string{"kindergarten", "foreign-passport", "internal-passport"}, 3},
			{"region: a federal service withdrawn", catalog.Query{Groups: [][][]string{{{"паспорт"}}}, Region: "99", Limit: 10}, []string{"internal-passport"}, 1},
			{"region: a regional service where available", catalog.Query{Groups: [][][]string{{{"паспорт"}}}, Region: "40", Limit: 10}, []string{"kindergarten", "foreign-passport", "internal-passport"}, 3},
			{"region: not where unavailable", catalog.Query{Groups: [][][]string{{{"сад"}}}, Region: "77", Limit: 10}, nil, 0},
			{"category", catalog.Query{Groups: [][][]string{{{"паспорт"}}}, Category: "family", Limit: 10}, []string{"kindergarten"}, 1},
			{"level", catalog.Query{Groups: [][][]string{{{"паспорт"}}}, Level: account.Standard, Limit: 10}, []string{"kindergarten", "internal-passport"}, 2},
			{"a page", catalog.Query{Groups: [][][]string{{{"паспорт"}}}, Limit: 1, Offset: 1}, []string{"internal-passport"}, 3},
			{"a page past the title and keywords' matches", catalog.Query{Groups: [][][]string{{{"паспорт"}}}, Limit: 5, Offset: 2}, []string{"kindergarten"}, 3},
			{"a page across them", catalog.Query{Groups: [][][]string{{{"паспорт"}}}, Limit: 2, Offset: 1}, []string{"internal-passport", "kindergarten"}, 3},
			{"past the last page", catalog.Query{Groups: [][][]string{{{"паспорт"}}}, Limit: 5, Offset: 10}, nil, 3},
			{"injection is dropped", catalog.Query{Groups: [][][]string{{{`паспорт" OR "`}, {"паспорт"}}}, Limit: 10}, []string{"kindergarten", "foreign-passport", "internal-passport"}, 3},
		} {
			res, err := search(ctx, x, c.q)
			if err != nil || !slices.Equal(hitIDs(res.Hits), c.want) || res.Total != c.tot || res.More {
				t.Errorf("%s: %v (%d) %v, want %v (%d)", c.name, hitIDs(res.Hits), res.Total, err, c.want, c.tot)
			}
		}
		// The lexicon reads a service's ranked fields, popularity, filters
		// and summary from the vocabulary, alike on both engines.
		v, err := x.Vocabulary(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []catalog.ServiceTerms{
			{All: "заграничн паспорт загранпаспорт паспорт выезд паспорт выезд границ", Fields: [3]string{"заграничн паспорт", "загранпаспорт паспорт", "выезд паспорт"},
				Regions: []catalog.Availability{{Region: "99"}}, Summary: catalog.Summary{ID: "foreign-passport", Category: "docs",
					Title: catalog.Text{RU: "Заграничный паспорт", EN: "foreign-passport"}, Short: catalog.Text{RU: "Заграничный паспорт", EN: "foreign-passport"},
					Level: account.Confirmed, Federal: true}},
			{All: "паспорт гражданин рф удостоверен", Fields: [3]string{"паспорт гражданин рф", "удостоверен", ""},
				Summary: catalog.Summary{ID: "internal-passport", Category: "docs", Title: catalog.Text{RU: "Паспорт гражданина РФ", EN: "internal-passport"},
					Short: catalog.Text{RU: "Паспорт гражданина РФ", EN: "internal-passport"}, Level: account.Standard, Federal: true}},
			{All: "запис детск сад паспорт родител", Fields: [3]string{"запис детск сад", "", ""}, Popularity: 90,
				Regions: []catalog.Availability{{Region: "40", Available: true}, {Region: "77"}}, Summary: catalog.Summary{ID: "kindergarten", Category: "family",
					Title: catalog.Text{RU: "Запись в детский сад", EN: "kindergarten"}, Short: catalog.Text{RU: "Запись в детский сад", EN: "kindergarten"},
					Level: account.Standard}},
		}
		if !reflect.DeepEqual(v, want) {
			t.Errorf("vocabulary:\n%+v\nwant\n%+v", v, want)
		}

		// Views order the popular services and an empty query.
		must(x.CountView(ctx, "kindergarten"))
		must(x.CountView(ctx, "kindergarten"))
		must(x.CountView(ctx, "internal-passport"))
		if pop, err := x.Popular(ctx, "", "", 5); err != nil || !slices.Equal(hitIDs(pop), []string{"kindergarten", "internal-passport", "foreign-passport"}) || pop[0].Views != 2 {
			t.Fatalf("popular %v %v", hitIDs(pop), err)
		}
		if hits, err := x.PopularPage(ctx, catalog.Query{Region: "77", Limit: 5}); err != nil || !slices.Equal(hitIDs(hits), []string{"internal-passport", "foreign-passport"}) {
			t.Fatalf("an empty query in Moscow: %v %v", hitIDs(hits), err)
		}

		// A draft is apart from the published version.
		d := svc("internal-passport", "docs", true, account.Confirmed, "Паспорт (черновик)")
		must(x.SaveDraft(ctx, d, "stf2", t0))
		if got, err := x.Published(ctx, "internal-passport"); err != nil || got.Title.RU != "Паспорт гражданина РФ" {
			t.Fatalf("published %+v %v", got, err)
		}
		if got, err := x.Draft(ctx, "internal-passport"); err != nil || got.Title.RU != "Паспорт (черновик)" {
			t.Fatalf("draft %+v %v", got, err)
		}
		must(x.SaveDraft(ctx, svc("new-one", "docs", true, account.Simplified, "Новая"), "stf2", t0))
		if _, err := x.Published(ctx, "new-one"); problem.KindOf(err) != problem.NotFound {
			t.Fatalf("a draft-only service published: %v", err)
		}
		if hits, _ := x.PopularPage(ctx, catalog.Query{Limit: 10}); len(hits) != 3 {
			t.Fatalf("a draft-only service is listed: %v", hitIDs(hits))
		}
		if all, err := x.AllServices(ctx); err != nil || len(all) != 4 || all[1].Title.RU != "Паспорт (черновик)" {
			t.Fatalf("all services %d %v", len(all), err)
		}
		if _, err := x.Draft(ctx, "kindergarten"); problem.KindOf(err) != problem.NotFound {
			t.Fatalf("no draft: %v", err)
		}

		g0, _ := x.Generation(ctx)
		must(x.BumpGeneration(ctx))
		if g1, err := x.Generation(ctx); err != nil || g1 != g0+1 {
			t.Fatalf("generation %d → %d %v", g0, g1, err)
		}
		if v, err := x.Vocabulary(ctx); err != nil || len(v) != 3 {
			t.Fatalf("a draft in the vocabulary: %+v %v", v, err)
		}
	})
}

// TestCatalogSearchMigration: services published before migration 0020
// (their terms in catalog_fts on SQLite, the tsvector alone on
// PostgreSQL) keep their ranked fields' terms through the search's
// tables of 0020 and 0022 to the columns of 0023, and are found,
// filtered and ordered after them; publishing one again replaces its
// terms.
func TestCatalogSearchMigration(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := openAt(t, engine, 19)
			// As version 19 published them.
			for _, r := range []struct {
				id, category, level, title string
				federal, popularity        int
				idx                        catalog.Indexed
			}{
				{"foreign-passport", "docs", "confirmed", "Заграничный паспорт", 1, 0, catalog.Indexed{Title: "заграничн паспорт", Keywords: "загранпаспорт", Body: "выезд"}},
				{"internal-passport", "docs", "standard", "Паспорт гражданина", 1, 50, catalog.Indexed{Title: "паспорт гражданин", Body: "замен"}},
				{"kindergarten", "family", "standard", "Запись в детский сад", 0, 0, catalog.Indexed{Title: "запис детск сад", Body: "паспорт родител"}},
			} {
				all := strings.Join([]string{r.idx.Title, r.idx.Keywords, r.idx.Short, r.idx.Body}, " ")
				exec(t, s, `INSERT INTO catalog_services (id, category, federal, level, title_ru, title_en, short_ru, short_en, doc, updated_at, updated_by, terms, popularity)
					VALUES (?, ?, ?, ?, ?, ?, '', '', '{}', 0, 'stf1', ?, ?)`, r.id, r.category, r.federal, r.level, r.title, r.id, all, r.popularity)
				if engine == "sqlite" {
					exec(t, s, `INSERT INTO catalog_fts (service_id, title, keywords, short, body) VALUES (?, ?, ?, ?, ?)`, r.id, r.idx.Title, r.idx.Keywords, r.idx.Short, r.idx.Body)
				} else {
					exec(t, s, `UPDATE catalog_services SET search = setweight(to_tsvector('simple', ?), 'A') || setweight(to_tsvector('simple', ?), 'B') ||
						setweight(to_tsvector('simple', ?), 'C') || setweight(to_tsvector('simple', ?), 'D') WHERE id = ?`, r.idx.Title, r.idx.Keywords, r.idx.Short, r.idx.Body, r.id)
				}
			}
			exec(t, s, `INSERT INTO catalog_service_regions (service_id, region, available) VALUES ('foreign-passport', '99', 0), ('kindergarten', '40', 1), ('kindergarten', '77', 0)`)
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			x := s.Catalog()
			v, err := x.Vocabulary(ctx)
			if err != nil || len(v) != 3 || v[0].Summary.ID != "foreign-passport" || v[0].Fields != [3]string{"заграничн паспорт", "загранпаспорт", ""} ||
				v[0].All != "заграничн паспорт загранпаспорт  выезд" || !slices.Equal(v[0].Regions, []catalog.Availability{{Region: "99"}}) ||
				v[1].Popularity != 50 || v[2].Fields != [3]string{"детск запис сад", "", ""} && v[2].Fields != [3]string{"запис детск сад", "", ""} {
				t.Fatalf("the vocabulary after the migrations: %+v %v", v, err)
			}
			for _, c := range []struct {
				name string
				q    catalog.Query
				want []string
			}{
				{"a term: the popular title match first, the description's last", catalog.Query{Groups: [][][]string{{{"паспорт"}}}, Limit: 10}, []string{"internal-passport", "foreign-passport", "kindergarten"}},
				{"a prefix", catalog.Query{Prefix: "загр", Limit: 10}, []string{"foreign-passport"}},
				{"withdrawn in a region", catalog.Query{Groups: [][][]string{{{"паспорт"}}}, Region: "99", Limit: 10}, []string{"internal-passport"}},
				{"a regional service where available", catalog.Query{Groups: [][][]string{{{"паспорт"}}}, Region: "77", Limit: 10}, []string{"internal-passport", "foreign-passport"}},
				{"category and level", catalog.Query{Groups: [][][]string{{{"паспорт"}}}, Category: "docs", Level: account.Standard, Limit: 10}, []string{"internal-passport"}},
				{"the popular list of a region", catalog.Query{Region: "40", Limit: 10}, []string{"internal-passport", "foreign-passport", "kindergarten"}},
				{"a level that opens every service", catalog.Query{Groups: [][][]string{{{"паспорт"}}}, Level: account.Confirmed, Limit: 10}, []string{"internal-passport", "foreign-passport", "kindergarten"}},
				{"a level that opens none", catalog.Query{Groups: [][][]string{{{"паспорт"}}}, Level: account.Simplified, Limit: 10}, nil},
				{"the popular list of a level, paged", catalog.Query{Level: account.Standard, Limit: 1, Offset: 1}, []string{"kindergarten"}},
			} {
				res, err := search(ctx, x, c.q)
				if err != nil || !slices.Equal(hitIDs(res.Hits), c.want) || res.Total != len(c.want)+c.q.Offset {
					t.Errorf("%s: %v (%d) %v, want %v", c.name, hitIDs(res.Hits), res.Total, err, c.want)
				}
			}
			// Published again, with other terms: the old ones go.
			svc := &catalog.Service{ID: "internal-passport", Category: "docs", Agency: "mvd", Title: catalog.Text{RU: "Паспорт РФ", EN: "Passport"},
				Level: account.Standard, Federal: true, Status: catalog.Published}
			if err := x.PublishService(ctx, svc, catalog.Indexed{Title: "паспорт рф", All: "паспорт рф"}, "stf1", t0); err != nil {
				t.Fatal(err)
			}
			for term, want := range map[string][]string{"гражданин": nil, "рф": {"internal-passport"}} {
				if res, err := search(ctx, x, catalog.Query{Groups: [][][]string{{{term}}}, Limit: 10}); err != nil || !slices.Equal(hitIDs(res.Hits), want) {
					t.Errorf("%s after publishing again: %v %v, want %v", term, hitIDs(res.Hits), err, want)
				}
			}
		})
	}
}

// TestCatalogManyMatches: a word of more services than are counted — the
// count stops at catalog.CountCap and says there are more; the candidates
// are those with the word in the title or keywords first, however
// unpopular, then the rest by popularity, and a later page goes on in
// that order.
func TestCatalogManyMatches(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		x := s.Catalog()
		const titled = 30
		n := catalog.CountCap + 20
		err := s.Transact(ctx, func(ctx context.Context) error {
			for i := range n {
				svc := &catalog.Service{ID: fmt.Sprintf("s%04d", i), Category: "docs", Agency: "mvd", Title: catalog.Text{RU: "Услуга", EN: "Service"},
					Level: account.Simplified, Federal: true, Status: catalog.Published, Popularity: 1 + i%90}
				idx := catalog.Indexed{Title: "услуг", Body: "справк", All: "услуг справк"}
				if i < titled {
					svc.Popularity = 0
					idx = catalog.Indexed{Title: "справк", All: "справк"}
				}
				if err := x.PublishService(ctx, svc, idx, "stf1", t0); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		v, err := x.Vocabulary(ctx)
		if err != nil {
			t.Fatal(err)
		}
		lex := catalog.NewLexicon(nil, v)
		q := catalog.Query{Groups: [][][]string{{{"справк"}}}}
		m := lex.Match(q, 0, catalog.RankCandidates)
		if m.Total != catalog.CountCap || !m.More || len(m.Candidates) != catalog.RankCandidates {
			t.Fatalf("%d candidates, total %d, more %v", len(m.Candidates), m.Total, m.More)
		}
		var order []catalog.Candidate
		order = append(order, m.Candidates...)
		later := lex.Match(q, catalog.RankCandidates, 10)
		if len(later.Candidates) != 10 {
			t.Fatalf("a later page: %d", len(later.Candidates))
		}
		order = append(order, later.Candidates...)
		seen := map[string]bool{}
		for i, c := range order {
			if seen[c.Key] {
				t.Fatalf("%s twice", c.Key)
			}
			seen[c.Key] = true
			switch {
			case i < titled && c.Popularity != 0:
				t.Errorf("position %d: popularity %d, want a title's match first", i, c.Popularity)
			case i > titled && c.Popularity > order[i-1].Popularity:
				t.Errorf("position %d: popularity %d after %d", i, c.Popularity, order[i-1].Popularity)
			}
		}
		// Under the cap, the count is exact.
		if m := lex.Match(catalog.Query{Groups: [][][]string{{{"услуг"}}}}, 0, 5); m.Total != n-titled || m.More ||
			len(m.Candidates) != 5 || m.Candidates[0].Popularity != 90 {
			t.Errorf("the other word: %+v", m)
		}
	})
}
