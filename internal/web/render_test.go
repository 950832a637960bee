package web

import (
	"html/template"
	"strings"
	"testing"
	"time"
)

// TestTimeFuncs: pages write deadlines with i18n's formatter, against the
// page's Now, as SMS and e-mail do.
func TestTimeFuncs(t *testing.T) {
	tpl := template.Must(template.New("x").Funcs(funcs()).Parse(`{{until .Lang .T .Now}}|{{at .Lang .T .Now}}|{{date .Lang .T}}`))
	now := time.Date(2026, 12, 1, 11, 36, 0, 0, time.UTC)
	tests := []struct {
		lang string
		t    time.Time
		want string
	}{
		{"ru", now.Add(5 * time.Minute), "до 14:41 МСК|14:41 МСК|1 декабря 2026, 14:41 МСК"},
		{"en", now.Add(5 * time.Minute), "until 14:41 Moscow time|14:41 Moscow time|14:41 Moscow time on 1 December 2026"},
		{"ru", now.Add(24*time.Hour + 5*time.Minute), "до 2 декабря, 14:41 МСК|2 декабря, 14:41 МСК|2 декабря 2026, 14:41 МСК"},
		{"en", now.Add(24*time.Hour + 5*time.Minute), "until 14:41 Moscow time on 2 December|14:41 Moscow time on 2 December|14:41 Moscow time on 2 December 2026"},
	}
	for _, tt := range tests {
		var b strings.Builder
		if err := tpl.Execute(&b, map[string]any{"Lang": tt.lang, "T": tt.t, "Now": now}); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("%s %v: %q, want %q", tt.lang, tt.t, b.String(), tt.want)
		}
	}
}

// TestLangURL: the language switch keeps the page's query — a site's
// request on /oidc/login, a link's code — and replaces only lang.
func TestLangURL(t *testing.T) {
	for _, c := range []struct{ path, query, lang, want string }{
		{"/oidc/login", "id=abc", "en", "/oidc/login?id=abc&lang=en"},
		{"/oidc/logout", "l=x%2By&lang=ru", "en", "/oidc/logout?l=x%2By&lang=en"},
		{"/", "", "ru", "/?lang=ru"},
	} {
		b := &BasePage{Path: c.path, RawQuery: c.query}
		if got := b.LangURL(c.lang); got != c.want {
			t.Errorf("LangURL(%s?%s, %s) = %q, want %q", c.path, c.query, c.lang, got, c.want)
		}
	}
}
