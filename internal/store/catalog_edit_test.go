package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/catalog"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/store"
)

// TestCatalogEntries: the editors' list on both engines — a draft's own
// title and category (not the row's published ones), each state, who and
// when — and a discarded draft: a published service keeps its public
// version, a service never published goes.
func TestCatalogEntries(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		x := s.Catalog()
		svc := func(id, cat, title string) *catalog.Service {
			return &catalog.Service{ID: id, Category: cat, Agency: "mvd", Title: catalog.Text{RU: title, EN: id}, Federal: true}
		}
		t1 := t0.Add(time.Hour)
		for _, err := range []error{
			x.PublishService(ctx, svc("a-published", "docs", "Опубликованная"), catalog.Indexed{}, "stf1", t0),
			x.PublishService(ctx, svc("b-changed", "docs", "Старое название"), catalog.Indexed{}, "stf1", t0),
			x.SaveDraft(ctx, svc("b-changed", "family", "Новое название"), "stf2", t1),
			x.SaveDraft(ctx, svc("c-new", "family", "Черновик"), "stf2", t1),
			x.SaveDraft(ctx, svc("c-new", "docs", "Черновик, второй"), "stf3", t1),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
		es, err := x.Entries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []catalog.Entry{
			{ID: "a-published", Category: "docs", Title: catalog.Text{RU: "Опубликованная", EN: "a-published"}, State: catalog.StatePublished, UpdatedAt: t0, UpdatedBy: "stf1"},
			{ID: "b-changed", Category: "family", Title: catalog.Text{RU: "Новое название", EN: "b-changed"}, State: catalog.StateChanged, UpdatedAt: t1, UpdatedBy: "stf2"},
			{ID: "c-new", Category: "docs", Title: catalog.Text{RU: "Черновик, второй", EN: "c-new"}, State: catalog.StateDraft, UpdatedAt: t1, UpdatedBy: "stf3"},
		}
		if len(es) != len(want) {
			t.Fatalf("entries %+v", es)
		}
		for i := range want {
			if es[i] != want[i] {
				t.Errorf("entry %d: %+v, want %+v", i, es[i], want[i])
			}
		}

		for _, c := range []struct {
			id        string
			published bool
			kind      problem.Kind
		}{{"b-changed", true, 0}, {"b-changed", false, problem.NotFound}, {"a-published", false, problem.NotFound},
			{"c-new", false, 0}, {"c-new", false, problem.NotFound}, {"nothing", false, problem.NotFound}} {
			published, err := x.DiscardDraft(ctx, c.id)
			if published != c.published || (err == nil) != (c.kind == 0) || err != nil && problem.KindOf(err) != c.kind {
				t.Errorf("discard %s: %v %v, want %v %v", c.id, published, err, c.published, c.kind)
			}
		}
		if p, err := x.Published(ctx, "b-changed"); err != nil || p.Title.RU != "Старое название" {
			t.Errorf("the published version after the discard: %+v %v", p, err)
		}
		if es, err := x.Entries(ctx); err != nil || len(es) != 2 || es[1].State != catalog.StatePublished || es[1].Category != "docs" {
			t.Errorf("entries after the discards: %+v %v", es, err)
		}
	})
}

// TestCatalogLookups: a service's page names its category and agency by
// ID, on both engines; an ID not there is not found, not an error.
func TestCatalogLookups(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		x := s.Catalog()
		cat := catalog.Category{ID: "docs", Icon: "passport", Order: 3, Title: catalog.Text{RU: "Документы", EN: "Documents"}}
		ag := catalog.Agency{ID: "mvd-40", Level: catalog.Regional, Region: "40", Name: catalog.Text{RU: "УМВД по Калужской области", EN: "Kaluga police"}}
		if err := x.SaveCategory(ctx, cat); err != nil {
			t.Fatal(err)
		}
		if err := x.SaveAgency(ctx, ag); err != nil {
			t.Fatal(err)
		}
		if got, found, err := x.Category(ctx, "docs"); err != nil || !found || got != cat {
			t.Errorf("Category(docs) = %+v, %v, %v", got, found, err)
		}
		if got, found, err := x.Agency(ctx, "mvd-40"); err != nil || !found || got != ag {
			t.Errorf("Agency(mvd-40) = %+v, %v, %v", got, found, err)
		}
		if _, found, err := x.Category(ctx, "none"); err != nil || found {
			t.Errorf("Category(none): found %v, %v", found, err)
		}
		if _, found, err := x.Agency(ctx, "none"); err != nil || found {
			t.Errorf("Agency(none): found %v, %v", found, err)
		}
	})
}
