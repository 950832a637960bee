package person

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/kabinet/kabinet/internal/problem"
)

// MaxNameLen is the longest name accepted, in characters.
const MaxNameLen = 60

// NormalizeName checks a surname, given name or patronymic and returns it
// in canonical form: NFC-normalized, trimmed, runs of white space collapsed
// to one space, typographic apostrophes (’ ʼ) replaced by ' and Unicode
// hyphens (‐ ‑) by -, stress marks over Cyrillic vowels dropped. The
// person's capitalisation is kept.
//
// A name is made of letters of one script, Cyrillic (including ё) or Latin
// (for foreign citizens), joined by single separators: a hyphen
// ("Салтыков-Щедрин"), an apostrophe ("Д'Артаньян") or a space ("Мария
// Анна"). It begins and ends with a letter.
//
// Errors, all problem.Message, in the order they are checked:
// "name.required"; "field.too_long" (Max) past MaxNameLen characters;
// "name.digits" or "name.symbols" (Char, the first offending character),
// whichever comes first in the name; "name.mixed_script" when Cyrillic and
// Latin letters are mixed (a Latin "a" typed inside a Russian name);
// "name.separators" when the name begins or ends with a separator or has
// two in a row.
func NormalizeName(s string) (string, error) {
	s = collapseSpace(norm.NFC.String(s))
	if s == "" {
		return "", problem.M("name.required")
	}
	if utf8.RuneCountInString(s) > MaxNameLen {
		return "", problem.M("field.too_long", "Max", MaxNameLen)
	}
	var b strings.Builder
	b.Grow(len(s))
	var cyrillic, latin bool
	prev := rune(0)
	for _, r := range s {
		switch r {
		case '’', 'ʼ':
			r = '\''
		case '‐', '‑':
			r = '-'
		case '\u0301', '\u0300':
			// A stress mark over a Cyrillic vowel ("Ива́нов", as printed in
			// dictionaries and copied from them) is not part of the name's
			// spelling: drop it. It has no precomposed form, so NFC leaves
			// it as a separate mark.
			if unicode.Is(unicode.Cyrillic, prev) {
				continue
			}
		}
		prev = r
		switch {
		case isSeparator(r):
		case unicode.IsLetter(r) && unicode.Is(unicode.Cyrillic, r):
			cyrillic = true
		case unicode.IsLetter(r) && unicode.Is(unicode.Latin, r):
			latin = true
		case unicode.IsDigit(r) || unicode.IsNumber(r):
			return "", problem.M("name.digits")
		default:
			return "", problem.M("name.symbols", "Char", visible(r))
		}
		b.WriteRune(r)
	}
	if cyrillic && latin {
		return "", problem.M("name.mixed_script")
	}
	out := b.String()
	first, _ := utf8.DecodeRuneInString(out)
	last, _ := utf8.DecodeLastRuneInString(out)
	if isSeparator(first) || isSeparator(last) {
		return "", problem.M("name.separators")
	}
	prevSep := false
	for _, r := range out {
		sep := isSeparator(r)
		if sep && prevSep {
			return "", problem.M("name.separators")
		}
		prevSep = sep
	}
	return out, nil
}

func isSeparator(r rune) bool { return r == '-' || r == '\'' || r == ' ' }

// collapseSpace trims s and replaces every run of white space with one
// ASCII space.
func collapseSpace(s string) string {
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

// visible returns r as the user can see it in a message: the character
// itself, or its code point when it would be invisible.
func visible(r rune) string {
	if r == utf8.RuneError || !unicode.IsGraphic(r) || unicode.Is(unicode.Mn, r) {
		return fmt.Sprintf("U+%04X", r)
	}
	return string(r)
}
