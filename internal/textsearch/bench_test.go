package textsearch

import (
	"sync"
	"testing"
	"unicode/utf8"
)

// description is a service's full description of 500 characters.
const description = "Заграничный паспорт нового образца с электронным носителем информации " +
	"оформляется гражданам Российской Федерации на 10 лет. Заявление можно подать " +
	"на портале, в МФЦ или в подразделении МВД по месту жительства или пребывания. " +
	"Государственная пошлина для взрослых — 6 000 рублей, для детей до 14 лет — " +
	"3 000 рублей; при подаче заявления через портал действует скидка. Срок " +
	"оформления — до 1 месяца по месту жительства и до 3 месяцев по месту " +
	"пребывания. Понадобятся паспорт гражданина РФ, фотография и военный билет."

func TestDescriptionLength(t *testing.T) {
	if n := utf8.RuneCountInString(description); n < 480 || n > 520 {
		t.Errorf("description has %d characters, want about 500", n)
	}
}

func BenchmarkTerms(b *testing.B) {
	b.SetBytes(int64(len(description)))
	b.ReportAllocs()
	for b.Loop() {
		Terms(description)
	}
}

// vocabulary100k is built once for the benchmarks that need it.
var vocabulary100k = sync.OnceValues(func() (*Vocabulary, []string) {
	distinct, terms := syntheticTerms(100_000)
	// Queries: one-edit typos of stored terms (each kind) and misses.
	var queries []string
	for i, t := range distinct[:1000] {
		r := []rune(t)
		switch i % 4 {
		case 0: // a rune doubled
			queries = append(queries, string(r[:1])+t)
		case 1: // the last rune dropped
			queries = append(queries, string(r[:len(r)-1]))
		case 2: // the first two transposed
			r[0], r[1] = r[1], r[0]
			queries = append(queries, string(r))
		case 3: // nothing near
			queries = append(queries, "щъщъ"+t)
		}
	}
	return NewVocabulary(terms), queries
})

func BenchmarkCorrect(b *testing.B) {
	v, queries := vocabulary100k()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		v.Correct(queries[i%len(queries)])
		i++
	}
}

func BenchmarkNewVocabulary100k(b *testing.B) {
	_, terms := syntheticTerms(100_000)
	b.ReportAllocs()
	for b.Loop() {
		NewVocabulary(terms)
	}
}
