package textsearch

// oneEdit reports whether a and b are exactly one edit apart: one rune
// inserted, deleted or substituted, or two neighbouring runes transposed
// (Damerau–Levenshtein distance 1). Equal strings are not.
func oneEdit(a, b string) bool {
	var abuf, bbuf [32]rune
	ra, rb := appendRunes(abuf[:0], a), appendRunes(bbuf[:0], b)
	if len(ra) < len(rb) {
		ra, rb = rb, ra
	}
	if len(ra)-len(rb) > 1 {
		return false
	}
	i := 0
	for i < len(rb) && ra[i] == rb[i] {
		i++
	}
	switch {
	case len(ra) > len(rb): // delete ra[i]
		return equalRunes(ra[i+1:], rb[i:])
	case i == len(ra): // equal
		return false
	case equalRunes(ra[i+1:], rb[i+1:]): // substitute
		return true
	default: // transpose ra[i] and ra[i+1]
		return i+1 < len(ra) && ra[i] == rb[i+1] && ra[i+1] == rb[i] && equalRunes(ra[i+2:], rb[i+2:])
	}
}

func appendRunes(dst []rune, s string) []rune {
	for _, r := range s {
		dst = append(dst, r)
	}
	return dst
}

func equalRunes(a, b []rune) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
