package textsearch

import (
	"unicode"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/russian"
)

// Stem returns the stem of one word, folded first: the Russian snowball
// stemmer for a Cyrillic word, the English (Porter2) one for a Latin word,
// the word itself when it holds a digit (a number or a code is not
// inflected) or no Cyrillic or Latin letter.
//
// A word that mixes the two alphabets is stemmed by the one most of its
// letters belong to (a tie goes to Russian): such words are nearly always a
// look-alike letter typed on the other keyboard («liсence» with a Cyrillic
// «с»), and stemming by the majority keeps the ending the stemmer knows, so
// the stem is one substitution from the right one and Vocabulary.Correct
// finds it.
//
// The module is github.com/kljensen/snowball v0.10.0 (DEPENDENCIES.md §12).
// Its own stop-word shortcut is off: every word is stemmed, and Terms drops
// stop words before stemming.
func Stem(word string) string {
	return stem(Fold(word))
}

// stem is Stem for a word already folded.
func stem(w string) string {
	cyr, lat := 0, 0
	for _, r := range w {
		switch {
		case unicode.IsDigit(r):
			return w
		case unicode.Is(unicode.Cyrillic, r):
			cyr++
		case unicode.Is(unicode.Latin, r):
			lat++
		}
	}
	var s string
	switch {
	case cyr == 0 && lat == 0:
		return w
	case cyr >= lat:
		s = russian.Stem(w, true)
	default:
		s = english.Stem(w, true)
	}
	if s == "" {
		// Neither stemmer strips a whole word, but a term must never be
		// empty: keep the word if one ever does.
		return w
	}
	return s
}
