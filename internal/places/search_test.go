package places

import (
	"slices"
	"strconv"
	"strings"
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

// villages makes n localities with names of syllables, so that prefixes
// are shared as in real names, spread over the regions.
func villages(d *Directory, n int) []Locality {
	syllables := []string{"бор", "ки", "но", "ва", "ло", "ра", "со", "ми", "ту", "лё", "ка", "ни", "ев", "ско", "ое", "ка"}
	codes := d.Codes()
	out := make([]Locality, 0, n)
	for i := range n {
		name := ""
		for j, x := 0, i; j < 3+i%2; j++ {
			name += syllables[x%len(syllables)]
			x = x/len(syllables) + j*7
		}
		r := []rune(name)
		r[0] = []rune(strings.ToUpper(string(r[0])))[0]
		out = append(out, Locality{Region: codes[i%len(codes)], Type: "с", Name: string(r), Area: "Район " + strconv.Itoa(i%40),
			Lat: 45 + float64(i%2000)/100, Lon: 30 + float64(i%9000)/100, Population: i % 3000, ID: "l-" + strconv.Itoa(i)})
	}
	return out
}

// TestFindIsTheScan: Find's ranges and typo variants give what a scan of
// every name by the rule gives, on the towns and 20 000 villages.
func TestFindIsTheScan(t *testing.T) {
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Extend(nil, villages(d, 20_000)); err != nil {
		t.Fatal(err)
	}
	scan := func(q string, limit int) []Locality {
		q = fold(strings.Join(strings.Fields(q), " "))
		qr := []rune(q)
		var starts, near []Locality
		for _, x := range d.cur.Load().byRank {
			r := []rune(x.key)
			switch {
			case strings.HasPrefix(x.key, q):
				starts = append(starts, *x.l)
			case len(qr) >= 4 && (oneEdit(qr, r) || (len(r) > len(qr) && oneEdit(qr, r[:len(qr)]))):
				near = append(near, *x.l)
			}
		}
		out := starts
		if len(out) == 0 {
			out = near
		}
		return out[:min(limit, len(out))]
	}
	for _, q := range []string{"к", "ка", "Калу", "клуга", "калгуа", "калугаа", "калга", "борки", "бокри", "борнова", "брнова", "сковоро",
		"лёка", "леканитусо", "мирабор", "ноутбук", "Ёлки", "вакино", "вакинон", "аакино"} {
		for _, limit := range []int{1, 10, 50} {
			got, want := d.Find(q, limit), scan(q, limit)
			if !slices.Equal(got, want) {
				t.Errorf("Find(%q, %d) = %d localities, the scan %d: %v\nwant %v", q, limit, len(got), len(want), got, want)
			}
		}
	}
}

// BenchmarkFind: the region chooser's suggestions as a visitor types, with
// the reference data's 1 117 towns alone and with 155 000 villages added
// (about Russia's rural localities), and the nearest locality to a point.
// The villages' names are made of syllables, so that prefixes are shared
// as in real names; the queries are prefixes, typos and a miss.
func BenchmarkFind(b *testing.B) {
	d, err := Load()
	if err != nil {
		b.Fatal(err)
	}
	villages := villages(d, 155_000)
	queries := []string{"ка", "калу", "клуга", "борки", "бокри", "сковоро", "ноутбук"}
	for _, size := range []struct {
		name       string
		localities []Locality
	}{{"towns", nil}, {"villages", villages}} {
		if err := d.Extend(nil, size.localities); err != nil {
			b.Fatal(err)
		}
		b.Run("find/"+size.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				d.Find(queries[i%len(queries)], 10)
			}
		})
		b.Run("nearest/"+size.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				d.Nearest(54.5+float64(i%100)/100, 36.2)
			}
		})
	}
}
