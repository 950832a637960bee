package textsearch

import (
	"slices"
	"testing"
)

func TestTerms(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"в", nil}, // stop words only
		{"для и по", nil},
		{"Запись к врачу", []string{"зап", "врач"}},
		{"записаться к врачу", []string{"записа", "врач"}},
		{"Замена паспорта гражданина РФ", []string{"зам", "паспорт", "гражданин", "рф"}},
		{"Регистрация по месту жительства", []string{"регистрац", "мест", "жительств"}},
		{"Ёлочные игрушки", []string{"елочн", "игрушк"}},
		{"Оформление заграничного паспорта", []string{"оформлен", "заграничн", "паспорт"}},
		{"ИП: регистрация", []string{"ип", "регистрац"}},
		{"Справка 2-НДФЛ", []string{"справк", "2", "ндфл"}},
		{"Payment of the traffic fines", []string{"payment", "traffic", "fine"}},
		{"Booking an appointment with a doctor", []string{"book", "appoint", "doctor"}},
		{"паспорт и паспорта", []string{"паспорт", "паспорт"}}, // repeats kept
		{"не работает", []string{"работа"}},
		{"IT-услуги", []string{"it", "услуг"}}, // «it» is no stop word
	}
	for _, tt := range tests {
		if got := Terms(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Terms(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestTermsMatch is the point of the package: issue 14 §3's queries meet
// the titles they must find.
func TestTermsMatch(t *testing.T) {
	tests := []struct{ query, title string }{
		{"паспорта", "Паспорт гражданина РФ"},
		{"врачу", "Запись к врачу"},
		{"врачи", "Запись к врачу"},
		{"жительство", "Регистрация по месту жительства"},
		{"елочный", "Ёлочные игрушки"},
		{"штрафов гибдд", "Оплата штрафа ГИБДД"},
		{"fines", "Paying traffic fines"},
	}
	for _, tt := range tests {
		title := Terms(tt.title)
		for _, q := range Terms(tt.query) {
			if !slices.Contains(title, q) {
				t.Errorf("query %q: term %q not among %q's %q", tt.query, q, tt.title, title)
			}
		}
	}
}

func TestIsStopWord(t *testing.T) {
	for _, w := range []string{"в", "В", "для", "the", "The", "of", "не"} {
		if !IsStopWord(w) {
			t.Errorf("IsStopWord(%q) = false", w)
		}
	}
	for _, w := range []string{"ип", "it", "врач", "без", "c"} { // c: Latin
		if IsStopWord(w) {
			t.Errorf("IsStopWord(%q) = true", w)
		}
	}
}
