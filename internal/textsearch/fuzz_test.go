package textsearch

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

var fuzzVocabulary = sync.OnceValue(func() *Vocabulary { return NewVocabulary(catalogTerms()) })

// FuzzText holds the package's promises for any input: no panics; Fold is
// idempotent and the quick route agrees with NFD; tokens are non-empty,
// folded and stable (tokenizing a token or the tokens joined by spaces
// gives them back); terms are never empty; Prefix and Typed agree with
// Tokens and Terms; corrections are few, stored, and one edit from the
// folded word or its stem.
func FuzzText(f *testing.F) {
	for _, s := range []string{
		"", "Заграничный-паспорт «ИП» 2НДФЛ", "Ёлочные игрушки", "Е\u0308лка", "е\u0323\u0308",
		"citizen's д’Артаньян rock'n'roll", "за\u0301мок пас\u00adпорт", "паспрот", "liсence",
		"вврачу", "\xff\xfe", "İstanbul \u212A", "'''", "a'1", "ʼʼaʼ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		folded := Fold(s)
		if again := Fold(folded); again != folded {
			t.Fatalf("Fold(%q) = %q, Fold of that = %q", s, folded, again)
		}
		if utf8.ValidString(s) && isPlain(s) && !isASCII(s) && folded != foldNormalized(s) {
			t.Fatalf("Fold(%q): quick %q, NFD %q", s, folded, foldNormalized(s))
		}

		toks := Tokens(s)
		for _, tok := range toks {
			if tok == "" || Fold(tok) != tok {
				t.Fatalf("Tokens(%q) has %q", s, tok)
			}
			if again := Tokens(tok); !slices.Equal(again, []string{tok}) {
				t.Fatalf("Tokens(%q) has %q, whose Tokens are %q", s, tok, again)
			}
		}
		if again := Tokens(strings.Join(toks, " ")); !slices.Equal(again, toks) {
			t.Fatalf("Tokens(%q) = %q, but Tokens of them joined = %q", s, toks, again)
		}

		terms := Terms(s)
		if len(terms) > len(toks) || slices.Contains(terms, "") {
			t.Fatalf("Terms(%q) = %q from tokens %q", s, terms, toks)
		}

		if p := Prefix(s); p != "" && (len(toks) == 0 || p != toks[len(toks)-1]) {
			t.Fatalf("Prefix(%q) = %q, tokens %q", s, p, toks)
		}
		typed, prefix := Typed(s)
		if prefix != Prefix(s) {
			t.Fatalf("Typed(%q) prefix %q, Prefix %q", s, prefix, Prefix(s))
		}
		rest := toks
		if prefix != "" {
			rest = toks[:len(toks)-1]
		}
		if want := termsOf(slices.Clone(rest)); !slices.Equal(typed, want) {
			t.Fatalf("Typed(%q) terms %q, want %q", s, typed, want)
		}

		// Correct, on the catalog's vocabulary and on one of s's own terms.
		for _, v := range []*Vocabulary{fuzzVocabulary(), NewVocabulary(append(terms, toks...))} {
			got := v.Correct(s)
			if len(got) > maxCorrections {
				t.Fatalf("Correct(%q) = %q: too many", s, got)
			}
			for _, c := range got {
				w := Tokens(s)[0]
				if v.Count(c) == 0 || !oneEdit(c, w) && !oneEdit(c, stem(w)) {
					t.Fatalf("Correct(%q) = %q: %q is not stored or not one edit from %q or %q", s, got, c, w, stem(w))
				}
			}
		}
	})
}
