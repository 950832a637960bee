package centers_test

import (
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/kabinet/kabinet/internal/centers"
)

// FuzzParseHours: the parser never panics, and what it accepts prints to a
// text it reads back to the same hours.
func FuzzParseHours(f *testing.F) {
	for _, s := range []string{"пн-пт 09:00-18:00 перерыв 13:00-14:00; сб 10:00-14:00", "ежедневно 00:00-24:00", "mon,wed 9:00-12:00 break 10:00-10:15",
		"вс выходной", "пн 24:00-24:00", "пт-пн 1:00-2:00", ";;", "пн 09:00-18:00 перерыв"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := centers.ParseHours(s)
		if err != nil {
			return
		}
		back, err := centers.ParseHours(h.String())
		if err != nil || back.String() != h.String() {
			t.Fatalf("%q → %q does not read back: %v", s, h.String(), err)
		}
	})
}

// FuzzImport: neither reader panics, and every rejection names a row the
// file has.
func FuzzImport(f *testing.F) {
	f.Add([]byte(goodCSV), false)
	f.Add([]byte("name,type,region,locality,address,services\n\"x\ny\",mfc,40,a,b,registration\n"), false)
	f.Add([]byte(`[{"name":"МФЦ","type":"mfc","region":"40","locality":"Калуга","address":"x","services":["registration"],"lat":1e400}]`), true)
	f.Add([]byte(`[null, [], {"active": false}]`), true)
	rs := regions(f)
	f.Fuzz(func(t *testing.T, b []byte, isJSON bool) {
		read := centers.ReadCSV
		if isJSON {
			read = centers.ReadJSON
		}
		rows, err := read(b)
		if err != nil {
			return
		}
		_, rej := centers.Check(rows, rs)
		for _, r := range rej {
			if r.Row < 1 {
				t.Fatalf("rejection of row %d", r.Row)
			}
		}
	})
}

// FuzzSearchQuery: folding and ranking never panic; a folded query is
// valid UTF-8 and folds to itself; any locality matches itself exactly.
func FuzzSearchQuery(f *testing.F) {
	for _, s := range []string{"Калуга", "г. Калуга", "щёкино", "Каменск-Уральский", "", "  ", "\xff", "п."} {
		f.Add(s, "Калуга")
	}
	f.Fuzz(func(t *testing.T, q, locality string) {
		k := centers.Fold(q)
		if !utf8.ValidString(k) || centers.Fold(k) != k {
			t.Fatalf("Fold(%q) = %q, folds again to %q", q, k, centers.Fold(k))
		}
		_ = centers.Rank(q, locality)
		if k != "" && centers.Rank(q, q) != centers.MatchExact {
			t.Fatalf("%q does not match itself", q)
		}
		_, _ = centers.NormalizeQuery(centers.Query{Q: q, Service: locality}, nil)
	})
}

// FuzzTypoTerms: a locality and another query share a typo term exactly
// when they are one typo apart (Distance 1) — for two strings as given, and
// for a string and itself with one edit made (op, at pos, with r), which
// random pairs seldom are.
func FuzzTypoTerms(f *testing.F) {
	f.Add("калуга", "калгуа", uint8(0), uint8(2), 'х')
	f.Add("аа", "а", uint8(3), uint8(0), 'а')
	f.Add("обнинск", "", uint8(1), uint8(6), 'к')
	f.Fuzz(func(t *testing.T, a, b string, op, pos uint8, r rune) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) || !utf8.ValidRune(r) || len(a) > 64 || len(b) > 64 {
			return
		}
		check := func(key, q string) {
			if key == q {
				return // found as exact, not by the terms (which "" has none of)
			}
			terms := centers.TypoTerms(key)
			shared := slices.ContainsFunc(centers.TypoProbes(q), func(p string) bool { return slices.Contains(terms, p) })
			if want := centers.Distance(key, q, 1) == 1; shared != want {
				t.Fatalf("locality %q, query %q: share a term %v, one typo apart %v", key, q, shared, want)
			}
		}
		check(a, b)
		s := []rune(a)
		i := int(pos) % (len(s) + 1)
		switch op % 4 {
		case 0: // inserted
			s = slices.Insert(s, i, r)
		case 1: // dropped
			if i < len(s) {
				s = slices.Delete(s, i, i+1)
			}
		case 2: // replaced
			if i < len(s) {
				s[i] = r
			}
		case 3: // swapped
			if i+1 < len(s) {
				s[i], s[i+1] = s[i+1], s[i]
			}
		}
		check(a, string(s))
		check(string(s), a)
	})
}
