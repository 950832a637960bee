package web

import (
	"net/http"
	"time"

	"github.com/kabinet/kabinet/internal/relyingparty"
	"github.com/kabinet/kabinet/internal/sso"
)

// «Мои разрешения» (issue 15 §3): every site the citizen let in through
// single sign-on — what it may receive, since when, its last sign-in —
// and the withdrawal, which ends the sign-ins there. The page
// /account/permissions and GET/DELETE /api/v1/me/permissions.

// PermissionView is one site as the page and the API show it.
type PermissionView struct {
	ClientID   string
	Name       string
	Host       string
	Privacy    string
	Data       []string // message IDs of the data it may receive
	Scopes     []string
	GivenAt    time.Time // zero when no data was consented
	LastSignIn time.Time
	Live       bool
}

func permissionView(p sso.Permission, lang string) PermissionView {
	site := siteView(p.Site, lang)
	v := PermissionView{ClientID: p.Site.ID, Name: site.Name, Host: site.Host, Privacy: site.Privacy, Scopes: p.Scopes,
		GivenAt: p.GivenAt, LastSignIn: p.LastSignIn, Live: p.Live}
	for _, sc := range p.Scopes {
		if sc != relyingparty.ScopeOfflineAccess {
			v.Data = append(v.Data, "oidc.scope."+sc)
		}
	}
	return v
}

// PermissionsPage is «Мои разрешения».
type PermissionsPage struct {
	BasePage
	Sites []PermissionView
}

func (s *Server) permissionsPage(w http.ResponseWriter, r *http.Request) {
	ps, err := s.d.SSO.Permissions(r.Context(), accountOf(r).ID)
	if err != nil {
		s.errorPage(w, r, err, "/account")
		return
	}
	p := &PermissionsPage{BasePage: BasePage{Title: "permissions.title"}}
	for _, x := range ps {
		p.Sites = append(p.Sites, permissionView(x, string(reqCtx(r).lang)))
	}
	if r.URL.Query().Get("done") == "withdrawn" {
		p.Flash = s.t(r).T("permissions.withdrawn")
	}
	s.render(w, r, http.StatusOK, "permissions", p)
}

func (s *Server) permissionWithdraw(w http.ResponseWriter, r *http.Request) {
	if err := s.d.SSO.Withdraw(r.Context(), accountOf(r).ID, r.PathValue("client")); err != nil {
		s.errorPage(w, r, err, "/account/permissions")
		return
	}
	seeOther(w, r, "/account/permissions?done=withdrawn")
}

// permissionJSON is one site the citizen let in.
type permissionJSON struct {
	ClientID   string     `json:"client_id"`
	Name       string     `json:"name"`
	Host       string     `json:"host"`
	Scopes     []string   `json:"scopes"`
	GivenAt    *time.Time `json:"given_at"`
	LastSignIn *time.Time `json:"last_sign_in"`
	SignedIn   bool       `json:"signed_in"`
}

type permissionListJSON struct {
	Permissions []permissionJSON `json:"permissions"`
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func (s *Server) apiPermissions(w http.ResponseWriter, r *http.Request) {
	ps, err := s.d.SSO.Permissions(r.Context(), accountOf(r).ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := permissionListJSON{Permissions: []permissionJSON{}}
	for _, p := range ps {
		v := permissionView(p, string(reqCtx(r).lang))
		out.Permissions = append(out.Permissions, permissionJSON{ClientID: v.ClientID, Name: v.Name, Host: v.Host, Scopes: append([]string{}, v.Scopes...),
			GivenAt: optionalTime(v.GivenAt), LastSignIn: optionalTime(v.LastSignIn), SignedIn: v.Live})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiPermissionWithdraw(w http.ResponseWriter, r *http.Request) {
	if err := s.d.SSO.Withdraw(r.Context(), accountOf(r).ID, r.PathValue("client_id")); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
