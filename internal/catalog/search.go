package catalog

import (
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

// Lexicon is what a query is read against: the synonyms (a folded word
// people type → the terms it stands for) and the vocabulary of the
// published services' terms, for typos; and what the ranking reads of
// each service (Rank), kept in memory so that a search reads no service's
// text: 20 000 services hold some 6 MB.
type Lexicon struct {
	Synonyms map[string][]string
	Vocab    *textsearch.Vocabulary
	services int       // the published services (the ranking's idf)
	ranked   rankIndex // their ranked fields, by key
}

// NewLexicon builds a lexicon from the synonyms and the published
// services' terms.
func NewLexicon(syns []Synonym, terms []ServiceTerms) *Lexicon {
	l := &Lexicon{Synonyms: map[string][]string{}, services: len(terms), ranked: newRankIndex(terms)}
	for _, s := range syns {
		key := strings.Join(textsearch.Tokens(s.Term), " ")
		if key != "" {
			l.Synonyms[key] = textsearch.Terms(s.Expands)
		}
	}
	var all []string
	for _, t := range terms {
		all = append(all, strings.Fields(t.All)...)
	}
	l.Vocab = textsearch.NewVocabulary(all)
	return l
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
