package textsearch

import "testing"

// TestStemGroups checks that the forms people type meet on one stem, and
// that different words do not. The first groups are DEPENDENCIES.md §12's.
func TestStemGroups(t *testing.T) {
	groups := []struct {
		stem  string
		words []string
	}{
		{"паспорт", []string{"паспорт", "Паспорта", "паспортов", "ПАСПОРТУ", "паспортом"}},
		{"врач", []string{"врач", "врачу", "врачи", "врачей", "Врача"}},
		{"жительств", []string{"жительство", "жительства", "жительству"}},
		{"елочн", []string{"ёлочные", "елочный", "Ёлочная", "Е\u0308лочный"}},
		{"заграничн", []string{"заграничный", "заграничного", "заграничному"}},
		{"штраф", []string{"штраф", "штрафы", "штрафов", "штрафам"}},
		{"пенсион", []string{"пенсионный", "пенсионного"}},
		{"ип", []string{"ИП"}}, // short words are left whole
		{"licenc", []string{"licence", "Licences"}},
		{"licens", []string{"license", "licenses", "licensing"}},
		{"fine", []string{"fine", "fines"}},
		{"appoint", []string{"appointment", "appointments"}},
		{"2", []string{"2"}},
		{"covid19", []string{"COVID19"}}, // a digit: left whole (Tokens would split it)
		{"中文", []string{"中文"}},
	}
	for _, g := range groups {
		for _, w := range g.words {
			if got := Stem(w); got != g.stem {
				t.Errorf("Stem(%q) = %q, want %q", w, got, g.stem)
			}
		}
	}
	// Different words stay apart.
	for _, pair := range [][2]string{{"паспорт", "паспортный стол"}, {"врач", "врата"}, {"суд", "сад"}} {
		if Stem(pair[0]) == Stem(pair[1]) {
			t.Errorf("Stem(%q) == Stem(%q) == %q", pair[0], pair[1], Stem(pair[0]))
		}
	}
}

// TestStemMixedAlphabets: a word with one look-alike letter of the other
// alphabet is stemmed by its majority's stemmer.
func TestStemMixedAlphabets(t *testing.T) {
	tests := []struct{ in, want string }{
		{"liсence", "liсenc"},   // Cyrillic с: English rules, the ending goes
		{"пaспорта", "пaспорт"}, // Latin a: Russian rules
	}
	for _, tt := range tests {
		if got := Stem(tt.in); got != tt.want {
			t.Errorf("Stem(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
