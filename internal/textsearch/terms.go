package textsearch

// Terms returns what s is searched by: its Tokens without the stop words,
// each through Stem, in order and with repeats (a caller that ranks by term
// frequency needs them; one that does not can drop them). The catalog
// stores Terms of each field and turns a query into Terms, so both sides
// meet on the same strings. A query of stop words only («в») has no terms.
// No term is empty.
func Terms(s string) []string {
	return termsOf(Tokens(s))
}

// termsOf drops the stop words of folded tokens and stems the rest, in place.
func termsOf(toks []string) []string {
	out := toks[:0]
	for _, t := range toks {
		if !isStop(t) {
			out = append(out, stem(t))
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
