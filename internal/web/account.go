package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/kabinet/kabinet/internal/credential"
	"github.com/kabinet/kabinet/internal/deletion"
	"github.com/kabinet/kabinet/internal/problem"
)

// The signed-in citizen's password change and account deletion, as pages
// and as the API (/api/v1/me/password, /api/v1/me/deletion).

// PasswordChangePage is the form that changes the password while signed in.
type PasswordChangePage struct {
	BasePage
	Inputs string // the strength meter's hints: the person's name and contacts
}

func (s *Server) passwordChangePage(r *http.Request, form *FormView) *PasswordChangePage {
	a := accountOf(r)
	return &PasswordChangePage{BasePage: BasePage{Title: "change_password.title", Form: form},
		Inputs: a.Surname + " " + a.Name + " " + string(a.Phone) + " " + string(a.Email)}
}

func (s *Server) passwordChangeForm(w http.ResponseWriter, r *http.Request) {
	// Ending the other sessions is what most people who change a password
	// want: ticked until they untick it.
	s.render(w, r, http.StatusOK, "account_password", s.passwordChangePage(r, newForm(map[string]string{"end_other_sessions": "on"})))
}

func (s *Server) passwordChangeSubmit(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, "current_password", "password", "password_confirmation", "end_other_sessions")
	if err != nil {
		s.errorPage(w, r, err, "/account/password")
		return
	}
	st := reqCtx(r)
	res, err := s.d.Credential.ChangePassword(r.Context(), credential.Change{AccountID: st.account.ID, SessionID: st.session.ID,
		Current: v["current_password"], Password: v["password"], Confirmation: v["password_confirmation"], EndOthers: v["end_other_sessions"] != "",
		Device: s.deviceToken(r), Client: s.holder(r)})
	if err != nil {
		// Passwords are never sent back; the choice about sessions is.
		f := newForm(map[string]string{"end_other_sessions": v["end_other_sessions"]})
		f.fail(s.t(r), err, "current_password", "password", "password_confirmation")
		retryAfter(w, err)
		s.render(w, r, statusOf(problem.KindOf(err)), "account_password", s.passwordChangePage(r, f))
		return
	}
	seeOther(w, r, "/account?password_changed="+strconv.Itoa(res.EndedSessions))
}

// retryAfter sets Retry-After for a refusal that says when to try again.
func retryAfter(w http.ResponseWriter, err error) {
	if pe, ok := problem.As(err); ok && pe.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(pe.RetryAfter.Seconds())))
	}
}

// DeletionPage asks for the password before deleting the account, or,
// once asked, shows when the account will be erased and how to cancel.
type DeletionPage struct {
	BasePage
	EffectiveAt time.Time // zero: no deletion pending
	GraceDays   int
}

func (s *Server) deletionPage(w http.ResponseWriter, r *http.Request) {
	s.renderDeletion(w, r, http.StatusOK, newForm(nil))
}

func (s *Server) renderDeletion(w http.ResponseWriter, r *http.Request, status int, f *FormView) {
	p := &DeletionPage{BasePage: BasePage{Title: "delete_account.title", Form: f}, EffectiveAt: accountOf(r).DeletionEffectiveAt,
		GraceDays: int(s.d.Deletion.Grace().Hours()+23) / 24}
	if !p.EffectiveAt.IsZero() {
		p.Title = "delete_account.pending_title"
		if r.URL.Query().Get("requested") != "" {
			p.Flash = s.t(r).T("delete_account.requested")
		}
	}
	s.render(w, r, status, "account_delete", p)
}

func (s *Server) deletionSubmit(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, "password")
	if err != nil {
		s.errorPage(w, r, err, "/account/delete")
		return
	}
	st := reqCtx(r)
	if _, err := s.d.Deletion.Request(r.Context(), deletion.Request{AccountID: st.account.ID, Password: v["password"], Device: s.deviceToken(r),
		Client: s.holder(r)}); err != nil {
		f := newForm(nil)
		f.fail(s.t(r), err, "password")
		retryAfter(w, err)
		s.renderDeletion(w, r, statusOf(problem.KindOf(err)), f)
		return
	}
	seeOther(w, r, "/account/delete?requested=1")
}

func (s *Server) deletionCancel(w http.ResponseWriter, r *http.Request) {
	err := s.d.Deletion.Cancel(r.Context(), accountOf(r).ID, s.holder(r))
	if err != nil && problem.KindOf(err) != problem.NotFound { // nothing pending: cancelled already
		s.errorPage(w, r, err, "/account/delete")
		return
	}
	seeOther(w, r, "/account?deletion_cancelled=1")
}

// The API.

// passwordChangeRequest changes the password of the signed-in account.
type passwordChangeRequest struct {
	CurrentPassword      string `json:"current_password"`
	Password             string `json:"password"`
	PasswordConfirmation string `json:"password_confirmation"`
	EndOtherSessions     bool   `json:"end_other_sessions"`
}

// passwordChangedJSON says how many other sessions the change ended.
type passwordChangedJSON struct {
	EndedSessions int `json:"ended_sessions"`
}

type deletionRequest struct {
	Password string `json:"password"`
}

// deletionJSON is when a requested deletion takes effect.
type deletionJSON struct {
	EffectiveAt time.Time `json:"effective_at"`
}

func (s *Server) apiChangePassword(w http.ResponseWriter, r *http.Request) {
	var in passwordChangeRequest
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	st := reqCtx(r)
	res, err := s.d.Credential.ChangePassword(r.Context(), credential.Change{AccountID: st.account.ID, SessionID: st.session.ID,
		Current: in.CurrentPassword, Password: in.Password, Confirmation: in.PasswordConfirmation, EndOthers: in.EndOtherSessions, Client: s.holder(r)})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, passwordChangedJSON{EndedSessions: res.EndedSessions})
}

func (s *Server) apiRequestDeletion(w http.ResponseWriter, r *http.Request) {
	var in deletionRequest
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	at, err := s.d.Deletion.Request(r.Context(), deletion.Request{AccountID: accountOf(r).ID, Password: in.Password, Client: s.holder(r)})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, deletionJSON{EffectiveAt: at.UTC()})
}

// apiCancelDeletion answers 204 once nothing is pending, whether it
// cancelled a deletion or none was pending: the client's wish holds.
func (s *Server) apiCancelDeletion(w http.ResponseWriter, r *http.Request) {
	if err := s.d.Deletion.Cancel(r.Context(), accountOf(r).ID, s.holder(r)); err != nil && problem.KindOf(err) != problem.NotFound {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
