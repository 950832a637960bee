package i18n

import (
	"testing"
	"time"
)

func TestUntil(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04:05", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name     string
		deadline string // UTC
		now      string // UTC
		ru, en   string
	}{
		{"same day", "2026-12-01 11:41:00", "2026-12-01 11:36:00",
			"до 14:41 МСК", "until 14:41 Moscow time"},
		{"another day", "2026-12-02 11:41:00", "2026-12-01 11:36:00",
			"до 2 декабря, 14:41 МСК", "until 14:41 Moscow time on 2 December"},
		{"past midnight in Moscow, same day in UTC", "2026-12-01 21:05:00", "2026-12-01 20:50:00",
			"до 2 декабря, 00:05 МСК", "until 00:05 Moscow time on 2 December"},
		{"just after midnight in Moscow, the day before in UTC", "2026-11-30 21:05:00", "2026-11-30 21:00:00",
			"до 00:05 МСК", "until 00:05 Moscow time"},
		{"midnight itself belongs to the new day", "2026-12-01 21:00:00", "2026-12-01 20:59:59",
			"до 2 декабря, 00:00 МСК", "until 00:00 Moscow time on 2 December"},
		{"last minute of the day", "2026-12-01 20:59:00", "2026-11-30 21:00:00",
			"до 23:59 МСК", "until 23:59 Moscow time"},
		{"next year", "2027-01-01 09:00:00", "2026-12-31 20:00:00",
			"до 1 января 2027, 12:00 МСК", "until 12:00 Moscow time on 1 January 2027"},
		{"in the past", "2026-05-09 07:00:00", "2026-05-10 07:00:00",
			"до 9 мая, 10:00 МСК", "until 10:00 Moscow time on 9 May"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, now := utc(tt.deadline), utc(tt.now)
			if got := Until(RU, d, now); got != tt.ru {
				t.Errorf("ru: %q, want %q", got, tt.ru)
			}
			if got := Until(EN, d, now); got != tt.en {
				t.Errorf("en: %q, want %q", got, tt.en)
			}
			// The zone the times arrive in does not matter.
			vl := time.FixedZone("VVO", 10*3600)
			if got := Until(RU, d.In(vl), now.In(time.UTC)); got != tt.ru {
				t.Errorf("ru from another zone: %q, want %q", got, tt.ru)
			}
		})
	}
	if got := Until(Lang("de"), utc("2026-12-01 11:41:00"), utc("2026-12-01 11:00:00")); got != "до 14:41 МСК" {
		t.Errorf("an unknown language: %q, want Russian", got)
	}
}

func TestAtAndDateTime(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	if got := At(RU, now.Add(time.Hour), now); got != "14:00 МСК" {
		t.Errorf("At ru: %q", got)
	}
	if got := At(EN, now.Add(24*time.Hour), now); got != "13:00 Moscow time on 3 March" {
		t.Errorf("At en: %q", got)
	}
	if got := DateTime(RU, now); got != "2 марта 2026, 13:00 МСК" {
		t.Errorf("DateTime ru: %q", got)
	}
	if got := DateTime(EN, now); got != "13:00 Moscow time on 2 March 2026" {
		t.Errorf("DateTime en: %q", got)
	}
}
