package person

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/problem"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// message returns err's problem.Message, failing the test for any other error.
func message(t *testing.T, call string, err error) problem.Message {
	t.Helper()
	var m problem.Message
	if err != nil && !errors.As(err, &m) {
		t.Fatalf("%s: %v is not a problem.Message", call, err)
	}
	return m
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  problem.Message
	}{
		{"1990-03-27", "1990-03-27", problem.Message{}},
		{" 1990-03-27 ", "1990-03-27", problem.Message{}},
		{"27.03.1990", "1990-03-27", problem.Message{}},
		{"2024-02-29", "2024-02-29", problem.Message{}},
		{"29.02.2000", "2000-02-29", problem.Message{}},

		{"", "", problem.M("date.required")},
		{"   ", "", problem.M("date.required")},
		{"1990-3-27", "", problem.M("date.format")},
		{"27/03/1990", "", problem.M("date.format")},
		{"27.03.90", "", problem.M("date.format")},
		{"1990-03-27T00:00:00Z", "", problem.M("date.format")},
		{"२०२०-०१-०१", "", problem.M("date.format")}, // Devanagari digits are not accepted
		{"вчера", "", problem.M("date.format")},
		{"2023-02-29", "", problem.M("date.no_such_day")},
		{"31.04.2020", "", problem.M("date.no_such_day")},
		{"2020-13-01", "", problem.M("date.no_such_day")},
		{"2020-00-10", "", problem.M("date.no_such_day")},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		m := message(t, "ParseDate("+tt.in+")", err)
		var gs string
		if !got.IsZero() {
			gs = got.Format("2006-01-02")
		}
		if gs != tt.want || !reflect.DeepEqual(m, tt.err) {
			t.Errorf("ParseDate(%q) = %q, %+v; want %q, %+v", tt.in, gs, m, tt.want, tt.err)
		}
	}
}

func TestAnniversaryAndAge(t *testing.T) {
	tests := []struct {
		birth string
		years int
		want  string
	}{
		{"2004-06-15", 20, "2024-06-15"},
		{"2004-02-29", 20, "2024-02-29"}, // a leap year again
		{"2004-02-29", 14, "2018-02-28"}, // Civil Code art. 192(3): the last day of February
		{"1980-12-31", 45, "2025-12-31"},
	}
	for _, tt := range tests {
		if got := Anniversary(day(tt.birth), tt.years).Format("2006-01-02"); got != tt.want {
			t.Errorf("Anniversary(%s, %d) = %s, want %s", tt.birth, tt.years, got, tt.want)
		}
	}
	ages := []struct {
		birth, on string
		want      int
	}{
		{"2004-06-15", "2024-06-14", 19},
		{"2004-06-15", "2024-06-15", 20},
		{"2004-02-29", "2018-02-27", 13},
		{"2004-02-29", "2018-02-28", 14},
		{"2004-02-29", "2024-02-28", 19},
		{"2004-02-29", "2024-02-29", 20},
		{"2004-06-15", "2004-06-15", 0},
	}
	for _, tt := range ages {
		if got := AgeOn(day(tt.birth), day(tt.on)); got != tt.want {
			t.Errorf("AgeOn(%s, %s) = %d, want %d", tt.birth, tt.on, got, tt.want)
		}
	}
}

func TestParseBirthDate(t *testing.T) {
	today := day("2026-03-02")
	tests := []struct {
		in   string
		want string
		err  problem.Message
	}{
		{"1990-03-27", "1990-03-27", problem.Message{}},
		{"1900-01-01", "1900-01-01", problem.Message{}},
		{"2012-03-02", "2012-03-02", problem.Message{}}, // 14 today
		{"02.03.2012", "2012-03-02", problem.Message{}},

		{"1899-12-31", "", problem.M("birth_date.too_early", "Year", MinBirthYear)},
		{"0990-03-27", "", problem.M("birth_date.too_early", "Year", MinBirthYear)},
		{"2026-03-03", "", problem.M("birth_date.future")},
		{"2090-03-27", "", problem.M("birth_date.future")},
		{"2012-03-03", "", problem.M("birth_date.too_young", "Age", MinPassportAge)}, // 14 tomorrow
		{"2026-03-02", "", problem.M("birth_date.too_young", "Age", MinPassportAge)},
		{"27-03-1990", "", problem.M("date.format")},
	}
	for _, tt := range tests {
		got, err := ParseBirthDate(tt.in, today)
		m := message(t, "ParseBirthDate("+tt.in+")", err)
		var gs string
		if !got.IsZero() {
			gs = got.Format("2006-01-02")
		}
		if gs != tt.want || !reflect.DeepEqual(m, tt.err) {
			t.Errorf("ParseBirthDate(%q) = %q, %+v; want %q, %+v", tt.in, gs, m, tt.want, tt.err)
		}
	}
}

// TestDay: "today" is the day in the caller's zone, not in UTC.
func TestDay(t *testing.T) {
	moscow := time.FixedZone("MSK", 3*3600)
	late := time.Date(2026, 3, 1, 22, 30, 0, 0, time.UTC) // 01:30 on 2 March in Moscow
	if got := Day(late.In(moscow)); !got.Equal(day("2026-03-02")) {
		t.Errorf("Day = %v, want 2026-03-02", got)
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"1990-03-27", "27.03.1990", "2023-02-29", "", "1990-3-27", "99.99.9999"} {
		f.Add(s)
	}
	today := day("2026-03-02")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			message(t, "ParseDate", err)
			return
		}
		// The canonical form reads back as the same day.
		again, err := ParseDate(d.Format("2006-01-02"))
		if err != nil || !again.Equal(d) || !Day(d).Equal(d) {
			t.Fatalf("ParseDate(%q) = %v; its canonical form reads back as %v, %v", s, d, again, err)
		}
		b, err := ParseBirthDate(s, today)
		if err != nil {
			message(t, "ParseBirthDate", err)
			return
		}
		if b.Year() < MinBirthYear || b.After(today) || AgeOn(b, today) < MinPassportAge {
			t.Fatalf("ParseBirthDate(%q) accepted %v", s, b)
		}
	})
}
