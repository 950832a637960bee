package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/export"
	"github.com/kabinet/kabinet/internal/i18n"
)

// exportJSON is everything kabinet holds about the account
// (GET /api/v1/me/export).
type exportJSON struct {
	GeneratedAt time.Time        `json:"generated_at"`
	AccountID   string           `json:"account_id"`
	Parts       []exportPartJSON `json:"parts"`
}

// exportPartJSON is one feature's part: its records as objects keyed by
// the part's columns; a value not set (a session not ended, an account
// without e-mail) is null.
type exportPartJSON struct {
	Name  string           `json:"name"`
	Title string           `json:"title"`
	Data  []map[string]any `json:"data"`
}

func jsonValue(v export.Value) any {
	switch v.Kind {
	case export.KindTime:
		if v.Time.IsZero() {
			return nil
		}
		return v.Time.UTC()
	default:
		if v.Text == "" {
			return nil
		}
		return v.Text
	}
}

func (s *Server) exportJSON(t i18n.Localizer, e *export.Export) exportJSON {
	out := exportJSON{GeneratedAt: e.GeneratedAt.UTC(), AccountID: e.AccountID, Parts: make([]exportPartJSON, 0, len(e.Sections))}
	for _, sec := range e.Sections {
		p := exportPartJSON{Name: sec.Part.Name, Title: t.T(sec.Part.Title), Data: make([]map[string]any, 0, len(sec.Records))}
		for _, rec := range sec.Records {
			m := make(map[string]any, len(rec))
			for i, v := range rec {
				m[sec.Part.Columns[i]] = jsonValue(v)
			}
			p.Data = append(p.Data, m)
		}
		out.Parts = append(out.Parts, p)
	}
	return out
}

func (s *Server) exportClient(r *http.Request, format string) export.Client {
	c := s.client(r)
	return export.Client{IP: c.IP, RequestID: c.RequestID, Format: format}
}

// apiExport answers the account's data; with ?download=1 as a dated file
// to save.
func (s *Server) apiExport(w http.ResponseWriter, r *http.Request) {
	download := r.URL.Query().Get("download") != ""
	format := "json"
	if download {
		format = "download"
	}
	e, err := s.d.Export.Export(r.Context(), accountOf(r).ID, s.exportClient(r, format))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if download {
		w.Header().Set("Content-Disposition", `attachment; filename="kabinet-export-`+e.GeneratedAt.UTC().Format("2006-01-02")+`.json"`)
	}
	writeJSON(w, http.StatusOK, s.exportJSON(s.t(r), e))
}

// ExportPage is the account's data as a printable page.
type ExportPage struct {
	BasePage
	GeneratedAt time.Time
	Sections    []ExportSection
}

// ExportSection is one part, its values written out in the page's
// language.
type ExportSection struct {
	Name     string
	Title    string
	One      bool     // a single record: a list of fields
	Empty    string   // said when Rows is empty
	Headings []string // per column
	Rows     [][]ExportCell
}

// ExportCell is one value as shown.
type ExportCell struct {
	Text     string
	DateTime string // RFC 3339 for a <time> element; "" when not a time
}

// cell writes a value in the reader's language: a moment with the pages'
// formatter, a word of a vocabulary by its message (its code when the
// vocabulary has no wording for it), nothing as a dash.
func (s *Server) cell(t i18n.Localizer, v export.Value) ExportCell {
	switch {
	case v.Kind == export.KindTime && !v.Time.IsZero():
		return ExportCell{Text: i18n.DateTime(t.Lang, v.Time), DateTime: v.Time.UTC().Format(time.RFC3339)}
	case v.Kind == export.KindTime || v.Text == "":
		return ExportCell{Text: "—"}
	case v.Kind == export.KindTerm:
		id := v.Vocab + "." + strings.ReplaceAll(v.Text, "+", "_")
		if s.cat.Has(t.Lang, id) {
			return ExportCell{Text: t.T(id)}
		}
	}
	return ExportCell{Text: v.Text}
}

func (s *Server) exportPage(w http.ResponseWriter, r *http.Request) {
	e, err := s.d.Export.Export(r.Context(), accountOf(r).ID, s.exportClient(r, "page"))
	if err != nil {
		s.errorPage(w, r, err, "/account")
		return
	}
	t := s.t(r)
	p := &ExportPage{BasePage: BasePage{Title: "export.page.title"}, GeneratedAt: e.GeneratedAt}
	for _, sec := range e.Sections {
		v := ExportSection{Name: sec.Part.Name, Title: t.T(sec.Part.Title), One: sec.Part.One}
		if sec.Part.Empty != "" {
			v.Empty = t.T(sec.Part.Empty)
		}
		for _, c := range sec.Part.Columns {
			v.Headings = append(v.Headings, t.T(sec.Part.Heading(c)))
		}
		for _, rec := range sec.Records {
			row := make([]ExportCell, len(rec))
			for i, val := range rec {
				row[i] = s.cell(t, val)
			}
			v.Rows = append(v.Rows, row)
		}
		p.Sections = append(p.Sections, v)
	}
	s.render(w, r, http.StatusOK, "export", p)
}
