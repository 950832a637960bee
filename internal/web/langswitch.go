package web

import (
	"net/http"

	"github.com/kabinet/kabinet/internal/i18n"
)

// The language switch of a page with a form is a submit button of that
// form (layout.html, BasePage.LangForm): what was typed travels with it,
// without script too, and the form's handler shows its page again in the
// other language, unvalidated, with the values kept (passwords excepted).
// Elsewhere the switch is a link with ?lang=. Each address a form posts to
// also answers GET (it sends the browser to its step), so a reload or a
// link never ends in a 404.

// setLangCookie remembers an explicit language choice.
func (s *Server) setLangCookie(w http.ResponseWriter, l i18n.Lang) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(cookieLang), Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
		Secure: s.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// switchedLang reports whether a parsed form was posted by the language
// button. The choice is then remembered and the rest of the request
// speaks it.
func (s *Server) switchedLang(w http.ResponseWriter, r *http.Request) bool {
	l, ok := i18n.ParseLang(r.PostForm.Get("lang"))
	if !ok {
		return false
	}
	s.setLangCookie(w, l)
	reqCtx(r).lang = l
	return true
}
