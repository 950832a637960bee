package session

import "strings"

// Device summarises a User-Agent header for people: "Chrome 156, Windows",
// "Яндекс Браузер 24, Android", "Firefox 130, Linux". Unknown agents (an API
// client, curl) are shown as sent, cut short.
func Device(ua string) string {
	browser := ""
	for _, b := range []struct{ token, name string }{
		{"YaBrowser/", "Яндекс Браузер"}, {"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"},
		{"Chromium/", "Chromium"}, {"Chrome/", "Chrome"}, {"Version/", "Safari"},
	} {
		if i := strings.Index(ua, b.token); i >= 0 {
			v := ua[i+len(b.token):]
			if j := strings.IndexAny(v, ". ;)"); j >= 0 {
				v = v[:j]
			}
			browser = b.name
			if v != "" && len(v) <= 4 {
				browser += " " + v
			}
			break
		}
	}
	os := ""
	for _, o := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			os = o.name
			break
		}
	}
	switch {
	case browser != "" && os != "":
		return browser + ", " + os
	case browser != "":
		return browser
	case os != "":
		return os
	}
	return truncate(strings.TrimSpace(ua), 60)
}
