package profile_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/fake"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/registry"
	"github.com/kabinet/kabinet/internal/session"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// anna is a whole, well-formed form.
func anna() profile.Input {
	return profile.Input{
		IdentityInput: person.IdentityInput{Surname: "Смирнова", Name: "Анна", Patronymic: "Сергеевна", Gender: "female",
			BirthDate: "1990-03-15", BirthPlace: "г. Москва", Citizenship: "RUS"},
		DocumentType: profile.PassportRF,
		Passport:     document.PassportInput{Series: "4510", Number: "123456", IssueDate: "2010-04-01", IssuedBy: "ГУ МВД России по г. Москве", DivisionCode: "770-001"},
		SNILS:        "112-233-445 95",
	}
}

// registries answers from scripts: each call takes the next error or
// answer of its registry (the last one repeats), and counts calls.
type registries struct {
	mu    sync.Mutex
	snils []any // registry.SNILSAnswer or error
	pass  []any // registry.PassportAnswer or error
	calls map[registry.ID]int
	refs  []string // the Ref of each passport question
}

func next(list *[]any) any {
	v := (*list)[0]
	if len(*list) > 1 {
		*list = (*list)[1:]
	}
	return v
}

func (r *registries) CheckSNILS(ctx context.Context, q registry.SNILSQuery) (registry.SNILSAnswer, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls[registry.SFR]++
	if err, ok := next(&r.snils).(error); ok {
		return registry.SNILSAnswer{}, err
	}
	return r.snils[0].(registry.SNILSAnswer), nil
}

func (r *registries) CheckPassport(ctx context.Context, q registry.PassportQuery) (registry.PassportAnswer, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls[registry.MVD]++
	r.refs = append(r.refs, q.Ref)
	if err, ok := next(&r.pass).(error); ok {
		return registry.PassportAnswer{}, err
	}
	return r.pass[0].(registry.PassportAnswer), nil
}

func (r *registries) FindINN(ctx context.Context, q registry.INNQuery) (registry.INNAnswer, error) {
	return registry.INNAnswer{}, nil
}

// queue records the verifications enqueued.
type queue struct{ ids []string }

func (q *queue) EnqueueVerification(ctx context.Context, id string) error {
	q.ids = append(q.ids, id)
	return nil
}

type env struct {
	svc   *profile.Service
	st    *fake.Store
	clk   *fake.Clock
	sent  *fake.Notifier
	reg   *registries
	queue *queue
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{st: fake.NewStore(), clk: fake.NewClock(t0), sent: &fake.Notifier{}, queue: &queue{},
		reg: &registries{snils: []any{registry.SNILSAnswer{Result: registry.SNILSMatches}}, pass: []any{registry.PassportAnswer{Result: registry.PassportValid}},
			calls: map[registry.ID]int{}}}
	_, limiter := fake.Codes(e.st, e.clk.Now, fake.CodePolicy)
	for _, id := range []string{"acc", "other"} {
		// Registered as «Аня Смирнова»: the verified name replaces it.
		e.st.AddAccount(account.Account{ID: id, Status: account.Active, Level: account.Simplified, Name: "Аня", Surname: "Смирнова", Lang: "ru", Phone: "+79161234567"})
	}
	e.svc = profile.New(profile.Deps{Store: e.st, Registries: e.reg, Queue: e.queue, Sessions: &fake.Sessions{}, Limiter: limiter, Notifier: e.sent,
		Links: fake.Links{}, Site: "kabinet.test", Now: e.clk.Now, NewID: fake.IDs("id")})
	return e
}

func (e *env) submit(t *testing.T, accountID string, in profile.Input) *profile.Submitted {
	t.Helper()
	out, err := e.svc.Submit(context.Background(), profile.Submission{AccountID: accountID, Input: in, Client: session.Client{IP: "203.0.113.7"}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// drain runs every enqueued verification once, as the job queue would,
// and returns the waits asked for.
func (e *env) drain(t *testing.T) []time.Duration {
	t.Helper()
	var waits []time.Duration
	ids := e.queue.ids
	e.queue.ids = nil
	for _, id := range ids {
		retry, err := e.svc.RunVerification(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if retry > 0 {
			waits = append(waits, retry)
			e.queue.ids = append(e.queue.ids, id)
		}
	}
	return waits
}

func (e *env) record(t *testing.T, id string) *profile.Record {
	t.Helper()
	rec, err := e.svc.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestVerificationPasses: a submission checks the person with the Social
// Fund and the passport with the Ministry; both matching make the data
// verified and the account standard, with one message and the audit trail.
// Running the jobs again changes nothing and sends nothing.
func TestVerificationPasses(t *testing.T) {
	e := newEnv(t)
	out := e.submit(t, "acc", anna())
	if !out.Started || out.Verification.State != profile.Pending || len(out.Verification.Checks) != 2 || len(e.queue.ids) != 1 {
		t.Fatalf("submitted: %+v, jobs %v", out, e.queue.ids)
	}
	ids := slices.Clone(e.queue.ids)
	e.drain(t)
	rec := e.record(t, "acc")
	if rec.Latest.State != profile.Passed || rec.Verified == nil || rec.Verified.SNILS != "11223344595" || !rec.VerifiedAt.Equal(t0) {
		t.Fatalf("record: %+v", rec)
	}
	if a := e.st.Account("acc"); a.Level != account.Standard || a.Surname != "Смирнова" || a.Name != "Анна" {
		t.Errorf("account %s %s %s, want standard Смирнова Анна", a.Level, a.Surname, a.Name)
	}
	if got := e.sent.Templates(); !slices.Equal(got, []string{"verification_passed"}) {
		t.Errorf("sent %v", got)
	}
	// The jobs again (a retry after a crash, another node): nothing more.
	e.queue.ids = ids
	e.drain(t)
	if got := e.sent.Templates(); len(got) != 1 {
		t.Errorf("sent again: %v", got)
	}
	if e.reg.calls[registry.SFR] != 1 || e.reg.calls[registry.MVD] != 1 {
		t.Errorf("registry calls %v, want one each", e.reg.calls)
	}
	want := []string{"personal_data.submitted", "personal_data.checked", "personal_data.checked", "personal_data.verified"}
	if got := e.st.Audit(); !slices.Equal(got, want) {
		t.Errorf("audit %v, want %v", got, want)
	}
}

// TestVerificationFails: each registry's answer becomes a reason the
// citizen can act on; the data typed is kept for the form, nothing is
// verified and the level stays.
func TestVerificationFails(t *testing.T) {
	for _, tc := range []struct {
		name          string
		snils, pass   any
		reason        string
		fields        []registry.Field
		snilsBad, bad bool
	}{
		{"snils mismatch", registry.SNILSAnswer{Result: registry.SNILSMismatch, Mismatch: []registry.Field{registry.FieldSurname}}, nil,
			"verification.snils_mismatch", []registry.Field{registry.FieldSurname}, true, false},
		{"snils unknown", registry.SNILSAnswer{Result: registry.SNILSUnknown}, nil, "verification.snils_unknown", nil, true, false},
		{"passport lost", nil, registry.PassportAnswer{Result: registry.PassportInvalid, Reason: registry.ReasonLost}, "verification.passport_lost", nil, false, true},
		{"passport replaced", nil, registry.PassportAnswer{Result: registry.PassportInvalid, Reason: registry.ReasonReplaced}, "verification.passport_replaced", nil, false, true},
		{"passport mismatch", nil, registry.PassportAnswer{Result: registry.PassportMismatch, Mismatch: []registry.Field{registry.FieldIssueDate}},
			"verification.passport_mismatch", []registry.Field{registry.FieldIssueDate}, false, true},
		{"refused", &registry.Error{Registry: registry.SFR, Detail: "422"}, nil, "verification.refused", nil, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			if tc.snils != nil {
				e.reg.snils = []any{tc.snils}
			}
			if tc.pass != nil {
				e.reg.pass = []any{tc.pass}
			}
			e.submit(t, "acc", anna())
			e.drain(t)
			rec := e.record(t, "acc")
			if rec.Latest.State != profile.Failed || rec.Verified != nil {
				t.Fatalf("record: %+v", rec)
			}
			id := registry.MVD
			if tc.snilsBad {
				id = registry.SFR
			}
			c, _ := rec.Latest.Check(id)
			if c.State != profile.Failed || c.Reason != tc.reason || !slices.Equal(c.Fields, tc.fields) {
				t.Errorf("check: %+v", c)
			}
			if d, ok := rec.Draft(); !ok || d.Passport.Number != "123456" {
				t.Errorf("draft lost the typed data: %+v", d)
			}
			if e.st.Account("acc").Level != account.Simplified {
				t.Error("level changed")
			}
			last := e.sent.All()
			if len(last) != 1 || last[0].Field("SNILS") != tc.snilsBad || last[0].Field("Passport") != tc.bad {
				t.Errorf("sent %+v", last)
			}
		})
	}
}

// TestOutageWaits: a registry that does not answer never fails a check:
// the check waits longer each time, up to the cap, and passes once the
// registry answers.
func TestOutageWaits(t *testing.T) {
	e := newEnv(t)
	down := &registry.Error{Registry: registry.MVD, Temporary: true, Detail: "503"}
	e.reg.pass = []any{down, down, down, down, down, down, down, down, registry.PassportAnswer{Result: registry.PassportValid}}
	e.submit(t, "acc", anna())
	var waits []time.Duration
	for range 8 {
		w := e.drain(t)
		if len(w) != 1 {
			t.Fatalf("waits %v", w)
		}
		waits = append(waits, w[0])
	}
	for i, w := range waits {
		base := min(5*time.Second<<i, 10*time.Minute)
		if w < base || w > base+base/10 {
			t.Errorf("wait %d = %s, want %s plus at most a tenth", i+1, w, base)
		}
	}
	rec := e.record(t, "acc")
	c, _ := rec.Latest.Check(registry.MVD)
	if rec.Latest.State != profile.Pending || c.Attempts != 8 || c.LastError == "" {
		t.Fatalf("during the outage: %+v %+v", rec.Latest, c)
	}
	// The Social Fund's answer was kept from the first run and not asked
	// for again.
	if sfr, _ := rec.Latest.Check(registry.SFR); sfr.State != profile.Passed || e.reg.calls[registry.SFR] != 1 {
		t.Errorf("the Social Fund's check during the outage: %+v, %d calls", sfr, e.reg.calls[registry.SFR])
	}
	if w := e.drain(t); len(w) != 0 {
		t.Fatalf("still waiting: %v", w)
	}
	if rec := e.record(t, "acc"); rec.Latest.State != profile.Passed {
		t.Errorf("after the outage: %s", rec.Latest.State)
	}
}

// TestAnswerLater: a registry that takes the question to answer in three
// days is asked again after three days with its reference, which is kept
// on the check meanwhile, and its answer is recorded like any other.
func TestAnswerLater(t *testing.T) {
	e := newEnv(t)
	later := &registry.Error{Registry: registry.MVD, Temporary: true, Ref: "mvd-1", RetryAfter: 72 * time.Hour}
	e.reg.pass = []any{later, registry.PassportAnswer{Result: registry.PassportValid}}
	e.submit(t, "acc", anna())
	waits := e.drain(t)
	if len(waits) != 1 || waits[0] < 72*time.Hour || waits[0] > 80*time.Hour {
		t.Fatalf("waits %v, want three days", waits)
	}
	rec := e.record(t, "acc")
	if c, _ := rec.Latest.Check(registry.MVD); c.State != profile.Pending || c.Ref != "mvd-1" {
		t.Fatalf("waiting: %+v", c)
	}
	if w := e.drain(t); len(w) != 0 {
		t.Fatalf("still waiting: %v", w)
	}
	if !slices.Equal(e.reg.refs, []string{"", "mvd-1"}) {
		t.Errorf("the Ministry was asked with %q", e.reg.refs)
	}
	rec = e.record(t, "acc")
	if c, _ := rec.Latest.Check(registry.MVD); rec.Latest.State != profile.Passed || c.Ref != "" {
		t.Errorf("after the answer: %s %+v", rec.Latest.State, c)
	}
}

// TestChangeRechecksWhatChanged: once verified, a new passport is checked
// by the Ministry alone; while it is checked, and after it fails, the
// verified data and the level stay as they were.
func TestChangeRechecksWhatChanged(t *testing.T) {
	e := newEnv(t)
	e.submit(t, "acc", anna())
	e.drain(t)
	in := anna()
	in.Passport.Number = "654321"
	out := e.submit(t, "acc", in)
	if len(out.Verification.Checks) != 1 || out.Verification.Checks[0].Registry != registry.MVD {
		t.Fatalf("checks %+v", out.Verification.Checks)
	}
	rec := e.record(t, "acc")
	if rec.Verified.Passport.Number != "123456" || rec.Latest.State != profile.Pending {
		t.Fatalf("while checking: %+v", rec)
	}
	e.reg.pass = []any{registry.PassportAnswer{Result: registry.PassportInvalid, Reason: registry.ReasonNotIssued}}
	e.drain(t)
	rec = e.record(t, "acc")
	if rec.Verified.Passport.Number != "123456" || rec.Latest.State != profile.Failed || e.st.Account("acc").Level != account.Standard {
		t.Fatalf("after failing: %+v, level %s", rec, e.st.Account("acc").Level)
	}
	// The same data as verified starts nothing.
	if out := e.submit(t, "acc", anna()); out.Started {
		t.Error("resubmitting the verified data started a verification")
	}
}

// TestResubmitWhilePending: the same form twice starts one verification;
// other data supersedes the pending one, whose jobs then ask nobody.
func TestResubmitWhilePending(t *testing.T) {
	e := newEnv(t)
	first := e.submit(t, "acc", anna())
	if again := e.submit(t, "acc", anna()); again.Started || again.Verification.ID != first.Verification.ID {
		t.Fatalf("second copy: %+v", again)
	}
	in := anna()
	in.BirthPlace = "г. Москва, СССР"
	second := e.submit(t, "acc", in)
	if !second.Started || len(e.queue.ids) != 2 {
		t.Fatalf("second: %+v, jobs %v", second, e.queue.ids)
	}
	e.drain(t)
	if e.reg.calls[registry.SFR] != 1 || e.reg.calls[registry.MVD] != 1 {
		t.Errorf("calls %v: the superseded checks asked a registry", e.reg.calls)
	}
	rec := e.record(t, "acc")
	if rec.Latest.ID != second.Verification.ID || rec.Latest.State != profile.Passed || rec.Verified.Identity.BirthPlace != "г. Москва, СССР" {
		t.Errorf("record %+v", rec.Latest)
	}
}

// TestSNILSTaken: a SNILS verified on one account fails the Social Fund's
// check on another, whatever the Fund answers.
func TestSNILSTaken(t *testing.T) {
	e := newEnv(t)
	e.submit(t, "other", anna())
	e.drain(t)
	e.submit(t, "acc", anna())
	e.drain(t)
	rec := e.record(t, "acc")
	c, _ := rec.Latest.Check(registry.SFR)
	if rec.Latest.State != profile.Failed || c.Reason != "verification.snils_taken" || e.st.Account("acc").Level != account.Simplified {
		t.Errorf("second account: %+v %+v", rec.Latest, c)
	}
}

// TestSubmitLimit: every submission asks the registries, so an account
// may submit ten a day; the eleventh is refused with the time to wait.
func TestSubmitLimit(t *testing.T) {
	e := newEnv(t)
	for i := range 10 {
		in := anna()
		in.BirthPlace = "г. Москва " + string(rune('А'+i))
		e.submit(t, "acc", in)
	}
	_, err := e.svc.Submit(context.Background(), profile.Submission{AccountID: "acc", Input: anna()})
	if p, ok := problem.As(err); !ok || p.Kind != problem.TooMany || p.Message.ID != "personal_data.rate_limited" {
		t.Fatalf("eleventh: %v", err)
	}
}

// TestNormalize: the form's rules, each said on its field.
func TestNormalize(t *testing.T) {
	today := person.Day(t0)
	for _, tc := range []struct {
		name   string
		change func(in *profile.Input)
		field  string
		id     string
	}{
		{"snils checksum", func(in *profile.Input) { in.SNILS = "112-233-445 96" }, "snils", "snils.checksum"},
		{"foreign citizen", func(in *profile.Input) { in.Citizenship = "KAZ" }, "citizenship", "citizenship.passport_rf"},
		{"other document", func(in *profile.Input) { in.DocumentType = "passport_foreign" }, "document.type", "document.type_unknown"},
		{"division code", func(in *profile.Input) { in.Passport.DivisionCode = "77-001" }, "document.division_code", ""},
		{"issued before 14", func(in *profile.Input) { in.Passport.IssueDate = "2003-01-01" }, "document.issue_date", "passport.issue_date.before_14"},
		{"patronymic and none", func(in *profile.Input) { in.NoPatronymic = true }, "patronymic", "patronymic.with_none"},
		{"must be replaced", func(in *profile.Input) { in.BirthDate = "1980-03-15"; in.Passport.IssueDate = "2000-04-01" }, "document.issue_date", "passport.must_be_replaced"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := anna()
			tc.change(&in)
			_, _, err := profile.Normalize(in, today)
			p, ok := problem.As(err)
			if !ok || p.Kind != problem.Invalid {
				t.Fatalf("got %v", err)
			}
			m, ok := p.Field(tc.field)
			if !ok || (tc.id != "" && m.ID != tc.id) {
				t.Errorf("field %s: %+v (all: %+v)", tc.field, m, p.Fields)
			}
		})
	}
	if _, _, err := profile.Normalize(anna(), today); err != nil {
		t.Errorf("a good form: %v", err)
	}
}

// FuzzNormalize: any form gives either canonical data that normalizes to
// itself again, or an Invalid error naming only the form's fields.
func FuzzNormalize(f *testing.F) {
	a := anna()
	f.Add(a.Surname, a.Patronymic, a.BirthDate, a.Passport.Series, a.Passport.Number, a.Passport.IssueDate, a.Passport.DivisionCode, a.SNILS, false)
	f.Add("", "", "31.02.2000", "45 10", "12345", "2031-01-01", "77001", "112-233-445 96", true)
	fields := []string{"surname", "name", "patronymic", "gender", "birth_date", "birth_place", "citizenship", "document.type",
		"document.series", "document.number", "document.issue_date", "document.issued_by", "document.division_code", "snils"}
	today := person.Day(t0)
	f.Fuzz(func(t *testing.T, surname, patronymic, birth, series, number, issued, division, snils string, none bool) {
		in := anna()
		in.Surname, in.Patronymic, in.NoPatronymic, in.BirthDate = surname, patronymic, none, birth
		in.Passport.Series, in.Passport.Number, in.Passport.IssueDate, in.Passport.DivisionCode, in.SNILS = series, number, issued, division, snils
		d, _, err := profile.Normalize(in, today)
		if err != nil {
			p, ok := problem.As(err)
			if !ok || p.Kind != problem.Invalid || len(p.Fields) == 0 {
				t.Fatalf("not a field error: %v", err)
			}
			for _, fe := range p.Fields {
				if !slices.Contains(fields, fe.Field) || fe.ID == "" || fe.ID == "field.invalid" {
					t.Fatalf("field %q message %q", fe.Field, fe.ID)
				}
			}
			return
		}
		again := profile.Input{
			IdentityInput: person.IdentityInput{Surname: d.Identity.Surname, Name: d.Identity.Name, Patronymic: d.Identity.Patronymic,
				NoPatronymic: d.Identity.NoPatronymic, Gender: string(d.Identity.Gender), BirthDate: d.Identity.BirthDate.Format("2006-01-02"),
				BirthPlace: d.Identity.BirthPlace, Citizenship: d.Identity.Citizenship},
			Passport: document.PassportInput{Series: d.Passport.Series, Number: d.Passport.Number, IssueDate: d.Passport.IssueDate.Format("2006-01-02"),
				IssuedBy: d.Passport.IssuedBy, DivisionCode: d.Passport.DivisionCode},
			SNILS: string(d.SNILS),
		}
		d2, _, err := profile.Normalize(again, today)
		if err != nil || !profile.Equal(d, d2) {
			t.Fatalf("canonical data does not normalize to itself: %+v → %+v, %v", d, d2, err)
		}
	})
}
