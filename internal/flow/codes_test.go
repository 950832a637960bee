package flow_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/fake"
	"github.com/kabinet/kabinet/internal/flow"
	"github.com/kabinet/kabinet/internal/problem"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// The kinds of these tests: two whose codes anybody can ask for, and one
// whose codes only the password's holder can.
var (
	signUp     = testKind("test.signup", flow.Anyone)
	restore    = testKind("test.restore", flow.Anyone)
	secondStep = testKind("test.second_step", flow.Owner)
)

func testKind(k flow.Kind, a flow.Audience) flow.Kind {
	return flow.Define(flow.Spec{Kind: k, Title: "test", Initial: flow.AwaitingCode, Start: "code sent", TTL: time.Hour, Audience: a,
		Steps: []flow.Step{{From: flow.AwaitingCode, To: flow.Done, On: "code accepted"}}}).Kind
}

type codesEnv struct {
	codes *flow.Codes
	st    *fake.Store
	clk   *fake.Clock
	n     int
}

func newCodes(p flow.CodePolicy) *codesEnv {
	e := &codesEnv{st: fake.NewStore(), clk: fake.NewClock(t0)}
	e.codes, _ = fake.Codes(e.st, e.clk.Now, p)
	return e
}

// newFlow returns a stored flow of the kind to dest.
func (e *codesEnv) newFlow(t *testing.T, k flow.Kind, dest string) *flow.Flow {
	t.Helper()
	e.n++
	ch := contact.ChannelSMS
	if dest[0] != '+' {
		ch = contact.ChannelEmail
	}
	now := e.clk.Now()
	f := &flow.Flow{ID: string(k) + string(rune('a'+e.n)), Kind: k, State: flow.AwaitingCode, Channel: ch, Destination: dest,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := e.st.CreateFlow(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	return f
}

// issue issues a code in a transaction, as the services do: a refusal by
// one limit takes back what the limits before it counted.
func (e *codesEnv) issue(f *flow.Flow, ip string) error {
	return e.st.Transact(context.Background(), func(ctx context.Context) error {
		_, _, err := e.codes.Issue(ctx, f, ip, e.clk.Now())
		return err
	})
}

func wantProblem(t *testing.T, err error, k problem.Kind, id string) *problem.Error {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || p.Kind != k || p.Message.ID != id {
		t.Fatalf("got %v, want %s %s", err, k, id)
	}
	return p
}

// TestOwnersCodesApart: a stranger's registration and recovery codes use
// up the number's "anyone" hour, never the owner's sign-in codes; the
// interval between two codes holds across both.
func TestOwnersCodesApart(t *testing.T) {
	p := fake.CodePolicy
	p.PerHour = 2
	e := newCodes(p)
	const to = "+79161234567"
	for i := range 2 {
		if err := e.issue(e.newFlow(t, signUp, to), ""); err != nil {
			t.Fatalf("stranger's code %d: %v", i, err)
		}
		e.clk.Advance(time.Minute)
	}
	wantProblem(t, e.issue(e.newFlow(t, restore, to), ""), problem.TooMany, "code.hourly_limit")
	signin := e.newFlow(t, secondStep, to)
	if err := e.issue(signin, ""); err != nil {
		t.Fatalf("the owner's sign-in code: %v", err)
	}
	e.clk.Advance(30 * time.Second)
	p2 := wantProblem(t, e.issue(e.newFlow(t, secondStep, to), ""), problem.TooMany, "code.interval")
	if !flow.IsInterval(p2) || p2.RetryAfter != 30*time.Second {
		t.Errorf("interval: %v after %v", p2, p2.RetryAfter)
	}
}

// TestPerAddressLimits: codes asked for from one network address, in 5
// minutes and in a day, whatever the numbers.
func TestPerAddressLimits(t *testing.T) {
	p := fake.CodePolicy
	p.PerIP5Min, p.PerIPDay = 3, 4
	e := newCodes(p)
	numbers := []string{"+79160000001", "+79160000002", "+79160000003", "+79160000004", "+79160000005"}
	for _, n := range numbers[:3] {
		if err := e.issue(e.newFlow(t, signUp, n), "203.0.113.7"); err != nil {
			t.Fatal(err)
		}
	}
	wantProblem(t, e.issue(e.newFlow(t, signUp, numbers[3]), "203.0.113.7"), problem.TooMany, "code.ip_burst")
	if err := e.issue(e.newFlow(t, signUp, numbers[3]), "198.51.100.1"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	e.clk.Advance(5 * time.Minute)
	if err := e.issue(e.newFlow(t, signUp, numbers[4]), "203.0.113.7"); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(5 * time.Minute)
	p2 := wantProblem(t, e.issue(e.newFlow(t, signUp, numbers[0]), "203.0.113.7"), problem.TooMany, "code.ip_limit")
	if p2.RetryAfter != 24*time.Hour-10*time.Minute {
		t.Errorf("day limit: retry after %v", p2.RetryAfter)
	}
}

// TestSMSBudgets: the deployment's budgets answer 503 (Unavailable), not
// the user's 429, and raise the alarm; a blocked range is refused; the
// longest prefix decides; e-mail passes no SMS budget.
func TestSMSBudgets(t *testing.T) {
	var reached []string
	p := fake.CodePolicy
	p.SMS = flow.SMSBudget{PerMinute: 3, Prefixes: []flow.PrefixBudget{
		{Prefix: "+", Max: 1, Window: time.Hour},
		{Prefix: "+7", Unlimited: true},
		{Prefix: "+7940", Max: 0},
	}, Reached: func(b string) { reached = append(reached, b) }}
	e := newCodes(p)

	wantProblem(t, e.issue(e.newFlow(t, signUp, "+79401234567"), ""), problem.Forbidden, "code.range_blocked")
	if err := e.issue(e.newFlow(t, signUp, "+37491234567"), ""); err != nil {
		t.Fatal(err)
	}
	p2 := wantProblem(t, e.issue(e.newFlow(t, signUp, "+37491234568"), ""), problem.Unavailable, "code.busy")
	if p2.RetryAfter < time.Hour {
		t.Errorf("range budget: retry after %v", p2.RetryAfter)
	}
	for _, n := range []string{"+79160000001", "+79160000002"} {
		if err := e.issue(e.newFlow(t, signUp, n), ""); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
	}
	wantProblem(t, e.issue(e.newFlow(t, signUp, "+79160000003"), ""), problem.Unavailable, "code.busy")
	if err := e.issue(e.newFlow(t, signUp, "maria@example.org"), ""); err != nil {
		t.Fatalf("e-mail held back by the SMS budget: %v", err)
	}
	if want := []string{"prefix +", "sms.minute"}; !slices.Equal(reached, want) {
		t.Errorf("alarms %v, want %v", reached, want)
	}
}

// TestVerify: a code needs sending first; attempts are counted before the
// comparison; a code works once; a save by another request in between
// makes the loser's extra attempt a Conflict, not "attempts used up".
func TestVerify(t *testing.T) {
	ctx := context.Background()
	e := newCodes(fake.CodePolicy)
	f := e.newFlow(t, signUp, "+79161234567")
	wantProblem(t, e.codes.Verify(ctx, f, "123456", e.clk.Now()), problem.Invalid, "form.invalid")

	code, token, err := e.codes.Issue(ctx, f, "", e.clk.Now())
	if err != nil || token != "" || len(code) != 6 {
		t.Fatalf("Issue: %q %q %v", code, token, err)
	}
	if err := e.st.UpdateFlow(ctx, f); err != nil {
		t.Fatal(err)
	}
	stale := *f // a second copy of the request, read before the save below
	if err := e.codes.Verify(ctx, f, code, e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	if f.CodeHash != nil || f.CodeAttempts != 1 {
		t.Errorf("after use: hash %v, attempts %d", f.CodeHash, f.CodeAttempts)
	}
	if err := e.st.UpdateFlow(ctx, f); err != nil {
		t.Fatal(err)
	}
	wantProblem(t, e.codes.Verify(ctx, &stale, code, e.clk.Now()), problem.Conflict, "flow.conflict")

	e.clk.Advance(5 * time.Minute)
	g := e.newFlow(t, signUp, "+79161234568")
	if _, _, err := e.codes.Issue(ctx, g, "", e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(300 * time.Second)
	wantProblem(t, e.codes.Verify(ctx, g, "123456", e.clk.Now()), problem.Expired, "code.expired")
}

// TestDecoyNeverMatches: the code of a decoy flow (a registration with a
// taken number, a recovery of an unknown login) is refused like a wrong
// one even when typed right, and so is its link.
func TestDecoyNeverMatches(t *testing.T) {
	ctx := context.Background()
	e := newCodes(fake.CodePolicy)
	for _, dest := range []string{"+79161234567", "maria@example.org"} {
		f := e.newFlow(t, signUp, dest)
		f.Decoy = true
		code, token, err := e.codes.Issue(ctx, f, "", e.clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := e.st.UpdateFlow(ctx, f); err != nil {
			t.Fatal(err)
		}
		p := wantProblem(t, e.codes.Verify(ctx, f, code, e.clk.Now()), problem.Invalid, "form.invalid")
		if m, _ := p.Field("code"); m.ID != "code.wrong" {
			t.Errorf("%s: %v", dest, m)
		}
		if token != "" {
			wantProblem(t, e.codes.VerifyLink(ctx, f, token, e.clk.Now()), problem.NotFound, "link.invalid")
		}
	}
}

// TestReplacedCode: after a resend, the previous code is answered "replaced
// by a newer one" rather than "wrong" (issue 10, 9); the attempt counts;
// the feature's own data is untouched by what the mechanics keep.
func TestReplacedCode(t *testing.T) {
	ctx := context.Background()
	e := newCodes(fake.CodePolicy)
	type data struct{ Name string }
	f := e.newFlow(t, signUp, "+79161234567")
	if err := f.SetData(data{Name: "Мария"}); err != nil {
		t.Fatal(err)
	}
	first, _, err := e.codes.Issue(ctx, f, "", e.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.UpdateFlow(ctx, f); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Minute)
	second, _, err := e.codes.Issue(ctx, f, "", e.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.UpdateFlow(ctx, f); err != nil {
		t.Fatal(err)
	}
	// The feature saves its data again: the mechanics' note stays.
	if err := f.SetData(data{Name: "Мария Ивановна"}); err != nil {
		t.Fatal(err)
	}
	if d, err := flow.DataOf[data](f); err != nil || d.Name != "Мария Ивановна" {
		t.Fatalf("data %+v, %v", d, err)
	}
	if first == second {
		t.Skip("the random codes coincided")
	}
	for _, tt := range []struct {
		code, want string
	}{
		{first, "code.replaced"},
		{wrongCode(second, first), "code.wrong"},
	} {
		p := wantProblem(t, e.codes.Verify(ctx, f, tt.code, e.clk.Now()), problem.Invalid, "form.invalid")
		if m, _ := p.Field("code"); m.ID != tt.want {
			t.Errorf("%s: %s, want %s", tt.code, m.ID, tt.want)
		}
	}
	if f.CodeAttempts != 2 {
		t.Errorf("attempts %d, want 2", f.CodeAttempts)
	}
	if err := e.codes.Verify(ctx, f, second, e.clk.Now()); err != nil {
		t.Fatalf("the newest code: %v", err)
	}
}

// wrongCode returns a well-formed code that is neither a nor b.
func wrongCode(a, b string) string {
	for _, c := range []string{"000000", "111111", "222222"} {
		if c != a && c != b {
			return c
		}
	}
	return "333333"
}
