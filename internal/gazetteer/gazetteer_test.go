package gazetteer

import (
	"strings"
	"testing"

	"github.com/kabinet/kabinet/internal/places"
	"github.com/kabinet/kabinet/internal/problem"
)

func fields(err error) map[string]string {
	out := map[string]string{}
	if p, ok := problem.As(err); ok {
		for _, f := range p.Fields {
			out[f.Field] = f.Message.ID
		}
	}
	return out
}

func TestNormalizeRegion(t *testing.T) {
	for _, tc := range []struct {
		in   RegionInput
		want places.Region
		errs map[string]string
	}{
		{in: RegionInput{Code: " 93 ", Name: " Донецкая  Народная ", Type: "Респ", ISO: "ru-dpr", Timezone: "utc+3"},
			want: places.Region{Code: "93", Name: "Донецкая Народная", Type: "Респ", NameWithType: "Респ Донецкая Народная", ISO: "RU-DPR", Timezone: "UTC+3"}},
		{in: RegionInput{Code: "90", Name: "Запорожская", Type: "обл"},
			want: places.Region{Code: "90", Name: "Запорожская", Type: "обл", NameWithType: "Запорожская обл"}},
		{in: RegionInput{Code: "95", Name: "Херсонская", Type: "обл", NameWithType: "Херсонская область"},
			want: places.Region{Code: "95", Name: "Херсонская", Type: "обл", NameWithType: "Херсонская область"}},
		{in: RegionInput{Code: "00", Name: "Нигде", Type: "обл"}, errs: map[string]string{"code": "gazetteer.code_format"}},
		{in: RegionInput{Code: "9a", Name: "Нигде", Type: "обл"}, errs: map[string]string{"code": "gazetteer.code_format"}},
		{in: RegionInput{Code: "94", Name: "", Type: ""},
			errs: map[string]string{"name": "gazetteer.required", "type": "gazetteer.region_type_required"}},
		{in: RegionInput{Code: "94", Name: "123", Type: "штат"},
			errs: map[string]string{"name": "gazetteer.name_letters", "type": "gazetteer.region_type_unknown"}},
		{in: RegionInput{Code: "94", Name: "Луганская<script>", Type: "обл", ISO: "UA-09", Timezone: "UTC+13"},
			errs: map[string]string{"name": "gazetteer.name_characters",
				"iso": "gazetteer.iso_format", "timezone": "gazetteer.timezone_format"}},
	} {
		got, err := NormalizeRegion(tc.in)
		if errs := fields(err); len(errs) != len(tc.errs) || (len(tc.errs) > 0 && !same(errs, tc.errs)) {
			t.Errorf("NormalizeRegion(%+v) errors %v, want %v", tc.in, errs, tc.errs)
		}
		if tc.errs == nil && got != tc.want {
			t.Errorf("NormalizeRegion(%+v) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func same(a, b map[string]string) bool {
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

func TestNormalizeLocality(t *testing.T) {
	dir, err := places.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in   LocalityInput
		want places.Locality
		errs map[string]string
	}{
		{in: LocalityInput{Region: "40", Type: " с ", Name: "Детчино", Area: "Малоярославецкий", Postcode: "249080", Lat: "54,8167", Lon: "36.3117", Population: "4 200"},
			want: places.Locality{Region: "40", Type: "с", Name: "Детчино", Area: "Малоярославецкий", Postcode: "249080", Lat: 54.8167, Lon: 36.3117, Population: 4200}},
		{in: LocalityInput{Region: "87", Type: "с", Name: "Уэлен", Lat: "66.16", Lon: "-169.8"},
			want: places.Locality{Region: "87", Type: "с", Name: "Уэлен", Lat: 66.16, Lon: -169.8}},
		{in: LocalityInput{Region: "40", Type: "ст-ца", Name: "Имени 1 Мая", FIAS: "0C5B2444-70A0-4932-980C-B4DC0D3F02B5"},
			want: places.Locality{Region: "40", Type: "ст-ца", Name: "Имени 1 Мая", FIAS: "0c5b2444-70a0-4932-980c-b4dc0d3f02b5"}},
		{in: LocalityInput{}, errs: map[string]string{"region": "gazetteer.region_required", "type": "gazetteer.locality_type_required", "name": "gazetteer.required"}},
		{in: LocalityInput{Region: "00", Type: "село123", Name: strings.Repeat("а", 101)},
			errs: map[string]string{"region": "gazetteer.region_unknown", "type": "gazetteer.locality_type_format", "name": "gazetteer.too_long"}},
		{in: LocalityInput{Region: "40", Type: "с", Name: "Детчино", Postcode: "24908", Lat: "54.8"},
			errs: map[string]string{"postcode": "gazetteer.postcode_format", "lon": "gazetteer.coords_pair"}},
		{in: LocalityInput{Region: "40", Type: "с", Name: "Детчино", Lat: "36.3", Lon: "54.8", Population: "-1", FIAS: "abc"},
			errs: map[string]string{"lat": "gazetteer.lat_range", "population": "gazetteer.population_format", "fias_id": "gazetteer.fias_format"}},
		{in: LocalityInput{Region: "40", Type: "с", Name: "Детчино", Lat: "54.8", Lon: "0"}, errs: map[string]string{"lon": "gazetteer.lon_range"}},
	} {
		got, err := NormalizeLocality(tc.in, dir)
		if errs := fields(err); !same(errs, tc.errs) {
			t.Errorf("NormalizeLocality(%+v) errors %v, want %v", tc.in, errs, tc.errs)
		}
		if tc.errs == nil && got != tc.want {
			t.Errorf("NormalizeLocality(%+v) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestReadCSV(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		rows       []Row
		ignored    []string
		err        string
	}{
		{name: "ours, with a BOM and semicolons",
			file: "\ufeffregion;type;name;area\n40;с;Детчино;Малоярославецкий\n\n40;д;Ерденево;\n",
			rows: []Row{{N: 2, In: LocalityInput{Region: "40", Type: "с", Name: "Детчино", Area: "Малоярославецкий"}},
				{N: 4, In: LocalityInput{Region: "40", Type: "д", Name: "Ерденево"}}}},
		{name: "another list's names, the region from a KLADR code",
			file:    "kladr_id,settlement_type,settlement,district,postal_code,geo_lat,geo_lon,oktmo\n4000800002300,с,Детчино,Малоярославецкий,249080,54.8,36.3,29623\n",
			rows:    []Row{{N: 2, In: LocalityInput{Region: "40", Type: "с", Name: "Детчино", Area: "Малоярославецкий", Postcode: "249080", Lat: "54.8", Lon: "36.3"}}},
			ignored: []string{"oktmo"}},
		{name: "no type column", file: "region,name\n40,Детчино\n", err: "gazetteer.import_missing_column"},
		{name: "only a header", file: "region,type,name\n", err: "gazetteer.import_empty"},
		{name: "empty", file: "", err: "gazetteer.import_file"},
		{name: "a broken quote", file: "region,type,name\n40,с,\"Детчино\n", err: "gazetteer.import_line"},
		{name: "Windows-1251", file: "region,type,name\n40,с,\xc4\xe5\xf2\xf7\xe8\xed\xee\n", err: "gazetteer.import_encoding"},
	} {
		rows, ignored, err := ReadCSV([]byte(tc.file))
		if p, _ := problem.As(err); (err != nil || tc.err != "") && (p == nil || p.Message.ID != tc.err) {
			t.Errorf("%s: error %v, want %s", tc.name, err, tc.err)
			continue
		}
		if len(rows) != len(tc.rows) || strings.Join(ignored, ",") != strings.Join(tc.ignored, ",") {
			t.Errorf("%s: rows %+v ignored %v, want %+v %v", tc.name, rows, ignored, tc.rows, tc.ignored)
			continue
		}
		for i := range rows {
			if rows[i] != tc.rows[i] {
				t.Errorf("%s: row %d = %+v, want %+v", tc.name, i, rows[i], tc.rows[i])
			}
		}
	}
}

// FuzzImport: no file makes the reader or the checks panic, and every row
// read either passes or is rejected with a field's message.
func FuzzImport(f *testing.F) {
	dir, err := places.Load()
	if err != nil {
		f.Fatal(err)
	}
	f.Add("region;type;name;area;postcode;lat;lon;population\n40;с;Детчино;Малоярославецкий;249080;54,8167;36,3117;4200\n")
	f.Add("kladr_id,settlement_type,settlement\n4000800002300,с,Детчино\n")
	f.Add("region,type,name,lat,lon,fias_id\n93,х,\"Ёлкино, 2\",NaN,1e400,0c5b2444-70a0-4932-980c-b4dc0d3f02b5\n")
	f.Fuzz(func(t *testing.T, file string) {
		rows, _, err := ReadCSV([]byte(file))
		if err != nil {
			if p, ok := problem.As(err); !ok || p.Kind != problem.Invalid {
				t.Fatalf("ReadCSV error %v is not a problem.Invalid", err)
			}
			return
		}
		ok, reference, rej := check(rows, dir)
		for _, r := range rej {
			if r.Message.ID == "" || r.Row < 2 {
				t.Fatalf("rejection without a message or a line: %+v", r)
			}
		}
		if len(ok)+reference > len(rows) {
			t.Fatalf("%d passed and %d skipped of %d rows", len(ok), reference, len(rows))
		}
		for _, c := range ok {
			if _, err := NormalizeLocality(LocalityText(c.l), dir); err != nil {
				t.Fatalf("a locality that passed does not pass again as text: %+v: %v", c.l, err)
			}
		}
	})
}
