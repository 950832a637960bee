package web

import (
	"net/http"
	"net/url"

	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/sso"
)

// A site's logout (RP-initiated) continues at /oidc/logout?l=…, once the
// provider has checked the site's request and ended its sign-in there.
// The kabinet session ends without a question when it is the one the
// site's sign-in was made with (the ID token hint says so); otherwise the
// citizen is asked, since a link on any page could lead here. Either way
// the browser returns to the site's registered post-logout URI.

// OIDCLogoutPage asks whether to sign out of kabinet too.
type OIDCLogoutPage struct {
	BasePage
	Sealed   string
	SiteName string // the site's name, or its host
	// SignedOut says the site ended its sign-in here (its ID token named
	// it); without a hint it only asks.
	SignedOut bool
	Expired   bool // the request is unknown or too old: nothing to return to
}

func (s *Server) oidcLogout(w http.ResponseWriter, r *http.Request) {
	sealed := r.URL.Query().Get("l")
	end, err := s.d.OIDC.OpenLogout(sealed)
	if err != nil {
		s.render(w, r, http.StatusBadRequest, "oidc_logout", &OIDCLogoutPage{BasePage: BasePage{Title: "oidc.logout.title"}, Expired: true})
		return
	}
	a, sess := accountOf(r), reqCtx(r).session
	if a == nil || sess == nil || reqCtx(r).bearer {
		http.Redirect(w, r, end.Redirect, http.StatusSeeOther)
		return
	}
	if s.d.SSO.MadeBy(r.Context(), end, a.ID, sess.ID) {
		s.endSession(w, r, end)
		return
	}
	p := &OIDCLogoutPage{BasePage: BasePage{Title: "oidc.logout.title"}, Sealed: sealed, SiteName: s.logoutSite(r, end), SignedOut: end.SID != ""}
	// The form's answer leads to the site: form-action must admit it.
	w.Header().Set("Content-Security-Policy", s.csp(origin(end.Redirect), ""))
	s.render(w, r, http.StatusOK, "oidc_logout", p)
}

// oidcLogoutDecide is the question's answer: sign out of kabinet too, or
// stay; the browser returns to the site either way.
func (s *Server) oidcLogoutDecide(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, "l", "decision")
	if err != nil {
		s.errorPage(w, r, err, "/")
		return
	}
	end, err := s.d.OIDC.OpenLogout(v["l"])
	if err != nil {
		s.render(w, r, http.StatusBadRequest, "oidc_logout", &OIDCLogoutPage{BasePage: BasePage{Title: "oidc.logout.title"}, Expired: true})
		return
	}
	if v["decision"] == "signout" && reqCtx(r).session != nil && !reqCtx(r).bearer {
		s.endSession(w, r, end)
		return
	}
	http.Redirect(w, r, end.Redirect, http.StatusSeeOther)
}

// endSession signs the browser out of kabinet (every other site it signed
// in to is told, by back-channel logout) and returns to the site.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request, end *sso.EndSession) {
	if err := s.d.Sessions.SignOut(r.Context(), s.holder(r)); err != nil && problem.KindOf(err) != problem.NotFound {
		s.internalError(w, r, err)
		return
	}
	s.signOutBrowser(w, r)
	http.Redirect(w, r, end.Redirect, http.StatusSeeOther)
}

// logoutSite names the site asking: its registered name, else the host it
// returns to.
func (s *Server) logoutSite(r *http.Request, end *sso.EndSession) string {
	if end.ClientID != "" {
		if c, err := s.d.SSO.Client(r.Context(), end.ClientID); err == nil {
			return c.Name.In(string(reqCtx(r).lang))
		}
	}
	if u, err := url.Parse(end.Redirect); err == nil && u.Host != "" {
		return u.Host
	}
	return ""
}
