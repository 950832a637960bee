package extras_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/address"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/export"
	"github.com/kabinet/kabinet/internal/extras"
	"github.com/kabinet/kabinet/internal/fake"
	"github.com/kabinet/kabinet/internal/i18n/i18ntest"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/places"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/registry"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/throttle"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func TestMessages(t *testing.T) {
	i18ntest.CheckArea(t, "extras", map[string]map[string]any{
		"additional_data.same_without_registration": nil,
		"additional_data.inn_no_personal_data":      nil,
		"additional_data.inn_not_found":             nil,
		"additional_data.inn_unavailable":           nil,
		"additional_data.inn_rate_limited":          {"Wait": time.Hour},
	})
}

func regions(t testing.TB) *places.Directory {
	t.Helper()
	d, err := places.Load()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var tambov = address.Address{Region: "68", Locality: "Тамбов", Street: "ул. Советская", House: "5", Flat: "12", Postcode: "392000"}

// fieldIDs returns a problem's field → message ID, nil for no error.
func fieldIDs(t *testing.T, err error) map[string]string {
	t.Helper()
	if err == nil {
		return nil
	}
	p, ok := problem.As(err)
	if !ok || p.Kind != problem.Invalid {
		t.Fatalf("error %v is not a problem.Invalid", err)
	}
	out := map[string]string{}
	for _, f := range p.Fields {
		out[f.Field] = f.ID
	}
	return out
}

func TestNormalize(t *testing.T) {
	dir := regions(t)
	moscow := address.Address{Region: "77", Locality: "Москва", Street: "ул. Тверская", House: "1"}
	tests := []struct {
		name string
		in   extras.Input
		want extras.Data
		errs map[string]string
	}{
		{name: "nothing at all", in: extras.Input{}, want: extras.Data{}},
		{name: "blank parts are no address", in: extras.Input{Registration: address.Address{Street: "  ", Flat: "\t"}}, want: extras.Data{}},
		{name: "everything",
			in:   extras.Input{Registration: tambov, Residence: moscow, HomePhone: "8 4752 12-34-56", INN: "7701 2345 6703", OMS: "1234 5678 9012 3452"},
			want: extras.Data{Registration: &tambov, Residence: &moscow, HomePhone: "+74752123456", INN: "770123456703", INNSource: extras.Typed, OMS: "1234567890123452"}},
		{name: "same as registration ignores the residence typed",
			in:   extras.Input{Registration: tambov, Residence: address.Address{House: "?"}, ResidenceSame: true},
			want: extras.Data{Registration: &tambov, ResidenceSame: true}},
		{name: "same without a registration address",
			in:   extras.Input{ResidenceSame: true},
			errs: map[string]string{"residence_same": "additional_data.same_without_registration"}},
		{name: "same with a wrong registration address says what is wrong with it only",
			in:   extras.Input{Registration: address.Address{Region: "68"}, ResidenceSame: true},
			errs: map[string]string{"registration_address.locality": "address.locality.required", "registration_address.house": "address.house.required"}},
		{name: "a message on every wrong field",
			in: extras.Input{Registration: address.Address{Region: "00", Locality: "Тамбов", House: "5"}, Residence: address.Address{Locality: "Москва", House: "1", Postcode: "12"},
				HomePhone: "8 916 123-45-67", INN: "770123456704", OMS: "1234567890123456"},
			errs: map[string]string{"registration_address.region": "address.region.unknown", "residence_address.region": "address.region.required",
				"residence_address.postcode": "address.postcode.format", "home_phone": "phone.home.mobile", "inn": "inn.checksum", "oms": "oms.checksum"}},
		{name: "an organisation's INN", in: extras.Input{INN: "7707083893"}, errs: map[string]string{"inn": "inn.organisation"}},
		{name: "a short policy number", in: extras.Input{OMS: "12345"}, errs: map[string]string{"oms": "oms.length"}},
		{name: "a local number", in: extras.Input{HomePhone: "22-33-44"}, errs: map[string]string{"home_phone": "phone.home.no_code"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := extras.Normalize(tt.in, dir)
			if errs := fieldIDs(t, err); !reflect.DeepEqual(errs, tt.errs) {
				t.Fatalf("errors %v, want %v", errs, tt.errs)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestResidenceAddressAndLine(t *testing.T) {
	d := extras.Data{Registration: &tambov, ResidenceSame: true}
	if got := d.ResidenceAddress(); got != &tambov {
		t.Errorf("same: residence %v, want the registration address", got)
	}
	if got, want := extras.Line(tambov, "Тамбовская обл"), "392000, Тамбовская обл, Тамбов, ул. Советская, д. 5, кв. 12"; got != want {
		t.Errorf("Line = %q, want %q", got, want)
	}
	if got, want := extras.Line(address.Address{Region: "50", Locality: "д. Горки", House: "7", Building: "2"}, "Московская обл"), "Московская обл, д. Горки, д. 7, корп. 2"; got != want {
		t.Errorf("Line = %q, want %q", got, want)
	}
}

func TestChanged(t *testing.T) {
	other, same := tambov, tambov
	other.Flat = "13"
	base := extras.Data{Registration: &tambov, INN: "770123456703", INNSource: extras.Typed}
	tests := []struct {
		name string
		next extras.Data
		want []string
	}{
		{"another flat", extras.Data{Registration: &other, INN: "770123456703", INNSource: extras.Typed}, []string{"registration_address"}},
		{"same values", extras.Data{Registration: &same, INN: "770123456703", INNSource: extras.Typed}, nil},
		{"the INN's source", extras.Data{Registration: &tambov, INN: "770123456703", INNSource: extras.FromFNS}, []string{"inn"}},
		{"cleared and added", extras.Data{ResidenceSame: true, HomePhone: "+74752123456", OMS: "1234567890123452"},
			[]string{"registration_address", "residence_same", "home_phone", "inn", "oms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := extras.Changed(base, tt.next); !slices.Equal(got, tt.want) {
				t.Errorf("Changed = %v, want %v", got, tt.want)
			}
		})
	}
}

// store is the fake store (personal data, limits, audit) with the
// additional data in a map.
type store struct {
	*fake.Store
	data   map[string]extras.Data
	events []audit.Event
}

func (s *store) AppendAudit(ctx context.Context, e *audit.Event) error {
	s.events = append(s.events, *e)
	return s.Store.AppendAudit(ctx, e)
}

func (s *store) AdditionalData(ctx context.Context, id string) (extras.Data, error) {
	return s.data[id], nil
}
func (s *store) SaveAdditionalData(ctx context.Context, id string, d extras.Data) error {
	s.data[id] = d
	return nil
}

// tax answers FindINN with a scripted answer or error, and counts calls.
type tax struct {
	answer registry.INNAnswer
	err    error
	hang   bool
	calls  int
	last   registry.INNQuery
}

func (x *tax) FindINN(ctx context.Context, q registry.INNQuery) (registry.INNAnswer, error) {
	x.calls++
	x.last = q
	if x.hang {
		<-ctx.Done()
		return registry.INNAnswer{}, ctx.Err()
	}
	return x.answer, x.err
}

type env struct {
	st  *store
	tax *tax
	svc *extras.Service
	now time.Time
}

func newEnv(t *testing.T) *env {
	e := &env{st: &store{Store: fake.NewStore(), data: map[string]extras.Data{}}, tax: &tax{}, now: t0}
	clock := func() time.Time { return e.now }
	e.svc = extras.New(extras.Deps{Store: e.st, Personal: e.st, Tax: e.tax, Limiter: throttle.New(e.st, clock, []byte("k")),
		Regions: regions(t), Wait: 50 * time.Millisecond, Now: clock})
	return e
}

var anna = profile.Data{
	Identity: person.Identity{Surname: "Смирнова", Name: "Анна", Patronymic: "Сергеевна", Gender: person.Female, BirthDate: time.Date(1990, 3, 15, 0, 0, 0, 0, time.UTC), Citizenship: "RUS"},
	Passport: document.Passport{Series: "4510", Number: "123456", IssueDate: time.Date(2010, 4, 1, 0, 0, 0, 0, time.UTC)},
	SNILS:    "11223344595",
}

// submitted gives the account a pending submission of d.
func (e *env) submitted(t *testing.T, id string, d profile.Data) {
	t.Helper()
	if err := e.st.CreateVerification(context.Background(), &profile.Verification{ID: "v-" + id, AccountID: id, State: profile.Pending, Data: d, SubmittedAt: e.now}); err != nil {
		t.Fatal(err)
	}
}

func kindAndID(err error) (problem.Kind, string) {
	p, ok := problem.As(err)
	if !ok {
		return problem.Internal, ""
	}
	return p.Kind, p.Message.ID
}

func TestSave(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := session.Client{IP: "192.0.2.1", RequestID: "r1"}
	got, err := e.svc.Save(ctx, "a1", extras.Input{Registration: tambov, ResidenceSame: true, INN: "770123456703"}, c)
	if err != nil {
		t.Fatal(err)
	}
	if got.INNSource != extras.Typed || !got.UpdatedAt.Equal(t0) || got.ResidenceAddress() == nil {
		t.Errorf("saved %+v", got)
	}
	if _, err := e.svc.Save(ctx, "a1", extras.Input{INN: "1"}, c); problem.KindOf(err) != problem.Invalid {
		t.Fatalf("a wrong INN: %v, want Invalid", err)
	}
	// The same form again changes nothing and records nothing.
	e.now = t0.Add(time.Hour)
	again, err := e.svc.Save(ctx, "a1", extras.Input{Registration: tambov, ResidenceSame: true, INN: "7701 2345 6703"}, c)
	if err != nil || !again.UpdatedAt.Equal(t0) {
		t.Errorf("same form: %+v, %v; want the data saved at %v", again, err, t0)
	}
	if got := e.st.Audit(); !slices.Equal(got, []string{"additional_data.updated"}) {
		t.Errorf("audit %v, want one additional_data.updated", got)
	}
	ev := e.st.events[0]
	if ev.Details["fields"] != "registration_address,residence_same,inn" || ev.ActorID != "a1" || ev.IP != "192.0.2.1" {
		t.Errorf("audit event %+v", ev)
	}
	for _, v := range ev.Details {
		if v == "770123456703" || v == tambov.Street {
			t.Errorf("the audit event holds a value: %v", ev.Details)
		}
	}
}

func TestFindINN(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		personal bool
		tax      tax
		kind     problem.Kind
		id       string
	}{
		{name: "found", personal: true, tax: tax{answer: registry.INNAnswer{Found: true, INN: "770123456703"}}},
		{name: "no personal data", tax: tax{answer: registry.INNAnswer{Found: true, INN: "770123456703"}}, kind: problem.Conflict, id: "additional_data.inn_no_personal_data"},
		{name: "not found", personal: true, tax: tax{answer: registry.INNAnswer{}}, kind: problem.NotFound, id: "additional_data.inn_not_found"},
		{name: "an outage", personal: true, tax: tax{err: &registry.Error{Registry: registry.FNS, Temporary: true}}, kind: problem.Unavailable, id: "additional_data.inn_unavailable"},
		{name: "a refusal", personal: true, tax: tax{err: &registry.Error{Registry: registry.FNS}}, kind: problem.Unavailable, id: "additional_data.inn_unavailable"},
		{name: "no answer within the wait", personal: true, tax: tax{hang: true}, kind: problem.Unavailable, id: "additional_data.inn_unavailable"},
		{name: "an answer that is not an INN", personal: true, tax: tax{answer: registry.INNAnswer{Found: true, INN: "770123456704"}}, kind: problem.Unavailable, id: "additional_data.inn_unavailable"},
		{name: "storage failing", personal: true, tax: tax{err: errors.New("boom")}, kind: problem.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			*e.tax = tt.tax
			if tt.personal {
				e.submitted(t, "a1", anna)
			}
			if _, err := e.svc.Save(ctx, "a1", extras.Input{OMS: "1234567890123452", INN: "500100732259"}, session.Client{}); err != nil {
				t.Fatal(err)
			}
			got, err := e.svc.FindINN(ctx, "a1", session.Client{})
			fails := tt.name != "found"
			if k, id := kindAndID(err); fails && (err == nil || k != tt.kind || id != tt.id) || !fails && err != nil {
				t.Fatalf("FindINN: %v (%v %q), want %v %q", err, k, id, tt.kind, tt.id)
			}
			saved, _ := e.svc.Get(ctx, "a1")
			if fails {
				// Never a made-up INN: the typed one stays.
				if saved.INN != "500100732259" || saved.INNSource != extras.Typed {
					t.Errorf("after a failure the data is %+v", saved)
				}
				return
			}
			if got.INN != "770123456703" || got.INNSource != extras.FromFNS || got.OMS != "1234567890123452" || !reflect.DeepEqual(saved, got) {
				t.Errorf("found %+v, saved %+v", got, saved)
			}
			if q := e.tax.last; q.Person.Surname != "Смирнова" || q.Person.Gender != registry.Female || q.Passport.Number != "123456" || !q.Person.BirthDate.Equal(anna.Identity.BirthDate) {
				t.Errorf("asked %+v", q)
			}
			if a := e.st.Audit(); !slices.Equal(a, []string{"additional_data.updated", "inn.found"}) {
				t.Errorf("audit %v", a)
			}
			// Typing the same number back keeps the Tax Service as its source.
			again, err := e.svc.Save(ctx, "a1", extras.Input{OMS: "1234567890123452", INN: "770123456703"}, session.Client{})
			if err != nil || again.INNSource != extras.FromFNS {
				t.Errorf("saved again: %+v, %v", again, err)
			}
		})
	}
}

// TestFindINNUsesVerifiedData: the verified data is asked with when there
// is some, not a newer submission still being checked.
func TestFindINNUsesVerifiedData(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.tax.answer = registry.INNAnswer{Found: true, INN: "770123456703"}
	if err := e.st.SaveVerified(ctx, "a1", anna, t0); err != nil {
		t.Fatal(err)
	}
	newer := anna
	newer.Identity.Surname = "Петрова"
	e.submitted(t, "a1", newer)
	if _, err := e.svc.FindINN(ctx, "a1", session.Client{}); err != nil {
		t.Fatal(err)
	}
	if got := e.tax.last.Person.Surname; got != "Смирнова" {
		t.Errorf("asked about %s, want the verified Смирнова", got)
	}
}

func TestFindINNLimit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.submitted(t, "a1", anna)
	for i := range extras.FindLimit.Max {
		if _, err := e.svc.FindINN(ctx, "a1", session.Client{}); problem.KindOf(err) != problem.NotFound {
			t.Fatalf("look-up %d: %v", i+1, err)
		}
	}
	_, err := e.svc.FindINN(ctx, "a1", session.Client{})
	if k, id := kindAndID(err); k != problem.TooMany || id != "additional_data.inn_rate_limited" {
		t.Fatalf("over the limit: %v", err)
	}
	if e.tax.calls != extras.FindLimit.Max {
		t.Errorf("the Tax Service was asked %d times, want %d", e.tax.calls, extras.FindLimit.Max)
	}
	e.now = e.now.Add(24 * time.Hour)
	if _, err := e.svc.FindINN(ctx, "a1", session.Client{}); problem.KindOf(err) != problem.NotFound {
		t.Errorf("a day later: %v", err)
	}
}

func TestExportPart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	name := func(code string) string { r, _ := regions(t).Region(code); return r.NameWithType }
	p := extras.ExportPart(e.svc.Get, name)
	if recs, err := p.Collect(ctx, "a1"); err != nil || len(recs) != 0 {
		t.Fatalf("nothing saved: %v, %v", recs, err)
	}
	if _, err := e.svc.Save(ctx, "a1", extras.Input{Registration: tambov, ResidenceSame: true, HomePhone: "+7 4752 12-34-56", INN: "770123456703"}, session.Client{}); err != nil {
		t.Fatal(err)
	}
	recs, err := p.Collect(ctx, "a1")
	if err != nil || len(recs) != 1 || len(recs[0]) != len(p.Columns) {
		t.Fatalf("%v, %v", recs, err)
	}
	line := "392000, Тамбовская обл, Тамбов, ул. Советская, д. 5, кв. 12"
	want := export.Record{export.Text(line), export.Text(line), export.Text("+74752123456"), export.Text("770123456703"),
		export.Term("export.inn_source", "typed"), export.Text(""), export.Time(t0)}
	if !reflect.DeepEqual(recs[0], want) {
		t.Errorf("record %v, want %v", recs[0], want)
	}
}

var _ audit.Store = (*store)(nil)
