package desk_test

import (
	"context"
	"crypto/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/desk"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/fake"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/staff"
	"github.com/kabinet/kabinet/internal/throttle"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// store is the fake store with what desk adds: the look-ups by SNILS and
// passport (kept by the test) and the confirmations.
type store struct {
	*fake.Store
	bySNILS    map[document.SNILS]string
	byPassport map[string]string
	confirmed  map[string]desk.Confirmation
}

func (s *store) AccountBySNILS(ctx context.Context, n document.SNILS) (*account.Account, error) {
	return s.AccountByID(ctx, s.bySNILS[n])
}

func (s *store) AccountByPassport(ctx context.Context, series, number string) (*account.Account, error) {
	return s.AccountByID(ctx, s.byPassport[series+number])
}

func (s *store) Confirmation(ctx context.Context, id string) (*desk.Confirmation, error) {
	c, ok := s.confirmed[id]
	if !ok {
		return nil, problem.New(problem.NotFound, "desk.not_confirmed")
	}
	return &c, nil
}

func (s *store) SaveConfirmation(ctx context.Context, c *desk.Confirmation) error {
	s.confirmed[c.AccountID] = *c
	return nil
}

type grants struct{}

func (grants) Grants(context.Context) (staff.Grants, error) {
	return staff.Grants{
		{Role: staff.RoleOperator, Permission: staff.PermCitizensFind, Scoped: true},
		{Role: staff.RoleOperator, Permission: staff.PermIdentityConfirm, Scoped: true},
		{Role: staff.RoleOperator, Permission: staff.PermCitizensRegister, Scoped: true},
		{Role: staff.RoleOperator, Permission: staff.PermAccessRestore, Scoped: true},
		{Role: staff.RoleAdministrator, Permission: staff.PermStaffManage},
	}, nil
}

type links struct{ fake.Links }

func (links) Account() string { return "https://k.test/account" }

type hasher struct{}

func (hasher) Hash(_ context.Context, pw string) (string, error) { return "hash:" + pw, nil }

type locks struct{ released []string }

func (l *locks) Release(_ context.Context, logins ...string) error {
	l.released = append(l.released, logins...)
	return nil
}

type env struct {
	st       *store
	svc      *desk.Service
	notifier *fake.Notifier
	sessions *fake.Sessions
	locks    *locks
	others   *others
}

// newEnv holds three citizens: simplified (s), standard (d) and confirmed
// (c), the last two with verified data and passport 4510 12345x.
func newEnv(t *testing.T) *env {
	t.Helper()
	fs := fake.NewStore()
	st := &store{Store: fs, bySNILS: map[document.SNILS]string{}, byPassport: map[string]string{}, confirmed: map[string]desk.Confirmation{}}
	ctx := context.Background()
	for i, c := range []struct {
		id    string
		level account.Level
		snils document.SNILS
	}{{"s", account.Simplified, ""}, {"d", account.Standard, "11223344595"}, {"c", account.Confirmed, "12345678964"}} {
		fs.AddAccount(account.Account{ID: c.id, Level: c.level, Status: account.Active, Surname: "Иванов", Name: "Иван",
			Phone: []contact.Phone{"+79160000001", "+79160000002", "+79160000003"}[i], Lang: "ru"})
		if c.snils == "" {
			continue
		}
		number := []string{"", "123452", "123453"}[i]
		d := profile.Data{Identity: person.Identity{Surname: "Иванов", Name: "Иван", BirthDate: t0.AddDate(-30, 0, 0)}, SNILS: c.snils,
			Passport: document.Passport{Series: "4510", Number: number, IssueDate: t0.AddDate(-5, 0, 0)}}
		if err := fs.SaveVerified(ctx, c.id, d, t0); err != nil {
			t.Fatal(err)
		}
		st.bySNILS[c.snils], st.byPassport["4510"+number] = c.id, c.id
	}
	e := &env{st: st, notifier: &fake.Notifier{}, sessions: &fake.Sessions{}, locks: &locks{}, others: &others{}}
	limiter := throttle.New(fs, func() time.Time { return t0 }, []byte("k"))
	e.svc = desk.New(desk.Deps{Store: st, Grants: grants{}, Sessions: e.sessions, Limiter: limiter, Notifier: e.notifier, Links: links{},
		Hasher: hasher{}, Locks: e.locks, Others: e.others, Site: "k.test", Now: func() time.Time { return t0 }, Rand: rand.Reader, NewID: fake.IDs("acc")})
	return e
}

// others records the accounts whose remote confirmations were voided.
type others struct{ voided []string }

func (o *others) ConfirmedElsewhere(_ context.Context, id string, _ time.Time) error {
	o.voided = append(o.voided, id)
	return nil
}

func operator(center string) staff.Actor {
	return staff.Actor{Member: &staff.Member{ID: "stf1", Roles: []string{staff.RoleOperator}, Centers: []string{"mfc"}}, CenterID: center}
}

func admin() staff.Actor {
	return staff.Actor{Member: &staff.Member{ID: "stf0", Roles: []string{staff.RoleAdministrator}}}
}

func wantProblem(t *testing.T, err error, kind problem.Kind, id string) {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || p.Kind != kind {
		t.Fatalf("got %v, want %v %s", err, kind, id)
	}
	if p.Message.ID != id {
		if m, ok := p.Field(fieldOf(id)); !ok || m.ID != id {
			t.Fatalf("got %v, want %v %s", err, kind, id)
		}
	}
}

func fieldOf(id string) string {
	switch id {
	case "desk.passport.mismatch":
		return "number"
	case "desk.phone_taken", "desk.contact_taken", "desk.contact_one":
		return "phone"
	}
	return ""
}

// TestConfirm: who may confirm whom, and what each outcome leaves behind.
func TestConfirm(t *testing.T) {
	for _, c := range []struct {
		name           string
		actor          staff.Actor
		account        string
		series, number string
		kind           problem.Kind // 0: confirmed
		id             string
		audit          []string
	}{
		{name: "standard, match", actor: operator("mfc"), account: "d", series: "45 10", number: "123452", audit: []string{"staff.identity_confirmed"}},
		{name: "standard, mismatch", actor: operator("mfc"), account: "d", series: "4510", number: "123453", kind: problem.Invalid, id: "desk.passport.mismatch", audit: []string{"staff.identity_mismatch"}},
		{name: "simplified", actor: operator("mfc"), account: "s", series: "4510", number: "123452", kind: problem.Conflict, id: "desk.not_verified"},
		{name: "confirmed already", actor: operator("mfc"), account: "c", series: "4510", number: "123453", kind: problem.Conflict, id: "desk.already_confirmed"},
		{name: "unknown account", actor: operator("mfc"), account: "x", series: "4510", number: "123452", kind: problem.NotFound, id: "desk.not_found"},
		{name: "no center", actor: operator(""), account: "d", series: "4510", number: "123452", kind: problem.Forbidden, id: "staff.no_center"},
		{name: "not their center", actor: operator("other"), account: "d", series: "4510", number: "123452", kind: problem.Forbidden, id: "staff.no_center"},
		{name: "administrator", actor: admin(), account: "d", series: "4510", number: "123452", kind: problem.Forbidden, id: "staff.forbidden"},
		{name: "malformed number", actor: operator("mfc"), account: "d", series: "4510", number: "12345", kind: problem.Invalid, id: "passport.number.length"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			card, err := e.svc.Confirm(context.Background(), c.actor, desk.ConfirmInput{AccountID: c.account, Series: c.series, Number: c.number})
			if got := e.st.Audit(); !slices.Equal(got, c.audit) {
				t.Errorf("audit %v, want %v", got, c.audit)
			}
			level := e.st.Account(c.account).Level
			if c.kind != 0 {
				if c.id == "passport.number.length" {
					p, _ := problem.As(err)
					if m, ok := p.Field("number"); !ok || m.ID != c.id {
						t.Fatalf("got %v", err)
					}
				} else {
					wantProblem(t, err, c.kind, c.id)
				}
				if c.account == "d" && level != account.Standard {
					t.Errorf("level %s after a refusal", level)
				}
				if len(e.notifier.All()) != 0 {
					t.Errorf("told %v", e.notifier.Templates())
				}
				if len(e.others.voided) != 0 {
					t.Errorf("voided the letters of %v", e.others.voided)
				}
				return
			}
			if err != nil || card.Level != account.Confirmed || level != account.Confirmed {
				t.Fatalf("got %+v %v, level %s", card, err, level)
			}
			want := desk.Confirmation{AccountID: "d", Method: desk.MethodInPerson, CenterID: "mfc", StaffID: "stf1", At: t0}
			if got := e.st.confirmed["d"]; got != want || *card.Confirmation != want {
				t.Errorf("confirmation %+v, want %+v", got, want)
			}
			if !slices.Equal(e.others.voided, []string{"d"}) {
				t.Errorf("the remote methods told of %v, want [d]", e.others.voided)
			}
			if e.sessions.Changed["d"] != 1 || !slices.Equal(e.notifier.Templates(), []string{"identity_confirmed"}) {
				t.Errorf("sessions told %v, citizen told %v", e.sessions.Changed, e.notifier.Templates())
			}
		})
	}
}

// TestConfirmLimit: the sixth passport check of a citizen in a day is
// refused before it is compared, even with the right passport.
func TestConfirmLimit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for range 5 {
		if _, err := e.svc.Confirm(ctx, operator("mfc"), desk.ConfirmInput{AccountID: "d", Series: "4510", Number: "000000"}); problem.KindOf(err) != problem.Invalid {
			t.Fatal(err)
		}
	}
	_, err := e.svc.Confirm(ctx, operator("mfc"), desk.ConfirmInput{AccountID: "d", Series: "4510", Number: "123452"})
	wantProblem(t, err, problem.TooMany, "desk.confirm_rate_limited")
	if n := len(e.st.Audit()); n != 5 {
		t.Errorf("%d audit records, want 5 mismatches", n)
	}
}

// TestFind: each way finds its citizen with one audit record carrying the
// reason; a simplified citizen has no SNILS to be found by.
func TestFind(t *testing.T) {
	for _, c := range []struct {
		by, value string
		want      string // "" NotFound
	}{
		{"snils", "112-233-445 95", "d"}, {"passport", "4510 123453", "c"}, {"phone", "+7 916 000-00-01", "s"},
		{"snils", "123-456-789 64", "c"}, {"passport", "4510 999999", ""}, {"phone", "+7 916 000-00-09", ""},
	} {
		t.Run(c.by+" "+c.value, func(t *testing.T) {
			e := newEnv(t)
			q, err := desk.ParseQuery(c.by, c.value, "access_recovery")
			if err != nil {
				t.Fatal(err)
			}
			card, err := e.svc.Find(context.Background(), operator("mfc"), q)
			if c.want == "" {
				wantProblem(t, err, problem.NotFound, "desk.not_found")
				if len(e.st.Audit()) != 0 {
					t.Errorf("audited %v", e.st.Audit())
				}
				return
			}
			if err != nil || card.AccountID != c.want || !strings.Contains(card.Phone, "*") {
				t.Fatalf("card %+v %v", card, err)
			}
			if (card.Verified != nil) != (c.want != "s") || (card.Confirmation != nil) {
				t.Errorf("card %+v", card)
			}
			if got := e.st.Audit(); !slices.Equal(got, []string{"staff.citizen_viewed"}) {
				t.Errorf("audit %v", got)
			}
		})
	}
}

// TestRestore: the passport must match the verified one; the new contact
// replaces the old, sessions end, locks are released and both numbers are
// told.
func TestRestore(t *testing.T) {
	for _, c := range []struct {
		name    string
		in      desk.RestoreInput
		kind    problem.Kind
		id      string
		audit   []string
		ended   int
		told    []string
		release []string
	}{
		{name: "new phone", in: desk.RestoreInput{AccountID: "d", Series: "4510", Number: "123452", Phone: "8 916 555-44-33"},
			audit: []string{"staff.access_restored"}, ended: 2, told: []string{"+79160000002", "+79165554433"}, release: []string{"+79160000002", "", "+79165554433"}},
		{name: "new e-mail", in: desk.RestoreInput{AccountID: "c", Series: "4510", Number: "123453", Email: "New@Example.ru"},
			audit: []string{"staff.access_restored"}, ended: 2, told: []string{"new@example.ru"}, release: []string{"+79160000003", "", "new@example.ru"}},
		{name: "mismatch", in: desk.RestoreInput{AccountID: "d", Series: "4510", Number: "123453", Phone: "+79165554433"},
			kind: problem.Invalid, id: "desk.passport.mismatch", audit: []string{"staff.identity_mismatch"}},
		{name: "both contacts", in: desk.RestoreInput{AccountID: "d", Series: "4510", Number: "123452", Phone: "+79165554433", Email: "a@b.ru"},
			kind: problem.Invalid, id: "desk.contact_one"},
		{name: "another's phone", in: desk.RestoreInput{AccountID: "d", Series: "4510", Number: "123452", Phone: "+79160000001"},
			kind: problem.Invalid, id: "desk.contact_taken"},
		{name: "simplified", in: desk.RestoreInput{AccountID: "s", Series: "4510", Number: "123452", Phone: "+79165554433"},
			kind: problem.Conflict, id: "desk.not_verified"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.sessions.Sessions = map[string]int{c.in.AccountID: 2}
			_, err := e.svc.Restore(context.Background(), operator("mfc"), c.in)
			if got := e.st.Audit(); !slices.Equal(got, c.audit) {
				t.Errorf("audit %v, want %v", got, c.audit)
			}
			if c.kind != 0 {
				wantProblem(t, err, c.kind, c.id)
				if e.sessions.Ended[c.in.AccountID] != 0 || len(e.notifier.All()) != 0 {
					t.Errorf("ended %v, told %v", e.sessions.Ended, e.notifier.Templates())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var to []string
			for _, m := range e.notifier.All() {
				to = append(to, m.To)
			}
			if e.sessions.Ended[c.in.AccountID] != c.ended || !slices.Equal(to, c.told) || !slices.Equal(e.locks.released, c.release) {
				t.Errorf("ended %v, told %v, released %q", e.sessions.Ended, to, e.locks.released)
			}
		})
	}
}

// TestRegister: a new simplified account with a password nobody was
// told, its owner told to set one; a taken phone is refused on its field.
func TestRegister(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	card, err := e.svc.Register(ctx, operator("mfc"), desk.RegisterInput{Surname: "Петрова", Name: "Анна", Phone: "8 916 555-44-33"})
	if err != nil || card.Level != account.Simplified {
		t.Fatalf("register: %+v %v", card, err)
	}
	a := e.st.Account(card.AccountID)
	if a.Phone != "+79165554433" || !strings.HasPrefix(a.PasswordHash, "hash:") || len(a.PasswordHash) < 40 {
		t.Errorf("account %+v", a)
	}
	if !slices.Equal(e.notifier.Templates(), []string{"registered_in_person"}) || !slices.Equal(e.st.Audit(), []string{"staff.citizen_registered"}) {
		t.Errorf("told %v, audit %v", e.notifier.Templates(), e.st.Audit())
	}
	_, err = e.svc.Register(ctx, operator("mfc"), desk.RegisterInput{Surname: "Петрова", Name: "Анна", Phone: "+79165554433"})
	wantProblem(t, err, problem.Invalid, "desk.phone_taken")
	if _, err := e.svc.Register(ctx, operator(""), desk.RegisterInput{Surname: "Петрова", Name: "Анна", Phone: "+79165554434"}); problem.KindOf(err) != problem.Forbidden {
		t.Errorf("no center: %v", err)
	}
}
