package web

import (
	"net/http"
	"net/url"

	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/registration"
)

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// RegisterPage is the first registration form.
type RegisterPage struct {
	BasePage
	UseEmail bool // "I have no mobile phone"
}

var registerFields = []string{"surname", "name", "phone", "email", "accept_terms"}

func registerPage(values map[string]string, useEmail bool) *RegisterPage {
	return &RegisterPage{BasePage: BasePage{Title: "register.title", Form: newForm(values), LangForm: "register-form"}, UseEmail: useEmail}
}

func (s *Server) registerForm(w http.ResponseWriter, r *http.Request) {
	if accountOf(r) != nil {
		seeOther(w, r, "/account?already=1") // a second account is not made while signed in
		return
	}
	s.render(w, r, http.StatusOK, "register", registerPage(nil, r.URL.Query().Get("channel") == "email"))
}

func (s *Server) registerSubmit(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, registerFields...)
	if err != nil {
		s.errorPage(w, r, err, "/register")
		return
	}
	useEmail := r.PostForm.Get("channel") == "email"
	if to := r.PostForm.Get("switch_channel"); to != "" {
		// "I have no mobile phone" without the script: the same form with
		// the other channel and what was typed, not checked yet.
		s.render(w, r, http.StatusOK, "register", registerPage(v, to == "email"))
		return
	}
	if s.switchedLang(w, r) {
		s.render(w, r, http.StatusOK, "register", registerPage(v, useEmail))
		return
	}
	f, err := s.d.Registration.Begin(r.Context(), registration.Start{
		Surname: v["surname"], Name: v["name"], Phone: v["phone"], Email: v["email"], UseEmail: useEmail,
		AcceptTerms: v["accept_terms"] != "", Lang: langOf(r), Binding: s.browserBinding(w, r), Client: s.client(r),
	})
	if err != nil {
		p := registerPage(v, useEmail)
		p.Form.fail(s.t(r), err, registerFields...)
		s.render(w, r, statusOf(problem.KindOf(err)), "register", p)
		return
	}
	seeOther(w, r, "/register/"+f.ID)
}

// CodePage asks for a code sent by SMS or e-mail.
type CodePage struct {
	BasePage
	Kind string // registration, signin, recovery
	Step CodeStep
	Back string // where "start again" leads
	Link bool   // an e-mailed code comes with a link (not the sign-in's)
	// Dest is where the code went as the page shows it: in full to the
	// browser that typed it (registration, recovery), else masked.
	Dest string
	// Change leads back to the first form filled in ("change the number");
	// "" where the flow has none (sign-in: Back starts again).
	Change string
	Resent bool // a new code has just gone out
}

// PasswordPage asks for a new password twice.
type PasswordPage struct {
	BasePage
	Kind   string
	Action string
	// Inputs are hints for the strength meter (not secrets): the person's
	// name and contact, which a password must not be built from.
	Inputs string
}

// LinkPage asks to confirm an e-mailed link with one click, so that mail
// scanners that prefetch links cannot use them up.
type LinkPage struct {
	BasePage
	Heading, Lead, Submit string // message IDs: the flow the link continues
	Action                string
	Token                 string
}

// startSession sets the new session cookie (the service has ended the
// session the browser held before, in the step's transaction) and
// remembers the browser as the account's device.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, token, accountID string) {
	s.setSessionCookie(w, token)
	s.rememberDevice(w, r, accountID)
}
