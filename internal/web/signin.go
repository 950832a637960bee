package web

import (
	"net/http"
	"strconv"

	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/signin"
)

// SignInPage is the sign-in form.
type SignInPage struct {
	BasePage
	Next string
}

func signinPage(values map[string]string, next string) *SignInPage {
	return &SignInPage{BasePage: BasePage{Title: "signin.title", Form: newForm(values), LangForm: "signin-form"}, Next: next}
}

func (s *Server) signinForm(w http.ResponseWriter, r *http.Request) {
	if accountOf(r) != nil {
		// Signed in already: the account, not a form that would sign in
		// again (to change accounts, sign out first).
		seeOther(w, r, "/account?already=1")
		return
	}
	// A site's login_hint comes as login: prefilled, nothing more (the
	// page says nothing of whether such an account exists).
	var values map[string]string
	if l := r.URL.Query().Get("login"); l != "" && len(l) <= 254 {
		values = map[string]string{"login": l}
	}
	p := signinPage(values, localPath(r.URL.Query().Get("next"), ""))
	switch reason := r.URL.Query().Get("reason"); reason {
	case "step_expired":
		p.Form.Message = s.t(r).T("signin.step_expired")
	default:
		p.Flash = s.endedMessage(r, reason) // why the session ended, if it did
	}
	s.render(w, r, http.StatusOK, "signin", p)
}

func (s *Server) signinSubmit(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, "login", "password", "next")
	if err != nil {
		s.errorPage(w, r, err, "/signin")
		return
	}
	next := localPath(v["next"], "")
	if s.switchedLang(w, r) {
		s.render(w, r, http.StatusOK, "signin", signinPage(map[string]string{"login": v["login"]}, next))
		return
	}
	res, err := s.d.SignIn.Begin(r.Context(), signin.Attempt{Login: v["login"], Password: v["password"], Device: s.deviceToken(r), Lang: langOf(r),
		Binding: s.browserBinding(w, r), Next: next, Client: s.client(r)})
	if err != nil {
		p := signinPage(map[string]string{"login": v["login"]}, next)
		p.Form.fail(s.t(r), err, "login", "password")
		if pe, ok := problem.As(err); ok && pe.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(pe.RetryAfter.Seconds())))
		}
		s.render(w, r, statusOf(problem.KindOf(err)), "signin", p)
		return
	}
	if res.Flow != nil {
		seeOther(w, r, "/signin/"+res.Flow.ID)
		return
	}
	s.startSession(w, r, res.Token, res.Account.ID)
	if res.DeletionCancelled {
		seeOther(w, r, "/account?deletion_cancelled=signin") // say so before anything else
		return
	}
	seeOther(w, r, localPath(next, "/account"))
}

func (s *Server) signout(w http.ResponseWriter, r *http.Request) {
	if reqCtx(r).session != nil {
		if err := s.d.Sessions.SignOut(r.Context(), s.holder(r)); err != nil && problem.KindOf(err) != problem.NotFound {
			s.internalError(w, r, err)
			return
		}
	}
	s.signOutBrowser(w, r)
	seeOther(w, r, "/?signed_out=1")
}
