package centers

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/problem"
)

// Span is a stretch of a day in minutes since midnight: [From, To).
type Span struct{ From, To int }

// Day is one weekday's opening: closed when Open is the zero Span.
type Day struct {
	Open   Span
	Breaks []Span // inside Open, in order, not overlapping
}

// Closed reports whether the center does not open that day.
func (d Day) Closed() bool { return d.Open == Span{} }

// Hours are a week's opening hours, Monday first (Hours[0] is Monday). The
// zero value is "not given".
type Hours [7]Day

// Known reports whether any day has hours.
func (h Hours) Known() bool {
	for _, d := range h {
		if !d.Closed() {
			return true
		}
	}
	return false
}

var dayNames = []struct{ ru, en string }{{"пн", "mon"}, {"вт", "tue"}, {"ср", "wed"}, {"чт", "thu"}, {"пт", "fri"}, {"сб", "sat"}, {"вс", "sun"}}

// maxHoursText bounds the hours' text form.
const maxHoursText = 500

// ParseHours reads the compact text form of opening hours: segments
// separated by ";" or a new line, each naming days — one ("пн"), a range
// ("пн-пт") or a list ("пн,ср,пт"); "ежедневно" is every day; English
// abbreviations ("mon-fri", "daily") too — then either "выходной"
// ("closed") or "ЧЧ:ММ-ЧЧ:ММ", with optional "перерыв ЧЧ:ММ-ЧЧ:ММ" (or
// "break …"), several allowed:
//
//	пн-пт 09:00-18:00 перерыв 13:00-14:00; сб 10:00-14:00; вс выходной
//
// A later segment replaces what an earlier one said of a day. Days not
// named are closed. The empty text is "not given" (the zero Hours).
// Errors are problem.Message "center.hours_*".
func ParseHours(s string) (Hours, error) {
	var h Hours
	s = strings.TrimSpace(s)
	if s == "" {
		return h, nil
	}
	if len([]rune(s)) > maxHoursText {
		return h, problem.M("center.hours_too_long", "Max", maxHoursText)
	}
	s = strings.ReplaceAll(strings.ToLower(s), "\n", ";")
	s = strings.NewReplacer("–", "-", "—", "-", "\u00a0", " ").Replace(s)
	for seg := range strings.SplitSeq(s, ";") {
		seg = strings.TrimSpace(seg)
		if seg == "" {
			continue
		}
		if err := parseSegment(seg, &h); err != nil {
			return Hours{}, err
		}
	}
	return h, nil
}

func parseSegment(seg string, h *Hours) error {
	fields := strings.Fields(seg)
	if len(fields) < 2 {
		return problem.M("center.hours_segment", "Segment", seg)
	}
	days, err := parseDays(fields[0])
	if err != nil {
		return err
	}
	rest := fields[1:]
	var d Day
	if rest[0] == "выходной" || rest[0] == "closed" {
		if len(rest) != 1 {
			return problem.M("center.hours_segment", "Segment", seg)
		}
	} else {
		if d.Open, err = parseSpan(rest[0]); err != nil {
			return err
		}
		rest = rest[1:]
		for len(rest) > 0 {
			if rest[0] != "перерыв" && rest[0] != "break" || len(rest) < 2 {
				return problem.M("center.hours_segment", "Segment", seg)
			}
			b, err := parseSpan(rest[1])
			if err != nil {
				return err
			}
			if b.From < d.Open.From || b.To > d.Open.To || (len(d.Breaks) > 0 && b.From < d.Breaks[len(d.Breaks)-1].To) {
				return problem.M("center.hours_break", "Break", rest[1])
			}
			d.Breaks = append(d.Breaks, b)
			rest = rest[2:]
		}
	}
	for _, i := range days {
		h[i] = d
	}
	return nil
}

func dayIndex(s string) (int, bool) {
	for i, n := range dayNames {
		if s == n.ru || s == n.en {
			return i, true
		}
	}
	return 0, false
}

func parseDays(s string) ([]int, error) {
	if s == "ежедневно" || s == "daily" {
		return []int{0, 1, 2, 3, 4, 5, 6}, nil
	}
	var out []int
	for part := range strings.SplitSeq(s, ",") {
		from, to, isRange := strings.Cut(part, "-")
		a, ok := dayIndex(from)
		if !ok {
			return nil, problem.M("center.hours_day", "Day", part)
		}
		b := a
		if isRange {
			if b, ok = dayIndex(to); !ok || b < a {
				return nil, problem.M("center.hours_day", "Day", part)
			}
		}
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
	}
	return out, nil
}

// parseSpan reads "09:00-18:00"; "24:00" ends a day.
func parseSpan(s string) (Span, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return Span{}, problem.M("center.hours_time", "Time", s)
	}
	from, err1 := parseClock(a)
	to, err2 := parseClock(b)
	if err1 != nil || err2 != nil || from >= to {
		return Span{}, problem.M("center.hours_time", "Time", s)
	}
	return Span{from, to}, nil
}

func parseClock(s string) (int, error) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 {
		return 0, fmt.Errorf("clock %q", s)
	}
	h, err := strconv.Atoi(hh)
	if err != nil || h < 0 {
		return 0, fmt.Errorf("clock %q", s)
	}
	m, err := strconv.Atoi(mm)
	if err != nil || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("clock %q", s)
	}
	return h*60 + m, nil
}

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

func (s Span) String() string { return clock(s.From) + "-" + clock(s.To) }

func (d Day) text(lang string) string {
	if d.Closed() {
		if lang == "en" {
			return "closed"
		}
		return "выходной"
	}
	out := d.Open.String()
	word := "перерыв"
	if lang == "en" {
		word = "break"
	}
	for _, b := range d.Breaks {
		out += " " + word + " " + b.String()
	}
	return out
}

func dayName(i int, lang string) string {
	if lang == "en" {
		return dayNames[i].en
	}
	return dayNames[i].ru
}

// Lines groups consecutive days with the same hours: "пн-пт 09:00-18:00
// перерыв 13:00-14:00", in Russian ("ru") or English ("en").
func (h Hours) Lines(lang string) []string {
	var out []string
	for i := 0; i < 7; {
		j := i
		for j+1 < 7 && sameDay(h[j+1], h[i]) {
			j++
		}
		days := dayName(i, lang)
		if j > i {
			days += "-" + dayName(j, lang)
		}
		out = append(out, days+" "+h[i].text(lang))
		i = j + 1
	}
	return out
}

func sameDay(a, b Day) bool {
	if a.Open != b.Open || len(a.Breaks) != len(b.Breaks) {
		return false
	}
	for i := range a.Breaks {
		if a.Breaks[i] != b.Breaks[i] {
			return false
		}
	}
	return true
}

// String is the canonical text form, which ParseHours reads back to the
// same Hours; "" when not given.
func (h Hours) String() string {
	if !h.Known() {
		return ""
	}
	return strings.Join(h.Lines("ru"), "; ")
}

// State says whether a center is open at a moment.
type State struct {
	Known bool      // hours are given
	Open  bool      // open now
	Break bool      // inside its open hours, but on a break
	Until time.Time // open: when it closes or breaks; closed: when it next opens (zero: never in the coming week)
}

// StateAt tells whether the center is open at now, read on the center's
// clock (loc: its region's time zone).
func (h Hours) StateAt(now time.Time, loc *time.Location) State {
	if !h.Known() {
		return State{}
	}
	now = now.In(loc)
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	wd := (int(now.Weekday()) + 6) % 7 // Monday 0
	cur := now.Hour()*60 + now.Minute()
	at := func(dayOffset, m int) time.Time {
		return midnight.AddDate(0, 0, dayOffset).Add(time.Duration(m) * time.Minute)
	}
	d := h[wd]
	if !d.Closed() && cur >= d.Open.From && cur < d.Open.To {
		for _, b := range d.Breaks {
			if cur >= b.From && cur < b.To {
				return State{Known: true, Break: true, Until: at(0, b.To)}
			}
		}
		end := d.Open.To
		for _, b := range d.Breaks {
			if b.From > cur {
				end = b.From
				break
			}
		}
		return State{Known: true, Open: true, Until: at(0, end)}
	}
	for off := 0; off <= 7; off++ {
		nd := h[(wd+off)%7]
		if nd.Closed() || (off == 0 && nd.Open.From <= cur) {
			continue
		}
		return State{Known: true, Until: at(off, nd.Open.From)}
	}
	return State{Known: true}
}
