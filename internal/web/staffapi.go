package web

import (
	"net/http"
	"time"

	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/staff"
)

// staffSignInRequest signs a staff member in through the API: the
// password and the authenticator's code at once. The authenticator is
// enrolled, and a temporary password replaced, in the browser at /staff.
type staffSignInRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
	Code     string `json:"code"`
}

type staffTokenJSON struct {
	Token     string      `json:"token"`
	ExpiresAt time.Time   `json:"expires_at"`
	IdleFor   int         `json:"idle_timeout_seconds"`
	Staff     staffMeJSON `json:"staff"`
}

type staffMeJSON struct {
	ID          string   `json:"id"`
	Login       string   `json:"login"`
	Name        string   `json:"name"`
	Roles       []string `json:"roles"`
	Centers     []string `json:"centers"`
	CenterID    string   `json:"center_id"`
	Permissions []string `json:"permissions"`
}

type staffCodeRequest struct {
	Code string `json:"code"`
}

type staffCenterRequest struct {
	CenterID string `json:"center_id"`
}

type staffMemberJSON struct {
	ID                 string    `json:"id"`
	Login              string    `json:"login"`
	Name               string    `json:"name"`
	Roles              []string  `json:"roles"`
	Centers            []string  `json:"centers"`
	Enrolled           bool      `json:"enrolled"`
	MustChangePassword bool      `json:"must_change_password"`
	Disabled           bool      `json:"disabled"`
	CreatedAt          time.Time `json:"created_at"`
}

type staffMemberListJSON struct {
	Members []staffMemberJSON `json:"members"`
}

type staffMemberRequest struct {
	Login   string   `json:"login"`
	Name    string   `json:"name"`
	Roles   []string `json:"roles"`
	Centers []string `json:"centers"`
}

// staffMemberCreatedJSON is a new member with the temporary password,
// shown this once.
type staffMemberCreatedJSON struct {
	Member            staffMemberJSON `json:"member"`
	TemporaryPassword string          `json:"temporary_password"`
}

type staffMemberChangeRequest struct {
	Change string `json:"change"` // disable, enable, reset_code, reset_pass
}

type staffMemberChangedJSON struct {
	Member            staffMemberJSON `json:"member"`
	TemporaryPassword string          `json:"temporary_password,omitempty"`
}

func toStaffMemberJSON(m *staff.Member) staffMemberJSON {
	return staffMemberJSON{ID: m.ID, Login: m.Login, Name: m.Name, Roles: nonNil(m.Roles), Centers: nonNil(m.Centers), Enrolled: m.Enrolled(),
		MustChangePassword: m.MustChangePassword, Disabled: m.Disabled(), CreatedAt: m.CreatedAt}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func staffMe(a staff.Actor, g staff.Grants) staffMeJSON {
	me := staffMeJSON{ID: a.Member.ID, Login: a.Member.Login, Name: a.Member.Name, Roles: nonNil(a.Member.Roles), Centers: nonNil(a.Member.Centers),
		CenterID: a.CenterID, Permissions: []string{}}
	seen := map[string]bool{}
	for _, x := range g {
		if !seen[x.Permission] && g.Permits(a, x.Permission) {
			seen[x.Permission] = true
			me.Permissions = append(me.Permissions, x.Permission)
		}
	}
	return me
}

func (s *Server) apiStaffSignIn(w http.ResponseWriter, r *http.Request) {
	var req staffSignInRequest
	if err := decode(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	c := s.staffClient(r)
	pending, sess, err := s.d.Staff.SignIn(r.Context(), req.Login, req.Password, c)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if sess.Stage == staff.StageEnroll {
		_ = s.d.Staff.SignOut(r.Context(), pending, c)
		s.apiError(w, r, problem.New(problem.Conflict, "console.api.enroll_first"))
		return
	}
	token, sess, err := s.d.Staff.SecondFactor(r.Context(), pending, req.Code, c)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if sess.Stage != staff.StageActive {
		_ = s.d.Staff.SignOut(r.Context(), token, c)
		s.apiError(w, r, problem.New(problem.Conflict, "console.api.password_first"))
		return
	}
	sessNow, m, err := s.d.Staff.Authenticate(r.Context(), token)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	g, err := s.d.Staff.Grants(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	a := staff.Actor{Member: m, Session: sessNow, CenterID: sessNow.CenterID}
	writeJSON(w, http.StatusCreated, staffTokenJSON{Token: token, ExpiresAt: sessNow.ExpiresAt, IdleFor: int(s.d.Staff.Policy().Idle.Seconds()), Staff: staffMe(a, g)})
}

func (s *Server) apiStaffSignOut(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	if err := s.d.Staff.SignOut(r.Context(), s.staffToken(r), s.staffClient(r)); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiStaffMe(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	writeJSON(w, http.StatusOK, staffMe(a, g))
}

func (s *Server) apiStaffReauth(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	var req staffCodeRequest
	if err := decode(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.d.Staff.Reauthenticate(r.Context(), a, req.Code); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiStaffCenter(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	var req staffCenterRequest
	if err := decode(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.d.Staff.ActFor(r.Context(), a, req.CenterID); err != nil {
		s.apiError(w, r, err)
		return
	}
	a.CenterID = req.CenterID
	writeJSON(w, http.StatusOK, staffMe(a, g))
}

// apiFresh refuses a sensitive API action whose session's last code is too
// old: the client re-authenticates at /api/v1/staff/sessions/current/reauth.
func (s *Server) apiFresh(w http.ResponseWriter, r *http.Request, a staff.Actor) bool {
	if s.d.Staff.NeedsReauth(a.Session) {
		s.apiError(w, r, problem.New(problem.Forbidden, "staff.reauth_required"))
		return false
	}
	return true
}

func (s *Server) apiStaffMembers(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	list, err := s.d.Staff.List(r.Context(), a)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := staffMemberListJSON{Members: []staffMemberJSON{}}
	for i := range list {
		out.Members = append(out.Members, toStaffMemberJSON(&list[i]))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiStaffMemberCreate(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	var req staffMemberRequest
	if err := decode(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	if !s.apiFresh(w, r, a) {
		return
	}
	m, temp, err := s.d.Staff.Create(r.Context(), a, staff.NewMember{Login: req.Login, Name: req.Name, Roles: req.Roles, Centers: req.Centers}, s.d.CenterExists)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, staffMemberCreatedJSON{Member: toStaffMemberJSON(m), TemporaryPassword: temp})
}

func (s *Server) apiStaffMemberChange(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	var req staffMemberChangeRequest
	if err := decode(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	if !s.apiFresh(w, r, a) {
		return
	}
	id := r.PathValue("id")
	temp, err := s.d.Staff.Change(r.Context(), a, id, req.Change)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	m, err := s.d.Staff.Get(r.Context(), a, id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, staffMemberChangedJSON{Member: toStaffMemberJSON(m), TemporaryPassword: temp})
}
