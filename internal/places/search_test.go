package places

import (
	"slices"
	"testing"
)

func TestSearch(t *testing.T) {
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	names := func(ls []Locality) []string {
		var out []string
		for _, l := range ls {
			out = append(out, l.Name)
		}
		return out
	}
	tests := []struct {
		region, q string
		limit     int
		want      []string
	}{
		{"68", "тамб", 10, []string{"Тамбов"}},
		{"68", "ТАМБОВ", 10, []string{"Тамбов"}},
		{"77", "", 10, []string{"Москва"}},
		{"00", "", 10, nil},
		{"68", "zzz", 10, nil},
	}
	for _, tt := range tests {
		if got := names(d.Search(tt.region, tt.q, tt.limit)); !slices.Equal(got, tt.want) {
			t.Errorf("Search(%s, %q) = %v, want %v", tt.region, tt.q, got, tt.want)
		}
	}
	// Prefix matches come first, and the limit holds.
	all := d.Search("50", "", 1000)
	if len(all) < 20 || len(d.Search("50", "", 5)) != 5 {
		t.Fatalf("region 50: %d towns", len(all))
	}
	got := d.Search("50", "ск", 100)
	for i, l := range got {
		if i > 0 && fold(l.Name)[:4] == "ск" && fold(got[i-1].Name)[:4] != "ск" {
			t.Errorf("%s (a prefix match) after %s", l.Name, got[i-1].Name)
		}
	}
	if got := names(d.Search("38", "усолье", 5)); !slices.Contains(got, "Усолье-Сибирское") {
		t.Errorf("усолье in 38: %v", got)
	}
	if got := names(d.Search("50", "королев", 5)); !slices.Equal(got, []string{"Королёв"}) {
		t.Errorf("е for ё: %v", got)
	}
}

// TestFind: choosing a region by the town: its start in any case and with
// ё or е, the larger towns first; one typo when nothing starts so; a
// nearest town for a point.
func TestFind(t *testing.T) {
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	first := func(q string) (string, string) {
		ls := d.Find(q, 5)
		if len(ls) == 0 {
			return "", ""
		}
		return ls[0].Name, ls[0].Region
	}
	for _, c := range []struct{ q, name, region string }{
		{"калуга", "Калуга", "40"},
		{"КАЛУ", "Калуга", "40"},
		{"г. Калуга", "Калуга", "40"},
		{"калгуа", "Калуга", "40"}, // two letters swapped
		{"калуеа", "Калуга", "40"}, // one wrong
		{"екатеринбур", "Екатеринбург", "66"},
		{"екатеренбург", "Екатеринбург", "66"}, // a typo inside
		{"москва", "Москва", "77"},
		{"орёл", "Орёл", "57"},
		{"орел", "Орёл", "57"},
		{"кклуга", "Калуга", "40"}, // one wrong at the start
		{"zzzz", "", ""},
		{"", "", ""},
	} {
		if name, region := first(c.q); name != c.name || region != c.region {
			t.Errorf("Find(%q) = %s (%s), want %s (%s)", c.q, name, region, c.name, c.region)
		}
	}
	if ls := d.Find("нов", 3); len(ls) != 3 || ls[0].Name != "Новосибирск" {
		t.Errorf("the largest first: %v", ls)
	}
	if l, ok := d.Nearest(54.51, 36.26); !ok || l.Name != "Калуга" {
		t.Errorf("near Kaluga: %+v %v", l, ok)
	}
	if l, ok := d.Nearest(56.84, 60.61); !ok || l.Name != "Екатеринбург" {
		t.Errorf("near Yekaterinburg: %+v %v", l, ok)
	}
}

func TestOneEdit(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"калуга", "калуга", false}, {"калуга", "калгуа", true}, {"калуга", "клауга", true}, {"калуга", "калуг", true},
		{"калуга", "калугаа", true}, {"калуга", "кал", false}, {"калуга", "клагуа", false}, {"ab", "ba", true}, {"abc", "bca", false},
	} {
		if got := oneEdit([]rune(c.a), []rune(c.b)); got != c.want {
			t.Errorf("oneEdit(%q, %q) = %v", c.a, c.b, got)
		}
	}
}
