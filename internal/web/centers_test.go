package web

import (
	"reflect"
	"testing"

	"github.com/kabinet/kabinet/internal/centers"
)

// TestCenterJSON: a center's hours in the API, day by day with breaks;
// no point is null; the CSP source of a tile server.
func TestCenterJSON(t *testing.T) {
	h, err := centers.ParseHours("пн-пт 09:00-18:00 перерыв 13:00-14:00; сб 10:05-14:00")
	if err != nil {
		t.Fatal(err)
	}
	j := toCenterJSON(centers.Center{ID: "x", Hours: h, Services: []centers.Service{centers.Registration}})
	if j.Lat != nil || j.Lon != nil || !reflect.DeepEqual(j.Services, []string{"registration"}) || len(j.Hours.Days) != 7 {
		t.Fatalf("%+v", j)
	}
	mon, sat, sun := j.Hours.Days[0], j.Hours.Days[5], j.Hours.Days[6]
	if want := (dayJSON{Day: "mon", Open: "09:00", Close: "18:00", Breaks: []spanJSON{{From: "13:00", To: "14:00"}}}); !reflect.DeepEqual(mon, want) {
		t.Errorf("monday %+v", mon)
	}
	if sat.Open != "10:05" || len(sat.Breaks) != 0 || !sun.Closed || sun.Open != "" {
		t.Errorf("saturday %+v, sunday %+v", sat, sun)
	}
	if j.Hours.Text != "пн-пт 09:00-18:00 перерыв 13:00-14:00; сб 10:05-14:00; вс выходной" {
		t.Errorf("text %q", j.Hours.Text)
	}
	if j := toCenterJSON(centers.Center{}); len(j.Hours.Days) != 0 || j.Hours.Text != "" {
		t.Errorf("no hours: %+v", j.Hours)
	}
	// Weeks are made once and kept: each distinct week keeps its own.
	for _, text := range []string{"пн-пт 09:00-18:00", "пн-пт 09:00-18:00 перерыв 13:00-14:00", "пн-пт 09:00-18:00; сб 13:00-14:00",
		"пн-пт 09:00-18:00 перерыв 13:00-14:00; сб 10:05-14:00", "ежедневно 00:00-24:00"} {
		h, err := centers.ParseHours(text)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if got := toCenterJSON(centers.Center{Hours: h}).Hours.Text; got != h.String() {
				t.Errorf("%q: text %q, want %q", text, got, h.String())
			}
		}
	}
	for in, want := range map[string]string{
		"": "",
		"https://{s}.tile.example.org/{z}/{x}/{y}.png": " https://*.tile.example.org",
		"http://127.0.0.1:8081/tiles/{z}/{x}/{y}.png":  " http://127.0.0.1:8081",
		"https://a;b.example/{z}/{x}/{y}":              "",
	} {
		if got := tileSource(in); got != want {
			t.Errorf("tileSource(%q) = %q, want %q", in, got, want)
		}
	}
}
