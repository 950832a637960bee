package address

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kabinet/kabinet/internal/i18n/i18ntest"
	"github.com/kabinet/kabinet/internal/places"
	"github.com/kabinet/kabinet/internal/problem"
)

func directory(t testing.TB) *places.Directory {
	t.Helper()
	d, err := places.Load()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestMessages(t *testing.T) {
	i18ntest.CheckArea(t, "address", map[string]map[string]any{
		"address.region.required":   nil,
		"address.region.unknown":    nil,
		"address.locality.required": nil,
		"address.house.required":    nil,
		"address.house.symbols":     {"Char": "#"},
		"address.symbols":           {"Char": "U+0007"},
		"address.postcode.format":   nil,
		"field.too_long":            {"Max": MaxLocalityLen},
	})
}

func TestNormalize(t *testing.T) {
	d := directory(t)
	ok := []struct {
		in, want Address
	}{
		{Address{Region: "68", Locality: "г. Тамбов", Street: "ул. Советская", House: "12/3", Building: "2", Flat: "45", Postcode: "392000"},
			Address{Region: "68", Locality: "г. Тамбов", Street: "ул. Советская", House: "12/3", Building: "2", Flat: "45", Postcode: "392000"}},
		{Address{Region: " 77 ", Locality: "  Москва ", Street: "Тверская  ул.", House: "7А", Postcode: "125 009"},
			Address{Region: "77", Locality: "Москва", Street: "Тверская ул.", House: "7А", Postcode: "125009"}},
		// A village without streets: no street, no postcode.
		{Address{Region: "68", Locality: "с. Ивановка Сосновского р-на", House: "вл. 5"},
			Address{Region: "68", Locality: "с. Ивановка Сосновского р-на", House: "вл. 5"}},
	}
	for _, tt := range ok {
		got, err := Normalize("registration_address", tt.in, d)
		if err != nil || got != tt.want {
			t.Errorf("Normalize(%+v) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}

	bad := []struct {
		in   Address
		want []problem.FieldError
	}{
		{Address{}, []problem.FieldError{
			{Field: "a.region", Message: problem.M("address.region.required")},
			{Field: "a.locality", Message: problem.M("address.locality.required")},
			{Field: "a.house", Message: problem.M("address.house.required")},
		}},
		{Address{Region: "93", Locality: "Донецк", House: "1"}, []problem.FieldError{
			{Field: "a.region", Message: problem.M("address.region.unknown")}, // not in the data until an administrator adds it
		}},
		{Address{Region: "Тамбовская", Locality: strings.Repeat("я", MaxLocalityLen+1), Street: "ул.\u0007Мира", House: "12#3",
			Building: strings.Repeat("1", MaxPartLen+1), Flat: "кв 5", Postcode: "39200"}, []problem.FieldError{
			{Field: "a.region", Message: problem.M("address.region.unknown")},
			{Field: "a.locality", Message: problem.M("field.too_long", "Max", MaxLocalityLen)},
			{Field: "a.street", Message: problem.M("address.symbols", "Char", "U+0007")},
			{Field: "a.house", Message: problem.M("address.house.symbols", "Char", "#")},
			{Field: "a.building", Message: problem.M("field.too_long", "Max", MaxPartLen)},
			{Field: "a.postcode", Message: problem.M("address.postcode.format")},
		}},
		{Address{Region: "68", Locality: "Тамбов", House: "1", Postcode: "39200O"}, []problem.FieldError{
			{Field: "a.postcode", Message: problem.M("address.postcode.format")},
		}},
	}
	for _, tt := range bad {
		_, err := Normalize("a", tt.in, d)
		p, isP := problem.As(err)
		if !isP || p.Kind != problem.Invalid || !reflect.DeepEqual(p.Fields, tt.want) {
			t.Errorf("Normalize(%+v) = %v\nwant fields %+v", tt.in, err, tt.want)
		}
	}

	// A region an administrator added is accepted.
	if err := d.Extend([]places.Region{{Code: "93", Name: "Донецкая Народная", Type: "Респ"}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Normalize("a", Address{Region: "93", Locality: "Донецк", House: "1"}, d); err != nil {
		t.Errorf("an added region: %v", err)
	}
}

func TestSame(t *testing.T) {
	a := Address{Region: "68", Locality: "г. Тамбов", Street: "ул. Советская", House: "12", Flat: "45", Postcode: "392000"}
	tests := []struct {
		b    Address
		want bool
	}{
		{a, true},
		{Address{Region: "68", Locality: "Г. ТАМБОВ", Street: " ул.  Советская", House: "12", Flat: "45", Postcode: "392 000"}, true},
		{Address{Region: "68", Locality: "г. Тамбов", Street: "ул. Советская", House: "12", Flat: "46", Postcode: "392000"}, false},
		{Address{Region: "68", Locality: "г. Тамбов", Street: "ул. Советская", House: "12", Building: "1", Flat: "45", Postcode: "392000"}, false},
		{Address{Region: "36", Locality: "г. Тамбов", Street: "ул. Советская", House: "12", Flat: "45", Postcode: "392000"}, false},
	}
	for _, tt := range tests {
		if got := Same(a, tt.b); got != tt.want || Same(tt.b, a) != tt.want {
			t.Errorf("Same(%+v) = %v, want %v (both ways)", tt.b, got, tt.want)
		}
	}
}

func FuzzAddress(f *testing.F) {
	f.Add("68", "г. Тамбов", "ул. Советская", "12/3", "2", "45", "392000")
	f.Add(" 77", " Москва ", "", "7А", "", "", "125 009")
	f.Add("", "", "", "", "", "", "")
	f.Add("93", "Донецк\u0007", "x", "#", "1", "2", "3")
	d := directory(f)
	f.Fuzz(func(t *testing.T, region, locality, street, house, building, flat, post string) {
		in := Address{region, locality, street, house, building, flat, post}
		out, err := Normalize("a", in, d)
		if err != nil {
			var m problem.Message
			if p, ok := problem.As(err); !ok || p.Kind != problem.Invalid || len(p.Fields) == 0 || errors.As(err, &m) {
				t.Fatalf("Normalize(%+v): %v is not an Invalid problem with fields", in, err)
			}
			return
		}
		if again, err := Normalize("a", out, d); err != nil || again != out {
			t.Fatalf("not idempotent: %+v → %+v → %+v, %v", in, out, again, err)
		}
		if !Same(in, out) || !d.HasRegion(out.Region) || out.Locality == "" || out.House == "" ||
			utf8.RuneCountInString(out.House) > MaxPartLen || (out.Postcode != "" && len(out.Postcode) != 6) {
			t.Fatalf("Normalize(%+v) accepted %+v", in, out)
		}
	})
}
