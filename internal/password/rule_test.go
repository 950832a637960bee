package password

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kabinet/kabinet/internal/problem"
)

func asMessage(t testing.TB, err error) problem.Message {
	t.Helper()
	if err == nil {
		return problem.Message{}
	}
	var m problem.Message
	if !errors.As(err, &m) {
		t.Fatalf("%v is not a problem.Message", err)
	}
	return m
}

func TestCheckRule(t *testing.T) {
	ok := problem.Message{}
	tests := []struct {
		pw   string
		want problem.Message
	}{
		{"Xk9#mP2v", ok},
		{"abcdefgh", ok}, // the recommendations are not required
		{"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", ok},
		{strings.Repeat("a", MaxLen), ok},

		{"Пароль2024", problem.M("password.cyrillic")},
		{"abcd efgh", problem.M("password.space")},
		{"ab cdЁfgh", problem.M("password.cyrillic")}, // Cyrillic wins over the space before it
		{"abcdefgh\t", problem.M("password.space")},
		{"abcd\u00a0efgh", problem.M("password.space")},
		{"abc€defgh", problem.M("password.invalid_char", "Char", "€")},
		{"abcdéfgh", problem.M("password.invalid_char", "Char", "é")},
		{"abcdefgh\x00", problem.M("password.invalid_char", "Char", "U+0000")},
		{"abcdefgh\x7f", problem.M("password.invalid_char", "Char", "U+007F")},
		{"abcdefgh\xff", problem.M("password.invalid_char", "Char", "U+FFFD")},
		{"ab€ c", problem.M("password.space")}, // a space is more specific than €
		{"€ab", problem.M("password.invalid_char", "Char", "€")},
		{"", problem.M("password.too_short", "Min", MinLen)},
		{"Xk9#mP2", problem.M("password.too_short", "Min", MinLen)},
		{strings.Repeat("a", MaxLen+1), problem.M("password.too_long", "Max", MaxLen)},
	}
	for _, tt := range tests {
		if got := asMessage(t, CheckRule(tt.pw)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("CheckRule(%q) = %+v, want %+v", tt.pw, got, tt.want)
		}
	}
}

func FuzzCheckRule(f *testing.F) {
	for _, s := range []string{"Xk9#mP2v", "Пароль2024", "abcd efgh", "abc€defgh", "", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pw string) {
		err := CheckRule(pw)
		if err == nil {
			// Accepted passwords satisfy the rule.
			n := utf8.RuneCountInString(pw)
			if n < MinLen || n > MaxLen {
				t.Fatalf("CheckRule accepted %q of length %d", pw, n)
			}
			for i := 0; i < len(pw); i++ {
				if pw[i] < 0x21 || pw[i] > 0x7e {
					t.Fatalf("CheckRule accepted %q with byte %#x", pw, pw[i])
				}
			}
			return
		}
		switch id := asMessage(t, err).ID; id {
		case "password.cyrillic", "password.space", "password.invalid_char", "password.too_short", "password.too_long":
		default:
			t.Fatalf("CheckRule(%q): unexpected %q", pw, id)
		}
	})
}

func TestValidate(t *testing.T) {
	user := []string{"Иван", "Петров", "+79161234567", "ivan.petrov@mail.ru"}
	type fields map[string]string
	tests := []struct {
		pw, confirm string
		want        fields
	}{
		{"Xk9#mP2vLq7", "Xk9#mP2vLq7", nil},
		{"", "", fields{"password": "password.required", "password_confirmation": "password_confirmation.required"}},
		{"Xk9#mP2vLq7", "", fields{"password_confirmation": "password_confirmation.required"}},
		{"Xk9#mP2vLq7", "Xk9#mP2vLq8", fields{"password_confirmation": "password.mismatch"}},
		{"Пароль2024", "Пароль2024", fields{"password": "password.cyrillic"}},
		{"short", "other", fields{"password": "password.too_short", "password_confirmation": "password.mismatch"}},
		{"gfhjkm2024", "gfhjkm2024", fields{"password": "password.common"}},
		{"Gosuslugi1", "Gosuslugi1", fields{"password": "password.common"}},
		{"qwerty123", "qwerty123", fields{"password": "password.common"}},
		{"P@ssw0rd", "P@ssw0rd", fields{"password": "password.common"}},
		{"aaaaaaaa", "aaaaaaaa", fields{"password": "password.too_weak"}},
		{"ivan.petrov", "ivan.petrov", fields{"password": "password.too_weak"}},
		{"89161234567", "89161234567", fields{"password": "password.too_weak"}},
	}
	for _, tt := range tests {
		err := Validate(tt.pw, tt.confirm, user...)
		if tt.want == nil {
			if err != nil {
				t.Errorf("Validate(%q, %q) = %v, want nil", tt.pw, tt.confirm, err)
			}
			continue
		}
		pe, ok := problem.As(err)
		if !ok || pe.Kind != problem.Invalid {
			t.Fatalf("Validate(%q, %q) = %v, want a problem.Invalid error", tt.pw, tt.confirm, err)
		}
		got := fields{}
		for _, f := range pe.Fields {
			got[f.Field] = f.ID
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Validate(%q, %q) fields = %v, want %v", tt.pw, tt.confirm, got, tt.want)
		}
	}
}
