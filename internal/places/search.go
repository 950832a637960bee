package places

import (
	"math"
	"slices"
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

// Find returns up to limit towns of any region for what a person types to
// choose their region: the name's start, ignoring case and ё/е, or, when
// nothing starts so, the names one typo away (a letter wrong, missing,
// extra or two swapped) from what was typed or from its start of the same
// length. Larger towns first within each group, then by name.
func (d *Directory) Find(q string, limit int) []Locality {
	q = fold(strings.Join(strings.Fields(q), " "))
	q = strings.TrimPrefix(strings.TrimPrefix(q, "г. "), "г ")
	if q == "" || limit < 1 {
		return nil
	}
	var starts, near []Locality
	qr := []rune(q)
	for _, code := range d.Codes() {
		for _, l := range d.localities[code] {
			name := fold(l.Name)
			switch {
			case strings.HasPrefix(name, q):
				starts = append(starts, l)
			case len(qr) >= 4 && (oneEdit(qr, []rune(name)) || oneEdit(qr, prefixRunes(name, len(qr)))):
				near = append(near, l)
			}
		}
	}
	order := func(ls []Locality) {
		slices.SortStableFunc(ls, func(a, b Locality) int {
			if a.Population != b.Population {
				return b.Population - a.Population
			}
			return strings.Compare(a.Name, b.Name)
		})
	}
	order(starts)
	order(near)
	out := starts
	if len(out) == 0 {
		out = near
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

func prefixRunes(s string, n int) []rune {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return r
}

// oneEdit reports whether a and b differ by exactly one edit: a rune
// replaced, inserted or deleted, or two neighbours swapped.
func oneEdit(a, b []rune) bool {
	switch len(a) - len(b) {
	case 0:
		diff := -1
		for i := range a {
			if a[i] == b[i] {
				continue
			}
			if diff >= 0 {
				// A second difference: only a swap of neighbours is one edit.
				return diff == i-1 && a[diff] == b[i] && a[i] == b[diff] && equalFrom(a, b, i+1)
			}
			diff = i
		}
		return diff >= 0
	case 1:
		return deletes(a, b)
	case -1:
		return deletes(b, a)
	}
	return false
}

// deletes reports whether removing one rune of long gives short.
func deletes(long, short []rune) bool {
	i := 0
	for i < len(short) && long[i] == short[i] {
		i++
	}
	return slices.Equal(long[i+1:], short[i:])
}

func equalFrom(a, b []rune, i int) bool { return slices.Equal(a[i:], b[i:]) }

// Nearest returns the town nearest to a point (the browser's location),
// and false when the directory has none with coordinates.
func (d *Directory) Nearest(lat, lon float64) (Locality, bool) {
	best, found := Locality{}, false
	bestD := math.Inf(1)
	for _, code := range d.Codes() {
		for _, l := range d.localities[code] {
			if l.Lat == 0 && l.Lon == 0 {
				continue
			}
			// An equirectangular distance: exact enough to tell towns apart.
			x := (l.Lon - lon) * math.Cos((l.Lat+lat)/2*math.Pi/180)
			y := l.Lat - lat
			if dist := x*x + y*y; dist < bestD {
				best, bestD, found = l, dist, true
			}
		}
	}
	return best, found
}
