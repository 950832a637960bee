package catalog

import (
	"math"
	"slices"
	"sort"
	"strings"
)

// Limits of a search's work (issue 14 §4: 20 000 services, p99 under 25
// ms). A common word matches thousands of services: ranking every match
// (what the engines' bm25 and ts_rank did, reading each one's terms) cost
// 5–16 ms, and counting them all a few more.
const (
	// RankCandidates is how many matches are ranked: the first in the
	// store's cheap order (every word in the title or keywords first, then
	// by popularity). The rest follow the ranked ones in that order.
	RankCandidates = 200
	// CountCap is the most matches counted: more, and the result says
	// «more than» it (Result.More).
	CountCap = 1000
)

// Field weights of the ranking: a word of the title says most about a
// service, one of its keywords (words people type that the title lacks)
// nearly as much, the short description less. The full description only
// matches.
var fieldWeights = [3]float64{3, 2, 1}

// BM25F's saturation (k1) and length normalization (b): a term's
// occurrences in the fields, each weighed and divided by its field's
// length against the mean, add up to one frequency, which saturates — a
// word anywhere in the ranked fields is most of what it can give, so that
// among services that have the words, popularity and the other words
// decide.
const (
	rankK1 = 1.2
	rankB  = 0.5
)

// rankIndex is what the ranking reads of every published service: the
// terms of its title, keywords and short description as numbers — the
// term's place among all their distinct terms, sorted, so that the terms
// beginning with a prefix are a range of numbers.
type rankIndex struct {
	terms []string          // distinct, sorted
	doc   map[string]uint32 // a service's key → its place in at and summaries
	at    []uint32          // where each service's fields begin in ids
	ids   []uint32          // each service's three fields, each field's length first
	// summaries are the services as results show them, so that a search
	// reads no service's row either.
	summaries []Summary
}

func newRankIndex(services []ServiceTerms) rankIndex {
	seen := map[string]bool{}
	for _, s := range services {
		for _, f := range s.Fields {
			for t := range strings.FieldsSeq(f) {
				seen[t] = true
			}
		}
	}
	x := rankIndex{doc: make(map[string]uint32, len(services)), at: make([]uint32, 0, len(services)), summaries: make([]Summary, 0, len(services))}
	for t := range seen {
		x.terms = append(x.terms, t)
	}
	slices.Sort(x.terms)
	id := make(map[string]uint32, len(x.terms))
	for i, t := range x.terms {
		id[t] = uint32(i)
	}
	for _, s := range services {
		x.doc[s.Key] = uint32(len(x.at))
		x.at = append(x.at, uint32(len(x.ids)))
		x.summaries = append(x.summaries, s.Summary)
		for _, f := range s.Fields {
			at := len(x.ids)
			x.ids = append(x.ids, 0)
			for t := range strings.FieldsSeq(f) {
				x.ids = append(x.ids, id[t])
			}
			x.ids[at] = uint32(len(x.ids) - at - 1)
		}
	}
	return x
}

// fields returns a service's three fields' term numbers (none for a key
// it does not know: a service published since the lexicon was built).
func (x *rankIndex) fields(key string) (f [3][]uint32) {
	d, ok := x.doc[key]
	if !ok {
		return f
	}
	at := x.at[d]
	for i := range f {
		n := x.ids[at]
		f[i] = x.ids[at+1 : at+1+n]
		at += 1 + n
	}
	return f
}

// summary returns a service's summary; false for a key it does not know.
func (x *rankIndex) summary(key string) (Summary, bool) {
	d, ok := x.doc[key]
	if !ok {
		return Summary{}, false
	}
	return x.summaries[d], true
}

// lookup is a term's number; false when no service's ranked fields hold it.
func (x *rankIndex) lookup(t string) (uint32, bool) {
	i, ok := slices.BinarySearch(x.terms, t)
	return uint32(i), ok
}

// prefixed is the range of the numbers of the terms beginning with p.
func (x *rankIndex) prefixed(p string) (lo, hi uint32) {
	i, _ := slices.BinarySearch(x.terms, p)
	j := i + sort.Search(len(x.terms)-i, func(k int) bool { return !strings.HasPrefix(x.terms[i+k], p) })
	return uint32(i), uint32(j)
}

// rankScorer ranks candidates against one query: BM25F over the title,
// keywords and short description (the terms of every group's alternatives
// and the completions of the word being typed), each term weighed by its
// rarity in the catalog (idf), times the service's popularity (1 +
// popularity/100). The same on every engine: the stores only find the
// candidates.
type rankScorer struct {
	ids    []uint32  // the query's distinct terms that some service's ranked fields hold
	idf    []float64 // by ids
	lo, hi uint32    // the completions of the word being typed
	avg    [3]float64
	fields [][3][]uint32 // by candidate
	tf     []float64     // per query term, scratch
}

func (l *Lexicon) scorer(q Query, cands []Candidate) *rankScorer {
	r := &rankScorer{}
	for _, g := range q.Groups {
		for _, alt := range g {
			for _, t := range alt {
				if id, ok := l.ranked.lookup(t); ok && !slices.Contains(r.ids, id) {
					r.ids = append(r.ids, id)
					r.idf = append(r.idf, l.idf(t))
				}
			}
		}
	}
	if q.Prefix != "" {
		r.lo, r.hi = l.ranked.prefixed(q.Prefix)
	}
	r.tf = make([]float64, len(r.ids)+1)
	r.fields = make([][3][]uint32, len(cands))
	for i, c := range cands {
		r.fields[i] = l.ranked.fields(c.Key)
		for f, ids := range r.fields[i] {
			r.avg[f] += float64(len(ids))
		}
	}
	for f := range r.avg {
		r.avg[f] = max(r.avg[f]/float64(max(len(cands), 1)), 1)
	}
	return r
}

// idf is a term's inverse document frequency among the published
// services; its count of occurrences stands for the services that hold it
// (a close upper bound: a term is seldom repeated in a service).
func (l *Lexicon) idf(t string) float64 {
	n := 0.0
	if l.Vocab != nil {
		n = float64(l.Vocab.Count(t))
	}
	docs := max(float64(l.services), n, 1)
	return math.Log(1 + (docs-n+0.5)/(n+0.5))
}

// saturate is BM25's term frequency part for the weighed frequency x.
func saturate(x float64) float64 { return x * (rankK1 + 1) / (x + rankK1) }

// score is the i-th candidate's. The word being typed counts as one term
// of idf 1: its completions in each field.
func (r *rankScorer) score(i int, popularity int) float64 {
	clear(r.tf)
	completions := len(r.ids)
	for f, ids := range r.fields[i] {
		w := fieldWeights[f] / (1 - rankB + rankB*float64(len(ids))/r.avg[f])
		for _, id := range ids {
			if k := slices.Index(r.ids, id); k >= 0 {
				r.tf[k] += w
			}
			if r.lo <= id && id < r.hi {
				r.tf[completions] += w
			}
		}
	}
	var s float64
	for k, x := range r.tf {
		idf := 1.0
		if k < completions {
			idf = r.idf[k]
		}
		if x > 0 {
			s += idf * saturate(x)
		}
	}
	return s * (1 + float64(max(0, min(popularity, 100)))/100)
}

// Rank orders candidates best first, in place: by score, then popularity,
// then as the store gave them. A candidate the lexicon does not know
// (published since it was built) has no score but its popularity.
func (l *Lexicon) Rank(q Query, cands []Candidate) {
	r := l.scorer(q, cands)
	type scored struct {
		Candidate
		score float64
	}
	all := make([]scored, len(cands))
	for i, c := range cands {
		all[i] = scored{c, r.score(i, c.Popularity)}
	}
	slices.SortStableFunc(all, func(a, b scored) int {
		if a.score != b.score {
			if a.score > b.score {
				return -1
			}
			return 1
		}
		return b.Popularity - a.Popularity
	})
	for i := range all {
		cands[i] = all[i].Candidate
	}
}
