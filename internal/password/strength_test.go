package password

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kabinet/kabinet/internal/problem"
)

var user = []string{"Иван", "Петров", "+79161234567", "ivan.petrov@mail.ru"}

func TestStrengthCommon(t *testing.T) {
	tests := []struct {
		pw     string
		common bool
	}{
		{"gfhjkm", true},     // пароль on the Latin layout, in zxcvbn's list
		{"ghbdtn", true},     // привет
		{"пароль", true},     // mapped to gfhjkm
		{"Пароль2024", true}, // mapped, trailing digits stripped
		{"йцукен123", true},  // qwerty123
		{"PASSWORD", true},   // case-insensitive
		{"password2024!", true},
		{"P@ssw0rd", true},      // l33t, one dictionary word
		{"drowssap", true},      // reversed
		{"understanding", true}, // one English word
		{"Gosuslugi1", true},    // blocklist.txt
		{"gosuslugi2026", true},
		{"ujceckeub", true}, // госуслуги on the Latin layout
		{"Kabinet!", true},
		{"rf,bytn2024", true}, // кабинет
		{"1q2w3e4r", true},
		{"zaq12wsx", true},

		{"Xk9#mP2vLq7", false},
		{"Tr0ub4dor&3", false},
		{"qwe83920174623", false}, // "qwe" is too short a base to call the whole common
		{"Ivan.Petrov", false},    // personal, weak, but not a common password
		{"", false},
	}
	for _, tt := range tests {
		if got := Strength(tt.pw, user...).Common; got != tt.common {
			t.Errorf("Strength(%q).Common = %v, want %v", tt.pw, got, tt.common)
		}
	}
}

func TestStrengthScore(t *testing.T) {
	tests := []struct {
		pw       string
		min, max int
	}{
		{"Xk9#mP2vLq7", 4, 4},
		{"Tr0ub4dor&3", 3, 4},
		{"qwerty", 0, 0},
		{"aaaaaaaaaaaa", 0, 1},
		{"ivan.petrov", 0, 0}, // the user's e-mail
		{"9161234567", 0, 0},  // the user's phone without the country code
		{"bdfygtnhjd", 0, 0},  // иванпетров on the Latin layout
		{"bdfy.gtnhjd", 0, 2}, // zxcvbn charges 10⁴ guesses for each extra part
		{"ivanpetrov1", 0, 1}, // transliterated name
		{"Йцукен!2024", 0, 1}, // scored as Qwerty!2024
		{"Xk9#mP2vLq7Xk9#mP2vLq7Xk9#mP2vLq7Xk9#mP2vLq7", 4, 4},
	}
	for _, tt := range tests {
		v := Strength(tt.pw, user...)
		if v.Score < tt.min || v.Score > tt.max {
			t.Errorf("Strength(%q).Score = %d, want %d..%d", tt.pw, v.Score, tt.min, tt.max)
		}
		if v.Level != level(v.Score) {
			t.Errorf("Strength(%q).Level = %q for score %d", tt.pw, v.Level, v.Score)
		}
	}
}

func TestLevel(t *testing.T) {
	want := []string{"weak", "weak", "fair", "good", "strong"}
	for score, l := range want {
		if got := level(score); got != l {
			t.Errorf("level(%d) = %q, want %q", score, got, l)
		}
	}
}

func TestStrengthMissing(t *testing.T) {
	tests := []struct {
		pw   string
		want []string
	}{
		{"Xk9#mP2vLq7!", nil},
		{"Xk9#mP2vLq7", []string{"password.hint.length"}},
		{"xk9#mp2vlq7!", []string{"password.hint.case"}},
		{"XK9#MP2VLQ7!", []string{"password.hint.case"}},
		{"Xkz#mPavLqb!", []string{"password.hint.digit"}},
		{"Xk9zmP2vLq7a", []string{"password.hint.special"}},
		{"Xk9#mP2vLq777", []string{"password.hint.repeat"}},
		{"Xk9#mPP2vLq77", nil}, // doubled characters are fine
		{"", []string{"password.hint.case", "password.hint.digit", "password.hint.special", "password.hint.length"}},
		{"aaaa", []string{"password.hint.case", "password.hint.digit", "password.hint.special", "password.hint.repeat", "password.hint.length"}},
	}
	for _, tt := range tests {
		var got []string
		for _, m := range Strength(tt.pw).Missing {
			got = append(got, m.ID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Strength(%q).Missing = %v, want %v", tt.pw, got, tt.want)
		}
	}
}

func TestToQWERTY(t *testing.T) {
	tests := map[string]string{
		"пароль":    "gfhjkm",
		"Привет":    "Ghbdtn",
		"йцукен123": "qwerty123",
		"ЁЖЭХЪБЮ№":  "~:\"{}<>#",
		"abc!":      "abc!",
		"":          "",
	}
	for in, want := range tests {
		if got := toQWERTY(in); got != want {
			t.Errorf("toQWERTY(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBlocklistFile(t *testing.T) {
	l := lists()
	if n := len(l.extra); n < 30 {
		t.Errorf("blocklist.txt has %d entries, want a few dozen", n)
	}
	for line := range strings.Lines(blocklistFile) {
		line = strings.TrimRight(line, "\n")
		if line == "" || line[0] == '#' {
			continue
		}
		if line != strings.ToLower(strings.TrimSpace(line)) {
			t.Errorf("blocklist.txt: %q should be lower-case without surrounding spaces", line)
		}
		if !Strength(line).Common {
			t.Errorf("blocklist.txt entry %q is not reported as common", line)
		}
	}
	for _, w := range []string{"gfhjkm", "ghbdtn", "qwerty123", "1q2w3e4r", "zaq12wsx", "parol", "gosuslugi"} {
		if !l.common[w] {
			t.Errorf("%q is not blocked", w)
		}
	}
}

func FuzzStrength(f *testing.F) {
	for _, s := range []string{"Xk9#mP2vLq7", "gfhjkm", "Пароль2024", "4@8({[<3169!|1", "aaaaaaaa", "", "\xff\xfe", strings.Repeat("1|7", 20)} {
		f.Add(s, "Иван")
	}
	f.Fuzz(func(t *testing.T, pw, name string) {
		v := Strength(pw, name, "+79161234567", name+"@mail.ru")
		if v.Score < 0 || v.Score > 4 || v.Level != level(v.Score) {
			t.Fatalf("Strength(%q): score %d, level %q", pw, v.Score, v.Level)
		}
		if v.Common && v.Score != 0 {
			t.Fatalf("Strength(%q): common with score %d", pw, v.Score)
		}
		// Layout mapping never makes a password look stronger.
		if m := toQWERTY(pw); m != pw {
			if mv := Strength(m, name, "+79161234567", name+"@mail.ru"); mv.Score < v.Score {
				t.Fatalf("Strength(%q) = %d but its QWERTY form %q scores %d", pw, v.Score, m, mv.Score)
			}
		}
		if utf8.RuneCountInString(pw) >= RecommendedLen && slices.ContainsFunc(v.Missing, func(m problem.Message) bool { return m.ID == "password.hint.length" }) {
			t.Fatalf("Strength(%q) asks for length", pw)
		}
	})
}
