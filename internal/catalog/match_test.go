package catalog_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/catalog"
)

// TestMatchIsTheScan: the lexicon's match — postings and bit sets — finds
// what reading every service would, over random services and queries:
// every group (one of its alternatives, all of whose terms), the prefix,
// the region (a federal service unless withdrawn there, any other where
// available), category and level; the count capped; the candidates in the
// cheap order, the title and keywords' matches first, paged without gaps.
func TestMatchIsTheScan(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 23))
	words := []string{"паспорт", "паспортн", "справк", "пособ", "запис", "врач", "сад", "детск", "налог", "вычет", "tax", "passport"}
	levels := []account.Level{account.Simplified, account.Standard, account.Confirmed}
	regions := []string{"40", "50", "77", "99"}
	pick := func(n int) string {
		var ws []string
		for range n {
			ws = append(ws, words[r.IntN(len(words))])
		}
		return strings.Join(ws, " ")
	}
	const n = catalog.CountCap + 300
	services := make([]catalog.ServiceTerms, n)
	for i := range services {
		s := &services[i]
		s.Fields = [3]string{pick(r.IntN(3)), pick(r.IntN(2)), pick(r.IntN(3))}
		s.All = strings.Join([]string{s.Fields[0], s.Fields[1], s.Fields[2], pick(r.IntN(6))}, " ")
		s.Popularity = r.IntN(4) * 30
		s.Summary = catalog.Summary{ID: fmt.Sprintf("s%04d", r.IntN(100000)*10+i%10), Category: []string{"a", "b", "c"}[r.IntN(3)],
			Level: levels[r.IntN(3)], Federal: r.IntN(3) == 0}
		for _, reg := range regions {
			if r.IntN(3) == 0 {
				s.Regions = append(s.Regions, catalog.Availability{Region: reg, Available: r.IntN(2) == 0})
			}
		}
	}
	lex := catalog.NewLexicon(nil, services)
	has := func(terms string, t string) bool { return slices.Contains(strings.Fields(terms), t) }
	hasPrefix := func(terms string, p string) bool {
		return slices.ContainsFunc(strings.Fields(terms), func(t string) bool { return strings.HasPrefix(t, p) })
	}
	matches := func(q catalog.Query, s *catalog.ServiceTerms, terms string) bool {
		for _, g := range q.Groups {
			if !slices.ContainsFunc(g, func(alt []string) bool {
				return len(alt) > 0 && !slices.ContainsFunc(alt, func(t string) bool { return !has(terms, t) })
			}) {
				return false
			}
		}
		if q.Prefix != "" && !hasPrefix(terms, q.Prefix) {
			return false
		}
		if q.Region != "" {
			i := slices.IndexFunc(s.Regions, func(a catalog.Availability) bool { return a.Region == q.Region })
			in := i >= 0 && s.Regions[i].Available
			out := i >= 0 && !s.Regions[i].Available
			if !(s.Summary.Federal && !out || in) {
				return false
			}
		}
		if q.Category != "" && s.Summary.Category != q.Category {
			return false
		}
		return q.Level == "" || q.Level.Meets(s.Summary.Level)
	}
	// The cheap order: popularity, then ID.
	byOrder := slices.Clone(services)
	slices.SortFunc(byOrder, func(a, b catalog.ServiceTerms) int {
		if a.Popularity != b.Popularity {
			return b.Popularity - a.Popularity
		}
		return strings.Compare(a.Summary.ID, b.Summary.ID)
	})
	for k := range 400 {
		var q catalog.Query
		for range r.IntN(3) {
			var g [][]string
			for range 1 + r.IntN(2) {
				g = append(g, strings.Fields(pick(1+r.IntN(2))))
			}
			if r.IntN(10) == 0 {
				g = append(g, []string{"нетакого"})
			}
			q.Groups = append(q.Groups, g)
		}
		if r.IntN(3) == 0 {
			w := words[r.IntN(len(words))]
			q.Prefix = w[:len(w)/2+1]
		}
		if r.IntN(2) == 0 {
			q.Region = []string{"40", "50", "77", "99", "01"}[r.IntN(5)]
		}
		if r.IntN(4) == 0 {
			q.Category = []string{"a", "b", "c", "d"}[r.IntN(4)]
		}
		if r.IntN(4) == 0 {
			q.Level = levels[r.IntN(3)]
		}
		var every, first []string
		pop := map[string]int{}
		for i := range byOrder {
			s := &byOrder[i]
			if matches(q, s, s.All) {
				every = append(every, s.Summary.ID)
				pop[s.Summary.ID] = s.Popularity
				if matches(q, s, s.Fields[0]+" "+s.Fields[1]) {
					first = append(first, s.Summary.ID)
				}
			}
		}
		cheap := slices.Clone(first)
		for _, id := range every {
			if !slices.Contains(first, id) {
				cheap = append(cheap, id)
			}
		}
		keys := func(cs []catalog.Candidate) []string {
			var out []string
			for _, c := range cs {
				if c.Popularity != pop[c.Key] {
					t.Fatalf("query %d %+v: %s with popularity %d, want %d", k, q, c.Key, c.Popularity, pop[c.Key])
				}
				out = append(out, c.Key)
			}
			return out
		}
		all := lex.Match(q, 0, len(every))
		if all.Total != min(len(every), catalog.CountCap) || all.More != (len(every) > catalog.CountCap) {
			t.Fatalf("query %d %+v: total %d more %v, want %d", k, q, all.Total, all.More, len(every))
		}
		if got := keys(all.Candidates); !slices.Equal(got, every) {
			t.Fatalf("query %d %+v: every match asked for, by popularity:\n%v\nwant\n%v", k, q, got, every)
		}
		const page = 7
		var paged []string
		for from := 0; from < len(cheap); from += page {
			paged = append(paged, keys(lex.Match(q, from, page).Candidates)...)
		}
		if len(every) > page && !slices.Equal(paged, cheap) {
			t.Fatalf("query %d %+v: paged in the cheap order:\n%v\nwant\n%v", k, q, paged, cheap)
		}
	}
}
