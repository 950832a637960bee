package registration_test

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
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/registration"
	"github.com/kabinet/kabinet/internal/session"
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
	svc      *registration.Service
	st       *fake.Store
	clk      *fake.Clock
	sent     *fake.Notifier
	sessions *fake.Sessions
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{st: fake.NewStore(), clk: fake.NewClock(t0), sent: &fake.Notifier{}, sessions: &fake.Sessions{}}
	codes, limiter := fake.Codes(e.st, e.clk.Now, fake.CodePolicy)
	h, err := password.NewHasher(password.TestParams, 2, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = registration.New(registration.Deps{Store: e.st, Codes: codes, Hasher: h, Sessions: e.sessions, Notifier: e.sent, Links: fake.Links{},
		Limiter: limiter, Site: "kabinet.test", Now: e.clk.Now, Rand: rand.Reader, NewID: fake.IDs("id")})
	return e
}

func start(dest string) registration.Start {
	s := registration.Start{Surname: "Иванова", Name: "Мария", AcceptTerms: true, Lang: "ru", Binding: browser, Client: client}
	if strings.Contains(dest, "@") {
		s.UseEmail, s.Email = true, dest
	} else {
		s.Phone = dest
	}
	return s
}

// wantProblem fails the test unless err is a problem of the kind and ID.
func wantProblem(t *testing.T, err error, k problem.Kind, id string) *problem.Error {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || p.Kind != k || p.Message.ID != id {
		t.Fatalf("got %v, want %s %s", err, k, id)
	}
	return p
}

// wantFieldProblem fails the test unless err is Invalid with the field's message.
func wantFieldProblem(t *testing.T, err error, field, id string) problem.Message {
	t.Helper()
	p := wantProblem(t, err, problem.Invalid, "form.invalid")
	m, ok := p.Field(field)
	if !ok || m.ID != id {
		t.Fatalf("got %v, want %s on %s", err, id, field)
	}
	return m
}

func TestRegisterByPhone(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	f, err := e.svc.Begin(ctx, start("8 916 123-45-67"))
	if err != nil {
		t.Fatal(err)
	}
	if f.State != flow.AwaitingCode || f.Destination != phone || f.Channel != contact.ChannelSMS || f.Decoy {
		t.Fatalf("flow %+v", f)
	}
	msg := e.sent.Last(t, "registration_code")
	if msg.To != phone || msg.Field("Name") != "Мария" || msg.Field("Minutes") != 5 || msg.Field("Until") != t0.Add(5*time.Minute) {
		t.Errorf("message to %s, name %v, minutes %v, until %v", msg.To, msg.Field("Name"), msg.Field("Minutes"), msg.Field("Until"))
	}
	code := e.sent.Code(t, "registration_code")

	// Another browser cannot act on the flow: it does not exist for it.
	_, err = e.svc.ConfirmCode(ctx, f.ID, []byte("other browser"), code)
	wantProblem(t, err, problem.NotFound, "flow.not_found")

	// A wrong code says how many attempts are left; a malformed one costs none.
	_, err = e.svc.ConfirmCode(ctx, f.ID, browser, wrong(code))
	if m := wantFieldProblem(t, err, "code", "code.wrong"); m.Args["Count"] != 4 {
		t.Errorf("attempts left %v, want 4", m.Args["Count"])
	}
	_, err = e.svc.ConfirmCode(ctx, f.ID, browser, "12")
	if p, ok := problem.As(err); !ok || p.Kind != problem.Invalid {
		t.Fatalf("malformed code: %v", err)
	}

	e.clk.Advance(time.Minute)
	if f, err = e.svc.ConfirmCode(ctx, f.ID, browser, code); err != nil {
		t.Fatal(err)
	}
	if f.State != flow.SetPassword || !f.ExpiresAt.Equal(e.clk.Now().Add(time.Hour)) {
		t.Fatalf("after the code: %s, expires %v", f.State, f.ExpiresAt)
	}
	// The code works once; a reload gets the flow and "code.used".
	_, err = e.svc.ConfirmCode(ctx, f.ID, browser, code)
	wantProblem(t, err, problem.Conflict, "code.used")

	_, err = e.svc.SetPassword(ctx, f.ID, browser, pw, pw+"x", client)
	if p, ok := problem.As(err); !ok || p.Kind != problem.Invalid {
		t.Fatalf("mismatched confirmation: %v", err)
	}
	res, err := e.svc.SetPassword(ctx, f.ID, browser, pw, pw, client)
	if err != nil {
		t.Fatal(err)
	}
	a := e.st.Account(res.Account.ID)
	if a.Phone != phone || a.Level != account.Simplified || a.Status != account.Active || a.Surname != "Иванова" || !a.PasswordChangedAt.Equal(e.clk.Now()) {
		t.Fatalf("account %+v", a)
	}
	if ok, rehash, err := newHasher(t).Verify(ctx, pw, a.PasswordHash); !ok || rehash || err != nil {
		t.Errorf("stored hash: ok %v, rehash %v, %v", ok, rehash, err)
	}
	if res.Token == "" || res.Session.AccountID != a.ID || res.Session.Method != "registration" {
		t.Errorf("session %+v", res.Session)
	}
	if got := e.st.Audit(); !slices.Equal(got, []string{"account.registered"}) {
		t.Errorf("audit %v", got)
	}
	// The first session is the first sign-in of the history (issue 10, 15).
	if want := []string{a.ID + " registration success"}; !slices.Equal(e.sessions.History, want) {
		t.Errorf("history %v, want %v", e.sessions.History, want)
	}
	_, err = e.svc.SetPassword(ctx, f.ID, browser, pw, pw, client)
	wantProblem(t, err, problem.Conflict, "flow.wrong_step")
	if e.st.Accounts() != 1 {
		t.Errorf("%d accounts", e.st.Accounts())
	}
}

func newHasher(t *testing.T) *password.Hasher {
	h, err := password.NewHasher(password.TestParams, 1, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// wrong returns another well-formed code.
func wrong(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

func TestRegisterByEmailLink(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	f, err := e.svc.Begin(ctx, start("Maria@Example.org"))
	if err != nil {
		t.Fatal(err)
	}
	msg := e.sent.Last(t, "registration_code")
	link, _ := msg.Field("Link").(string)
	prefix := "https://k.test/register/" + f.ID + "/link/"
	if msg.To != f.Destination || !strings.HasPrefix(link, prefix) || msg.Field("Minutes") != 30 {
		t.Fatalf("message to %s with link %q, minutes %v", msg.To, link, msg.Field("Minutes"))
	}
	token := strings.TrimPrefix(link, prefix)
	_, err = e.svc.ConfirmLink(ctx, f.ID, token+"x", []byte("phone browser"))
	wantProblem(t, err, problem.NotFound, "link.invalid")
	// The link opens in another browser (the mail app's), which goes on.
	f, err = e.svc.ConfirmLink(ctx, f.ID, token, []byte("phone browser"))
	if err != nil || f.State != flow.SetPassword {
		t.Fatalf("link: %v", err)
	}
	if _, err := e.svc.SetPassword(ctx, f.ID, browser, pw, pw, client); problem.KindOf(err) != problem.NotFound {
		t.Errorf("the first browser kept the flow: %v", err)
	}
	res, err := e.svc.SetPassword(ctx, f.ID, []byte("phone browser"), pw, pw, client)
	if err != nil {
		t.Fatal(err)
	}
	if res.Account.Email != contact.Email(f.Destination) || res.Account.Phone != "" {
		t.Errorf("account contacts %q %q", res.Account.Email, res.Account.Phone)
	}
}

func TestBeginFieldsInFormOrder(t *testing.T) {
	e := newEnv(t)
	_, err := e.svc.Begin(context.Background(), registration.Start{Phone: "12"})
	p := wantProblem(t, err, problem.Invalid, "form.invalid")
	var got []string
	for _, f := range p.Fields {
		got = append(got, f.Field)
	}
	if want := []string{"surname", "name", "phone", "accept_terms"}; !slices.Equal(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
	if len(e.sent.All()) != 0 || e.st.Hits() != 0 {
		t.Error("an invalid form sent a message or counted a code")
	}
}

// TestResend: the flow's cooldown, then the number's interval whichever
// flow asks, then the hourly cap per number.
func TestResend(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	f, err := e.svc.Begin(ctx, start(phone))
	if err != nil {
		t.Fatal(err)
	}
	first := e.sent.Code(t, "registration_code")

	e.clk.Advance(20 * time.Second)
	_, err = e.svc.Resend(ctx, f.ID, browser, client)
	if p := wantProblem(t, err, problem.TooMany, "code.resend_wait"); p.RetryAfter != 40*time.Second {
		t.Errorf("retry after %v, want 40s", p.RetryAfter)
	}
	// A second registration of the number, from another browser, waits for
	// the number's interval, and leaves nothing behind.
	other := start(phone)
	other.Binding = []byte("another browser")
	_, err = e.svc.Begin(ctx, other)
	if p := wantProblem(t, err, problem.TooMany, "code.interval"); p.RetryAfter != 40*time.Second {
		t.Errorf("interval: retry after %v, want 40s", p.RetryAfter)
	}
	if _, err := e.st.Flow(ctx, registration.Spec.Kind, "id2"); problem.KindOf(err) != problem.NotFound {
		t.Errorf("the refused flow was stored: %v", err)
	}

	e.clk.Advance(40 * time.Second)
	if f, err = e.svc.Resend(ctx, f.ID, browser, client); err != nil {
		t.Fatal(err)
	}
	second := e.sent.Code(t, "registration_code")
	if f.Sends != 2 || len(e.sent.All()) != 2 {
		t.Fatalf("sends %d, messages %d", f.Sends, len(e.sent.All()))
	}
	if first != second {
		// The old code stops working (unless the two happen to be equal),
		// and the answer says a newer one went out.
		_, err = e.svc.ConfirmCode(ctx, f.ID, browser, first)
		wantFieldProblem(t, err, "code", "code.replaced")
	}
	// Three more, a minute apart (five in all, the first at t0), then the
	// hourly cap until the first is an hour old.
	for range 3 {
		e.clk.Advance(time.Minute)
		if _, err := e.svc.Resend(ctx, f.ID, browser, client); err != nil {
			t.Fatal(err)
		}
	}
	e.clk.Advance(time.Minute)
	_, err = e.svc.Resend(ctx, f.ID, browser, client)
	if p := wantProblem(t, err, problem.TooMany, "code.hourly_limit"); p.RetryAfter != 55*time.Minute {
		t.Errorf("hourly: retry after %v", p.RetryAfter)
	}
	code := e.sent.Code(t, "registration_code")
	if _, err := e.svc.ConfirmCode(ctx, f.ID, browser, code); err != nil {
		t.Fatalf("the latest code after a refused resend: %v", err)
	}
	_, err = e.svc.Resend(ctx, f.ID, browser, client)
	wantProblem(t, err, problem.Conflict, "flow.wrong_step")
}

// TestResendAfterAttemptsUsedUp: a used-up code may be replaced at once
// (but for the number's interval), and the new one has fresh attempts.
func TestResendAfterAttemptsUsedUp(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	f, _ := e.svc.Begin(ctx, start(phone))
	code := e.sent.Code(t, "registration_code")
	for range 4 {
		_, err := e.svc.ConfirmCode(ctx, f.ID, browser, wrong(code))
		wantFieldProblem(t, err, "code", "code.wrong")
	}
	_, err := e.svc.ConfirmCode(ctx, f.ID, browser, wrong(code))
	wantProblem(t, err, problem.TooMany, "code.attempts")
	_, err = e.svc.ConfirmCode(ctx, f.ID, browser, code)
	wantProblem(t, err, problem.TooMany, "code.attempts")

	e.clk.Advance(time.Minute)
	if _, err := e.svc.Resend(ctx, f.ID, browser, client); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ConfirmCode(ctx, f.ID, browser, e.sent.Code(t, "registration_code")); err != nil {
		t.Fatalf("the new code: %v", err)
	}
}

func TestExpiry(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	f, _ := e.svc.Begin(ctx, start(phone))
	code := e.sent.Code(t, "registration_code")

	e.clk.Advance(300 * time.Second)
	_, err := e.svc.ConfirmCode(ctx, f.ID, browser, code)
	wantProblem(t, err, problem.Expired, "code.expired")

	e.clk.Advance(time.Hour - 300*time.Second)
	got, err := e.svc.ConfirmCode(ctx, f.ID, browser, code)
	wantProblem(t, err, problem.Expired, "flow.expired")
	if d, _ := registration.DataOf(got); got == nil || d.Surname != "Иванова" {
		t.Error("an expired flow should come back with what was typed")
	}
	_, err = e.svc.Resend(ctx, f.ID, browser, client)
	wantProblem(t, err, problem.Expired, "flow.expired")
}

// TestTakenContact: a contact that already has an account gets a decoy
// flow that looks normal; its owner is told, at most once an hour.
func TestTakenContact(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.st.AddAccount(account.Account{ID: "owner", Status: account.Active, Phone: phone, Name: "Пётр", Lang: "ru"})

	f, err := e.svc.Begin(ctx, start(phone))
	if err != nil {
		t.Fatal(err)
	}
	if !f.Decoy || f.State != flow.AwaitingCode || f.Sends != 1 {
		t.Fatalf("flow %+v", f)
	}
	notice := e.sent.Last(t, "registration_taken")
	if notice.AccountID != "owner" || notice.To != phone || notice.Field("Code") != nil || notice.Field("RecoveryLink") != "https://k.test/recover" {
		t.Errorf("notice %+v", notice)
	}
	// No code is sent, so nothing the requester can type works.
	for _, c := range []string{"000000", "123456"} {
		if _, err := e.svc.ConfirmCode(ctx, f.ID, browser, c); problem.KindOf(err) != problem.Invalid {
			t.Fatalf("decoy accepted %s: %v", c, err)
		}
	}
	// Resends and new attempts within the hour pass the same limits as real
	// codes but tell the owner nothing more.
	e.clk.Advance(time.Minute)
	if _, err := e.svc.Resend(ctx, f.ID, browser, client); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Minute)
	if _, err := e.svc.Begin(ctx, start(phone)); err != nil {
		t.Fatal(err)
	}
	if n := len(e.sent.All()); n != 1 {
		t.Fatalf("%d messages within the hour, want the one notice", n)
	}
	e.clk.Advance(time.Hour)
	if _, err := e.svc.Begin(ctx, start(phone)); err != nil {
		t.Fatal(err)
	}
	if got := e.sent.Templates(); !slices.Equal(got, []string{"registration_taken", "registration_taken"}) {
		t.Fatalf("messages %v", got)
	}
	if got := e.st.Audit(); len(got) != 3 || got[0] != "registration.contact_taken" {
		t.Errorf("audit %v", got)
	}
}

// TestSetPasswordRaced: the contact registered meanwhile by another flow:
// a clear answer, and the flow stays where it was.
func TestSetPasswordRaced(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	f, _ := e.svc.Begin(ctx, start(phone))
	if _, err := e.svc.ConfirmCode(ctx, f.ID, browser, e.sent.Code(t, "registration_code")); err != nil {
		t.Fatal(err)
	}
	e.st.AddAccount(account.Account{ID: "quicker", Status: account.Active, Phone: phone})
	_, err := e.svc.SetPassword(ctx, f.ID, browser, pw, pw, client)
	wantProblem(t, err, problem.Conflict, "registration.raced")
	if got, _ := e.st.Flow(ctx, registration.Spec.Kind, f.ID); got.State != flow.SetPassword {
		t.Errorf("flow moved to %s", got.State)
	}
	if len(e.sessions.Issued) != 0 {
		t.Error("a session was issued")
	}
}

// TestBeginIsOneTransaction: when the message cannot be queued, nothing
// of the registration is kept, not even the counted code.
func TestBeginIsOneTransaction(t *testing.T) {
	e := newEnv(t)
	e.sent.Err = errors.New("outbox down")
	if _, err := e.svc.Begin(context.Background(), start(phone)); err == nil {
		t.Fatal("Begin succeeded without its message")
	}
	if e.st.Hits() != 0 {
		t.Errorf("%d throttle keys kept after the rollback", e.st.Hits())
	}
	e.sent.Err = nil
	if _, err := e.svc.Begin(context.Background(), start(phone)); err != nil {
		t.Fatalf("the number is held back by a rolled-back code: %v", err)
	}
}
