package person

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kabinet/kabinet/internal/problem"
)

func TestParseGender(t *testing.T) {
	tests := []struct {
		in   string
		want Gender
		err  problem.Message
	}{
		{"male", Male, problem.Message{}},
		{" Female ", Female, problem.Message{}},
		{"", "", problem.M("gender.required")},
		{"м", "", problem.M("gender.unknown")},
		{"other", "", problem.M("gender.unknown")},
	}
	for _, tt := range tests {
		got, err := ParseGender(tt.in)
		m := message(t, "ParseGender", err)
		if got != tt.want || !reflect.DeepEqual(m, tt.err) {
			t.Errorf("ParseGender(%q) = %q, %+v; want %q, %+v", tt.in, got, m, tt.want, tt.err)
		}
	}
}

func TestParseCitizenship(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  problem.Message
	}{
		{"RUS", "RUS", problem.Message{}},
		{" rus ", "RUS", problem.Message{}},
		{"BLR", "BLR", problem.Message{}},
		{"kaz", "KAZ", problem.Message{}},
		{"DEU", "DEU", problem.Message{}},

		{"", "", problem.M("citizenship.required")},
		{"RU", "", problem.M("citizenship.format")},  // alpha-2
		{"643", "", problem.M("citizenship.format")}, // numeric
		{"РОС", "", problem.M("citizenship.format")}, // Cyrillic
		{"Russia", "", problem.M("citizenship.format")},
		{"XYZ", "", problem.M("citizenship.unknown", "Code", "XYZ")},
		{"AAA", "", problem.M("citizenship.unknown", "Code", "AAA")}, // private use
		{"SUN", "", problem.M("citizenship.unknown", "Code", "SUN")}, // the USSR: withdrawn
		{"DDR", "", problem.M("citizenship.unknown", "Code", "DDR")}, // withdrawn, now DEU
		{"ATA", "", problem.M("citizenship.unknown", "Code", "ATA")}, // Antarctica
	}
	for _, tt := range tests {
		got, err := ParseCitizenship(tt.in)
		m := message(t, "ParseCitizenship", err)
		if got != tt.want || !reflect.DeepEqual(m, tt.err) {
			t.Errorf("ParseCitizenship(%q) = %q, %+v; want %q, %+v", tt.in, got, m, tt.want, tt.err)
		}
	}
	list := Citizenships()
	if list[0] != Russia {
		t.Errorf("Citizenships()[0] = %s, want RUS first", list[0])
	}
	for _, c := range list {
		if got, err := ParseCitizenship(c); err != nil || got != c {
			t.Errorf("Citizenships() offers %s, which ParseCitizenship refuses: %v", c, err)
		}
	}
}

func TestNormalizeBirthPlace(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  problem.Message
	}{
		{"гор. Москва", "гор. Москва", problem.Message{}},
		{"  с. Ивановка\n Тамбовской   обл. ", "с. Ивановка Тамбовской обл.", problem.Message{}},
		{"г. Алма-Ата, Казахская ССР", "г. Алма-Ата, Казахская ССР", problem.Message{}},
		{"п/о № 5", "п/о № 5", problem.Message{}},
		{strings.Repeat("я", MaxBirthPlaceLen), strings.Repeat("я", MaxBirthPlaceLen), problem.Message{}},

		{"", "", problem.M("birth_place.required")},
		{" \t ", "", problem.M("birth_place.required")},
		{strings.Repeat("я", MaxBirthPlaceLen+1), "", problem.M("field.too_long", "Max", MaxBirthPlaceLen)},
		{"Москва\u0007", "", problem.M("birth_place.symbols", "Char", "U+0007")},
		{"Мос\u200bква", "", problem.M("birth_place.symbols", "Char", "U+200B")},
		{"Москва\xff", "", problem.M("birth_place.symbols", "Char", "U+FFFD")},
		{"12345", "", problem.M("birth_place.no_letters")},
	}
	for _, tt := range tests {
		got, err := NormalizeBirthPlace(tt.in)
		m := message(t, "NormalizeBirthPlace", err)
		if got != tt.want || !reflect.DeepEqual(m, tt.err) {
			t.Errorf("NormalizeBirthPlace(%q) = %q, %+v; want %q, %+v", tt.in, got, m, tt.want, tt.err)
		}
	}
}

func TestNormalizePatronymic(t *testing.T) {
	tests := []struct {
		in   string
		none bool
		want string
		err  problem.Message
	}{
		{"Иванович", false, "Иванович", problem.Message{}},
		{" Ахмед оглы ", false, "Ахмед оглы", problem.Message{}},
		{"", true, "", problem.Message{}},
		{"  ", true, "", problem.Message{}},

		{"", false, "", problem.M("patronymic.required")},
		{"Иванович", true, "", problem.M("patronymic.with_none")},
		{"Иван0вич", false, "", problem.M("name.digits")},
	}
	for _, tt := range tests {
		got, err := NormalizePatronymic(tt.in, tt.none)
		m := message(t, "NormalizePatronymic", err)
		if got != tt.want || !reflect.DeepEqual(m, tt.err) {
			t.Errorf("NormalizePatronymic(%q, %v) = %q, %+v; want %q, %+v", tt.in, tt.none, got, m, tt.want, tt.err)
		}
	}
}

func TestNormalizeIdentity(t *testing.T) {
	today := day("2026-03-02")
	good := IdentityInput{Surname: " Иванов ", Name: "Иван", Patronymic: "Петрович", Gender: "male",
		BirthDate: "27.03.1990", BirthPlace: "гор.  Москва", Citizenship: "rus"}
	got, err := NormalizeIdentity(good, today)
	if err != nil {
		t.Fatal(err)
	}
	want := Identity{Surname: "Иванов", Name: "Иван", Patronymic: "Петрович", Gender: Male,
		BirthDate: day("1990-03-27"), BirthPlace: "гор. Москва", Citizenship: "RUS"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("NormalizeIdentity = %+v, want %+v", got, want)
	}

	// Every wrong field gets its own message, under its API name, in the
	// order of the form.
	_, err = NormalizeIdentity(IdentityInput{Surname: "Ив4нов", Name: "Иван", Patronymic: "Петрович", NoPatronymic: true,
		Gender: "x", BirthDate: "2026-05-01", BirthPlace: "", Citizenship: "RU"}, today)
	p, ok := problem.As(err)
	if !ok || p.Kind != problem.Invalid {
		t.Fatalf("NormalizeIdentity: %v, want an Invalid problem", err)
	}
	wantFields := []problem.FieldError{
		{Field: "surname", Message: problem.M("name.digits")},
		{Field: "patronymic", Message: problem.M("patronymic.with_none")},
		{Field: "gender", Message: problem.M("gender.unknown")},
		{Field: "birth_date", Message: problem.M("birth_date.future")},
		{Field: "birth_place", Message: problem.M("birth_place.required")},
		{Field: "citizenship", Message: problem.M("citizenship.format")},
	}
	if !reflect.DeepEqual(p.Fields, wantFields) {
		t.Errorf("fields = %+v\nwant %+v", p.Fields, wantFields)
	}
}

func FuzzNormalizeBirthPlace(f *testing.F) {
	for _, s := range []string{"гор. Москва", " с. Ивановка\n", "12345", "Мос\u200bква", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := NormalizeBirthPlace(s)
		if err != nil {
			message(t, "NormalizeBirthPlace", err)
			return
		}
		if again, err := NormalizeBirthPlace(out); err != nil || again != out {
			t.Fatalf("not idempotent: %q → %q → %q, %v", s, out, again, err)
		}
		if _, bad := Unprintable(out); bad || utf8.RuneCountInString(out) > MaxBirthPlaceLen || out != strings.TrimSpace(out) {
			t.Fatalf("NormalizeBirthPlace(%q) accepted %q", s, out)
		}
	})
}

func FuzzParseCitizenship(f *testing.F) {
	for _, s := range []string{"RUS", "rus", "RU", "SUN", "XYZ", "ЯЯЯ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := ParseCitizenship(s)
		if err != nil {
			message(t, "ParseCitizenship", err)
			return
		}
		if again, err := ParseCitizenship(out); err != nil || again != out || len(out) != 3 || strings.ToUpper(out) != out {
			t.Fatalf("ParseCitizenship(%q) = %q; again %q, %v", s, out, again, err)
		}
	})
}
