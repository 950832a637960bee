package document

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/problem"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestPassportFields(t *testing.T) {
	type parse func(string) (string, error)
	tests := []struct {
		name string
		f    parse
		in   string
		want string
		err  problem.Message
	}{
		{"series", ParsePassportSeries, "4508", "4508", problem.Message{}},
		{"series", ParsePassportSeries, "45 08", "4508", problem.Message{}},
		{"series", ParsePassportSeries, "", "", problem.M("passport.series.required")},
		{"series", ParsePassportSeries, "450", "", problem.M("passport.series.length")},
		{"series", ParsePassportSeries, "45 081", "", problem.M("passport.series.length")},
		{"series", ParsePassportSeries, "IV-МЮ", "", problem.M("passport.series.symbols", "Char", "I")}, // a Soviet passport's series
		{"number", ParsePassportNumber, "123456", "123456", problem.Message{}},
		{"number", ParsePassportNumber, " 123 456 ", "123456", problem.Message{}},
		{"number", ParsePassportNumber, "№123456", "", problem.M("passport.number.symbols", "Char", "№")},
		{"number", ParsePassportNumber, "12345", "", problem.M("passport.number.length")},
		{"number", ParsePassportNumber, "\t", "", problem.M("passport.number.required")},
		{"division", ParseDivisionCode, "770-001", "770-001", problem.Message{}},
		{"division", ParseDivisionCode, "770001", "770-001", problem.Message{}},
		{"division", ParseDivisionCode, "770 001", "770-001", problem.Message{}},
		{"division", ParseDivisionCode, "770–001", "770-001", problem.Message{}}, // en dash from a word processor
		{"division", ParseDivisionCode, "", "", problem.M("division_code.required")},
		{"division", ParseDivisionCode, "770-01", "", problem.M("division_code.length")},
		{"division", ParseDivisionCode, "770_001", "", problem.M("division_code.symbols", "Char", "_")},
		{"issued_by", NormalizeIssuedBy, "  ГУ МВД России\nпо г. Москве ", "ГУ МВД России по г. Москве", problem.Message{}},
		{"issued_by", NormalizeIssuedBy, "Отделом УФМС России по Тамбовской обл. в Октябрьском р-не г. Тамбова", "Отделом УФМС России по Тамбовской обл. в Октябрьском р-не г. Тамбова", problem.Message{}},
		{"issued_by", NormalizeIssuedBy, "", "", problem.M("passport.issued_by.required")},
		{"issued_by", NormalizeIssuedBy, strings.Repeat("я", MaxIssuedByLen+1), "", problem.M("field.too_long", "Max", MaxIssuedByLen)},
		{"issued_by", NormalizeIssuedBy, "ОВД\u0000", "", problem.M("passport.issued_by.symbols", "Char", "U+0000")},
	}
	for _, tt := range tests {
		got, err := tt.f(tt.in)
		m := message(t, tt.name, err)
		if got != tt.want || !reflect.DeepEqual(m, tt.err) {
			t.Errorf("%s(%q) = %q, %+v; want %q, %+v", tt.name, tt.in, got, m, tt.want, tt.err)
		}
	}
}

func TestCheckIssueDate(t *testing.T) {
	birth, today := day("2004-06-15"), day("2026-03-02")
	tests := []struct {
		issue string
		birth time.Time
		err   problem.Message
	}{
		{"2018-06-15", birth, problem.Message{}}, // the 14th birthday
		{"2026-03-02", birth, problem.Message{}}, // today
		{"1997-10-01", time.Time{}, problem.Message{}},
		{"2018-06-14", birth, problem.M("passport.issue_date.before_14", "Date", "15.06.2018")},
		{"2026-03-03", birth, problem.M("passport.issue_date.future")},
		{"1997-09-30", time.Time{}, problem.M("passport.issue_date.before_1997", "Date", "01.10.1997")},
		{"2001-01-01", time.Time{}, problem.Message{}}, // birth unknown: only the calendar limits
	}
	for _, tt := range tests {
		m := message(t, "CheckIssueDate", CheckIssueDate(day(tt.issue), tt.birth, today))
		if !reflect.DeepEqual(m, tt.err) {
			t.Errorf("CheckIssueDate(%s, %v) = %+v, want %+v", tt.issue, tt.birth, m, tt.err)
		}
	}
	// Born on 29 February: 14 on 28 February of a common year.
	if err := CheckIssueDate(day("2018-02-28"), day("2004-02-29"), today); err != nil {
		t.Errorf("issued on the 14th birthday of a leap-day child: %v", err)
	}
}

// TestPassportValidity walks the replacement at 20 and 45 over its edges:
// the day before and of the birthday, the last day of the 90-day grace and
// the day after.
func TestPassportValidity(t *testing.T) {
	const born20, born45 = "2004-06-15", "1979-03-10"
	v20 := func(s State) Validity {
		return Validity{State: s, Age: 20, Birthday: day("2024-06-15"), ValidUntil: day("2024-09-13")}
	}
	v45 := func(s State) Validity {
		return Validity{State: s, Age: 45, Birthday: day("2024-03-10"), ValidUntil: day("2024-06-08")}
	}
	tests := []struct {
		name, birth, issue, today string
		want                      Validity
	}{
		{"at 14, the day before 20", born20, "2018-07-01", "2024-06-14", v20(Valid)},
		{"at 14, on the 20th birthday", born20, "2018-07-01", "2024-06-15", v20(Grace)},
		{"at 14, the last day of grace", born20, "2018-07-01", "2024-09-13", v20(Grace)},
		{"at 14, the day after grace", born20, "2018-07-01", "2024-09-14", v20(Overdue)},
		{"the day before 20, years later", born20, "2024-06-14", "2030-01-01", v20(Overdue)},
		{"on the 20th birthday: replaced at 45", born20, "2024-06-15", "2024-09-14",
			Validity{State: Valid, Age: 45, Birthday: day("2049-06-15"), ValidUntil: day("2049-09-13")}},
		{"at 20, the day before 45", born45, "1999-04-01", "2024-03-09", v45(Valid)},
		{"at 20, on the 45th birthday", born45, "1999-04-01", "2024-03-10", v45(Grace)},
		{"at 20, the last day of grace", born45, "1999-04-01", "2024-06-08", v45(Grace)},
		{"at 20, the day after grace", born45, "1999-04-01", "2024-06-09", v45(Overdue)},
		{"at 14, never replaced, now 47", born45, "1997-10-01", "2026-03-02",
			Validity{State: Overdue, Age: 20, Birthday: day("1999-03-10"), ValidUntil: day("1999-06-08")}},
		{"on the 45th birthday: for life", born45, "2024-03-10", "2090-01-01", Validity{State: Valid}},
		{"leap-day child at 20", "2004-02-29", "2018-03-01", "2024-02-29",
			Validity{State: Grace, Age: 20, Birthday: day("2024-02-29"), ValidUntil: day("2024-05-29")}},
	}
	for _, tt := range tests {
		if got := PassportValidity(day(tt.birth), day(tt.issue), day(tt.today)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: PassportValidity = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestNormalizePassport(t *testing.T) {
	birth, today := day("2004-06-15"), day("2024-07-01")
	in := PassportInput{Series: "45 18", Number: "123456", IssueDate: "01.07.2018", IssuedBy: "ГУ МВД России  по г. Москве", DivisionCode: "770001"}
	p, v, err := NormalizePassport(in, birth, today)
	if err != nil {
		t.Fatal(err)
	}
	want := Passport{Series: "4518", Number: "123456", IssueDate: day("2018-07-01"), IssuedBy: "ГУ МВД России по г. Москве", DivisionCode: "770-001"}
	if p != want || v.State != Grace || !v.ValidUntil.Equal(day("2024-09-13")) {
		t.Errorf("NormalizePassport = %+v, %+v; want %+v in its grace until 2024-09-13", p, v, want)
	}

	// Past the grace: refused on the date of issue, with a message of its
	// own that MustBeReplaced recognises.
	_, v, err = NormalizePassport(in, birth, day("2024-09-14"))
	if !MustBeReplaced(err) || v.State != Overdue {
		t.Fatalf("after the grace: %v, %+v; want must be replaced", err, v)
	}
	pe, _ := problem.As(err)
	if m, _ := pe.Field("document.issue_date"); !reflect.DeepEqual(m, problem.M("passport.must_be_replaced", "Age", 20, "Date", "13.09.2024")) {
		t.Errorf("message = %+v", m)
	}

	// Every wrong field, under its API name, in the order of the form.
	_, _, err = NormalizePassport(PassportInput{Series: "45", Number: "12345a", IssueDate: "2017-01-01", IssuedBy: " ", DivisionCode: "77-001"}, birth, today)
	pe, ok := problem.As(err)
	if !ok || pe.Kind != problem.Invalid || MustBeReplaced(err) {
		t.Fatalf("NormalizePassport: %v", err)
	}
	wantFields := []problem.FieldError{
		{Field: "document.series", Message: problem.M("passport.series.length")},
		{Field: "document.number", Message: problem.M("passport.number.symbols", "Char", "a")},
		{Field: "document.issue_date", Message: problem.M("passport.issue_date.before_14", "Date", "15.06.2018")},
		{Field: "document.issued_by", Message: problem.M("passport.issued_by.required")},
		{Field: "document.division_code", Message: problem.M("division_code.length")},
	}
	if !reflect.DeepEqual(pe.Fields, wantFields) {
		t.Errorf("fields = %+v\nwant %+v", pe.Fields, wantFields)
	}
	if _, _, err := NormalizePassport(PassportInput{IssueDate: "31.02.2020"}, time.Time{}, today); err == nil {
		t.Error("an empty passport was accepted")
	} else if m, _ := err.(*problem.Error).Field("document.issue_date"); m.ID != "date.no_such_day" {
		t.Errorf("issue date 31.02.2020: %+v", m)
	}
}

func FuzzPassport(f *testing.F) {
	f.Add("45 18", "123456", "2018-07-01", "ГУ МВД России по г. Москве", "770-001", "2004-06-15")
	f.Add("4518", "123 456", "01.07.2018", "ОВД", "770001", "1979-03-10")
	f.Add("45", "x", "2017-02-29", "", "77-001", "")
	today := day("2026-03-02")
	f.Fuzz(func(t *testing.T, series, number, issue, by, division, born string) {
		birth, err := person.ParseBirthDate(born, today)
		if err != nil {
			birth = time.Time{}
		}
		p, v, err := NormalizePassport(PassportInput{series, number, issue, by, division}, birth, today)
		if err != nil {
			if pe, ok := problem.As(err); !ok || pe.Kind != problem.Invalid || len(pe.Fields) == 0 {
				t.Fatalf("NormalizePassport: %v is not an Invalid problem with fields", err)
			}
			return
		}
		if !birth.IsZero() && v.State == Overdue {
			t.Fatalf("an overdue passport was accepted: %+v", v)
		}
		// The canonical passport checks again to itself.
		again, _, err := NormalizePassport(PassportInput{p.Series, p.Number, p.IssueDate.Format("2006-01-02"), p.IssuedBy, p.DivisionCode}, birth, today)
		if err != nil || again != p {
			t.Fatalf("%+v checks again as %+v, %v", p, again, err)
		}
		if p.IssueDate.After(today) || p.IssueDate.Before(firstPassportDay) ||
			(!birth.IsZero() && p.IssueDate.Before(person.Anniversary(birth, 14))) {
			t.Fatalf("implausible date of issue accepted: %v", p.IssueDate)
		}
	})
}
