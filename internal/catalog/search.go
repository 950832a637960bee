package catalog

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kabinet/kabinet/internal/textsearch"
)

// Index computes what the search keeps of a service: the terms of its
// title, keywords (with its category's title, so that «здоровье» finds the
// health services), short and full description, in both languages.
func Index(s *Service, category Text) Indexed {
	terms := func(parts ...string) string { return strings.Join(textsearch.Terms(strings.Join(parts, " ")), " ") }
	idx := Indexed{
		Title:    terms(s.Title.RU, s.Title.EN),
		Keywords: terms(strings.Join(s.Keywords.RU, " "), strings.Join(s.Keywords.EN, " "), category.RU, category.EN),
		Short:    terms(s.Short.RU, s.Short.EN),
		Body:     terms(s.Description.RU, s.Description.EN, s.Result.RU, s.Result.EN),
	}
	idx.All = strings.Join([]string{idx.Title, idx.Keywords, idx.Short, idx.Body}, " ")
	return idx
}

// Lexicon is what a query is read against and matched and ranked by, in
// memory (decision 19): the synonyms (a folded word people type → the
// terms it stands for); the vocabulary of the published services' terms,
// for typos; which services hold each term and pass each filter (Match);
// and what the ranking reads of each service (Rank) and a result shows of
// it — so that a search reads no row. 20 000 services hold some 20 MB.
type Lexicon struct {
	Synonyms map[string][]string
	Vocab    *textsearch.Vocabulary
	services int        // the published services (the ranking's idf)
	dict     []string   // every distinct term, sorted: the terms beginning with a prefix are a range of numbers
	ids      []string   // the services' IDs, by number
	match    matchIndex // by number, in the cheap order
	ranked   rankIndex
	// summaries are the services as results show them, by number.
	summaries []Summary
}

// NewLexicon builds a lexicon from the synonyms and the published
// services' terms. Each service's terms are read once, into numbers.
func NewLexicon(syns []Synonym, terms []ServiceTerms) *Lexicon {
	services := slices.Clone(terms)
	// The cheap order: the most popular first, then by ID, so that the
	// numbers are the same on every node.
	slices.SortFunc(services, func(a, b ServiceTerms) int {
		if a.Popularity != b.Popularity {
			return cmp.Compare(b.Popularity, a.Popularity)
		}
		return strings.Compare(a.Summary.ID, b.Summary.ID)
	})
	n := len(services)
	l := &Lexicon{Synonyms: map[string][]string{}, services: n, ids: make([]string, n), summaries: make([]Summary, n)}
	for _, s := range syns {
		key := strings.Join(textsearch.Tokens(s.Term), " ")
		if key != "" {
			l.Synonyms[key] = textsearch.Terms(s.Expands)
		}
	}
	// Every term gets a number as first seen, counted in All (the typo
	// correction prefers the common ones); the numbers become the sorted
	// dictionary's below.
	id := make(map[string]uint32, 1<<14)
	var counts []uint32
	number := func(t string) uint32 {
		i, ok := id[t]
		if !ok {
			i = uint32(len(l.dict))
			id[t] = i
			l.dict = append(l.dict, strings.Clone(t)) // not pinning the service's text
			counts = append(counts, 0)
		}
		return i
	}
	var all docTerms
	var ranked rankIndex
	ranked.doc = make(map[string]uint32, n)
	all.at = make([]uint32, 1, n+1)
	for d, s := range services {
		l.ids[d], l.summaries[d] = s.Summary.ID, s.Summary
		eachTerm(s.All, func(t string) {
			i := number(t)
			counts[i]++
			all.ids = append(all.ids, i)
		})
		ranked.doc[s.Summary.ID] = uint32(d)
		ranked.at = append(ranked.at, uint32(len(ranked.ids)))
		for _, f := range s.Fields {
			at := len(ranked.ids)
			ranked.ids = append(ranked.ids, 0)
			eachTerm(f, func(t string) { ranked.ids = append(ranked.ids, number(t)) })
			ranked.ids[at] = uint32(len(ranked.ids) - at - 1)
		}
		all.at = append(all.at, uint32(len(all.ids)))
	}
	// Sorted, the terms beginning with a prefix are a range of numbers.
	order := make([]uint32, len(l.dict))
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(a, b uint32) int { return strings.Compare(l.dict[a], l.dict[b]) })
	renumber := make([]uint32, len(order))
	dict, sortedCounts := make([]string, len(order)), make([]uint32, len(order))
	for to, from := range order {
		renumber[from] = uint32(to)
		dict[to], sortedCounts[to] = l.dict[from], counts[from]
	}
	l.dict = dict
	for i, t := range all.ids {
		all.ids[i] = renumber[t]
	}
	for d := range n {
		at := ranked.at[d]
		for range 3 {
			k := ranked.ids[at]
			for i := at + 1; i <= at+k; i++ {
				ranked.ids[i] = renumber[ranked.ids[i]]
			}
			at += k + 1
		}
	}
	l.ranked = ranked
	l.match = newMatchIndex(services, &all, &ranked, len(dict))
	l.Vocab = textsearch.NewCountedVocabulary(dict, sortedCounts)
	return l
}

// eachTerm calls fn with each of the space-separated terms of s.
func eachTerm(s string, fn func(string)) {
	for s != "" {
		i := strings.IndexByte(s, ' ')
		if i < 0 {
			fn(s)
			return
		}
		if i > 0 {
			fn(s[:i])
		}
		s = s[i+1:]
	}
}

// summary returns a service's summary; false for an ID it does not know.
func (l *Lexicon) summary(key string) (Summary, bool) {
	d, ok := l.ranked.doc[key]
	if !ok {
		return Summary{}, false
	}
	return l.summaries[d], true
}

// maxQueryWords bounds the words of a query that are searched for.
const maxQueryWords = 8

// minPrefix is the shortest word being typed that is matched as a prefix,
// in runes: one letter starts most of the catalog's words («tax d» — «d»
// began a word of nine services in ten in the benchmark's catalog of
// 20 000) and narrows nothing, yet made the engine merge the index
// entries of every such word (25 ms on SQLite). The suggestions stay those
// of the finished words until a second letter is typed.
const minPrefix = 2

// Parse reads what a person typed into a query's groups: every word must
// match, as itself (its stem), as what a synonym says it stands for, or as
// a term one typo away when it is not a known term; a whole query that is
// a synonym stands for its expansion. With typing (suggestions as the
// person types), the last word, not yet finished, is matched as the start
// of a term, once it has minPrefix letters.
func (l *Lexicon) Parse(q string, typing bool) (groups [][][]string, prefix string) {
	words := textsearch.Tokens(q)
	if len(words) > maxQueryWords {
		words = words[:maxQueryWords]
	}
	if typing && len(words) > 0 && !strings.HasSuffix(q, " ") {
		last := words[len(words)-1]
		words = words[:len(words)-1]
		if utf8.RuneCountInString(last) >= minPrefix {
			prefix = textsearch.Stem(last)
		}
	}
	if exp, ok := l.Synonyms[strings.Join(words, " ")]; ok && len(words) > 1 {
		// «госпошлина за паспорт» as a whole.
		return [][][]string{{exp}}, prefix
	}
	for _, w := range words {
		terms := textsearch.Terms(w)
		if len(terms) == 0 {
			continue // a stop word
		}
		alts := [][]string{terms}
		if exp, ok := l.Synonyms[w]; ok && len(exp) > 0 {
			alts = append(alts, exp)
		}
		if l.Vocab != nil {
			for _, c := range l.Vocab.Correct(w) {
				alts = append(alts, []string{c})
			}
		}
		groups = append(groups, alts)
	}
	return groups, prefix
}
