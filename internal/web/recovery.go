package web

import (
	"net/http"

	"github.com/kabinet/kabinet/internal/flow"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/recovery"
)

// RecoverPage asks for the login whose password is forgotten.
type RecoverPage struct{ BasePage }

func (s *Server) recoverForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "recover", &RecoverPage{BasePage{Title: "recover.title", Form: newForm(nil)}})
}

func (s *Server) recoverSubmit(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, "login")
	if err != nil {
		s.errorPage(w, r, err, "/recover")
		return
	}
	f, err := s.d.Recovery.Begin(r.Context(), recovery.Request{Login: v["login"], Lang: langOf(r), Binding: s.browserBinding(w, r), Client: s.client(r)})
	if err != nil {
		p := &RecoverPage{BasePage{Title: "recover.title", Form: newForm(v)}}
		p.Form.fail(s.t(r), err, "login")
		s.render(w, r, statusOf(problem.KindOf(err)), "recover", p)
		return
	}
	seeOther(w, r, "/recover/"+f.ID)
}

func (s *Server) recoverStep(w http.ResponseWriter, r *http.Request) {
	f, err := s.d.Recovery.Flow(r.Context(), r.PathValue("id"), s.browserBinding(w, r))
	s.showRecovery(w, r, f, err, http.StatusOK)
}

func (s *Server) showRecovery(w http.ResponseWriter, r *http.Request, f *flow.Flow, err error, status int) {
	t := s.t(r)
	if err != nil {
		p, _ := problem.As(err)
		switch {
		case p != nil && p.Kind == problem.Expired && p.Message.ID == "flow.expired" && f != nil:
			page := &RecoverPage{BasePage{Title: "recover.title", Form: newForm(map[string]string{"login": f.Destination})}}
			page.Form.Message = t.Msg(p.Message)
			s.render(w, r, http.StatusOK, "recover", page)
			return
		case f == nil:
			s.errorPage(w, r, err, "/recover")
			return
		}
	}
	base := "/recover/" + f.ID
	switch f.State {
	case flow.AwaitingCode:
		page := &CodePage{BasePage: BasePage{Title: "recover.code.title", Form: newForm(nil)}, Kind: "recovery", Step: s.codeStep(f, base), Back: "/recover"}
		if err != nil {
			page.Form.fail(t, err, "code")
		}
		s.render(w, r, status, "code", page)
	case flow.SetPassword:
		page := &PasswordPage{BasePage: BasePage{Title: "recover.password.title", Form: newForm(nil)}, Kind: "recovery", Action: base + "/password"}
		if err != nil {
			page.Form.fail(t, err, "password", "password_confirmation")
		}
		s.render(w, r, status, "password", page)
	default:
		seeOther(w, r, "/account")
	}
}

func (s *Server) recoverCode(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, "code")
	if err != nil {
		s.errorPage(w, r, err, "/recover")
		return
	}
	f, err := s.d.Recovery.ConfirmCode(r.Context(), r.PathValue("id"), s.browserBinding(w, r), v["code"])
	if movedOn(f, err) {
		seeOther(w, r, "/recover/"+f.ID)
		return
	}
	if err != nil {
		s.showRecovery(w, r, f, err, statusOf(problem.KindOf(err)))
		return
	}
	seeOther(w, r, "/recover/"+f.ID)
}

func (s *Server) recoverResend(w http.ResponseWriter, r *http.Request) {
	f, err := s.d.Recovery.Resend(r.Context(), r.PathValue("id"), s.browserBinding(w, r), s.client(r))
	if err != nil {
		s.showRecovery(w, r, f, err, statusOf(problem.KindOf(err)))
		return
	}
	seeOther(w, r, "/recover/"+f.ID+"?sent=1")
}

func (s *Server) recoverLink(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		s.render(w, r, http.StatusOK, "link", &LinkPage{BasePage: BasePage{Title: "link.title"}, Action: r.URL.Path, Token: r.URL.Query().Get("token")})
		return
	}
	v, err := form(w, r, "token")
	if err != nil {
		s.errorPage(w, r, err, "/recover")
		return
	}
	f, err := s.d.Recovery.ConfirmLink(r.Context(), r.PathValue("id"), v["token"], s.browserBinding(w, r))
	if movedOn(f, err) {
		seeOther(w, r, "/recover/"+f.ID)
		return
	}
	if err != nil {
		s.errorPage(w, r, err, "/recover")
		return
	}
	seeOther(w, r, "/recover/"+f.ID)
}

func (s *Server) recoverPassword(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, "password", "password_confirmation")
	if err != nil {
		s.errorPage(w, r, err, "/recover")
		return
	}
	id, binding := r.PathValue("id"), s.browserBinding(w, r)
	res, err := s.d.Recovery.SetPassword(r.Context(), id, binding, v["password"], v["password_confirmation"], s.client(r))
	if err != nil {
		f, ferr := s.d.Recovery.Flow(r.Context(), id, binding)
		if ferr != nil {
			s.showRecovery(w, r, f, ferr, statusOf(problem.KindOf(ferr)))
			return
		}
		s.showRecovery(w, r, f, err, statusOf(problem.KindOf(err)))
		return
	}
	s.startSession(w, r, res.Token, res.Account.ID)
	seeOther(w, r, "/account?recovered=1")
}
