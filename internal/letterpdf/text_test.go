package letterpdf

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/image/font/sfnt"
)

func TestLongDate(t *testing.T) {
	msk := time.FixedZone("MSK", 3*60*60)
	tests := []struct {
		in         time.Time
		long, date string
	}{
		{time.Date(2027, 1, 31, 12, 0, 0, 0, msk), "31 января 2027 г.", "31.01.2027"},
		{time.Date(2026, 5, 1, 0, 0, 0, 0, msk), "1 мая 2026 г.", "01.05.2026"},
		{time.Date(2026, 8, 9, 0, 0, 0, 0, msk), "9 августа 2026 г.", "09.08.2026"},
		{time.Date(2026, 12, 31, 23, 59, 0, 0, msk), "31 декабря 2026 г.", "31.12.2026"},
		// The date in the time's own location: 22:00 UTC is the next day in Moscow.
		{time.Date(2027, 2, 27, 22, 0, 0, 0, time.UTC).In(msk), "28 февраля 2027 г.", "28.02.2027"},
	}
	for _, tt := range tests {
		if got := longDate(tt.in); got != tt.long {
			t.Errorf("longDate(%v) = %q, want %q", tt.in, got, tt.long)
		}
		if got := shortDate(tt.in); got != tt.date {
			t.Errorf("shortDate(%v) = %q, want %q", tt.in, got, tt.date)
		}
	}
}

func TestWrap(t *testing.T) {
	fs, err := loadFaces()
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	tests := []struct {
		name     string
		text     string
		min, max int // lines
	}{
		{"short", "г. Тамбов", 1, 1},
		{"two lines", "пос. городского типа Новоалександровка Краснослободского муниципального района", 2, 2},
		{"a word wider than the line is cut", "https://" + strings.Repeat("W", 60), 2, 4},
		{"empty", "  ", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := fs.regular.wrap(&buf, tt.text, sizeAddress, blockWidth)
			if len(lines) < tt.min || len(lines) > tt.max {
				t.Errorf("wrap = %q, want %d to %d lines", lines, tt.min, tt.max)
			}
			for _, l := range lines {
				if w := fs.regular.width(&buf, l, sizeAddress); w > blockWidth {
					t.Errorf("line %q is %.1f mm, wider than %.1f", l, w, blockWidth)
				}
			}
			if noSpace(strings.Join(lines, "")) != noSpace(tt.text) {
				t.Errorf("wrap lost text: %q", lines)
			}
		})
	}
}

func noSpace(s string) string { return strings.Join(strings.Fields(s), "") }
