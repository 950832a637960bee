package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/loadgen"
)

// benchReport is the result of a run: the table's content and, with -json,
// the summary printed as is.
type benchReport struct {
	Machine  benchMachine  `json:"machine"`
	Settings benchSettings `json:"settings"`
	Phases   []phaseReport `json:"phases"`
	Ratios   []ratioReport `json:"ratios"`
	// Loaded is the data generated before the phases, with the time
	// saving it took.
	Loaded []loadReport `json:"loaded,omitempty"`
	// Goals are the latency goals of the phases that ran.
	Goals  []latencyGoal `json:"latency_goals,omitempty"`
	Errors int64         `json:"errors"` // failed requests over all phases
	OK     bool          `json:"ok"`     // no request failed
}

type benchMachine struct {
	GOMAXPROCS int    `json:"gomaxprocs"`
	NumCPU     int    `json:"num_cpu"`
	CPU        string `json:"cpu,omitempty"`
	GoVersion  string `json:"go_version"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	Database   string `json:"database"`
	DataIn     string `json:"data_in"`
	// LoadAvg is the 1-minute load average at the start and the end: other
	// work on the machine that competed for its cores.
	LoadAvg [2]string `json:"load_average_1m"`
}

type benchSettings struct {
	DurationSeconds float64 `json:"duration_seconds"`
	Rounds          int     `json:"rounds"`
	WarmupSeconds   float64 `json:"warmup_seconds_per_round"`
	Concurrency     int     `json:"concurrency"`
	Accounts        int     `json:"accounts"`
	Argon2MemoryKiB uint32  `json:"argon2_memory_kib"`
	Argon2Time      uint32  `json:"argon2_time"`
	Argon2Threads   uint8   `json:"argon2_threads"`
	SecondStep      bool    `json:"signin_second_step"`
}

type phaseReport struct {
	Name           string       `json:"name"`
	Title          string       `json:"title"`
	Unit           string       `json:"unit"`
	Workers        int          `json:"workers"`
	Ops            int64        `json:"ops"`
	Errors         int64        `json:"errors"`
	ElapsedSeconds float64      `json:"elapsed_seconds"`
	OpsPerSecond   float64      `json:"ops_per_second"`
	P50Ms          float64      `json:"p50_ms"`
	P99Ms          float64      `json:"p99_ms"`
	MeanMs         float64      `json:"mean_ms"`
	MaxMs          float64      `json:"max_ms"`
	CPUCores       float64      `json:"cpu_cores"`          // process CPU time per second of the windows
	OpsPerCPUSec   float64      `json:"ops_per_cpu_second"` // less sensitive to other load on the machine
	Steps          []stepReport `json:"steps,omitempty"`
	ErrorKinds     []errorKind  `json:"error_kinds,omitempty"`
	Stopped        string       `json:"stopped_early,omitempty"`
	// RoundOpsPerSecond is the rate of each round, in the order they ran.
	RoundOpsPerSecond []float64 `json:"round_ops_per_second,omitempty"`
}

type stepReport struct {
	Name   string  `json:"name"`
	Count  uint64  `json:"count"`
	P50Ms  float64 `json:"p50_ms"`
	P99Ms  float64 `json:"p99_ms"`
	MeanMs float64 `json:"mean_ms"`
}

type errorKind struct {
	Error string `json:"error"`
	Count int64  `json:"count"`
}

type ratioReport struct {
	Name        string  `json:"name"`
	Numerator   string  `json:"numerator"`
	Denominator string  `json:"denominator"`
	Value       float64 `json:"value"` // of ops per second over all rounds
	// RoundMedian is the median of the per-round ratios: each round runs
	// the two phases one after the other, so their ratio cancels the
	// machine's slow drift (other load, the database server's CPU) that the
	// pooled value carries. With three rounds or more it is the goal's
	// measure.
	RoundMedian float64 `json:"round_median,omitempty"`
	Goal        float64 `json:"goal"`
	Pass        bool    `json:"pass"`
	CrossCheck  bool    `json:"cross_check"`                    // not the brief's goal, a check on its baseline
	PerCPU      float64 `json:"value_per_cpu_second,omitempty"` // the same of ops per CPU-second, a cross-check
}

// loadReport is data saved before the phases.
type loadReport struct {
	What    string  `json:"what"`
	Count   int     `json:"count"`
	Seconds float64 `json:"seconds"`
}

// latencyGoal is a phase's p99 against its goal.
type latencyGoal struct {
	Phase   string  `json:"phase"`
	Workers int     `json:"workers"`
	P99Ms   float64 `json:"p99_ms"`
	GoalMs  float64 `json:"goal_ms"` // p99 under it
	Pass    bool    `json:"pass"`
}

// benchLatencyGoals are the p99 goals of the searches at their 16
// clients: the directory's (issue 12 §5) and the catalog's (issue 14 §4),
// on the 2-core machine.
var benchLatencyGoals = []struct {
	phase string
	p99Ms float64
}{
	{"centers", 20},
	{"services", 25},
}

// benchRatios are the goals: sign-in should cost little more than its
// hash, and /me and the provider's userinfo at least half of what
// net/http alone can serve. A goal of 0 is a ratio only reported (the
// token endpoint signs an ID token with RSA each time).
var benchRatios = []struct {
	name     string
	num, den string
	goal     float64
	check    bool
}{
	{"sign-in / raw argon2id", "signin", "argon2", 0.9, false},
	{"GET /me / bare handler", "me", "bare", 0.5, false},
	{"OIDC token exchange / bare handler", "oidc-token", "bare", 0, false},
	{"OIDC userinfo / bare handler", "oidc-userinfo", "bare", 0.5, false},
	{"sign-in / raw argon2id ×GOMAXPROCS", "signin", "argon2-slots", 0.9, true},
	{"sign-in by SNILS / raw argon2id", "signin-snils", "argon2", 0.9, false},
	{"verifications / River no-op jobs", "verify", "river-noop", 0.5, false},
	{"directory search / bare handler", "centers", "centers-bare", 0.1, true},
	{"catalog search / bare handler", "services", "services-bare", 0.1, true},
}

func (b *benchRun) newReport() *benchReport {
	p := b.env.app.Hasher.Params()
	return &benchReport{
		Machine: benchMachine{GOMAXPROCS: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(), CPU: cpuModel(), GoVersion: runtime.Version(),
			OS: runtime.GOOS, Arch: runtime.GOARCH, Database: b.env.engine, DataIn: b.env.dbNote, LoadAvg: [2]string{b.loadStart, loadAvg()}},
		Settings: benchSettings{DurationSeconds: b.o.duration.Seconds(), Rounds: b.o.rounds, WarmupSeconds: b.o.warmup.Seconds(), Concurrency: b.o.concurrency,
			Accounts: len(b.accounts), Argon2MemoryKiB: p.Memory, Argon2Time: p.Time, Argon2Threads: p.Threads,
			SecondStep: b.env.app.Config.SignIn.SecondStep},
		Phases: []phaseReport{},
		Ratios: []ratioReport{},
		Loaded: b.loaded,
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func (r *benchReport) addPhase(name string, workers int, res *loadgen.Result) {
	info := phaseInfos[name]
	p := phaseReport{Name: name, Title: info.title, Unit: info.unit, Workers: workers, Ops: res.Ops, Errors: res.Errors,
		ElapsedSeconds: res.Elapsed.Seconds(), OpsPerSecond: res.Rate(),
		P50Ms: ms(res.Latency.Quantile(0.5)), P99Ms: ms(res.Latency.Quantile(0.99)), MeanMs: ms(res.Latency.Mean()), MaxMs: ms(res.Latency.Max()),
		CPUCores: res.CPURate(), OpsPerCPUSec: res.OpsPerCPUSecond()}
	if res.Errors > 0 || res.Canceled {
		p.Stopped = res.Stopped
	}
	if res.Canceled {
		p.Stopped = strings.TrimPrefix(p.Stopped+"; interrupted", "; ")
	}
	for _, s := range res.Steps {
		p.Steps = append(p.Steps, stepReport{Name: s.Name, Count: s.Latency.Count(), P50Ms: ms(s.Latency.Quantile(0.5)),
			P99Ms: ms(s.Latency.Quantile(0.99)), MeanMs: ms(s.Latency.Mean())})
	}
	for _, k := range res.Kinds {
		p.ErrorKinds = append(p.ErrorKinds, errorKind{Error: k.Error, Count: k.Count})
	}
	r.Phases = append(r.Phases, p)
	r.Errors += res.Errors
}

func (r *benchReport) phase(name string) *phaseReport {
	for i := range r.Phases {
		if r.Phases[i].Name == name {
			return &r.Phases[i]
		}
	}
	return nil
}

// finish computes the ratios of the phases that ran.
func (r *benchReport) finish() {
	for _, x := range benchRatios {
		num, den := r.phase(x.num), r.phase(x.den)
		if num == nil || den == nil || den.OpsPerSecond == 0 {
			continue
		}
		v := num.OpsPerSecond / den.OpsPerSecond
		rr := ratioReport{Name: x.name, Numerator: x.num, Denominator: x.den, Value: v, Goal: x.goal, Pass: v >= x.goal, CrossCheck: x.check}
		if m, ok := roundMedian(num.RoundOpsPerSecond, den.RoundOpsPerSecond); ok {
			rr.RoundMedian, rr.Pass = m, m >= x.goal
		}
		if den.OpsPerCPUSec > 0 {
			rr.PerCPU = num.OpsPerCPUSec / den.OpsPerCPUSec
		}
		r.Ratios = append(r.Ratios, rr)
	}
	for _, g := range benchLatencyGoals {
		if p := r.phase(g.phase); p != nil && p.Ops > 0 {
			r.Goals = append(r.Goals, latencyGoal{Phase: g.phase, Workers: p.Workers, P99Ms: p.P99Ms, GoalMs: g.p99Ms, Pass: p.P99Ms < g.p99Ms})
		}
	}
	r.OK = r.Errors == 0
}

// roundMedian is the median of the per-round ratios num[i]/den[i], when
// both phases ran the same three rounds or more.
func roundMedian(num, den []float64) (float64, bool) {
	if len(num) < 3 || len(num) != len(den) {
		return 0, false
	}
	var rs []float64
	for i := range num {
		if den[i] > 0 {
			rs = append(rs, num[i]/den[i])
		}
	}
	if len(rs) < 3 {
		return 0, false
	}
	slices.Sort(rs)
	if n := len(rs); n%2 == 0 {
		return (rs[n/2-1] + rs[n/2]) / 2, true
	}
	return rs[len(rs)/2], true
}

func (r *benchReport) totalErrors() int64 { return r.Errors }

// writeTable prints the human-readable report.
func (r *benchReport) writeTable(w io.Writer) {
	m, s := r.Machine, r.Settings
	cpu := ""
	if m.CPU != "" {
		cpu = ", " + m.CPU
	}
	fmt.Fprintf(w, "\nkabinet bench\n")
	fmt.Fprintf(w, "  machine   GOMAXPROCS=%d (NumCPU %d%s), %s %s/%s; load average %s at start, %s at end\n",
		m.GOMAXPROCS, m.NumCPU, cpu, m.GoVersion, m.OS, m.Arch, m.LoadAvg[0], m.LoadAvg[1])
	fmt.Fprintf(w, "  database  %s — %s\n", m.Database, m.DataIn)
	fmt.Fprintf(w, "  argon2id  m=%d KiB, t=%d, p=%d (config defaults); sign-in second step %s\n", s.Argon2MemoryKiB, s.Argon2Time, s.Argon2Threads, onOff(s.SecondStep))
	fmt.Fprintf(w, "  load      %d workers (wkr); per phase %s measured in %d round(s) taken in turns, %s warm-up before each; %d accounts; one keep-alive client, loopback only\n\n",
		s.Concurrency, fmtSeconds(s.DurationSeconds), s.Rounds, fmtSeconds(s.WarmupSeconds), s.Accounts)
	for _, l := range r.Loaded {
		fmt.Fprintf(w, "  data      %d %s saved in %.1fs\n", l.Count, l.What, l.Seconds)
	}
	if len(r.Loaded) > 0 {
		fmt.Fprintln(w)
	}

	const row = "  %-48s %3s %7s %9s %9s %9s %6s %10s %7s\n"
	rule := "  " + strings.Repeat("─", 48+3+7+9+9+9+6+10+7+8) + "\n"
	fmt.Fprintf(w, row, "phase", "wkr", "ops", "ops/s", "p50", "p99", "cores", "ops/cpu·s", "errors")
	fmt.Fprint(w, rule)
	for _, p := range r.Phases {
		errs := fmt.Sprint(p.Errors)
		if p.Errors > 0 {
			errs += " !!"
		}
		fmt.Fprintf(w, row, p.Title+" ("+p.Unit+")", fmt.Sprint(p.Workers), fmt.Sprint(p.Ops), fmt.Sprintf("%.1f", p.OpsPerSecond), fmtMs(p.P50Ms), fmtMs(p.P99Ms),
			fmtOpt(p.CPUCores, "%.2f"), fmtOpt(p.OpsPerCPUSec, "%.1f"), errs)
		for _, st := range p.Steps {
			fmt.Fprintf(w, row, "  · "+st.Name, "", fmt.Sprint(st.Count), "", fmtMs(st.P50Ms), fmtMs(st.P99Ms), "", "", "")
		}
	}
	fmt.Fprintf(w, "  cores: CPU time of this process per second of the measured windows (at most GOMAXPROCS=%d)", m.GOMAXPROCS)
	if strings.HasPrefix(m.Database, "PostgreSQL") {
		fmt.Fprint(w, "; the PostgreSQL server's own CPU is not included")
	}
	fmt.Fprintln(w)
	if len(r.Ratios) > 0 {
		fmt.Fprintln(w)
		const rrow = "  %-48s %8s %13s %8s %10s   %s\n"
		fmt.Fprintf(w, rrow, "ratio", "ops/s", "round median", "goal", "ops/cpu·s", "verdict (on the round median, else ops/s)")
		fmt.Fprint(w, "  "+strings.Repeat("─", 48+8+14+8+10+36)+"\n")
		for _, x := range r.Ratios {
			verdict, goal := "PASS", fmt.Sprintf("≥ %.2f", x.Goal)
			switch {
			case x.Goal == 0:
				verdict, goal = "reported (no goal)", "-"
			case !x.Pass:
				verdict = "BELOW GOAL"
			}
			if x.CrossCheck {
				verdict += " (cross-check)"
			}
			if r.phase(x.Numerator).Errors+r.phase(x.Denominator).Errors > 0 {
				verdict += " (a phase had errors: not trustworthy)"
			}
			fmt.Fprintf(w, rrow, x.Name, fmt.Sprintf("%.2f", x.Value), fmtOpt(x.RoundMedian, "%.2f"), goal, fmtOpt(x.PerCPU, "%.2f"), verdict)
		}
	}
	if len(r.Goals) > 0 {
		fmt.Fprintln(w)
	}
	for _, g := range r.Goals {
		verdict := "PASS"
		if !g.Pass {
			verdict = "ABOVE GOAL"
		}
		fmt.Fprintf(w, "  p99 goal  %-38s %s at %d clients, goal under %s: %s\n", phaseInfos[g.Phase].title, fmtMs(g.P99Ms), g.Workers, fmtMs(g.GoalMs), verdict)
	}
	for _, p := range r.Phases {
		if p.Errors == 0 {
			continue
		}
		fmt.Fprintf(w, "\n!!! %s: %d FAILED OPERATION(S) (non-2xx or no answer) — its numbers are NOT trustworthy\n", strings.ToUpper(p.Title), p.Errors)
		if p.Stopped != "" {
			fmt.Fprintf(w, "!!!   %s\n", p.Stopped)
		}
		for _, k := range p.ErrorKinds {
			fmt.Fprintf(w, "!!!   %6d × %s\n", k.Count, k.Error)
		}
	}
	if r.Errors == 0 {
		fmt.Fprintf(w, "\n  no errors: every request got the expected 2xx answer\n")
	}
	fmt.Fprintln(w)
}

func fmtOpt(v float64, format string) string {
	if v <= 0 {
		return "-"
	}
	return fmt.Sprintf(format, v)
}

// loadAvg is the 1-minute load average, when the system tells it.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "?"
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// fmtMs prints a latency in milliseconds with a sensible unit and
// precision: 412µs, 4.12ms, 41.2ms, 1.41s; "-" for none.
func fmtMs(v float64) string {
	switch {
	case v <= 0:
		return "-"
	case v < 1:
		return fmt.Sprintf("%.0fµs", v*1000)
	case v < 10:
		return fmt.Sprintf("%.2fms", v)
	case v < 1000:
		return fmt.Sprintf("%.1fms", v)
	default:
		return fmt.Sprintf("%.2fs", v/1000)
	}
}

func fmtSeconds(s float64) string {
	return time.Duration(s * float64(time.Second)).String()
}

// cpuModel is the first "model name" of /proc/cpuinfo, when there is one.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
