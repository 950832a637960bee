package signin_test

import (
	"context"
	"crypto/rand"
	"errors"
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
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/signin"
)

const (
	phone = "+79161234567"
	pw    = "Vesna-2026!kab"
)

var (
	t0      = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	browser = []byte("browser binding")
	client  = session.Client{IP: "203.0.113.7", RequestID: "req"}
)

type env struct {
	svc      *signin.Service
	st       *fake.Store
	clk      *fake.Clock
	sent     *fake.Notifier
	sessions *fake.Sessions
	hasher   *password.Hasher
	locks    *lockout.Service
	logged   []string
}

func newEnv(t *testing.T, p signin.Policy) *env {
	t.Helper()
	e := &env{st: fake.NewStore(), clk: fake.NewClock(t0), sent: &fake.Notifier{}, sessions: &fake.Sessions{}}
	codes, limiter := fake.Codes(e.st, e.clk.Now, fake.CodePolicy)
	e.hasher = hasher(t, password.TestParams)
	// The default deployment's lockout: 5 checks per 15 minutes, locks of
	// 15 minutes doubling to 2 hours, suspension after 20 failures.
	e.locks = lockout.New(e.st, limiter, lockout.Policy{MaxChecks: 5, Window: 15 * time.Minute, BaseLock: 15 * time.Minute, MaxLock: 2 * time.Hour,
		MaxConsecutive: 20, DeviceChecks: 10}, [][]byte{[]byte("lockout key")}, e.clk.Now, rand.Reader)
	if p.FailsPerIP == 0 {
		p.FailsPerIP = 20
	}
	if p.HashesPerIP == 0 {
		p.HashesPerIP = 200
	}
	e.svc = signin.New(signin.Deps{Store: e.st, Codes: codes, Hasher: e.hasher, Limiter: limiter, Lockout: e.locks, Sessions: e.sessions,
		Notifier: e.sent, Links: fake.Links{}, Policy: p, Site: "kabinet.test", Support: "8 800 000-00-00", Now: e.clk.Now, NewID: fake.IDs("f"),
		Log: func(msg string, err error) { e.logged = append(e.logged, msg+": "+err.Error()) }})
	return e
}

func hasher(t *testing.T, p password.Params) *password.Hasher {
	t.Helper()
	h, err := password.NewHasher(p, 2, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// addAccount stores an active account with phone and password pw, hashed
// under params.
func (e *env) addAccount(t *testing.T, id, phone, email string, params password.Params) account.Account {
	t.Helper()
	hash, err := hasher(t, params).Hash(context.Background(), pw)
	if err != nil {
		t.Fatal(err)
	}
	a := account.Account{ID: id, Status: account.Active, Level: account.Simplified, Name: "Мария", Surname: "Иванова", Lang: "ru",
		PasswordHash: hash}
	a.Phone, a.Email = contact.Phone(phone), contact.Email(email)
	e.st.AddAccount(a)
	return a
}

func (e *env) signIn(login, password string) (*signin.Result, error) {
	return e.svc.Begin(context.Background(), signin.Attempt{Login: login, Password: password, Lang: "ru", Binding: browser, Client: client})
}

func wantProblem(t *testing.T, err error, k problem.Kind, id string) *problem.Error {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || p.Kind != k || p.Message.ID != id {
		t.Fatalf("got %v, want %s %s", err, k, id)
	}
	return p
}

func TestRightPassword(t *testing.T) {
	e := newEnv(t, signin.Policy{})
	e.addAccount(t, "acc", phone, "", password.TestParams)
	res, err := e.signIn("8 916 123-45-67", pw)
	if err != nil {
		t.Fatal(err)
	}
	if res.Token == "" || res.Flow != nil || res.Session.Method != "password" || res.Account.ID != "acc" {
		t.Fatalf("result %+v", res)
	}
	if !slices.Equal(e.sessions.History, []string{"acc password success"}) || !slices.Equal(e.st.Audit(), []string{"signin.succeeded"}) {
		t.Errorf("history %v, audit %v", e.sessions.History, e.st.Audit())
	}
}

func TestFormErrors(t *testing.T) {
	e := newEnv(t, signin.Policy{})
	_, err := e.signIn("", "")
	p := wantProblem(t, err, problem.Invalid, "form.invalid")
	if names := p.SortedFieldNames(); !slices.Equal(names, []string{"login", "password"}) {
		t.Errorf("fields %v", names)
	}
	// Signing in asks for the password there is, not for a new one.
	for _, f := range p.Fields {
		if f.Field == "password" && f.ID != "signin.password_required" {
			t.Errorf("empty password: %s, want signin.password_required", f.ID)
		}
	}
}

// TestWrongPasswordAndUnknownLogin: both get the same answers, count
// against the login the same way, and both spend a password hash.
func TestWrongPasswordAndUnknownLogin(t *testing.T) {
	for _, known := range []bool{true, false} {
		e := newEnv(t, signin.Policy{})
		if known {
			e.addAccount(t, "acc", phone, "", password.TestParams)
		}
		var answers []string
		for range 5 {
			_, err := e.signIn(phone, "Wrong-password-1")
			p, _ := problem.As(err)
			answers = append(answers, p.Kind.String()+" "+p.Message.ID)
		}
		want := []string{"unauthorized signin.wrong", "unauthorized signin.wrong", "unauthorized signin.wrong_left",
			"unauthorized signin.wrong_left", "too_many signin.locked"}
		if !slices.Equal(answers, want) {
			t.Errorf("known %v: answers %v, want %v", known, answers, want)
		}
		wantHistory := 0
		if known {
			wantHistory = 5
		}
		if len(e.sessions.History) != wantHistory || len(e.st.Audit()) != 5 {
			t.Errorf("known %v: history %v, audit %v", known, e.sessions.History, e.st.Audit())
		}

		// The hasher is reached for an unknown login too: with the context
		// already ended, the dummy check is what fails.
		e2 := newEnv(t, signin.Policy{})
		if known {
			e2.addAccount(t, "acc", phone, "", password.TestParams)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := e2.svc.Begin(ctx, signin.Attempt{Login: phone, Password: "Wrong-password-1", Binding: browser, Client: client})
		if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "signin: verify") {
			t.Errorf("known %v: no password hash was spent: %v", known, err)
		}
	}
}

// TestLock: the fifth check that fails locks the login for 15 minutes;
// the owner is told once; while locked even the right password is not
// checked; after the lock it works, and a device token gets through it.
func TestLock(t *testing.T) {
	e := newEnv(t, signin.Policy{})
	e.addAccount(t, "acc", phone, "maria@example.org", password.TestParams)
	device, err := e.locks.DeviceToken("acc")
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		e.clk.Advance(time.Second)
		_, err = e.signIn(phone, "Wrong-password-1")
	}
	if p := wantProblem(t, err, problem.TooMany, "signin.locked"); p.RetryAfter != 15*time.Minute {
		t.Errorf("lock %v, want 15m", p.RetryAfter)
	}
	notice := e.sent.Last(t, "signin_locked")
	// Told by e-mail when there is one (free, and room to explain).
	if notice.To != "maria@example.org" || notice.AccountID != "acc" || notice.Field("Until") != t0.Add(15*time.Minute+5*time.Second) {
		t.Errorf("notice to %s, until %v", notice.To, notice.Field("Until"))
	}
	_, err = e.signIn(phone, pw)
	wantProblem(t, err, problem.TooMany, "signin.locked")
	if len(e.sent.All()) != 1 {
		t.Errorf("told %d times", len(e.sent.All()))
	}
	if last := e.sessions.History[len(e.sessions.History)-1]; last != "acc password locked" {
		t.Errorf("refused attempt recorded as %q", last)
	}

	// The owner's own browser is not held back by the strangers' lock…
	res, err := e.svc.Begin(context.Background(), signin.Attempt{Login: phone, Password: pw, Device: device, Binding: browser, Client: client})
	if err != nil || res.Token == "" {
		t.Fatalf("with the device token: %v", err)
	}
	// …and its success leaves the lock in place for the strangers.
	_, err = e.signIn(phone, pw)
	wantProblem(t, err, problem.TooMany, "signin.locked")
	// A token made for another account is a stranger's.
	other, _ := e.locks.DeviceToken("someone else")
	_, err = e.svc.Begin(context.Background(), signin.Attempt{Login: phone, Password: pw, Device: other, Binding: browser, Client: client})
	wantProblem(t, err, problem.TooMany, "signin.locked")

	e.clk.Advance(15 * time.Minute)
	if _, err := e.signIn(phone, pw); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
}

// TestIPFailures: failed sign-ins from one address, whatever the logins,
// close that address for a minute (credential stuffing); others are not
// affected.
func TestIPFailures(t *testing.T) {
	e := newEnv(t, signin.Policy{FailsPerIP: 3})
	e.addAccount(t, "acc", phone, "", password.TestParams)
	for _, login := range []string{"+79160000001", "+79160000002", "+79160000003"} {
		if _, err := e.signIn(login, pw); problem.KindOf(err) != problem.Unauthorized {
			t.Fatalf("%s: %v", login, err)
		}
	}
	_, err := e.signIn(phone, pw)
	if p := wantProblem(t, err, problem.TooMany, "signin.ip_limit"); p.RetryAfter != time.Minute {
		t.Errorf("retry after %v", p.RetryAfter)
	}
	_, err = e.svc.Begin(context.Background(), signin.Attempt{Login: phone, Password: pw, Client: session.Client{IP: "198.51.100.9"}})
	if err != nil {
		t.Fatalf("another address: %v", err)
	}
	e.clk.Advance(time.Minute)
	if _, err := e.signIn(phone, pw); err != nil {
		t.Fatalf("a minute later: %v", err)
	}
}

func TestBlockedAccount(t *testing.T) {
	e := newEnv(t, signin.Policy{})
	a := e.addAccount(t, "acc", phone, "", password.TestParams)
	a.Status = account.Blocked
	e.st.AddAccount(a)
	_, err := e.signIn(phone, pw)
	wantProblem(t, err, problem.Forbidden, "account.blocked")
	if len(e.sessions.Issued) != 0 {
		t.Error("a session was issued")
	}
}

// TestRehash: a password stored under other parameters is hashed again
// under the current ones once it has been typed right, and only then.
func TestRehash(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, signin.Policy{})
	old := password.TestParams
	old.Time = 2
	a := e.addAccount(t, "acc", phone, "", old)
	if _, err := e.signIn(phone, "Wrong-password-1"); problem.KindOf(err) != problem.Unauthorized {
		t.Fatal(err)
	}
	if e.st.Account("acc").PasswordHash != a.PasswordHash {
		t.Fatal("a wrong password rehashed")
	}
	if _, err := e.signIn(phone, pw); err != nil {
		t.Fatal(err)
	}
	stored := e.st.Account("acc").PasswordHash
	if stored == a.PasswordHash || !strings.Contains(stored, "t=1") {
		t.Fatalf("not rehashed: %s", stored)
	}
	if ok, rehash, err := e.hasher.Verify(ctx, pw, stored); !ok || rehash || err != nil {
		t.Errorf("new hash: ok %v, rehash %v, %v", ok, rehash, err)
	}
	// A current hash stays as it is.
	if _, err := e.signIn(phone, pw); err != nil {
		t.Fatal(err)
	}
	if e.st.Account("acc").PasswordHash != stored {
		t.Error("a current hash was rehashed")
	}
}

// TestSecondStep: the password opens a step that needs the code sent to
// the phone; the code signs in once.
func TestSecondStep(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, signin.Policy{SecondStep: true})
	e.addAccount(t, "acc", phone, "", password.TestParams)
	res, err := e.signIn(phone, pw)
	if err != nil {
		t.Fatal(err)
	}
	f := res.Flow
	if res.Token != "" || f == nil || f.Kind != signin.Spec.Kind || f.State != flow.AwaitingCode || dataOf(t, f).Method != "password+sms" || f.LinkHash != nil {
		t.Fatalf("result %+v", res)
	}
	msg := e.sent.Last(t, "signin_code")
	if msg.To != phone || msg.AccountID != "acc" || msg.Field("Until") != t0.Add(5*time.Minute) {
		t.Errorf("code message to %s, until %v", msg.To, msg.Field("Until"))
	}
	code := e.sent.Code(t, "signin_code")
	if _, err := e.svc.ConfirmCode(ctx, f.ID, []byte("other"), code, client); problem.KindOf(err) != problem.NotFound {
		t.Errorf("another browser: %v", err)
	}
	bad := []byte(code)
	bad[0] = '0' + (bad[0]-'0'+1)%10
	if _, err := e.svc.ConfirmCode(ctx, f.ID, browser, string(bad), client); problem.KindOf(err) != problem.Invalid {
		t.Fatalf("wrong code: %v", err)
	}
	done, err := e.svc.ConfirmCode(ctx, f.ID, browser, code, client)
	if err != nil {
		t.Fatal(err)
	}
	if done.Token == "" || done.Session.Method != "password+sms" || done.Flow.State != flow.Done {
		t.Fatalf("result %+v", done)
	}
	if want := []string{"acc password+sms wrong_code", "acc password+sms success"}; !slices.Equal(e.sessions.History, want) {
		t.Errorf("history %v, want %v", e.sessions.History, want)
	}
	_, err = e.svc.ConfirmCode(ctx, f.ID, browser, code, client)
	wantProblem(t, err, problem.Conflict, "code.used")
}

func TestSecondStepExpires(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, signin.Policy{SecondStep: true})
	e.addAccount(t, "acc", phone, "", password.TestParams)
	res, _ := e.signIn(phone, pw)
	e.clk.Advance(15 * time.Minute)
	_, err := e.svc.ConfirmCode(ctx, res.Flow.ID, browser, e.sent.Code(t, "signin_code"), client)
	wantProblem(t, err, problem.Expired, "signin.step_expired")
	_, err = e.svc.Resend(ctx, res.Flow.ID, browser, client)
	wantProblem(t, err, problem.Expired, "signin.step_expired")
}

// TestCodeAfter: a sign-in within the number's interval after another
// code keeps the step open without a code; the code may be asked for once
// the interval is over, and then works.
func TestCodeAfter(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, signin.Policy{SecondStep: true})
	e.addAccount(t, "acc", phone, "", password.TestParams)
	if _, err := e.signIn(phone, pw); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(20 * time.Second)
	res, err := e.signIn(phone, pw)
	if err != nil {
		t.Fatalf("a second sign-in within the interval: %v", err)
	}
	f := res.Flow
	if f.Sends != 0 || !f.CodeAfter.Equal(t0.Add(time.Minute)) || len(e.sent.All()) != 1 {
		t.Fatalf("sends %d, code after %v, messages %d", f.Sends, f.CodeAfter, len(e.sent.All()))
	}
	// The first sign-in's code is not this step's.
	if _, err := e.svc.ConfirmCode(ctx, f.ID, browser, e.sent.Code(t, "signin_code"), client); problem.KindOf(err) != problem.Invalid {
		t.Fatalf("the other flow's code: %v", err)
	}
	_, err = e.svc.Resend(ctx, f.ID, browser, client)
	if p := wantProblem(t, err, problem.TooMany, "code.interval"); p.RetryAfter != 40*time.Second {
		t.Errorf("retry after %v", p.RetryAfter)
	}
	e.clk.Advance(40 * time.Second)
	if f, err = e.svc.Resend(ctx, f.ID, browser, client); err != nil {
		t.Fatal(err)
	}
	if f.Sends != 1 || len(e.sent.All()) != 2 {
		t.Fatalf("sends %d, messages %d", f.Sends, len(e.sent.All()))
	}
	if _, err := e.svc.ConfirmCode(ctx, f.ID, browser, e.sent.Code(t, "signin_code"), client); err != nil {
		t.Fatalf("the step's own code: %v", err)
	}
}

// TestSecondStepResend: the flow's cooldown holds, then a new code.
func TestSecondStepResend(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, signin.Policy{SecondStep: true})
	e.addAccount(t, "acc", "", "maria@example.org", password.TestParams)
	res, _ := e.signIn("maria@example.org", pw)
	if m := dataOf(t, res.Flow).Method; m != "password+email" {
		t.Errorf("method %q", m)
	}
	e.clk.Advance(30 * time.Second)
	_, err := e.svc.Resend(ctx, res.Flow.ID, browser, client)
	wantProblem(t, err, problem.TooMany, "code.resend_wait")
	e.clk.Advance(30 * time.Second)
	f, err := e.svc.Resend(ctx, res.Flow.ID, browser, client)
	if err != nil {
		t.Fatal(err)
	}
	if f.LinkHash != nil {
		t.Error("a sign-in code got a link")
	}
	if _, err := e.svc.ConfirmCode(ctx, f.ID, browser, e.sent.Code(t, "signin_code"), client); err != nil {
		t.Fatal(err)
	}
}

func dataOf(t *testing.T, f *flow.Flow) signin.Data {
	t.Helper()
	d, err := signin.DataOf(f)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSNILSLogin: an account whose personal data is verified signs in with
// its SNILS in any written form; an unknown SNILS gets the answer a wrong
// password gets, and SNILS logins lock like the others.
func TestSNILSLogin(t *testing.T) {
	e := newEnv(t, signin.Policy{})
	e.addAccount(t, "acc", phone, "", password.TestParams)
	if err := e.st.SaveVerified(context.Background(), "acc", profile.Data{SNILS: "11223344595"}, t0); err != nil {
		t.Fatal(err)
	}
	for _, login := range []string{"112-233-445 95", "112 233 445 95", "11223344595"} {
		res, err := e.signIn(login, pw)
		if err != nil || res.Account.ID != "acc" {
			t.Fatalf("%q: %v", login, err)
		}
	}
	_, err := e.signIn("123-456-789 64", pw) // a well-formed SNILS nobody verified
	wantProblem(t, err, problem.Unauthorized, "signin.wrong")
	for range 4 {
		_, err = e.signIn("112-233-445 95", "Wrong-password-1")
	}
	wantProblem(t, err, problem.TooMany, "signin.locked")
	if n := e.sent.Last(t, "signin_locked"); n.AccountID != "acc" {
		t.Errorf("lock notice %+v", n)
	}
}
