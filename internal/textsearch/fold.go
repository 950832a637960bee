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
	if isASCII(s) {
		return strings.ToLower(s)
	}
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
