package address

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/problem"
)

// Address is a structured Russian address. Region is the 2-digit subject
// code ("77"); the rest is text as written, Postcode 6 digits or empty.
type Address struct {
	Region, Locality, Street, House, Building, Flat, Postcode string
}

// Regions is the reference data of regions (places.Directory).
type Regions interface {
	HasRegion(code string) bool
}

// Longest accepted values, in characters.
const (
	MaxLocalityLen = 100
	MaxStreetLen   = 100
	MaxPartLen     = 20 // house, building, flat
)

// Normalize checks an address and returns it in canonical form: every text
// cleaned (person.CleanText), the postcode's spaces removed. Region,
// locality and house are required; a street is not (many villages have
// none), nor are building, flat and postcode. The locality is any text: the
// reference data lists towns only, not villages.
//
// Errors: a problem.Invalid error with one message per field, named prefix
// + "." + region, locality, street, house, building, flat, postcode (the
// API's names, under the address's own: "registration_address.house").
// Messages: "address.region.required", "address.region.unknown";
// "address.locality.required"; "address.house.required"; "field.too_long"
// (Max); "address.symbols" (Char) for a control or invisible character;
// "address.house.symbols" (Char) when a house, building or flat has
// anything but letters, digits, spaces and - / . ,; "address.postcode.format".
func Normalize(prefix string, a Address, regions Regions) (Address, error) {
	var f problem.Fields
	var out Address
	var err error
	out.Region, err = region(a.Region, regions)
	f.Add(prefix+".region", err)
	out.Locality, err = text(a.Locality, MaxLocalityLen, "address.locality.required")
	f.Add(prefix+".locality", err)
	out.Street, err = text(a.Street, MaxStreetLen, "")
	f.Add(prefix+".street", err)
	out.House, err = part(a.House, "address.house.required")
	f.Add(prefix+".house", err)
	out.Building, err = part(a.Building, "")
	f.Add(prefix+".building", err)
	out.Flat, err = part(a.Flat, "")
	f.Add(prefix+".flat", err)
	out.Postcode, err = postcode(a.Postcode)
	f.Add(prefix+".postcode", err)
	if err := f.Err(); err != nil {
		return Address{}, err
	}
	return out, nil
}

func region(s string, regions Regions) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", problem.M("address.region.required")
	case !regions.HasRegion(s):
		return "", problem.M("address.region.unknown")
	}
	return s, nil
}

// text checks free text: required unless required is "", bounded, no
// invisible characters.
func text(s string, max int, required string) (string, error) {
	s = person.CleanText(s)
	switch {
	case s == "" && required != "":
		return "", problem.M(required)
	case utf8.RuneCountInString(s) > max:
		return "", problem.M("field.too_long", "Max", max)
	}
	if r, ok := person.Unprintable(s); ok {
		return "", problem.M("address.symbols", "Char", visible(r))
	}
	return s, nil
}

// part checks a house, building or flat: "12", "12А", "12/3", "вл. 5".
func part(s, required string) (string, error) {
	s, err := text(s, MaxPartLen, required)
	if err != nil {
		return "", err
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(" -/.,", r) {
			return "", problem.M("address.house.symbols", "Char", visible(r))
		}
	}
	return s, nil
}

func postcode(s string) (string, error) {
	s = strings.Join(strings.Fields(s), "")
	if s == "" {
		return "", nil
	}
	if len(s) != 6 || strings.Trim(s, "0123456789") != "" {
		return "", problem.M("address.postcode.format")
	}
	return s, nil
}

// visible returns r as the user can see it in a message.
func visible(r rune) string {
	if r == utf8.RuneError || !unicode.IsGraphic(r) || unicode.Is(unicode.Mn, r) {
		return fmt.Sprintf("U+%04X", r)
	}
	return string(r)
}

// Same reports whether two addresses are the same place as typed: field by
// field, after cleaning, ignoring case («Ул. Ленина» and «ул. ленина»).
// The form's «совпадает с адресом регистрации» copies one into the other;
// Same tells a caller that they already match.
func Same(a, b Address) bool {
	pairs := [][2]string{{a.Region, b.Region}, {a.Locality, b.Locality}, {a.Street, b.Street}, {a.House, b.House},
		{a.Building, b.Building}, {a.Flat, b.Flat}, {strings.Join(strings.Fields(a.Postcode), ""), strings.Join(strings.Fields(b.Postcode), "")}}
	for _, p := range pairs {
		if !strings.EqualFold(person.CleanText(p[0]), person.CleanText(p[1])) {
			return false
		}
	}
	return true
}
