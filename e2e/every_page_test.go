package e2e

import (
	"testing"
)

// TestEveryOtherPage scans the pages no journey walks through (the static
// pages, the history, the development outbox, the not-found and error
// pages), public and signed in, so that every page kabinet serves passes
// axe at 1280 and 375 px and fits 320 px. The journeys scan the rest.
func TestEveryOtherPage(t *testing.T) {
	t.Parallel()
	e := start(t)
	b := e.browser("visitor")
	for _, p := range []struct{ path, heading, page string }{
		{"/terms", "", "terms page"},
		{"/privacy", "", "privacy page"},
		{"/services", "", "services page"},
		{"/dev/outbox", "", "development outbox"},
		{"/no-such-page", "Страница не найдена", "not-found page"},
		{"/register/nosuchflow", "", "error page of a flow that is not there"},
	} {
		b.open(p.path)
		if p.heading != "" {
			b.expect(p.path+" heading", b.heading(), p.heading)
		}
		b.scan(p.page)
	}
	c := citizen{surname: "Соколова", name: "Дарья", phone: "+79037778899", login: "+7 903 777-88-99", password: goodPassword}
	register(e, b, c)
	for _, p := range []struct{ path, page string }{
		{"/account/history", "sign-in history"},
		{"/account/contacts", "contacts page"},
		{"/account/password", "password change form"},
		{"/account/delete", "account deletion page"},
		{"/account/export", "export page"},
		{"/account/personal-data", "personal-data form"},
		{"/account/additional-data", "additional data page"},
		{"/services", "services page, signed in"},
		{"/no-such-page", "not-found page, signed in"},
	} {
		b.open(p.path)
		b.scan(p.page)
	}
}
