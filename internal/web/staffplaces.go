package web

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/gazetteer"
	"github.com/kabinet/kabinet/internal/places"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/staff"
)

// The console's regions and localities (places.manage, issue 14 §1): the
// reference data with what administrators added — a region the data does
// not have, a village typed or a district's villages imported from a CSV
// file — and the export of the additions.

// maxPlacesImportBytes bounds an uploaded list of localities: a region's
// villages, some 10 000 rows of 100 bytes, with room to spare.
const maxPlacesImportBytes = 32 << 20

// maxPlacesShown bounds the localities a region's page lists; a search
// narrows them.
const maxPlacesShown = 300

var (
	regionFields   = []string{gazetteer.FieldCode, gazetteer.FieldName, gazetteer.FieldType, gazetteer.FieldNameWithType, gazetteer.FieldISO, gazetteer.FieldTimezone}
	localityFields = []string{gazetteer.FieldType, gazetteer.FieldName, gazetteer.FieldArea, gazetteer.FieldPostcode, gazetteer.FieldLat, gazetteer.FieldLon,
		gazetteer.FieldPopulation, "fias_id"}
)

// PlaceRegionRow is a region in the console's list.
type PlaceRegionRow struct {
	places.Region
	Added bool // an administrator added the region
	Towns int  // the reference data's localities
	Extra int  // the localities administrators added
}

// StaffPlacesPage lists the regions, with the import.
type StaffPlacesPage struct {
	StaffBase
	Regions []PlaceRegionRow
	Report  *PlacesReportView
}

// PlacesReportView is an import's outcome in words.
type PlacesReportView struct {
	gazetteer.Report
	Lines []string
}

// StaffPlacesRegionPage is a region's localities, with the form that adds
// one.
type StaffPlacesRegionPage struct {
	StaffBase
	Region     places.Region
	Added      bool
	Localities []places.Locality
	Shown      int
	Truncated  bool
}

// StaffPlaceFormPage adds or edits a region (Locality empty) or edits an
// added locality.
type StaffPlaceFormPage struct {
	StaffBase
	Editing     bool
	Region      places.Region // the locality's
	LocalityID  string
	RegionTypes []RegionTypeOption
}

// RegionTypeOption is a kind of federal subject in the form: its
// abbreviation and the message that spells it out.
type RegionTypeOption struct{ Value, Label string }

// regionTypeWords spell out gazetteer.RegionTypes.
var regionTypeWords = map[string]string{
	"Респ": "republic", "край": "krai", "обл": "oblast", "г": "city", "Аобл": "autonomous_oblast", "АО": "autonomous_okrug",
}

func regionTypeOptions() []RegionTypeOption {
	out := make([]RegionTypeOption, 0, len(gazetteer.RegionTypes))
	for _, v := range gazetteer.RegionTypes {
		out = append(out, RegionTypeOption{Value: v, Label: "console.places.region_type." + regionTypeWords[v]})
	}
	return out
}

func (s *Server) placesEvent(a staff.Actor, g staff.Grants) audit.Event {
	return a.Event(g, staff.PermPlacesManage, "", "", s.d.Now())
}

func (s *Server) staffPlaces(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	s.renderPlaces(w, r, a, g, http.StatusOK, nil, nil)
}

func (s *Server) renderPlaces(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants, status int, rep *gazetteer.Report, fail error) {
	p := &StaffPlacesPage{StaffBase: s.staffBase(r, a, g, "console.places.title", nil)}
	for _, reg := range s.d.Places.Regions() {
		row := PlaceRegionRow{Region: reg, Added: s.d.Places.RegionAdded(reg.Code)}
		for _, l := range s.d.Places.Localities(reg.Code) {
			if l.Added() {
				row.Extra++
			} else {
				row.Towns++
			}
		}
		p.Regions = append(p.Regions, row)
	}
	if fail != nil {
		p.Form.fail(s.t(r), fail, "file")
	}
	if rep != nil {
		t := s.t(r)
		v := &PlacesReportView{Report: *rep}
		for _, x := range rep.Rejected {
			v.Lines = append(v.Lines, t.T("console.places.rejected_row", "Row", x.Row, "Field", x.Field, "Message", t.Msg(x.Message)))
		}
		p.Report = v
	}
	s.render(w, r, status, "staff_places", p)
}

func (s *Server) staffPlacesRegion(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	s.renderPlacesRegion(w, r, a, g, http.StatusOK, r.PathValue("code"), map[string]string{}, nil)
}

func (s *Server) renderPlacesRegion(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants, status int, code string, values map[string]string, fail error) {
	reg, ok := s.d.Places.Region(code)
	if !ok {
		s.staffError(w, r, a, g, problem.New(problem.NotFound, "gazetteer.region_unknown"))
		return
	}
	q := r.URL.Query().Get("q")
	values["q"] = q
	p := &StaffPlacesRegionPage{StaffBase: s.staffBase(r, a, g, "console.places.region_title", values), Region: reg, Added: s.d.Places.RegionAdded(code)}
	p.Localities = s.d.Places.Search(code, q, maxPlacesShown+1)
	if len(p.Localities) > maxPlacesShown {
		p.Localities, p.Truncated = p.Localities[:maxPlacesShown], true
	}
	p.Shown = len(p.Localities)
	if fail != nil {
		p.Form.fail(s.t(r), fail, localityFields...)
	}
	switch r.URL.Query().Get("done") {
	case "region":
		p.Flash = s.t(r).T("console.places.region_saved")
	case "added":
		p.Flash = s.t(r).T("console.places.locality_added")
	case "saved":
		p.Flash = s.t(r).T("console.places.locality_saved")
	case "removed":
		p.Flash = s.t(r).T("console.places.locality_removed")
	}
	s.render(w, r, status, "staff_places_region", p)
}

func (s *Server) staffPlaceRegionForm(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	code, values := r.PathValue("code"), map[string]string{}
	if code != "" {
		reg, ok := s.d.Places.Region(code)
		if !ok || !s.d.Places.RegionAdded(code) {
			s.staffError(w, r, a, g, problem.New(problem.NotFound, "console.places.region_not_added"))
			return
		}
		in := gazetteer.RegionText(reg)
		values = map[string]string{gazetteer.FieldCode: in.Code, gazetteer.FieldName: in.Name, gazetteer.FieldType: in.Type,
			gazetteer.FieldNameWithType: in.NameWithType, gazetteer.FieldISO: in.ISO, gazetteer.FieldTimezone: in.Timezone, "editing": "1"}
	}
	s.renderPlaceForm(w, r, a, g, http.StatusOK, "staff_place_region_form", code != "", values, nil, regionFields)
}

func (s *Server) renderPlaceForm(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants, status int, tmpl string, editing bool,
	values map[string]string, fail error, fields []string) {
	title := "console.places.region_new"
	switch {
	case tmpl == "staff_place_locality_form":
		title = "console.places.locality_edit"
	case editing:
		title = "console.places.region_edit"
	}
	p := &StaffPlaceFormPage{StaffBase: s.staffBase(r, a, g, title, values), Editing: editing, RegionTypes: regionTypeOptions(),
		LocalityID: values["id"]}
	p.Region, _ = s.d.Places.Region(values[gazetteer.FieldRegion])
	if fail != nil {
		p.Form.fail(s.t(r), fail, fields...)
	}
	s.render(w, r, status, tmpl, p)
}

func (s *Server) staffPlaceRegionSave(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	if err := r.ParseForm(); err != nil {
		s.staffError(w, r, a, g, problem.New(problem.BadRequest, "request.malformed"))
		return
	}
	values := postedValues(r, regionFields...)
	editing := r.PostForm.Get("editing") == "1"
	if editing {
		values["editing"] = "1"
		if !s.d.Places.RegionAdded(values[gazetteer.FieldCode]) {
			s.staffError(w, r, a, g, problem.New(problem.NotFound, "console.places.region_not_added"))
			return
		}
	} else if s.d.Places.RegionAdded(values[gazetteer.FieldCode]) {
		s.renderPlaceForm(w, r, a, g, http.StatusUnprocessableEntity, "staff_place_region_form", false, values,
			problem.InvalidField(gazetteer.FieldCode, problem.M("console.places.code_added")), regionFields)
		return
	}
	in := gazetteer.RegionInput{Code: values[gazetteer.FieldCode], Name: values[gazetteer.FieldName], Type: values[gazetteer.FieldType],
		NameWithType: values[gazetteer.FieldNameWithType], ISO: values[gazetteer.FieldISO], Timezone: values[gazetteer.FieldTimezone]}
	reg, err := s.d.Gazetteer.SaveRegion(r.Context(), in, s.placesEvent(a, g))
	if err != nil {
		if problem.KindOf(err) == problem.Invalid {
			s.renderPlaceForm(w, r, a, g, http.StatusUnprocessableEntity, "staff_place_region_form", editing, values, err, regionFields)
			return
		}
		s.staffError(w, r, a, g, err)
		return
	}
	seeOther(w, r, "/staff/places/regions/"+reg.Code+"?done=region")
}

func (s *Server) staffPlaceLocalityForm(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	l, err := s.d.Gazetteer.Locality(r.Context(), r.PathValue("id"))
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	in := gazetteer.LocalityText(l)
	values := map[string]string{"id": l.ID, gazetteer.FieldRegion: in.Region, gazetteer.FieldType: in.Type, gazetteer.FieldName: in.Name,
		gazetteer.FieldArea: in.Area, gazetteer.FieldPostcode: in.Postcode, gazetteer.FieldLat: in.Lat, gazetteer.FieldLon: in.Lon,
		gazetteer.FieldPopulation: in.Population, "fias_id": in.FIAS}
	s.renderPlaceForm(w, r, a, g, http.StatusOK, "staff_place_locality_form", true, values, nil, localityFields)
}

// staffPlaceLocalitySave adds a locality (no {id}: the form on the
// region's page) or changes an added one (its own form).
func (s *Server) staffPlaceLocalitySave(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	if err := r.ParseForm(); err != nil {
		s.staffError(w, r, a, g, problem.New(problem.BadRequest, "request.malformed"))
		return
	}
	id := r.PathValue("id")
	values := postedValues(r, append(localityFields, gazetteer.FieldRegion)...)
	values["id"] = id
	in := gazetteer.LocalityInput{Region: values[gazetteer.FieldRegion], Type: values[gazetteer.FieldType], Name: values[gazetteer.FieldName],
		Area: values[gazetteer.FieldArea], Postcode: values[gazetteer.FieldPostcode], Lat: values[gazetteer.FieldLat], Lon: values[gazetteer.FieldLon],
		Population: values[gazetteer.FieldPopulation], FIAS: values["fias_id"]}
	l, err := s.d.Gazetteer.SaveLocality(r.Context(), id, in, s.placesEvent(a, g))
	if err != nil {
		if problem.KindOf(err) != problem.Invalid {
			s.staffError(w, r, a, g, err)
			return
		}
		if id != "" {
			s.renderPlaceForm(w, r, a, g, http.StatusUnprocessableEntity, "staff_place_locality_form", true, values, err, append(localityFields, gazetteer.FieldRegion))
			return
		}
		if _, ok := s.d.Places.Region(in.Region); !ok {
			s.staffError(w, r, a, g, err)
			return
		}
		s.renderPlacesRegion(w, r, a, g, http.StatusUnprocessableEntity, in.Region, values, err)
		return
	}
	done := "added"
	if id != "" {
		done = "saved"
	}
	seeOther(w, r, "/staff/places/regions/"+l.Region+"?done="+done+"&q="+url.QueryEscape(l.Name))
}

func (s *Server) staffPlaceLocalityRemove(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	l, err := s.d.Gazetteer.RemoveLocality(r.Context(), r.PathValue("id"), s.placesEvent(a, g))
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	seeOther(w, r, "/staff/places/regions/"+l.Region+"?done=removed")
}

func (s *Server) staffPlacesImport(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	r.Body = http.MaxBytesReader(w, r.Body, maxPlacesImportBytes)
	file, _, err := r.FormFile("file")
	if err != nil {
		var big *http.MaxBytesError
		if errors.As(err, &big) {
			s.renderPlaces(w, r, a, g, http.StatusRequestEntityTooLarge, nil, problem.InvalidField("file", problem.M("console.places.file_large")))
			return
		}
		s.renderPlaces(w, r, a, g, http.StatusUnprocessableEntity, nil, problem.InvalidField("file", problem.M("console.places.file_required")))
		return
	}
	defer file.Close()
	body, err := io.ReadAll(file)
	if err != nil {
		s.renderPlaces(w, r, a, g, http.StatusRequestEntityTooLarge, nil, problem.InvalidField("file", problem.M("console.places.file_large")))
		return
	}
	rep, err := s.d.Gazetteer.Import(r.Context(), body, s.placesEvent(a, g))
	if err != nil {
		if pe, ok := problem.As(err); ok && pe.Kind == problem.Invalid {
			s.renderPlaces(w, r, a, g, http.StatusUnprocessableEntity, nil, problem.InvalidField("file", pe.Message))
			return
		}
		s.staffError(w, r, a, g, err)
		return
	}
	status := http.StatusOK
	if !rep.Saved {
		status = http.StatusUnprocessableEntity
	}
	s.renderPlaces(w, r, a, g, status, &rep, nil)
}

// staffPlacesExport answers the additions as a CSV file to download (the
// page's link and the API alike).
func (s *Server) staffPlacesExport(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	var b bytes.Buffer
	if err := s.d.Gazetteer.Export(r.Context(), &b, s.placesEvent(a, g)); err != nil {
		s.internalError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="localities.csv"`)
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	_, _ = w.Write(b.Bytes())
}

// postedValues reads the named fields of a parsed form.
func postedValues(r *http.Request, names ...string) map[string]string {
	values := make(map[string]string, len(names))
	for _, k := range names {
		values[k] = r.PostForm.Get(k)
	}
	return values
}

// The API.

// csvFile marks a route table's response that is a CSV file (text/csv),
// not JSON.
type csvFile []byte

// placeRegionJSON is a region as the console's API shows it.
type placeRegionJSON struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	Type         string `json:"type"`
	NameWithType string `json:"name_with_type"`
	ISO          string `json:"iso"`
	Timezone     string `json:"timezone"`
	Added        bool   `json:"added"`
}

type placeRegionInputJSON struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	Type         string `json:"type"`
	NameWithType string `json:"name_with_type"`
	ISO          string `json:"iso"`
	Timezone     string `json:"timezone"`
}

// staffLocalityJSON is a locality, of the reference data (no id) or added.
type staffLocalityJSON struct {
	ID         string   `json:"id,omitempty"`
	Region     string   `json:"region"`
	Type       string   `json:"type"`
	Name       string   `json:"name"`
	Area       string   `json:"area"`
	Postcode   string   `json:"postcode"`
	Lat        *float64 `json:"lat"`
	Lon        *float64 `json:"lon"`
	Population int      `json:"population"`
	FIAS       string   `json:"fias_id"`
	Added      bool     `json:"added"`
}

type staffLocalityListJSON struct {
	Localities []staffLocalityJSON `json:"localities"`
	// Truncated is true when more match than listed: a longer q narrows
	// them.
	Truncated bool `json:"truncated"`
}

// localityInputJSON is a locality to add or change; lat and lon are both
// given or both left out.
type localityInputJSON struct {
	Region     string   `json:"region"`
	Type       string   `json:"type"`
	Name       string   `json:"name"`
	Area       string   `json:"area"`
	Postcode   string   `json:"postcode"`
	Lat        *float64 `json:"lat"`
	Lon        *float64 `json:"lon"`
	Population *int     `json:"population"`
	FIAS       string   `json:"fias_id"`
}

func (in localityInputJSON) input() gazetteer.LocalityInput {
	out := gazetteer.LocalityInput{Region: in.Region, Type: in.Type, Name: in.Name, Area: in.Area, Postcode: in.Postcode, FIAS: in.FIAS}
	if in.Lat != nil {
		out.Lat = strconv.FormatFloat(*in.Lat, 'f', -1, 64)
	}
	if in.Lon != nil {
		out.Lon = strconv.FormatFloat(*in.Lon, 'f', -1, 64)
	}
	if in.Population != nil {
		out.Population = strconv.Itoa(*in.Population)
	}
	return out
}

func toStaffLocalityJSON(l places.Locality) staffLocalityJSON {
	out := staffLocalityJSON{ID: l.ID, Region: l.Region, Type: l.Type, Name: l.Name, Area: l.Area, Postcode: l.Postcode,
		Population: l.Population, FIAS: l.FIAS, Added: l.Added()}
	if l.Lat != 0 || l.Lon != 0 {
		lat, lon := l.Lat, l.Lon
		out.Lat, out.Lon = &lat, &lon
	}
	return out
}

// placesImportJSON is what an import did (see saved).
type placesImportJSON struct {
	importReportJSON
	Reference int      `json:"reference"`
	More      int      `json:"more_rejected"`
	Ignored   []string `json:"ignored_columns"`
}

func (s *Server) apiStaffPlaceRegionSave(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	var in placeRegionInputJSON
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	reg, err := s.d.Gazetteer.SaveRegion(r.Context(), gazetteer.RegionInput(in), s.placesEvent(a, g))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, placeRegionJSON{Code: reg.Code, Name: reg.Name, Type: reg.Type, NameWithType: reg.NameWithType,
		ISO: reg.ISO, Timezone: reg.Timezone, Added: true})
}

func (s *Server) apiStaffPlaceLocalities(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	q := r.URL.Query()
	code := q.Get("region")
	if !s.d.Places.HasRegion(code) {
		s.apiError(w, r, problem.InvalidField("region", problem.M("gazetteer.region_unknown")))
		return
	}
	ls := s.d.Places.Search(code, q.Get("q"), maxPlacesShown+1)
	out := staffLocalityListJSON{Localities: []staffLocalityJSON{}}
	if len(ls) > maxPlacesShown {
		ls, out.Truncated = ls[:maxPlacesShown], true
	}
	for _, l := range ls {
		out.Localities = append(out.Localities, toStaffLocalityJSON(l))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiStaffPlaceLocalityCreate(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	s.apiStaffPlaceLocalitySave(w, r, a, g, "", http.StatusCreated)
}

func (s *Server) apiStaffPlaceLocalityUpdate(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	s.apiStaffPlaceLocalitySave(w, r, a, g, r.PathValue("id"), http.StatusOK)
}

func (s *Server) apiStaffPlaceLocalitySave(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants, id string, status int) {
	var in localityInputJSON
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	l, err := s.d.Gazetteer.SaveLocality(r.Context(), id, in.input(), s.placesEvent(a, g))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, status, toStaffLocalityJSON(l))
}

func (s *Server) apiStaffPlaceLocalityRemove(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	if _, err := s.d.Gazetteer.RemoveLocality(r.Context(), r.PathValue("id"), s.placesEvent(a, g)); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiStaffPlacesImport takes the CSV file as the body.
func (s *Server) apiStaffPlacesImport(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPlacesImportBytes))
	if err != nil {
		s.apiError(w, r, problem.New(problem.TooLarge, "request.too_large"))
		return
	}
	rep, err := s.d.Gazetteer.Import(r.Context(), body, s.placesEvent(a, g))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	t := s.t(r)
	out := placesImportJSON{importReportJSON: importReportJSON{Rows: rep.Rows, Accepted: rep.Accepted, Saved: rep.Saved, Created: rep.Created,
		Updated: rep.Updated, Unchanged: rep.Unchanged, Rejected: []rejectionJSON{}}, Reference: rep.Reference, More: rep.More, Ignored: []string{}}
	for _, x := range rep.Rejected {
		out.Rejected = append(out.Rejected, rejectionJSON{Row: x.Row, Field: x.Field, Code: x.Message.ID, Message: t.Msg(x.Message)})
	}
	out.Ignored = append(out.Ignored, rep.Ignored...)
	writeJSON(w, http.StatusOK, out)
}
