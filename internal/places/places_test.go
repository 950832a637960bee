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

func TestExtend(t *testing.T) {
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	village := Locality{Region: "93", Type: "с", Name: "Ёлкино", Lat: 47.9, Lon: 37.8, ID: "l-1"}
	if err := d.Extend([]Region{{Code: "93", Name: "Донецкая Народная", Type: "Респ"}}, []Locality{village}); err != nil {
		t.Fatal(err)
	}
	if !d.HasRegion("93") || !d.RegionAdded("93") || d.RegionAdded("77") || d.Reference("93") || !d.Reference("77") {
		t.Error("the added region is not told from the reference data's")
	}
	if r := d.Regions(); r[len(r)-2].Code != "93" || r[len(r)-1].Code != "99" {
		t.Errorf("regions not in code order: %v, %v", r[len(r)-2].Code, r[len(r)-1].Code)
	}
	if got := d.Find("елкин", 5); len(got) != 1 || got[0] != village || !got[0].Added() {
		t.Errorf("Find(елкин) = %v, want the added village", got)
	}
	if got, ok := d.Nearest(47.91, 37.81); !ok || got.Name != "Ёлкино" {
		t.Errorf("Nearest = %v, want the added village", got)
	}
	// A second Extend replaces the first: what an administrator removed is gone.
	if err := d.Extend(nil, nil); err != nil {
		t.Fatal(err)
	}
	if d.HasRegion("93") || len(d.Find("елкин", 5)) != 0 {
		t.Error("Extend(nil, nil) kept the earlier extension")
	}
	for _, bad := range []struct {
		regions    []Region
		localities []Locality
	}{
		{regions: []Region{{Code: "77", Name: "Москва"}}},
		{regions: []Region{{Code: "9", Name: "x"}}},
		{regions: []Region{{Code: "94"}}},
		{localities: []Locality{{Region: "00", Name: "Нигде"}}},
	} {
		if err := d.Extend(bad.regions, bad.localities); err == nil {
			t.Errorf("Extend(%+v) accepted", bad)
		}
		if n := len(d.Regions()); n != 86 {
			t.Errorf("a refused Extend changed the directory: %d regions", n)
		}
	}
}
