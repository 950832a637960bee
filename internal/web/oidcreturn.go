package web

import (
	"net/http"
	"net/url"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/sso"
)

// A site that demands a level above the account's sends the citizen to
// the step that raises it (the level page). A cookie remembers the site's
// request meanwhile: every page shows a banner back to it, and once the
// level is reached the raising steps' own pages (personal data,
// confirmation) return to the site by themselves — for the standard level
// when the registries' checks pass, for the confirmed one when a
// signature, a mailed code or a visit confirms it within the request's
// life.

const cookieSSOReturn = "kabinet_sso_return"

// ReturnView is the banner of a site's sign-in waiting for a higher level.
type ReturnView struct {
	URL   string        // where the sign-in continues
	Site  string        // the site's name
	Need  account.Level // the level the site demands
	Ready bool          // the account has it now
}

// rememberReturn keeps the request while the citizen raises their level.
func (s *Server) rememberReturn(w http.ResponseWriter, req *sso.Request) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(cookieSSOReturn), Value: req.ID, Path: "/", Secure: s.secure, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: max(1, int(req.ExpiresAt.Sub(s.d.Now()).Seconds()))})
}

// forgetReturn drops the cookie once the request is answered.
func (s *Server) forgetReturn(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(s.cookieName(cookieSSOReturn)); err == nil {
		http.SetCookie(w, &http.Cookie{Name: s.cookieName(cookieSSOReturn), Value: "", Path: "/", Secure: s.secure, HttpOnly: true,
			SameSite: http.SameSiteLaxMode, MaxAge: -1})
	}
}

// returnView is the waiting sign-in of a signed-in citizen's browser, nil
// when there is none (no cookie, the request answered or expired, the
// site disabled since); read once a request.
func (s *Server) returnView(r *http.Request) *ReturnView {
	rc := reqCtx(r)
	if !rc.returnRead {
		rc.ret, rc.returnRead = s.readReturn(r), true
	}
	return rc.ret
}

func (s *Server) readReturn(r *http.Request) *ReturnView {
	a := accountOf(r)
	c, err := r.Cookie(s.cookieName(cookieSSOReturn))
	if a == nil || err != nil || c.Value == "" {
		return nil
	}
	req, err := s.d.SSO.Request(r.Context(), c.Value)
	if err != nil || req.Done {
		return nil
	}
	need := sso.Required(req.ACRValues)
	if need == "" {
		return nil
	}
	site, err := s.d.SSO.Client(r.Context(), req.ClientID)
	if err != nil {
		return nil
	}
	return &ReturnView{URL: "/oidc/login?id=" + url.QueryEscape(req.ID), Site: site.Name.In(string(reqCtx(r).lang)), Need: need,
		Ready: a.Level.Meets(need)}
}

// returnIfReady sends the citizen back to the waiting site once their
// level meets its demand; false when there is nothing to return to.
func (s *Server) returnIfReady(w http.ResponseWriter, r *http.Request) bool {
	if v := s.returnView(r); v != nil && v.Ready {
		seeOther(w, r, v.URL)
		return true
	}
	return false
}
