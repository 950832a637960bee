package document

import (
	"time"
	"unicode/utf8"

	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/problem"
)

// PassportType is the API's name of the Russian internal passport.
const PassportType = "passport_rf"

// MaxIssuedByLen is the longest issuing office accepted, in characters.
const MaxIssuedByLen = 250

// firstPassportDay is the day the current Russian passport was first
// issued (1 October 1997); no earlier date of issue is real.
var firstPassportDay = time.Date(1997, 10, 1, 0, 0, 0, 0, time.UTC)

// GraceDays is how long a passport stays valid after its holder turns 20 or
// 45, while a new one is made (Regulation on the passport, Government
// decree no. 828 of 8 July 1997, as amended).
const GraceDays = 90

// ParsePassportSeries reads a passport series: 4 digits, which people type
// as on the page ("45 08") or together. Errors, problem.Message:
// "passport.series.required", "passport.series.symbols" (Char),
// "passport.series.length".
func ParsePassportSeries(s string) (string, error) { return number(s, 4, "passport.series") }

// ParsePassportNumber reads a passport number: 6 digits. Errors,
// problem.Message: "passport.number.required", "passport.number.symbols"
// (Char), "passport.number.length".
func ParsePassportNumber(s string) (string, error) { return number(s, 6, "passport.number") }

// ParseDivisionCode reads the issuing division's code, written "123-456"
// and typed with or without the dash, and returns it written "123-456".
// Errors, problem.Message: "division_code.required", "division_code.symbols"
// (Char), "division_code.length".
func ParseDivisionCode(s string) (string, error) {
	d, err := number(s, 6, "division_code")
	if err != nil {
		return "", err
	}
	return d[:3] + "-" + d[3:], nil
}

// NormalizeIssuedBy checks the issuing office as written in the passport
// ("ГУ МВД России по г. Москве") and returns it cleaned (person.CleanText).
// Errors, problem.Message: "passport.issued_by.required", "field.too_long"
// (Max), "passport.issued_by.symbols" (Char).
func NormalizeIssuedBy(s string) (string, error) {
	s = person.CleanText(s)
	if s == "" {
		return "", problem.M("passport.issued_by.required")
	}
	if utf8.RuneCountInString(s) > MaxIssuedByLen {
		return "", problem.M("field.too_long", "Max", MaxIssuedByLen)
	}
	if r, ok := person.Unprintable(s); ok {
		return "", problem.M("passport.issued_by.symbols", "Char", visible(r))
	}
	return s, nil
}

// CheckIssueDate checks a passport's date of issue against its holder's date
// of birth and today (days, see person.Day). birth may be zero when it is
// not known (not yet valid): then only the calendar limits apply.
//
// Errors, problem.Message: "passport.issue_date.future";
// "passport.issue_date.before_1997" (Date) before 1 October 1997;
// "passport.issue_date.before_14" (Date, the 14th birthday) when the
// passport would have been issued to a child.
func CheckIssueDate(issue, birth, today time.Time) error {
	switch {
	case issue.After(today):
		return problem.M("passport.issue_date.future")
	case issue.Before(firstPassportDay):
		return problem.M("passport.issue_date.before_1997", "Date", firstPassportDay.Format("02.01.2006"))
	case !birth.IsZero() && issue.Before(person.Anniversary(birth, person.MinPassportAge)):
		return problem.M("passport.issue_date.before_14", "Date", person.Anniversary(birth, person.MinPassportAge).Format("02.01.2006"))
	}
	return nil
}

// State is where a passport stands in its replacement at 20 and 45.
type State int

const (
	// Valid: no replacement due (issued at 45 or later, or the age for it
	// is not reached).
	Valid State = iota
	// Grace: the holder has reached the age, and the passport is still
	// valid for GraceDays while a new one is made. Replace it now.
	Grace
	// Overdue: past the grace, the passport is no longer valid and must be
	// replaced.
	Overdue
)

// Validity says whether a passport is due for replacement.
type Validity struct {
	State State
	// Age is the age at which the passport is replaced (20 or 45); zero when
	// Valid and issued at 45 or later.
	Age int
	// Birthday is the day the holder reaches Age, ValidUntil the last day of
	// the grace after it; both zero when Age is.
	Birthday, ValidUntil time.Time
}

// PassportValidity returns whether a passport issued on issue to a person
// born on birth is due for replacement on today (days, see person.Day). A
// passport issued before the 20th birthday is replaced at 20, one issued
// before the 45th at 45; after that birthday it stays valid for GraceDays
// days (the last of which is ValidUntil), then must be replaced.
func PassportValidity(birth, issue, today time.Time) Validity {
	var v Validity
	for _, age := range []int{20, 45} {
		if b := person.Anniversary(birth, age); issue.Before(b) {
			v = Validity{Age: age, Birthday: b, ValidUntil: b.AddDate(0, 0, GraceDays)}
			break
		}
	}
	switch {
	case v.Age == 0 || today.Before(v.Birthday):
		v.State = Valid
	case !today.After(v.ValidUntil):
		v.State = Grace
	default:
		v.State = Overdue
	}
	return v
}

// PassportInput is a passport as typed.
type PassportInput struct {
	Series, Number, IssueDate, IssuedBy, DivisionCode string
}

// Passport is a checked Russian passport in canonical form: series 4 digits,
// number 6 digits, the division code written "123-456".
type Passport struct {
	Series, Number string
	IssueDate      time.Time
	IssuedBy       string
	DivisionCode   string
}

// NormalizePassport checks a passport of a person born on birth (zero when
// it is not known) on today (a day, see person.Day). It returns the
// canonical passport and its validity, or a problem.Invalid error with one
// message per wrong field, named as in the API: document.series,
// document.number, document.issue_date, document.issued_by,
// document.division_code.
//
// A passport past its replacement is refused on document.issue_date with
// "passport.must_be_replaced" (Age; Date, the last day it was valid), a
// message of its own, which MustBeReplaced recognises; the Validity is
// returned with it. A passport in its grace is accepted: the caller shows
// Validity.ValidUntil.
func NormalizePassport(in PassportInput, birth, today time.Time) (Passport, Validity, error) {
	var f problem.Fields
	var p Passport
	var err error
	p.Series, err = ParsePassportSeries(in.Series)
	f.Add("document.series", err)
	p.Number, err = ParsePassportNumber(in.Number)
	f.Add("document.number", err)
	var v Validity
	if p.IssueDate, err = person.ParseDate(in.IssueDate); err == nil {
		if err = CheckIssueDate(p.IssueDate, birth, today); err == nil && !birth.IsZero() {
			if v = PassportValidity(birth, p.IssueDate, today); v.State == Overdue {
				err = problem.M("passport.must_be_replaced", "Age", v.Age, "Date", v.ValidUntil.Format("02.01.2006"))
			}
		}
	}
	f.Add("document.issue_date", err)
	p.IssuedBy, err = NormalizeIssuedBy(in.IssuedBy)
	f.Add("document.issued_by", err)
	p.DivisionCode, err = ParseDivisionCode(in.DivisionCode)
	f.Add("document.division_code", err)
	if err := f.Err(); err != nil {
		return Passport{}, v, err
	}
	return p, v, nil
}

// MustBeReplaced reports whether err is NormalizePassport's refusal of a
// passport past its replacement at 20 or 45.
func MustBeReplaced(err error) bool {
	p, ok := problem.As(err)
	if !ok {
		return false
	}
	m, ok := p.Field("document.issue_date")
	return ok && m.ID == "passport.must_be_replaced"
}
