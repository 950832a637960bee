package contact

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/kabinet/kabinet/internal/problem"
)

// DefaultRegion is the region assumed for numbers typed without a country
// code ("8 916 …", "916 …").
const DefaultRegion = "RU"

// maxPhoneInput caps what ParsePhone hands to the phone library. The
// longest sensible input, "+7 (916) 123-45-67" with generous spacing or an
// international number with its punctuation, fits easily.
const maxPhoneInput = 32

// Phone is a phone number in E.164 form, such as "+79161234567": a mobile
// (ParsePhone) or a home landline (ParseHomePhone).
// The zero value is no number. Values come from ParsePhone or from storage.
type Phone string

// ParsePhone reads a mobile number as a person types it and returns it in
// E.164 form. A number without a country code is read as Russian:
// "8 916 123-45-67", "+7 (916) 123 45 67", "89161234567", "9161234567" and
// "+79161234567" all give "+79161234567". Foreign mobile numbers are
// accepted ("+7 7xx …" is Kazakhstan).
//
// Errors, all problem.Message: "phone.required" for empty input,
// "phone.invalid" for letters, other symbols, too long input or a number
// that does not exist, "phone.not_mobile" for a valid number that cannot
// receive SMS (a landline, "8 800 …").
func ParsePhone(s string) (Phone, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", problem.M("phone.required")
	}
	if utf8.RuneCountInString(s) > maxPhoneInput {
		return "", problem.M("phone.invalid")
	}
	clean, ok := cleanPhone(s)
	if !ok {
		return "", problem.M("phone.invalid")
	}
	num, err := phonenumbers.Parse(clean, DefaultRegion)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", problem.M("phone.invalid")
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
	default:
		return "", problem.M("phone.not_mobile")
	}
	return Phone(phonenumbers.Format(num, phonenumbers.E164)), nil
}

// cleanPhone keeps only what a phone number may be written with: ASCII
// digits, one leading '+', and the separators people use (spaces, hyphens
// and dashes, dots, parentheses). Anything else, letters above all (the
// phone library would read "8-800-FLOWERS" or "доб. 12" happily), makes the
// input invalid.
func cleanPhone(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
			b.WriteRune(r)
		case r == '+':
			if i != 0 {
				return "", false
			}
			b.WriteRune(r)
		case r == '(' || r == ')' || r == '.' || r == '-':
			b.WriteRune(r)
		case r >= '\u2010' && r <= '\u2015' || r == '\u2212': // hyphens, dashes, minus sign
			b.WriteByte('-')
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		default:
			return "", false
		}
	}
	return b.String(), digits > 0
}

// parsed returns the library's view of a stored number, or nil.
func (p Phone) parsed() *phonenumbers.PhoneNumber {
	if p == "" || p[0] != '+' {
		return nil
	}
	num, err := phonenumbers.Parse(string(p), "")
	if err != nil {
		return nil
	}
	return num
}

// String returns the number in E.164 form.
func (p Phone) String() string { return string(p) }

// Display returns the number as people write it: "+7 916 123-45-67" for a
// Russian number, the international format of its country otherwise. A
// value that is not a phone number is returned as it is.
func (p Phone) Display() string {
	num := p.parsed()
	if num == nil {
		return string(p)
	}
	return phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
}

// Masked returns the number with the middle digits hidden, keeping the
// country code, the first three digits of the national number and the last
// two: "+7 916 ***-**-67". It is safe to show on a page or write to a log.
// A value that is not a phone number is masked completely.
func (p Phone) Masked() string {
	num := p.parsed()
	if num == nil {
		return strings.Repeat("*", utf8.RuneCountInString(string(p)))
	}
	// The international format is "+<country code> <national number>".
	cc, national, ok := strings.Cut(phonenumbers.Format(num, phonenumbers.INTERNATIONAL), " ")
	if !ok {
		return strings.Repeat("*", utf8.RuneCountInString(string(p)))
	}
	n := 0
	for _, r := range national {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	head, tail := 3, 2
	if n < 7 { // too short to show the operator code and still hide enough
		head = 0
	}
	if n < 4 {
		tail = 0
	}
	var b strings.Builder
	b.WriteString(cc)
	b.WriteByte(' ')
	i := 0
	for _, r := range national {
		if r >= '0' && r <= '9' {
			if i >= head && i < n-tail {
				r = '*'
			}
			i++
		}
		b.WriteRune(r)
	}
	return b.String()
}
