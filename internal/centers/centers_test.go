package centers_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/centers"
	"github.com/kabinet/kabinet/internal/i18n/i18ntest"
	"github.com/kabinet/kabinet/internal/places"
	"github.com/kabinet/kabinet/internal/problem"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) // a Monday

func TestMessages(t *testing.T) {
	i18ntest.CheckArea(t, "centers", map[string]map[string]any{
		"center.required": nil, "center.too_long": {"Max": 200}, "center.id_format": nil,
		"center.type_required": nil, "center.type_unknown": nil, "center.region_required": nil, "center.region_unknown": nil,
		"center.locality_letters": nil, "center.coords_pair": nil, "center.lat_range": nil, "center.lon_range": nil,
		"center.phone_format": nil, "center.active_format": nil, "center.service_unknown": {"Service": "x"},
		"center.services_required": nil, "center.hours_too_long": {"Max": 500}, "center.hours_segment": {"Segment": "пн"},
		"center.hours_day": {"Day": "пх"}, "center.hours_time": {"Time": "9-18"}, "center.hours_break": {"Break": "13:00-14:00"},
		"center.query_too_long": {"Max": 100}, "center.limit_range": {"Max": 100}, "center.offset_range": {"Max": 10000},
		"center.not_found": nil, "center.import_format": nil, "center.import_file": nil, "center.import_column": {"Column": "x"},
		"center.import_missing_column": {"Column": "name"}, "center.import_line": {"Row": 3}, "center.import_too_many": {"Max": 20000},
		"center.import_extra_values": nil, "center.import_not_object": nil, "center.import_unknown_field": nil,
		"center.import_value": nil, "center.import_duplicate_id": {"Row": 2},
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

var kaluga = centers.Input{ID: "kaluga-mfc", Name: `ГБУ КО "МФЦ Калужской области"`, Type: "mfc", Region: "40", Locality: "Калуга",
	Address: "ул. Хрустальная, д. 34 а", Lat: "54.5138", Lon: "36.2612", Phone: "+7 (4842) 22-22-22",
	Hours: "пн-пт 09:00-18:00 перерыв 13:00-14:00; сб 10:00-14:00", Services: "identity_confirmation, registration access_recovery"}

func TestNormalize(t *testing.T) {
	rs := regions(t)
	with := func(f func(*centers.Input)) centers.Input { in := kaluga; f(&in); return in }
	tests := []struct {
		name string
		in   centers.Input
		want map[string]string
	}{
		{"valid", kaluga, nil},
		{"no id is fine", with(func(in *centers.Input) { in.ID = "" }), nil},
		{"no coordinates is fine", with(func(in *centers.Input) { in.Lat, in.Lon = "", "" }), nil},
		{"comma decimal", with(func(in *centers.Input) { in.Lat, in.Lon = "54,5138", "36,2612" }), nil},
		{"id upper case", with(func(in *centers.Input) { in.ID = "Kaluga" }), map[string]string{"id": "center.id_format"}},
		{"id ends with hyphen", with(func(in *centers.Input) { in.ID = "kaluga-" }), map[string]string{"id": "center.id_format"}},
		{"everything missing", centers.Input{}, map[string]string{"name": "center.required", "type": "center.type_required",
			"region": "center.region_required", "locality": "center.required", "address": "center.required", "services": "center.services_required"}},
		{"unknown type", with(func(in *centers.Input) { in.Type = "bank" }), map[string]string{"type": "center.type_unknown"}},
		{"unknown region", with(func(in *centers.Input) { in.Region = "00" }), map[string]string{"region": "center.region_unknown"}},
		{"locality of punctuation", with(func(in *centers.Input) { in.Locality = "--" }), map[string]string{"locality": "center.locality_letters"}},
		{"name too long", with(func(in *centers.Input) { in.Name = strings.Repeat("я", 201) }), map[string]string{"name": "center.too_long"}},
		{"lat alone", with(func(in *centers.Input) { in.Lon = "" }), map[string]string{"lon": "center.coords_pair"}},
		{"lon alone", with(func(in *centers.Input) { in.Lat = "" }), map[string]string{"lat": "center.coords_pair"}},
		{"lat out of Russia", with(func(in *centers.Input) { in.Lat = "12" }), map[string]string{"lat": "center.lat_range"}},
		{"lon not a number", with(func(in *centers.Input) { in.Lon = "восток" }), map[string]string{"lon": "center.lon_range"}},
		{"lat NaN", with(func(in *centers.Input) { in.Lat = "NaN" }), map[string]string{"lat": "center.lat_range"}},
		{"phone letters", with(func(in *centers.Input) { in.Phone = "позвоните" }), map[string]string{"phone": "center.phone_format"}},
		{"bad hours", with(func(in *centers.Input) { in.Hours = "пн-пт 9-18" }), map[string]string{"hours": "center.hours_time"}},
		{"unknown service", with(func(in *centers.Input) { in.Services = "registration, coffee" }), map[string]string{"services": "center.service_unknown"}},
		{"active maybe", with(func(in *centers.Input) { in.Active = "может быть" }), map[string]string{"active": "center.active_format"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := centers.Normalize(tt.in, rs)
			if got := fieldIDs(t, err); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("fields = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNormalizeCanonical(t *testing.T) {
	in := kaluga
	in.Name, in.Locality, in.Active = "  ГБУ КО\t \"МФЦ\n Калужской области\" ", " Калуга ", "нет"
	in.Services = "access_recovery;identity_confirmation,identity_confirmation"
	c, err := centers.Normalize(in, regions(t))
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != `ГБУ КО "МФЦ Калужской области"` || c.Locality != "Калуга" || c.Active {
		t.Errorf("got %q %q active=%v", c.Name, c.Locality, c.Active)
	}
	if want := []centers.Service{centers.IdentityConfirmation, centers.AccessRecovery}; !slices.Equal(c.Services, want) {
		t.Errorf("services %v, want %v", c.Services, want)
	}
	if !c.HasCoords || c.Lat != 54.5138 || c.Lon != 36.2612 {
		t.Errorf("coords %v %v %v", c.HasCoords, c.Lat, c.Lon)
	}
	// The text form reads back to the same center.
	back, err := centers.Normalize(c.Text(), regions(t))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, c) {
		t.Errorf("round trip:\n%+v\n%+v", back, c)
	}
}

func TestParseHours(t *testing.T) {
	day := func(from, to string, breaks ...string) centers.Day {
		span := func(a, b string) centers.Span {
			m := func(s string) int { h, mm, _ := strings.Cut(s, ":"); return atoi(h)*60 + atoi(mm) }
			return centers.Span{From: m(a), To: m(b)}
		}
		d := centers.Day{Open: span(from, to)}
		for i := 0; i+1 < len(breaks); i += 2 {
			d.Breaks = append(d.Breaks, span(breaks[i], breaks[i+1]))
		}
		return d
	}
	weekday := day("09:00", "18:00", "13:00", "14:00")
	tests := []struct {
		in      string
		want    centers.Hours
		wantErr string
		text    string // the canonical form; "" when in is already canonical
	}{
		{in: "", want: centers.Hours{}},
		{in: "пн-пт 09:00-18:00 перерыв 13:00-14:00; сб 10:00-14:00",
			want: centers.Hours{weekday, weekday, weekday, weekday, weekday, day("10:00", "14:00"), {}},
			text: "пн-пт 09:00-18:00 перерыв 13:00-14:00; сб 10:00-14:00; вс выходной"},
		{in: "Mon-Fri 9:00-18:00 break 13:00-14:00\nSAT 10:00–14:00; sun closed",
			want: centers.Hours{weekday, weekday, weekday, weekday, weekday, day("10:00", "14:00"), {}},
			text: "пн-пт 09:00-18:00 перерыв 13:00-14:00; сб 10:00-14:00; вс выходной"},
		{in: "ежедневно 00:00-24:00", want: centers.Hours{day("00:00", "24:00"), day("00:00", "24:00"), day("00:00", "24:00"),
			day("00:00", "24:00"), day("00:00", "24:00"), day("00:00", "24:00"), day("00:00", "24:00")}, text: "пн-вс 00:00-24:00"},
		{in: "пн,ср,пт 08:00-12:00", want: centers.Hours{day("08:00", "12:00"), {}, day("08:00", "12:00"), {}, day("08:00", "12:00"), {}, {}},
			text: "пн 08:00-12:00; вт выходной; ср 08:00-12:00; чт выходной; пт 08:00-12:00; сб-вс выходной"},
		{in: "пн-пт 09:00-18:00; пт 09:00-16:45", want: centers.Hours{day("09:00", "18:00"), day("09:00", "18:00"), day("09:00", "18:00"),
			day("09:00", "18:00"), day("09:00", "16:45"), {}, {}}, text: "пн-чт 09:00-18:00; пт 09:00-16:45; сб-вс выходной"},
		{in: "пн-пт 08:00-20:00 перерыв 12:00-12:30 перерыв 16:00-16:15",
			want: func() centers.Hours {
				d := day("08:00", "20:00", "12:00", "12:30", "16:00", "16:15")
				return centers.Hours{d, d, d, d, d, {}, {}}
			}(), text: "пн-пт 08:00-20:00 перерыв 12:00-12:30 перерыв 16:00-16:15; сб-вс выходной"},
		{in: "пн", wantErr: "center.hours_segment"},
		{in: "пн-пт", wantErr: "center.hours_segment"},
		{in: "пх 09:00-18:00", wantErr: "center.hours_day"},
		{in: "пт-пн 09:00-18:00", wantErr: "center.hours_day"},
		{in: "пн 9-18", wantErr: "center.hours_time"},
		{in: "пн 18:00-09:00", wantErr: "center.hours_time"},
		{in: "пн 09:00-24:30", wantErr: "center.hours_time"},
		{in: "пн 09:60-18:00", wantErr: "center.hours_time"},
		{in: "пн 09:00-18:00 перерыв 08:00-09:30", wantErr: "center.hours_break"},
		{in: "пн 09:00-18:00 перерыв 13:00-14:00 перерыв 13:30-15:00", wantErr: "center.hours_break"},
		{in: "пн 09:00-18:00 обед 13:00-14:00", wantErr: "center.hours_segment"},
		{in: "пн выходной 09:00-18:00", wantErr: "center.hours_segment"},
		{in: strings.Repeat("пн 09:00-18:00;", 40), wantErr: "center.hours_too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			h, err := centers.ParseHours(tt.in)
			if tt.wantErr != "" {
				var m problem.Message
				if !errors.As(err, &m) || m.ID != tt.wantErr {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(h, tt.want) {
				t.Errorf("got %+v\nwant %+v", h, tt.want)
			}
			text := tt.text
			if text == "" {
				text = tt.in
			}
			if h.String() != text {
				t.Errorf("String() = %q, want %q", h.String(), text)
			}
			back, err := centers.ParseHours(h.String())
			if err != nil || !reflect.DeepEqual(back, h) {
				t.Errorf("String() does not read back: %v %+v", err, back)
			}
		})
	}
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

func TestStateAt(t *testing.T) {
	msk := time.FixedZone("UTC+3", 3*3600)
	h, err := centers.ParseHours("пн-пт 09:00-18:00 перерыв 13:00-14:00; сб 10:00-14:00")
	if err != nil {
		t.Fatal(err)
	}
	at := func(day, hh, mm int) time.Time { return time.Date(2026, 3, day, hh, mm, 0, 0, msk) } // 2 March 2026 is a Monday
	tests := []struct {
		name  string
		now   time.Time
		want  centers.State
		hours centers.Hours
	}{
		{"monday morning, before opening", at(2, 8, 59), centers.State{Known: true, Until: at(2, 9, 0)}, h},
		{"monday open until the break", at(2, 9, 0), centers.State{Known: true, Open: true, Until: at(2, 13, 0)}, h},
		{"on the break", at(2, 13, 30), centers.State{Known: true, Break: true, Until: at(2, 14, 0)}, h},
		{"afternoon, until closing", at(2, 17, 59), centers.State{Known: true, Open: true, Until: at(2, 18, 0)}, h},
		{"monday evening: opens tuesday", at(2, 18, 0), centers.State{Known: true, Until: at(3, 9, 0)}, h},
		{"saturday evening: opens monday", at(7, 15, 0), centers.State{Known: true, Until: at(9, 9, 0)}, h},
		{"sunday: opens monday", at(8, 12, 0), centers.State{Known: true, Until: at(9, 9, 0)}, h},
		{"read on the center's clock", time.Date(2026, 3, 2, 6, 30, 0, 0, time.UTC), centers.State{Known: true, Open: true, Until: at(2, 13, 0)}, h},
		{"hours not given", at(2, 12, 0), centers.State{}, centers.Hours{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.hours.StateAt(tt.now, msk)
			if got.Known != tt.want.Known || got.Open != tt.want.Open || got.Break != tt.want.Break || !got.Until.Equal(tt.want.Until) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestFoldAndDistance(t *testing.T) {
	for in, want := range map[string]string{
		"Калуга": "калуга", "  КАЛУГА ": "калуга", "Щёкино": "щекино", "Каменск-Уральский": "каменск уральский",
		"г. Калуга": "калуга", "с. Хвастовичи": "хвастовичи", "п.Бетлица": "бетлица", "Г": "г", "--": "",
	} {
		if got := centers.Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"калуга", "калуга", 0}, {"калуга", "калгуа", 1}, {"калуга", "калуша", 1}, {"калуга", "калга", 1},
		{"калуга", "кал1уга", 1}, {"калуга", "кулага", 2}, {"калуга", "тула", 2}, {"", "ab", 2}, {"ab", "ba", 1},
	} {
		if got := centers.Distance(tt.a, tt.b, 1); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestRank(t *testing.T) {
	tests := []struct {
		q, locality string
		want        centers.Match
	}{
		{"", "Калуга", centers.MatchAll},
		{"Калуга", "Калуга", centers.MatchExact},
		{"калуга", "Калуга", centers.MatchExact},
		{"КАЛУГА", "Калуга", centers.MatchExact},
		{"г. Калуга", "Калуга", centers.MatchExact},
		{"щекино", "Щёкино", centers.MatchExact},
		{"Щёкино", "Щекино", centers.MatchExact},
		{"Кал", "Калуга", centers.MatchPrefix},
		{"каменск", "Каменск-Уральский", centers.MatchPrefix},
		{"каменск уральский", "Каменск-Уральский", centers.MatchExact},
		{"Калгуа", "Калуга", centers.MatchTypo},  // a transposition
		{"Калуна", "Калуга", centers.MatchTypo},  // a substitution
		{"Калга", "Калуга", centers.MatchTypo},   // a deletion
		{"Каллуга", "Калуга", centers.MatchTypo}, // an insertion
		{"Кулагу", "Калуга", centers.MatchNone},  // two typos
		{"Тулв", "Тула", centers.MatchNone},      // too short for a typo
		{"Москва", "Калуга", centers.MatchNone},
	}
	for _, tt := range tests {
		if got := centers.Rank(tt.q, tt.locality); got != tt.want {
			t.Errorf("Rank(%q, %q) = %v, want %v", tt.q, tt.locality, got, tt.want)
		}
	}
}

func TestTypoTermsFindOneTypo(t *testing.T) {
	// A locality and a query one typo apart share a term, which is what
	// storage looks the typos up by; two or more typos apart they share
	// none.
	shares := func(key, q string) bool {
		terms := centers.TypoTerms(key)
		return slices.ContainsFunc(centers.TypoProbes(q), func(p string) bool { return slices.Contains(terms, p) })
	}
	tests := []struct {
		key, q string
		want   bool
	}{
		{"калуга", "калгуа", true},  // swapped
		{"калуга", "калуна", true},  // replaced
		{"калуга", "калга", true},   // dropped
		{"калуга", "каллуга", true}, // doubled
		{"калуга", "калугаа", true}, // one too many at the end
		{"калуга", "алуга", true},   // the first dropped
		{"калуга", "клауга", true},  // swapped at the start
		{"калуга", "калуга", true},  // the same (found as exact anyway)
		{"калуга", "клагуа", false}, // two swaps
		{"калуга", "гкалуа", false}, // a letter moved two places
		{"калуга", "калгу", false},  // swapped and dropped
		{"обнинск", "обнинсккк", false},
		{"аб", "ба", true},
	}
	for _, tt := range tests {
		if got := shares(tt.key, tt.q); got != tt.want {
			t.Errorf("%q and the query %q share a term: %v, want %v", tt.key, tt.q, got, tt.want)
		}
	}
	if got := centers.TypoTerms("аа"); !slices.Equal(got, []string{"=аа", "~0:а", "~1:а"}) {
		t.Errorf("TypoTerms(аа) = %q", got)
	}
}

func TestNormalizeQuery(t *testing.T) {
	rs := regions(t)
	tests := []struct {
		q    centers.Query
		want map[string]string
	}{
		{centers.Query{Q: "Калуга", Service: "identity_confirmation", Region: "40"}, nil},
		{centers.Query{Service: "coffee"}, map[string]string{"service": "center.service_unknown"}},
		{centers.Query{Region: "99x"}, map[string]string{"region": "center.region_unknown"}},
		{centers.Query{Q: strings.Repeat("а", 101)}, map[string]string{"q": "center.query_too_long"}},
		{centers.Query{Limit: 101, Offset: -1}, map[string]string{"limit": "center.limit_range", "offset": "center.offset_range"}},
	}
	for _, tt := range tests {
		f, err := centers.NormalizeQuery(tt.q, rs)
		if got := fieldIDs(t, err); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%+v: fields = %v, want %v", tt.q, got, tt.want)
		}
		if err == nil && f.Limit != centers.DefaultLimit {
			t.Errorf("limit %d", f.Limit)
		}
	}
}

// memStore is an in-memory centers.Store.
type memStore struct {
	centers map[string]centers.Center
	audit   []audit.Event
	failOn  string // SaveCenter fails for this ID
}

func newMem() *memStore { return &memStore{centers: map[string]centers.Center{}} }

func (m *memStore) Transact(ctx context.Context, fn func(context.Context) error) error {
	saved := make(map[string]centers.Center, len(m.centers))
	for k, v := range m.centers {
		saved[k] = v
	}
	n := len(m.audit)
	if err := fn(ctx); err != nil {
		m.centers, m.audit = saved, m.audit[:n]
		return err
	}
	return nil
}

func (m *memStore) Center(_ context.Context, id string) (centers.Center, bool, error) {
	c, ok := m.centers[id]
	return c, ok, nil
}

func (m *memStore) SaveCenter(_ context.Context, c centers.Center) error {
	if c.ID == m.failOn {
		return errors.New("disk full")
	}
	m.centers[c.ID] = c
	return nil
}

func (m *memStore) SearchCenters(_ context.Context, f centers.Filter) ([]centers.Center, int, error) {
	var all []centers.Center
	rank := func(c centers.Center) int {
		k := centers.Fold(c.Locality)
		switch {
		case f.Key == "" || k == f.Key:
			return 0
		case strings.HasPrefix(k, f.Key):
			return 1
		case slices.ContainsFunc(centers.TypoTerms(k), func(t string) bool { return slices.Contains(f.Probes, t) }):
			return 2
		}
		return -1
	}
	for _, c := range m.centers {
		if (!c.Active && !f.IncludeInactive) || rank(c) < 0 || (f.Region != "" && c.Region != f.Region) || (f.Service != 0 && centers.SetOf(c.Services)&f.Service == 0) {
			continue
		}
		all = append(all, c)
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if rank(a) != rank(b) {
			return rank(a) < rank(b)
		}
		if centers.Fold(a.Locality) != centers.Fold(b.Locality) {
			return centers.Fold(a.Locality) < centers.Fold(b.Locality)
		}
		return a.Name+a.ID < b.Name+b.ID
	})
	total := len(all)
	all = all[min(f.Offset, total):min(f.Offset+f.Limit, total)]
	return all, total, nil
}

func (m *memStore) AppendAudit(_ context.Context, e *audit.Event) error {
	m.audit = append(m.audit, *e)
	return nil
}

var staff = audit.Event{ActorKind: audit.ActorStaff, ActorID: "staff-1", IP: "10.0.0.1", RequestID: "req-1", Details: map[string]string{"ignored": "x"}}

func newDir(t *testing.T, st *memStore) *centers.Directory {
	n := 0
	return centers.New(centers.Deps{Store: st, Regions: regions(t), Now: func() time.Time { return t0 },
		NewID: func() string { n++; return "c-" + string(rune('a'+n-1)) }})
}

func TestSaveAudits(t *testing.T) {
	st := newMem()
	dir := newDir(t, st)
	ctx := context.Background()
	c, err := dir.Save(ctx, kaluga, staff)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "kaluga-mfc" || !c.CreatedAt.Equal(t0) {
		t.Errorf("saved %+v", c)
	}
	// Unchanged: nothing recorded.
	if _, err := dir.Save(ctx, kaluga, staff); err != nil {
		t.Fatal(err)
	}
	edit := kaluga
	edit.Phone, edit.Hours = "+7 4842 000000", ""
	if _, err := dir.Save(ctx, edit, staff); err != nil {
		t.Fatal(err)
	}
	noID := kaluga
	noID.ID = ""
	n, err := dir.Save(ctx, noID, staff)
	if err != nil || n.ID != "c-a" {
		t.Fatalf("new center %q, %v", n.ID, err)
	}
	if _, err := dir.Save(ctx, centers.Input{Name: "x"}, staff); fieldIDs(t, err)["type"] != "center.type_required" {
		t.Errorf("invalid save: %v", err)
	}
	var got []string
	for _, e := range st.audit {
		if e.ActorKind != audit.ActorStaff || e.ActorID != "staff-1" || e.IP != "10.0.0.1" || e.RequestID != "req-1" || !e.At.Equal(t0) {
			t.Errorf("actor not copied: %+v", e)
		}
		got = append(got, e.Action+" "+e.Details["center_id"]+" "+e.Details["fields"])
	}
	want := []string{"center.created kaluga-mfc ", "center.updated kaluga-mfc phone,hours", "center.created c-a "}
	if !slices.Equal(got, want) {
		t.Errorf("audit %q, want %q", got, want)
	}
	if staff.Details["center_id"] != "" {
		t.Error("the actor's details map was written to")
	}
}

func TestSearch(t *testing.T) {
	st := newMem()
	dir := newDir(t, st)
	ctx := context.Background()
	add := func(id, name, region, locality string, services string, active bool) {
		in := centers.Input{ID: id, Name: name, Type: "mfc_branch", Region: region, Locality: locality, Address: "ул. Ленина, 1", Services: services}
		if !active {
			in.Active = "false"
		}
		if _, err := dir.Save(ctx, in, staff); err != nil {
			t.Fatal(err)
		}
	}
	add("kaluga", "МФЦ Калуга", "40", "Калуга", "identity_confirmation,registration", true)
	add("kaluzhsky", "МФЦ Калужский", "40", "Калужский", "registration", true)
	add("kalga", "МФЦ Калга", "75", "Калга", "identity_confirmation", true)
	add("shchekino", "МФЦ Щёкино", "71", "Щёкино", "identity_confirmation", true)
	add("closed", "МФЦ закрыт", "40", "Калуга", "identity_confirmation", false)
	ids := func(q centers.Query) []string {
		t.Helper()
		r, err := dir.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range r.Centers {
			out = append(out, f.ID)
		}
		return out
	}
	tests := []struct {
		q    centers.Query
		want []string
	}{
		{centers.Query{Q: "калуга"}, []string{"kaluga", "kalga"}}, // exact, then the typo (Калга is one deletion away)
		{centers.Query{Q: "Калу"}, []string{"kaluga", "kaluzhsky"}},
		{centers.Query{Q: "Калуна"}, []string{"kaluga"}},
		{centers.Query{Q: "Калгуа"}, []string{"kalga", "kaluga"}}, // one typo from each
		{centers.Query{Q: "Кулагу"}, nil},
		{centers.Query{Q: "щекино"}, []string{"shchekino"}},
		{centers.Query{Q: "калуга", Service: "registration"}, []string{"kaluga"}},
		{centers.Query{Region: "40"}, []string{"kaluga", "kaluzhsky"}},
		{centers.Query{Q: "кал", Limit: 1, Offset: 2}, []string{"kaluzhsky"}}, // Калга, Калуга, Калужский
		{centers.Query{Q: "калуга", Region: "40", IncludeInactive: true}, []string{"kaluga", "closed"}},
	}
	for _, tt := range tests {
		if got := ids(tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("%+v: %q, want %q", tt.q, got, tt.want)
		}
	}
	if _, err := dir.Search(ctx, centers.Query{Service: "x"}); fieldIDs(t, err)["service"] != "center.service_unknown" {
		t.Errorf("bad service: %v", err)
	}
	if _, err := dir.Center(ctx, "closed"); !isKind(err, problem.NotFound) {
		t.Errorf("inactive center: %v", err)
	}
	if c, err := dir.Get(ctx, "closed"); err != nil || c.Active {
		t.Errorf("staff get: %+v %v", c, err)
	}
	if _, err := dir.Get(ctx, "nowhere"); !isKind(err, problem.NotFound) {
		t.Errorf("staff get of nothing: %v", err)
	}
	if c, err := dir.Center(ctx, "kaluga"); err != nil || c.Name != "МФЦ Калуга" {
		t.Errorf("center: %+v %v", c, err)
	}
}

func isKind(err error, k problem.Kind) bool {
	p, ok := problem.As(err)
	return ok && p.Kind == k
}
