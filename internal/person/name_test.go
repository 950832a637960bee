package person

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/kabinet/kabinet/internal/problem"
)

func TestNormalizeName(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  problem.Message
	}{
		{"Иванов", "Иванов", problem.Message{}},
		{"  Иванов  ", "Иванов", problem.Message{}},
		{"Пётр", "Пётр", problem.Message{}},
		{"ЁЛКИН", "ЁЛКИН", problem.Message{}},
		{"иванов", "иванов", problem.Message{}}, // capitalisation is the person's
		{"Салтыков-Щедрин", "Салтыков-Щедрин", problem.Message{}},
		{"Д'Артаньян", "Д'Артаньян", problem.Message{}},
		{"Д’Артаньян", "Д'Артаньян", problem.Message{}},
		{"Дʼартаньян", "Д'артаньян", problem.Message{}},
		{"Мария  Анна", "Мария Анна", problem.Message{}},
		{"Мария\t\u00a0Анна", "Мария Анна", problem.Message{}},
		{"Оглы", "Оглы", problem.Message{}},
		{"Салтыков\u2010Щедрин", "Салтыков-Щедрин", problem.Message{}},
		{"Пе\u0308тр", "Пётр", problem.Message{}}, // е + combining diaeresis composes to ё
		{"Гри\u0306ф", "Грйф", problem.Message{}},
		{"Ива\u0301нов", "Иванов", problem.Message{}}, // stress mark copied from a dictionary
		{"John", "John", problem.Message{}},
		{"O'Brien", "O'Brien", problem.Message{}},
		{"José María", "José María", problem.Message{}},
		{"Müller-Lüdenscheidt", "Müller-Lüdenscheidt", problem.Message{}},
		{"Тарас Шевченко", "Тарас Шевченко", problem.Message{}},
		{"Ґалаґан", "Ґалаґан", problem.Message{}}, // Ukrainian letters are Cyrillic
		{"Я", "Я", problem.Message{}},
		{strings.Repeat("я", MaxNameLen), strings.Repeat("я", MaxNameLen), problem.Message{}},

		{"", "", problem.M("name.required")},
		{" \t\n", "", problem.M("name.required")},
		{strings.Repeat("я", MaxNameLen+1), "", problem.M("field.too_long", "Max", MaxNameLen)},
		{"Иван1", "", problem.M("name.digits")},
		{"Пётр I", "", problem.Message{ID: "name.mixed_script"}},
		{"Пётр Ⅰ", "", problem.M("name.digits")}, // Roman numeral one, a number
		{"Иван!", "", problem.M("name.symbols", "Char", "!")},
		{"Иван.", "", problem.M("name.symbols", "Char", ".")},
		{"Иван_Петров", "", problem.M("name.symbols", "Char", "_")},
		{"Иван–Петров", "", problem.M("name.symbols", "Char", "–")}, // en dash
		{"Иван\u200bПетров", "", problem.M("name.symbols", "Char", "U+200B")},
		{"Jose\u0301\u0301", "", problem.M("name.symbols", "Char", "U+0301")},
		{"\u0301Иван", "", problem.M("name.symbols", "Char", "U+0301")},
		{"Иван\x00", "", problem.M("name.symbols", "Char", "U+0000")},
		{"Иван\xff", "", problem.M("name.symbols", "Char", "U+FFFD")},
		{"Ивaнов", "", problem.M("name.mixed_script")}, // Latin "a"
		{"Ivanоv", "", problem.M("name.mixed_script")}, // Cyrillic "о"
		{"-Иван", "", problem.M("name.separators")},
		{"Иван-", "", problem.M("name.separators")},
		{"'Иван", "", problem.M("name.separators")},
		{"Салтыков--Щедрин", "", problem.M("name.separators")},
		{"Салтыков - Щедрин", "", problem.M("name.separators")},
		{"Д''Артаньян", "", problem.M("name.separators")},
		{"-", "", problem.M("name.separators")},
	}
	for _, tt := range tests {
		got, err := NormalizeName(tt.in)
		var m problem.Message
		if err != nil && !errors.As(err, &m) {
			t.Fatalf("NormalizeName(%q): %v is not a problem.Message", tt.in, err)
		}
		if got != tt.want || !reflect.DeepEqual(m, tt.err) {
			t.Errorf("NormalizeName(%q) = %q, %+v; want %q, %+v", tt.in, got, m, tt.want, tt.err)
		}
	}
}

func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"Иванов", "Салтыков-Щедрин", "Д’Артаньян", "  Мария   Анна ", "Ивaнов", "O'Brien", "Иван1", "--", "Пе\u0308тр", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := NormalizeName(s)
		if err != nil {
			var m problem.Message
			if !errors.As(err, &m) {
				t.Fatalf("NormalizeName(%q): %v is not a problem.Message", s, err)
			}
			if out != "" {
				t.Fatalf("NormalizeName(%q) = %q with error %v", s, out, err)
			}
			return
		}
		if again, err := NormalizeName(out); err != nil || again != out {
			t.Fatalf("not idempotent: NormalizeName(%q) = %q, %v (from %q)", out, again, err, s)
		}
		// Accepted output satisfies the rule.
		if !norm.NFC.IsNormalString(out) || out == "" || utf8.RuneCountInString(out) > MaxNameLen {
			t.Fatalf("NormalizeName(%q) = %q: not NFC, empty or too long", s, out)
		}
		var cyr, lat bool
		prev := ' ' // a separator: the name may not start with one
		for _, r := range out {
			sep := r == '-' || r == '\'' || r == ' '
			switch {
			case sep && (prev == '-' || prev == '\'' || prev == ' '):
				t.Fatalf("NormalizeName(%q) = %q: separator %q after %q", s, out, r, prev)
			case sep:
			case unicode.IsLetter(r) && unicode.Is(unicode.Cyrillic, r):
				cyr = true
			case unicode.IsLetter(r) && unicode.Is(unicode.Latin, r):
				lat = true
			default:
				t.Fatalf("NormalizeName(%q) = %q: contains %q", s, out, r)
			}
			prev = r
		}
		if cyr && lat {
			t.Fatalf("NormalizeName(%q) = %q: mixed scripts", s, out)
		}
		if prev == '-' || prev == '\'' || prev == ' ' {
			t.Fatalf("NormalizeName(%q) = %q ends with a separator", s, out)
		}
	})
}
