package session

import (
	"testing"
	"unicode/utf8"
)

func TestDevice(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.8078.73 Safari/537.36":                       "Chrome 156, Linux",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0":           "Edge 131, Windows",
		"Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 YaBrowser/24.10.1 Mobile Safari/537.36":              "Яндекс Браузер 24, Android",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1": "Safari 17, iOS",
		"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0":                                                          "Firefox 130, Linux",
		"curl/8.5.0": "curl/8.5.0",
		"":           "",
	} {
		if got := Device(ua); got != want {
			t.Errorf("Device(%q) = %q, want %q", ua, got, want)
		}
	}
}

func FuzzDevice(f *testing.F) {
	f.Add("Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36")
	f.Add("Chrome/")
	f.Fuzz(func(t *testing.T, ua string) {
		got := Device(ua)
		if len(got) > 200 {
			t.Fatalf("summary of %d bytes", len(got))
		}
		if utf8.ValidString(ua) && !utf8.ValidString(got) {
			t.Fatalf("summary of valid UTF-8 is not: %q", got)
		}
	})
}
