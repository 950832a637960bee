package person

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"

	"github.com/kabinet/kabinet/internal/problem"
)

// Gender is the gender written in the passport.
type Gender string

const (
	Male   Gender = "male"
	Female Gender = "female"
)

// ParseGender reads "male" or "female" (any case, surrounding space
// ignored). Errors, problem.Message: "gender.required", "gender.unknown".
func ParseGender(s string) (Gender, error) {
	switch g := Gender(strings.ToLower(strings.TrimSpace(s))); g {
	case "":
		return "", problem.M("gender.required")
	case Male, Female:
		return g, nil
	}
	return "", problem.M("gender.unknown")
}

// Russia is the citizenship most accounts have, first in every list.
const Russia = "RUS"

// Citizenships lists the ISO 3166-1 alpha-3 codes a form offers first:
// Russia, then the countries whose citizens most often live in it. Any
// other current code is accepted too (ParseCitizenship).
func Citizenships() []string {
	return []string{Russia, "BLR", "KAZ", "UKR", "UZB", "TJK", "KGZ", "ARM", "AZE", "MDA", "GEO", "TKM", "CHN", "DEU", "USA"}
}

// gone are codes ISO 3166-1 has withdrawn (USSR, Yugoslavia, Netherlands
// Antilles, Czechoslovakia, Serbia and Montenegro) and Antarctica, which has
// no citizens; x/text still knows them as regions.
var gone = map[string]bool{"SUN": true, "YUG": true, "ANT": true, "CSK": true, "SCG": true, "ATA": true}

// ParseCitizenship reads a citizenship as an ISO 3166-1 alpha-3 code ("RUS";
// any case) and returns it in capitals. The code must name a current
// country.
//
// Errors, problem.Message: "citizenship.required"; "citizenship.format"
// unless it is three Latin letters; "citizenship.unknown" (Code) when no
// current country has that code.
func ParseCitizenship(s string) (string, error) {
	code := strings.ToUpper(strings.TrimSpace(s))
	if code == "" {
		return "", problem.M("citizenship.required")
	}
	if len(code) != 3 || strings.IndexFunc(code, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return "", problem.M("citizenship.format")
	}
	r, err := language.ParseRegion(code)
	if err != nil || !r.IsCountry() || r.ISO3() != code || r.Canonicalize() != r || gone[code] {
		return "", problem.M("citizenship.unknown", "Code", code)
	}
	return code, nil
}

// MaxBirthPlaceLen is the longest place of birth accepted, in characters:
// the passport's line for it holds about as much.
const MaxBirthPlaceLen = 200

// NormalizeBirthPlace checks the place of birth as written in the passport
// ("гор. Москва", "с. Ивановка Тамбовской обл.") and returns it cleaned
// (see CleanText).
//
// Errors, problem.Message: "birth_place.required"; "field.too_long" (Max);
// "birth_place.symbols" (Char) for a control or invisible character;
// "birth_place.no_letters" when it has no letter at all.
func NormalizeBirthPlace(s string) (string, error) {
	s = CleanText(s)
	if s == "" {
		return "", problem.M("birth_place.required")
	}
	if utf8.RuneCountInString(s) > MaxBirthPlaceLen {
		return "", problem.M("field.too_long", "Max", MaxBirthPlaceLen)
	}
	if r, ok := Unprintable(s); ok {
		return "", problem.M("birth_place.symbols", "Char", visible(r))
	}
	if strings.IndexFunc(s, unicode.IsLetter) < 0 {
		return "", problem.M("birth_place.no_letters")
	}
	return s, nil
}

// CleanText returns free text (a place, an issuing office, a street) as it
// is kept: NFC-normalized, trimmed, every run of white space one space.
func CleanText(s string) string { return collapseSpace(norm.NFC.String(s)) }

// Unprintable returns the first character of s a person cannot have meant
// to type into a one-line field: a control or format character, an invalid
// byte, a private-use character.
func Unprintable(s string) (rune, bool) {
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsGraphic(r) || unicode.In(r, unicode.Co, unicode.Cf) {
			return r, true
		}
	}
	return 0, false
}

// NormalizePatronymic checks the patronymic against the «Нет отчества» box
// (none). With the box ticked the patronymic must be empty and "" is
// returned; without it, it is required and follows NormalizeName.
//
// Errors, problem.Message: "patronymic.with_none" when both are given;
// "patronymic.required" when neither is; NormalizeName's otherwise.
func NormalizePatronymic(s string, none bool) (string, error) {
	empty := CleanText(s) == ""
	switch {
	case none && !empty:
		return "", problem.M("patronymic.with_none")
	case none:
		return "", nil
	case empty:
		return "", problem.M("patronymic.required")
	}
	return NormalizeName(s)
}

// IdentityInput is the part of «Мои данные» that describes the person, as
// typed.
type IdentityInput struct {
	Surname, Name, Patronymic string
	NoPatronymic              bool
	Gender                    string
	BirthDate                 string // YYYY-MM-DD or DD.MM.YYYY
	BirthPlace                string
	Citizenship               string // ISO 3166-1 alpha-3
}

// Identity is the person's data once checked: names and place in canonical
// form, the date of birth as a day, the citizenship as a capital code.
type Identity struct {
	Surname, Name, Patronymic string
	NoPatronymic              bool
	Gender                    Gender
	BirthDate                 time.Time
	BirthPlace                string
	Citizenship               string
}

// NormalizeIdentity checks every field of in on today (a day, see Day) and
// returns the canonical Identity, or a problem.Invalid error with one
// message per wrong field, named as in the API: surname, name, patronymic,
// gender, birth_date, birth_place, citizenship.
func NormalizeIdentity(in IdentityInput, today time.Time) (Identity, error) {
	var f problem.Fields
	var out Identity
	var err error
	out.Surname, err = NormalizeName(in.Surname)
	f.Add("surname", err)
	out.Name, err = NormalizeName(in.Name)
	f.Add("name", err)
	out.Patronymic, err = NormalizePatronymic(in.Patronymic, in.NoPatronymic)
	f.Add("patronymic", err)
	out.NoPatronymic = in.NoPatronymic
	out.Gender, err = ParseGender(in.Gender)
	f.Add("gender", err)
	out.BirthDate, err = ParseBirthDate(in.BirthDate, today)
	f.Add("birth_date", err)
	out.BirthPlace, err = NormalizeBirthPlace(in.BirthPlace)
	f.Add("birth_place", err)
	out.Citizenship, err = ParseCitizenship(in.Citizenship)
	f.Add("citizenship", err)
	if err := f.Err(); err != nil {
		return Identity{}, err
	}
	return out, nil
}
