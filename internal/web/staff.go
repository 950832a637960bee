package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"

	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/staff"
)

// The staff console lives under /staff with a cookie of its own: a staff
// session never authenticates a citizen's page, nor a citizen's session a
// staff one. API clients send the staff token as a bearer token to
// /api/v1/staff/….
const cookieStaff = "kabinet_staff"

// StaffView is the signed-in staff member in the console's header.
type StaffView struct {
	Name, Login string
	Roles       []string
	Center      string // the center acted for, by ID ("" for none)
	Centers     []string
	Names       map[string]string // the centers' names by ID (the ID when the directory has none)
	Menu        []StaffLink
}

// CenterName is a center's name for the console.
func (v *StaffView) CenterName(id string) string {
	if n, ok := v.Names[id]; ok {
		return n
	}
	return id
}

// StaffLink is one entry of the console's menu.
type StaffLink struct{ Href, Label string }

// staffMenu lists the console's sections with the permission each needs.
var staffMenu = []struct{ href, label, perm string }{
	{"/staff/citizens", "console.menu.citizens", staff.PermCitizensFind},
	{"/staff/members", "console.menu.members", staff.PermStaffManage},
	{"/staff/centers", "console.menu.centers", staff.PermCentersManage},
	{"/staff/audit", "console.menu.audit", staff.PermAuditRead},
	{"/staff/letters", "console.menu.letters", staff.PermLettersPrint},
	{"/staff/trust", "console.menu.trust", staff.PermTrustManage},
	{"/staff/sites", "console.menu.sites", staff.PermRPManage},
	{"/staff/catalog", "console.menu.catalog", staff.PermCatalogManage},
	{"/staff/places", "console.menu.places", staff.PermPlacesManage},
}

func (s *Server) staffCookie(w http.ResponseWriter, token string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(cookieStaff), Value: token, Path: "/", MaxAge: int(maxAge.Seconds()),
		Secure: s.secure, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

func (s *Server) clearStaffCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(cookieStaff), Value: "", Path: "/", MaxAge: -1, Secure: s.secure, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

func (s *Server) staffToken(r *http.Request) string {
	if t, ok := bearerToken(r); ok && strings.HasPrefix(t, "st_") {
		return t
	}
	if c, err := r.Cookie(s.cookieName(cookieStaff)); err == nil {
		return c.Value
	}
	return ""
}

func (s *Server) staffClient(r *http.Request) staff.Client {
	c := reqCtx(r).client
	return staff.Client{IP: c.IP, UserAgent: c.UserAgent, RequestID: c.RequestID}
}

// staffActor authenticates the request's staff session.
func (s *Server) staffActor(r *http.Request) (staff.Actor, error) {
	token := s.staffToken(r)
	if token == "" {
		return staff.Actor{}, problem.New(problem.Unauthorized, "staff.signed_out")
	}
	sess, m, err := s.d.Staff.Authenticate(r.Context(), token)
	if err != nil {
		return staff.Actor{}, err
	}
	c := reqCtx(r).client
	return staff.Actor{Member: m, Session: sess, CenterID: sess.CenterID, IP: c.IP, RequestID: c.RequestID}, nil
}

// staffHandler is a console handler given the authorised actor and the
// role table.
type staffHandler func(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants)

// staffPage wraps a console page: without a staff session, the sign-in
// form (saying why the last one ended); without perm (when given), 403.
func (s *Server) staffPage(perm string, h staffHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := s.staffActor(r)
		if err != nil {
			if !isUnauthorized(err) {
				s.internalError(w, r, err)
				return
			}
			// The cookie stays: it may hold a sign-in still at its code or
			// password step, and an ended session's is worth nothing.
			reason := ""
			if pe, ok := problem.As(err); ok && pe.Message.ID == "staff.idle" {
				reason = "idle"
			}
			q := url.Values{}
			if reason != "" {
				q.Set("reason", reason)
			}
			if r.Method == http.MethodGet {
				q.Set("next", r.URL.RequestURI())
			}
			to := "/staff"
			if len(q) > 0 {
				to += "?" + q.Encode()
			}
			seeOther(w, r, to)
			return
		}
		g, err := s.d.Staff.Grants(r.Context())
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		if perm != "" {
			if err := g.Authorize(a, perm, ""); err != nil {
				s.staffError(w, r, a, g, err)
				return
			}
		}
		h(w, r, a, g)
	}
}

// staffAPI wraps a staff API route: 401 without a staff token, 403
// without perm (when given).
func (s *Server) staffAPI(perm string, h staffHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := s.staffActor(r)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		g, err := s.d.Staff.Grants(r.Context())
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		if perm != "" {
			if err := g.Authorize(a, perm, ""); err != nil {
				s.apiError(w, r, err)
				return
			}
		}
		h(w, r, a, g)
	}
}

// freshen re-authenticates a sensitive action whose session's last code is
// older than the policy allows, with the code typed into the action's own
// form (so nothing typed is lost to a detour); Invalid on "code" when it
// is missing or wrong.
func (s *Server) freshen(ctx context.Context, a staff.Actor, code string) error {
	if !s.d.Staff.NeedsReauth(a.Session) {
		return nil
	}
	if strings.TrimSpace(code) == "" {
		return problem.InvalidField("code", problem.M("staff.reauth_required"))
	}
	return s.d.Staff.Reauthenticate(ctx, a, code)
}

func (s *Server) staffView(ctx context.Context, a staff.Actor, g staff.Grants, t func(string, ...any) string) *StaffView {
	v := &StaffView{Name: a.Member.Name, Login: a.Member.Login, Roles: a.Member.Roles, Center: a.CenterID, Centers: a.Member.Centers,
		Names: map[string]string{}}
	for _, id := range a.Member.Centers {
		if c, err := s.d.Centers.Get(ctx, id); err == nil {
			v.Names[id] = c.Name
		}
	}
	for _, m := range staffMenu {
		if g.Permits(a, m.perm) {
			v.Menu = append(v.Menu, StaffLink{Href: m.href, Label: t(m.label)})
		}
	}
	return v
}

// StaffBase is what every console page carries.
type StaffBase struct {
	BasePage
	Reauth bool // sensitive forms ask for a fresh code
}

func (s *Server) staffBase(r *http.Request, a staff.Actor, g staff.Grants, title string, values map[string]string) StaffBase {
	b := StaffBase{BasePage: BasePage{Title: title, Form: newForm(values), StaffArea: true}}
	b.Staff = s.staffView(r.Context(), a, g, s.t(r).T)
	b.Reauth = s.d.Staff.NeedsReauth(a.Session)
	return b
}

func (s *Server) staffError(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants, err error) {
	pe, ok := problem.As(err)
	if !ok || pe.Kind == problem.Internal {
		s.internalError(w, r, err)
		return
	}
	p := &StaffMessagePage{StaffBase: s.staffBase(r, a, g, "console.error.title", nil), Message: s.t(r).Msg(pe.Message)}
	s.render(w, r, statusOf(pe.Kind), "staff_message", p)
}

// StaffMessagePage is a console page with one message.
type StaffMessagePage struct {
	StaffBase
	Message string
}

// --- Sign-in -------------------------------------------------------------

// StaffSignInPage is the console's sign-in form.
type StaffSignInPage struct {
	BasePage
	Next string
}

func staffSignInPage(values map[string]string, next string) *StaffSignInPage {
	return &StaffSignInPage{BasePage: BasePage{Title: "console.signin.title", Form: newForm(values), StaffArea: true, LangForm: "staff-signin-form"}, Next: next}
}

func (s *Server) staffSignInForm(w http.ResponseWriter, r *http.Request) {
	if _, err := s.staffActor(r); err == nil {
		seeOther(w, r, "/staff/console")
		return
	}
	p := staffSignInPage(nil, localStaffPath(r.URL.Query().Get("next")))
	switch r.URL.Query().Get("reason") {
	case "idle":
		p.Flash = s.t(r).T("staff.idle")
	case "signed_out":
		p.Flash = s.t(r).T("console.signed_out")
	case "expired":
		p.Flash = s.t(r).T("staff.pending_expired")
	}
	s.render(w, r, http.StatusOK, "staff_signin", p)
}

// localStaffPath keeps a redirect target inside the console.
func localStaffPath(p string) string {
	p = localPath(p, "")
	if p != "/staff" && !strings.HasPrefix(p, "/staff/") {
		return ""
	}
	return p
}

func (s *Server) staffSignInSubmit(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, "login", "password", "next")
	if err != nil {
		s.errorPage(w, r, err, "/staff")
		return
	}
	next := localStaffPath(v["next"])
	if s.switchedLang(w, r) {
		s.render(w, r, http.StatusOK, "staff_signin", staffSignInPage(map[string]string{"login": v["login"]}, next))
		return
	}
	token, sess, err := s.d.Staff.SignIn(r.Context(), v["login"], v["password"], s.staffClient(r))
	if err != nil {
		p := staffSignInPage(map[string]string{"login": v["login"]}, next)
		p.Form.fail(s.t(r), err, "login", "password")
		s.render(w, r, statusOf(problem.KindOf(err)), "staff_signin", p)
		return
	}
	s.staffCookie(w, token, s.d.Staff.Policy().Pending)
	to := "/staff/code"
	if sess.Stage == staff.StageEnroll {
		to = "/staff/enroll"
	}
	if next != "" {
		to += "?next=" + url.QueryEscape(next)
	}
	seeOther(w, r, to)
}

// StaffCodePage asks for the authenticator's code; at enrolment it first
// shows the secret as a QR code and as text.
type StaffCodePage struct {
	BasePage
	Enroll bool
	QR     template.URL // a data: URL of the QR code's PNG
	Secret string       // grouped by four for typing
	Next   string
}

func (s *Server) staffCodePage(enroll bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.renderStaffCode(w, r, enroll, http.StatusOK, nil, nil)
	}
}

func (s *Server) renderStaffCode(w http.ResponseWriter, r *http.Request, enroll bool, status int, values map[string]string, fail error) {
	title := "console.code.title"
	if enroll {
		title = "console.enroll.title"
	}
	p := &StaffCodePage{BasePage: BasePage{Title: title, Form: newForm(values), StaffArea: true}, Enroll: enroll,
		Next: localStaffPath(r.URL.Query().Get("next"))}
	token := s.staffToken(r)
	if enroll {
		e, err := s.d.Staff.Enrollment(r.Context(), token)
		if err != nil {
			s.staffPendingFailed(w, r, err)
			return
		}
		p.Secret = groupBy4(e.Secret)
		if p.QR, err = qrDataURL(e.URL); err != nil {
			s.internalError(w, r, err)
			return
		}
	} else if _, _, err := s.d.Staff.Pending(r.Context(), token); err != nil {
		s.staffPendingFailed(w, r, err)
		return
	}
	if fail != nil {
		p.Form.fail(s.t(r), fail, "code")
	}
	s.render(w, r, status, "staff_code", p)
}

// staffPendingFailed sends a browser whose sign-in cannot go on back to
// the password, saying why.
func (s *Server) staffPendingFailed(w http.ResponseWriter, r *http.Request, err error) {
	if !isUnauthorized(err) && problem.KindOf(err) != problem.Conflict {
		s.internalError(w, r, err)
		return
	}
	s.clearStaffCookie(w)
	seeOther(w, r, "/staff?reason=expired")
}

func groupBy4(s string) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// qrDataURL is the QR code as a data: URL; html/template would refuse a
// data: URL given as a string.
func qrDataURL(u string) (template.URL, error) {
	key, err := otp.NewKeyFromURL(u)
	if err != nil {
		return "", err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), nil
}

func (s *Server) staffCodeSubmit(enroll bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := form(w, r, "code")
		if err != nil {
			s.errorPage(w, r, err, "/staff")
			return
		}
		token, sess, err := s.d.Staff.SecondFactor(r.Context(), s.staffToken(r), v["code"], s.staffClient(r))
		if err != nil {
			if problem.KindOf(err) == problem.Invalid || problem.KindOf(err) == problem.TooMany {
				s.renderStaffCode(w, r, enroll, statusOf(problem.KindOf(err)), nil, err)
				return
			}
			if isUnauthorized(err) {
				s.clearStaffCookie(w)
				p := staffSignInPage(nil, "")
				p.Form.fail(s.t(r), err)
				s.render(w, r, http.StatusUnauthorized, "staff_signin", p)
				return
			}
			s.staffPendingFailed(w, r, err)
			return
		}
		next := localStaffPath(r.URL.Query().Get("next"))
		if sess.Stage == staff.StageChangePassword {
			s.staffCookie(w, token, s.d.Staff.Policy().Pending)
			seeOther(w, r, "/staff/password")
			return
		}
		s.staffCookie(w, token, s.d.Staff.Policy().Lifetime)
		if next == "" || next == "/staff" {
			next = "/staff/console"
		}
		seeOther(w, r, next)
	}
}

// StaffPasswordPage asks for a password of the member's own.
type StaffPasswordPage struct{ BasePage }

func (s *Server) staffPasswordPage(w http.ResponseWriter, r *http.Request) {
	if _, _, err := s.d.Staff.Pending(r.Context(), s.staffToken(r)); err != nil {
		s.staffPendingFailed(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "staff_password", &StaffPasswordPage{BasePage{Title: "console.password.title", Form: newForm(nil), StaffArea: true}})
}

func (s *Server) staffPasswordSubmit(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, "password", "password_confirmation")
	if err != nil {
		s.errorPage(w, r, err, "/staff")
		return
	}
	token := s.staffToken(r)
	if _, err := s.d.Staff.ChangePassword(r.Context(), token, v["password"], v["password_confirmation"], s.staffClient(r)); err != nil {
		if problem.KindOf(err) == problem.Invalid {
			p := &StaffPasswordPage{BasePage{Title: "console.password.title", Form: newForm(nil), StaffArea: true}}
			p.Form.fail(s.t(r), err, "password", "password_confirmation")
			s.render(w, r, http.StatusUnprocessableEntity, "staff_password", p)
			return
		}
		s.staffPendingFailed(w, r, err)
		return
	}
	s.staffCookie(w, token, s.d.Staff.Policy().Lifetime)
	seeOther(w, r, "/staff/console")
}

func (s *Server) staffSignOut(w http.ResponseWriter, r *http.Request) {
	if token := s.staffToken(r); token != "" {
		if err := s.d.Staff.SignOut(r.Context(), token, s.staffClient(r)); err != nil {
			s.internalError(w, r, err)
			return
		}
	}
	s.clearStaffCookie(w)
	seeOther(w, r, "/staff?reason=signed_out")
}

// --- The console ---------------------------------------------------------

// StaffConsolePage is the console's home: who is signed in, the center
// acted for, the sections the roles open.
type StaffConsolePage struct {
	StaffBase
}

func (s *Server) staffConsole(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	p := &StaffConsolePage{StaffBase: s.staffBase(r, a, g, "console.title", nil)}
	switch r.URL.Query().Get("done") {
	case "center":
		p.Flash = s.t(r).T("console.center.chosen")
	case "reauth":
		p.Flash = s.t(r).T("console.reauth.done")
	}
	s.render(w, r, http.StatusOK, "staff_console", p)
}

func (s *Server) staffChooseCenter(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	v, err := form(w, r, "center")
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	if err := s.d.Staff.ActFor(r.Context(), a, v["center"]); err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	seeOther(w, r, "/staff/console?done=center")
}

// --- Staff members (administrators) ---------------------------------------

// StaffMembersPage lists the staff and the form for a new member; after a
// creation or a password reset it shows the temporary password once.
type StaffMembersPage struct {
	StaffBase
	Members []staff.Member
	Roles   []string
	Created *staff.Member
	Temp    string
	Self    string
}

func (s *Server) staffMembers(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	s.renderMembers(w, r, a, g, http.StatusOK, nil, nil)
}

func (s *Server) renderMembers(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants, status int, values map[string]string, fail error) {
	list, err := s.d.Staff.List(r.Context(), a)
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	p := &StaffMembersPage{StaffBase: s.staffBase(r, a, g, "console.members.title", values), Members: list, Roles: g.Roles(), Self: a.Member.ID}
	if fail != nil {
		p.Form.fail(s.t(r), fail, "login", "name", "roles", "centers", "code")
	}
	s.render(w, r, status, "staff_members", p)
}

func (s *Server) staffMemberCreate(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	if err := r.ParseForm(); err != nil {
		s.staffError(w, r, a, g, problem.New(problem.BadRequest, "request.malformed"))
		return
	}
	values := map[string]string{"login": r.PostForm.Get("login"), "name": r.PostForm.Get("name"), "centers": r.PostForm.Get("centers")}
	for _, role := range r.PostForm["roles"] {
		values["role."+role] = "on"
	}
	if err := s.freshen(r.Context(), a, r.PostForm.Get("code")); err != nil {
		s.renderMembers(w, r, a, g, statusOf(problem.KindOf(err)), values, err)
		return
	}
	nm := staff.NewMember{Login: values["login"], Name: values["name"], Roles: r.PostForm["roles"], Centers: splitList(values["centers"])}
	m, temp, err := s.d.Staff.Create(r.Context(), a, nm, s.d.CenterExists)
	if err != nil {
		s.renderMembers(w, r, a, g, statusOf(problem.KindOf(err)), values, err)
		return
	}
	list, err := s.d.Staff.List(r.Context(), a)
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	p := &StaffMembersPage{StaffBase: s.staffBase(r, a, g, "console.members.title", nil), Members: list, Roles: g.Roles(), Created: m, Temp: temp, Self: a.Member.ID}
	s.render(w, r, http.StatusCreated, "staff_members", p)
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == ';' })
}

func (s *Server) staffMemberChange(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	v, err := form(w, r, "change", "code")
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	if err := s.freshen(r.Context(), a, v["code"]); err != nil {
		s.renderMembers(w, r, a, g, statusOf(problem.KindOf(err)), nil, err)
		return
	}
	id := r.PathValue("id")
	temp, err := s.d.Staff.Change(r.Context(), a, id, v["change"])
	if err != nil {
		s.renderMembers(w, r, a, g, statusOf(problem.KindOf(err)), nil, err)
		return
	}
	if temp == "" {
		seeOther(w, r, "/staff/members")
		return
	}
	list, err := s.d.Staff.List(r.Context(), a)
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	p := &StaffMembersPage{StaffBase: s.staffBase(r, a, g, "console.members.title", nil), Members: list, Roles: g.Roles(), Temp: temp, Self: a.Member.ID}
	for i := range list {
		if list[i].ID == id {
			p.Created = &list[i]
		}
	}
	s.render(w, r, http.StatusOK, "staff_members", p)
}
