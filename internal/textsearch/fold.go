package textsearch

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold lower-cases s (Unicode) and folds ё to е (Ё too); other letters are
// unchanged. It is for comparisons nobody sees: the result is not meant for
// display.
//
// The text is decomposed first (NFD) so that ё typed as е + U+0308
// (combining diaeresis), as some keyboards and PDFs produce it, folds like
// the precomposed letter, and recomposed (NFC) at the end so equal text
// gives equal bytes. Fold(Fold(s)) == Fold(s).
func Fold(s string) string {
	switch {
	case isASCII(s):
		return strings.ToLower(s)
	case isPlain(s):
		return strings.Map(lowerYo, s)
	}
	return foldNormalized(s)
}

// foldNormalized is Fold for any text: through NFD and back.
func foldNormalized(s string) string {
	d := strings.ToLower(norm.NFD.String(s))
	var b strings.Builder
	b.Grow(len(d))
	// base is the last non-mark rune: a diaeresis is dropped while the
	// combining sequence it belongs to starts with е (that is what ё is).
	base := rune(-1)
	for _, r := range d {
		if unicode.Is(unicode.M, r) {
			if r == '\u0308' && base == 'е' {
				continue
			}
		} else {
			base = r
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// isPlain reports whether every rune of s is one for which NFD and NFC
// change nothing that Fold's result shows: Latin below the combining
// marks (U+0300), Cyrillic (U+0400–U+04FF) and general punctuation
// (U+2010–U+205F) — nearly all Russian and English text. None of them has
// a canonical decomposition other than its own letter and marks, or
// composes with a neighbour, so lower-casing rune by rune gives what the
// NFD route gives (TestFoldPlainEveryRune checks each), a third of the
// time of a search text's Terms saved. The one exception is İ (U+0130),
// I with a dot above: decomposed, it lower-cases to i and a combining dot.
func isPlain(s string) bool {
	for _, r := range s {
		if r >= 0x300 && (r < 0x400 || r > 0x4FF) && (r < 0x2010 || r > 0x205F) || r == 'İ' {
			return false
		}
	}
	return true
}

func lowerYo(r rune) rune {
	if r == 'ё' || r == 'Ё' {
		return 'е'
	}
	return unicode.ToLower(r)
}
