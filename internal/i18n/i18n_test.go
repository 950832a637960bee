package i18n

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/problem"
)

func TestLanguagesHaveTheSameKeys(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	ru, en := c.Keys(RU), c.Keys(EN)
	if len(ru) < 100 {
		t.Fatalf("only %d Russian messages", len(ru))
	}
	inEN := map[string]bool{}
	for _, k := range en {
		inEN[k] = true
	}
	for _, k := range ru {
		if !inEN[k] {
			t.Errorf("%s: Russian only", k)
		}
		delete(inEN, k)
	}
	for k := range inEN {
		t.Errorf("%s: English only", k)
	}
}

func TestRussianPlurals(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for n, want := range map[int]string{1: "Осталась 1 попытка", 2: "Осталось 2 попытки", 4: "Осталось 4 попытки", 5: "Осталось 5 попыток", 21: "Осталась 21 попытка"} {
		if got := c.Msg(RU, problem.M("code.wrong", "Count", n)); !strings.HasSuffix(got, want) {
			t.Errorf("%d: %q, want …%q", n, got, want)
		}
	}
	if got := c.Msg(EN, problem.M("code.wrong", "Count", 1)); got != "Wrong code. 1 attempt left" {
		t.Errorf("en: %q", got)
	}
}

func TestDurationsAndFallbacks(t *testing.T) {
	c, _ := Load()
	got := c.Msg(RU, problem.TooManyUntil("signin.locked", time.Unix(0, 0), time.Unix(14*60+5, 0)).Message)
	if !strings.Contains(got, "через 15 мин") {
		t.Errorf("wait not rendered: %q", got)
	}
	// A moment is written as the pages write it, in Moscow time.
	next := time.Date(2026, 12, 3, 11, 41, 0, 0, time.UTC)
	got = c.Msg(RU, problem.TooManyUntil("letter.order_rate_limited", next.Add(-time.Hour), next).Message)
	if !strings.Contains(got, "3 декабря 2026, 14:41 МСК") {
		t.Errorf("a moment not rendered: %q", got)
	}
	// A flat message given a Count is the same text for every number.
	for _, n := range []int{1, 2, 5, 21} {
		if got := c.T(RU, "console.centers.count", map[string]any{"Count": n}); got == "console.centers.count" || !strings.Contains(got, strconv.Itoa(n)) {
			t.Errorf("a flat message with Count %d: %q", n, got)
		}
	}
	if got := c.T(EN, "no.such.key", nil); got != "no.such.key" {
		t.Errorf("missing key shows %q", got)
	}
	for d, want := range map[time.Duration]string{30 * time.Second: "30 с", 90 * time.Second: "2 мин", 2 * time.Hour: "2 ч", 125 * time.Minute: "2 ч 5 мин"} {
		if got := Duration(RU, d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
	if l := MatchAcceptLanguage("en-GB,en;q=0.9"); l != EN {
		t.Errorf("accept-language: %v", l)
	}
	if l := MatchAcceptLanguage("de-DE"); l != RU {
		t.Errorf("fallback: %v", l)
	}
}

// TestRussianPluralFormsComplete: a Russian message with plural forms
// needs one, few and many ("1 попытка, 2 попытки, 5 попыток").
func TestRussianPluralFormsComplete(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	plurals := 0
	for id, mf := range c.keys[RU] {
		for _, m := range mf.Messages {
			if m.ID != id || (m.One == "" && m.Few == "" && m.Many == "") {
				continue
			}
			plurals++
			if m.One == "" || m.Few == "" || m.Many == "" {
				t.Errorf("%s: Russian plural lacks a form (one=%q few=%q many=%q)", id, m.One, m.Few, m.Many)
			}
		}
	}
	if plurals == 0 {
		t.Error("no plural messages found: is the check still looking at the right fields?")
	}
}
