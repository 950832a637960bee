package web

import (
	"net/http"

	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/recovery"
)

// RecoverPage asks for the login whose password is forgotten.
type RecoverPage struct{ BasePage }

func recoverPage(values map[string]string) *RecoverPage {
	return &RecoverPage{BasePage{Title: "recover.title", Form: newForm(values), LangForm: "recover-form"}}
}

func (s *Server) recoverForm(w http.ResponseWriter, r *http.Request) {
	p := recoverPage(nil)
	if r.URL.Query().Get("undone") != "" {
		p.Flash = s.t(r).T("contacts.undone") // a contact change undone: every session ended
	}
	s.render(w, r, http.StatusOK, "recover", p)
}

func (s *Server) recoverSubmit(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, "login")
	if err != nil {
		s.errorPage(w, r, err, "/recover")
		return
	}
	if s.switchedLang(w, r) {
		s.render(w, r, http.StatusOK, "recover", recoverPage(v))
		return
	}
	f, err := s.d.Recovery.Begin(r.Context(), recovery.Request{Login: v["login"], Lang: langOf(r), Binding: s.browserBinding(w, r), Client: s.client(r)})
	if err != nil {
		p := recoverPage(v)
		p.Form.fail(s.t(r), err, "login")
		s.render(w, r, statusOf(problem.KindOf(err)), "recover", p)
		return
	}
	seeOther(w, r, "/recover/"+f.ID)
}
