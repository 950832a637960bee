package places

import (
	"strings"
)

// Search returns up to limit towns of a region whose name contains q,
// ignoring case and ё/е: those starting with it first, then the others,
// each group in name order. An empty q lists the region's towns; an
// unknown region has none. It serves the locality field's suggestions.
func (d *Directory) Search(region, q string, limit int) []Locality {
	q = fold(strings.TrimSpace(q))
	var starts, contains []Locality
	for _, l := range d.localities[region] {
		name := fold(l.Name)
		switch {
		case strings.HasPrefix(name, q):
			starts = append(starts, l)
		case strings.Contains(name, q):
			contains = append(contains, l)
		}
		if len(starts) >= limit {
			break
		}
	}
	out := append(starts, contains...)
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// fold is how names compare when searched: lower case, ё as е.
func fold(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), "ё", "е")
}
