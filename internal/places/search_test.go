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
