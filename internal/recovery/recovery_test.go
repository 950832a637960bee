package recovery_test

import (
	"context"
	"crypto/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/fake"
	"github.com/kabinet/kabinet/internal/flow"
	"github.com/kabinet/kabinet/internal/lockout"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/recovery"
	"github.com/kabinet/kabinet/internal/session"
)

const (
	phone = "+79161234567"
	email = "maria@example.org"
	newPw = "Osen-2027?kab"
)

var (
	t0      = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	browser = []byte("browser binding")
	client  = session.Client{IP: "203.0.113.7", RequestID: "req"}
)

type env struct {
	svc      *recovery.Service
	st       *fake.Store
	clk      *fake.Clock
	sent     *fake.Notifier
	sessions *fake.Sessions
	hasher   *password.Hasher
	locks    *lockout.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{st: fake.NewStore(), clk: fake.NewClock(t0), sent: &fake.Notifier{}, sessions: &fake.Sessions{}}
	codes, limiter := fake.Codes(e.st, e.clk.Now, fake.CodePolicy)
	h, err := password.NewHasher(password.TestParams, 2, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	e.hasher = h
	e.locks = lockout.New(e.st, limiter, lockout.Policy{MaxChecks: 5, Window: 15 * time.Minute, BaseLock: 15 * time.Minute, MaxLock: 2 * time.Hour,
		MaxConsecutive: 20, DeviceChecks: 10}, [][]byte{[]byte("lockout key")}, e.clk.Now, rand.Reader)
	e.svc = recovery.New(recovery.Deps{Store: e.st, Codes: codes, Hasher: h, Sessions: e.sessions, Notifier: e.sent, Links: fake.Links{},
		Locks: e.locks, Site: "kabinet.test", Support: "8 800 000-00-00", Now: e.clk.Now, NewID: fake.IDs("r")})
	return e
}

func (e *env) addAccount(id, phone, email string, status account.Status) {
	e.st.AddAccount(account.Account{ID: id, Status: status, Level: account.Simplified, Name: "Мария", Surname: "Иванова", Lang: "ru",
		Phone: contact.Phone(phone), Email: contact.Email(email), PasswordHash: "old hash"})
}

func (e *env) begin(t *testing.T, login string) *flow.Flow {
	t.Helper()
	f, err := e.svc.Begin(context.Background(), recovery.Request{Login: login, Lang: "ru", Binding: browser, Client: client})
	if err != nil {
		t.Fatalf("Begin(%s): %v", login, err)
	}
	return f
}

func wantProblem(t *testing.T, err error, k problem.Kind, id string) *problem.Error {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || p.Kind != k || p.Message.ID != id {
		t.Fatalf("got %v, want %s %s", err, k, id)
	}
	return p
}

// lock makes five failed checks of login, as a stranger would.
func (e *env) lock(t *testing.T, login, accountID string) {
	t.Helper()
	ctx := context.Background()
	for range 5 {
		tk, err := e.locks.Before(ctx, lockout.Attempt{Login: login, AccountID: accountID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.locks.Failed(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.locks.Before(ctx, lockout.Attempt{Login: login, AccountID: accountID}); problem.KindOf(err) != problem.TooMany {
		t.Fatalf("the login is not locked: %v", err)
	}
}

// TestRecover: the code by SMS, a new password, every other session ended,
// the strangers' lock on the login lifted, the owner told.
func TestRecover(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.addAccount("acc", phone, email, account.Active)
	e.sessions.Sessions = map[string]int{"acc": 2, "other": 1}
	e.lock(t, phone, "acc")
	e.lock(t, email, "acc")

	f := e.begin(t, "8 916 123 45 67")
	if f.Decoy || f.AccountID != "acc" || f.Channel != contact.ChannelSMS {
		t.Fatalf("flow %+v", f)
	}
	msg := e.sent.Last(t, "recovery_code")
	if msg.To != phone || msg.AccountID != "acc" || msg.Field("Until") != t0.Add(5*time.Minute) {
		t.Errorf("code message to %s, until %v", msg.To, msg.Field("Until"))
	}
	if _, err := e.svc.ConfirmCode(ctx, f.ID, browser, e.sent.Code(t, "recovery_code")); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.SetPassword(ctx, f.ID, browser, "Мария", "Мария", client)
	if p, ok := problem.As(err); !ok || p.Kind != problem.Invalid {
		t.Fatalf("a weak password: %v", err)
	}
	e.clk.Advance(time.Minute)
	res, err := e.svc.SetPassword(ctx, f.ID, browser, newPw, newPw, client)
	if err != nil {
		t.Fatal(err)
	}
	if res.EndedSessions != 2 || res.Token == "" || res.Session.Method != "recovery" || e.sessions.Ended["other"] != 0 {
		t.Errorf("ended %d, session %+v, others' ended %d", res.EndedSessions, res.Session, e.sessions.Ended["other"])
	}
	a := e.st.Account("acc")
	if ok, _, err := e.hasher.Verify(ctx, newPw, a.PasswordHash); !ok || err != nil || !a.PasswordChangedAt.Equal(e.clk.Now()) {
		t.Errorf("password not changed: %v, %v, changed at %v", ok, err, a.PasswordChangedAt)
	}
	for _, login := range []string{phone, email} {
		if _, err := e.locks.Before(ctx, lockout.Attempt{Login: login, AccountID: "acc"}); err != nil {
			t.Errorf("%s still locked: %v", login, err)
		}
	}
	changed := e.sent.Last(t, "password_changed")
	if changed.To != phone || changed.Field("Support") != "8 800 000-00-00" {
		t.Errorf("notice to %s, support %v", changed.To, changed.Field("Support"))
	}
	if want := []string{"recovery.requested", "password.recovered"}; !slices.Equal(e.st.Audit(), want) {
		t.Errorf("audit %v", e.st.Audit())
	}
	if !slices.Equal(e.sessions.History, []string{"acc recovery success"}) {
		t.Errorf("history %v", e.sessions.History)
	}
	_, err = e.svc.SetPassword(ctx, f.ID, browser, newPw, newPw, client)
	wantProblem(t, err, problem.Conflict, "flow.wrong_step")
}

// TestOldPasswordRefused: the forgotten password comes back as the new
// one; it is refused with its own message next to the field, and nothing
// changes (issue 10, 16).
func TestOldPasswordRefused(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.addAccount("acc", phone, email, account.Active)
	old := "Staryi-Parol-2026!"
	h, err := e.hasher.Hash(ctx, old)
	if err != nil {
		t.Fatal(err)
	}
	a := e.st.Account("acc")
	a.PasswordHash = h
	e.st.AddAccount(a)
	f := e.begin(t, phone)
	if _, err := e.svc.ConfirmCode(ctx, f.ID, browser, e.sent.Code(t, "recovery_code")); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.SetPassword(ctx, f.ID, browser, old, old, client)
	p := wantProblem(t, err, problem.Invalid, "form.invalid")
	if len(p.Fields) != 1 || p.Fields[0].Field != "password" || p.Fields[0].ID != "password.same_as_old" {
		t.Fatalf("fields %+v", p.Fields)
	}
	if e.st.Account("acc").PasswordHash != h || len(e.sessions.History) != 0 {
		t.Errorf("something changed: history %v", e.sessions.History)
	}
	if _, err := e.svc.SetPassword(ctx, f.ID, browser, newPw, newPw, client); err != nil {
		t.Fatalf("a new password after the refusal: %v", err)
	}
}

func TestRecoverByEmailLink(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.addAccount("acc", "", email, account.Active)
	f := e.begin(t, "Maria@Example.org")
	link, _ := e.sent.Last(t, "recovery_code").Field("Link").(string)
	prefix := "https://k.test/recover/" + f.ID + "/link/"
	if !strings.HasPrefix(link, prefix) {
		t.Fatalf("link %q", link)
	}
	mail := []byte("mail app")
	if _, err := e.svc.ConfirmLink(ctx, f.ID, strings.TrimPrefix(link, prefix), mail); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SetPassword(ctx, f.ID, mail, newPw, newPw, client); err != nil {
		t.Fatal(err)
	}
	if e.sent.Last(t, "password_changed").To != email {
		t.Error("notice not by e-mail")
	}
}

// TestDecoys: an unknown phone and a blocked account get a flow that looks
// normal and is sent nothing; an unknown e-mail address is told that it
// has no account, again on a resend. No decoy code ever works.
func TestDecoys(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, login string
		blocked     bool
		want        []string
	}{
		{"unknown phone", phone, false, nil},
		{"unknown e-mail", email, false, []string{"recovery_unknown"}},
		{"blocked account's phone", phone, true, nil},
		{"blocked account's e-mail", email, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			if tc.blocked {
				e.addAccount("acc", phone, email, account.Blocked)
			}
			f := e.begin(t, tc.login)
			if !f.Decoy || f.AccountID != "" || f.Sends != 1 {
				t.Fatalf("flow %+v", f)
			}
			if got := e.sent.Templates(); !slices.Equal(got, tc.want) {
				t.Fatalf("messages %v, want %v", got, tc.want)
			}
			if tc.want != nil && e.sent.Last(t, "recovery_unknown").Field("RegisterLink") != "https://k.test/register" {
				t.Error("no register link")
			}
			for _, c := range []string{"000000", "123456", "999999"} {
				if _, err := e.svc.ConfirmCode(ctx, f.ID, browser, c); problem.KindOf(err) != problem.Invalid {
					t.Fatalf("decoy accepted %s: %v", c, err)
				}
			}
			// The same limits as a real code.
			_, err := e.svc.Resend(ctx, f.ID, browser, client)
			wantProblem(t, err, problem.TooMany, "code.resend_wait")
			e.clk.Advance(time.Minute)
			if _, err := e.svc.Resend(ctx, f.ID, browser, client); err != nil {
				t.Fatal(err)
			}
			if n := len(e.sent.All()); n != 2*len(tc.want) {
				t.Errorf("%d messages after a resend", n)
			}
			if got := e.st.Audit(); len(got) != 1 || got[0] != "recovery.requested" {
				t.Errorf("audit %v", got)
			}
		})
	}
}

// TestDecoyPassesTheNumberInterval: a decoy answers like a real flow, so a
// second request within the interval is refused just as it would be.
func TestDecoyPassesTheNumberInterval(t *testing.T) {
	e := newEnv(t)
	e.begin(t, phone)
	e.clk.Advance(10 * time.Second)
	_, err := e.svc.Begin(context.Background(), recovery.Request{Login: phone, Binding: browser, Client: client})
	if p := wantProblem(t, err, problem.TooMany, "code.interval"); p.RetryAfter != 50*time.Second {
		t.Errorf("retry after %v", p.RetryAfter)
	}
}

func TestBadLogin(t *testing.T) {
	e := newEnv(t)
	_, err := e.svc.Begin(context.Background(), recovery.Request{Login: "not a login", Binding: browser, Client: client})
	p := wantProblem(t, err, problem.Invalid, "form.invalid")
	if _, ok := p.Field("login"); !ok {
		t.Errorf("no login field: %v", err)
	}
}

// TestSNILSLogin: the code goes to the login typed, and a SNILS is no
// address: the field says to type a phone or an e-mail, for every SNILS
// alike, and nothing is sent.
func TestSNILSLogin(t *testing.T) {
	e := newEnv(t)
	_, err := e.svc.Begin(context.Background(), recovery.Request{Login: "112-233-445 95", Binding: browser, Client: client})
	p := wantProblem(t, err, problem.Invalid, "form.invalid")
	if m, _ := p.Field("login"); m.ID != "recovery.snils" {
		t.Errorf("login field: %v", m)
	}
	if len(e.sent.All()) != 0 {
		t.Error("something was sent")
	}
}

func TestExpired(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.addAccount("acc", phone, "", account.Active)
	f := e.begin(t, phone)
	if _, err := e.svc.ConfirmCode(ctx, f.ID, browser, e.sent.Code(t, "recovery_code")); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Hour)
	_, err := e.svc.SetPassword(ctx, f.ID, browser, newPw, newPw, client)
	wantProblem(t, err, problem.Expired, "flow.expired")
	if e.st.Account("acc").PasswordHash != "old hash" {
		t.Error("password changed on an expired flow")
	}
}
