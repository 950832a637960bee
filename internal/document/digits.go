package document

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/kabinet/kabinet/internal/problem"
)

// digitsOf returns the ASCII digits of s, skipping the separators people
// type inside numbers: white space and dashes (ASCII and Unicode hyphens,
// en and em dashes, as word processors turn them). It returns the first other
// character as bad, or 0.
func digitsOf(s string) (digits string, bad rune) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case unicode.IsSpace(r), r == '-', r == '‐', r == '‑', r == '–', r == '—':
		default:
			return "", r
		}
	}
	return b.String(), 0
}

// visible returns r as the user can see it in a message: the character
// itself, or its code point when it would be invisible.
func visible(r rune) string {
	if r == unicode.ReplacementChar || !unicode.IsGraphic(r) || unicode.Is(unicode.Mn, r) {
		return fmt.Sprintf("U+%04X", r)
	}
	return string(r)
}

// number parses a number of want digits typed with separators; prefix names
// the messages: "<prefix>.required", "<prefix>.symbols" (Char) and
// "<prefix>.length".
func number(s string, want int, prefix string) (string, error) {
	d, bad := digitsOf(s)
	switch {
	case bad != 0:
		return "", problem.M(prefix+".symbols", "Char", visible(bad))
	case d == "" && strings.TrimSpace(s) == "":
		return "", problem.M(prefix + ".required")
	case len(d) != want:
		return "", problem.M(prefix + ".length")
	}
	return d, nil
}
