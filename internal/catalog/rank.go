package catalog

import (
	"math"
	"slices"
	"sort"
	"strings"
)

// Limits of a search's work and answer (issue 14 §4: 20 000 services, p99
// under 25 ms). A common word matches thousands of services: ranking every
// match costs in proportion, and a count past a thousand tells a person
// nothing more than «more than 1 000».
const (
	// RankCandidates is how many matches are ranked: the first in the
	// cheap order (every word in the title or keywords first, then
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
// terms of its title, keywords and short description as their numbers in
// the lexicon's dictionary.
type rankIndex struct {
	doc map[string]uint32 // a service's ID → its number
	at  []uint32          // by number: where its fields begin in ids
	ids []uint32          // each service's three fields, each field's length first
}

// fields returns a service's three fields' term numbers (none for an ID
// it does not know).
func (x *rankIndex) fields(key string) (f [3][]uint32) {
	d, ok := x.doc[key]
	if !ok {
		return f
	}
	return x.fieldsOf(d)
}

// fieldsOf returns the three fields' term numbers of service d.
func (x *rankIndex) fieldsOf(d uint32) (f [3][]uint32) {
	at := x.at[d]
	for i := range f {
		n := x.ids[at]
		f[i] = x.ids[at+1 : at+1+n]
		at += 1 + n
	}
	return f
}

// lookup is a term's number in the dictionary; false when no service
// holds it.
func (l *Lexicon) lookup(t string) (uint32, bool) {
	i, ok := slices.BinarySearch(l.dict, t)
	return uint32(i), ok
}

// prefixed is the range of the numbers of the terms beginning with p.
func (l *Lexicon) prefixed(p string) (lo, hi uint32) {
	i, _ := slices.BinarySearch(l.dict, p)
	j := i + sort.Search(len(l.dict)-i, func(k int) bool { return !strings.HasPrefix(l.dict[i+k], p) })
	return uint32(i), uint32(j)
}

// rankScorer ranks candidates against one query: BM25F over the title,
// keywords and short description (the terms of every group's alternatives
// and the completions of the word being typed), each term weighed by its
// rarity in the catalog (idf), times the service's popularity (1 +
// popularity/100). The same on every engine: it reads the lexicon alone.
type rankScorer struct {
	ids    []uint32  // the query's distinct terms that some service holds
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
				if id, ok := l.lookup(t); ok && !slices.Contains(r.ids, id) {
					r.ids = append(r.ids, id)
					r.idf = append(r.idf, l.idf(t))
				}
			}
		}
	}
	if q.Prefix != "" {
		r.lo, r.hi = l.prefixed(q.Prefix)
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
// then as they were given. A candidate the lexicon does not know has no
// score but its popularity.
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
