package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/kabinet/kabinet/internal/problem"
)

// statusOf maps a problem kind to its HTTP status, once for the whole server.
func statusOf(k problem.Kind) int {
	switch k {
	case problem.Invalid:
		return http.StatusUnprocessableEntity
	case problem.BadRequest:
		return http.StatusBadRequest
	case problem.Unauthorized:
		return http.StatusUnauthorized
	case problem.Forbidden:
		return http.StatusForbidden
	case problem.NotFound:
		return http.StatusNotFound
	case problem.Conflict:
		return http.StatusConflict
	case problem.Expired:
		return http.StatusGone
	case problem.TooMany:
		return http.StatusTooManyRequests
	case problem.Unavailable:
		return http.StatusServiceUnavailable
	case problem.TooLarge:
		return http.StatusRequestEntityTooLarge
	case problem.MethodNotAllowed:
		return http.StatusMethodNotAllowed
	}
	return http.StatusInternalServerError
}

func isUnauthorized(err error) bool { return problem.KindOf(err) == problem.Unauthorized }

// problemBody is the API's error document (RFC 9457 with kabinet's fields):
// code is the stable machine-readable message ID, message the sentence in
// the request's language, fields the per-field sentences and field_codes
// their IDs.
type problemBody struct {
	Type       string            `json:"type"`
	Title      string            `json:"title"`
	Status     int               `json:"status"`
	Code       string            `json:"code"`
	Message    string            `json:"message"`
	Fields     map[string]string `json:"fields,omitempty"`
	FieldCodes map[string]string `json:"field_codes,omitempty"`
	RetryAfter int               `json:"retry_after,omitempty"`
	RequestID  string            `json:"request_id"`
}

// apiError writes err as a problem document. Internal errors are logged
// with the request ID and shown only as "something went wrong".
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	st := reqCtx(r)
	t := s.cat.For(st.lang)
	p, ok := problem.As(err)
	if !ok || p.Kind == problem.Internal {
		s.log.Error("internal error", "request_id", st.requestID, "error", err)
		p = &problem.Error{Kind: problem.Internal, Message: problem.M("error.internal")}
	}
	status := statusOf(p.Kind)
	body := problemBody{Type: "about:blank", Title: http.StatusText(status), Status: status, Code: p.Message.ID,
		Message: t.Msg(p.Message), RequestID: st.requestID}
	if len(p.Fields) > 0 {
		body.Fields, body.FieldCodes = map[string]string{}, map[string]string{}
		for _, f := range p.Fields {
			body.Fields[f.Field] = t.Msg(f.Message)
			body.FieldCodes[f.Field] = f.ID
		}
	}
	if (p.Kind == problem.TooMany || p.Kind == problem.Unavailable) && p.RetryAfter > 0 {
		secs := int(p.RetryAfter.Seconds())
		body.RetryAfter = secs
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	if p.Kind == problem.Unauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kabinet"`)
	}
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// writeJSON writes a JSON response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ErrorPage shows a failure that has no form to return to.
type ErrorPage struct {
	BasePage
	Status  int
	Heading string // message ID of the heading
	Message string
	Back    string // where "start again" leads
}

// errorPage renders a problem as a page with a way back.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, err error, back string) {
	st := reqCtx(r)
	t := s.cat.For(st.lang)
	p, ok := problem.As(err)
	if !ok || p.Kind == problem.Internal {
		s.internalError(w, r, err)
		return
	}
	if (p.Kind == problem.TooMany || p.Kind == problem.Unavailable) && p.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(p.RetryAfter.Seconds())))
	}
	status := statusOf(p.Kind)
	page := &ErrorPage{BasePage: BasePage{Title: "error.title"}, Status: status, Heading: "error.heading", Message: t.Msg(p.Message), Back: back}
	if status == http.StatusNotFound {
		// Nothing failed: the address leads nowhere, and the page says so.
		page.Title, page.Heading = "error.not_found", "error.not_found"
	}
	s.render(w, r, status, "error", page)
}

// internalError logs err and shows the localized "something went wrong"
// page with the request ID, never the error text.
func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	st := reqCtx(r)
	s.log.Error("internal error", "request_id", st.requestID, "path", r.URL.Path, "error", err)
	if wantsJSON(r) {
		s.apiError(w, r, errors.New("internal"))
		return
	}
	t := s.cat.For(st.lang)
	p := &ErrorPage{BasePage: BasePage{Title: "error.title"}, Status: 500, Heading: "error.heading", Message: t.T("error.internal"), Back: "/"}
	tpl, ok := s.r.pages["error"]
	if !ok {
		http.Error(w, "Internal Server Error", 500)
		return
	}
	s.fillBase(r, &p.BasePage)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(500)
	if err := tpl.ExecuteTemplate(w, "layout.html", p); err != nil {
		s.log.Error("render error page", "error", err)
	}
}

func wantsJSON(r *http.Request) bool {
	return len(r.URL.Path) >= 5 && r.URL.Path[:5] == "/api/"
}
