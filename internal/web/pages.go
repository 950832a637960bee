package web

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/catalog"
	"github.com/kabinet/kabinet/internal/desk"
	"github.com/kabinet/kabinet/internal/notify"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
)

// HomePage is the start page.
type HomePage struct {
	BasePage
	Popular []catalog.Summary // the popular services of the visitor's region
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	p := &HomePage{BasePage: BasePage{Title: "home.title"}}
	if r.URL.Query().Get("signed_out") != "" && accountOf(r) == nil {
		p.Flash = s.t(r).T("signout.done")
	}
	choice, _ := s.chosenRegion(r)
	var err error
	if p.Popular, err = s.d.Services.Popular(r.Context(), choice.Region, 6); err != nil {
		s.internalError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "home", p)
}

// TextPage is a page of fixed text (terms of use, privacy policy).
type TextPage struct{ BasePage }

func (s *Server) staticPage(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusOK, name, &TextPage{BasePage{Title: name + ".title"}})
	}
}

// WelcomePage is "Congratulations, you have just registered".
type WelcomePage struct{ BasePage }

func (s *Server) welcome(w http.ResponseWriter, r *http.Request) {
	if accountOf(r) == nil {
		seeOther(w, r, signInURL("/welcome", endedReason(reqCtx(r).endedErr)))
		return
	}
	s.render(w, r, http.StatusOK, "welcome", &WelcomePage{BasePage{Title: "welcome.title"}})
}

// requirePage sends visitors who are not signed in to the sign-in page and
// back afterwards.
func (s *Server) requirePage(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if accountOf(r) == nil {
			next := "/account"
			if r.Method == http.MethodGet {
				next = r.URL.RequestURI()
			}
			seeOther(w, r, signInURL(next, endedReason(reqCtx(r).endedErr)))
			return
		}
		h(w, r)
	}
}

// AccountPage is the signed-in citizen's home: the level, the personal
// data's status and the step to the next level.
type AccountPage struct {
	BasePage
	Next NextStep
	// Confirmation is how and where the identity was confirmed (nil until
	// it is); Center is its service center's name for the citizen.
	Confirmation *desk.Confirmation
	Center       string
}

func (s *Server) accountHome(w http.ResponseWriter, r *http.Request) {
	next, err := s.nextStep(r.Context(), accountOf(r))
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	p := &AccountPage{BasePage: BasePage{Title: "account.title"}, Next: next}
	if a := accountOf(r); a.Level == account.Confirmed {
		c, err := s.d.Desk.ConfirmationOf(r.Context(), a.ID)
		if err != nil && problem.KindOf(err) != problem.NotFound {
			s.internalError(w, r, err)
			return
		}
		if c != nil {
			p.Confirmation, p.Center = c, s.centerName(r, c.CenterID)
		}
	}
	q := r.URL.Query()
	switch {
	case q.Get("recovered") != "" && q.Get("deletion_cancelled") != "":
		p.Flash = s.t(r).T("recover.done") + " " + s.t(r).T("delete_account.cancelled_by_signin")
	case q.Get("recovered") != "":
		p.Flash = s.t(r).T("recover.done")
	case q.Get("already") != "":
		p.Flash = s.t(r).T("notice.already_signed_in")
	case q.Get("password_changed") != "":
		p.Flash = s.t(r).T("change_password.done")
		if n, _ := strconv.Atoi(q.Get("password_changed")); n > 0 {
			p.Flash = s.t(r).T("change_password.done_ended", "Count", n)
		}
	case q.Get("confirmed") != "":
		p.Flash = s.t(r).T("confirm.done")
	case q.Get("deletion_cancelled") == "signin":
		p.Flash = s.t(r).T("delete_account.cancelled_by_signin")
	case q.Get("deletion_cancelled") != "":
		p.Flash = s.t(r).T("delete_account.cancelled")
	}
	s.render(w, r, http.StatusOK, "account", p)
}

// SessionsPage lists the account's active sessions.
type SessionsPage struct {
	BasePage
	Sessions  []session.Session
	CurrentID string
}

func (s *Server) sessionsPage(w http.ResponseWriter, r *http.Request) {
	st := reqCtx(r)
	list, err := s.d.Sessions.List(r.Context(), st.account.ID)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	// The current session first, then the others newest first.
	sort.SliceStable(list, func(i, j int) bool { return list[i].ID == st.session.ID && list[j].ID != st.session.ID })
	p := &SessionsPage{BasePage: BasePage{Title: "sessions.title"}, Sessions: list, CurrentID: st.session.ID}
	switch r.URL.Query().Get("done") {
	case "one":
		p.Flash = s.t(r).T("sessions.ended_one")
	case "others":
		p.Flash = s.t(r).T("sessions.ended_others")
	}
	s.render(w, r, http.StatusOK, "sessions", p)
}

func (s *Server) sessionEnd(w http.ResponseWriter, r *http.Request) {
	st := reqCtx(r)
	id := r.PathValue("id")
	if err := s.d.Sessions.EndByUser(r.Context(), st.account.ID, id, s.holder(r)); err != nil {
		s.errorPage(w, r, err, "/account/sessions")
		return
	}
	if id == st.session.ID {
		s.signOutBrowser(w, r)
		seeOther(w, r, "/")
		return
	}
	seeOther(w, r, "/account/sessions?done=one")
}

func (s *Server) sessionsEndOthers(w http.ResponseWriter, r *http.Request) {
	if _, err := s.d.Sessions.EndOthersByUser(r.Context(), s.holder(r)); err != nil {
		s.internalError(w, r, err)
		return
	}
	seeOther(w, r, "/account/sessions?done=others")
}

// HistoryPage is the sign-in history.
type HistoryPage struct {
	BasePage
	Entries []session.SignIn
}

func (s *Server) historyPage(w http.ResponseWriter, r *http.Request) {
	list, err := s.d.Sessions.History(r.Context(), accountOf(r).ID, 100)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "history", &HistoryPage{BasePage: BasePage{Title: "history.title"}, Entries: list})
}

// OutboxPage is the development outbox.
type OutboxPage struct {
	BasePage
	Records []notify.Record
}

func (s *Server) devOutbox(w http.ResponseWriter, r *http.Request) {
	list, err := s.d.Outbox.ListNotifications(r.Context(), 200)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "outbox", &OutboxPage{BasePage: BasePage{Title: "outbox.title"}, Records: list})
}
