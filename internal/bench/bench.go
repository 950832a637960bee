// Package bench is the benchmark harness behind `kabinet bench` (and
// `go run ./cmd/kabinet-bench`): it starts kabinet in-process, registers
// accounts through the JSON API and measures sign-in, /api/v1/me,
// registration, a flood of sign-ins, the OpenID provider's token endpoint
// and userinfo, … against argon2id and a bare handler.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/kabinet/kabinet/internal/catalog"
	"github.com/kabinet/kabinet/internal/loadgen"
)

const benchUsage = `usage: kabinet bench [flags]

Starts kabinet in-process on 127.0.0.1 (a temporary SQLite database, or a
throwaway database on the PostgreSQL server given with -db, dropped at the
end) with the production argon2id parameters of the default configuration,
one-step sign-in, demo mode and an in-process SMS gateway simulator. It
registers -accounts accounts through the API, then runs each phase for
-duration with -concurrency workers and one shared keep-alive HTTP client:

  argon2        raw argon2id.IDKey with the hasher's parameters,
                -concurrency goroutines (the baseline)
  argon2-slots  the same with GOMAXPROCS goroutines, as many as kabinet's
                hasher runs at once (a cross-check: more goroutines than
                cores make each hash dearer, which flatters sign-in)
  signin        POST /api/v1/sessions with correct passwords
  signin-snils  the same with the SNILS as the login (the accounts are given
                verified personal data first)
  bare          a bare net/http handler serving the bytes of GET /api/v1/me
  me            GET /api/v1/me with a bearer token
  oidc-token    the OpenID provider's token endpoint: POST /oidc/oauth/token
                exchanging one fresh authorization code (PKCE S256,
                client_secret_basic) for an access token and an RS256 ID
                token. The bench registers a site of its own
                ("kabinet-bench"); each round's codes are minted before it,
                outside the measured window, through the real flow (the
                authorization endpoint and /oidc/login with the account's
                session cookie), as many as the rate so far needs; a code
                lives 60 s, so a round is cut to 25 s with its warm-up
  oidc-userinfo GET /oidc/userinfo with an access token per account (openid
                fullname email mobile; the accounts are given verified
                personal data first): the verified data released, and each
                release recorded in «Кто смотрел мои данные»
  register      a whole registration: POST /registrations, the SMS code
                from the simulator, POST …/confirm, POST …/password
  flood         200 simultaneous sign-ins with ever new unknown logins:
                how many are checked (401) and how fast the excess is
                refused (503 server.busy) by the bounded hashing queue
  river-noop    insert a job that does nothing into the registry checks'
                queue and wait until it has completed (River's own rate)
  verify        submit personal data (a new SNILS and passport each time)
                and wait until both registry checks have completed and the
                verification has passed; the in-process registry simulator
                answers at once
  centers       GET /api/v1/centers over -centers generated service centers
                (the towns of the reference data), -centers-workers clients:
                each town's name exact, a prefix, ё as е, a letter dropped or
                two swapped, half filtered by service, some by region
  centers-bare  a bare net/http handler serving the bytes of one such
                answer, with the same clients
  services      GET /api/v1/services over the demo catalog and -services
                generated services in the 86 regions of the reference data,
                -services-workers clients: whole words, inflected forms,
                typos, prefixes while typing, two words, synonyms, English,
                empty queries (the popular list); a third by region, some
                by category or account level
  services-bare a bare net/http handler serving the bytes of one such
                answer, with the same clients

and prints ops/s, p50 and p99 per phase and the ratios sign-in/argon2
(goal ≥ 0.9), sign-in by SNILS/argon2 (goal ≥ 0.9), me/bare (goal ≥ 0.5),
oidc-userinfo/bare (goal ≥ 0.5), oidc-token/bare (reported, no goal),
verify/river-noop (goal ≥ 0.5), centers/centers-bare (p99 goal
under 20 ms at 16 clients; the ratio is reported) and services/services-bare
(p99 goal under 25 ms at 16 clients; the ratio is reported). The phases take turns in -rounds
rounds (each measuring -duration/-rounds after its own warm-up), so that
other load on a shared machine falls on all of them alike; the process's
CPU time in each window is reported too (cores used, ops per CPU-second).
Only loopback traffic; every simulated client has its own X-Forwarded-For
address in 10.0.0.0/8. The exit status is 1 when any request failed.

With -cpuprofile cpu.prof each phase's rounds are written to
cpu.<phase>.r<N>.prof; "go tool pprof -top cpu.signin.*.prof" merges them.

flags:
`

// benchOptions are the command's flags.
type benchOptions struct {
	duration     time.Duration
	warmup       time.Duration // before each round
	rounds       int
	concurrency  int
	accounts     int
	db           string
	json         bool
	cpuprofile   string
	phases       []string
	flood        int // the flood phase's workers
	queued       int // the verify and river-noop phases' workers
	drain        int // verifications queued for the drain measurement (0: none)
	centers      int // service centers generated for the centers phases
	centerUsers  int // the centers phases' workers
	services     int // catalog services generated for the services phases
	serviceUsers int // the services phases' workers
}

// benchPhases are the phases in the order they run.
var benchPhases = []string{"argon2", "argon2-slots", "signin", "signin-snils", "bare", "me", "oidc-token", "oidc-userinfo", "register", "flood", "river-noop", "verify", "centers-bare", "centers", "services-bare", "services"}

// floodWorkers is the flood phase's default concurrency: the attack
// review's 200 simultaneous sign-ins, which queued for seconds before the
// hashing queue was bounded.
const floodWorkers = 200

// floodSteps split the flood's answers: attempts the node checked, and
// those it refused at once because the hashing queue was full.
var floodSteps = []string{"checked: 401", "refused at once: 503 server.busy"}

func parseBenchFlags(args []string, stderr io.Writer) (benchOptions, error) {
	var o benchOptions
	fs := flag.NewFlagSet("kabinet bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, benchUsage)
		fs.PrintDefaults()
	}
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured time of each phase")
	o.warmup = -1 // until given
	fs.Func("warmup", "unmeasured `time` before each round of a phase (default: half a round, at most 1s)", func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return errors.New("want a duration such as 500ms")
		}
		o.warmup = d
		return nil
	})
	fs.IntVar(&o.rounds, "rounds", 0, "rounds the phases take turns in (default: one per 2s of -duration, at most 5)")
	fs.IntVar(&o.concurrency, "concurrency", 2*runtime.GOMAXPROCS(0), "workers per phase: 2×GOMAXPROCS by default")
	fs.IntVar(&o.flood, "flood-workers", floodWorkers, "workers of the flood phase")
	fs.IntVar(&o.accounts, "accounts", 50, "accounts registered before the phases, for sign-in and /me")
	fs.StringVar(&o.db, "db", "", "a PostgreSQL server `URL` (postgres://…) to create a throwaway database on; default: SQLite in a temporary directory")
	fs.BoolVar(&o.json, "json", false, "print a JSON summary on stdout (the table goes to stderr)")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of each round of each phase, named after `file` (cpu.prof → cpu.signin.r1.prof …)")
	fs.IntVar(&o.queued, "queued", 128, "workers of the verify and river-noop phases, each with one verification or job in the queue")
	fs.IntVar(&o.drain, "drain", 0, "queue `n` verifications with the workers stopped, then time how long a node takes to work them off; alone unless -phases is given")
	fs.IntVar(&o.centers, "centers", 20000, "service centers generated for the centers phases")
	fs.IntVar(&o.centerUsers, "centers-workers", 16, "workers of the centers phases")
	fs.IntVar(&o.services, "services", 20000, "catalog services generated for the services phases (beside the demo's)")
	fs.IntVar(&o.serviceUsers, "services-workers", 16, "workers of the services phases")
	phases := fs.String("phases", strings.Join(benchPhases, ","), "comma-separated phases to run")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	phasesGiven := false
	fs.Visit(func(f *flag.Flag) { phasesGiven = phasesGiven || f.Name == "phases" })
	if o.drain < 0 || o.drain > 10_000_000 {
		return o, errors.New("bench: -drain must be between 0 and 10000000")
	}
	if o.drain > 0 && !phasesGiven {
		*phases = ""
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("bench: unexpected argument %q", fs.Arg(0))
	}
	if o.rounds == 0 {
		o.rounds = int(min(max(o.duration/(2*time.Second), 1), 5))
	}
	if o.rounds >= 1 && o.warmup < 0 {
		o.warmup = min(o.duration/time.Duration(o.rounds)/2, time.Second)
	}
	switch {
	case o.rounds < 1 || o.rounds > 100:
		return o, errors.New("bench: -rounds must be between 1 and 100")
	case o.duration/time.Duration(o.rounds) < 50*time.Millisecond:
		return o, errors.New("bench: a round (-duration / -rounds) must be at least 50ms")
	case o.duration < 100*time.Millisecond || o.duration > time.Hour:
		return o, errors.New("bench: -duration must be between 100ms and 1h")
	case o.warmup > 10*time.Minute:
		return o, errors.New("bench: -warmup must be at most 10m")
	case o.concurrency < 1 || o.concurrency > 1024:
		return o, errors.New("bench: -concurrency must be between 1 and 1024")
	case o.accounts < 1 || o.accounts > 10000:
		return o, errors.New("bench: -accounts must be between 1 and 10000")
	case o.db != "" && !strings.HasPrefix(o.db, "postgres://") && !strings.HasPrefix(o.db, "postgresql://"):
		return o, errors.New("bench: -db wants a postgres:// URL")
	}
	for _, p := range strings.Split(*phases, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !slices.Contains(benchPhases, p) {
			return o, fmt.Errorf("bench: unknown phase %q (have %s)", p, strings.Join(benchPhases, ", "))
		}
		if !slices.Contains(o.phases, p) {
			o.phases = append(o.phases, p)
		}
	}
	if len(o.phases) == 0 && o.drain == 0 {
		return o, errors.New("bench: no phase to run")
	}
	if o.flood < 1 {
		return o, errors.New("bench: -flood-workers must be at least 1")
	}
	if o.centers < 1 || o.centers > 1_000_000 || o.centerUsers < 1 || o.centerUsers > 1024 {
		return o, errors.New("bench: -centers must be between 1 and 1000000, -centers-workers between 1 and 1024")
	}
	if o.services < 1 || o.services > catalog.MaxServices || o.serviceUsers < 1 || o.serviceUsers > 1024 {
		return o, fmt.Errorf("bench: -services must be between 1 and %d, -services-workers between 1 and 1024", catalog.MaxServices)
	}
	slices.SortFunc(o.phases, func(a, b string) int { return slices.Index(benchPhases, a) - slices.Index(benchPhases, b) })
	return o, nil
}

// round is the measured time of one round of a phase.
func (o benchOptions) round() time.Duration { return o.duration / time.Duration(o.rounds) }

// budget bounds the whole command: setup, each round of each phase with its
// warm-up and the requests still in flight at its end, and shutdown.
func (o benchOptions) budget() time.Duration {
	setup := 2*time.Minute + time.Duration(o.accounts)*2*time.Second/time.Duration(o.concurrency)
	perRound := o.warmup + o.round() + benchRequestTimeout + 30*time.Second
	// A drain queues and works off at 20 a second at the least.
	drain := time.Duration(o.drain) * 100 * time.Millisecond
	// Generated data: a few ms a record at the worst (PostgreSQL, a busy
	// machine).
	setup += time.Duration(o.centers+o.services) * 5 * time.Millisecond
	if slices.Contains(o.phases, "oidc-token") || slices.Contains(o.phases, "oidc-userinfo") {
		// The consents, the calibration and the userinfo phase's tokens
		// (minted again every 5 minutes): seconds for the default
		// accounts; and the token phase's codes before each round, at
		// most oidcMintBudget.
		setup += 4*oidcMintBudget + time.Duration(o.accounts)*100*time.Millisecond
		setup += time.Duration(o.rounds) * (oidcMintBudget + time.Minute)
	}
	return setup + time.Duration(o.rounds*len(o.phases))*perRound + time.Minute + drain
}

// Run is `kabinet bench`: it parses args (the flags after "bench"), runs
// the phases and writes the table (or, with -json, the JSON report) to
// stdout; progress and the flags' help go to stderr.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	// The progress lines and kabinet's own log (a job queue's warning on a
	// busy machine) share stderr from several goroutines.
	stderr = &lockedWriter{w: stderr}
	o, err := parseBenchFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.budget())
	defer cancel()
	if len(o.phases) == 0 {
		return runDrain(ctx, o, stdout, stderr)
	}

	fmt.Fprintln(stderr, "bench: starting kabinet…")
	env, err := startBenchEnv(ctx, o.db, stderr)
	if err != nil {
		return err
	}
	defer env.close()

	b := &benchRun{o: o, env: env, hc: newBenchClient(o.concurrency), stderr: stderr, loadStart: loadAvg()}
	if err := b.setup(ctx); err != nil {
		return err
	}
	if b.completions != nil {
		defer b.completions.cancel()
	}
	rep := b.newReport()
	phases := make([]*benchPhase, len(o.phases))
	for i, name := range o.phases {
		phases[i] = b.preparePhase(name)
		defer phases[i].cleanup()
	}
	fmt.Fprintf(stderr, "bench: %d round(s) of %s per phase after %s warm-up each, %d workers; phases take turns\n",
		o.rounds, o.round(), o.warmup, o.concurrency)
	for round := 1; round <= o.rounds; round++ {
		for _, p := range phases {
			res, err := b.runRound(ctx, p, round)
			if err != nil {
				return err
			}
			p.total.Merge(res)
			p.rounds = append(p.rounds, res.Rate())
			if ctx.Err() != nil {
				return fmt.Errorf("bench: interrupted during phase %s: %w", p.name, ctx.Err())
			}
		}
	}
	for _, p := range phases {
		rep.addPhase(p.name, p.cfg.Concurrency, p.total)
		rep.phase(p.name).RoundOpsPerSecond = p.rounds
	}
	rep.finish()
	if o.cpuprofile != "" {
		fmt.Fprintf(stderr, "bench: CPU profiles written to %s\n", profilePath(o.cpuprofile, "<phase>", 0, o.rounds))
	}

	table := stdout
	if o.json {
		table = stderr
	}
	rep.writeTable(table)
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	}
	if n := rep.totalErrors(); n > 0 {
		return fmt.Errorf("bench: %d request(s) failed; the numbers above are not trustworthy", n)
	}
	if o.drain > 0 {
		env.close() // its CPU and storage are the drain's
		return runDrain(ctx, o, stdout, stderr)
	}
	return nil
}

// benchAccount is a registered account with its open session.
type benchAccount struct {
	phone    string
	password string
	addr     string // the address it registered from; its /me requests come from it
	token    string
	login    []byte // the JSON body of its sign-in
	// snilsLogin is the body of its sign-in by SNILS (phase signin-snils).
	snilsLogin []byte
}

// benchPassword passes kabinet's rule and strength check and has nothing of
// the account's name or phone in it.
const benchPassword = "Ql7#vexa-Tundra-91"

var (
	benchSurnames = []string{"Иванова", "Смирнов", "Кузнецова", "Попов", "Соколов", "Лебедева", "Новиков", "Морозова"}
	benchNames    = []string{"Анна", "Пётр", "Мария", "Алексей", "Ольга", "Дмитрий", "Елена", "Сергей"}
)

type benchRun struct {
	o      benchOptions
	env    *benchEnv
	hc     *http.Client
	stderr io.Writer
	addrs  addrSeq
	// loadStart is the load average when the run began.
	loadStart string
	phones    phoneSeq

	accounts []benchAccount
	meBody   []byte // GET /api/v1/me of accounts[0], served by the bare handler
	meType   string

	verifyPool  *verifyPool  // accounts the verify phase submits for
	completions *completions // jobs completed, for verify and river-noop

	centerQueries *centerQueries // the centers phases' searches
	centersBody   []byte         // one search's answer, for centers-bare
	centersType   string
	centersClient *http.Client // with a connection per centers worker

	serviceQueries *serviceQueries // the services phases' searches
	servicesBody   []byte          // one search's answer, for services-bare
	servicesType   string
	servicesClient *http.Client // with a connection per services worker

	oidc *oidcBench // the OpenID provider's phases: the bench's site, codes, tokens

	loaded []loadReport // the generated data saved in setup, and how long it took
}

// Steps of a registration journey, as loadgen steps.
var registerSteps = []string{"POST /registrations", "SMS delivery (wait)", "POST …/{id}/confirm", "POST …/{id}/password"}

// register runs one registration through the API as a new client would,
// from its own address, reading the code from the SMS simulator.
func (b *benchRun) register(ctx context.Context, w *loadgen.Worker) (benchAccount, error) {
	acc := benchAccount{phone: b.phones.next(), password: benchPassword, addr: b.addrs.next()}
	n := int(w.Global)
	start, _ := json.Marshal(map[string]any{"surname": benchSurnames[n%len(benchSurnames)], "name": benchNames[n/len(benchSurnames)%len(benchNames)],
		"phone": acc.phone, "accept_terms": true})
	base := b.env.baseURL + "/api/v1/registrations"

	began := time.Now()
	t := began
	var f struct {
		ID string `json:"id"`
	}
	err := do(ctx, b.hc, request{method: "POST", url: base, route: "/api/v1/registrations", body: start, xff: acc.addr, want: http.StatusCreated}, &f)
	w.Step(0, time.Since(t))
	if err != nil {
		return acc, err
	}
	if f.ID == "" {
		return acc, errors.New("POST /api/v1/registrations: no flow id in the answer")
	}

	t = time.Now()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	msg, err := b.env.sim.WaitFor(wctx, acc.phone, began)
	cancel()
	w.Step(1, time.Since(t))
	if err != nil {
		if ctx.Err() != nil {
			return acc, ctx.Err()
		}
		return acc, errors.New("SMS: no registration code within 30s")
	}
	code, ok := smsCode(msg.Text)
	if !ok {
		return acc, errors.New("SMS: no six-digit code at the start of the text")
	}

	t = time.Now()
	body, _ := json.Marshal(map[string]string{"code": code})
	err = do(ctx, b.hc, request{method: "POST", url: base + "/" + f.ID + "/confirm", route: "/api/v1/registrations/{id}/confirm", body: body,
		xff: acc.addr, want: http.StatusOK}, nil)
	w.Step(2, time.Since(t))
	if err != nil {
		return acc, err
	}

	t = time.Now()
	body, _ = json.Marshal(map[string]string{"password": acc.password, "password_confirmation": acc.password})
	var tok struct {
		SessionToken string `json:"session_token"`
	}
	err = do(ctx, b.hc, request{method: "POST", url: base + "/" + f.ID + "/password", route: "/api/v1/registrations/{id}/password", body: body,
		xff: acc.addr, want: http.StatusCreated}, &tok)
	w.Step(3, time.Since(t))
	if err != nil {
		return acc, err
	}
	if tok.SessionToken == "" {
		return acc, errors.New("POST /api/v1/registrations/{id}/password: no session token in the answer")
	}
	acc.token = tok.SessionToken
	acc.login, _ = json.Marshal(map[string]string{"login": acc.phone, "password": acc.password})
	return acc, nil
}

// setup registers the accounts (their registrations open the sessions the
// /me phase uses), checks that sign-in takes one request, and keeps the
// /me answer for the bare handler; then what the phases asked need (the
// OpenID provider's: setupOIDC).
func (b *benchRun) setup(ctx context.Context) error {
	fmt.Fprintf(b.stderr, "bench: kabinet at %s on %s; registering %d accounts…\n", b.env.baseURL, b.env.engine, b.o.accounts)
	var mu sync.Mutex
	res, err := loadgen.Run(ctx, loadgen.Config{Concurrency: min(b.o.concurrency, b.o.accounts), Duration: 2*time.Minute +
		time.Duration(b.o.accounts)*2*time.Second/time.Duration(b.o.concurrency), MaxOps: int64(b.o.accounts), MaxErrors: 1},
		func(ctx context.Context, w *loadgen.Worker) error {
			acc, err := b.register(ctx, w)
			if err == nil {
				mu.Lock()
				b.accounts = append(b.accounts, acc)
				mu.Unlock()
			}
			return err
		})
	if err != nil {
		return err
	}
	if len(b.accounts) < b.o.accounts {
		why := "interrupted"
		if len(res.Kinds) > 0 {
			why = res.Kinds[0].Error
		}
		return fmt.Errorf("bench: setup registered %d of %d accounts: %s", len(b.accounts), b.o.accounts, why)
	}

	// Sign-in must be one request: 201 with a token, not 202 and a code.
	a := b.accounts[0]
	err = do(ctx, b.hc, request{method: "POST", url: b.env.baseURL + "/api/v1/sessions", route: "/api/v1/sessions", body: a.login,
		xff: b.addrs.next(), want: http.StatusCreated}, nil)
	if err != nil {
		return fmt.Errorf("bench: setup sign-in: %w", err)
	}

	req, err := http.NewRequestWithContext(ctx, "GET", b.env.baseURL+"/api/v1/me", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("X-Forwarded-For", a.addr)
	resp, err := b.hc.Do(req)
	if err != nil {
		return fmt.Errorf("bench: setup GET /api/v1/me: %w", err)
	}
	defer resp.Body.Close()
	if b.meBody, err = io.ReadAll(resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bench: setup GET /api/v1/me: %s", resp.Status)
	}
	b.meType = resp.Header.Get("Content-Type")
	oidc := slices.Contains(b.o.phases, "oidc-token") || slices.Contains(b.o.phases, "oidc-userinfo")
	if slices.Contains(b.o.phases, "signin-snils") || oidc {
		// Verified data: the SNILS to sign in with, and what userinfo
		// releases.
		if err := b.prepareSNILSLogins(ctx); err != nil {
			return err
		}
	}
	if oidc {
		if err := b.setupOIDC(ctx); err != nil {
			return err
		}
	}
	if slices.Contains(b.o.phases, "centers") || slices.Contains(b.o.phases, "centers-bare") {
		if b.centerQueries, err = b.generateCenters(ctx, b.o.centers); err != nil {
			return err
		}
		if b.centersBody, b.centersType, err = b.fetchBody(ctx, b.centerQueries.paths[0], "/api/v1/centers"); err != nil {
			return err
		}
		b.centersClient = newBenchClient(b.o.centerUsers)
	}
	if slices.Contains(b.o.phases, "services") || slices.Contains(b.o.phases, "services-bare") {
		if b.serviceQueries, err = b.generateServices(ctx, b.o.services); err != nil {
			return err
		}
		if err := b.surveyServices(ctx, b.serviceQueries); err != nil {
			return err
		}
		fmt.Fprintf(b.stderr, "bench: the search mix: %s\n", b.serviceQueries.mix)
		if b.servicesBody, b.servicesType, err = b.fetchBody(ctx, b.serviceQueries.paths[0], "/api/v1/services"); err != nil {
			return err
		}
		p, _ := url.QueryUnescape(b.serviceQueries.paths[0])
		fmt.Fprintf(b.stderr, "bench: services-bare serves the answer to %s (%d bytes)\n", p, len(b.servicesBody))
		b.servicesClient = newBenchClient(b.o.serviceUsers)
	}
	if slices.Contains(b.o.phases, "verify") || slices.Contains(b.o.phases, "river-noop") {
		b.completions = newCompletions(b.env.app.Jobs())
		if slices.Contains(b.o.phases, "verify") {
			if b.verifyPool, err = b.prepareVerify(ctx, 4000); err != nil {
				return err
			}
		}
	}
	return nil
}

// phaseInfo describes a phase in the report.
type phaseInfo struct {
	title string
	unit  string
}

var phaseInfos = map[string]phaseInfo{
	"argon2":        {"raw argon2id (IDKey)", "hashes"},
	"argon2-slots":  {"raw argon2id, GOMAXPROCS goroutines", "hashes"},
	"signin":        {"sign-in POST /api/v1/sessions", "sign-ins"},
	"bare":          {"bare net/http handler", "requests"},
	"me":            {"GET /api/v1/me (bearer)", "requests"},
	"register":      {"registration journey", "registrations"},
	"flood":         {"sign-in flood, 200 at once (unknown logins)", "answers"},
	"signin-snils":  {"sign-in by SNILS POST /api/v1/sessions", "sign-ins"},
	"verify":        {"verification end to end (2 registry checks)", "verifications"},
	"river-noop":    {"River no-op job, the checks' queue", "jobs"},
	"centers":       {"directory search GET /api/v1/centers", "searches"},
	"centers-bare":  {"bare net/http handler, a search's answer", "requests"},
	"services":      {"catalog search GET /api/v1/services", "searches"},
	"services-bare": {"bare handler, one catalog answer", "requests"},
	"oidc-token":    {"OIDC token endpoint, code exchange", "exchanges"},
	"oidc-userinfo": {"OIDC GET /oidc/userinfo (bearer)", "requests"},
}

// benchPhase is a phase ready to run, with its results so far.
type benchPhase struct {
	name    string
	cfg     loadgen.Config
	op      loadgen.Op
	cleanup func()
	// before runs ahead of each round, outside its window and profile
	// (the codes the token phase exchanges); after sees the round's result.
	before func(ctx context.Context) error
	after  func(res *loadgen.Result)
	total  *loadgen.Result
	rounds []float64 // ops/s of each round, in order
}

func (b *benchRun) preparePhase(name string) *benchPhase {
	p := &benchPhase{name: name, cleanup: func() {},
		cfg: loadgen.Config{Concurrency: b.o.concurrency, Warmup: b.o.warmup, Duration: b.o.round(), CPUTime: processCPU}}
	switch name {
	case "argon2":
		p.op = b.argon2Op()
	case "argon2-slots":
		// password.NewHasher, given 0 by app.New, runs GOMAXPROCS hashes at once.
		p.cfg.Concurrency = runtime.GOMAXPROCS(0)
		p.op = b.argon2Op()
	case "signin":
		p.op = b.signinOp()
	case "signin-snils":
		p.op = b.signinSNILSOp()
	case "verify":
		// Enough waiting at once to keep the checks' queue full: the
		// phase measures throughput, not one job's latency.
		p.cfg.Concurrency = b.o.queued
		p.op = b.verifyOp(b.verifyPool, b.completions)
	case "river-noop":
		p.cfg.Concurrency = b.o.queued
		p.op = b.noopOp(b.completions)
	case "bare":
		srv := httptest.NewServer(bareHandler(b.meBody, b.meType)) // 127.0.0.1
		p.cleanup = srv.Close
		p.op = b.getOp(srv.URL+"/api/v1/me", "/api/v1/me (bare)")
	case "me":
		p.op = b.getOp(b.env.baseURL+"/api/v1/me", "/api/v1/me")
	case "oidc-token":
		// A round's codes must be exchanged within their 60 s.
		p.cfg.Warmup = min(p.cfg.Warmup, oidcUseBudget/5)
		p.cfg.Duration = min(p.cfg.Duration, oidcUseBudget-p.cfg.Warmup)
		p.before = func(ctx context.Context) error { return b.oidc.beforeTokenRound(ctx, b, p) }
		p.after = func(res *loadgen.Result) { b.oidc.afterTokenRound(b, res) }
	case "oidc-userinfo":
		p.op = b.oidc.userinfoOp()
		p.before = func(ctx context.Context) error { return b.oidc.beforeUserinfoRound(ctx, b) }
	case "centers":
		p.cfg.Concurrency = b.o.centerUsers
		p.op = b.centersOp(b.env.baseURL, b.centerQueries, b.centersClient)
	case "centers-bare":
		p.cfg.Concurrency = b.o.centerUsers
		srv := searchBare(b.centersBody, b.centersType)
		p.cleanup = srv.Close
		p.op = b.centersOp(srv.URL, b.centerQueries, b.centersClient)
	case "services":
		p.cfg.Concurrency = b.o.serviceUsers
		p.op = b.servicesOp(b.env.baseURL, b.serviceQueries, b.servicesClient)
	case "services-bare":
		p.cfg.Concurrency = b.o.serviceUsers
		srv := searchBare(b.servicesBody, b.servicesType)
		p.cleanup = srv.Close
		p.op = b.servicesOp(srv.URL, b.serviceQueries, b.servicesClient)
	case "flood":
		p.cfg.Concurrency = b.o.flood
		p.cfg.Steps = floodSteps
		p.op = b.floodOp()
	case "register":
		p.cfg.Steps = registerSteps
		p.op = func(ctx context.Context, w *loadgen.Worker) error {
			_, err := b.register(ctx, w)
			return err
		}
	}
	p.total = &loadgen.Result{Latency: &loadgen.Histogram{}}
	for _, s := range p.cfg.Steps {
		p.total.Steps = append(p.total.Steps, loadgen.StepResult{Name: s, Latency: &loadgen.Histogram{}})
	}
	return p
}

// runRound runs one round of a phase, under a CPU profile when asked.
func (b *benchRun) runRound(ctx context.Context, p *benchPhase, round int) (*loadgen.Result, error) {
	fmt.Fprintf(b.stderr, "bench: round %d/%d  %s\n", round, b.o.rounds, p.name)
	if p.before != nil {
		if err := p.before(ctx); err != nil {
			return nil, err
		}
	}
	if b.o.cpuprofile != "" {
		path := profilePath(b.o.cpuprofile, p.name, round, b.o.rounds)
		f, err := os.Create(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	runtime.GC() // start each round from a clean heap
	res, err := loadgen.Run(ctx, p.cfg, p.op)
	if err == nil && p.after != nil {
		p.after(res)
	}
	return res, err
}

// argon2Op hashes with exactly the parameters kabinet's hasher uses, a
// salt per worker.
func (b *benchRun) argon2Op() loadgen.Op {
	p := b.env.app.Hasher.Params()
	salts := make([][]byte, max(b.o.concurrency, runtime.GOMAXPROCS(0)))
	for i := range salts {
		salts[i] = make([]byte, p.SaltLen)
		_, _ = rand.Read(salts[i])
	}
	pw := []byte(benchPassword)
	return func(ctx context.Context, w *loadgen.Worker) error {
		if len(argon2.IDKey(pw, salts[w.ID], p.Time, p.Memory, p.Threads, p.KeyLen)) != int(p.KeyLen) {
			return errors.New("argon2: short key")
		}
		return nil
	}
}

// signinOp signs the accounts in round-robin, each attempt from a fresh
// client address (so the per-address limit of 300 per 15 minutes never
// applies, as it would not to that many different people).
func (b *benchRun) signinOp() loadgen.Op {
	url := b.env.baseURL + "/api/v1/sessions"
	return func(ctx context.Context, w *loadgen.Worker) error {
		a := &b.accounts[w.Global%int64(len(b.accounts))]
		return do(ctx, b.hc, request{method: "POST", url: url, route: "/api/v1/sessions", body: a.login, xff: b.addrs.next(), want: http.StatusCreated}, nil)
	}
}

// floodOp is the attack review's flood: sign-ins with ever new logins
// (no account, so each costs a full hash and no login lock applies), each
// from its own address. A fast 503 server.busy is the node protecting
// itself, not an error; it is timed as its own step, and every answer
// counts in the phase's latency.
func (b *benchRun) floodOp() loadgen.Op {
	url := b.env.baseURL + "/api/v1/sessions"
	return func(ctx context.Context, w *loadgen.Worker) error {
		body, _ := json.Marshal(map[string]string{"login": b.phones.next(), "password": benchPassword})
		t := time.Now()
		err := do(ctx, b.hc, request{method: "POST", url: url, route: "/api/v1/sessions", body: body, xff: b.addrs.next(), want: http.StatusUnauthorized}, nil)
		var se *statusError
		switch {
		case err == nil:
			w.Step(0, time.Since(t))
		case errors.As(err, &se) && se.status == http.StatusServiceUnavailable && se.code == "server.busy":
			w.Step(1, time.Since(t))
			return nil
		}
		return err
	}
}

// getOp sends what the /me phase sends (an account's token from its
// address) to url; the bare phase gets the same requests.
func (b *benchRun) getOp(url, route string) loadgen.Op {
	return func(ctx context.Context, w *loadgen.Worker) error {
		a := &b.accounts[w.Global%int64(len(b.accounts))]
		return do(ctx, b.hc, request{method: "GET", url: url, route: route, xff: a.addr, bearer: a.token, want: http.StatusOK}, nil)
	}
}

// bareHandler answers every request with body, as GET /api/v1/me does but
// from memory.
func bareHandler(body []byte, contentType string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", contentType)
		h.Set("Cache-Control", "no-store")
		_, _ = w.Write(body)
	})
}

// profilePath puts the phase's name, and the round when there are several,
// before the extension of path: cpu.prof → cpu.signin.r2.prof.
func profilePath(path, phase string, round, rounds int) string {
	ext := filepath.Ext(path)
	name := strings.TrimSuffix(path, ext) + "." + phase
	switch {
	case rounds > 1 && round > 0:
		name += ".r" + strconv.Itoa(round)
	case rounds > 1:
		name += ".r*" // every round, for messages
	}
	return name + ext
}

// lockedWriter serializes writes to a writer that is not safe for
// concurrent use (a test's buffer).
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
