package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/i18n"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/staff"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// BasePage is what every page carries: the language, the signed-in
// account (if any), the deployment's details for the header and footer,
// and the form state.
type BasePage struct {
	T         i18n.Localizer
	Lang      string
	Title     string // message ID of the page title
	Account   *account.Account
	Demo      bool
	Site      SiteInfo
	Path      string // the current path, for the language switch
	RawQuery  string // and its query, kept by the switch (a site's request ID, a link's code)
	RequestID string
	Flash     string    // a translated one-line notice shown above the content
	Form      *FormView // nil on pages without a form
	// LangForm is the id of the page's form whose submit button the
	// language switch is, so that what was typed is kept; "" for a link.
	LangForm string
	Session  *SessionView // a cookie session's inactivity warning; nil without one
	Now      time.Time    // when the page is rendered: deadlines on this day in Moscow go without their date
	// StaffArea marks the console's pages (under /staff): the header shows
	// the staff member and the console's menu, never a citizen's account.
	StaffArea bool
	Staff     *StaffView // the signed-in staff member; nil on the console's sign-in pages
	// Region is the visitor's chosen region, shown in the header; nil
	// until chosen (and on the console).
	Region *RegionView
	// Return is a site's sign-in waiting while the citizen raises their
	// level: a banner leads back to it. nil without one.
	Return *ReturnView
	asset  func(string) string
}

// LangURL is this page's address in the language l: its query kept, but
// for lang.
func (b *BasePage) LangURL(l string) string {
	q, _ := url.ParseQuery(b.RawQuery)
	q.Set("lang", l)
	return b.Path + "?" + q.Encode()
}

// SiteInfo is the deployment's identity shown on every page.
type SiteInfo struct {
	Operator     string
	OperatorEN   string // the operator's name on the English pages
	SupportPhone string
	SupportEmail string
	// Demo mode only: the demo citizen's credentials, shown on the banner.
	DemoLogin string
	// DemoStandardLogin and DemoStandardSNILS sign in the standard demo
	// citizen (the same password).
	DemoStandardLogin, DemoStandardSNILS string
	// DemoConfirmedLogin signs in the confirmed demo citizen (confirmed
	// in person at the demo operator's center).
	DemoConfirmedLogin string
	// DemoLetterLogin signs in the standard demo citizen whose registered
	// letter is on its way; DemoLetterCode is the code printed in it.
	DemoLetterLogin, DemoLetterCode string
	DemoPassword                    string
	// DemoStaff are the demo staff members, whose authenticator codes the
	// banner shows as they change.
	DemoStaff []DemoStaff
}

// DemoStaff is one demo staff member on the banner.
type DemoStaff struct {
	Login, Role, Secret string
}

// Code is the demo member's authenticator code at now.
func (d DemoStaff) Code(now time.Time) string {
	c, err := staff.Code(d.Secret, now)
	if err != nil {
		return ""
	}
	return c
}

// Operator is the deployment's operator in the page's language.
func (b *BasePage) Operator() string {
	if b.Lang == "en" && b.Site.OperatorEN != "" {
		return b.Site.OperatorEN
	}
	return b.Site.Operator
}

// Asset returns the content-hashed URL of a static file.
func (b *BasePage) Asset(name string) string { return b.asset(name) }

// FormView is a form's typed values and its translated messages.
type FormView struct {
	Values  map[string]string
	Errors  map[string]string // field → message
	Summary map[string]string // field → its line in the error summary, which names the field
	Order   []string          // fields with errors, in form order, for the summary
	Message string            // a form-level message (not tied to a field)
}

// Value returns a field's value.
func (f *FormView) Value(name string) string {
	if f == nil {
		return ""
	}
	return f.Values[name]
}

// Error returns a field's message.
func (f *FormView) Error(name string) string {
	if f == nil {
		return ""
	}
	return f.Errors[name]
}

// SummaryLine is a field's entry in the error summary.
func (f *FormView) SummaryLine(name string) string {
	if f == nil {
		return ""
	}
	if l, ok := f.Summary[name]; ok {
		return l
	}
	return f.Errors[name]
}

// HasErrors reports whether the summary should show.
func (f *FormView) HasErrors() bool { return f != nil && (len(f.Order) > 0 || f.Message != "") }

// newForm returns a form view holding the given values.
func newForm(values map[string]string) *FormView {
	if values == nil {
		values = map[string]string{}
	}
	return &FormView{Values: values, Errors: map[string]string{}, Summary: map[string]string{}}
}

// fieldLabels are the labels of the fields whose rules are shared by
// several fields (a name's rule holds for the surname and the given name),
// by field name.
var fieldLabels = map[string]string{
	"surname":             "register.surname",
	"name":                "register.name",
	"patronymic":          "mydata.patronymic",
	"birth_date":          "mydata.birth_date",
	"birth_place":         "mydata.birth_place",
	"document.issue_date": "mydata.issue_date",
	"document.issued_by":  "mydata.issued_by",
}

// namesNoField reports whether a message ID belongs to a rule shared by
// several fields, whose message cannot say which field it is about
// ("Заполните это поле"): the summary puts the field's label before it.
func namesNoField(id string) bool {
	return strings.HasPrefix(id, "name.") || strings.HasPrefix(id, "field.") || strings.HasPrefix(id, "date.")
}

// day writes a day (a date without a time): "15.03.2026" as documents
// write it in Russian, "15 March 2026" in English.
func day(lang string, t time.Time) string {
	if lang == string(i18n.EN) {
		return t.Format("2 January 2006")
	}
	return t.Format("02.01.2006")
}

// labelled writes a summary line as GOV.UK does for a shared rule:
// "Фамилия: заполните это поле".
func labelled(label, msg string) string {
	r, size := utf8.DecodeRuneInString(msg)
	return label + ": " + string(unicode.ToLower(r)) + msg[size:]
}

// fail puts a problem's messages into the form: each field's next to it,
// anything else as the form message.
func (f *FormView) fail(t i18n.Localizer, err error, fieldOrder ...string) {
	p, ok := problem.As(err)
	if !ok {
		f.Message = t.T("error.internal")
		return
	}
	for _, fe := range p.Fields {
		if _, dup := f.Errors[fe.Field]; !dup {
			f.Errors[fe.Field] = t.Msg(fe.Message)
			if label, ok := fieldLabels[fe.Field]; ok && namesNoField(fe.ID) {
				f.Summary[fe.Field] = labelled(t.T(label), f.Errors[fe.Field])
			}
		}
	}
	for _, name := range fieldOrder {
		if _, ok := f.Errors[name]; ok {
			f.Order = append(f.Order, name)
		}
	}
	for _, fe := range p.Fields { // fields the handler did not list still show
		if !slices.Contains(f.Order, fe.Field) {
			f.Order = append(f.Order, fe.Field)
		}
	}
	if len(p.Fields) == 0 {
		f.Message = t.Msg(p.Message)
	}
}

// renderer holds the parsed templates and the static file table.
type renderer struct {
	pages  map[string]*template.Template
	hashed map[string]string // "css/site.css" → "/static/<hash>/css/site.css"
	files  map[string]string // hashed path → embedded path
}

func funcs() template.FuncMap {
	return template.FuncMap{
		"t": func(l i18n.Localizer, id string, kv ...any) string { return l.T(id, kv...) },
		// Times are written by i18n, the same way as in SMS and e-mail:
		// date for a past moment in full, until for a deadline and at for
		// a moment to come, both against the page's Now.
		"date":      func(lang string, t time.Time) string { return i18n.DateTime(i18n.Lang(lang), t) },
		"until":     func(lang string, t, now time.Time) string { return i18n.Until(i18n.Lang(lang), t, now) },
		"at":        func(lang string, t, now time.Time) string { return i18n.At(i18n.Lang(lang), t, now) },
		"iso":       func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"day":       day,
		"fieldID":   fieldID,
		"errorID":   func(name string) string { return fieldID(name) + "-error" },
		"trimSpace": strings.TrimSpace,
		"join":      strings.Join,
		"levelKey":  func(l account.Level) string { return "level." + string(l) },
		"device":    session.Device,
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
	}
}

// fieldID is the id of a field's input: "f-" and its name with "_" and
// "." as "-" ("document.issue_date" → "f-document-issue-date"), so that it
// needs no escaping in a CSS selector or a link's fragment.
func fieldID(name string) string {
	return "f-" + strings.NewReplacer("_", "-", ".", "-").Replace(name)
}

// rendered is the renderer every server of the process shares: the pages
// and static files are embedded, and parsed templates may be executed
// concurrently, so they are parsed once (the tests start hundreds of
// servers).
var rendered = sync.OnceValues(newRenderer)

func newRenderer() (*renderer, error) {
	r := &renderer{pages: map[string]*template.Template{}, hashed: map[string]string{}, files: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(staticFS, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		rel := strings.TrimPrefix(p, "static/")
		url := "/static/" + hex.EncodeToString(sum[:6]) + "/" + rel
		r.hashed[rel], r.files[url] = url, p
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: static: %w", err)
	}
	layout, err := template.New("layout.html").Funcs(funcs()).ParseFS(templateFS, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("web: layout: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" || base == "partials.html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", base, err)
		}
		r.pages[strings.TrimSuffix(base, ".html")] = t
	}
	return r, nil
}

func (r *renderer) asset(name string) string {
	if u, ok := r.hashed[name]; ok {
		return u
	}
	return "/static/missing/" + name
}

// page is implemented by every page struct through its embedded BasePage.
type page interface{ base() *BasePage }

func (b *BasePage) base() *BasePage { return b }

// render writes a page into a buffer first, so that a template error
// becomes a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := s.r.pages[name]
	if !ok {
		s.internalError(w, r, fmt.Errorf("web: no template %q", name))
		return
	}
	b := p.base()
	s.fillBase(r, b)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.internalError(w, r, fmt.Errorf("web: render %s: %w", name, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) fillBase(r *http.Request, b *BasePage) {
	rc := reqCtx(r)
	b.T = s.cat.For(rc.lang)
	b.Lang = string(rc.lang)
	b.Now = s.d.Now()
	if b.Account == nil && rc.account != nil && !b.StaffArea {
		b.Account = rc.account
	}
	b.Demo = s.d.Demo
	b.Site = s.site
	b.Path, b.RawQuery = r.URL.Path, r.URL.RawQuery
	b.RequestID = rc.requestID
	b.asset = s.r.asset
	b.Session = s.sessionView(r)
	if !b.StaffArea && b.Region == nil {
		b.Region = s.regionView(r)
		if b.Flash == "" && b.Region != nil && r.URL.Query().Get("region_chosen") != "" {
			b.Flash = b.T.T("choose_region.chosen", "Name", b.Region.Name)
		}
	}
	if !b.StaffArea && b.Return == nil && !strings.HasPrefix(r.URL.Path, "/oidc/") {
		b.Return = s.returnView(r)
	}
	if b.Flash == "" && rc.endedErr != nil {
		b.Flash = s.endedMessage(r, endedReason(rc.endedErr)) // the next page says why
	}
}

// serveStatic serves embedded assets under their content-hash URLs with a
// long cache lifetime.
func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	p, ok := s.r.files[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(staticFS, p)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	switch path.Ext(p) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case ".svg":
		w.Header().Set("Content-Type", "image/svg+xml")
	case ".geojson":
		w.Header().Set("Content-Type", "application/geo+json")
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(b)
}
