package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/registry"
	"github.com/kabinet/kabinet/internal/registrysim"
	"github.com/kabinet/kabinet/internal/smssim"
	"github.com/kabinet/kabinet/internal/store"
	"github.com/kabinet/kabinet/internal/testenv"
)

// The figures of issue 11 §7 that the fault tests hold verification to.
const (
	faultCitizens  = 200                    // verifications, two checks each
	registryDelay  = 300 * time.Millisecond // each registry call, so that checks are in flight
	finishDeadline = 2 * time.Minute        // from the last (re)start to every verification finished
)

// TestVerificationAfterKill submits 200 verifications (400 checks) against
// the registry simulator answering each call after 300 ms, runs the built
// kabinet, kills it with SIGKILL twice while checks are in flight (after a
// third and two thirds of the calls) and restarts it on the same database.
// Every check must then be recorded exactly once (passed, one
// personal_data.checked event), every verification passed once (one
// personal_data.verified event, one verification_passed notification), every
// account standard, and the SMS gateway must have received one message per
// account, sent again at most as often as deliveries were under way at the
// kills. On SQLite and PostgreSQL.
func TestVerificationAfterKill(t *testing.T) {
	t.Parallel()
	bin := buildKabinet(t)
	t.Run("sqlite", func(t *testing.T) { verificationAfterKill(t, bin, "") })
	t.Run("postgres", func(t *testing.T) { verificationAfterKill(t, bin, testenv.NewPostgresDatabase(t)) })
}

func verificationAfterKill(t *testing.T, bin, dbURL string) {
	began := time.Now()
	reg, regURL := startRegistries(t, map[registry.ID]registrysim.Behaviour{registry.SFR: {Delay: registryDelay}, registry.MVD: {Delay: registryDelay}})
	gw, gwURL := startGateway(t)
	e := verificationEnv(t, bin, dbURL, regURL, gwURL)
	people := submitVerifications(t, e.getenv, 0, faultCitizens)
	st := openStore(t, dbURL, e.dataDir)
	defer st.Close()

	n := e.start()
	sending := 0
	for k, share := range []int{1, 2} {
		// Kill once a third (then two thirds) of the checks were asked.
		calls := share * 2 * faultCitizens / 3
		waitUntil(t, time.Minute, fmt.Sprintf("%d registry calls", calls), func() bool {
			s := reg.Stats()
			return s.Calls[registry.SFR]+s.Calls[registry.MVD] >= calls
		})
		e.kill(n)
		p := readProgress(t, st)
		sending += p.sending
		t.Logf("kill %d: %d checks recorded, %d pending (%d jobs running as River last recorded: in flight), %d notifications being sent, %d unsent",
			k+1, p.checks["passed"], p.checks["pending"], p.running, p.sending, p.unsent)
		if p.checks["pending"] == 0 || p.checks["passed"] == 0 {
			t.Errorf("kill %d: %d checks pending, %d recorded; want some of each", k+1, p.checks["pending"], p.checks["passed"])
		}
		n = e.start()
	}
	last := e.restarts[len(e.restarts)-1]
	took := waitFinished(t, st, last.Add(finishDeadline))
	t.Logf("every verification finished %v after the last restart", took.Round(time.Millisecond))
	exactlyOnce(t, st, people, gw, last.Add(finishDeadline))
	e.kill(n)

	stats := gw.Stats()
	logText, _ := os.ReadFile(e.logPath)
	r := reg.Stats()
	t.Logf("%d registry calls for %d checks (the kills cut some short); %d jobs taken back at the restarts; %d SMS sent again against %d deliveries under way at the kills; run %v",
		r.Calls[registry.SFR]+r.Calls[registry.MVD], 2*faultCitizens, strings.Count(string(logText), "took back a job"), stats.Repeats, sending, time.Since(began).Round(time.Second))
	if stats.Repeats > sending {
		t.Errorf("%d SMS were sent twice, more than the %d deliveries under way at a kill (%v)", stats.Repeats, sending, stats.Repeated)
	}
}

// TestVerificationOutage: the Ministry of Internal Affairs is down for
// three minutes (an outage window set through the simulator's PUT /control)
// while 50 verifications are pending. During it no check fails: the
// Social Fund's pass, the Ministry's wait; its circuit breaker opens
// (kabinet_registry_breaker_open{registry="mvd"} 1) so that most attempts
// never reach it; after a minute the waiting checks are counted stuck in
// /metrics and listed by `kabinet verifications --stuck`. Within a minute of
// the outage's end every verification has passed, once. On SQLite.
func TestVerificationOutage(t *testing.T) {
	t.Parallel()
	const citizens, outage = 50, 3 * time.Minute
	bin := buildKabinet(t)
	reg, regURL := startRegistries(t, nil)
	gw, gwURL := startGateway(t)
	e := verificationEnv(t, bin, "", regURL, gwURL, "KABINET_VERIFICATION_RETRY_MAX=15s", "KABINET_VERIFICATION_STUCK_AFTER=1m")
	people := submitVerifications(t, e.getenv, 1000, citizens)
	submitted := time.Now()
	end := time.Now().Add(outage)
	control := fmt.Sprintf(`{"mvd":{"outages":[{"from":%q,"to":%q}]}}`, time.Now().Add(-time.Second).UTC().Format(time.RFC3339Nano), end.UTC().Format(time.RFC3339Nano))
	req, _ := http.NewRequest(http.MethodPut, regURL+"/control", strings.NewReader(control))
	req.Header.Set("Authorization", "Bearer reg")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT /control: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	st := openStore(t, "", e.dataDir)
	defer st.Close()
	n := e.start()
	defer e.kill(n)

	var breakerOpen, listed bool
	var p progress
	for time.Until(end) > 3*time.Second {
		p = readProgress(t, st)
		if p.failed > 0 {
			t.Fatalf("%d checks failed during the outage", p.failed)
		}
		// A pass seen by a read that ended before the outage did happened
		// during it; one seen later may be the first after it (a loaded
		// machine can take seconds over a read), which proves nothing.
		if p.mvdPassed > 0 && time.Now().Before(end) {
			t.Fatalf("%d Ministry checks passed during its outage", p.mvdPassed)
		}
		m := e.metrics()
		breakerOpen = breakerOpen || m[`kabinet_registry_breaker_open{registry="mvd"}`] == 1
		if !listed && time.Since(submitted) > time.Minute+5*time.Second {
			listed = true
			if got := m["kabinet_verification_checks_stuck"]; got != citizens {
				t.Errorf("kabinet_verification_checks_stuck = %v a minute after %d Ministry checks began waiting, want %d", got, citizens, citizens)
			}
			var out bytes.Buffer
			if err := run(context.Background(), []string{"verifications", "--stuck", "--json"}, e.getenv, &out, io.Discard); err != nil {
				t.Fatal(err)
			}
			var stuck []stuckJSON
			if err := json.Unmarshal(out.Bytes(), &stuck); err != nil {
				t.Fatalf("verifications --stuck --json: %v\n%s", err, out.String())
			}
			waiting := 0
			for _, c := range stuck {
				if c.Registry == string(registry.MVD) && c.Job != "none" && c.Attempts > 0 && c.LastError != "" && c.AgeSeconds >= 60 {
					waiting++
				}
			}
			if waiting != citizens || len(stuck) != citizens {
				t.Errorf("verifications --stuck lists %d checks, %d of them Ministry checks waiting with a job and a last error; want %d", len(stuck), waiting, citizens)
			}
		}
		time.Sleep(time.Second)
	}
	if p.sfrPassed != citizens || p.checks["pending"] != citizens {
		t.Errorf("at the outage's end: %d Social Fund checks passed, %d checks pending; want %d and %d", p.sfrPassed, p.checks["pending"], citizens, citizens)
	}
	if !breakerOpen {
		t.Error(`kabinet_registry_breaker_open{registry="mvd"} never 1 during the outage`)
	}
	if !listed {
		t.Error("the outage ended before the checks were stuck: the test did not test")
	}
	// Every attempt without a breaker would have been a call.
	calls := reg.Stats().Calls[registry.MVD]
	attempts := p.mvdAttempts
	t.Logf("during the outage: %d calls reached the Ministry for %d attempts of %d checks", calls, attempts, citizens)
	if calls*4 > attempts {
		t.Errorf("%d calls reached the Ministry for %d attempts: the circuit breaker did not stop them", calls, attempts)
	}

	took := waitFinished(t, st, end.Add(time.Minute))
	t.Logf("every verification finished %v after the outage; run %v", took.Round(time.Millisecond), time.Since(submitted).Round(time.Second))
	exactlyOnce(t, st, people, gw, time.Now().Add(30*time.Second))
}

// TestVerificationTwoNodes: two kabinet processes (their own ports and
// data directories) on one PostgreSQL database work 200 verifications
// submitted while both run. Each registry question is asked exactly once
// (the simulator counts them by SNILS and by passport), each check and
// verification recorded once and each citizen told once, and both nodes
// took part.
func TestVerificationTwoNodes(t *testing.T) {
	t.Parallel()
	bin := buildKabinet(t)
	dbURL := testenv.NewPostgresDatabase(t)
	began := time.Now()
	reg, regURL := startRegistries(t, map[registry.ID]registrysim.Behaviour{registry.SFR: {Delay: registryDelay}, registry.MVD: {Delay: registryDelay}})
	gw, gwURL := startGateway(t)
	a := verificationEnv(t, bin, dbURL, regURL, gwURL)
	b := verificationEnv(t, bin, dbURL, regURL, gwURL)
	// One after the other: the first migrates the database.
	na := a.start()
	defer a.kill(na)
	nb := b.start()
	defer b.kill(nb)
	submitting := time.Now()
	people := submitVerifications(t, a.getenv, 2000, faultCitizens)
	st := openStore(t, dbURL, a.dataDir)
	defer st.Close()
	waitFinished(t, st, time.Now().Add(finishDeadline))
	took := time.Since(submitting)
	exactlyOnce(t, st, people, gw, time.Now().Add(time.Minute))

	r := reg.Stats()
	if len(r.Failed) > 0 {
		t.Errorf("registry calls failed: %v", r.Failed)
	}
	for _, p := range people {
		for _, q := range []string{"sfr:" + p.SNILS, "mvd:" + p.Passport} {
			if n := r.Answered[q]; n != 1 {
				t.Errorf("%s asked %d times, want once", p.AccountID, n)
			}
		}
	}
	if r.Calls[registry.SFR] != faultCitizens || r.Calls[registry.MVD] != faultCitizens {
		t.Errorf("registry calls %v, want %d each", r.Calls, faultCitizens)
	}
	if s := gw.Stats(); s.Repeats > 0 {
		t.Errorf("%d SMS sent twice: %v", s.Repeats, s.Repeated)
	}
	// Which node ran each verification's job, by River's record of its attempts.
	byNode := map[string]int{}
	rows, err := st.DB().Query(`SELECT attempted_by[array_length(attempted_by, 1)], count(*) FROM river_job WHERE kind = 'verification.run' GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var node string
		var n int
		if err := rows.Scan(&node, &n); err != nil {
			t.Fatal(err)
		}
		byNode[node] = n
	}
	rows.Close()
	ids := []string{nodeID(t, a.dataDir), nodeID(t, b.dataDir)}
	t.Logf("verifications run by node: %s %d, %s %d; every verification finished %v after the first submission (the nodes worked while the test submitted); run %v",
		ids[0], byNode[ids[0]], ids[1], byNode[ids[1]], took.Round(time.Millisecond), time.Since(began).Round(time.Second))
	if byNode[ids[0]] == 0 || byNode[ids[1]] == 0 || byNode[ids[0]]+byNode[ids[1]] != faultCitizens {
		t.Errorf("verifications by node %v, want both nodes (%v) to share all %d (one job each)", byNode, ids, faultCitizens)
	}
}

// startRegistries runs the registry simulator in this process over real
// HTTP, in demo mode (anyone it does not know matches), token "reg".
func startRegistries(t *testing.T, behaviour map[registry.ID]registrysim.Behaviour) (*registrysim.Server, string) {
	t.Helper()
	sim, err := registrysim.New(registrysim.Config{Demo: true, Token: "reg", Behaviour: behaviour})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv.URL
}

// startGateway runs the SMS gateway simulator, token "gw", answering 50 ms
// after it records a message so that a kill may land in between.
func startGateway(t *testing.T) (*smssim.Server, string) {
	t.Helper()
	sim := smssim.New(smssim.Config{Token: "gw", ReplyDelay: 50 * time.Millisecond})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv.URL
}

func verificationEnv(t *testing.T, bin, dbURL, regURL, gwURL string, vars ...string) *crashEnv {
	return newCrashEnv(t, bin, dbURL, append([]string{
		"KABINET_REGISTRY_URL=" + regURL,
		"KABINET_REGISTRY_TOKEN=reg",
		"KABINET_SMS_GATEWAY_URL=" + gwURL + "/send",
		"KABINET_SMS_GATEWAY_TOKEN=gw",
		"KABINET_ARGON2_MEMORY_KIB=8192",
	}, vars...)...)
}

// progress is where the checks stand in the database.
type progress struct {
	checks                       map[string]int // by state
	failed, sfrPassed, mvdPassed int
	mvdAttempts                  int // attempts of the Ministry's checks
	running                      int // check jobs running
	pendingVerifications         int
	sending, unsent              int // notifications
}

func readProgress(t *testing.T, st *store.Store) progress {
	t.Helper()
	p := progress{checks: map[string]int{}}
	rows, err := st.DB().Query(`SELECT registry, state, count(*), sum(attempts) FROM verification_checks GROUP BY registry, state`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var reg, state string
		var n, attempts int
		if err := rows.Scan(&reg, &state, &n, &attempts); err != nil {
			t.Fatal(err)
		}
		p.checks[state] += n
		switch {
		case state == "failed":
			p.failed += n
		case state == "passed" && reg == string(registry.SFR):
			p.sfrPassed += n
		case state == "passed" && reg == string(registry.MVD):
			p.mvdPassed += n
		}
		if reg == string(registry.MVD) {
			p.mvdAttempts += attempts
		}
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	q := func(query string, dest *int) {
		if err := st.DB().QueryRow(query).Scan(dest); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	q(`SELECT count(*) FROM river_job WHERE kind = 'verification.run' AND state = 'running'`, &p.running)
	q(`SELECT count(*) FROM verifications WHERE state = 'pending'`, &p.pendingVerifications)
	q(`SELECT count(*) FROM notifications WHERE status = 'sending'`, &p.sending)
	q(`SELECT count(*) FROM notifications WHERE status NOT IN ('sent', 'failed')`, &p.unsent)
	return p
}

// waitFinished waits until no verification is pending, at most until
// deadline, and returns how long it waited.
func waitFinished(t *testing.T, st *store.Store, deadline time.Time) time.Duration {
	t.Helper()
	began := time.Now()
	for {
		p := readProgress(t, st)
		if p.pendingVerifications == 0 {
			return time.Since(began)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d verifications still pending at the deadline; checks by state %v", p.pendingVerifications, p.checks)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitUntil polls cond every 20 ms until it holds, failing after timeout.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// exactlyOnce checks that each of people's verifications was done exactly
// once: both checks passed, each with one personal_data.checked event; the
// verification passed with one personal_data.verified event; the account
// standard; one verification_passed notification, which reached the SMS
// gateway (by deadline) as one message.
func exactlyOnce(t *testing.T, st *store.Store, people []seeded, gw *smssim.Server, deadline time.Time) {
	t.Helper()
	events := map[string]map[string]int{} // action → check or verification ID → events
	rows, err := st.DB().Query(`SELECT action, details FROM audit_events WHERE action IN ('personal_data.checked', 'personal_data.verified', 'personal_data.verification_failed')`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var action, details string
		if err := rows.Scan(&action, &details); err != nil {
			t.Fatal(err)
		}
		var d map[string]string
		if err := json.Unmarshal([]byte(details), &d); err != nil {
			t.Fatal(err)
		}
		key := d["verification"]
		if action == "personal_data.checked" {
			key = d["check"]
		}
		if events[action] == nil {
			events[action] = map[string]int{}
		}
		events[action][key]++
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(events["personal_data.verification_failed"]); n > 0 {
		t.Errorf("%d verifications failed", n)
	}
	states := func(query string) map[string]string {
		out := map[string]string{}
		rows, err := st.DB().Query(query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, state string
			if err := rows.Scan(&id, &state); err != nil {
				t.Fatal(err)
			}
			out[id] = state
		}
		return out
	}
	checks := states(`SELECT id, state FROM verification_checks`)
	verOf := states(`SELECT account_id, id FROM verifications`) // one each
	vers := states(`SELECT id, state FROM verifications`)
	levels := states(`SELECT id, level FROM accounts`)
	notes := states(`SELECT account_id, count(*) FROM notifications WHERE template = 'verification_passed' GROUP BY account_id`)
	bad := 0
	for _, p := range people {
		var wrong []string
		for _, c := range p.Checks {
			if checks[c] != "passed" || events["personal_data.checked"][c] != 1 {
				wrong = append(wrong, fmt.Sprintf("check %s %s with %d events", c, checks[c], events["personal_data.checked"][c]))
			}
		}
		v := verOf[p.AccountID]
		if vers[v] != "passed" || events["personal_data.verified"][v] != 1 {
			wrong = append(wrong, fmt.Sprintf("verification %s %s with %d events", v, vers[v], events["personal_data.verified"][v]))
		}
		if levels[p.AccountID] != "standard" {
			wrong = append(wrong, "level "+levels[p.AccountID])
		}
		if notes[p.AccountID] != "1" {
			wrong = append(wrong, fmt.Sprintf("%s verification_passed notifications", notes[p.AccountID]))
		}
		if len(wrong) > 0 {
			if bad++; bad <= 10 {
				t.Errorf("%s: %s", p.AccountID, strings.Join(wrong, "; "))
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d accounts not verified exactly once", bad, len(people))
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	for _, p := range people {
		if _, err := gw.WaitFor(ctx, p.Phone, time.Time{}); err != nil {
			t.Fatalf("%s: no SMS by the deadline: %v", p.AccountID, err)
		}
		if n := len(gw.Messages(p.Phone)); n != 1 {
			t.Errorf("%s: %d SMS, want one", p.AccountID, n)
		}
	}
}

// metrics reads kabinet's /metrics: each sample by its name and labels.
func (e *crashEnv) metrics() map[string]float64 {
	e.t.Helper()
	resp, err := e.client.Get(e.base + "/metrics")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		i := strings.LastIndexByte(line, ' ')
		if strings.HasPrefix(line, "#") || i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

func nodeID(t *testing.T, dataDir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "node-id"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
