package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/i18n"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/relyingparty"
	"github.com/kabinet/kabinet/internal/sso"
)

// Single sign-on's pages (issue 15): a site's request continues at
// /oidc/login?id=… — the one place that decides, each time it is
// reached, what the citizen must do before the site gets its answer: sign
// in, raise the level the site demands, consent to the data it asks. The
// protocol's endpoints are the provider's (OIDCProvider), mounted under
// /oidc.

// OIDCProvider is the OpenID Connect provider as the pages use it
// (oidcop.Provider).
type OIDCProvider interface {
	// Handler serves the protocol under /oidc (the prefix stripped).
	Handler() http.Handler
	// Respond sends a completed request's code to the site.
	Respond(w http.ResponseWriter, r *http.Request, req *sso.Request)
	// Refuse sends the site an OAuth error for the request.
	Refuse(w http.ResponseWriter, r *http.Request, req *sso.Request, code, description string)
	// OpenLogout reads a site's logout request sealed for /oidc/logout.
	OpenLogout(sealed string) (*sso.EndSession, error)
}

// OIDCConsentPage asks the citizen to let a site receive their data.
type OIDCConsentPage struct {
	BasePage
	ID      string
	RP      SiteView // the site asking
	Data    []string // the message IDs of what the site asks, in order
	Offline bool     // the site asks to keep the citizen signed in
}

// OIDCLevelPage says the site needs a higher level, and how to reach it.
type OIDCLevelPage struct {
	BasePage
	ID   string
	RP   SiteView // the site asking
	Need account.Level
}

// SiteView is a registered site as the pages show it.
type SiteView struct {
	Name, Purpose, Logo, Privacy, Host string
}

func siteView(c relyingparty.Client, lang string) SiteView {
	v := SiteView{Name: c.Name.In(lang), Purpose: c.Purpose.In(lang), Logo: c.LogoURL, Privacy: c.PrivacyURL}
	if len(c.RedirectURIs) > 0 {
		if u, err := url.Parse(c.RedirectURIs[0]); err == nil {
			v.Host = u.Host
		}
	}
	return v
}

// oidcLogin is the decision point of a site's request.
func (s *Server) oidcLogin(w http.ResponseWriter, r *http.Request) {
	s.oidcContinue(w, r, r.URL.Query().Get("id"))
}

func (s *Server) oidcContinue(w http.ResponseWriter, r *http.Request, id string) {
	ctx := r.Context()
	req, err := s.d.SSO.Request(ctx, id)
	if err != nil {
		s.errorPage(w, r, err, "/")
		return
	}
	s.siteLanguage(r, req)
	c, err := s.d.SSO.Client(ctx, req.ClientID)
	if err != nil {
		// Disabled since the request began: the site is told.
		s.d.OIDC.Refuse(w, r, req, "unauthorized_client", "the site was disabled")
		return
	}
	a, sess := accountOf(r), reqCtx(r).session
	if a == nil || sess == nil || reqCtx(r).bearer {
		if req.Prompts("none") {
			s.d.OIDC.Refuse(w, r, req, "login_required", "the citizen is not signed in")
			return
		}
		u := signInURL("/oidc/login?id="+url.QueryEscape(req.ID), "")
		if req.LoginHint != "" {
			u += "&login=" + url.QueryEscape(req.LoginHint)
		}
		seeOther(w, r, u)
		return
	}
	if req.NeedsReauth(sess.PasswordAt, s.d.Now()) {
		if req.Prompts("none") {
			s.d.OIDC.Refuse(w, r, req, "login_required", "the site asks a fresher sign-in")
			return
		}
		s.reauthPage(w, r, req, c, http.StatusOK, nil)
		return
	}
	if need := sso.Required(req.ACRValues); need != "" && !a.Level.Meets(need) {
		if req.Prompts("none") {
			s.d.OIDC.Refuse(w, r, req, "interaction_required", "the account's level is below the one asked")
			return
		}
		s.rememberReturn(w, req)
		s.render(w, r, http.StatusOK, "oidc_level", &OIDCLevelPage{BasePage: BasePage{Title: "oidc.level.title"}, ID: req.ID,
			RP: siteView(c, string(reqCtx(r).lang)), Need: need})
		return
	}
	need, err := s.d.SSO.NeedsConsent(ctx, a.ID, req)
	if err != nil {
		s.errorPage(w, r, err, "/account")
		return
	}
	if need {
		if req.Prompts("none") {
			s.d.OIDC.Refuse(w, r, req, "consent_required", "the citizen has not consented")
			return
		}
		s.consentPage(w, r, req, c)
		return
	}
	s.oidcComplete(w, r, req.ID)
}

// OIDCReauthPage asks the password again for a site that wants a fresh
// sign-in (prompt=login, max_age).
type OIDCReauthPage struct {
	BasePage
	ID string
	RP SiteView // the site asking
}

func (s *Server) reauthPage(w http.ResponseWriter, r *http.Request, req *sso.Request, c relyingparty.Client, status int, fail error) {
	p := &OIDCReauthPage{BasePage: BasePage{Title: "oidc.reauth.title", Form: newForm(nil)}, ID: req.ID, RP: siteView(c, string(reqCtx(r).lang))}
	if fail != nil {
		p.Form.fail(s.t(r), fail, "password")
	}
	s.render(w, r, status, "oidc_reauth", p)
}

// siteLanguage renders the request's pages in the first of the site's
// ui_locales kabinet speaks, unless the visitor chose a language (?lang=,
// or the cookie it leaves).
func (s *Server) siteLanguage(r *http.Request, req *sso.Request) {
	if r.URL.Query().Get("lang") != "" {
		return
	}
	if _, err := r.Cookie(s.cookieName(cookieLang)); err == nil {
		return
	}
	for _, tag := range req.UILocales {
		base, _, _ := strings.Cut(tag, "-")
		if l, ok := i18n.ParseLang(strings.ToLower(base)); ok {
			reqCtx(r).lang = l
			return
		}
	}
}

// consentPage lists exactly what the site asks. The page lets its form
// lead to the site: a browser applies form-action to the redirect that
// follows the form.
func (s *Server) consentPage(w http.ResponseWriter, r *http.Request, req *sso.Request, c relyingparty.Client) {
	p := &OIDCConsentPage{BasePage: BasePage{Title: "oidc.consent.title"}, ID: req.ID, RP: siteView(c, string(reqCtx(r).lang))}
	for _, sc := range sso.DataScopes(req.Scopes) {
		if sc == relyingparty.ScopeOfflineAccess {
			p.Offline = true
			continue
		}
		p.Data = append(p.Data, "oidc.scope."+sc)
	}
	w.Header().Set("Content-Security-Policy", s.csp(origin(req.RedirectURI), origin(c.LogoURL)))
	s.render(w, r, http.StatusOK, "oidc_consent", p)
}

// origin is a URL's scheme and host, "" for none.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// oidcDecide is the consent form's answer, or the level page's giving up.
func (s *Server) oidcDecide(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, "id", "decision", "password")
	if err != nil {
		s.errorPage(w, r, err, "/")
		return
	}
	req, err := s.d.SSO.Request(r.Context(), v["id"])
	if err != nil {
		s.errorPage(w, r, err, "/")
		return
	}
	switch v["decision"] {
	case "allow":
		// Complete keeps the consent and checks the level again.
		s.oidcComplete(w, r, req.ID)
	case "refuse":
		s.d.OIDC.Refuse(w, r, req, "access_denied", "the citizen refused to share the data")
	case "reauth":
		a := accountOf(r)
		if err := s.d.Credential.Reauthenticate(r.Context(), a.ID, v["password"], s.deviceToken(r), s.holder(r)); err != nil {
			c, cerr := s.d.SSO.Client(r.Context(), req.ClientID)
			if cerr != nil || problem.KindOf(err) == problem.Internal {
				s.errorPage(w, r, err, "/account")
				return
			}
			s.reauthPage(w, r, req, c, statusOf(problem.KindOf(err)), err)
			return
		}
		if err := s.d.SSO.Reauthenticated(r.Context(), req.ID); err != nil {
			s.errorPage(w, r, err, "/account")
			return
		}
		s.oidcContinue(w, r, req.ID)
	case "give_up":
		s.forgetReturn(w, r)
		s.d.OIDC.Refuse(w, r, req, "unmet_authentication_requirements", "the citizen did not raise the account's level")
	default:
		s.oidcContinue(w, r, req.ID)
	}
}

// oidcComplete finishes the request for the signed-in citizen and answers
// the site.
func (s *Server) oidcComplete(w http.ResponseWriter, r *http.Request, id string) {
	a, sess := accountOf(r), reqCtx(r).session
	req, err := s.d.SSO.Complete(r.Context(), id, sso.Citizen{AccountID: a.ID, SessionID: sess.ID,
		AuthTime: authTime(sess.PasswordAt, sess.CreatedAt), AMR: amr(sess.Method), Level: a.Level})
	if err != nil {
		var ref *sso.Refusal
		if errors.As(err, &ref) {
			if rq, e := s.d.SSO.Request(r.Context(), id); e == nil {
				s.d.OIDC.Refuse(w, r, rq, ref.Code, ref.Description)
				return
			}
		}
		s.errorPage(w, r, err, "/account")
		return
	}
	s.forgetReturn(w, r)
	s.d.OIDC.Respond(w, r, req)
}

func authTime(passwordAt, created time.Time) time.Time {
	if passwordAt.IsZero() {
		return created
	}
	return passwordAt
}

// amr names how the session signed in, as RFC 8176 does: a password, and
// a one-time code by SMS when there was one.
func amr(method string) []string {
	out := []string{"pwd"}
	if strings.Contains(method, "sms") {
		out = append(out, "sms", "mfa")
	}
	return out
}
