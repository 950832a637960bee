package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/address"
	"github.com/kabinet/kabinet/internal/extras"
	"github.com/kabinet/kabinet/internal/places"
	"github.com/kabinet/kabinet/internal/problem"
)

// «Дополнительные данные» (internal/extras): the page
// /account/additional-data with its «Найти мой ИНН» button, the API
// (/api/v1/me/additional-data, /api/v1/me/inn/find) and the reference
// lists the address fields suggest from (/api/v1/regions,
// /api/v1/localities).

// addressParts are an address's parts, named as in the API and the form
// ("registration_address.house").
var addressParts = []string{"region", "locality", "street", "house", "building", "flat", "postcode"}

// additionalFields are the form's fields in the order of the page.
var additionalFields = func() []string {
	var out []string
	for _, prefix := range []string{extras.FieldRegistration, extras.FieldResidence} {
		for _, p := range addressParts {
			out = append(out, prefix+"."+p)
		}
		if prefix == extras.FieldRegistration {
			out = append(out, extras.FieldResidenceSame)
		}
	}
	return append(out, extras.FieldHomePhone, extras.FieldINN, extras.FieldOMS)
}()

// maxLocalities caps the suggestions for a locality.
const maxLocalities = 20

// The API.

// addressJSON is a structured address as the API answers it.
type addressJSON struct {
	Region   string `json:"region"`
	Locality string `json:"locality"`
	Street   string `json:"street"`
	House    string `json:"house"`
	Building string `json:"building"`
	Flat     string `json:"flat"`
	Postcode string `json:"postcode"`
}

// additionalDataJSON is the account's additional data. With
// residence_same, residence_address is the registration address.
type additionalDataJSON struct {
	RegistrationAddress *addressJSON `json:"registration_address"`
	ResidenceAddress    *addressJSON `json:"residence_address"`
	ResidenceSame       bool         `json:"residence_same"`
	HomePhone           string       `json:"home_phone"`
	INN                 string       `json:"inn"`
	INNSource           string       `json:"inn_source,omitempty"` // typed or fns; absent without an INN
	OMS                 string       `json:"oms"`
	UpdatedAt           *time.Time   `json:"updated_at,omitempty"`
}

// additionalDataRequest replaces the additional data: what is absent,
// null or empty is cleared.
type additionalDataRequest struct {
	RegistrationAddress *addressJSON `json:"registration_address"`
	ResidenceAddress    *addressJSON `json:"residence_address"`
	ResidenceSame       bool         `json:"residence_same"`
	HomePhone           string       `json:"home_phone"`
	INN                 string       `json:"inn"`
	OMS                 string       `json:"oms"`
}

// innFoundJSON is the INN the Tax Service found.
type innFoundJSON struct {
	INN       string `json:"inn"`
	INNSource string `json:"inn_source"`
}

type regionJSON struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	Type         string `json:"type"`
	NameWithType string `json:"name_with_type"`
}

type regionListJSON struct {
	Regions []regionJSON `json:"regions"`
}

type localityJSON struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Area     string `json:"area"`
	Postcode string `json:"postcode"`
	Region   string `json:"region"` // its region's code
}

func toLocalityJSON(l places.Locality) localityJSON {
	return localityJSON{Name: l.Name, Type: l.Type, Area: l.Area, Postcode: l.Postcode, Region: l.Region}
}

type localityListJSON struct {
	Localities []localityJSON `json:"localities"`
}

func toAddressJSON(a *address.Address) *addressJSON {
	if a == nil {
		return nil
	}
	j := addressJSON(*a)
	return &j
}

func fromAddressJSON(j *addressJSON) address.Address {
	if j == nil {
		return address.Address{}
	}
	return address.Address(*j)
}

func toAdditionalDataJSON(d extras.Data) additionalDataJSON {
	out := additionalDataJSON{RegistrationAddress: toAddressJSON(d.Registration), ResidenceAddress: toAddressJSON(d.ResidenceAddress()),
		ResidenceSame: d.ResidenceSame, HomePhone: string(d.HomePhone), INN: string(d.INN), INNSource: string(d.INNSource), OMS: string(d.OMS)}
	if !d.UpdatedAt.IsZero() {
		t := d.UpdatedAt.UTC()
		out.UpdatedAt = &t
	}
	return out
}

func (s *Server) apiAdditionalData(w http.ResponseWriter, r *http.Request) {
	d, err := s.d.Extras.Get(r.Context(), accountOf(r).ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAdditionalDataJSON(d))
}

func (s *Server) apiSaveAdditionalData(w http.ResponseWriter, r *http.Request) {
	var in additionalDataRequest
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	d, err := s.d.Extras.Save(r.Context(), accountOf(r).ID, extras.Input{Registration: fromAddressJSON(in.RegistrationAddress),
		Residence: fromAddressJSON(in.ResidenceAddress), ResidenceSame: in.ResidenceSame, HomePhone: in.HomePhone, INN: in.INN, OMS: in.OMS}, s.holder(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAdditionalDataJSON(d))
}

func (s *Server) apiFindINN(w http.ResponseWriter, r *http.Request) {
	d, err := s.d.Extras.FindINN(r.Context(), accountOf(r).ID, s.holder(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, innFoundJSON{INN: string(d.INN), INNSource: string(d.INNSource)})
}

func (s *Server) apiRegions(w http.ResponseWriter, r *http.Request) {
	out := regionListJSON{Regions: []regionJSON{}}
	for _, rg := range s.d.Places.Regions() {
		out.Regions = append(out.Regions, regionJSON{Code: rg.Code, Name: rg.Name, Type: rg.Type, NameWithType: rg.NameWithType})
	}
	writeJSON(w, http.StatusOK, out)
}

// apiLocalities suggests towns: of a region for the locality field of an
// address (region, with q narrowing the list by a part of the name), or of
// every region for «Выбрать регион» (q alone: the name's start, or one
// typo, the larger towns first).
func (s *Server) apiLocalities(w http.ResponseWriter, r *http.Request) {
	region := strings.TrimSpace(r.URL.Query().Get("region"))
	q := r.URL.Query().Get("q")
	if len(q) > 200 {
		q = q[:200]
	}
	switch {
	case region == "" && strings.TrimSpace(q) == "":
		s.apiError(w, r, problem.InvalidField("q", problem.M("choose_region.q_required")))
		return
	case region != "" && !s.d.Places.HasRegion(region):
		s.apiError(w, r, problem.InvalidField("region", problem.M("address.region.unknown")))
		return
	}
	var found []places.Locality
	if region == "" {
		found = s.d.Places.Find(q, maxLocalities)
	} else {
		found = s.d.Places.Search(region, q, maxLocalities)
	}
	out := localityListJSON{Localities: []localityJSON{}}
	for _, l := range found {
		out.Localities = append(out.Localities, toLocalityJSON(l))
	}
	writeJSON(w, http.StatusOK, out)
}

// The page.

// AdditionalDataPage is «Дополнительные данные»: two address blocks, the
// home phone, the INN with «Найти мой ИНН», the OMS policy.
type AdditionalDataPage struct {
	BasePage
	Regions                 []places.Region
	Registration, Residence AddressBlock
	// INNSource is where the INN shown came from ("typed", "fns"), ""
	// when the field holds no saved INN.
	INNSource string
	// NeedPersonalData: the Tax Service cannot be asked before «Мои
	// данные» are filled in; the page links there.
	NeedPersonalData bool
}

// AddressBlock is one address's fieldset.
type AddressBlock struct {
	Prefix     string   // "registration_address"
	Legend     string   // message ID
	Localities []string // suggestions: the towns of the region chosen
}

// dataValues writes saved data as the form's values.
func dataValues(d extras.Data) map[string]string {
	v := map[string]string{}
	put := func(prefix string, a *address.Address) {
		if a == nil {
			return
		}
		for i, x := range []string{a.Region, a.Locality, a.Street, a.House, a.Building, a.Flat, a.Postcode} {
			v[prefix+"."+addressParts[i]] = x
		}
	}
	put(extras.FieldRegistration, d.Registration)
	put(extras.FieldResidence, d.Residence)
	if d.ResidenceSame {
		v[extras.FieldResidenceSame] = "on"
	}
	if d.HomePhone != "" {
		v[extras.FieldHomePhone] = d.HomePhone.Display()
	}
	v[extras.FieldINN], v[extras.FieldOMS] = string(d.INN), string(d.OMS)
	return v
}

// formInput reads the form's values into the service's input.
func formInput(v map[string]string) extras.Input {
	addr := func(prefix string) address.Address {
		p := make([]string, len(addressParts))
		for i, name := range addressParts {
			p[i] = v[prefix+"."+name]
		}
		return address.Address{Region: p[0], Locality: p[1], Street: p[2], House: p[3], Building: p[4], Flat: p[5], Postcode: p[6]}
	}
	return extras.Input{Registration: addr(extras.FieldRegistration), Residence: addr(extras.FieldResidence), ResidenceSame: v[extras.FieldResidenceSame] != "",
		HomePhone: v[extras.FieldHomePhone], INN: v[extras.FieldINN], OMS: v[extras.FieldOMS]}
}

// additionalPage builds the page for a form; saved is what is stored, for
// the INN's source.
func (s *Server) additionalPage(f *FormView, saved extras.Data) *AdditionalDataPage {
	p := &AdditionalDataPage{BasePage: BasePage{Title: "more.title", Form: f, LangForm: "additional-data-form"}, Regions: s.d.Places.Regions()}
	block := func(prefix, legend string) AddressBlock {
		b := AddressBlock{Prefix: prefix, Legend: legend}
		for _, l := range s.d.Places.Localities(strings.TrimSpace(f.Value(prefix + ".region"))) {
			b.Localities = append(b.Localities, l.Name)
		}
		return b
	}
	p.Registration = block(extras.FieldRegistration, "more.registration")
	p.Residence = block(extras.FieldResidence, "more.residence")
	if saved.INN != "" && strings.Join(strings.Fields(f.Value(extras.FieldINN)), "") == string(saved.INN) {
		p.INNSource = string(saved.INNSource)
	}
	return p
}

// typedPage is the page with what was typed in f beside the saved data it
// shows (the INN's source); false when the saved data could not be read
// and the error page was written instead.
func (s *Server) typedPage(w http.ResponseWriter, r *http.Request, f *FormView) (*AdditionalDataPage, bool) {
	saved, err := s.d.Extras.Get(r.Context(), accountOf(r).ID)
	if err != nil {
		s.errorPage(w, r, err, "/account")
		return nil, false
	}
	return s.additionalPage(f, saved), true
}

func (s *Server) additionalDataPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.d.Extras.Get(r.Context(), accountOf(r).ID)
	if err != nil {
		s.errorPage(w, r, err, "/account")
		return
	}
	p := s.additionalPage(newForm(dataValues(d)), d)
	if r.URL.Query().Get("saved") != "" {
		p.Flash = s.t(r).T("more.saved")
	}
	s.render(w, r, http.StatusOK, "additional_data", p)
}

func (s *Server) additionalDataSubmit(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, additionalFields...)
	if err != nil {
		s.errorPage(w, r, err, "/account/additional-data")
		return
	}
	id := accountOf(r).ID
	if s.switchedLang(w, r) {
		if p, ok := s.typedPage(w, r, newForm(v)); ok {
			s.render(w, r, http.StatusOK, "additional_data", p)
		}
		return
	}
	if _, err := s.d.Extras.Save(r.Context(), id, formInput(v), s.holder(r)); err != nil {
		if problem.KindOf(err) != problem.Invalid {
			s.errorPage(w, r, err, "/account/additional-data")
			return
		}
		f := newForm(v)
		f.fail(s.t(r), err, additionalFields...)
		if p, ok := s.typedPage(w, r, f); ok {
			s.render(w, r, http.StatusUnprocessableEntity, "additional_data", p)
		}
		return
	}
	seeOther(w, r, "/account/additional-data?saved=1")
}

// additionalDataFindINN is «Найти мой ИНН»: a button of the page's form
// with its own address, so what was typed elsewhere comes back as it was
// (not saved) while a found INN is saved at once.
func (s *Server) additionalDataFindINN(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, additionalFields...)
	if err != nil {
		s.errorPage(w, r, err, "/account/additional-data")
		return
	}
	id := accountOf(r).ID
	t := s.t(r)
	found, err := s.d.Extras.FindINN(r.Context(), id, s.holder(r))
	if err == nil {
		v[extras.FieldINN] = string(found.INN)
		p := s.additionalPage(newForm(v), found)
		p.Flash = t.T("more.inn_found", "INN", string(found.INN))
		s.render(w, r, http.StatusOK, "additional_data", p)
		return
	}
	pe, ok := problem.As(err)
	if !ok || pe.Kind == problem.Internal {
		s.internalError(w, r, err)
		return
	}
	// The Tax Service's answer, or its silence, is said on the INN field,
	// where the citizen can type the number instead.
	f := newForm(v)
	f.fail(t, problem.InvalidField(extras.FieldINN, pe.Message), additionalFields...)
	p, ok := s.typedPage(w, r, f)
	if !ok {
		return
	}
	p.NeedPersonalData = pe.Message.ID == "additional_data.inn_no_personal_data"
	retryAfter(w, err)
	s.render(w, r, statusOf(pe.Kind), "additional_data", p)
}

// additionalDataFindGet sends a reload of the button's address to the
// page.
func (s *Server) additionalDataFindGet(w http.ResponseWriter, r *http.Request) {
	seeOther(w, r, "/account/additional-data")
}
