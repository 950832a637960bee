package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/loadgen"
	"github.com/kabinet/kabinet/internal/password"
)

func TestBenchPhonesAreDistinctMobiles(t *testing.T) {
	seen := map[string]bool{}
	check := func(n uint64) {
		p := Phone(n)
		got, err := contact.ParsePhone(p)
		if err != nil {
			t.Fatalf("Phone(%d) = %s: %v", n, p, err)
		}
		if string(got) != p {
			t.Fatalf("Phone(%d) = %s, normalised to %s", n, p, got)
		}
		if seen[p] {
			t.Fatalf("Phone(%d) = %s repeats", n, p)
		}
		seen[p] = true
	}
	for n := range uint64(2000) {
		check(n)
	}
	for i := range len(mobilePrefixes) { // every prefix, at both ends of its range
		check(uint64(i)*10_000_000 + 9_999_999)
		check(uint64(i)*10_000_000 + 5_000_000)
	}
}

func TestClientAddrs(t *testing.T) {
	seen := map[string]bool{}
	for _, n := range []uint64{0, 1, 253, 254, 255, 65535, 254 * 256, 254*65536 - 1} {
		a := clientAddr(n)
		if seen[a] {
			t.Fatalf("clientAddr(%d) = %s repeats", n, a)
		}
		seen[a] = true
	}
	for n := range uint64(100_000) {
		a := clientAddr(n)
		if !strings.HasPrefix(a, "10.") || strings.HasSuffix(a, ".0") || strings.HasSuffix(a, ".255") {
			t.Fatalf("clientAddr(%d) = %s", n, a)
		}
		seen[a] = true
	}
	if len(seen) < 100_000 {
		t.Fatalf("only %d distinct addresses", len(seen))
	}
	if clientAddr(0) != "10.0.0.1" || clientAddr(254) != "10.0.1.1" {
		t.Errorf("clientAddr(0), (254) = %s, %s", clientAddr(0), clientAddr(254))
	}
}

func TestBenchPasswordIsAccepted(t *testing.T) {
	for i := range len(benchSurnames) * len(benchNames) {
		s, n := benchSurnames[i%len(benchSurnames)], benchNames[i/len(benchSurnames)%len(benchNames)]
		ph := Phone(uint64(i))
		if err := password.Validate(benchPassword, benchPassword, s, n, ph, strings.TrimPrefix(ph, "+7")); err != nil {
			t.Fatalf("%s %s: %v", s, n, err)
		}
	}
}

func TestSMSCode(t *testing.T) {
	for text, want := range map[string]string{
		"482913 — код подтверждения телефона для регистрации на портале 127.0.0.1:41234. Действует 5 мин.": "482913",
		"000123 is your code to confirm your phone for registration on 127.0.0.1:8080.":                    "000123",
		"Code 123456":    "",
		"1234567 — code": "",
	} {
		got, ok := smsCode(text)
		if got != want || ok != (want != "") {
			t.Errorf("smsCode(%q) = %q, %v; want %q", text, got, ok, want)
		}
	}
}

func TestParseBenchFlags(t *testing.T) {
	o, err := parseBenchFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.duration != 10*time.Second || o.concurrency != 2*runtime.GOMAXPROCS(0) || o.rounds != 5 || o.warmup != time.Second ||
		o.accounts != 50 || o.json || o.db != "" || strings.Join(o.phases, ",") != strings.Join(benchPhases, ",") {
		t.Fatalf("defaults: %+v", o)
	}
	o, err = parseBenchFlags([]string{"-duration", "1s", "-concurrency", "3", "-phases", "me,bare,me", "-json"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.rounds != 1 || o.warmup != 500*time.Millisecond || o.concurrency != 3 || !o.json || strings.Join(o.phases, ",") != "bare,me" {
		t.Fatalf("parsed: %+v", o)
	}
	for _, bad := range [][]string{
		{"-duration", "1ms"}, {"-concurrency", "0"}, {"-db", "mysql://x"}, {"-phases", "nope"}, {"-phases", ","},
		{"-rounds", "101"}, {"-duration", "1s", "-rounds", "40"}, {"extra"},
	} {
		if _, err := parseBenchFlags(bad, io.Discard); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
	if o.budget() < o.duration {
		t.Errorf("budget %v shorter than the run", o.budget())
	}
}

func TestProfilePath(t *testing.T) {
	for _, tc := range []struct {
		path          string
		round, rounds int
		want          string
	}{
		{"cpu.prof", 2, 5, "cpu.signin.r2.prof"},
		{"/tmp/x/cpu.prof", 1, 1, "/tmp/x/cpu.signin.prof"},
		{"cpu", 3, 4, "cpu.signin.r3"},
		{"cpu.prof", 0, 5, "cpu.signin.r*.prof"},
	} {
		if got := profilePath(tc.path, "signin", tc.round, tc.rounds); got != tc.want {
			t.Errorf("profilePath(%q, %d, %d) = %q, want %q", tc.path, tc.round, tc.rounds, got, tc.want)
		}
	}
}

func TestFmtMs(t *testing.T) {
	for v, want := range map[float64]string{0: "-", 0.4123: "412µs", 4.123: "4.12ms", 41.23: "41.2ms", 1412: "1.41s"} {
		if got := fmtMs(v); got != want {
			t.Errorf("fmtMs(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestReportRatiosAndErrors(t *testing.T) {
	res := func(ops, errs int64, kinds ...loadgen.ErrorCount) *loadgen.Result {
		r := &loadgen.Result{Ops: ops, Errors: errs, Elapsed: 10 * time.Second, CPU: 20 * time.Second, Latency: &loadgen.Histogram{}, Kinds: kinds}
		r.Latency.Record(time.Millisecond)
		return r
	}
	rep := &benchReport{Phases: []phaseReport{}, Ratios: []ratioReport{}}
	rep.addPhase("argon2", 4, res(400, 0))
	rep.addPhase("signin", 4, res(380, 0))
	rep.addPhase("bare", 4, res(100_000, 0))
	rep.addPhase("me", 4, res(40_000, 3, loadgen.ErrorCount{Error: "GET /api/v1/me → 401 Unauthorized (want 200) session.required", Count: 3}))
	rep.finish()
	if len(rep.Ratios) != 2 || rep.OK || rep.Errors != 3 {
		t.Fatalf("report: %+v", rep)
	}
	if r := rep.Ratios[0]; r.Value != 0.95 || !r.Pass || r.PerCPU != 0.95 {
		t.Errorf("sign-in ratio %+v", r)
	}
	if r := rep.Ratios[1]; r.Value != 0.4 || r.Pass {
		t.Errorf("me ratio %+v", r)
	}
	var buf bytes.Buffer
	rep.writeTable(&buf)
	out := buf.String()
	for _, want := range []string{"PASS", "BELOW GOAL (a phase had errors", "!!! GET /API/V1/ME (BEARER): 3 FAILED", "3 × GET /api/v1/me → 401", "3 !!"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Fatal(err)
	}
}

// TestBenchSmoke runs the whole command briefly on SQLite: it registers
// accounts, runs every phase and must report no errors. It hashes with the
// production argon2 parameters, so it takes a few seconds.
func TestBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kabinet and hashes with production parameters")
	}
	var out, progress bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// A flood of 200 under -race on a busy machine outlasts the client's
	// timeout: the smoke test runs the phase with a few workers.
	err := Run(ctx, []string{"-duration", "300ms", "-warmup", "50ms", "-concurrency", "2", "-flood-workers", "6", "-accounts", "3",
		"-services", "300", "-json"}, &out, &progress)
	if err != nil {
		t.Fatalf("bench: %v\n%s\n%s", err, progress.String(), out.String())
	}
	var rep benchReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("JSON summary: %v\n%s", err, out.String())
	}
	// Ratios need both phases to have completed something, which a very
	// busy machine may not manage in 300ms of argon2; the others must.
	if !rep.OK || len(rep.Phases) != len(benchPhases) || len(rep.Ratios) == 0 || rep.Settings.Accounts != 3 {
		t.Fatalf("summary: %+v", rep)
	}
	for _, p := range rep.Phases {
		if p.Ops == 0 && (p.Name == "bare" || p.Name == "me") {
			t.Errorf("phase %s did nothing", p.Name)
		}
	}
}

// TestBenchServicesSmoke runs the catalog search phases briefly on SQLite
// with a few hundred generated services and four clients: the data is
// generated and saved, the mix searched with no error, the bare handler
// given one answer, and the ratio and the p99 goal reported.
func TestBenchServicesSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kabinet")
	}
	var out, progress bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	err := Run(ctx, []string{"-phases", "services-bare,services", "-services", "400", "-services-workers", "4", "-duration", "600ms",
		"-rounds", "3", "-warmup", "50ms", "-accounts", "1", "-json"}, &out, &progress)
	if err != nil {
		t.Fatalf("bench: %v\n%s\n%s", err, progress.String(), out.String())
	}
	var rep benchReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("JSON summary: %v\n%s", err, out.String())
	}
	if !rep.OK || len(rep.Phases) != 2 || rep.Phases[0].Name != "services-bare" || rep.Phases[1].Name != "services" {
		t.Fatalf("summary: %+v", rep)
	}
	for _, p := range rep.Phases {
		if p.Ops == 0 || p.Workers != 4 {
			t.Errorf("phase %s: %d ops, %d workers", p.Name, p.Ops, p.Workers)
		}
	}
	if len(rep.Ratios) != 1 || rep.Ratios[0].Name != "catalog search / bare handler" || rep.Ratios[0].Value <= 0 {
		t.Errorf("ratios: %+v", rep.Ratios)
	}
	if len(rep.Goals) != 1 || rep.Goals[0].Phase != "services" || rep.Goals[0].GoalMs != 25 {
		t.Errorf("latency goals: %+v", rep.Goals)
	}
	if len(rep.Loaded) != 1 || rep.Loaded[0].Count != 400 {
		t.Errorf("loaded: %+v", rep.Loaded)
	}
	for _, want := range []string{"400 generated services", "in one transaction", "the search mix: a whole word 15%", "find nothing"} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, progress.String())
		}
	}
}

// TestServiceQueries: the mix is what the report says, every search is
// valid, and the filters fall on every kind of query.
func TestServiceQueries(t *testing.T) {
	codes := []string{"01", "40", "66", "77", "99"}
	q := buildServiceQueries(codes)
	if len(q.paths) != 20*serviceCycles {
		t.Fatalf("%d paths", len(q.paths))
	}
	slots := 0
	for _, k := range serviceKinds {
		slots += k.slots
	}
	if slots != 20 {
		t.Fatalf("%d slots", slots)
	}
	kinds := map[string]map[string]bool{} // kind → filters met
	for i, p := range q.paths {
		u, err := url.Parse(p)
		if err != nil || u.Path != "/api/v1/services" {
			t.Fatalf("%s: %v", p, err)
		}
		v := u.Query()
		k := 0
		for n := i % 20; n >= serviceKinds[k].slots; k++ {
			n -= serviceKinds[k].slots
		}
		kind := serviceKinds[k]
		if (v.Get("typing") == "true") != kind.typing || (v.Get("q") == "") != (kind.name == "empty (the popular list)") {
			t.Errorf("%s is not %s", p, kind.name)
		}
		if kinds[kind.name] == nil {
			kinds[kind.name] = map[string]bool{}
		}
		for _, f := range []string{"region", "category", "level"} {
			if v.Get(f) != "" {
				kinds[kind.name][f] = true
			}
		}
	}
	for _, k := range serviceKinds {
		if len(kinds[k.name]) != 3 {
			t.Errorf("%s narrowed only by %v", k.name, kinds[k.name])
		}
	}
	for _, want := range []string{"a whole word 15%", "a typo 10%", "a prefix while typing 15%", "empty (the popular list) 10%", "33% with region"} {
		if !strings.Contains(q.mix, want) {
			t.Errorf("mix %q lacks %q", q.mix, want)
		}
	}
}

func TestLatin(t *testing.T) {
	for in, want := range map[string]string{"Калужская обл": "Kaluzhskaya obl", "г. Москва": "g. Moskva", "Респ Саха /Якутия/": "Resp Sakha /Yakutiya/",
		"Ханты-Мансийский Автономный округ - Югра": "Khanty-Mansiyskiy Avtonomnyy okrug - Yugra", "Чувашская Республика - Чувашия": "Chuvashskaya Respublika - Chuvashiya"} {
		if got := latin(in); got != want {
			t.Errorf("latin(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRoundMedian: with three rounds or more the verdict is the median of
// the per-round ratios, which a drifting machine cannot move the way it
// moves the pooled rates: here the baseline ran fast in one round and slow
// in another, pulling the pooled ratio below the goal, while sign-in kept
// pace with its hash round by round.
func TestRoundMedian(t *testing.T) {
	for _, c := range []struct {
		num, den []float64
		want     float64
		ok       bool
	}{
		{[]float64{30, 40, 45}, []float64{31, 42, 46}, 30.0 / 31, true}, // 0.95, 0.97, 0.98
		{[]float64{1, 2, 3, 4}, []float64{1, 1, 1, 1}, 2.5, true},
		{[]float64{1, 2}, []float64{1, 2}, 0, false},       // too few rounds
		{[]float64{1, 2, 3}, []float64{1, 2}, 0, false},    // phases did not run alike
		{[]float64{1, 2, 3}, []float64{0, 0, 1}, 0, false}, // a baseline round with nothing
	} {
		got, ok := roundMedian(c.num, c.den)
		if ok != c.ok || got != c.want {
			t.Errorf("roundMedian(%v, %v) = %v %v, want %v %v", c.num, c.den, got, ok, c.want, c.ok)
		}
	}
	rep := &benchReport{Phases: []phaseReport{
		{Name: "argon2", OpsPerSecond: 45, RoundOpsPerSecond: []float64{38, 60, 37}},
		{Name: "signin", OpsPerSecond: 36, RoundOpsPerSecond: []float64{36, 37, 35}},
	}, Ratios: []ratioReport{}}
	rep.finish()
	r := rep.Ratios[0]
	if r.Value >= 0.9 || r.RoundMedian < 0.9 || !r.Pass {
		t.Errorf("pooled %.2f, round median %.2f, pass %v: want the verdict on the median", r.Value, r.RoundMedian, r.Pass)
	}
	var buf bytes.Buffer
	rep.writeTable(&buf)
	if !strings.Contains(buf.String(), "round median") || !strings.Contains(buf.String(), fmt.Sprintf("%.2f", r.RoundMedian)) {
		t.Errorf("table:\n%s", buf.String())
	}
}
