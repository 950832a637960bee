package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/catalog"
	"github.com/kabinet/kabinet/internal/places"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/staff"
)

// The catalog editors' console (issue 14 §2, catalog.manage): the list of
// services with their state, a service's form (save a draft, publish it
// with a fresh code, discard it), the categories, agencies and synonyms,
// and the catalog's import and export as one JSON document. The domain
// checks and audits every change (internal/catalog/edit.go).

// maxServiceForm bounds a service form: its texts in Cyrillic are six
// bytes a letter once URL-encoded.
const maxServiceForm = 1 << 20

// catalogPerPage is the editors' list's page.
const catalogPerPage = 50

// StaffCatalogPage is the editors' list, with the import and the export.
type StaffCatalogPage struct {
	StaffBase
	Entries    []catalog.Entry
	Total      int
	Categories []catalog.Category
	States     []catalog.State
	Report     *CatalogReportView
	// NextURL and PrevURL page the list ("" at either end).
	NextURL, PrevURL string
}

// CategoryTitle names a category in the page's language (its ID when
// unknown).
func (p *StaffCatalogPage) CategoryTitle(id string) string {
	if i := slices.IndexFunc(p.Categories, func(c catalog.Category) bool { return c.ID == id }); i >= 0 {
		return p.Categories[i].Title.In(p.Lang)
	}
	return id
}

// CatalogReportView is an import's outcome: what was saved, or every
// rejection by its path in the document.
type CatalogReportView struct {
	*catalog.ImportReport // nil when refused
	Lines                 []string
}

func (s *Server) staffCatalog(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	q := r.URL.Query()
	values := map[string]string{"q": q.Get("q"), "state": q.Get("state"), "category": q.Get("category")}
	p, ok := s.catalogList(w, r, a, g, values)
	if !ok {
		return
	}
	switch q.Get("done") {
	case "published":
		p.Flash = s.t(r).T("console.catalog.published", "ID", q.Get("id"))
	case "discarded":
		p.Flash = s.t(r).T("console.catalog.discarded", "ID", q.Get("id"))
	}
	s.render(w, r, http.StatusOK, "staff_catalog", p)
}

// catalogList fills the list for the filter's values; a refused filter
// shows its message on its field.
func (s *Server) catalogList(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants, values map[string]string) (*StaffCatalogPage, bool) {
	ctx := r.Context()
	p := &StaffCatalogPage{StaffBase: s.staffBase(r, a, g, "console.catalog.title", values), States: catalog.States}
	var err error
	if p.Categories, err = s.d.Services.Categories(ctx); err != nil {
		s.internalError(w, r, err)
		return nil, false
	}
	list, err := s.d.Services.Services(ctx, a, catalog.Filter{Q: values["q"], State: catalog.State(values["state"]), Category: values["category"]})
	if err != nil {
		if problem.KindOf(err) != problem.Invalid {
			s.staffError(w, r, a, g, err)
			return nil, false
		}
		p.Form.fail(s.t(r), err, "q", "state", "category")
	}
	p.Total = len(list)
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	offset = max(0, min(offset, len(list)))
	p.Entries = list[offset:min(offset+catalogPerPage, len(list))]
	page := func(at int) string {
		v := url.Values{}
		for k, x := range values {
			if x != "" {
				v.Set(k, x)
			}
		}
		if at > 0 {
			v.Set("offset", strconv.Itoa(at))
		}
		return "/staff/catalog?" + v.Encode()
	}
	if offset+catalogPerPage < len(list) {
		p.NextURL = page(offset + catalogPerPage)
	}
	if offset > 0 {
		p.PrevURL = page(max(0, offset-catalogPerPage))
	}
	return p, true
}

// staffCatalogExport downloads the whole catalog, each service in its
// latest version: the file the import reads back.
func (s *Server) staffCatalogExport(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	body, err := s.d.Services.Export(r.Context(), a)
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	s.writeCatalogFile(w, body)
}

func (s *Server) writeCatalogFile(w http.ResponseWriter, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", `attachment; filename="catalog-`+s.d.Now().Format("2006-01-02")+`.json"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// staffCatalogImport reads a catalog document from a file: its services
// saved as drafts, or published at once (with a fresh code).
func (s *Server) staffCatalogImport(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	r.Body = http.MaxBytesReader(w, r.Body, catalog.MaxDocument+64<<10)
	body, upErr := catalogUpload(r)
	publish := r.FormValue("publish") == "true"
	values := map[string]string{"publish": strconv.FormatBool(publish)}
	fail := func(err error) {
		p, ok := s.catalogList(w, r, a, g, map[string]string{})
		if !ok {
			return
		}
		p.Form.Values = values
		var inv *catalog.Invalid
		if errors.As(err, &inv) {
			t := s.t(r)
			p.Report = &CatalogReportView{}
			for _, x := range inv.Rejections {
				p.Report.Lines = append(p.Report.Lines, t.T("console.catalog.rejected", "Path", x.Path, "Message", t.Msg(x.Message)))
			}
			err = problem.InvalidField("file", problem.M("catalog.document_invalid", "N", len(inv.Rejections)))
		} else if pe, ok := problem.As(err); ok && len(pe.Fields) == 0 {
			err = &problem.Error{Kind: pe.Kind, Message: problem.M("form.invalid"), Fields: []problem.FieldError{{Field: "file", Message: pe.Message}}}
		}
		p.Form.fail(s.t(r), err, "file", "code")
		s.render(w, r, statusOf(problem.KindOf(err)), "staff_catalog", p)
	}
	if upErr != nil {
		fail(upErr)
		return
	}
	if publish {
		if err := s.freshen(r.Context(), a, r.FormValue("code")); err != nil {
			fail(err)
			return
		}
	}
	rep, err := s.d.Services.Import(r.Context(), a, body, publish)
	if err != nil {
		if k := problem.KindOf(err); k == problem.Internal || k == problem.Forbidden {
			s.staffError(w, r, a, g, err)
			return
		}
		fail(err)
		return
	}
	p, ok := s.catalogList(w, r, a, g, map[string]string{})
	if !ok {
		return
	}
	p.Report = &CatalogReportView{ImportReport: rep}
	s.render(w, r, http.StatusOK, "staff_catalog", p)
}

// catalogUpload reads the import's file.
func catalogUpload(r *http.Request) ([]byte, error) {
	f, _, err := r.FormFile("file")
	if err != nil {
		var big *http.MaxBytesError
		if errors.As(err, &big) {
			e := problem.InvalidField("file", problem.M("catalog.too_large", "MaxMB", catalog.MaxDocument>>20))
			e.Kind = problem.TooLarge
			return nil, e
		}
		return nil, problem.InvalidField("file", problem.M("console.catalog.file_required"))
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		e := problem.InvalidField("file", problem.M("catalog.too_large", "MaxMB", catalog.MaxDocument>>20))
		e.Kind = problem.TooLarge
		return nil, e
	}
	if len(b) == 0 {
		return nil, problem.InvalidField("file", problem.M("console.catalog.file_required"))
	}
	return b, nil
}

// --- A service's form ------------------------------------------------------

// StaffServicePage is a service's form: a new one (Editing false) or the
// latest version of one.
type StaffServicePage struct {
	StaffBase
	Editing    bool
	ID         string
	State      catalog.State // "" for a new service
	Rows       []int         // the variant rows' numbers
	Categories []catalog.Category
	Agencies   []catalog.Agency
	Regions    []places.Region
	Levels     []account.Level
	Applicants []catalog.Applicant
	Channels   []catalog.Channel
}

// Option is one choice of a list on the form.
type Option struct {
	Value, Label string
	Checked      bool // a box's: ticked
}

// Langs are the languages of a text, in the order its inputs stand.
func (p *StaffServicePage) Langs() []string { return []string{"ru", "en"} }

// CategoryOptions, AgencyOptions and LevelOptions are the choices of the
// form's lists; ApplicantOptions and ChannelOptions its boxes.
func (p *StaffServicePage) CategoryOptions() []Option {
	out := make([]Option, 0, len(p.Categories))
	for _, c := range p.Categories {
		out = append(out, Option{Value: c.ID, Label: c.Title.In(p.Lang)})
	}
	return out
}

func (p *StaffServicePage) AgencyOptions() []Option {
	out := make([]Option, 0, len(p.Agencies))
	for _, a := range p.Agencies {
		out = append(out, Option{Value: a.ID, Label: a.Name.In(p.Lang)})
	}
	return out
}

func (p *StaffServicePage) LevelOptions() []Option {
	out := make([]Option, 0, len(p.Levels))
	for _, l := range p.Levels {
		out = append(out, Option{Value: string(l), Label: p.T.T("level." + string(l))})
	}
	return out
}

func (p *StaffServicePage) ApplicantOptions() []Option {
	out := make([]Option, 0, len(p.Applicants))
	for _, a := range p.Applicants {
		out = append(out, Option{Value: string(a), Label: p.T.T("console.catalog.applicant." + string(a)), Checked: p.Checked("applicant." + string(a))})
	}
	return out
}

func (p *StaffServicePage) ChannelOptions() []Option {
	out := make([]Option, 0, len(p.Channels))
	for _, c := range p.Channels {
		out = append(out, Option{Value: string(c), Label: p.T.T("console.catalog.channel." + string(c)), Checked: p.Checked("channel." + string(c))})
	}
	return out
}

// VariantColumns are a variant row's inputs, in order.
func (p *StaffServicePage) VariantColumns() []string { return variantColumns }

// CellName and CellID are a variant row's input's name and id; RowLabel
// its label, which says the row.
func (p *StaffServicePage) CellName(row int, column string) string { return variantName(row, column) }

func (p *StaffServicePage) CellID(row int, column string) string {
	return fieldID(variantName(row, column))
}

func (p *StaffServicePage) RowLabel(row int, column string) string {
	return p.T.T("console.catalog.row_label", "Column", p.T.T("console.catalog.variant."+column), "Row", row+1)
}

// Action is the form's address.
func (p *StaffServicePage) Action() string {
	if p.Editing {
		return "/staff/catalog/services/" + url.PathEscape(p.ID)
	}
	return "/staff/catalog/services"
}

// Checked reports whether a box of the form is ticked.
func (p *StaffServicePage) Checked(name string) bool { return p.Form.Value(name) == "on" }

// Cell is a variant row's value.
func (p *StaffServicePage) Cell(row int, column string) string {
	return p.Form.Value(variantName(row, column))
}

// CellError is a variant row's message.
func (p *StaffServicePage) CellError(row int, column string) string {
	return p.Form.Error(variantName(row, column))
}

func (s *Server) staffServiceNew(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	values := map[string]string{"level": string(account.Standard), svcFederal: "true", "applicant.citizen": "on", "channel.online": "on",
		"cost.rub": "0", "popularity": "0", svcRows: "1"}
	s.renderService(w, r, a, g, http.StatusOK, "", "", values, 1)
}

func (s *Server) staffServiceEdit(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	id := r.PathValue("id")
	svc, state, err := s.d.Services.Service(r.Context(), a, id)
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	values, rows := serviceValues(svc)
	p, ok := s.serviceFormPage(w, r, a, g, id, state, values, rows)
	if !ok {
		return
	}
	switch r.URL.Query().Get("done") {
	case "saved":
		p.Flash = s.t(r).T("console.catalog.saved")
	}
	s.render(w, r, http.StatusOK, "staff_catalog_service", p)
}

func (s *Server) serviceFormPage(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants, id string, state catalog.State,
	values map[string]string, rows int) (*StaffServicePage, bool) {
	ctx := r.Context()
	title := "console.catalog.new"
	if id != "" {
		title = "console.catalog.edit"
	}
	p := &StaffServicePage{StaffBase: s.staffBase(r, a, g, title, values), Editing: id != "", ID: id, State: state,
		Regions: s.d.Places.Regions(), Levels: []account.Level{account.Simplified, account.Standard, account.Confirmed},
		Applicants: catalog.Applicants, Channels: catalog.Channels}
	p.LangForm = "catalog-service-form"
	for i := range rows {
		p.Rows = append(p.Rows, i)
	}
	var err error
	if p.Categories, err = s.d.Services.Categories(ctx); err == nil {
		p.Agencies, err = s.d.Services.Agencies(ctx)
	}
	if err != nil {
		s.internalError(w, r, err)
		return nil, false
	}
	return p, true
}

func (s *Server) renderService(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants, status int, id string, state catalog.State,
	values map[string]string, rows int, fail ...func(p *StaffServicePage)) {
	p, ok := s.serviceFormPage(w, r, a, g, id, state, values, rows)
	if !ok {
		return
	}
	for _, f := range fail {
		f(p)
	}
	s.render(w, r, status, "staff_catalog_service", p)
}

// staffServiceSave takes the service form: «Сохранить черновик» (the
// default, also Enter), «Опубликовать» (the draft saved, then published,
// with a fresh code) or «Добавить строку» (the form again with one more
// variant row, nothing saved). A refusal shows the form again as typed,
// each message next to its field.
func (s *Server) staffServiceSave(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	r.Body = http.MaxBytesReader(w, r.Body, maxServiceForm)
	if err := r.ParseForm(); err != nil {
		s.staffError(w, r, a, g, problem.New(problem.BadRequest, "request.malformed"))
		return
	}
	ctx := r.Context()
	id := r.PathValue("id")
	state := catalog.State("")
	if id != "" {
		_, st, err := s.d.Services.Service(ctx, a, id)
		if err != nil {
			s.staffError(w, r, a, g, err)
			return
		}
		state = st
	}
	f := readServiceForm(r.PostForm, id)
	action := r.PostForm.Get("action")
	if s.switchedLang(w, r) || action == "add_row" {
		if action == "add_row" {
			f.rows = min(f.rows+1, maxVariants+1)
			f.values[svcRows] = strconv.Itoa(f.rows)
		}
		s.renderService(w, r, a, g, http.StatusOK, id, state, f.values, f.rows)
		return
	}
	refuse := func(errs ...error) {
		status := http.StatusUnprocessableEntity
		for _, err := range errs {
			if k := problem.KindOf(err); err != nil && k != problem.Invalid {
				status = statusOf(k)
			}
		}
		s.renderService(w, r, a, g, status, id, state, f.values, f.rows, func(p *StaffServicePage) { f.fail(s.t(r), p.Form, errs...) })
	}
	if id == "" && f.svc.ID != "" {
		if _, _, err := s.d.Services.Service(ctx, a, f.svc.ID); err == nil {
			f.own.Add("id", problem.M("console.catalog.id_taken"))
		}
	}
	if own := f.own.Err(); own != nil {
		refuse(own, s.d.Services.Check(ctx, a, f.svc))
		return
	}
	publish := action == "publish"
	if publish {
		if err := s.freshen(ctx, a, r.PostForm.Get("code")); err != nil {
			refuse(err)
			return
		}
	}
	if _, err := s.d.Services.SaveDraft(ctx, a, f.svc); err != nil {
		if k := problem.KindOf(err); k == problem.Internal || k == problem.Forbidden {
			s.staffError(w, r, a, g, err)
			return
		}
		refuse(err)
		return
	}
	if !publish {
		seeOther(w, r, "/staff/catalog/services/"+url.PathEscape(f.svc.ID)+"?done=saved")
		return
	}
	if _, err := s.d.Services.Publish(ctx, a, f.svc.ID); err != nil {
		if k := problem.KindOf(err); k == problem.Internal || k == problem.Forbidden {
			s.staffError(w, r, a, g, err)
			return
		}
		// Saved, but not published: the draft is there to fix.
		switch state {
		case "":
			id, state = f.svc.ID, catalog.StateDraft
		case catalog.StatePublished:
			state = catalog.StateChanged
		}
		refuse(err)
		return
	}
	seeOther(w, r, "/staff/catalog?done=published&id="+url.QueryEscape(f.svc.ID))
}

func (s *Server) staffServiceDiscard(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	if _, err := form(w, r); err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	id := r.PathValue("id")
	if err := s.d.Services.Discard(r.Context(), a, id); err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	seeOther(w, r, "/staff/catalog?done=discarded&id="+url.QueryEscape(id))
}

// --- Categories, agencies, synonyms ------------------------------------------

// StaffCatalogRefsPage is the categories' or the agencies' page: the list
// and the form that adds one or changes the one picked (?id=).
type StaffCatalogRefsPage struct {
	StaffBase
	Categories []catalog.Category
	Agencies   []catalog.Agency
	Icons      []string
	Regions    []places.Region
	Levels     []catalog.AgencyLevel
	Editing    bool
}

// RegionName names a region by its code.
func (p *StaffCatalogRefsPage) RegionName(code string) string {
	if i := slices.IndexFunc(p.Regions, func(r places.Region) bool { return r.Code == code }); i >= 0 {
		return p.Regions[i].NameWithType
	}
	return code
}

// catalogIcons are the categories' icons the static files hold.
func (s *Server) catalogIcons() []string {
	var out []string
	for name := range s.r.hashed {
		if icon, ok := strings.CutPrefix(name, "icons/catalog/"); ok {
			out = append(out, strings.TrimSuffix(icon, ".svg"))
		}
	}
	slices.Sort(out)
	return out
}

func (s *Server) refsPage(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants, title string, values map[string]string) (*StaffCatalogRefsPage, bool) {
	p := &StaffCatalogRefsPage{StaffBase: s.staffBase(r, a, g, title, values), Icons: s.catalogIcons(), Regions: s.d.Places.Regions(),
		Levels: []catalog.AgencyLevel{catalog.Federal, catalog.Regional, catalog.Municipal}}
	var err error
	if p.Categories, err = s.d.Services.Categories(r.Context()); err == nil {
		p.Agencies, err = s.d.Services.Agencies(r.Context())
	}
	if err != nil {
		s.internalError(w, r, err)
		return nil, false
	}
	return p, true
}

func (s *Server) staffCatalogCategories(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	p, ok := s.refsPage(w, r, a, g, "console.catalog.categories", nil)
	if !ok {
		return
	}
	if id := r.URL.Query().Get("id"); id != "" {
		i := slices.IndexFunc(p.Categories, func(c catalog.Category) bool { return c.ID == id })
		if i < 0 {
			s.staffError(w, r, a, g, problem.New(problem.NotFound, "console.catalog.category_not_found"))
			return
		}
		c := p.Categories[i]
		p.Form.Values = map[string]string{"id": c.ID, "icon": c.Icon, "order": strconv.Itoa(c.Order), "title.ru": c.Title.RU, "title.en": c.Title.EN}
		p.Editing = true
	}
	if r.URL.Query().Get("done") == "saved" {
		p.Flash = s.t(r).T("console.catalog.category_saved")
	}
	s.render(w, r, http.StatusOK, "staff_catalog_categories", p)
}

func (s *Server) staffCatalogCategorySave(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	v, err := form(w, r, "id", "icon", "order", "title.ru", "title.en", "editing")
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	c := catalog.Category{ID: strings.TrimSpace(v["id"]), Icon: v["icon"], Title: catalog.Text{RU: strings.TrimSpace(v["title.ru"]), EN: strings.TrimSpace(v["title.en"])}}
	var own problem.Fields
	if o := strings.TrimSpace(v["order"]); o != "" {
		if c.Order, err = strconv.Atoi(o); err != nil {
			own.Add("order", problem.M("console.catalog.number"))
		}
	}
	err = own.Err()
	if err == nil {
		err = s.d.Services.SaveCategory(r.Context(), a, c)
	}
	if err != nil {
		s.refsRefused(w, r, a, g, "console.catalog.categories", "staff_catalog_categories", v, err, "id", "icon", "order", "title.ru", "title.en")
		return
	}
	seeOther(w, r, "/staff/catalog/categories?done=saved")
}

// refsRefused shows a categories' or agencies' page again as typed, with
// the refusal's messages.
func (s *Server) refsRefused(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants, title, page string, v map[string]string, err error, order ...string) {
	if k := problem.KindOf(err); k == problem.Internal || k == problem.Forbidden {
		s.staffError(w, r, a, g, err)
		return
	}
	p, ok := s.refsPage(w, r, a, g, title, v)
	if !ok {
		return
	}
	p.Editing = v["editing"] == "1"
	p.Form.fail(s.t(r), err, order...)
	s.render(w, r, statusOf(problem.KindOf(err)), page, p)
}

func (s *Server) staffCatalogAgencies(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	p, ok := s.refsPage(w, r, a, g, "console.catalog.agencies", map[string]string{"level": string(catalog.Federal)})
	if !ok {
		return
	}
	if id := r.URL.Query().Get("id"); id != "" {
		i := slices.IndexFunc(p.Agencies, func(x catalog.Agency) bool { return x.ID == id })
		if i < 0 {
			s.staffError(w, r, a, g, problem.New(problem.NotFound, "console.catalog.agency_not_found"))
			return
		}
		x := p.Agencies[i]
		p.Form.Values = map[string]string{"id": x.ID, "level": string(x.Level), "region": x.Region, "name.ru": x.Name.RU, "name.en": x.Name.EN}
		p.Editing = true
	}
	if r.URL.Query().Get("done") == "saved" {
		p.Flash = s.t(r).T("console.catalog.agency_saved")
	}
	s.render(w, r, http.StatusOK, "staff_catalog_agencies", p)
}

func (s *Server) staffCatalogAgencySave(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	v, err := form(w, r, "id", "level", "region", "name.ru", "name.en", "editing")
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	x := catalog.Agency{ID: strings.TrimSpace(v["id"]), Level: catalog.AgencyLevel(v["level"]), Region: v["region"],
		Name: catalog.Text{RU: strings.TrimSpace(v["name.ru"]), EN: strings.TrimSpace(v["name.en"])}}
	if err := s.d.Services.SaveAgency(r.Context(), a, x); err != nil {
		s.refsRefused(w, r, a, g, "console.catalog.agencies", "staff_catalog_agencies", v, err, "id", "level", "region", "name.ru", "name.en")
		return
	}
	seeOther(w, r, "/staff/catalog/agencies?done=saved")
}

// StaffSynonymsPage is the synonyms' form: one «term = what it stands for»
// a line.
type StaffSynonymsPage struct {
	StaffBase
	Count int
}

func (s *Server) staffCatalogSynonyms(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	syns, err := s.d.Services.Synonyms(r.Context(), a)
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	lines := make([]string, len(syns))
	for i, x := range syns {
		lines[i] = x.Term + " = " + x.Expands
	}
	p := &StaffSynonymsPage{StaffBase: s.staffBase(r, a, g, "console.catalog.synonyms", map[string]string{"synonyms": strings.Join(lines, "\n")}), Count: len(syns)}
	if r.URL.Query().Get("done") == "saved" {
		p.Flash = s.t(r).T("console.catalog.synonyms_saved")
	}
	s.render(w, r, http.StatusOK, "staff_catalog_synonyms", p)
}

func (s *Server) staffCatalogSynonymsSave(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	v, err := form(w, r, "synonyms")
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	var syns []catalog.Synonym
	var lineOf []int
	var own problem.Fields
	for i, line := range strings.Split(strings.ReplaceAll(v["synonyms"], "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		term, expands, ok := strings.Cut(line, "=")
		if !ok {
			own.Add("synonyms", problem.M("console.catalog.synonym_line", "Line", i+1))
		}
		syns = append(syns, catalog.Synonym{Term: term, Expands: expands})
		lineOf = append(lineOf, i+1)
	}
	err = own.Err()
	if err == nil {
		err = s.d.Services.SaveSynonyms(r.Context(), a, syns)
	}
	if err == nil {
		seeOther(w, r, "/staff/catalog/synonyms?done=saved")
		return
	}
	if k := problem.KindOf(err); k == problem.Internal || k == problem.Forbidden {
		s.staffError(w, r, a, g, err)
		return
	}
	// The domain's paths ("[3].term") name a line of the textarea.
	t := s.t(r)
	p := &StaffSynonymsPage{StaffBase: s.staffBase(r, a, g, "console.catalog.synonyms", v)}
	if pe, ok := problem.As(err); ok && len(pe.Fields) > 0 && pe.Fields[0].Field != "synonyms" {
		fe := pe.Fields[0]
		line := 0
		if i, err := strconv.Atoi(strings.TrimPrefix(strings.SplitN(fe.Field, "]", 2)[0], "[")); err == nil && i < len(lineOf) {
			line = lineOf[i]
		}
		err = problem.InvalidField("synonyms", problem.M("console.catalog.synonym_wrong", "Line", line, "Message", t.Msg(fe.Message)))
	}
	p.Form.fail(t, err, "synonyms")
	s.render(w, r, statusOf(problem.KindOf(err)), "staff_catalog_synonyms", p)
}
