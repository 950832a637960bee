package web

import (
	"net/http"
	"net/url"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/flow"
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
	Action string
	Token  string
}

// registerStep shows the flow's current step.
func (s *Server) registerStep(w http.ResponseWriter, r *http.Request) {
	f, err := s.d.Registration.Flow(r.Context(), r.PathValue("id"), s.browserBinding(w, r))
	s.showRegistration(w, r, f, err, http.StatusOK)
}

// showRegistration renders the step the flow is at, with err's messages.
func (s *Server) showRegistration(w http.ResponseWriter, r *http.Request, f *flow.Flow, err error, status int) {
	t := s.t(r)
	if err != nil {
		p, _ := problem.As(err)
		switch {
		case p != nil && p.Kind == problem.Expired && p.Message.ID == "flow.expired" && f != nil:
			// Start afresh with what was typed.
			d, _ := registration.DataOf(f)
			v := map[string]string{"surname": d.Surname, "name": d.Name}
			useEmail := f.Channel == contact.ChannelEmail
			if useEmail {
				v["email"] = f.Destination
			} else {
				v["phone"] = contact.Phone(f.Destination).Display()
			}
			page := &RegisterPage{BasePage: BasePage{Title: "register.title", Form: newForm(v)}, UseEmail: useEmail}
			page.Form.Message = t.Msg(p.Message)
			s.render(w, r, http.StatusOK, "register", page)
			return
		case f == nil:
			s.errorPage(w, r, err, "/register")
			return
		}
	}
	base := "/register/" + f.ID
	switch f.State {
	case flow.AwaitingCode:
		title := "register.code.title"
		if f.Channel == contact.ChannelEmail {
			title = "register.email_code.title"
		}
		page := &CodePage{BasePage: BasePage{Title: title, Form: newForm(nil)}, Kind: "registration", Step: s.codeStep(f, base), Back: "/register"}
		if err != nil {
			page.Form.fail(t, err, "code")
		}
		s.render(w, r, status, "code", page)
	case flow.SetPassword:
		d, _ := registration.DataOf(f)
		page := &PasswordPage{BasePage: BasePage{Title: "password.title", Form: newForm(nil)}, Kind: "registration", Action: base + "/password",
			Inputs: d.Surname + " " + d.Name}
		if err != nil {
			page.Form.fail(t, err, "password", "password_confirmation")
		}
		s.render(w, r, status, "password", page)
	default:
		if accountOf(r) != nil {
			seeOther(w, r, "/welcome")
			return
		}
		seeOther(w, r, "/signin")
	}
}

func (s *Server) registerCode(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, "code")
	if err != nil {
		s.errorPage(w, r, err, "/register")
		return
	}
	f, err := s.d.Registration.ConfirmCode(r.Context(), r.PathValue("id"), s.browserBinding(w, r), v["code"])
	if movedOn(f, err) {
		seeOther(w, r, "/register/"+f.ID)
		return
	}
	if err != nil {
		s.showRegistration(w, r, f, err, statusOf(problem.KindOf(err)))
		return
	}
	seeOther(w, r, "/register/"+f.ID)
}

func (s *Server) registerResend(w http.ResponseWriter, r *http.Request) {
	f, err := s.d.Registration.Resend(r.Context(), r.PathValue("id"), s.browserBinding(w, r), s.client(r))
	if err != nil {
		s.showRegistration(w, r, f, err, statusOf(problem.KindOf(err)))
		return
	}
	seeOther(w, r, "/register/"+f.ID+"?sent=1")
}

func (s *Server) registerLink(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		s.render(w, r, http.StatusOK, "link", &LinkPage{BasePage: BasePage{Title: "link.title"}, Action: r.URL.Path, Token: r.URL.Query().Get("token")})
	default:
		v, err := form(w, r, "token")
		if err != nil {
			s.errorPage(w, r, err, "/register")
			return
		}
		f, err := s.d.Registration.ConfirmLink(r.Context(), r.PathValue("id"), v["token"], s.browserBinding(w, r))
		if movedOn(f, err) {
			seeOther(w, r, "/register/"+f.ID)
			return
		}
		if err != nil {
			s.errorPage(w, r, err, "/register")
			return
		}
		seeOther(w, r, "/register/"+f.ID)
	}
}

func (s *Server) registerPassword(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, "password", "password_confirmation")
	if err != nil {
		s.errorPage(w, r, err, "/register")
		return
	}
	id := r.PathValue("id")
	binding := s.browserBinding(w, r)
	res, err := s.d.Registration.SetPassword(r.Context(), id, binding, v["password"], v["password_confirmation"], s.client(r))
	if err != nil {
		f, ferr := s.d.Registration.Flow(r.Context(), id, binding)
		if ferr != nil {
			s.showRegistration(w, r, f, ferr, statusOf(problem.KindOf(ferr)))
			return
		}
		s.showRegistration(w, r, f, err, statusOf(problem.KindOf(err)))
		return
	}
	s.startSession(w, r, res.Token, res.Account.ID)
	seeOther(w, r, "/welcome")
}

// movedOn reports whether a step failed only because this browser's flow
// is already past it (a reload, a double click, a second tab): the browser
// then simply goes to the step the flow is at. The API says 409 instead.
func movedOn(f *flow.Flow, err error) bool {
	return f != nil && problem.KindOf(err) == problem.Conflict
}

// startSession sets the new session cookie (the service has ended the
// session the browser held before, in the step's transaction) and
// remembers the browser as the account's device.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, token, accountID string) {
	s.setSessionCookie(w, token)
	s.rememberDevice(w, r, accountID)
}
