package textsearch

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Паспорт", "паспорт"},
		{"ЁЛОЧНЫЕ игрушки", "елочные игрушки"},
		{"ёжик", "ежик"},
		{"Е\u0308ЛКА", "елка"},       // Ё decomposed: Е + combining diaeresis
		{"е\u0323\u0308", "е\u0323"}, // the diaeresis after another mark of the same е
		{"й", "й"},                   // й is not е: kept
		{"и\u0306", "й"},             // й decomposed is composed back
		{"ӓ ї ö", "ӓ ї ö"},           // other letters with a diaeresis are unchanged
		{"Driving LICENCE", "driving licence"},
		{"CAFÉ", "café"},
		{"«ИП», 2-НДФЛ!", "«ип», 2-ндфл!"}, // punctuation is Tokens' business
		{"\u212A", "k"},                    // Kelvin sign
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestFoldIdempotentEveryRune folds every code point alone, after е and
// before a combining diaeresis, and folds the result again.
func TestFoldIdempotentEveryRune(t *testing.T) {
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		for _, s := range []string{string(r), "е" + string(r), string(r) + "\u0308"} {
			once := Fold(s)
			if twice := Fold(once); twice != once {
				t.Fatalf("Fold(%q) = %q but Fold of that = %q", s, once, twice)
			}
		}
	}
}

// TestFoldPlainEveryRune: for every rune isPlain lets through, the quick
// route folds as the NFD route does, alone and after е.
func TestFoldPlainEveryRune(t *testing.T) {
	for r := rune(0x80); r <= 0x205F; r++ {
		if !isPlain(string(r)) {
			continue
		}
		for _, s := range []string{string(r), "е" + string(r), "Е" + string(r) + "Ё"} {
			if quick, slow := strings.Map(lowerYo, s), foldNormalized(s); quick != slow {
				t.Errorf("%q: quick fold %q, NFD fold %q", s, quick, slow)
			}
		}
	}
}
