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

func (s *Server) registerForm(w http.ResponseWriter, r *http.Request) {
	p := &RegisterPage{BasePage: BasePage{Title: "register.title", Form: newForm(nil)}, UseEmail: r.URL.Query().Get("channel") == "email"}
	s.render(w, r, http.StatusOK, "register", p)
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
		p := &RegisterPage{BasePage: BasePage{Title: "register.title", Form: newForm(v)}, UseEmail: to == "email"}
		s.render(w, r, http.StatusOK, "register", p)
		return
	}
	f, err := s.d.Registration.Begin(r.Context(), registration.Start{
		Surname: v["surname"], Name: v["name"], Phone: v["phone"], Email: v["email"], UseEmail: useEmail,
		AcceptTerms: v["accept_terms"] != "", Lang: langOf(r), Binding: s.browserBinding(w, r), Client: s.client(r),
	})
	if err != nil {
		p := &RegisterPage{BasePage: BasePage{Title: "register.title", Form: newForm(v)}, UseEmail: useEmail}
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
