package places

import "testing"

func TestLoad(t *testing.T) {
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(d.Regions()); n != 86 {
		t.Errorf("%d regions, want 85 and Baikonur", n)
	}
	for _, tc := range []struct{ code, name, iso string }{
		{"77", "Москва", "RU-MOW"}, {"68", "Тамбовская", "RU-TAM"}, {"92", "Севастополь", ""}, {"99", "Байконур", ""},
	} {
		r, ok := d.Region(tc.code)
		if !ok || r.Name != tc.name || (tc.iso != "" && r.ISO != tc.iso) {
			t.Errorf("Region(%s) = %+v, %v; want %s %s", tc.code, r, ok, tc.name, tc.iso)
		}
	}
	if _, ok := d.Region("00"); ok || d.HasRegion("93") {
		t.Error("an unknown code is a region")
	}
	towns := 0
	for _, r := range d.Regions() {
		towns += len(d.Localities(r.Code))
	}
	if towns != 1117 {
		t.Errorf("%d towns, want 1117", towns)
	}
	var tambov, moscow bool
	for _, l := range d.Localities("68") {
		tambov = tambov || (l.Name == "Тамбов" && l.Type == "г" && l.Postcode != "" && l.Lat > 52 && l.Lat < 53)
	}
	for _, l := range d.Localities("77") {
		moscow = moscow || (l.Name == "Москва" && l.Population > 10_000_000)
	}
	if !tambov || !moscow {
		t.Errorf("Тамбов found %v, Москва (a federal city, its own region) found %v", tambov, moscow)
	}
	ls := d.Localities("50")
	for i := 1; i < len(ls); i++ {
		if ls[i-1].Name > ls[i].Name {
			t.Fatalf("localities not in name order: %s before %s", ls[i-1].Name, ls[i].Name)
		}
	}
}

func TestWith(t *testing.T) {
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	e, err := d.With(Region{Code: "93", Name: "Донецкая Народная", Type: "Респ"})
	if err != nil {
		t.Fatal(err)
	}
	if !e.HasRegion("93") || d.HasRegion("93") {
		t.Error("With must add to the copy only")
	}
	if r := e.Regions(); r[len(r)-2].Code != "93" || r[len(r)-1].Code != "99" {
		t.Errorf("regions not in code order: %v, %v", r[len(r)-2].Code, r[len(r)-1].Code)
	}
	for _, bad := range []Region{{Code: "77", Name: "Москва"}, {Code: "9", Name: "x"}, {Code: "94"}} {
		if _, err := d.With(bad); err == nil {
			t.Errorf("With(%+v) accepted", bad)
		}
	}
}
