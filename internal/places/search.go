package places

import (
	"cmp"
	"math"
	"slices"
	"sort"
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
	s := d.cur.Load()
	if lo, hi := s.prefixRange(q); hi-lo > 2048 {
		// A prefix of thousands (a letter or two): the best ranked come
		// soon in rank order.
		var out []Locality
		for _, x := range s.byRank {
			if strings.HasPrefix(x.key, q) {
				if out = append(out, *x.l); len(out) == limit {
					break
				}
			}
		}
		return out
	} else if hi > lo {
		return s.best(s.byKey[lo:hi], limit)
	}
	qr := []rune(q)
	if len(qr) < 4 {
		return nil
	}
	// The typos: every name starting with q with one letter replaced or
	// two swapped, and every name that is q with a letter dropped or
	// added — each a range of the names in order, found by halving.
	var found []int32
	add := func(v []rune, whole bool) {
		k := string(v)
		lo, hi := s.prefixRange(k)
		for _, i := range s.byKey[lo:hi] {
			if !whole || s.byRank[i].key == k {
				found = append(found, i)
			}
		}
	}
	v := make([]rune, len(qr)+1)
	for i := range qr {
		copy(v, qr)
		for _, c := range s.alphabet {
			if c != qr[i] {
				v[i] = c
				add(v[:len(qr)], false)
			}
		}
		if i+1 < len(qr) && qr[i] != qr[i+1] {
			copy(v, qr)
			v[i], v[i+1] = v[i+1], v[i]
			add(v[:len(qr)], false)
		}
		add(append(append(v[:0:0], qr[:i]...), qr[i+1:]...), true)
	}
	for i := 0; i <= len(qr); i++ {
		for _, c := range s.alphabet {
			add(append(append(append(v[:0:0], qr[:i]...), c), qr[i:]...), true)
		}
	}
	slices.Sort(found)
	return s.best(slices.Compact(found), limit)
}

// prefixRange is the range of byKey whose names start with q.
func (s *snapshot) prefixRange(q string) (int, int) {
	lo, _ := slices.BinarySearchFunc(s.byKey, q, func(i int32, q string) int { return strings.Compare(s.byRank[i].key, q) })
	hi := lo + sort.Search(len(s.byKey)-lo, func(j int) bool { return !strings.HasPrefix(s.byRank[s.byKey[lo+j]].key, q) })
	return lo, hi
}

// best returns the localities at the positions in byRank, best ranked
// first, at most limit.
func (s *snapshot) best(at []int32, limit int) []Locality {
	at = slices.Clone(at)
	slices.Sort(at)
	if len(at) > limit {
		at = at[:limit]
	}
	out := make([]Locality, len(at))
	for i, j := range at {
		out[i] = *s.byRank[j].l
	}
	return out
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
	s := d.cur.Load()
	if len(s.byLat) == 0 {
		return Locality{}, false
	}
	// A sweep out from the latitude in both directions, which stops once
	// the difference in latitude alone is past the best distance found.
	dist := func(l *Locality) float64 {
		// An equirectangular distance: exact enough to tell towns apart.
		x := (l.Lon - lon) * math.Cos((l.Lat+lat)/2*math.Pi/180)
		y := l.Lat - lat
		return x*x + y*y
	}
	at, _ := slices.BinarySearchFunc(s.byLat, lat, func(l *Locality, lat float64) int { return cmp.Compare(l.Lat, lat) })
	best, bestD := (*Locality)(nil), math.Inf(1)
	for down, up := at-1, at; down >= 0 || up < len(s.byLat); {
		if up < len(s.byLat) {
			if l := s.byLat[up]; (l.Lat-lat)*(l.Lat-lat) > bestD {
				up = len(s.byLat)
			} else {
				if dd := dist(l); dd < bestD {
					best, bestD = l, dd
				}
				up++
			}
		}
		if down >= 0 {
			if l := s.byLat[down]; (l.Lat-lat)*(l.Lat-lat) > bestD {
				down = -1
			} else {
				if dd := dist(l); dd < bestD {
					best, bestD = l, dd
				}
				down--
			}
		}
	}
	return *best, true
}
