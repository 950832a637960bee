package textsearch

import (
	"slices"
	"testing"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  ,.;!? — «»", nil},
		{"Заграничный паспорт", []string{"заграничный", "паспорт"}},
		{"заграничный-паспорт", []string{"заграничный", "паспорт"}},
		{"ИП", []string{"ип"}},
		{"Ёлочные игрушки", []string{"елочные", "игрушки"}},
		{"Справка 2-НДФЛ", []string{"справка", "2", "ндфл"}},
		{"2НДФЛ", []string{"2", "ндфл"}},
		{"ФЗ №152, ст. 5.1", []string{"фз", "152", "ст", "5", "1"}},
		{"пас\u00adпорт", []string{"паспорт"}},                         // soft hyphen
		{"пас\u200dпорт", []string{"паспорт"}},                         // zero-width joiner
		{"паспорт\u200bгражданина", []string{"паспорт", "гражданина"}}, // zero-width space
		{"за\u0301мок", []string{"замок"}},                             // stress mark
		{"citizen's rights", []string{"citizens", "rights"}},
		{"д’Артаньян", []string{"дартаньян"}},
		{"'quoted' word'", []string{"quoted", "word"}}, // apostrophes as quotes separate
		{"rock'n'roll", []string{"rocknroll"}},
		{"e-mail: user@example.ru", []string{"e", "mail", "user", "example", "ru"}},
		{"Запись к врачу (онлайн)", []string{"запись", "к", "врачу", "онлайн"}},
		{"$100 + 20%", []string{"100", "20"}},
		{"Ελλάδα 中文", []string{"ελλάδα", "中文"}}, // other scripts make words too
	}
	for _, tt := range tests {
		if got := Tokens(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPrefix(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"пасп", "пасп"},
		{"ЗАГРАН", "загран"},
		{"ёло", "ело"},
		{"в", "в"}, // a stop word may be the start of «врач»
		{"запись к вр", "вр"},
		{"заграничный-п", "п"},
		{"паспорт ", ""}, // finished
		{"паспорт,", ""},
		{"«", ""},
	}
	for _, tt := range tests {
		if got := Prefix(tt.in); got != tt.want {
			t.Errorf("Prefix(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTyped(t *testing.T) {
	tests := []struct {
		in     string
		terms  []string
		prefix string
	}{
		{"", nil, ""},
		{"пасп", nil, "пасп"},
		{"запись к вр", []string{"зап"}, "вр"},
		{"паспорта для ", []string{"паспорт"}, ""},
		{"Заграничный-пасп", []string{"заграничн"}, "пасп"},
		{"driving lic", []string{"drive"}, "lic"},
	}
	for _, tt := range tests {
		terms, prefix := Typed(tt.in)
		if !slices.Equal(terms, tt.terms) || prefix != tt.prefix {
			t.Errorf("Typed(%q) = %q, %q; want %q, %q", tt.in, terms, prefix, tt.terms, tt.prefix)
		}
	}
}
