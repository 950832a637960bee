package contact

import (
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/kabinet/kabinet/internal/problem"
)

// ParseHomePhone reads a home phone as a person types it and returns it in
// E.164 form; empty input is no number (the field is optional). A home
// phone is a Russian landline: +7 and ten digits whose code is a city's or
// a region's ("8 4752 12-34-56", "+7 (495) 123-45-67"). A mobile number is
// refused with its own message, because the mobile belongs in the
// contacts, where it can receive codes; so are numbers without a place
// (8 800, VoIP) and foreign ones, since the addresses beside it are
// Russian.
//
// Errors, all problem.Message: "phone.home.invalid" for letters, other
// symbols, too long input or a number that does not exist;
// "phone.home.no_code" for a local number typed without its city code
// (5 to 7 digits); "phone.home.foreign" for a number of another country
// (+7 7xx is Kazakhstan); "phone.home.mobile" for a mobile number;
// "phone.home.not_landline" for a Russian number of no place.
func ParseHomePhone(s string) (Phone, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if utf8.RuneCountInString(s) > maxPhoneInput {
		return "", problem.M("phone.home.invalid")
	}
	clean, ok := cleanPhone(s)
	if !ok {
		return "", problem.M("phone.home.invalid")
	}
	if n := countDigits(clean); n >= 5 && n <= 7 && !strings.HasPrefix(clean, "+") {
		return "", problem.M("phone.home.no_code")
	}
	num, err := phonenumbers.Parse(clean, DefaultRegion)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", problem.M("phone.home.invalid")
	}
	if phonenumbers.GetRegionCodeForNumber(num) != DefaultRegion {
		return "", problem.M("phone.home.foreign")
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.FIXED_LINE, phonenumbers.FIXED_LINE_OR_MOBILE:
	case phonenumbers.MOBILE:
		return "", problem.M("phone.home.mobile")
	default:
		return "", problem.M("phone.home.not_landline")
	}
	return Phone(phonenumbers.Format(num, phonenumbers.E164)), nil
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}
