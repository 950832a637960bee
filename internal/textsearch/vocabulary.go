package textsearch

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of typo correction, in runes.
const (
	// minCorrect: a shorter word has too many neighbours one edit away
	// («суд» → «сад», «суп», «суды»…) for a guess to help.
	minCorrect = 4
	// minStem: the stem of a word of minCorrect runes may be shorter
	// («вачи» → «вач» → «врач»); the word's length already told a typo
	// from a short word, so the stem is tried down to three runes.
	minStem = 3
	// maxCorrect: nothing longer is a word; it also bounds the work one
	// query can cause (the deletions of a word are as many as its runes).
	maxCorrect = 40
	// maxCorrections is how many corrections Correct returns at most.
	maxCorrections = 5
)

// Vocabulary is every term the catalog stores (stems, as Terms returns
// them), with how often each occurs, indexed for typo correction. Build it
// with NewVocabulary; it is immutable afterwards, so any number of
// goroutines may call Correct on it at once.
//
// The index is a symmetric-delete one (SymSpell's idea, for one edit):
// every term is filed under the hash of each string made by deleting one
// of its runes. Two strings one edit apart always share such a string or
// one of them is a deletion of the other, so Correct needs only the
// word's own deletions — as many as its runes — and a handful of lookups,
// however large the vocabulary; each candidate is then checked with the
// real distance.
type Vocabulary struct {
	terms  []string // by id
	counts []uint32 // by id
	n      int      // the terms that occur
	// exact files each term under its hash.
	exact hashIndex
	// deletes files each correctable term of at least minStem runes under
	// the hashes of its one-rune deletions (a shorter term can still be a
	// correction: a deletion of a longer string, found by exact).
	deletes hashIndex
}

// NewVocabulary indexes terms, counting repeats: pass every stored term
// with its repeats (all services' Terms), and Correct prefers the common
// ones. Terms are taken as they are (already folded and stemmed); empty
// ones are skipped.
func NewVocabulary(terms []string) *Vocabulary {
	var distinct []string
	var counts []uint32
	ids := make(map[string]uint32)
	for _, t := range terms {
		if t == "" {
			continue
		}
		id, ok := ids[t]
		if !ok {
			id = uint32(len(distinct))
			ids[t] = id
			distinct = append(distinct, strings.Clone(t)) // not pinning a caller's larger string
			counts = append(counts, 0)
		}
		counts[id]++
	}
	return NewCountedVocabulary(distinct, counts)
}

// NewCountedVocabulary indexes distinct terms, each occurring as often as
// counts says (by index): NewVocabulary for a caller that counted them.
// It keeps both slices; a term with no occurrences is left out.
func NewCountedVocabulary(terms []string, counts []uint32) *Vocabulary {
	v := &Vocabulary{terms: terms, counts: counts}
	exact := make([]hashEntry, 0, len(v.terms))
	size := 0 // one deletion per rune: sized once, the largest allocation is not grown by doubling
	for id, t := range v.terms {
		if t == "" || counts[id] == 0 {
			continue
		}
		exact = append(exact, hashEntry{hashString(t), uint32(id)})
		if indexed(t) {
			size += utf8.RuneCountInString(t)
		}
	}
	deletes := make([]hashEntry, 0, size)
	for id, t := range v.terms {
		if t != "" && counts[id] > 0 && indexed(t) {
			eachDeletion(t, func(h uint64) { deletes = append(deletes, hashEntry{h, uint32(id)}) })
		}
	}
	v.n = len(exact)
	v.exact = newHashIndex(exact)
	v.deletes = newHashIndex(deletes)
	return v
}

// Len is the number of distinct terms.
func (v *Vocabulary) Len() int { return v.n }

// Count is how many times term was given to NewVocabulary.
func (v *Vocabulary) Count(term string) int {
	if id, ok := v.lookup(term); ok {
		return int(v.counts[id])
	}
	return 0
}

func (v *Vocabulary) lookup(term string) (id uint32, ok bool) {
	v.exact.each(hashString(term), func(i uint32) {
		if v.terms[i] == term {
			id, ok = i, true
		}
	})
	return id, ok
}

// Correct returns the vocabulary's terms one edit (Damerau–Levenshtein:
// insertion, deletion, substitution, transposition of neighbours) from a
// query word that found nothing: the most common first, then
// alphabetically, at most five. Search for any of them instead of the
// word's term.
//
// word is one word as the user typed it (one of the query's Tokens, not
// its Terms): typos happen in the word, before stemming. Correct folds it
// and looks for terms one edit from two strings:
//   - the folded word itself, for words the stemmer leaves whole or cuts
//     differently once misspelt (the typo lands in what looks like an
//     ending), where the stored stem is one edit from what was typed
//     («гражданиа» → «гражданин», its stem «граждан» is not; «foreing» →
//     «foreign», its stem «fore» is not; «вычит» → «вычет», its stem «выч»
//     is one edit from «вы», «выз», «выш»);
//   - when the word finds none, the word's stem, because the vocabulary holds stems and an inflected
//     word with a typo is usually far from every stem but its stem is not
//     («вврачу» → stem «вврач» → «врач»; the folded word is two edits from
//     «врач»), and because a look-alike letter from the other alphabet
//     leaves the ending for the stemmer to strip («liсence» → «liсenc» →
//     «licenc»).
//
// On the tests' catalog every one-edit typo of every word of five runes or
// more (TestCorrectEveryOneEditTypo: about 18 000) is corrected four times
// in five and never to another word; the stem finds nearly all of those,
// the word alone under one in a hundred.
// The rest are typos that hide the ending from the stemmer («судимсоти»
// stems to «судимсот», two edits from «судим»).
//
// A correction is never shorter than three runes, and the stem is tried
// only when the word itself has no correction, so that a correction is
// never much shorter than what was typed.
//
// There is no correction (nil) when the word or its stem is in the
// vocabulary (it needs none), when it is a stop word, holds a digit (a
// number one digit off is another number, not a typo) or is shorter than
// four runes (its stem may be, down to three: «вачи» → «вач» → «врач»), or
// longer than 40, when word is not exactly one token, or when nothing is one
// edit away: two edits are not tried, since in a vocabulary of stems they
// reach too many unrelated words.
func (v *Vocabulary) Correct(word string) []string {
	toks := Tokens(word)
	if len(toks) != 1 {
		return nil
	}
	w := toks[0]
	if isStop(w) || !correctable(w) {
		return nil
	}
	if n := utf8.RuneCountInString(w); n < minCorrect || n > maxCorrect {
		return nil
	}
	s := stem(w)
	if _, ok := v.lookup(w); ok {
		return nil
	}
	if _, ok := v.lookup(s); ok {
		return nil
	}
	// The word as typed first: a stored term one edit from it is one
	// edit from what the person meant. Only when none is, the stem: it is
	// the stemmer's guess at an ending, and a typo can make it guess wrong
	// and cut letters of the word itself («вычит» reads as a verb, «выч» +
	// «ит»), so that its neighbours are two or three edits from what was
	// typed («вы», «выз», «выш» beside the «вычет» the word itself finds).
	var found []uint32
	v.near(w, &found)
	if len(found) == 0 && s != w && utf8.RuneCountInString(s) >= minStem {
		v.near(s, &found)
	}
	slices.SortFunc(found, func(a, b uint32) int {
		if v.counts[a] != v.counts[b] {
			return int(v.counts[b]) - int(v.counts[a])
		}
		return strings.Compare(v.terms[a], v.terms[b])
	})
	if len(found) > maxCorrections {
		found = found[:maxCorrections]
	}
	if len(found) == 0 {
		return nil
	}
	out := make([]string, len(found))
	for i, id := range found {
		out[i] = v.terms[id]
	}
	return out
}

// near adds to found the ids of the terms one edit from q, once each,
// but not the terms shorter than minStem runes: like a word shorter than
// minCorrect, they are one edit from too much («вы», «мы», «ип»). (No
// term is a stop word: Terms drops those before stemming; «при» is the
// stem of «приём».)
func (v *Vocabulary) near(q string, found *[]uint32) {
	check := func(id uint32) {
		t := v.terms[id]
		if !slices.Contains(*found, id) && utf8.RuneCountInString(t) >= minStem && oneEdit(t, q) {
			*found = append(*found, id)
		}
	}
	// A term with one rune more than q: q is one of its deletions.
	v.deletes.each(hashString(q), check)
	eachDeletion(q, func(h uint64) {
		// A term with one rune less: it is one of q's deletions.
		v.exact.each(h, check)
		// A term of q's length, one rune substituted or two transposed:
		// both lose a rune to the same string.
		v.deletes.each(h, check)
	})
}

// indexed reports whether t's deletions go into the deletes index: it may
// be a correction of a word or stem of minStem to maxCorrect runes.
func indexed(t string) bool {
	n := utf8.RuneCountInString(t)
	return n >= minStem && n <= maxCorrect+1 && correctable(t)
}

// correctable reports whether t may be corrected or be a correction: not
// when it holds a digit.
func correctable(t string) bool {
	return !strings.ContainsFunc(t, unicode.IsDigit)
}
