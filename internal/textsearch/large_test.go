package textsearch

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// syntheticTerms returns n distinct made-up stems (four in five Cyrillic,
// of syllables so that they share deletions the way real stems do) and a
// list of them with Zipf-like repeats, as NewVocabulary gets them.
func syntheticTerms(n int) (distinct, withRepeats []string) {
	rng := rand.New(rand.NewPCG(14, 3))
	ru := strings.Fields("ба ва га да за ка ла ма на па ра са та фа ча ша ви ги ди ки ли ми ни пи ри си ти ко ло мо но по ро со то ку лу му ну ру су ту ст пр тр кр гр ль нь ть ск ов ен ин ор ер")
	en := strings.Fields("ba ca da fa ga la ma na pa ra sa ta re se te ne me le ri si ti ni li co lo mo no po ro so to st pr tr ch sh th ng nt rt")
	seen := make(map[string]bool, n)
	for len(distinct) < n {
		syl := ru
		if rng.IntN(5) == 0 {
			syl = en
		}
		var b strings.Builder
		for range 2 + rng.IntN(4) {
			b.WriteString(syl[rng.IntN(len(syl))])
		}
		if t := b.String(); !seen[t] {
			seen[t] = true
			distinct = append(distinct, t)
		}
	}
	for i, t := range distinct {
		for range 1 + 1000/(i+1) {
			withRepeats = append(withRepeats, t)
		}
	}
	return distinct, withRepeats
}

// TestVocabulary100k builds a vocabulary of 100 000 terms, logs its build
// time and memory, and checks it corrects.
func TestVocabulary100k(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 100 000 terms")
	}
	distinct, terms := syntheticTerms(100_000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	v := NewVocabulary(terms)
	build := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	t.Logf("100 000 terms (%d with repeats): built in %v; %.1f MB held (%d deletion entries, %d directory buckets); %.1f MB allocated while building",
		len(terms), build.Round(time.Millisecond), float64(after.HeapAlloc-before.HeapAlloc)/1e6,
		len(v.deletes.ids), len(v.deletes.dir)-1, float64(after.TotalAlloc-before.TotalAlloc)/1e6)
	if v.Len() != 100_000 {
		t.Fatalf("Len = %d", v.Len())
	}
	// A term with its first rune doubled is corrected to a list holding the
	// term, unless the typo (or its stem) is a stored term itself or five
	// other terms as near and more common fill the list.
	misses := 0
	start = time.Now()
	for _, term := range distinct[:10_000] {
		_, size := utf8.DecodeRuneInString(term)
		typo := term[:size] + term
		if got := v.Correct(typo); v.Count(typo) == 0 && v.Count(stem(typo)) == 0 && !slices.Contains(got, term) && len(got) < maxCorrections {
			misses++
		}
	}
	t.Logf("10 000 corrections in %v", time.Since(start).Round(time.Millisecond))
	if misses > 0 {
		t.Errorf("%d of 10 000 doubled-letter typos not corrected", misses)
	}
	runtime.KeepAlive(v)
}
