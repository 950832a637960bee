package app_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/config"
)

const owner = "+79161234567"

func (h *harness) signIn(login, pw, device string) response {
	h.t.Helper()
	return h.api("POST", "/api/v1/sessions", "", map[string]string{"login": login, "password": pw, "device_token": device})
}

func (h *harness) registerAttempt(phone string) response {
	h.t.Helper()
	return h.api("POST", "/api/v1/registrations", "", map[string]any{"surname": "Чужой", "name": "Некто", "phone": phone, "accept_terms": true})
}

func (h *harness) templatesTo(to, template string) int {
	h.t.Helper()
	list, err := h.app.Store.Notifications().ListNotifications(h.t.Context(), 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	n := 0
	for _, r := range list {
		if r.To == to && r.Template == template {
			n++
		}
	}
	return n
}

func retryAfter(t *testing.T, r response) time.Duration {
	t.Helper()
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || secs <= 0 {
		t.Fatalf("no Retry-After on %d %s", r.Status, r.Raw)
	}
	return time.Duration(secs) * time.Second
}

// TestStrangersCannotLockTheOwnerOut: whatever a stranger does with the
// owner's number without the password — registrations, recoveries, wrong
// passwords — the owner still signs in (their sign-in codes have their own
// budget; their own browser is not locked), can recover within an hour, and
// a completed recovery ends the lock.
func TestStrangersCannotLockTheOwnerOut(t *testing.T) {
	h := newHarness(t, nil)
	h.register(owner, goodPassword)
	// The owner signs in once in their own browser: it gets a device token.
	r := h.signIn(owner, goodPassword, "")
	done := h.api("POST", "/api/v1/sessions/"+r.str("id")+"/confirm", "", map[string]string{"code": h.lastCode(owner)})
	device := done.str("device_token")
	if done.Status != 201 || device == "" {
		t.Fatalf("owner's sign-in: %d %s", done.Status, done.Raw)
	}

	// A stranger: registrations and recoveries with the number, a minute apart.
	refused := 0
	for i := range 20 {
		h.clock.Add(time.Minute)
		var r response
		if i%2 == 0 {
			r = h.registerAttempt("8 916 123-45-67")
		} else {
			r = h.api("POST", "/api/v1/password-recovery", "", map[string]string{"login": owner})
		}
		switch {
		case r.Status == 429 && r.str("code") == "code.hourly_limit":
			refused++
			if wait := retryAfter(t, r); wait > time.Hour {
				t.Errorf("a stranger's requests hold the number for %v", wait)
			}
		case r.Status != 201 && r.Status != 202:
			t.Fatalf("stranger's request %d: %d %s", i, r.Status, r.Raw)
		}
	}
	if refused == 0 {
		t.Error("20 requests for codes to one number in 20 minutes were all allowed")
	}
	if n := h.templatesTo(owner, "registration_taken"); n != 1 {
		t.Errorf("the owner got %d «someone tried to register» notices in 20 minutes, want 1", n)
	}
	// … and five wrong passwords from an unknown browser.
	for i := range 5 {
		r = h.signIn(owner, "Wrong-pass-"+strconv.Itoa(i), "")
	}
	if r.Status != 429 || r.str("code") != "signin.locked" {
		t.Fatalf("five wrong passwords: %d %s", r.Status, r.Raw)
	}

	// The owner, in their own browser, signs in with the password and an SMS
	// code (a minute after the stranger's last code: the number's interval).
	h.clock.Add(time.Minute)
	r = h.signIn(owner, goodPassword, device)
	if r.Status != 202 {
		t.Fatalf("owner's browser after the stranger: %d %s", r.Status, r.Raw)
	}
	if r := h.api("POST", "/api/v1/sessions/"+r.str("id")+"/confirm", "", map[string]string{"code": h.lastCode(owner)}); r.Status != 201 {
		t.Fatalf("owner's code: %d %s", r.Status, r.Raw)
	}
	// From a new browser the login is locked, and recovery waits for at
	// most the hour the stranger's codes count in.
	if r = h.signIn(owner, goodPassword, ""); r.Status != 429 {
		t.Fatalf("new browser during the lock: %d %s", r.Status, r.Raw)
	}
	h.clock.Add(time.Minute)
	rec := h.api("POST", "/api/v1/password-recovery", "", map[string]string{"login": owner})
	if rec.Status == 429 {
		wait := retryAfter(t, rec)
		if wait > time.Hour {
			t.Fatalf("recovery blocked for %v", wait)
		}
		h.clock.Add(wait)
		rec = h.api("POST", "/api/v1/password-recovery", "", map[string]string{"login": owner})
	}
	if rec.Status != 202 {
		t.Fatalf("owner's recovery: %d %s", rec.Status, rec.Raw)
	}
	id := rec.str("id")
	if r = h.api("POST", "/api/v1/password-recovery/"+id+"/confirm", "", map[string]string{"code": h.lastCode(owner)}); r.Status != 200 {
		t.Fatalf("recovery code: %d %s", r.Status, r.Raw)
	}
	const newPassword = "Osen-2026?novyi"
	if r = h.api("POST", "/api/v1/password-recovery/"+id+"/password", "", map[string]string{"password": newPassword, "password_confirmation": newPassword}); r.Status != 201 {
		t.Fatalf("recovery password: %d %s", r.Status, r.Raw)
	}
	// The recovery ended the lock: a new browser signs in at once.
	h.clock.Add(time.Minute)
	if r = h.signIn(owner, newPassword, ""); r.Status != 202 {
		t.Errorf("after recovery: %d %s", r.Status, r.Raw)
	}
}

// TestPasswordGuessing: at most 5 checks per login in any 15 minutes from
// unknown browsers (rolling, not a fixed window), a warning before the lock,
// locks that double per episode up to 2 hours and are not extended by
// hammering, one notice to the owner per episode, and the password
// suspended after 100 consecutive failures until recovery.
func TestPasswordGuessing(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.SignIn.SecondStep = false })
	h.register(owner, goodPassword)
	wrong := func() response { return h.signIn(owner, "Wrong-pass-1", "") }

	// Rolling: one failure, then three 14 min 59 s later; at 15 min 1 s the
	// first has left the window, and two more fill it again.
	if r := wrong(); r.Status != 401 {
		t.Fatalf("first failure: %d %s", r.Status, r.Raw)
	}
	h.clock.Add(14*time.Minute + 59*time.Second)
	for i := 2; i <= 4; i++ {
		r := wrong()
		if r.Status != 401 {
			t.Fatalf("failure %d: %d %s", i, r.Status, r.Raw)
		}
		if i == 3 && (r.str("code") != "signin.wrong_left" || !strings.Contains(r.str("message"), "Осталось 2 попытки")) {
			t.Errorf("third failure does not warn: %s", r.Raw)
		}
		if i == 4 && !strings.Contains(r.str("message"), "Осталась 1 попытка") {
			t.Errorf("fourth failure: %s", r.Raw)
		}
	}
	h.clock.Add(2 * time.Second)
	if r := wrong(); r.Status != 401 {
		t.Fatalf("the first failure should have left the window: %d %s", r.Status, r.Raw)
	}

	// Episodes: 15 min, 30 min, 1 h, 2 h, 2 h.
	r := wrong()
	for ep, want := range []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 2 * time.Hour} {
		if r.Status != 429 || r.str("code") != "signin.locked" {
			t.Fatalf("episode %d: %d %s", ep+1, r.Status, r.Raw)
		}
		if got := retryAfter(t, r); got < want-2*time.Second || got > want {
			t.Errorf("episode %d locks for %v, want %v", ep+1, got, want)
		}
		// Hammering during the lock neither succeeds nor extends it.
		h.clock.Add(time.Minute)
		if r := h.signIn(owner, goodPassword, ""); r.Status != 429 || retryAfter(t, r) > want-time.Minute {
			t.Fatalf("episode %d: the right password during the lock: %d %s", ep+1, r.Status, r.Raw)
		}
		h.clock.Add(want - time.Minute)
		for range 5 {
			r = wrong()
		}
	}
	if n := h.templatesTo(owner, "signin_locked"); n != 6 {
		t.Errorf("%d lock notices for 6 episodes", n)
	}

	// Suspension at 100 consecutive failures (30 so far).
	for failures := 30; failures < 100; {
		h.clock.Add(2 * time.Hour)
		for range 5 {
			if r = wrong(); r.Status == 403 {
				break
			}
			failures++
		}
		if r.Status == 403 {
			break
		}
	}
	if r.Status != 403 || r.str("code") != "signin.suspended" {
		t.Fatalf("after 100 failures: %d %s", r.Status, r.Raw)
	}
	h.clock.Add(3 * time.Hour)
	if r = h.signIn(owner, goodPassword, ""); r.Status != 403 {
		t.Errorf("suspended password accepted from a new browser: %d %s", r.Status, r.Raw)
	}
	if n := h.templatesTo(owner, "signin_suspended"); n != 1 {
		t.Errorf("%d suspension notices", n)
	}
}

// TestCredentialStuffing: one address trying many logins gets 429 from its
// 21st failure in a minute, and causes at most 200 hash computations in 10
// minutes.
func TestCredentialStuffing(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.SignIn.SecondStep = false })
	login := func(i int) string { return "+7916" + strconv.Itoa(1000000+i) }
	hashed := 0
	for minute := range 11 {
		for i := range 21 {
			r := h.signIn(login(minute*100+i), "Wrong-pass-1", "")
			switch {
			case r.Status == 401:
				hashed++
			case r.Status == 429 && r.str("code") == "signin.ip_limit":
				if i < 20 && hashed < 200 {
					t.Fatalf("minute %d, attempt %d refused early: %s", minute, i+1, r.Raw)
				}
			default:
				t.Fatalf("minute %d, attempt %d: %d %s", minute, i+1, r.Status, r.Raw)
			}
			if i == 20 && r.Status != 429 {
				t.Fatalf("minute %d: the 21st failure got %d", minute, r.Status)
			}
		}
		if minute == 9 && hashed != 200 {
			t.Fatalf("%d hashes in the first 10 minutes, want 200", hashed)
		}
		h.clock.Add(time.Minute)
	}
}

// TestSMSPumping: codes to one number at least a minute apart and at most
// 5 an hour; at most 25 from one address in 5 minutes; deployment-wide
// budgets per minute and per number range answer 503 and are counted.
func TestSMSPumping(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Codes.SMSPerMinute = 40
		c.Codes.SMSPrefixes, _ = config.ParsePrefixBudgets("+79=none,+=2/1h,+380=0")
	})
	const victim = "+79031112233"
	if r := h.registerAttempt(victim); r.Status != 201 {
		t.Fatalf("first code: %d %s", r.Status, r.Raw)
	}
	r := h.registerAttempt(victim)
	if r.Status != 429 || r.str("code") != "code.interval" || retryAfter(t, r) > time.Minute {
		t.Fatalf("second code at once: %d %s", r.Status, r.Raw)
	}
	for i := 2; i <= 6; i++ {
		h.clock.Add(time.Minute)
		r = h.registerAttempt(victim)
		if i <= 5 && r.Status != 201 {
			t.Fatalf("code %d: %d %s", i, r.Status, r.Raw)
		}
	}
	if r.Status != 429 || r.str("code") != "code.hourly_limit" {
		t.Fatalf("sixth code in an hour: %d %s", r.Status, r.Raw)
	}
	if n := h.messagesTo(victim); n != 5 {
		t.Errorf("%d SMS to one number in an hour", n)
	}

	// One address, many numbers: 25 in 5 minutes.
	h.clock.Add(10 * time.Minute)
	for i := 1; i <= 26; i++ {
		r = h.registerAttempt("+7903200" + strconv.Itoa(1000+i))
		if i <= 25 && r.Status != 201 {
			t.Fatalf("number %d: %d %s", i, r.Status, r.Raw)
		}
	}
	if r.Status != 429 || r.str("code") != "code.ip_burst" {
		t.Fatalf("26th number in 5 minutes: %d %s", r.Status, r.Raw)
	}

	// Deployment-wide: foreign numbers share 2 an hour; +380 is refused.
	h.clock.Add(10 * time.Minute)
	for i, phone := range []string{"+375291234561", "+375291234562", "+375291234563"} {
		r = h.registerAttempt(phone)
		if i < 2 && r.Status != 201 {
			t.Fatalf("foreign number %d: %d %s", i+1, r.Status, r.Raw)
		}
	}
	if r.Status != 503 || r.str("code") != "code.busy" || retryAfter(t, r) > time.Hour {
		t.Fatalf("third foreign number in an hour: %d %s", r.Status, r.Raw)
	}
	if r = h.registerAttempt("+380501234567"); r.Status != 403 || r.str("code") != "code.range_blocked" {
		t.Fatalf("a refused range: %d %s", r.Status, r.Raw)
	}
	res, body := h.browser().get("/metrics")
	if res.StatusCode != 200 || !strings.Contains(body, `kabinet_sms_budget_reached_total{budget="prefix +"} 1`) {
		t.Errorf("the budget metric: %d\n%s", res.StatusCode, grepLines(body, "kabinet_sms_budget"))
	}
}

// TestSMSBudget: the deployment's SMS per minute, from many addresses.
func TestSMSBudget(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Codes.SMSPerMinute = 3
		c.Server.TrustedProxies = []string{"127.0.0.1/32"}
	})
	var r response
	for i := 1; i <= 4; i++ {
		r = h.apiFrom("10.0.0."+strconv.Itoa(i), "POST", "/api/v1/registrations",
			map[string]any{"surname": "Петров", "name": "Пётр", "phone": "+7903300" + strconv.Itoa(1000+i), "accept_terms": true})
		if i <= 3 && r.Status != 201 {
			t.Fatalf("SMS %d: %d %s", i, r.Status, r.Raw)
		}
	}
	if r.Status != 503 || r.str("code") != "code.busy" || retryAfter(t, r) > time.Minute {
		t.Fatalf("fourth SMS in a minute: %d %s", r.Status, r.Raw)
	}
	res, body := h.browser().get("/metrics")
	if res.StatusCode != 200 || !strings.Contains(body, `kabinet_sms_budget_reached_total{budget="sms.minute"} 1`) {
		t.Errorf("the budget metric: %d\n%s", res.StatusCode, grepLines(body, "kabinet_sms_budget"))
	}
	h.clock.Add(time.Minute)
	if r = h.apiFrom("10.0.0.9", "POST", "/api/v1/registrations",
		map[string]any{"surname": "Петров", "name": "Пётр", "phone": "+79033009999", "accept_terms": true}); r.Status != 201 {
		t.Errorf("a minute later: %d %s", r.Status, r.Raw)
	}
}

// TestSignInRightAfterAnotherCode: a sign-in seconds after the number got
// another code (the one that registered it) keeps its step open with no
// code yet, instead of sending the person back to type the password again;
// the code is asked for once the number's minute is over.
func TestSignInRightAfterAnotherCode(t *testing.T) {
	h := newHarness(t, nil)
	r := h.api("POST", "/api/v1/registrations", "", map[string]any{"surname": "Иванов", "name": "Иван", "phone": owner, "accept_terms": true})
	id := r.str("id")
	h.api("POST", "/api/v1/registrations/"+id+"/confirm", "", map[string]string{"code": h.lastCode(owner)})
	if r = h.api("POST", "/api/v1/registrations/"+id+"/password", "", map[string]string{"password": goodPassword, "password_confirmation": goodPassword}); r.Status != 201 {
		t.Fatalf("registration: %d %s", r.Status, r.Raw)
	}
	r = h.signIn(owner, goodPassword, "")
	if r.Status != 202 || r.Body["code_sent"] != false {
		t.Fatalf("sign-in seconds after the registration's code: %d %s", r.Status, r.Raw)
	}
	step := "/api/v1/sessions/" + r.str("id")
	if c := h.api("POST", step+"/confirm", "", map[string]string{"code": "123456"}); c.Status != 422 || c.fieldCode("code") != "code.not_sent" {
		t.Errorf("a code before any was sent: %d %s", c.Status, c.Raw)
	}
	if c := h.api("POST", step+"/resend", "", nil); c.Status != 429 || c.str("code") != "code.interval" {
		t.Errorf("resend within the minute: %d %s", c.Status, c.Raw)
	}
	h.clock.Add(time.Minute)
	if c := h.api("POST", step+"/resend", "", nil); c.Status != 200 || c.Body["code_sent"] != true {
		t.Fatalf("resend after the minute: %d %s", c.Status, c.Raw)
	}
	if c := h.api("POST", step+"/confirm", "", map[string]string{"code": h.lastCode(owner)}); c.Status != 201 {
		t.Errorf("the code: %d %s", c.Status, c.Raw)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
