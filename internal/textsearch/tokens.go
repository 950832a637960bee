package textsearch

import "unicode"

// Tokens splits s into folded words: runs of letters or runs of digits.
// Everything else separates words — spaces, punctuation (a hyphen too:
// «заграничный-паспорт» is two words), symbols — and is dropped. Short words
// stay («ИП» → «ип»): whether they matter is Terms' business.
//
// The rules that are not plain splitting, each for text people paste:
//   - A change between letters and digits separates («2НДФЛ», «2-НДФЛ» and
//     «2 НДФЛ» give the same words).
//   - Combining marks (stress marks «за́мок») and invisible format
//     characters (soft hyphens, zero-width joiners) are dropped without
//     splitting the word; the zero-width space is a word break, so it
//     separates.
//   - An apostrophe between two letters is dropped and joins them
//     («citizen's» → «citizens», «д’Артаньян» → «дартаньян»); elsewhere it
//     separates.
//
// Letters of other scripts make words too; Stem leaves them as they are.
func Tokens(s string) []string {
	var out []string
	scan(Fold(s), func(tok string) { out = append(out, tok) })
	return out
}

// Prefix returns the folded form of word's last token, the prefix that the
// stored words (Tokens) of a suggestion must start with; "" when word has
// no token or ends with a separator (its last word is finished, so nothing
// is unfinished). The last word is neither stemmed nor dropped as a stop
// word: «в» may be the start of «врач».
func Prefix(word string) string {
	var last string
	if scan(Fold(word), func(tok string) { last = tok }) {
		return last
	}
	return ""
}

// Typed splits what a search box holds while the user types into the terms
// of its finished words and the Prefix of the unfinished last word ("" when
// the text ends with a separator, and then every word is finished).
func Typed(q string) (terms []string, prefix string) {
	var toks []string
	if scan(Fold(q), func(tok string) { toks = append(toks, tok) }) {
		prefix = toks[len(toks)-1]
		toks = toks[:len(toks)-1]
	}
	return termsOf(toks), prefix
}

// scan calls emit with each token of the folded text f and reports whether f
// ends inside a token (its last word may be unfinished).
func scan(f string, emit func(string)) (open bool) {
	var (
		buf     []byte
		kind    byte // 'l' letters, 'd' digits, 0 between tokens
		dropped bool // a mark or format rune was left out of buf
		apos    bool // an apostrophe follows the letters in buf
	)
	flush := func() {
		if len(buf) > 0 {
			tok := string(buf)
			if dropped {
				// Leaving a rune out can put two runes side by side that
				// compose; fold again so the token is stable.
				tok = Fold(tok)
			}
			emit(tok)
		}
		buf, kind, dropped, apos = buf[:0], 0, false, false
	}
	for _, r := range f {
		var k byte
		switch {
		case unicode.IsLetter(r) && !isApostrophe(r):
			k = 'l'
		case unicode.IsDigit(r):
			k = 'd'
		case kind != 0 && (unicode.Is(unicode.M, r) || unicode.Is(unicode.Cf, r) && r != '\u200B'):
			dropped = true
			continue
		case kind == 'l' && !apos && isApostrophe(r):
			apos = true
			continue
		}
		if k == 0 || k != kind || apos && k != 'l' {
			flush()
		}
		if k == 0 {
			continue
		}
		apos = false
		kind = k
		buf = append(buf, string(r)...)
	}
	open = kind != 0 && !apos
	flush()
	return open
}

// isApostrophe reports the apostrophes people type inside words: ASCII,
// the right single quotation mark and the modifier letter apostrophe
// (which Unicode counts as a letter).
func isApostrophe(r rune) bool {
	return r == '\'' || r == '\u2019' || r == '\u02BC'
}
