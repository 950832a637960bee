// Package app assembles kabinet from a config.Config: keys, storage,
// migrations, the job queue, the notification senders, the services and the
// HTTP server. Both cmd/kabinet and the end-to-end tests start kabinet
// through it.
//
// app is the only package that knows every other; nothing imports it but
// commands and tests.
package app

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/address"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/catalog"
	"github.com/kabinet/kabinet/internal/centers"
	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/contactchange"
	"github.com/kabinet/kabinet/internal/credential"
	"github.com/kabinet/kabinet/internal/deletion"
	"github.com/kabinet/kabinet/internal/demo"
	"github.com/kabinet/kabinet/internal/demorp"
	"github.com/kabinet/kabinet/internal/desk"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/esign/crlhttp"
	"github.com/kabinet/kabinet/internal/export"
	"github.com/kabinet/kabinet/internal/extras"
	"github.com/kabinet/kabinet/internal/flow"
	"github.com/kabinet/kabinet/internal/gazetteer"
	"github.com/kabinet/kabinet/internal/i18n"
	"github.com/kabinet/kabinet/internal/jobs"
	"github.com/kabinet/kabinet/internal/letter"
	"github.com/kabinet/kabinet/internal/letterpdf"
	"github.com/kabinet/kabinet/internal/lockout"
	"github.com/kabinet/kabinet/internal/notify"
	"github.com/kabinet/kabinet/internal/notify/transport"
	"github.com/kabinet/kabinet/internal/oidcop"
	"github.com/kabinet/kabinet/internal/otp"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/pii"
	"github.com/kabinet/kabinet/internal/places"
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/recovery"
	"github.com/kabinet/kabinet/internal/region"
	"github.com/kabinet/kabinet/internal/registration"
	"github.com/kabinet/kabinet/internal/registry"
	"github.com/kabinet/kabinet/internal/registry/breaker"
	"github.com/kabinet/kabinet/internal/registry/httpclient"
	"github.com/kabinet/kabinet/internal/registrysim"
	"github.com/kabinet/kabinet/internal/relyingparty"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/signature"
	"github.com/kabinet/kabinet/internal/signin"
	"github.com/kabinet/kabinet/internal/smssim"
	"github.com/kabinet/kabinet/internal/sso"
	"github.com/kabinet/kabinet/internal/staff"
	"github.com/kabinet/kabinet/internal/store"
	"github.com/kabinet/kabinet/internal/throttle"
	"github.com/kabinet/kabinet/internal/web"
)

// Options are what tests and benchmarks change beyond the config.
type Options struct {
	Logger      *slog.Logger
	Now         func() time.Time
	Rand        io.Reader
	HashParams  *password.Params // nil: from the config
	NoJobs      bool             // do not work jobs (tests that inspect the outbox)
	JobPoll     time.Duration
	SkipMigrate bool
	MaxDBConns  int
	// InstantRegistries makes the demo's in-process registry simulator
	// answer at once instead of after its few seconds.
	InstantRegistries bool
	// SessionsListening, if set, is called each time this node has
	// subscribed to other nodes' session announcements (PostgreSQL only),
	// so that a test can wait for it rather than sleep.
	SessionsListening func()
	// Jobs are more job registrations (the benchmark's no-op worker).
	Jobs []jobs.Registration
}

// App is a running kabinet.
type App struct {
	Config  config.Config
	Store   *store.Store
	Handler http.Handler
	Hasher  *password.Hasher
	// Deletion erases accounts whose deletion is due: what the periodic
	// job runs, for tests that move the clock past the grace period.
	Deletion *deletion.Service
	log      *slog.Logger
	jobs     *jobs.Runner
	jobsDB   *sql.DB // SQLite only: River's own connection
	server   *http.Server
	listener net.Listener
	metrics  *http.Server // KABINET_METRICS_ADDR: /metrics on a listener of its own
	metricsL net.Listener
	web      *web.Server
	started  bool
	smsSim   *http.Server // demo mode: the in-process SMS gateway simulator
	// Registries reaches the Social Fund, the Ministry of Internal Affairs
	// and the Tax Service (in demo mode, the in-process simulator); nil
	// when KABINET_REGISTRY_URL is empty outside demo mode.
	Registries registry.Registries
	// Profile keeps personal data and runs its verification.
	Profile *profile.Service
	// Staff signs staff in and manages them (`kabinet staff add`).
	Staff       *staff.Service
	registrySim *http.Server // demo mode: the in-process registry simulator
	demoRP      *http.Server // demo mode: the demo's relying party (issue 15 §4)
	// releaseNode frees the node's job lock (jobs.Node); nil without one.
	releaseNode func()
	// Sessions issues and ends the citizens' sessions.
	Sessions  *session.Service
	faults    *prometheus.CounterVec // kabinet_faults_total
	stop      context.CancelFunc     // ends the background goroutines Start began
	listening func()                 // Options.SessionsListening
	bg        sync.WaitGroup
}

// New builds kabinet: it prepares the data directory and keys, opens and
// migrates the database and wires every service. It does not listen.
func New(ctx context.Context, cfg config.Config, o Options) (*App, error) {
	if o.Logger == nil {
		o.Logger = NewLogger(cfg, os.Stderr)
	}
	if o.Now == nil {
		o.Now = func() time.Time { return time.Now().UTC() }
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	log := o.Logger
	if err := os.MkdirAll(cfg.Storage.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("app: data directory: %w", err)
	}
	keys, err := LoadKeys(cfg, o.Rand, log)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, store.Options{URL: cfg.Storage.DatabaseURL, SQLitePath: cfg.Storage.SQLitePath(), MaxConns: o.MaxDBConns}, keys)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Store: st, log: log, listening: o.SessionsListening}
	ok := false
	defer func() {
		if !ok {
			a.closeStorage()
		}
	}()
	jobsDB, err := st.JobsDB(cfg.Storage.SQLitePath())
	if err != nil {
		return nil, err
	}
	if jobsDB != st.DB() {
		a.jobsDB = jobsDB
	}
	if !o.SkipMigrate {
		if err := Migrate(ctx, st, jobsDB); err != nil {
			return nil, err
		}
	}

	cat, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	tpl, err := notify.LoadTemplates()
	if err != nil {
		return nil, err
	}
	params := password.Params{Memory: cfg.Argon2.MemoryKiB, Time: cfg.Argon2.Time, Threads: cfg.Argon2.Threads, SaltLen: 16, KeyLen: 32}
	if o.HashParams != nil {
		params = *o.HashParams
	}
	hasher, err := password.NewHasher(params, 0, o.Rand)
	if err != nil {
		return nil, err
	}
	a.Hasher = hasher
	newID := func() (string, error) { return session.NewID(o.Rand) }
	if cfg.Demo() {
		created, err := demo.Seed(ctx, st.Desk(), hasher, o.Now(), newID)
		if err != nil {
			return nil, err
		}
		if created {
			log.Info("demo citizens created", "simplified", demo.Phone, "standard", demo.StandardPhone, "standard_snils", demo.StandardSNILS.String(),
				"confirmed", demo.ConfirmedPhone, "password", demo.Password)
		}
		if cfg.SMS.GatewayURL == "" {
			// Demo mode exercises the real gateway path against the simulator.
			if err := a.startSMSSim(&cfg); err != nil {
				return nil, err
			}
		}
		if cfg.Registry.URL == "" {
			if err := a.startRegistrySim(&cfg, o.InstantRegistries); err != nil {
				return nil, err
			}
		}
	}
	if cfg.Registry.URL != "" {
		a.Registries = httpclient.New(httpclient.Config{URL: cfg.Registry.URL, Token: cfg.Registry.Token, Timeout: cfg.Registry.Timeout})
	}

	a.Config = cfg
	smsSender, emailSender, err := senders(cfg, log)
	if err != nil {
		return nil, err
	}
	deliverer := notify.NewDeliverer(st.Notifications(), smsSender, emailSender, o.Now, notify.DeliverMaxAttempts, log.With("component", "notify"))
	listener, err := st.ListenerPool(ctx)
	if err != nil {
		return nil, err
	}
	var nodeID string
	if !o.NoJobs {
		// A stable ID lets a restarted node take back at once the jobs its
		// killed predecessor left running (decision 2).
		id, release, err := jobs.Node(cfg.Storage.DataDir)
		if err != nil {
			return nil, err
		}
		nodeID, a.releaseNode = id, release
		if id == "" {
			log.Warn("another process works jobs from this data directory; this one will not take back its jobs at start", "data_dir", cfg.Storage.DataDir)
		}
	}
	var del *deletion.Service
	var prof *profile.Service
	var provider atomic.Pointer[oidcop.Provider]
	retention := jobs.RetentionPolicy{Flows: cfg.Retention.Flows, Sessions: cfg.Retention.Sessions, SignIns: cfg.Retention.SignIns, Notifications: cfg.Retention.Notifications}
	regs := append([]jobs.Registration{
		notify.Jobs(deliverer),
		jobs.Retention(st.Retention(), retention, o.Now, log.With("component", "retention")),
		// The deletion and profile services need the outbox, which needs
		// the runner: the jobs reach them once they are built below.
		jobs.Erasure(eraseFunc(func(ctx context.Context) (int, error) { return del.EraseDue(ctx) }), 0, log.With("component", "deletion")),
		// A lapsed session's end reaches single sign-on (back-channel logout).
		jobs.Lapse(lapseFunc(func(ctx context.Context) (int, error) { return a.Sessions.EndLapsed(ctx) }), 0, log.With("component", "sessions")),
		jobs.Verification(checkFunc(func(ctx context.Context, id string) (time.Duration, error) { return prof.RunVerification(ctx, id) }),
			cfg.Registry.Workers, log.With("component", "verification")),
		// Back-channel logouts sign with the provider's keys: it is built below.
		oidcop.Jobs(&oidcop.LogoutWorker{Provider: provider.Load}),
	}, o.Jobs...)
	runner, err := jobs.New(jobs.Config{Engine: jobsEngine(st.Dialect()), DB: jobsDB, Listener: listener, Logger: quieter(log, slog.LevelWarn).With("component", "jobs"), Tx: store.Tx, Poll: o.JobPoll, NodeID: nodeID},
		regs...)
	if err != nil {
		return nil, err
	}
	a.jobs = runner
	a.started = !o.NoJobs
	outbox := notify.NewOutbox(st.Notifications(), notify.JobQueue{Runner: runner}, tpl, o.Now, newID)

	metrics := prometheus.NewRegistry()
	metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.faults = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kabinet_faults_total",
		Help: "Errors that do not fail a request (a lost history entry, a failed rehash, a lost LISTEN connection, a randomness failure), by message."},
		[]string{"what"})
	metrics.MustRegister(a.faults)
	// Each keyed hash takes the key of every master secret, the current
	// one's first: during a rotation, what was hashed before still counts.
	codeHasher := otp.NewHasher(keys.Subkeys("otp/v1")...)
	limiter := throttle.New(st.RateLimits(), o.Now, keys.Subkeys("throttle/v1")...)
	codes := flow.NewCodes(flow.CodePolicy{SMSTTL: cfg.Codes.SMSTTL, EmailTTL: cfg.Codes.EmailLinkTTL, Cooldown: cfg.Codes.ResendAfter,
		MaxAttempts: cfg.Codes.MaxAttempts, Interval: cfg.Codes.Interval, PerHour: cfg.Codes.PerHour, PerIP5Min: cfg.Codes.PerIP5Min, PerIPDay: cfg.Codes.PerIPDay,
		SMS: flow.SMSBudget{PerMinute: cfg.Codes.SMSPerMinute, PerHour: cfg.Codes.SMSPerHour, Prefixes: prefixBudgets(cfg.Codes.SMSPrefixes),
			Reached: budgetAlarm(metrics, log, o.Now)}}, codeHasher, st.Flows(), limiter, o.Rand)
	locks := lockout.New(st.LoginGuards(), limiter, lockoutPolicy(cfg), keys.Subkeys("lockout/v1"), o.Now, o.Rand)
	hasher.LimitQueue(cfg.SignIn.HashQueue)
	sessions := session.NewService(st.Sessions(), o.Now, o.Rand, cfg.Sessions.Lifetime, cfg.Sessions.Idle)
	sessions.CacheFor(cfg.Sessions.CacheTTL, 100_000)
	a.Sessions = sessions
	links := links{base: cfg.Server.BaseURL}
	siteName := "kabinet"
	if u, err := url.Parse(cfg.Server.BaseURL); err == nil && u.Host != "" {
		siteName = u.Host
	}

	journeys := st.Journeys()
	reg := registration.New(registration.Deps{Store: journeys, Codes: codes, Hasher: hasher, Sessions: sessions, Notifier: outbox, Links: links,
		Limiter: limiter, Site: siteName, Now: o.Now, Rand: o.Rand, NewID: newID})
	cred := credential.New(credential.Deps{Store: journeys, Hasher: hasher, Limiter: limiter, Lockout: locks, Sessions: sessions, Notifier: outbox,
		Links: links, Policy: credential.Policy{FailsPerIP: cfg.SignIn.FailuresPerIP, HashesPerIP: cfg.SignIn.HashesPerIP},
		Site: siteName, Support: cfg.Server.SupportPhone, Now: o.Now, Checked: sessions})
	del = deletion.New(deletion.Deps{Store: journeys, Reauth: cred, Sessions: sessions, Locks: locks, Notifier: outbox, Links: links,
		Grace: cfg.Retention.DeletionGrace, Site: siteName, Support: cfg.Server.SupportPhone, Now: o.Now})
	a.Deletion = del
	sig := signin.New(signin.Deps{Store: journeys, Codes: codes, Hasher: hasher, Limiter: limiter, Lockout: locks, Sessions: sessions, Notifier: outbox, Links: links,
		Deletions: del, Policy: signin.Policy{SecondStep: cfg.SignIn.SecondStep, FailsPerIP: cfg.SignIn.FailuresPerIP, HashesPerIP: cfg.SignIn.HashesPerIP},
		Site: siteName, Support: cfg.Server.SupportPhone, Now: o.Now, NewID: newID,
		Log: a.fault})
	rec := recovery.New(recovery.Deps{Store: journeys, Codes: codes, Hasher: hasher, Sessions: sessions, Notifier: outbox, Links: links, Locks: locks, Deletions: del,
		Site: siteName, Support: cfg.Server.SupportPhone, Now: o.Now, NewID: newID})
	contacts := contactchange.New(contactchange.Deps{Store: st.ContactChanges(), Codes: codes, Hasher: codeHasher,
		Sessions: sessions, Notifier: outbox, Links: links, Limiter: limiter, Site: siteName, Support: cfg.Server.SupportPhone,
		Now: o.Now, Rand: o.Rand, NewID: newID})
	breakers := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "kabinet_registry_breaker_open",
		Help: "1 while kabinet has stopped calling a registry for a while after calls it left unanswered (its circuit breaker is open or half-open), by registry."}, []string{"registry"})
	for _, id := range registry.IDs {
		breakers.WithLabelValues(string(id))
	}
	metrics.MustRegister(breakers)
	registries := breaker.New(a.Registries, breaker.Settings{Failures: cfg.Registry.BreakerFailures, Open: cfg.Registry.BreakerOpen,
		OnChange: func(id registry.ID, from, to string) {
			log.Warn("registry circuit breaker", "registry", id, "from", from, "to", to)
			breakers.WithLabelValues(string(id)).Set(map[bool]float64{true: 0, false: 1}[to == "closed"])
		}})
	profiles := st.Profiles()
	prof = profile.New(profile.Deps{Store: profiles, Registries: registries, Queue: runner, Sessions: sessions, Limiter: limiter, Notifier: outbox, Links: links,
		Policy: profile.Policy{RetryMax: cfg.Registry.RetryMax}, Site: siteName, Now: o.Now, NewID: newID})
	a.Profile = prof
	dir, err := places.Load()
	if err != nil {
		return nil, err
	}
	// What administrators added to the reference data (issue 14 §1).
	gaz := gazetteer.New(gazetteer.Deps{Store: st.Places(), Directory: dir, Now: o.Now})
	if err := gaz.Load(ctx); err != nil {
		return nil, err
	}
	if cfg.Demo() {
		n, err := demo.SeedVillages(ctx, gaz, dir)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			log.Info("demo villages added", "count", n)
		}
	}
	more := extras.New(extras.Deps{Store: st.Extras(), Personal: profiles, Tax: registries, Limiter: limiter, Regions: dir, Now: o.Now})
	// The service-center directory (issue 12 §2); the demo's centers from
	// the seeds, placed at their towns' points in the reference data.
	centerStore := st.Centers()
	finder := centers.New(centers.Deps{Store: centerStore, Regions: dir, Now: o.Now})
	if cfg.Demo() {
		n, err := demo.SeedCenters(ctx, centerStore, finder, demo.Centers(townPoint(dir)))
		if err != nil {
			return nil, err
		}
		if n > 0 {
			log.Info("demo service centers added", "count", n)
		}
	}
	metrics.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kabinet_verification_checks_stuck",
			Help: "Checks of personal data still without a registry's answer KABINET_VERIFICATION_STUCK_AFTER after they were submitted (kabinet verifications --stuck lists them)."},
			func() float64 {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				n, err := profiles.CountStuckChecks(ctx, o.Now().Add(-cfg.Registry.StuckAfter))
				if err != nil {
					return math.NaN()
				}
				return float64(n)
			}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "kabinet_jobs_reclaimed_total",
			Help: "Jobs taken back at start from this node's previous process, which stopped while running them."},
			func() float64 { return float64(runner.Reclaimed()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "kabinet_notify_interrupted_total",
			Help: "Delivery attempts that found an earlier attempt of the same message interrupted and sent it again under the same ID (possible duplicates)."},
			func() float64 { return float64(deliverer.Interrupted()) }))
	// "Download my data": each feature adds what it holds about an account,
	// in the order the export shows it.
	parts := export.NewExporter(account.ExportPart(st.Accounts().AccountByID))
	parts.Add(session.ExportParts(st.Sessions(), o.Now)...)
	parts.Add(export.SecurityEvents(st.AuditLog()), notify.ExportPart(st.Notifications()), export.RememberedDevices(), flow.ExportPart(st.Flows(), o.Now))
	parts.Add(profile.ExportParts(prof.Get)...)
	parts.Add(extras.ExportPart(more.Get, func(code string) string {
		if r, ok := dir.Region(code); ok {
			return r.NameWithType
		}
		return code
	}))
	parts.Add(letter.ExportPart(st.Letters().AccountLetters, func(a address.Address) string {
		name := a.Region
		if r, ok := dir.Region(a.Region); ok {
			name = r.NameWithType
		}
		return extras.Line(a, name)
	}), signature.ExportPart(st.Signatures().AccountStatements))
	// «Кто смотрел мои данные», the centers named from the directory.
	dataAccess := &audit.DataAccess{Store: st.AuditLog(), Centers: centerNames{centerStore}, Sites: siteNames{st}}
	parts.Add(export.StaffAccesses(dataAccess.List))
	exports := export.NewService(parts, limiter, st.AuditLog(), o.Now)
	staffSvc := staff.New(staff.Deps{Store: st.Staff(), Hasher: hasher, Lockout: locks, Limiter: limiter, Policy: staffPolicy(cfg), Now: o.Now, Rand: o.Rand})
	a.Staff = staffSvc
	centerExists := CenterExists(st)
	// The registered letter with a code (issue 13 §1); a confirmation in
	// person voids a letter in play.
	letters := letter.New(letter.Deps{Store: st.Letters(), Grants: staffSvc, Sessions: sessions, Limiter: limiter, Notifier: outbox, Links: links,
		Hasher: codeHasher, Regions: dir, Site: siteName, Validity: cfg.Letters.Validity, Now: o.Now, Rand: o.Rand, NewID: newID})
	if cfg.Demo() {
		created, err := demo.SeedLetter(ctx, st.Letters(), hasher, codeHasher, cfg.Letters.Validity, o.Now(), newID)
		if err != nil {
			return nil, err
		}
		if created {
			log.Info("demo citizen with a letter on its way created", "phone", demo.LetterPhone, "code", letter.FormatCode(demo.LetterCode))
		}
	}
	// The qualified electronic signature (issue 13 §2): a confirmation
	// voids a letter in play; CRLs from the distribution points, else the
	// administrators' uploads.
	signatures := signature.New(signature.Deps{Store: st.Signatures(), Grants: staffSvc, Sessions: sessions, Limiter: limiter, Notifier: outbox,
		Links: links, Elsewhere: letters, CRLFetcher: &crlhttp.Fetcher{}, Site: siteName, Now: o.Now, Rand: o.Rand, NewID: newID})
	if cfg.Demo() {
		if added, err := signatures.Bootstrap(ctx, demo.SignatureCA, demo.SignatureCRL); err != nil {
			return nil, fmt.Errorf("demo: trust the demo CA: %w", err)
		} else if added {
			log.Info("demo certification authority trusted", "subject", "Демонстрационный УЦ kabinet")
		}
	}
	// The service catalog (issue 14); the demo's on a new demo deployment.
	services := catalog.New(catalog.Deps{Store: st.Catalog(), Grants: staffSvc, Regions: dir, Now: o.Now})
	if cfg.Demo() {
		if added, err := services.Bootstrap(ctx, demo.Catalog); err != nil {
			return nil, fmt.Errorf("demo: the service catalog: %w", err)
		} else if added {
			log.Info("demo service catalog imported")
		}
	}
	counter := desk.New(desk.Deps{Store: st.Desk(), Grants: staffSvc, Sessions: sessions, Limiter: limiter, Notifier: outbox, Links: links,
		Hasher: hasher, Locks: locks, Centers: centerNames{centerStore}, Others: letters, Site: siteName, Now: o.Now, Rand: o.Rand, NewID: newID})
	if cfg.Demo() {
		created, err := demo.SeedStaff(ctx, staffSvc, centerExists)
		if err != nil {
			return nil, err
		}
		if created {
			log.Info("demo staff created", "administrator", demo.Staff[0].Login, "operator", demo.Staff[1].Login, "post_operator", demo.Staff[2].Login,
				"catalog_editor", demo.Staff[3].Login, "password", demo.Password)
		}
	}
	// Single sign-on for other e-government sites (issue 15): the
	// registered sites, the rules, the signing keys (made on first use),
	// and the provider at <base URL>/oidc.
	signOn := sso.New(sso.Deps{Store: st.SSO(), Clients: st.RelyingParties(), Now: o.Now, Rand: o.Rand, Logouts: oidcop.JobQueue{Runner: runner}})
	// The end of a kabinet session ends the sign-ins at sites it made; a
	// plain sign-out (a new sign-in in the same browser, a session that
	// lapsed) leaves the offline access a citizen gave; the end of every
	// other session, a security action, ends every other sign-in.
	sessions.OnEnd(func(ctx context.Context, e session.End) error {
		if e.Others {
			return signOn.AllSessionsEnded(ctx, e.AccountID, e.Kept)
		}
		plain := e.Reason == session.EndedSignOut || e.Reason == session.EndedReplaced || e.Reason == session.EndedLapsed
		return signOn.SessionsEnded(ctx, e.AccountID, e.IDs, plain)
	})
	signingKeys := sso.NewKeys(st.SSO(), o.Now, func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(o.Rand, sso.KeyBits) }, newID)
	idp, err := oidcop.New(oidcop.Deps{SSO: signOn, Keys: signingKeys, Issuer: strings.TrimSuffix(cfg.Server.BaseURL, "/") + "/oidc",
		TokenKey: keys.Subkey("oidc/token/v1"), LoginURL: func(id string) string { return "/oidc/login?id=" + url.QueryEscape(id) },
		LogoutURL: func(sealed string) string { return "/oidc/logout?l=" + url.QueryEscape(sealed) }, Home: strings.TrimSuffix(cfg.Server.BaseURL, "/") + "/",
		Claims: ssoClaims{st: st, prof: prof, more: more, rules: signOn, ledger: newReleaseLedger(st, signOn)}, CacheTTL: cfg.Sessions.CacheTTL})
	if err != nil {
		return nil, err
	}
	provider.Store(idp)
	rps := relyingparty.New(relyingparty.Deps{Store: st.RelyingParties(), Grants: staffSvc, Now: o.Now, Rand: o.Rand})
	if cfg.Demo() && cfg.SSO.DemoRPAddr != "" {
		if err := a.startDemoRP(ctx, cfg, rps, keys); err != nil {
			return nil, err
		}
	}
	srv, err := web.NewServer(web.Deps{
		SSO: signOn, OIDC: idp, RelyingParties: rps,
		Profile: prof, Extras: more, Places: dir, Centers: finder, MapTilesURL: cfg.Map.TilesURL, MapTilesAttribution: cfg.Map.TilesAttribution, Registration: reg, SignIn: sig, Recovery: rec, Credential: cred, Deletion: del, ContactChange: contacts, Staff: staffSvc, Desk: counter, Letters: letters, LetterPrinter: letterPrinter(cfg, dir), Signatures: signatures, Region: region.New(st.Accounts(), sessions, dir, o.Now), Gazetteer: gaz, Services: services, CenterNames: centerNames{centerStore}, CenterExists: centerExists, AuditSearch: audit.Search{Store: st.AuditLog()}, Sessions: sessions, Export: exports, DataAccess: dataAccess, Codes: codes, Devices: locks, Outbox: st.Notifications(),
		Catalog: cat, Logger: log, Metrics: metrics, Ready: st.Ping,
		MetricsRoute: cfg.MetricsOnMain(), MetricsToken: cfg.Metrics.Token,
		BaseURL: cfg.Server.BaseURL, Demo: cfg.Demo(), SecondStep: cfg.SignIn.SecondStep, TrustedProxies: cfg.Server.TrustedProxies,
		Site:          site(cfg),
		Fault:         a.fault,
		SessionMaxAge: cfg.Sessions.Lifetime, Now: o.Now, Rand: o.Rand,
	})
	if err != nil {
		return nil, err
	}
	a.Handler, a.web = srv, srv
	ok = true
	return a, nil
}

// Jobs is the job runner (the benchmark inserts and waits on jobs).
func (a *App) Jobs() *jobs.Runner { return a.jobs }

// fault logs and counts an error that must not fail the request it
// happened in, so that it is never dropped silently.
func (a *App) fault(msg string, err error) {
	a.faults.WithLabelValues(msg).Inc()
	a.log.Error(msg, "error", err)
}

// Migrate applies kabinet's and River's migrations.
func Migrate(ctx context.Context, st *store.Store, jobsDB *sql.DB) error {
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	return jobs.Migrate(ctx, jobsEngine(st.Dialect()), jobsDB)
}

func jobsEngine(d store.Dialect) jobs.Engine {
	if d == store.Postgres {
		return jobs.Postgres
	}
	return jobs.SQLite
}

// MaxHeaderBytes caps the request line and headers: a request with more is
// answered 431 by net/http itself. net/http reads 4096 bytes beyond
// http.Server.MaxHeaderBytes before it refuses, so the server is given the
// cap less that slack.
const MaxHeaderBytes = 16 << 10

// Start begins background work and listens on the configured address (or
// on l when given, for tests on port 0). It returns once listening.
func (a *App) Start(ctx context.Context, l net.Listener) error {
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	a.stop = stop
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		// Other nodes' session changes (PostgreSQL only; returns at once on SQLite).
		gap := a.Sessions.ForgetAll
		if a.listening != nil {
			gap = func() { a.Sessions.ForgetAll(); a.listening() }
		}
		a.Store.Sessions().ListenSessionsChanged(bg, a.Sessions.Forget, gap, func(err error) {
			a.fault("sessions: LISTEN connection lost; the session cache is dropped at reconnection", err)
		})
	}()
	if a.started {
		if err := a.jobs.Start(ctx); err != nil {
			return fmt.Errorf("app: jobs: %w", err)
		}
	}
	if l == nil {
		var err error
		if l, err = net.Listen("tcp", a.Config.Server.Addr); err != nil {
			return fmt.Errorf("app: listen: %w", err)
		}
	}
	if a.Config.Metrics.Addr != "" {
		if err := a.startMetrics(); err != nil {
			_ = l.Close()
			return err
		}
	}
	a.listener = l
	a.server = &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    MaxHeaderBytes - 4096,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := a.server.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("serve", "error", err)
		}
	}()
	a.log.Info("listening", "addr", l.Addr().String(), "url", a.Config.Server.BaseURL, "demo", a.Config.Demo())
	return nil
}

// startMetrics serves /metrics alone on KABINET_METRICS_ADDR.
func (a *App) startMetrics() error {
	l, err := net.Listen("tcp", a.Config.Metrics.Addr)
	if err != nil {
		return fmt.Errorf("app: metrics listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.web.MetricsHandler())
	a.metricsL = l
	a.metrics = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second,
		IdleTimeout: 120 * time.Second, MaxHeaderBytes: MaxHeaderBytes - 4096, ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	go func() {
		if err := a.metrics.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("serve metrics", "error", err)
		}
	}()
	a.log.Info("metrics listening", "addr", l.Addr().String())
	return nil
}

// MetricsAddr is the address of the metrics listener, once started with
// KABINET_METRICS_ADDR set.
func (a *App) MetricsAddr() string {
	if a.metricsL == nil {
		return ""
	}
	return a.metricsL.Addr().String()
}

// Addr is the address the app listens on, once started.
func (a *App) Addr() string {
	if a.listener == nil {
		return ""
	}
	return a.listener.Addr().String()
}

// StartJobs works background jobs without serving HTTP (tests of delivery).
func (a *App) StartJobs(ctx context.Context) error { return a.jobs.Start(ctx) }

// Close stops serving (letting requests in flight finish until ctx ends),
// stops the job workers, and closes the database.
func (a *App) Close(ctx context.Context) error {
	var errs []error
	if a.server != nil {
		errs = append(errs, a.server.Shutdown(ctx))
	}
	if a.metrics != nil {
		errs = append(errs, a.metrics.Shutdown(ctx))
	}
	if a.stop != nil {
		a.stop()
		a.bg.Wait()
	}
	if a.started {
		errs = append(errs, a.jobs.Stop(ctx))
	}
	errs = append(errs, a.closeStorage())
	return errors.Join(errs...)
}

func (a *App) closeStorage() error {
	var errs []error
	if a.smsSim != nil {
		errs = append(errs, a.smsSim.Close())
	}
	if a.registrySim != nil {
		errs = append(errs, a.registrySim.Close())
	}
	if a.demoRP != nil {
		errs = append(errs, a.demoRP.Close())
	}
	if a.jobsDB != nil {
		errs = append(errs, a.jobsDB.Close())
	}
	errs = append(errs, a.Store.Close())
	if a.releaseNode != nil {
		a.releaseNode()
	}
	return errors.Join(errs...)
}

// AdoptLogins returns, for `kabinet rekey` (RekeyOptions.Indexed), what
// moves the lockout guard of a phone or an e-mail (each a login) kept under
// an old master secret to the current one.
func AdoptLogins(st *store.Store, keys *pii.Keyring) func(ctx context.Context, kind, value string) error {
	locks := lockout.New(st.LoginGuards(), throttle.New(st.RateLimits(), time.Now, keys.Subkeys("throttle/v1")...),
		lockout.Policy{}, keys.Subkeys("lockout/v1"), time.Now, nil)
	return func(ctx context.Context, kind, value string) error {
		if kind == "passport" {
			return nil // not a login
		}
		if kind == "snils" {
			value = document.SNILS(value).String() // a SNILS login's lockout key is its written form
		}
		return locks.Adopt(ctx, value)
	}
}

// LoadKeys reads the master secret from the config or from the data
// directory, generating it there on first start.
func LoadKeys(cfg config.Config, r io.Reader, log *slog.Logger) (*pii.Keyring, error) {
	secret := cfg.Keys.Secret
	if secret == "" {
		path := filepath.Join(cfg.Storage.DataDir, "secret.key")
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			secret = string(b)
		case errors.Is(err, os.ErrNotExist):
			if cfg.Server.Env == config.Production {
				return nil, errors.New("app: KABINET_SECRET_KEY is required in production (every node needs the same key)")
			}
			if secret, err = pii.GenerateSecret(r); err != nil {
				return nil, err
			}
			if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
				return nil, fmt.Errorf("app: write %s: %w", path, err)
			}
			log.Warn("generated a new master secret", "path", path)
		default:
			return nil, fmt.Errorf("app: read %s: %w", path, err)
		}
	}
	master, err := pii.ParseSecret(secret)
	if err != nil {
		return nil, fmt.Errorf("app: master secret: %w", err)
	}
	var old [][]byte
	for _, o := range cfg.Keys.OldSecrets {
		b, err := pii.ParseSecret(o)
		if err != nil {
			return nil, fmt.Errorf("app: old secret: %w", err)
		}
		old = append(old, b)
	}
	return pii.NewKeyring(master, old, r)
}

// senders picks the SMS and e-mail transports: the configured gateway and
// SMTP server, else the log (the outbox page shows the messages in demo
// mode).
func senders(cfg config.Config, log *slog.Logger) (sms, email transport.Sender, err error) {
	console := transport.Console{W: slogWriter{log}}
	sms, email = console, console
	if cfg.SMS.GatewayURL != "" {
		sms = &transport.SMSGateway{URL: cfg.SMS.GatewayURL, Token: cfg.SMS.GatewayToken}
	}
	if cfg.Mail.SMTPURL != "" {
		if email, err = transport.NewSMTP(cfg.Mail.SMTPURL, cfg.Mail.From); err != nil {
			return nil, nil, err
		}
	}
	return sms, email, nil
}

// slogWriter turns the console sender's lines into log records.
type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.log.Info("notification (not delivered: no transport configured)", "line", strings.TrimRight(string(p), "\r\n"))
	return len(p), nil
}

// links builds the absolute URLs put into messages.
type links struct{ base string }

// checkFunc is a function as a jobs.Checker.
type checkFunc func(ctx context.Context, id string) (time.Duration, error)

func (f checkFunc) RunVerification(ctx context.Context, id string) (time.Duration, error) {
	return f(ctx, id)
}

// lapseFunc is a function as a jobs.Lapser.
type lapseFunc func(ctx context.Context) (int, error)

func (f lapseFunc) EndLapsed(ctx context.Context) (int, error) { return f(ctx) }

// eraseFunc is a function as a jobs.Eraser.
type eraseFunc func(ctx context.Context) (int, error)

func (f eraseFunc) EraseDue(ctx context.Context) (int, error) { return f(ctx) }

func (l links) RegistrationLink(id, token string) string {
	return l.base + "/register/" + id + "/link?token=" + url.QueryEscape(token)
}
func (l links) RecoveryLink(id, token string) string {
	return l.base + "/recover/" + id + "/link?token=" + url.QueryEscape(token)
}
func (l links) ContactLink(id, token string) string {
	return l.base + "/account/contacts/" + id + "/link?token=" + url.QueryEscape(token)
}
func (l links) ContactUndoLink(id, token string) string {
	return l.base + "/account/undo/" + id + "?token=" + url.QueryEscape(token)
}
func (l links) SignIn() string   { return l.base + "/signin" }
func (l links) Recovery() string { return l.base + "/recover" }
func (l links) Register() string { return l.base + "/register" }
func (l links) Account() string  { return l.base + "/account" }

// LetterCode is the page where a letter's code is typed; with a code, the
// link of the letter's QR code (the code filled in).
func (l links) LetterCode(code string) string {
	if code == "" {
		return l.base + "/account/confirmation"
	}
	return l.base + "/account/confirmation/code?code=" + url.QueryEscape(code)
}
func (l links) PersonalData() string {
	return l.base + "/account/personal-data"
}

// NewLogger builds the structured logger the config asks for.
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// startSMSSim runs the SMS gateway simulator on a loopback port and points
// the configuration at it, so that demo SMS travel the same HTTP path as in
// production (and show on the simulator's page as well as /dev/outbox).
func (a *App) startSMSSim(cfg *config.Config) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("app: SMS simulator: %w", err)
	}
	token := "demo-" + fmt.Sprint(time.Now().UnixNano())
	a.smsSim = &http.Server{Handler: smssim.New(smssim.Config{Token: token}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = a.smsSim.Serve(l) }()
	cfg.SMS.GatewayURL, cfg.SMS.GatewayToken = "http://"+l.Addr().String()+"/send", token
	a.log.Info("demo SMS gateway simulator", "url", "http://"+l.Addr().String()+"/")
	return nil
}

// startDemoRP runs the demo's relying party on its address (a free port
// when that one is taken) and keeps it registered, with a secret derived
// from the master secret and its redirect URI on that port.
func (a *App) startDemoRP(ctx context.Context, cfg config.Config, rps *relyingparty.Registry, keys *pii.Keyring) error {
	l, err := net.Listen("tcp", cfg.SSO.DemoRPAddr)
	if err != nil {
		if l, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return fmt.Errorf("app: demo relying party: %w", err)
		}
	}
	base := "http://" + l.Addr().String()
	secret := base64.RawURLEncoding.EncodeToString(keys.Subkey("demo-rp/secret/v1"))
	err = rps.Seed(ctx, relyingparty.Client{ID: demorp.ClientID,
		Name:       relyingparty.Text{RU: "Демонстрационный сайт", EN: "Demo site"},
		Purpose:    relyingparty.Text{RU: "Показать, что сайт электронного правительства получает при входе через kabinet", EN: "To show what an e-government site receives when a citizen signs in through kabinet"},
		PrivacyURL: base + "/", RedirectURIs: []string{base + "/callback"}, PostLogoutURIs: []string{base + "/"}, BackchannelLogoutURI: base + demorp.BackchannelPath,
		Scopes: []string{"fullname", "birthdate", "gender", "snils", "email", "mobile"}, MaxLevel: account.Confirmed}, secret)
	if err != nil {
		_ = l.Close()
		return fmt.Errorf("app: demo relying party: %w", err)
	}
	site := demorp.New(demorp.Config{Issuer: strings.TrimSuffix(cfg.Server.BaseURL, "/") + "/oidc", ClientID: demorp.ClientID, Secret: secret, URL: base, Logger: a.log})
	a.demoRP = &http.Server{Handler: site.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = a.demoRP.Serve(l) }()
	a.log.Info("demo relying party (a site that signs in through kabinet)", "url", base+"/")
	return nil
}

// demoRegistryDelays are how long the demo's registries take to answer: a
// few seconds, so that a newcomer sees the checks progress.
var demoRegistryDelays = map[registry.ID]time.Duration{registry.SFR: 2 * time.Second, registry.MVD: 3 * time.Second, registry.FNS: time.Second}

// startRegistrySim runs the registry simulator on a loopback port, with
// the demo people and any other citizen taken as matching, and points the
// configuration at it: demo checks travel the same HTTP path as real ones.
func (a *App) startRegistrySim(cfg *config.Config, instant bool) error {
	behaviour := map[registry.ID]registrysim.Behaviour{}
	if !instant {
		for id, d := range demoRegistryDelays {
			behaviour[id] = registrysim.Behaviour{Delay: d}
		}
	}
	token := "demo-" + fmt.Sprint(time.Now().UnixNano())
	sim, err := registrysim.New(registrysim.Config{Citizens: registrysim.DemoCitizens(), Demo: true, Token: token, Behaviour: behaviour})
	if err != nil {
		return fmt.Errorf("app: registry simulator: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("app: registry simulator: %w", err)
	}
	a.registrySim = &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = a.registrySim.Serve(l) }()
	cfg.Registry.URL, cfg.Registry.Token = "http://"+l.Addr().String(), token
	a.log.Info("demo registry simulator", "url", cfg.Registry.URL+"/")
	return nil
}

func site(cfg config.Config) web.SiteInfo {
	s := web.SiteInfo{Operator: cfg.Server.OperatorName, OperatorEN: cfg.Server.OperatorNameEN, SupportPhone: cfg.Server.SupportPhone, SupportEmail: cfg.Server.SupportEmail}
	if cfg.Demo() {
		s.DemoLogin, s.DemoPassword = "+7 900 000-00-01", demo.Password
		s.DemoStandardLogin, s.DemoStandardSNILS = "+7 900 000-00-02", demo.StandardSNILS.String()
		s.DemoConfirmedLogin = "+7 900 000-00-03"
		s.DemoLetterLogin, s.DemoLetterCode = "+7 900 000-00-04", letter.FormatCode(demo.LetterCode)
		for _, m := range demo.Staff {
			s.DemoStaff = append(s.DemoStaff, web.DemoStaff{Login: m.Login, Role: m.Role, Secret: m.Secret})
		}
	}
	return s
}

// quieter returns a logger that drops records below min (River reports its
// routine work at info level every few seconds).
func quieter(l *slog.Logger, min slog.Level) *slog.Logger {
	return slog.New(minLevel{Handler: l.Handler(), min: min})
}

type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(a []slog.Attr) slog.Handler {
	return minLevel{Handler: h.Handler.WithAttrs(a), min: h.min}
}

func (h minLevel) WithGroup(n string) slog.Handler {
	return minLevel{Handler: h.Handler.WithGroup(n), min: h.min}
}

func prefixBudgets(in []config.PrefixBudget) []flow.PrefixBudget {
	out := make([]flow.PrefixBudget, len(in))
	for i, b := range in {
		out[i] = flow.PrefixBudget{Prefix: b.Prefix, Unlimited: b.Unlimited, Max: b.Max, Window: b.Window}
	}
	return out
}

// budgetAlarm counts SMS refused by a deployment-wide budget and logs an
// error the first time each budget refuses in a minute: an operator must
// look (SMS pumping, or a budget too small for the traffic).
func budgetAlarm(reg *prometheus.Registry, log *slog.Logger, now func() time.Time) func(string) {
	reached := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kabinet_sms_budget_reached_total",
		Help: "SMS refused because a deployment-wide SMS budget (per minute, per hour, per number range) was reached."}, []string{"budget"})
	reg.MustRegister(reached)
	var (
		mu   sync.Mutex
		last = map[string]time.Time{}
	)
	return func(budget string) {
		reached.WithLabelValues(budget).Inc()
		mu.Lock()
		t := now()
		alert := t.Sub(last[budget]) >= time.Minute
		if alert {
			last[budget] = t
		}
		mu.Unlock()
		if alert {
			log.Error("SMS budget reached: codes are refused until it frees; check for SMS pumping or raise the budget", "budget", budget)
		}
	}
}

// CenterExists checks a service center's ID against the directory.
func CenterExists(st *store.Store) staff.CenterCheck {
	return func(ctx context.Context, id string) (bool, error) {
		_, ok, err := st.Centers().Center(ctx, id)
		return ok, err
	}
}

// townPoint finds a town's coordinates in the reference data (the name
// compared as the finder compares localities); villages are not in it.
func townPoint(dir *places.Directory) func(region, locality string) (float64, float64, bool) {
	return func(region, locality string) (float64, float64, bool) {
		key := centers.Fold(locality)
		for _, l := range dir.Localities(region) {
			if centers.Fold(l.Name) == key {
				return l.Lat, l.Lon, true
			}
		}
		return 0, 0, false
	}
}

// centerNames names service centers from the directory (audit.CenterNames).
type centerNames struct{ st *store.Centers }

func (c centerNames) CenterName(ctx context.Context, id string) (string, bool) {
	x, ok, err := c.st.Center(ctx, id)
	if err != nil || !ok {
		return "", false
	}
	return x.Name, true
}

// lockoutPolicy is the password lockout of the settings: citizens' and
// staff's logins alike (staff's under "staff:").
func lockoutPolicy(cfg config.Config) lockout.Policy {
	return lockout.Policy{MaxChecks: cfg.SignIn.PasswordMaxFailures, Window: cfg.SignIn.PasswordLockout, BaseLock: cfg.SignIn.PasswordLockout,
		MaxLock: cfg.SignIn.PasswordLockoutMax, MaxConsecutive: cfg.SignIn.PasswordSuspendAfter, DeviceChecks: 2 * cfg.SignIn.PasswordMaxFailures}
}

// staffPolicy is the staff sessions' settings.
func staffPolicy(cfg config.Config) staff.Policy {
	return staff.Policy{Idle: cfg.Staff.Idle, Lifetime: cfg.Staff.Lifetime, Reauth: cfg.Staff.Reauth, Issuer: cfg.Staff.Issuer}
}

// letterPrinter prints the letters' batches with the sender of the
// settings (the operator's name unless one is set), the regions named as
// on an envelope and the dates in Moscow time.
func letterPrinter(cfg config.Config, dir *places.Directory) letterpdf.Printer {
	name := cfg.Letters.SenderName
	if name == "" {
		name = cfg.Server.OperatorName
	}
	var lines []string
	for _, l := range strings.Split(cfg.Letters.SenderAddress, ";") {
		lines = append(lines, strings.TrimSpace(l))
	}
	return letterpdf.Printer{Sender: letterpdf.Sender{Name: name, Address: lines, Support: cfg.Server.SupportPhone}, SiteURL: cfg.Server.BaseURL,
		Location: i18n.Moscow, RegionName: func(code string) string {
			if r, ok := dir.Region(code); ok {
				return r.NameWithType
			}
			return ""
		}}
}
