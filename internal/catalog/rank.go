package catalog

import (
	"math"
	"slices"
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

// rankScorer ranks candidates against one query: BM25F over the title,
// keywords and short description (the terms of every group's alternatives
// and the completions of the word being typed), each term weighed by its
// rarity in the catalog (idf), times the service's popularity (1 +
// popularity/100). The same on every engine: the stores only find the
// candidates.
type rankScorer struct {
	terms  []string  // the distinct terms of every group's alternatives
	idf    []float64 // by terms
	prefix string
	avg    [3]float64 // the candidates' mean length of each field
	fields [][3]string // by candidate
}

func (l *Lexicon) scorer(q Query, cands []Candidate) *rankScorer {
	r := &rankScorer{prefix: q.Prefix}
	for _, g := range q.Groups {
		for _, alt := range g {
			for _, t := range alt {
				if !slices.Contains(r.terms, t) {
					r.terms = append(r.terms, t)
					r.idf = append(r.idf, l.idf(t))
				}
			}
		}
	}
	r.fields = make([][3]string, len(cands))
	for i, c := range cands {
		r.fields[i] = l.fields[c.Key]
		for f, terms := range r.fields[i] {
			r.avg[f] += float64(fieldLen(terms))
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
	n, docs := 0.0, 1.0
	if l.Vocab != nil {
		n = float64(l.Vocab.Count(t))
	}
	docs = max(float64(l.services), n, 1)
	return math.Log(1 + (docs-n+0.5)/(n+0.5))
}

// saturate is BM25's term frequency part for the weighed frequency x.
func saturate(x float64) float64 { return x * (rankK1 + 1) / (x + rankK1) }

func (r *rankScorer) norm(f int, terms string) float64 {
	return 1 - rankB + rankB*float64(fieldLen(terms))/r.avg[f]
}

// score is the i-th candidate's.
func (r *rankScorer) score(i int, popularity int) float64 {
	var s float64
	for k, t := range r.terms {
		x := 0.0
		for f, terms := range r.fields[i] {
			if n := count(terms, t, false); n > 0 {
				x += fieldWeights[f] * float64(n) / r.norm(f, terms)
			}
		}
		s += r.idf[k] * saturate(x)
	}
	if r.prefix != "" {
		// The word being typed: its completions, as one term of idf 1.
		x := 0.0
		for f, terms := range r.fields[i] {
			if n := count(terms, r.prefix, true); n > 0 {
				x += fieldWeights[f] * float64(n) / r.norm(f, terms)
			}
		}
		s += saturate(x)
	}
	return s * (1 + float64(max(0, min(popularity, 100)))/100)
}

// fieldLen is the number of terms of a space-separated field.
func fieldLen(field string) int {
	if field == "" {
		return 0
	}
	return strings.Count(field, " ") + 1
}

// count is how many of a space-separated field's terms are t, or begin
// with it (prefix), without splitting the field.
func count(field, t string, prefix bool) int {
	n := 0
	for i := 0; i < len(field); {
		j := strings.Index(field[i:], t)
		if j < 0 {
			break
		}
		start, end := i+j, i+j+len(t)
		if (start == 0 || field[start-1] == ' ') && (prefix || end == len(field) || field[end] == ' ') {
			n++
		}
		i = end
	}
	return n
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
