package contactchange_test

import (
	"context"
	"crypto/rand"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/contactchange"
	"github.com/kabinet/kabinet/internal/fake"
	"github.com/kabinet/kabinet/internal/flow"
	"github.com/kabinet/kabinet/internal/otp"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
)

const (
	oldPhone = "+79161234567"
	newPhone = "+79031112233"
	other    = "+79035550000"
)

var (
	t0      = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	browser = []byte("browser binding")
	client  = session.Client{IP: "203.0.113.7", RequestID: "req"}
)

type env struct {
	svc      *contactchange.Service
	st       *fake.Store
	clk      *fake.Clock
	sent     *fake.Notifier
	sessions *fake.Sessions
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{st: fake.NewStore(), clk: fake.NewClock(t0), sent: &fake.Notifier{}, sessions: &fake.Sessions{}}
	codes, limiter := fake.Codes(e.st, e.clk.Now, fake.CodePolicy)
	e.svc = contactchange.New(contactchange.Deps{Store: e.st, Codes: codes, Hasher: otp.NewHasher([]byte("k")), Sessions: e.sessions,
		Notifier: e.sent, Links: fake.Links{}, Limiter: limiter, Site: "kabinet.test", Support: "8 800", Now: e.clk.Now, Rand: rand.Reader,
		NewID: fake.IDs("c")})
	e.st.AddAccount(account.Account{ID: "a1", Status: account.Active, Name: "Мария", Lang: "ru", Phone: oldPhone})
	e.st.AddAccount(account.Account{ID: "a2", Status: account.Active, Name: "Пётр", Lang: "en", Phone: other})
	e.sessions.Sessions = map[string]int{"a1": 2}
	return e
}

func (e *env) begin(t *testing.T, acc string, in contactchange.Start) (*flow.Flow, error) {
	t.Helper()
	a := e.st.Account(acc)
	in.Account, in.Binding, in.Client, in.Lang = &a, browser, client, "ru"
	if in.PasswordAt.IsZero() {
		in.PasswordAt = e.clk.Now()
	}
	return e.svc.Begin(context.Background(), in)
}

func wantProblem(t *testing.T, err error, k problem.Kind, id string) {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || p.Kind != k || p.Message.ID != id {
		t.Fatalf("got %v, want %s %s", err, k, id)
	}
}

func wantField(t *testing.T, err error, field, id string) {
	t.Helper()
	p, ok := problem.As(err)
	if !ok {
		t.Fatalf("got %v, want %s on %s", err, id, field)
	}
	if m, ok := p.Field(field); !ok || m.ID != id {
		t.Fatalf("got %v, want %s on %s", err, id, field)
	}
}

// TestChangePhone: the code to the new number changes the phone, tells the
// old number with an undo link, drops the cached sessions and audits.
func TestChangePhone(t *testing.T) {
	e := newEnv(t)
	f, err := e.begin(t, "a1", contactchange.Start{Phone: "8 903 111-22-33"})
	if err != nil {
		t.Fatal(err)
	}
	if f.AccountID != "a1" || f.Destination != newPhone || f.Decoy {
		t.Fatalf("flow: %+v", f)
	}
	code := e.sent.Code(t, "contact_code")
	e.clk.Advance(time.Minute)
	_, a, err := e.svc.ConfirmCode(context.Background(), "a1", f.ID, browser, code, client)
	if err != nil {
		t.Fatal(err)
	}
	if a.Phone != newPhone || e.st.Account("a1").Phone != newPhone {
		t.Errorf("phone: %s / %s", a.Phone, e.st.Account("a1").Phone)
	}
	told := e.sent.Last(t, "contact_changed")
	if told.To != oldPhone || !strings.HasPrefix(told.Field("UndoLink").(string), "https://k.test/account/undo/") {
		t.Errorf("old number told: %+v", told)
	}
	if until := told.Field("Until").(time.Time); !until.Equal(e.clk.Now().Add(contactchange.UndoTime)) {
		t.Errorf("undo until %v", until)
	}
	if e.sessions.Changed["a1"] != 1 {
		t.Errorf("sessions not dropped: %v", e.sessions.Changed)
	}
	if got := strings.Join(e.st.Audit(), " "); got != "contact.change_requested contact.changed" {
		t.Errorf("audit: %s", got)
	}
	// A code works once.
	if _, _, err := e.svc.ConfirmCode(context.Background(), "a1", f.ID, browser, code, client); problem.KindOf(err) != problem.Conflict {
		t.Errorf("second confirm: %v", err)
	}
}

// TestBeginRefusals: each refusal is what a citizen would be told.
func TestBeginRefusals(t *testing.T) {
	tests := []struct {
		name      string
		in        contactchange.Start
		stale     bool
		kind      problem.Kind
		field, id string
	}{
		{name: "password older than 15 minutes", in: contactchange.Start{Phone: newPhone}, stale: true, kind: problem.Forbidden, id: "reauth.required"},
		{name: "the current phone", in: contactchange.Start{Phone: "8 916 123-45-67"}, field: "phone", id: "contacts.same"},
		{name: "a malformed phone", in: contactchange.Start{Phone: "12"}, field: "phone", id: "phone.invalid"},
		{name: "a malformed e-mail", in: contactchange.Start{UseEmail: true, Email: "maria@"}, field: "email", id: "email.invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.stale {
				tt.in.PasswordAt = e.clk.Now()
				e.clk.Advance(contactchange.RecentPassword + time.Second)
			}
			_, err := e.begin(t, "a1", tt.in)
			if tt.field == "" {
				wantProblem(t, err, tt.kind, tt.id)
				return
			}
			wantField(t, err, tt.field, tt.id)
		})
	}
}

// TestTakenPhone: another account's number gets a decoy that never
// confirms; its owner is told, once an hour; the requester sees a flow
// like any other.
func TestTakenPhone(t *testing.T) {
	e := newEnv(t)
	f, err := e.begin(t, "a1", contactchange.Start{Phone: other})
	if err != nil {
		t.Fatal(err)
	}
	if !f.Decoy || f.Sends != 1 {
		t.Fatalf("flow: %+v", f)
	}
	n := e.sent.Last(t, "contact_taken")
	if n.To != other || n.AccountID != "a2" {
		t.Errorf("notice: %+v", n)
	}
	for _, code := range []string{"000000", "123456"} {
		_, _, err := e.svc.ConfirmCode(context.Background(), "a1", f.ID, browser, code, client)
		wantField(t, err, "code", "code.wrong")
	}
	e.clk.Advance(2 * time.Minute)
	if _, err := e.svc.Resend(context.Background(), "a1", f.ID, browser, client); err != nil {
		t.Fatal(err)
	}
	if got := len(e.sent.All()); got != 1 {
		t.Errorf("%d messages, want the one notice an hour", got)
	}
	if e.st.Account("a1").Phone != oldPhone {
		t.Error("the account changed")
	}
}

// TestFlowOfAnotherAccount: another account, or another browser, finds no
// flow; the code stays usable by its owner.
func TestFlowOfAnotherAccount(t *testing.T) {
	e := newEnv(t)
	f, err := e.begin(t, "a1", contactchange.Start{Phone: newPhone})
	if err != nil {
		t.Fatal(err)
	}
	code := e.sent.Code(t, "contact_code")
	_, _, err = e.svc.ConfirmCode(context.Background(), "a2", f.ID, browser, code, client)
	wantProblem(t, err, problem.NotFound, "flow.not_found")
	_, _, err = e.svc.ConfirmCode(context.Background(), "a1", f.ID, []byte("another browser"), code, client)
	wantProblem(t, err, problem.NotFound, "flow.not_found")
	_, _, err = e.svc.ConfirmLink(context.Background(), "a2", f.ID, "token", client)
	wantProblem(t, err, problem.NotFound, "link.invalid")
	if _, _, err := e.svc.ConfirmCode(context.Background(), "a1", f.ID, browser, code, client); err != nil {
		t.Errorf("the owner: %v", err)
	}
}

// TestAddEmailByLink: an added address (nothing replaced: nobody told, no
// undo) confirmed by the e-mailed link.
func TestAddEmailByLink(t *testing.T) {
	e := newEnv(t)
	f, err := e.begin(t, "a1", contactchange.Start{UseEmail: true, Email: "Maria@Example.org"})
	if err != nil {
		t.Fatal(err)
	}
	link := e.sent.Last(t, "contact_code").Field("Link").(string)
	token := link[strings.LastIndex(link, "/")+1:]
	if _, _, err := e.svc.ConfirmLink(context.Background(), "a1", f.ID, token, client); err != nil {
		t.Fatal(err)
	}
	if a := e.st.Account("a1"); a.Email != "maria@example.org" || a.Phone != oldPhone {
		t.Errorf("account: %+v", a)
	}
	if got := e.sent.Templates(); len(got) != 1 {
		t.Errorf("messages: %v", got)
	}
	if got := strings.Join(e.st.Audit(), " "); got != "contact.change_requested contact.added" {
		t.Errorf("audit: %s", got)
	}
}

// TestUndo: within 7 days the link restores the old number, ends every
// session and tells to recover; it works once; after 7 days it is
// Expired; a forged token is NotFound.
func TestUndo(t *testing.T) {
	change := func(t *testing.T, e *env) (id, token string) {
		f, err := e.begin(t, "a1", contactchange.Start{Phone: newPhone})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.ConfirmCode(context.Background(), "a1", f.ID, browser, e.sent.Code(t, "contact_code"), client); err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(e.sent.Last(t, "contact_changed").Field("UndoLink").(string))
		return strings.TrimPrefix(u.Path, "/account/undo/"), u.Query().Get("token")
	}
	t.Run("within 7 days", func(t *testing.T) {
		e := newEnv(t)
		id, token := change(t, e)
		e.clk.Advance(contactchange.UndoTime - time.Minute)
		if err := e.svc.CheckUndo(context.Background(), id, token); err != nil {
			t.Fatal(err)
		}
		res, err := e.svc.Undo(context.Background(), id, token, client)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Restored || res.EndedSessions != 2 || e.st.Account("a1").Phone != oldPhone {
			t.Errorf("result %+v, phone %s", res, e.st.Account("a1").Phone)
		}
		if n := e.sent.Last(t, "contact_undone"); n.To != oldPhone {
			t.Errorf("told %s", n.To)
		}
		_, err = e.svc.Undo(context.Background(), id, token, client)
		wantProblem(t, err, problem.NotFound, "undo.invalid")
	})
	t.Run("after 7 days", func(t *testing.T) {
		e := newEnv(t)
		id, token := change(t, e)
		e.clk.Advance(contactchange.UndoTime)
		_, err := e.svc.Undo(context.Background(), id, token, client)
		wantProblem(t, err, problem.Expired, "undo.expired")
		if e.st.Account("a1").Phone != newPhone {
			t.Error("the change was undone")
		}
	})
	t.Run("forged token", func(t *testing.T) {
		e := newEnv(t)
		id, _ := change(t, e)
		_, err := e.svc.Undo(context.Background(), id, "AAAAAAAAAAAAAAAAAAAAAA", client)
		wantProblem(t, err, problem.NotFound, "undo.invalid")
	})
	t.Run("old number taken since", func(t *testing.T) {
		e := newEnv(t)
		id, token := change(t, e)
		e.st.AddAccount(account.Account{ID: "a3", Status: account.Active, Phone: contact.Phone(oldPhone)})
		res, err := e.svc.Undo(context.Background(), id, token, client)
		if err != nil {
			t.Fatal(err)
		}
		if res.Restored || res.EndedSessions != 2 || e.st.Account("a1").Phone != newPhone {
			t.Errorf("result %+v, phone %s", res, e.st.Account("a1").Phone)
		}
		if last := e.sent.All()[len(e.sent.All())-1]; last.Template == "contact_undone" {
			t.Errorf("the number's new owner was told: %+v", last)
		}
	})
}
