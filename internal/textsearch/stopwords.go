package textsearch

// isStop reports whether the folded word w is a stop word, one Terms drops:
// a word that occurs in nearly every service's text or query and tells
// services apart in none. The lists are short on purpose — a word wrongly
// dropped can never be found, a word wrongly kept only costs a little
// ranking — and hold only prepositions, conjunctions and particles, never a
// word that could be a service's subject («it», «ип», «без» stay).
//
// Russian: а, в, во, для, до, же, за, и, из, или, к, ко, ли, на, не, ни,
// но, о, об, обо, от, по, при, с, со, у.
// English: a, an, and, at, by, for, from, in, of, on, or, the, to, with.
func isStop(w string) bool {
	switch w {
	case "а", "в", "во", "для", "до", "же", "за", "и", "из", "или", "к", "ко", "ли",
		"на", "не", "ни", "но", "о", "об", "обо", "от", "по", "при", "с", "со", "у",
		"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with":
		return true
	}
	return false
}

// IsStopWord reports whether Terms drops word (folded first).
func IsStopWord(word string) bool {
	return isStop(Fold(word))
}
