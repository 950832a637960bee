package person

import (
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/problem"
)

// MinBirthYear is the earliest year of birth accepted: older dates are typing
// mistakes (1090 for 1990), not people.
const MinBirthYear = 1900

// MinPassportAge is the age from which a citizen of Russia holds a passport,
// and so the youngest a standard account's holder can be.
const MinPassportAge = 14

// Day returns the calendar day of t in t's own location, as midnight UTC.
// Callers pass "now" in the portal's time zone (Moscow), so that "today" is
// the citizen's today; every date this package returns is such a day.
func Day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Moscow is the portal's time zone, in which a day starts and ends.
var Moscow = time.FixedZone("MSK", 3*60*60)

// Today is the day now falls on in Moscow.
func Today(now time.Time) time.Time { return Day(now.In(Moscow)) }

// ParseDate reads a date typed as YYYY-MM-DD (the API's form) or DD.MM.YYYY
// (the way it is written in Russian documents) and returns the day.
//
// Errors, problem.Message: "date.required"; "date.format" for anything
// else; "date.no_such_day" when the form is right but the day does not
// exist (2023-02-29, 31.04.2020).
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, problem.M("date.required")
	}
	var layout string
	switch {
	case matches(s, "dddd-dd-dd"):
		layout = "2006-01-02"
	case matches(s, "dd.dd.dddd"):
		layout = "02.01.2006"
	default:
		return time.Time{}, problem.M("date.format")
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, problem.M("date.no_such_day")
	}
	return t, nil
}

// matches reports whether s has the shape of pattern, where 'd' stands for
// an ASCII digit and any other byte for itself.
func matches(s, pattern string) bool {
	if len(s) != len(pattern) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if pattern[i] == 'd' {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		} else if s[i] != pattern[i] {
			return false
		}
	}
	return true
}

// Anniversary returns the day a person born on birth turns years old. Born
// on 29 February, they turn it on 28 February of a common year: a period
// counted in years ends on the last day of the month when the month has no
// such day (Civil Code of Russia, art. 192(3)).
func Anniversary(birth time.Time, years int) time.Time {
	y, m, d := birth.Date()
	t := time.Date(y+years, m, d, 0, 0, 0, 0, time.UTC)
	if t.Month() != m { // 29 February rolled over into March
		t = time.Date(y+years, m+1, 0, 0, 0, 0, 0, time.UTC)
	}
	return t
}

// AgeOn returns the age in full years on day of a person born on birth.
func AgeOn(birth, day time.Time) int {
	age := day.Year() - birth.Year()
	if age > 0 && day.Before(Anniversary(birth, age)) {
		age--
	}
	return age
}

// ParseBirthDate reads a date of birth (see ParseDate) and checks that it is
// plausible on today (a day, see Day): not before MinBirthYear, not in the
// future, and at least MinPassportAge years ago, since a standard account
// rests on a passport.
//
// Errors, problem.Message: those of ParseDate; "birth_date.too_early"
// (Year); "birth_date.future"; "birth_date.too_young" (Age).
func ParseBirthDate(s string, today time.Time) (time.Time, error) {
	t, err := ParseDate(s)
	if err != nil {
		return time.Time{}, err
	}
	switch {
	case t.Year() < MinBirthYear:
		return time.Time{}, problem.M("birth_date.too_early", "Year", MinBirthYear)
	case t.After(today):
		return time.Time{}, problem.M("birth_date.future")
	case AgeOn(t, today) < MinPassportAge:
		return time.Time{}, problem.M("birth_date.too_young", "Age", MinPassportAge)
	}
	return t, nil
}
