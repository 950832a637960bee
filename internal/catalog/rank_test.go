package catalog_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/catalog"
)

// TestRank: the order a person expects among matches, the same on every
// engine (the ranking reads the lexicon, not the store).
func TestRank(t *testing.T) {
	services := []catalog.ServiceTerms{
		{Summary: catalog.Summary{ID: "title"}, Fields: [3]string{"паспорт гражданин", "удостоверен", "замен паспорт"}},
		{Summary: catalog.Summary{ID: "keywords"}, Fields: [3]string{"выезд границ", "паспорт загранпаспорт", "поездк"}},
		{Summary: catalog.Summary{ID: "short"}, Fields: [3]string{"фотограф", "фот", "фот паспорт"}},
		{Summary: catalog.Summary{ID: "two-words"}, Fields: [3]string{"свидетельств рожден", "рожден ребенок", "свидетельств"}},
		{Summary: catalog.Summary{ID: "one-word"}, Fields: [3]string{"рожден", "ребенок", "семь"}},
		{Summary: catalog.Summary{ID: "short-title"}, Fields: [3]string{"паспорт гражданин", "", ""}},
		{Summary: catalog.Summary{ID: "long-title"}, Fields: [3]string{"паспорт гражданин нов образц взамен утрачен испорчен документ", "", ""}},
	}
	var all []catalog.ServiceTerms
	for _, s := range services {
		s.All = s.Fields[0] + " " + s.Fields[1] + " " + s.Fields[2]
		all = append(all, s)
	}
	word := func(ts ...string) [][][]string {
		var g [][][]string
		for _, t := range ts {
			g = append(g, [][]string{{t}})
		}
		return g
	}
	tests := []struct {
		name  string
		q     catalog.Query
		cands []catalog.Candidate
		want  []string
	}{
		{"the title before the keywords before the short description", catalog.Query{Groups: word("паспорт")},
			[]catalog.Candidate{{Key: "short"}, {Key: "keywords"}, {Key: "title"}}, []string{"title", "keywords", "short"}},
		{"popularity decides between equal matches", catalog.Query{Groups: word("рожден")},
			[]catalog.Candidate{{Key: "one-word"}, {Key: "one-word-popular", Popularity: 50}}, []string{"one-word-popular", "one-word"}},
		{"both words before one, however popular", catalog.Query{Groups: [][][]string{{{"свидетельств"}, {"рожден"}}}},
			[]catalog.Candidate{{Key: "one-word", Popularity: 70}, {Key: "two-words"}}, []string{"two-words", "one-word"}},
		{"a short title before a long one", catalog.Query{Groups: word("паспорт")},
			[]catalog.Candidate{{Key: "long-title"}, {Key: "short-title"}}, []string{"short-title", "long-title"}},
		{"the word being typed: its completions", catalog.Query{Prefix: "загран"},
			[]catalog.Candidate{{Key: "title"}, {Key: "keywords"}}, []string{"keywords", "title"}},
		{"a service the lexicon does not know yet comes after, by popularity", catalog.Query{Groups: word("паспорт")},
			[]catalog.Candidate{{Key: "new", Popularity: 90}, {Key: "short"}, {Key: "newer"}}, []string{"short", "new", "newer"}},
	}
	// The lexicon knows «one-word-popular» as «one-word».
	lex := catalog.NewLexicon(nil, append(all, catalog.ServiceTerms{Summary: catalog.Summary{ID: "one-word-popular"}, All: all[4].All, Fields: all[4].Fields}))
	for _, tt := range tests {
		cands := slices.Clone(tt.cands)
		lex.Rank(tt.q, cands)
		var got []string
		for _, c := range cands {
			got = append(got, c.Key)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestFindBeyondTheRanked: a word of more services than are ranked and
// counted — the count says «more than 1 000», and paging shows every
// service once, the ranked ones first, the rest after them.
func TestFindBeyondTheRanked(t *testing.T) {
	c, st := editing(t)
	ctx := context.Background()
	n := catalog.CountCap + 5
	for i := range n {
		s := passport()
		s.ID, s.Title = fmt.Sprintf("svc-%04d", i), catalog.Text{RU: fmt.Sprintf("Справка номер %d", i), EN: "Certificate"}
		if i%3 == 0 {
			s.Title.RU = "Услуга"
			s.Short.RU = "Справка"
		}
		s.Popularity = i % 7
		if err := st.PublishService(ctx, &s, catalog.Index(&s, catalog.Text{}), "stf", t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.BumpGeneration(ctx); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var titled []bool // whether each hit has the word in its title, in order
	const page = catalog.MaxLimit
	for offset := 0; offset < 400; offset += page {
		res, err := c.Find(ctx, catalog.Search{Q: "справки", Limit: page, Offset: offset})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != catalog.CountCap || !res.More {
			t.Fatalf("offset %d: total %d, more %v", offset, res.Total, res.More)
		}
		if len(res.Hits) != page {
			t.Fatalf("offset %d: %d hits", offset, len(res.Hits))
		}
		for _, h := range res.Hits {
			if seen[h.ID] {
				t.Fatalf("offset %d: %s again", offset, h.ID)
			}
			seen[h.ID] = true
			titled = append(titled, h.Title.RU != "Услуга")
		}
	}
	// The ranked 200 put the title's matches before the short
	// description's.
	if i := slices.Index(titled[:catalog.RankCandidates], false); i >= 0 && slices.Contains(titled[i:catalog.RankCandidates], true) {
		t.Errorf("a short description's match ranked before a title's: %v", titled[:catalog.RankCandidates])
	}
}

// TestFindSeesAnotherNode: a service another node published is found,
// its words corrected too, once this node asks for the catalog's
// generation again (Deps.Every after it last did); until then a search
// uses the lexicon it has, asking the store nothing.
func TestFindSeesAnotherNode(t *testing.T) {
	_, st := editing(t)
	now := t0
	c := catalog.New(catalog.Deps{Store: st, Regions: three, Now: func() time.Time { return now }, Every: time.Second})
	ctx := context.Background()
	if _, err := c.Find(ctx, catalog.Search{Q: "паспорт", Limit: 5}); err != nil {
		t.Fatal(err)
	}
	s := passport()
	s.ID, s.Title = "hunting", catalog.Text{RU: "Охотничий билет", EN: "Hunting licence"}
	if err := st.PublishService(ctx, &s, catalog.Index(&s, catalog.Text{}), "stf", t0); err != nil {
		t.Fatal(err)
	}
	if err := st.BumpGeneration(ctx); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Second - time.Nanosecond)
	if res, err := c.Find(ctx, catalog.Search{Q: "охотничий", Limit: 5}); err != nil || len(res.Hits) != 0 {
		t.Fatalf("found before the check was due: %+v %v", res, err)
	}
	now = now.Add(time.Nanosecond)
	res, err := c.Find(ctx, catalog.Search{Q: "охотнчий", Limit: 5})
	if err != nil || len(res.Hits) != 1 || res.Hits[0].ID != "hunting" {
		t.Fatalf("a typo of the new service's word: %+v %v", res, err)
	}
}
