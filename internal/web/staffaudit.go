package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/staff"
)

// The administrators' search of the audit log (audit.read). A search is
// itself recorded (staff.audit_searched, with the filter): who looked into
// the log, and for what, is in the log.

// auditParams are the filter's parameters, in the form and the API.
var auditParams = []string{"actor", "subject", "action", "center", "from", "to"}

func auditFilter(v url.Values) (audit.Filter, error) {
	f := audit.Filter{ActorID: v.Get("actor"), SubjectAccountID: v.Get("subject"), Action: v.Get("action"), CenterID: v.Get("center")}
	var fields problem.Fields
	for _, x := range []struct {
		name string
		to   *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if s := v.Get(x.name); s != "" {
			t, err := parseWhen(s)
			if err != nil {
				fields.Add(x.name, problem.M("console.audit.time_format"))
				continue
			}
			*x.to = t
		}
	}
	if c := v.Get("cursor"); c != "" {
		cur, err := audit.ParseCursor(c)
		if err != nil {
			fields.Add("cursor", problem.M("console.audit.cursor"))
		}
		f.Cursor = cur
	}
	return f, fields.Err()
}

// parseWhen reads a moment as RFC 3339, or a date or date and minute as a
// browser's date and datetime-local fields send them (Moscow time).
func parseWhen(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	msk := time.FixedZone("MSK", 3*3600)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, msk); err == nil {
			return t, nil
		}
	}
	return time.Time{}, problem.New(problem.Invalid, "console.audit.time_format")
}

func auditDetails(v url.Values) map[string]string {
	d := map[string]string{}
	for _, k := range auditParams {
		if x := v.Get(k); x != "" {
			d[k] = x
		}
	}
	return d
}

// StaffAuditPage is the search form and one page of records.
type StaffAuditPage struct {
	StaffBase
	Searched bool
	Events   []audit.Event
	Next     string // the next page's URL; "" on the last
}

func (s *Server) staffAuditPage(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	v := r.URL.Query()
	values := map[string]string{}
	for _, k := range auditParams {
		values[k] = v.Get(k)
	}
	p := &StaffAuditPage{StaffBase: s.staffBase(r, a, g, "console.audit.title", values), Searched: len(v) > 0}
	if !p.Searched {
		s.render(w, r, http.StatusOK, "staff_audit", p)
		return
	}
	f, err := auditFilter(v)
	var page audit.Page
	if err == nil {
		page, err = s.d.AuditSearch.Find(r.Context(), f)
	}
	if err != nil {
		if problem.KindOf(err) != problem.Invalid {
			s.internalError(w, r, err)
			return
		}
		p.Form.fail(s.t(r), err, auditParams...)
		s.render(w, r, http.StatusUnprocessableEntity, "staff_audit", p)
		return
	}
	if err := s.d.Staff.Record(r.Context(), a, g, staff.PermAuditRead, "staff.audit_searched", "", auditDetails(v)); err != nil {
		s.internalError(w, r, err)
		return
	}
	p.Events = page.Events
	if page.Next != 0 {
		q := url.Values{}
		for k, x := range values {
			if x != "" {
				q.Set(k, x)
			}
		}
		q.Set("cursor", page.Next.String())
		p.Next = "/staff/audit?" + q.Encode()
	}
	s.render(w, r, http.StatusOK, "staff_audit", p)
}

type auditEventJSON struct {
	ID        int64             `json:"id"`
	At        time.Time         `json:"at"`
	Action    string            `json:"action"`
	ActorKind string            `json:"actor_kind"`
	ActorID   string            `json:"actor_id"`
	ActorRole string            `json:"actor_role"`
	CenterID  string            `json:"center_id"`
	Reason    string            `json:"reason"`
	Subject   string            `json:"subject_account_id"`
	IP        string            `json:"ip"`
	RequestID string            `json:"request_id"`
	Details   map[string]string `json:"details"`
}

type auditPageJSON struct {
	Events []auditEventJSON `json:"events"`
	Next   string           `json:"next"` // the cursor of the next page; "" on the last
}

func (s *Server) apiStaffAudit(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	v := r.URL.Query()
	f, err := auditFilter(v)
	var page audit.Page
	if err == nil {
		page, err = s.d.AuditSearch.Find(r.Context(), f)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.d.Staff.Record(r.Context(), a, g, staff.PermAuditRead, "staff.audit_searched", "", auditDetails(v)); err != nil {
		s.apiError(w, r, err)
		return
	}
	out := auditPageJSON{Events: []auditEventJSON{}, Next: page.Next.String()}
	for _, e := range page.Events {
		d := e.Details
		if d == nil {
			d = map[string]string{}
		}
		out.Events = append(out.Events, auditEventJSON{ID: e.ID, At: e.At, Action: e.Action, ActorKind: e.ActorKind, ActorID: e.ActorID,
			ActorRole: e.ActorRole, CenterID: e.CenterID, Reason: e.Reason, Subject: e.SubjectAccountID, IP: e.IP, RequestID: e.RequestID, Details: d})
	}
	writeJSON(w, http.StatusOK, out)
}
