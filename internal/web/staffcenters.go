package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/kabinet/kabinet/internal/centers"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/staff"
)

// The console's management of the service-center directory
// (centers.manage): a search over the directory, the form that adds or
// edits a center, and the import of a CSV or JSON file with its report.

// maxImportBytes bounds an uploaded import file (20 000 rows fit well).
const maxImportBytes = 16 << 20

// centerFields are the form's fields in order, for the error summary.
var centerFields = []string{centers.FieldID, centers.FieldName, centers.FieldType, centers.FieldRegion, centers.FieldLocality, centers.FieldAddress,
	centers.FieldLat, centers.FieldLon, centers.FieldPhone, centers.FieldHours, centers.FieldServices, centers.FieldActive}

// StaffCentersPage is the directory as administrators manage it.
type StaffCentersPage struct {
	StaffBase
	Results []centers.Found
	Total   int
	Report  *ImportReportView
}

// ImportReportView is an import's outcome in words.
type ImportReportView struct {
	centers.Report
	Lines []string // "Строка 3, поле region: …"
}

// StaffCenterFormPage adds (ID empty) or edits a center.
type StaffCenterFormPage struct {
	StaffBase
	Editing  bool
	Types    []centers.Type
	Services []centers.Service
	Saved    bool
}

func (s *Server) staffCentersPage(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	v := r.URL.Query()
	p := &StaffCentersPage{StaffBase: s.staffBase(r, a, g, "console.centers.title", map[string]string{"q": v.Get("q")})}
	res, err := s.d.Centers.Search(r.Context(), centers.Query{Q: v.Get("q"), Limit: centers.MaxLimit})
	if err != nil {
		if problem.KindOf(err) != problem.Invalid {
			s.internalError(w, r, err)
			return
		}
		p.Form.fail(s.t(r), err, "q")
	}
	p.Results, p.Total = res.Centers, res.Total
	switch v.Get("done") {
	case "saved":
		p.Flash = s.t(r).T("console.centers.saved")
	}
	s.render(w, r, http.StatusOK, "staff_centers", p)
}

func (s *Server) staffCenterForm(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	id := r.PathValue("id")
	values := map[string]string{centers.FieldActive: "true"}
	if id != "" {
		c, err := s.d.Centers.Get(r.Context(), id)
		if err != nil {
			s.staffError(w, r, a, g, err)
			return
		}
		in := c.Text()
		values = map[string]string{centers.FieldID: in.ID, centers.FieldName: in.Name, centers.FieldType: in.Type, centers.FieldRegion: in.Region,
			centers.FieldLocality: in.Locality, centers.FieldAddress: in.Address, centers.FieldLat: in.Lat, centers.FieldLon: in.Lon,
			centers.FieldPhone: in.Phone, centers.FieldHours: in.Hours, centers.FieldServices: in.Services, centers.FieldActive: in.Active}
		for _, sv := range c.Services {
			values["service."+string(sv)] = "on"
		}
	}
	s.renderCenterForm(w, r, a, g, http.StatusOK, id != "", values, nil)
}

func (s *Server) renderCenterForm(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants, status int, editing bool, values map[string]string, fail error) {
	title := "console.centers.new"
	if editing {
		title = "console.centers.edit"
	}
	p := &StaffCenterFormPage{StaffBase: s.staffBase(r, a, g, title, values), Editing: editing, Types: centers.Types, Services: centers.Services}
	if fail != nil {
		p.Form.fail(s.t(r), fail, centerFields...)
	}
	s.render(w, r, status, "staff_center_form", p)
}

func (s *Server) staffCenterSave(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	if err := r.ParseForm(); err != nil {
		s.staffError(w, r, a, g, problem.New(problem.BadRequest, "request.malformed"))
		return
	}
	f := r.PostForm
	values := map[string]string{}
	for _, k := range centerFields {
		values[k] = f.Get(k)
	}
	for _, sv := range f[centers.FieldServices] {
		values["service."+sv] = "on"
	}
	values[centers.FieldServices] = strings.Join(f[centers.FieldServices], ",")
	if values[centers.FieldActive] == "" {
		values[centers.FieldActive] = "false" // an unticked box sends nothing
	}
	editing := f.Get("editing") == "1"
	if editing {
		values["editing"] = "1"
	}
	in := centers.Input{ID: values[centers.FieldID], Name: values[centers.FieldName], Type: values[centers.FieldType], Region: values[centers.FieldRegion],
		Locality: values[centers.FieldLocality], Address: values[centers.FieldAddress], Lat: values[centers.FieldLat], Lon: values[centers.FieldLon],
		Phone: values[centers.FieldPhone], Hours: values[centers.FieldHours], Services: values[centers.FieldServices], Active: values[centers.FieldActive]}
	if !editing && in.ID != "" {
		if _, err := s.d.Centers.Get(r.Context(), in.ID); err == nil {
			s.renderCenterForm(w, r, a, g, http.StatusUnprocessableEntity, false, values,
				problem.InvalidField(centers.FieldID, problem.M("console.centers.id_taken")))
			return
		}
	}
	if _, err := s.d.Centers.Save(r.Context(), in, a.Event(g, staff.PermCentersManage, "", "", s.d.Now())); err != nil {
		if problem.KindOf(err) == problem.Invalid {
			s.renderCenterForm(w, r, a, g, http.StatusUnprocessableEntity, editing, values, err)
			return
		}
		s.staffError(w, r, a, g, err)
		return
	}
	seeOther(w, r, "/staff/centers?done=saved")
}

func (s *Server) staffCentersImport(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	r.Body = http.MaxBytesReader(w, r.Body, maxImportBytes)
	p := &StaffCentersPage{StaffBase: s.staffBase(r, a, g, "console.centers.title", nil)}
	fail := func(status int, err error) {
		p.Form.fail(s.t(r), err, "file")
		s.render(w, r, status, "staff_centers", p)
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		var big *http.MaxBytesError
		if errors.As(err, &big) {
			fail(http.StatusRequestEntityTooLarge, problem.InvalidField("file", problem.M("console.centers.file_large")))
			return
		}
		fail(http.StatusUnprocessableEntity, problem.InvalidField("file", problem.M("console.centers.file_required")))
		return
	}
	defer file.Close()
	body, err := io.ReadAll(file)
	if err != nil {
		fail(http.StatusRequestEntityTooLarge, problem.InvalidField("file", problem.M("console.centers.file_large")))
		return
	}
	format := centers.Format(r.FormValue("format"))
	if format == "" {
		format = centers.CSV
		if strings.HasSuffix(strings.ToLower(hdr.Filename), ".json") {
			format = centers.JSON
		}
	}
	rep, err := s.d.Centers.Import(r.Context(), format, body, a.Event(g, staff.PermCentersManage, "", "", s.d.Now()))
	if err != nil {
		if problem.KindOf(err) == problem.Invalid {
			pe, _ := problem.As(err)
			fail(http.StatusUnprocessableEntity, problem.InvalidField("file", pe.Message))
			return
		}
		s.staffError(w, r, a, g, err)
		return
	}
	p.Report = s.reportView(r, rep)
	status := http.StatusOK
	if !rep.Saved {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "staff_centers", p)
}

func (s *Server) reportView(r *http.Request, rep centers.Report) *ImportReportView {
	t := s.t(r)
	v := &ImportReportView{Report: rep}
	for _, x := range rep.Rejected {
		v.Lines = append(v.Lines, t.T("console.centers.rejected_row", "Row", x.Row, "Field", x.Field, "Message", t.Msg(x.Message)))
	}
	return v
}

// The API.

type centerInputJSON struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Region   string   `json:"region"`
	Locality string   `json:"locality"`
	Address  string   `json:"address"`
	Lat      *float64 `json:"lat"`
	Lon      *float64 `json:"lon"`
	Phone    string   `json:"phone"`
	Hours    string   `json:"hours"`
	Services []string `json:"services"`
	Active   *bool    `json:"active"`
}

func (in centerInputJSON) input() centers.Input {
	num := func(f *float64) string {
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f, 'f', -1, 64)
	}
	active := ""
	if in.Active != nil && !*in.Active {
		active = "false"
	}
	return centers.Input{ID: in.ID, Name: in.Name, Type: in.Type, Region: in.Region, Locality: in.Locality, Address: in.Address,
		Lat: num(in.Lat), Lon: num(in.Lon), Phone: in.Phone, Hours: in.Hours, Services: strings.Join(in.Services, ","), Active: active}
}

type staffCenterJSON struct {
	centerJSON
	Active bool `json:"active"`
}

type importReportJSON struct {
	Rows      int             `json:"rows"`
	Accepted  int             `json:"accepted"`
	Saved     bool            `json:"saved"`
	Created   int             `json:"created"`
	Updated   int             `json:"updated"`
	Unchanged int             `json:"unchanged"`
	Rejected  []rejectionJSON `json:"rejected"`
}

type rejectionJSON struct {
	Row     int    `json:"row"`
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (s *Server) apiStaffCenterCreate(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	var in centerInputJSON
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if in.ID != "" {
		if _, err := s.d.Centers.Get(r.Context(), in.ID); err == nil {
			s.apiError(w, r, problem.InvalidField(centers.FieldID, problem.M("console.centers.id_taken")))
			return
		}
	}
	c, err := s.d.Centers.Save(r.Context(), in.input(), a.Event(g, staff.PermCentersManage, "", "", s.d.Now()))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, staffCenterJSON{centerJSON: toCenterJSON(c), Active: c.Active})
}

func (s *Server) apiStaffCenterUpdate(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	var in centerInputJSON
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	id := r.PathValue("id")
	if _, err := s.d.Centers.Get(r.Context(), id); err != nil {
		s.apiError(w, r, err)
		return
	}
	in.ID = id
	c, err := s.d.Centers.Save(r.Context(), in.input(), a.Event(g, staff.PermCentersManage, "", "", s.d.Now()))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, staffCenterJSON{centerJSON: toCenterJSON(c), Active: c.Active})
}

func (s *Server) apiStaffCentersImport(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxImportBytes))
	if err != nil {
		s.apiError(w, r, problem.New(problem.TooLarge, "request.too_large"))
		return
	}
	format := centers.Format(r.URL.Query().Get("format"))
	if format == "" {
		format = centers.CSV
		if strings.Contains(r.Header.Get("Content-Type"), "json") {
			format = centers.JSON
		}
	}
	rep, err := s.d.Centers.Import(r.Context(), format, body, a.Event(g, staff.PermCentersManage, "", "", s.d.Now()))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	t := s.t(r)
	out := importReportJSON{Rows: rep.Rows, Accepted: rep.Accepted, Saved: rep.Saved, Created: rep.Created, Updated: rep.Updated,
		Unchanged: rep.Unchanged, Rejected: []rejectionJSON{}}
	for _, x := range rep.Rejected {
		out.Rejected = append(out.Rejected, rejectionJSON{Row: x.Row, Field: x.Field, Code: x.Message.ID, Message: t.Msg(x.Message)})
	}
	writeJSON(w, http.StatusOK, out)
}
