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
	for _, l := range d.cur.Load().localities[region] {
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

// Find returns up to limit localities of any region for what a person
// types to choose their region: the name's start, ignoring case and ё/е,
// or, when nothing starts so, the names one typo away (a letter wrong,
// missing, extra or two swapped) from what was typed or from its start of
// the same length. Larger towns first within each group, then by name.
func (d *Directory) Find(q string, limit int) []Locality {
	q = fold(strings.Join(strings.Fields(q), " "))
	q = strings.TrimPrefix(strings.TrimPrefix(q, "г. "), "г ")
	if q == "" || limit < 1 {
		return nil
	}
	// One pass in rank order: the prefix matches come out ordered, and the
	// pass stops once it has enough; the typos count only without them.
	var starts, near []Locality
	qr := []rune(q)
	for _, x := range d.cur.Load().byRank {
		switch {
		case strings.HasPrefix(x.key, q):
			if starts = append(starts, *x.l); len(starts) == limit {
				return starts
			}
		case len(starts) == 0 && len(near) < limit && len(qr) >= 4 &&
			(oneEdit(qr, x.r) || (len(x.r) > len(qr) && oneEdit(qr, x.r[:len(qr)]))):
			near = append(near, *x.l)
		}
	}
	if len(starts) > 0 {
		return starts
	}
	return near
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

// Nearest returns the locality nearest to a point (the browser's
// location), and false when the directory has none with coordinates.
func (d *Directory) Nearest(lat, lon float64) (Locality, bool) {
	var best *Locality
	bestD := math.Inf(1)
	for _, x := range d.cur.Load().byRank {
		l := x.l
		if l.Lat == 0 && l.Lon == 0 {
			continue
		}
		// An equirectangular distance: exact enough to tell towns apart.
		x := (l.Lon - lon) * math.Cos((l.Lat+lat)/2*math.Pi/180)
		y := l.Lat - lat
		if dist := x*x + y*y; dist < bestD {
			best, bestD = l, dist
		}
	}
	if best == nil {
		return Locality{}, false
	}
	return *best, true
}
