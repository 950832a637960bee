package app_test

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/app"
	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/testenv"
)

// copies is how many identical, correct submissions of one step arrive at
// once in the race tests: a double click is two, an attacker many more.
const copies = 50

// race sends the same request copies times at once, spread over the given
// nodes, and returns the answers.
func race(t *testing.T, nodes []*harness, method, path string, body any) []response {
	t.Helper()
	out := make([]response, copies)
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for i := range copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = nodes[i%len(nodes)].api(method, path, "", body)
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// exactlyOne checks that one copy succeeded with want and that every other
// copy lost clearly: 409 (another copy did it first), or 429 for a copy
// counted past the code's attempt limit before the winner saved.
func exactlyOne(t *testing.T, step string, rs []response, want int) response {
	t.Helper()
	var won []response
	for _, r := range rs {
		switch {
		case r.Status == want:
			won = append(won, r)
		case r.Status == 409 && (r.str("code") == "flow.conflict" || r.str("code") == "flow.wrong_step" || r.str("code") == "code.used" || r.str("code") == "registration.raced"):
		case r.Status == 429 && r.str("code") == "code.attempts":
		case r.Status == 503 && r.str("code") == "server.busy" && !strings.Contains(r.str("message"), "no value"):
			// 50 password steps at once fill the hashing queue: the excess is
			// refused at once, which is a loss too.
		default:
			t.Errorf("%s: a losing copy got %d %s", step, r.Status, r.Raw)
		}
	}
	if len(won) != 1 {
		t.Fatalf("%s: %d of %d identical submissions succeeded, want exactly 1", step, len(won), len(rs))
	}
	return won[0]
}

// singleUseSteps submits every step of registration, the second sign-in
// step and recovery copies times at once, and checks each works once.
func singleUseSteps(t *testing.T, nodes []*harness) {
	h := nodes[0]
	const phone = "+79161230001"
	r := h.api("POST", "/api/v1/registrations", "", map[string]any{"surname": "Иванов", "name": "Иван", "phone": phone, "accept_terms": true})
	if r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Raw)
	}
	reg := r.str("id")
	code := h.lastCode(phone)
	h.clock.Add(time.Minute) // the next code to this number: a minute later
	exactlyOne(t, "registration code", race(t, nodes, "POST", "/api/v1/registrations/"+reg+"/confirm", map[string]string{"code": code}), 200)
	// A used code stays used, right or wrong.
	for _, c := range []string{code, "000000"} {
		if r := h.api("POST", "/api/v1/registrations/"+reg+"/confirm", "", map[string]string{"code": c}); r.Status != 409 || r.str("code") != "code.used" {
			t.Errorf("used code %s again: %d %s", c, r.Status, r.Raw)
		}
	}
	won := exactlyOne(t, "registration password", race(t, nodes, "POST", "/api/v1/registrations/"+reg+"/password",
		map[string]string{"password": goodPassword, "password_confirmation": goodPassword}), 201)
	me := h.api("GET", "/api/v1/me", won.str("session_token"), nil)
	accountID := me.str("id")
	if accountID == "" {
		t.Fatalf("me: %d %s", me.Status, me.Raw)
	}
	sessions := func() int {
		list, err := h.app.Store.Sessions().ListSessions(context.Background(), accountID, h.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	if n := sessions(); n != 1 {
		t.Fatalf("after registration: %d sessions", n)
	}

	r = h.api("POST", "/api/v1/sessions", "", map[string]string{"login": phone, "password": goodPassword})
	if r.Status != 202 {
		t.Fatalf("sign-in: %d %s", r.Status, r.Raw)
	}
	exactlyOne(t, "sign-in code", race(t, nodes, "POST", "/api/v1/sessions/"+r.str("id")+"/confirm", map[string]string{"code": h.lastCode(phone)}), 201)
	if n := sessions(); n != 2 {
		t.Errorf("one second-step code opened %d sessions", n-1)
	}

	h.clock.Add(time.Minute)
	r = h.api("POST", "/api/v1/password-recovery", "", map[string]string{"login": phone})
	if r.Status != 202 {
		t.Fatalf("recovery: %d %s", r.Status, r.Raw)
	}
	rec := r.str("id")
	exactlyOne(t, "recovery code", race(t, nodes, "POST", "/api/v1/password-recovery/"+rec+"/confirm", map[string]string{"code": h.lastCode(phone)}), 200)
	before := h.messagesTo(phone)
	const newPassword = "Osen-2026?novyi"
	exactlyOne(t, "recovery password", race(t, nodes, "POST", "/api/v1/password-recovery/"+rec+"/password",
		map[string]string{"password": newPassword, "password_confirmation": newPassword}), 201)
	if n := h.messagesTo(phone) - before; n != 1 {
		t.Errorf("one recovery sent %d «password changed» messages", n)
	}
	if n := sessions(); n != 1 {
		t.Errorf("after recovery: %d sessions, want only the new one", n)
	}
}

// TestEveryStepWorksOnce: 50 identical correct submissions of each step
// give one success (SQLite, or PostgreSQL with KABINET_TEST_ENGINE=postgres).
func TestEveryStepWorksOnce(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.Codes.PerIPDay = 1000 })
	singleUseSteps(t, []*harness{h})
}

// TestEveryStepWorksOnceOnTwoNodes: the same across two nodes sharing one
// PostgreSQL database.
func TestEveryStepWorksOnceOnTwoNodes(t *testing.T) {
	url := testenv.NewPostgresDatabase(t)
	secret := "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="
	clk := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	var nodes []*harness
	for range 2 {
		cfg := config.Defaults()
		cfg.Storage.DataDir, cfg.Storage.DatabaseURL, cfg.Keys.Secret, cfg.Log.Level = t.TempDir(), url, secret, "error"
		cfg.Codes.PerIPDay = 1000
		a, err := app.New(context.Background(), cfg, app.Options{Now: clk.Now, HashParams: &password.TestParams, NoJobs: true,
			Logger: app.NewLogger(cfg, io.Discard)})
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, serve(t, a, clk))
	}
	singleUseSteps(t, nodes)
}
