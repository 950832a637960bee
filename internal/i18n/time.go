package i18n

import (
	"fmt"
	"time"
)

// Moscow is the time every deadline and moment is shown in, on pages, in
// SMS and in e-mail. Moscow has kept UTC+3 all year since 2014, so a fixed
// zone is exact and needs no time zone database.
var Moscow = time.FixedZone("MSK", 3*60*60)

// monthsRU are the months in the genitive case, as a Russian date needs
// them ("2 декабря").
var monthsRU = [...]string{"января", "февраля", "марта", "апреля", "мая", "июня",
	"июля", "августа", "сентября", "октября", "ноября", "декабря"}

// At writes a moment in Moscow time as a reader at now expects it: the
// clock alone when it falls on now's day in Moscow, with the day and month
// otherwise, and with the year too when that differs from now's.
//
//	ru: "14:41 МСК", "2 декабря, 14:41 МСК", "2 декабря 2027, 14:41 МСК"
//	en: "14:41 Moscow time", "14:41 Moscow time on 2 December", "14:41 Moscow time on 2 December 2027"
//
// now is the moment the text is written for (a page being rendered, a
// message being composed): the formatter never reads the clock itself.
// A language other than English gets Russian.
func At(l Lang, t, now time.Time) string {
	t, now = t.In(Moscow), now.In(Moscow)
	clock := t.Format("15:04")
	ty, tm, td := t.Date()
	ny, nm, nd := now.Date()
	sameDay, sameYear := ty == ny && tm == nm && td == nd, ty == ny
	if l == EN {
		switch {
		case sameDay:
			return clock + " Moscow time"
		case sameYear:
			return fmt.Sprintf("%s Moscow time on %d %s", clock, td, tm)
		}
		return fmt.Sprintf("%s Moscow time on %d %s %d", clock, td, tm, ty)
	}
	switch {
	case sameDay:
		return clock + " МСК"
	case sameYear:
		return fmt.Sprintf("%d %s, %s МСК", td, monthsRU[tm-1], clock)
	}
	return fmt.Sprintf("%d %s %d, %s МСК", td, monthsRU[tm-1], ty, clock)
}

// Until writes a deadline with its preposition, so that a sentence reads
// the same in both languages whatever the date: "до 14:41 МСК",
// "до 2 декабря, 14:41 МСК"; "until 14:41 Moscow time", "until 14:41 Moscow
// time on 2 December". See At for now.
func Until(l Lang, t, now time.Time) string {
	if l == EN {
		return "until " + At(l, t, now)
	}
	return "до " + At(l, t, now)
}

// DateTime writes a past moment in full, for lists and histories where
// "today" is no help, in the same words as At: "2 марта 2026, 13:00 МСК",
// "13:00 Moscow time on 2 March 2026".
func DateTime(l Lang, t time.Time) string {
	t = t.In(Moscow)
	y, m, d := t.Date()
	if l == EN {
		return fmt.Sprintf("%s Moscow time on %d %s %d", t.Format("15:04"), d, m, y)
	}
	return fmt.Sprintf("%d %s %d, %s МСК", d, monthsRU[m-1], y, t.Format("15:04"))
}
