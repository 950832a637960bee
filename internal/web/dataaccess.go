package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/i18n"
	"github.com/kabinet/kabinet/internal/problem"
)

// «Кто смотрел мои данные» (audit.DataAccess): the page
// /account/data-access and GET /api/v1/me/data-access, every staff access
// to the signed-in citizen's data, newest first, a page at a time. The
// staff member is never named: their role, their center and the record's
// number, which the citizen can quote to the support (decision 13).

// dataAccessPageSize is how many accesses a page shows.
const dataAccessPageSize = 50

// AccessView is one access as shown and sent: the codes and their words
// in the reader's language.
type AccessView struct {
	Reference  string
	At         time.Time
	Action     string
	ActionText string
	Role       string
	RoleText   string
	Center     string // the center's name; "" when unknown
	Reason     string
	ReasonText string // "" when no reason was recorded
	// Site is the site that received data through single sign-on, in the
	// reader's language ("" for a staff access); FieldsText what it
	// received.
	Site       string
	Fields     []string
	FieldsText string
}

// accessView words an access: an action or role the catalog does not know
// gets the generic words; a reason it does not know is shown as recorded.
func (s *Server) accessView(t i18n.Localizer, a audit.Access) AccessView {
	v := AccessView{Reference: a.Reference, At: a.At, Action: a.Action, Role: a.Role, Center: a.Center, Reason: a.Reason}
	word := func(vocab, code, fallback string) string {
		if code != "" && s.cat.Has(t.Lang, vocab+code) {
			return t.T(vocab + code)
		}
		if fallback == "" {
			return code
		}
		return t.T(fallback)
	}
	v.ActionText = word("audit.action.", a.Action, "audit.action.other")
	v.RoleText = word("audit.role.", a.Role, "audit.role.other")
	v.ReasonText = word("audit.reason.", a.Reason, "")
	if a.Site != "" {
		v.Site, v.Fields, v.RoleText = a.Site, a.Fields, t.T("data_access.site")
		if t.Lang == "en" && a.SiteEN != "" {
			v.Site = a.SiteEN
		}
		var words []string
		for _, f := range a.Fields {
			words = append(words, word("oidc.scope.", f, ""))
		}
		v.FieldsText = strings.Join(words, ", ")
		v.ActionText = t.T("data_access.site_received", "Site", v.Site, "Fields", v.FieldsText)
	}
	return v
}

// DataAccessPage is «Кто смотрел мои данные».
type DataAccessPage struct {
	BasePage
	Accesses []AccessView
	// Older is the link to the next, older page; "" on the last.
	Older string
	// Paged says this is not the first page (a link back to the newest).
	Paged bool
}

func (s *Server) dataAccessPage(w http.ResponseWriter, r *http.Request) {
	cursor, err := audit.ParseCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		// A link, not a form: the page says what is wrong with it.
		s.errorPage(w, r, problem.New(problem.Invalid, "audit.cursor.invalid"), "/account/data-access")
		return
	}
	p, err := s.d.DataAccess.List(r.Context(), accountOf(r).ID, cursor, dataAccessPageSize)
	if err != nil {
		s.errorPage(w, r, err, "/account/data-access")
		return
	}
	t := s.t(r)
	page := &DataAccessPage{BasePage: BasePage{Title: "data_access.title"}, Paged: cursor != 0}
	for _, a := range p.Accesses {
		page.Accesses = append(page.Accesses, s.accessView(t, a))
	}
	if p.Next != 0 {
		page.Older = "/account/data-access?cursor=" + p.Next.String()
	}
	s.render(w, r, http.StatusOK, "data_access", page)
}

// accessJSON is one access to the citizen's data: staff's or a site's.
type accessJSON struct {
	Reference  string    `json:"reference"`
	At         time.Time `json:"at"`
	Action     string    `json:"action"`
	ActionText string    `json:"action_text"`
	Role       string    `json:"role"`
	RoleText   string    `json:"role_text"`
	Center     *string   `json:"center"`
	Reason     *string   `json:"reason"`
	ReasonText *string   `json:"reason_text"`
	Site       *string   `json:"site"`
	Fields     []string  `json:"fields"`
}

// accessListJSON is a page of accesses, newest first.
type accessListJSON struct {
	Accesses   []accessJSON `json:"accesses"`
	NextCursor *string      `json:"next_cursor"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) apiDataAccess(w http.ResponseWriter, r *http.Request) {
	cursor, err := audit.ParseCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	p, err := s.d.DataAccess.List(r.Context(), accountOf(r).ID, cursor, dataAccessPageSize)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	t := s.t(r)
	out := accessListJSON{Accesses: make([]accessJSON, 0, len(p.Accesses))}
	for _, a := range p.Accesses {
		v := s.accessView(t, a)
		out.Accesses = append(out.Accesses, accessJSON{Reference: v.Reference, At: v.At.UTC(), Action: v.Action, ActionText: v.ActionText,
			Role: v.Role, RoleText: v.RoleText, Center: optional(v.Center), Reason: optional(v.Reason), ReasonText: optional(v.ReasonText),
			Site: optional(v.Site), Fields: append([]string{}, v.Fields...)})
	}
	if p.Next != 0 {
		out.NextCursor = optional(p.Next.String())
	}
	writeJSON(w, http.StatusOK, out)
}
