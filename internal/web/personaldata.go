package web

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/i18n"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/registry"
)

// «Мои данные»: the personal data, its verification's progress and what the
// level opens next, as a page (/account/personal-data) and as the API
// (/api/v1/me/personal-data, /api/v1/me/verification).

// verificationPath is what the «Мои данные» page polls while a check
// runs: the middleware does not take it for the citizen's activity.
const verificationPath = "/api/v1/me/verification"

// The status of an account's personal data, as the API and the pages name it.
const (
	dataNone     = "none"     // nothing submitted yet
	dataPending  = "pending"  // a verification is running
	dataVerified = "verified" // the verified data is in force, nothing else pending
	dataFailed   = "failed"   // the latest submission failed a check
)

// dataStatus says where an account's personal data stands.
func dataStatus(rec *profile.Record) string {
	if l := rec.Latest; l != nil {
		switch l.State {
		case profile.Pending:
			return dataPending
		case profile.Failed:
			return dataFailed
		}
	}
	if rec.Verified != nil {
		return dataVerified
	}
	return dataNone
}

// documentJSON is the identity document: a Russian passport for now.
type documentJSON struct {
	Type         string `json:"type"`
	Series       string `json:"series"`
	Number       string `json:"number"`
	IssueDate    string `json:"issue_date"`
	IssuedBy     string `json:"issued_by"`
	DivisionCode string `json:"division_code"`
}

// personalDataFields are the twelve fields of «Мои данные», named as in
// the issue: the PUT body, and the GET answer's top level.
type personalDataFields struct {
	Surname      string       `json:"surname"`
	Name         string       `json:"name"`
	Patronymic   string       `json:"patronymic"`
	NoPatronymic bool         `json:"no_patronymic"`
	Gender       string       `json:"gender"`
	BirthDate    string       `json:"birth_date"`
	BirthPlace   string       `json:"birth_place"`
	Citizenship  string       `json:"citizenship"`
	Document     documentJSON `json:"document"`
	SNILS        string       `json:"snils"`
}

// personalDataJSON is what the form shows (the draft: the latest submission
// while it is pending or failed, else the verified data) with its status;
// Verified holds the verified values while they differ from the draft.
type personalDataJSON struct {
	personalDataFields
	Status     string              `json:"status"`
	VerifiedAt *time.Time          `json:"verified_at,omitempty"`
	Verified   *personalDataFields `json:"verified,omitempty"`
}

// checkJSON is one registry's check.
type checkJSON struct {
	Registry   string    `json:"registry"`
	State      string    `json:"state"`
	ReasonCode string    `json:"reason_code,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// verificationJSON is the latest verification and its checks.
type verificationJSON struct {
	State       string      `json:"state"`
	Checks      []checkJSON `json:"checks"`
	SubmittedAt time.Time   `json:"submitted_at"`
}

func dayString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func fieldsOf(d profile.Data) personalDataFields {
	id, p := d.Identity, d.Passport
	return personalDataFields{Surname: id.Surname, Name: id.Name, Patronymic: id.Patronymic, NoPatronymic: id.NoPatronymic,
		Gender: string(id.Gender), BirthDate: dayString(id.BirthDate), BirthPlace: id.BirthPlace, Citizenship: id.Citizenship,
		Document: documentJSON{Type: profile.PassportRF, Series: p.Series, Number: p.Number, IssueDate: dayString(p.IssueDate),
			IssuedBy: p.IssuedBy, DivisionCode: p.DivisionCode},
		SNILS: d.SNILS.String()}
}

func (f personalDataFields) input() profile.Input {
	return profile.Input{
		IdentityInput: person.IdentityInput{Surname: f.Surname, Name: f.Name, Patronymic: f.Patronymic, NoPatronymic: f.NoPatronymic,
			Gender: f.Gender, BirthDate: f.BirthDate, BirthPlace: f.BirthPlace, Citizenship: f.Citizenship},
		DocumentType: f.Document.Type,
		Passport: document.PassportInput{Series: f.Document.Series, Number: f.Document.Number, IssueDate: f.Document.IssueDate,
			IssuedBy: f.Document.IssuedBy, DivisionCode: f.Document.DivisionCode},
		SNILS: f.SNILS,
	}
}

// personalDataOf is the API's view of a record: the draft, or before any
// submission empty fields with the account's names.
func personalDataOf(rec *profile.Record, a *account.Account) personalDataJSON {
	out := personalDataJSON{Status: dataStatus(rec)}
	if d, ok := rec.Draft(); ok {
		out.personalDataFields = fieldsOf(d)
	} else {
		out.personalDataFields = personalDataFields{Surname: a.Surname, Name: a.Name, Document: documentJSON{Type: profile.PassportRF}}
	}
	if rec.Verified != nil {
		at := rec.VerifiedAt.UTC()
		out.VerifiedAt = &at
		if out.Status == dataPending || out.Status == dataFailed {
			v := fieldsOf(*rec.Verified)
			out.Verified = &v
		}
	}
	return out
}

// latestVerification is the verification the API and the page report: the
// latest, or, when it was dropped because the citizen went back to the
// verified data, the verified data's passed state.
func latestVerification(rec *profile.Record) *profile.Verification {
	l := rec.Latest
	if l != nil && l.State == profile.Superseded && rec.Verified != nil {
		return &profile.Verification{AccountID: rec.AccountID, State: profile.Passed, Data: *rec.Verified, SubmittedAt: rec.VerifiedAt, FinishedAt: rec.VerifiedAt}
	}
	return l
}

// mismatchFields is a registry's list of what did not match, in the
// page's words: "дата выдачи паспорта, фамилия".
func mismatchFields(t i18n.Localizer, fields []registry.Field) string {
	words := make([]string, len(fields))
	for i, f := range fields {
		words[i] = t.T("mydata.mismatch." + string(f))
	}
	return strings.Join(words, ", ")
}

// checkReason is a failed check's reason in the reader's language.
func checkReason(t i18n.Localizer, c profile.Check) string {
	if c.Reason == "" {
		return ""
	}
	return t.T(c.Reason, "Fields", mismatchFields(t, c.Fields))
}

func verificationOf(t i18n.Localizer, v *profile.Verification) verificationJSON {
	out := verificationJSON{State: string(v.State), Checks: []checkJSON{}, SubmittedAt: v.SubmittedAt.UTC()}
	for _, c := range v.Checks {
		out.Checks = append(out.Checks, checkJSON{Registry: string(c.Registry), State: string(c.State), ReasonCode: c.Reason,
			Reason: checkReason(t, c), UpdatedAt: c.UpdatedAt.UTC()})
	}
	return out
}

func (s *Server) apiPersonalData(w http.ResponseWriter, r *http.Request) {
	a := accountOf(r)
	rec, err := s.d.Profile.Get(r.Context(), a.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, personalDataOf(rec, a))
}

// apiSubmitPersonalData answers 202 while the data is being checked (this
// request started the check, or one runs for the same data already) and
// 200 when there was nothing to check: the data is what is verified.
func (s *Server) apiSubmitPersonalData(w http.ResponseWriter, r *http.Request) {
	var in personalDataFields
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	res, err := s.d.Profile.Submit(r.Context(), profile.Submission{AccountID: accountOf(r).ID, Input: in.input(), Client: s.holder(r)})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	status := http.StatusOK
	if res.Verification.State == profile.Pending {
		status = http.StatusAccepted
	}
	writeJSON(w, status, verificationOf(s.t(r), res.Verification))
}

func (s *Server) apiVerification(w http.ResponseWriter, r *http.Request) {
	rec, err := s.d.Profile.Get(r.Context(), accountOf(r).ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	v := latestVerification(rec)
	if v == nil {
		s.apiError(w, r, notFoundErr("verification.not_found"))
		return
	}
	writeJSON(w, http.StatusOK, verificationOf(s.t(r), v))
}

// The page.

// personalDataFormFields are the form's inputs in the order of the page,
// named as in the API (the document's with a dot), so that the service's
// field messages land next to them.
var personalDataFormFields = []string{"surname", "name", "patronymic", "no_patronymic", "gender", "birth_date", "birth_place", "citizenship",
	"document.series", "document.number", "document.issue_date", "document.issued_by", "document.division_code", "snils"}

// Country is one choice of the citizenship list.
type Country struct{ Code, Name string }

// CheckView is one registry's check as the page shows it.
type CheckView struct {
	Registry string // sfr, mvd
	State    string // pending, passed, failed
	Reason   string // localized; "" unless failed
}

// DataRow is one line of the verified data's summary.
type DataRow struct {
	Label string // message ID
	Value string
}

// PersonalDataPage is «Мои данные»: the status of the data and the form.
type PersonalDataPage struct {
	BasePage
	Status      string // none, pending, verified, failed
	VerifiedAt  time.Time
	SubmittedAt time.Time   // of the latest submission, while pending or failed
	Checks      []CheckView // the latest submission's, while pending or failed
	Verified    []DataRow   // the verified data, while a change is pending or failed
	Countries   []Country   // the common citizenships first, Russia first
	More        []Country   // every other country, by name
	// ReplaceBy is the last day the draft's passport is valid while it is
	// in its grace before replacement at 20 or 45; zero otherwise.
	ReplaceBy time.Time
	ReplaceAt int // the age of that replacement
	// ConfirmURL is the finder of the centers that confirm identity, the
	// next step of a standard account whose data are verified; "" otherwise.
	ConfirmURL string
}

// pageDate is how the form writes a date: as it is typed, DD.MM.YYYY.
func pageDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("02.01.2006")
}

// formValues are the draft's values as the form shows them.
func formValues(d profile.Data) map[string]string {
	id, p := d.Identity, d.Passport
	v := map[string]string{"surname": id.Surname, "name": id.Name, "patronymic": id.Patronymic, "gender": string(id.Gender),
		"birth_date": pageDate(id.BirthDate), "birth_place": id.BirthPlace, "citizenship": id.Citizenship,
		"document.series": p.Series, "document.number": p.Number, "document.issue_date": pageDate(p.IssueDate),
		"document.issued_by": p.IssuedBy, "document.division_code": p.DivisionCode, "snils": d.SNILS.String()}
	if id.NoPatronymic {
		v["no_patronymic"] = "yes"
	}
	return v
}

func (s *Server) personalDataPage(w http.ResponseWriter, r *http.Request) {
	if s.returnIfReady(w, r) {
		return
	}
	a := accountOf(r)
	rec, err := s.d.Profile.Get(r.Context(), a.ID)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	var values map[string]string
	if d, ok := rec.Draft(); ok {
		values = formValues(d)
	} else {
		values = map[string]string{"surname": a.Surname, "name": a.Name, "citizenship": person.Russia}
	}
	p := s.newPersonalDataPage(r, rec, newForm(values))
	switch q := r.URL.Query(); {
	case q.Get("sent") != "":
		p.Flash = s.t(r).T("mydata.sent")
	case q.Get("unchanged") != "":
		p.Flash = s.t(r).T("mydata.unchanged")
	}
	s.render(w, r, http.StatusOK, "personal_data", p)
}

func (s *Server) personalDataSubmit(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, personalDataFormFields...)
	if err != nil {
		s.errorPage(w, r, err, "/account/personal-data")
		return
	}
	a := accountOf(r)
	show := func(status int, f *FormView) {
		rec, err := s.d.Profile.Get(r.Context(), a.ID)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		s.render(w, r, status, "personal_data", s.newPersonalDataPage(r, rec, f))
	}
	if s.switchedLang(w, r) {
		show(http.StatusOK, newForm(v))
		return
	}
	in := personalDataFields{Surname: v["surname"], Name: v["name"], Patronymic: v["patronymic"], NoPatronymic: v["no_patronymic"] != "",
		Gender: v["gender"], BirthDate: v["birth_date"], BirthPlace: v["birth_place"], Citizenship: v["citizenship"],
		Document: documentJSON{Series: v["document.series"], Number: v["document.number"], IssueDate: v["document.issue_date"],
			IssuedBy: v["document.issued_by"], DivisionCode: v["document.division_code"]},
		SNILS: v["snils"]}
	res, err := s.d.Profile.Submit(r.Context(), profile.Submission{AccountID: a.ID, Input: in.input(), Client: s.holder(r)})
	if err != nil {
		f := newForm(v) // everything typed comes back, wrong or not
		f.fail(s.t(r), err, personalDataFormFields...)
		retryAfter(w, err)
		show(statusOf(problem.KindOf(err)), f)
		return
	}
	if res.Verification.State == profile.Pending {
		seeOther(w, r, "/account/personal-data?sent=1")
		return
	}
	seeOther(w, r, "/account/personal-data?unchanged=1")
}

func (s *Server) newPersonalDataPage(r *http.Request, rec *profile.Record, f *FormView) *PersonalDataPage {
	t := s.t(r)
	p := &PersonalDataPage{BasePage: BasePage{Title: "mydata.title", Form: f, LangForm: "mydata-form"}, Status: dataStatus(rec), VerifiedAt: rec.VerifiedAt}
	p.Countries, p.More = countries(i18n.Lang(langOf(r)))
	if a := accountOf(r); a != nil && a.Level == account.Standard && p.Status == dataVerified {
		p.ConfirmURL = s.confirmCentersURL(r.Context(), a.ID)
	}
	if l := rec.Latest; l != nil && (p.Status == dataPending || p.Status == dataFailed) {
		p.SubmittedAt = l.SubmittedAt
		for _, c := range l.Checks {
			p.Checks = append(p.Checks, CheckView{Registry: string(c.Registry), State: string(c.State), Reason: checkReason(t, c)})
		}
		if rec.Verified != nil {
			p.Verified = dataRows(t, *rec.Verified)
		}
	}
	if d, ok := rec.Draft(); ok {
		if v := document.PassportValidity(d.Identity.BirthDate, d.Passport.IssueDate, person.Today(s.d.Now())); v.State == document.Grace {
			p.ReplaceBy, p.ReplaceAt = v.ValidUntil, v.Age
		}
	}
	return p
}

// dataRows is verified data as a summary list.
func dataRows(t i18n.Localizer, d profile.Data) []DataRow {
	id, p := d.Identity, d.Passport
	patronymic := id.Patronymic
	if id.NoPatronymic {
		patronymic = t.T("mydata.no_patronymic")
	}
	return []DataRow{
		{"mydata.surname", id.Surname}, {"mydata.name", id.Name}, {"mydata.patronymic", patronymic},
		{"mydata.gender", t.T("mydata.gender." + string(id.Gender))},
		{"mydata.birth_date", pageDate(id.BirthDate)}, {"mydata.birth_place", id.BirthPlace},
		{"mydata.citizenship", countryName(t.Lang, id.Citizenship)},
		{"mydata.passport", p.Series + " " + p.Number}, {"mydata.issue_date", pageDate(p.IssueDate)},
		{"mydata.issued_by", p.IssuedBy}, {"mydata.division_code", p.DivisionCode},
		{"mydata.snils", d.SNILS.String()},
	}
}

// countryName is a country's name in the language, from its alpha-3 code.
func countryName(l i18n.Lang, code string) string {
	r, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	if n := display.Regions(tagOf(l)).Name(r); n != "" {
		return n
	}
	return code
}

func tagOf(l i18n.Lang) language.Tag {
	if l == i18n.EN {
		return language.English
	}
	return language.Russian
}

// allCountries are the alpha-3 codes of every current country a
// citizenship may name (those person.ParseCitizenship accepts).
var allCountries = sync.OnceValue(func() []string {
	var out []string
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			r, err := language.ParseRegion(string([]rune{a, b}))
			if err != nil || !r.IsCountry() {
				continue
			}
			if code, err := person.ParseCitizenship(r.ISO3()); err == nil && !slices.Contains(out, code) {
				out = append(out, code)
			}
		}
	}
	return out
})

// countryLists are the citizenship choices per language, built once.
var countryLists sync.Map // i18n.Lang → [2][]Country

// countries returns the citizenship choices: person.Citizenships in its
// order (Russia first), then every other country sorted by its name in the
// language.
func countries(l i18n.Lang) (common, more []Country) {
	if v, ok := countryLists.Load(l); ok {
		lists := v.([2][]Country)
		return lists[0], lists[1]
	}
	first := person.Citizenships()
	for _, c := range first {
		common = append(common, Country{c, countryName(l, c)})
	}
	for _, c := range allCountries() {
		if !slices.Contains(first, c) {
			more = append(more, Country{c, countryName(l, c)})
		}
	}
	col := collate.New(tagOf(l))
	slices.SortFunc(more, func(a, b Country) int { return col.CompareString(a.Name, b.Name) })
	countryLists.Store(l, [2][]Country{common, more})
	return common, more
}

// Next steps: what the account's level opens and the step that raises it.

// NextStep is the one thing that raises an account to the next level, as
// the account and services pages show it.
type NextStep struct {
	Level  account.Level // the level it leads to
	Status string        // the personal data's status (for the standard level)
	// CentersURL is the finder of the centers that confirm identity, in
	// the citizen's region when known.
	CentersURL string
}

// nextStep returns the account's next step with its personal data's
// status; Level is "" for a confirmed account, which has none.
func (s *Server) nextStep(ctx context.Context, a *account.Account) (NextStep, error) {
	rec, err := s.d.Profile.Get(ctx, a.ID)
	if err != nil {
		return NextStep{}, err
	}
	n := NextStep{Status: dataStatus(rec), CentersURL: s.confirmCentersURL(ctx, a.ID)}
	switch a.Level {
	case account.Simplified:
		n.Level = account.Standard
	case account.Standard:
		n.Level = account.Confirmed
	}
	return n, nil
}
