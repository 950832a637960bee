// Package config defines kabinet's settings: one struct of per-feature
// sections whose defaults run the demo, filled from KABINET_* environment
// variables (and _FILE variants for secrets), validated before anything
// starts, and printable with the secrets hidden.
//
// Every setting is declared once: a field of its section's struct, and one
// row in that section's settings method binding the field to its
// environment name, default, secrecy, rules and documentation. Load,
// Validate, the redacted dump and docs/configuration.md (checked by a test)
// all come from those rows; checks that relate several settings are a
// section's validate method (or Config's, across sections). config imports
// only the standard library.
package config

import (
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// Env names the kind of deployment.
type Env string

const (
	Development Env = "development" // demo mode: demo data, /dev/outbox, a banner on every page
	Production  Env = "production"
)

// Config is every setting kabinet reads at start, one section per feature.
type Config struct {
	Server    Server
	Storage   Storage
	Keys      Keys
	Mail      Mail
	SMS       SMS
	Registry  Registry
	Sessions  Sessions
	Staff     Staff
	Codes     Codes
	SignIn    SignIn
	Argon2    Argon2
	Retention Retention
	Metrics   Metrics
	Log       Log
	Map       Map
	Letters   Letters
	SSO       SSO
}

// sections lists the sections in the order of the dump and the docs.
func (c *Config) sections() []part {
	return []part{
		{"Server", "Where kabinet listens, the address people reach it at, and what every page says about who runs it.", &c.Server},
		{"Storage", "Where the data lives: SQLite in the data directory, or PostgreSQL.", &c.Storage},
		{"Keys", "The master secret from which the keys for personal data, look-up indexes and codes are derived.", &c.Keys},
		{"Mail", "How e-mail leaves kabinet.", &c.Mail},
		{"SMS", "How SMS leave kabinet.", &c.SMS},
		{"Registries", "Where kabinet checks personal data: the Social Fund, the Ministry of Internal Affairs and the Tax Service, reached over HTTP (the registry simulator's API, docs/registry-sim.md).", &c.Registry},
		{"Sessions", "How long a sign-in lasts.", &c.Sessions},
		{"Staff", "The staff console at `/staff`: how long a staff sign-in lasts and how recent a code a sensitive action wants.", &c.Staff},
		{"Codes", "One-time codes and links: their lifetimes and attempts, and the limits that keep them from being abused or from running up the SMS bill.", &c.Codes},
		{"Sign-in", "The second step, password lockout and the brakes on credential stuffing.", &c.SignIn},
		{"Password hashing", "The cost of argon2id, with which passwords are hashed.", &c.Argon2},
		{"Retention", "How long records are kept before the sweeps delete them.", &c.Retention},
		{"Metrics", "Prometheus metrics at `/metrics`.", &c.Metrics},
		{"Log", "What the log says and how.", &c.Log},
		{"Map", "The map of the service-center finder (`/centers`).", &c.Map},
		{"Letters", "The registered letters with a confirmation code (issue 13 §1): how long a code works and what the letter says about its sender.", &c.Letters},
		{"Single sign-on", "kabinet as an OpenID Connect provider for other e-government sites (issue 15), at `<base URL>/oidc`; the sites are registered with `kabinet rp add` or in the staff console.", &c.SSO},
	}
}

// validate holds the checks that relate settings of different sections.
func (c *Config) validate(v *checker) {
	if c.Server.Env == Production {
		if u, err := url.Parse(c.Server.BaseURL); err == nil && u.Scheme == "http" {
			v.fail(&c.Server.BaseURL, "production needs an https URL, got %q", c.Server.BaseURL)
		}
		if c.Mail.SMTPURL == "" {
			v.fail(&c.Mail.SMTPURL, "required in production")
		}
		if c.SMS.GatewayURL == "" {
			v.fail(&c.SMS.GatewayURL, "required in production")
		}
		if c.Registry.URL == "" {
			v.fail(&c.Registry.URL, "required in production")
		}
	}
	if c.Metrics.Addr != "" && c.Metrics.Addr == c.Server.Addr {
		v.fail(&c.Metrics.Addr, "must differ from %s", v.env(&c.Server.Addr))
	}
}

// Demo reports whether demo mode is on.
func (c Config) Demo() bool { return c.Server.Env != Production }

// MetricsOnMain reports whether the main listener serves /metrics: not when
// they have a listener of their own, and in production only behind a token.
func (c Config) MetricsOnMain() bool {
	return c.Metrics.Addr == "" && (c.Demo() || c.Metrics.Token != "")
}

// Server is where kabinet listens and what its pages say about the deployment.
type Server struct {
	Addr           string   // host:port to listen on
	BaseURL        string   // public URL, used in links sent by e-mail and for cookie security
	Env            Env      // development (demo mode) or production
	TrustedProxies []string // CIDRs whose X-Forwarded-For is believed
	OperatorName   string   // the organisation running this deployment, shown in the footer
	OperatorNameEN string   // its English name, for the English pages
	SupportPhone   string   // shown on every page
	SupportEmail   string
}

func (s *Server) settings() []setting {
	return []setting{
		{env: "KABINET_ADDR", def: "127.0.0.1:8080", field: text(&s.Addr, hostPort),
			doc: "Address to listen on (host:port)."},
		{env: "KABINET_BASE_URL", field: link(&s.BaseURL, urlOf("http", "https")),
			doc: "Public URL of the site, used in e-mailed links. Default: http:// plus KABINET_ADDR."},
		{env: "KABINET_ENV", def: "development", field: text(&s.Env, oneOf(Development, Production)),
			doc: "`development` (demo mode: demo data, the /dev/outbox page, a banner on every page) or `production`."},
		{env: "KABINET_TRUSTED_PROXIES", field: list(&s.TrustedProxies, cidrs),
			doc: "Comma-separated CIDRs of reverse proxies whose X-Forwarded-For header is believed."},
		{env: "KABINET_OPERATOR_NAME", def: demoOperator, field: text(&s.OperatorName),
			doc: "Name of the organisation running this deployment, shown in the footer of the Russian pages."},
		{env: "KABINET_OPERATOR_NAME_EN", def: demoOperatorEN, field: text(&s.OperatorNameEN, nonEmpty),
			doc: "The organisation's name in English, shown in the footer of the English pages. Required once KABINET_OPERATOR_NAME is changed."},
		{env: "KABINET_SUPPORT_PHONE", def: "8 800 000-00-00", field: text(&s.SupportPhone),
			doc: "Support phone number shown on every page."},
		{env: "KABINET_SUPPORT_EMAIL", def: "support@kabinet.localhost", field: text(&s.SupportEmail),
			doc: "Support e-mail address shown on every page."},
	}
}

// Storage is where the data lives.
type Storage struct {
	DataDir     string // SQLite database, generated keys
	DatabaseURL string // empty: SQLite in DataDir; postgres://… switches to PostgreSQL
}

func (s *Storage) settings() []setting {
	return []setting{
		{env: "KABINET_DATA_DIR", def: "./data", field: text(&s.DataDir, nonEmpty),
			doc: "Directory for the SQLite database and generated keys."},
		{env: "KABINET_DATABASE_URL", secret: urlPassword, field: text(&s.DatabaseURL, orEmpty(startsWith("postgres://", "postgresql://", "sqlite://"))),
			doc: "Empty: SQLite in the data directory. `sqlite:///path/file.db` for another SQLite file; `postgres://user:pass@host:5432/db` for PostgreSQL."},
	}
}

// UsesPostgres reports whether DatabaseURL names a PostgreSQL server.
func (s Storage) UsesPostgres() bool {
	return strings.HasPrefix(s.DatabaseURL, "postgres://") || strings.HasPrefix(s.DatabaseURL, "postgresql://")
}

// SQLitePath is the SQLite database file used when not on PostgreSQL.
func (s Storage) SQLitePath() string {
	if p, ok := strings.CutPrefix(s.DatabaseURL, "sqlite://"); ok {
		return p
	}
	if s.DatabaseURL != "" && !s.UsesPostgres() {
		return s.DatabaseURL
	}
	return filepath.Join(s.DataDir, "kabinet.db")
}

// Keys are the master secrets.
type Keys struct {
	Secret     string   // base64 master secret (≥32 bytes); generated into the data directory when empty
	OldSecrets []string // previous master secrets, still accepted for decryption
}

func (k *Keys) settings() []setting {
	return []setting{
		{env: "KABINET_SECRET_KEY", secret: hidden, field: text(&k.Secret),
			doc: "Master secret (base64, at least 32 bytes) from which the encryption, index and code keys are derived. Generated into `<data dir>/secret.key` on first start when empty. Several nodes must share it."},
		{env: "KABINET_OLD_SECRET_KEYS", secret: hidden, field: list(&k.OldSecrets),
			doc: "Comma-separated previous master secrets, still used to decrypt data written under them and to find and check the indexes, codes, limits and locks made under them, until `kabinet rekey` has moved everything to the current one (key rotation: docs/operations.md)."},
	}
}

// Mail is how e-mail is sent.
type Mail struct {
	SMTPURL string // smtp://host:port; empty: e-mail goes to the log and /dev/outbox only
	From    string
}

func (m *Mail) settings() []setting {
	return []setting{
		{env: "KABINET_SMTP_URL", secret: urlPassword, field: text(&m.SMTPURL, orEmpty(urlOf("smtp", "smtps"))),
			doc: "SMTP server for e-mail: `smtp://host:port`, `smtp://user:pass@host:587?tls=mandatory`, `smtps://host:465`. Empty: e-mail is only logged (and shown on /dev/outbox in demo mode)."},
		{env: "KABINET_MAIL_FROM", def: "Кабинет <no-reply@kabinet.localhost>", field: text(&m.From),
			doc: "Sender address of e-mail."},
	}
}

// SMS is how SMS are sent.
type SMS struct {
	GatewayURL   string // the HTTP SMS gateway; empty: SMS go to the log and /dev/outbox only
	GatewayToken string
}

func (s *SMS) settings() []setting {
	return []setting{
		{env: "KABINET_SMS_GATEWAY_URL", field: text(&s.GatewayURL, orEmpty(urlOf("http", "https"))),
			doc: "HTTP SMS gateway: kabinet POSTs `{\"to\",\"text\",\"id\"}` JSON here with a bearer token. Empty: SMS are only logged (and shown on /dev/outbox in demo mode)."},
		{env: "KABINET_SMS_GATEWAY_TOKEN", secret: hidden, field: text(&s.GatewayToken),
			doc: "Bearer token for the SMS gateway."},
	}
}

// Registry is how kabinet reaches the state registries.
type Registry struct {
	URL     string        // base URL of the registries' HTTP API; empty in demo mode: the in-process simulator
	Token   string        // bearer token for it
	Timeout time.Duration // bound on each call
	// Verification: how many checks one node runs at once, the longest wait
	// between attempts while a registry does not answer, when a pending
	// check counts as stuck, and the circuit breaker per registry.
	Workers         int
	RetryMax        time.Duration
	StuckAfter      time.Duration
	BreakerFailures int
	BreakerOpen     time.Duration
}

func (r *Registry) settings() []setting {
	return []setting{
		{env: "KABINET_REGISTRY_URL", field: text(&r.URL, orEmpty(urlOf("http", "https"))),
			doc: "Base URL of the registries' HTTP API (`kabinet registry-sim` serves it; see docs/registry-sim.md). Empty in demo mode: kabinet starts the registry simulator in-process on a 127.0.0.1 port of its own, with the demo people, answering within a few seconds and taking anyone else as matching."},
		{env: "KABINET_REGISTRY_TOKEN", secret: hidden, field: text(&r.Token),
			doc: "Bearer token for the registries' API."},
		{env: "KABINET_REGISTRY_TIMEOUT", def: "30s", field: duration(&r.Timeout, between(100*time.Millisecond, 35*time.Second)),
			doc: "How long kabinet waits for one registry answer before counting the call as failed for now (and asking again later). At most 35s: one attempt at a check must end before the job queue would take it back (decision 2)."},
		{env: "KABINET_VERIFICATION_WORKERS", def: "32", field: count(&r.Workers, between(1, 256)),
			doc: "How many verifications of personal data one node works at once (each asks its registries at once and mostly waits for them)."},
		{env: "KABINET_VERIFICATION_RETRY_MAX", def: "10m", field: duration(&r.RetryMax, between(time.Second, 24*time.Hour)),
			doc: "The longest wait before a check is asked again while its registry does not answer (the wait starts at 5s and doubles per attempt). A check is never failed for an outage: it waits."},
		{env: "KABINET_VERIFICATION_STUCK_AFTER", def: "1h", field: duration(&r.StuckAfter, positive),
			doc: "A check still without an answer this long after it was submitted counts as stuck: in `/metrics` (`kabinet_verification_checks_stuck`) and in `kabinet verifications --stuck`."},
		{env: "KABINET_REGISTRY_BREAKER_FAILURES", def: "5", field: count(&r.BreakerFailures, between(1, 1000)),
			doc: "Consecutive calls a registry leaves unanswered before kabinet stops calling it for a while (the circuit breaker opens) and lets checks wait."},
		{env: "KABINET_REGISTRY_BREAKER_OPEN", def: "30s", field: duration(&r.BreakerOpen, between(time.Second, time.Hour)),
			doc: "How long an open circuit breaker waits before one trial call to its registry."},
	}
}

// The demo deployment's operator, in both languages.
const (
	demoOperator   = "Демонстрационный стенд kabinet"
	demoOperatorEN = "kabinet demonstration deployment"
)

// validate keeps the English pages from naming the demo operator once the
// Russian name is a real one.
func (s *Server) validate(v *checker) {
	if s.OperatorName != demoOperator && s.OperatorNameEN == demoOperatorEN {
		v.fail(&s.OperatorNameEN, "required when %s is set", v.env(&s.OperatorName))
	}
}

func (s *SMS) validate(v *checker) {
	if s.GatewayURL != "" && s.GatewayToken == "" {
		v.fail(&s.GatewayToken, "required when %s is set", v.env(&s.GatewayURL))
	}
}

// Sessions is how long a sign-in lasts.
type Sessions struct {
	Lifetime time.Duration // absolute session lifetime
	Idle     time.Duration // a session not used this long ends
	CacheTTL time.Duration // how long a node trusts its memory of a session (0: ask the database every time)
}

func (s *Sessions) settings() []setting {
	return []setting{
		{env: "KABINET_SESSION_LIFETIME", def: "12h", field: duration(&s.Lifetime, positive),
			doc: "A session ends this long after sign-in."},
		{env: "KABINET_SESSION_IDLE", def: "30m", field: duration(&s.Idle, positive),
			doc: "A session not used for this long ends (to within 1%: last use is recorded every hundredth of it). Signed-in pages warn two minutes before and offer to stay signed in."},
		{env: "KABINET_SESSION_CACHE_TTL", def: "2s", field: duration(&s.CacheTTL, between(0, time.Minute)),
			doc: "How long a node keeps an authenticated session in memory instead of reading it on every request. Ending a session takes effect at once on the node that ends it and, on PostgreSQL, on the others as soon as they hear its announcement (LISTEN/NOTIFY); this is the bound should an announcement be lost. `0s` turns the cache off."},
	}
}

// Staff is the staff console's sessions.
type Staff struct {
	Idle     time.Duration // a staff session not used this long ends
	Lifetime time.Duration // absolute
	Reauth   time.Duration // a sensitive action wants a code at most this old
	Issuer   string        // the name authenticator apps show
}

func (s *Staff) settings() []setting {
	return []setting{
		{env: "KABINET_STAFF_IDLE", def: "15m", field: duration(&s.Idle, between(time.Minute, 2*time.Hour)),
			doc: "A staff session not used for this long ends: a console left alone at a service center's desk signs out."},
		{env: "KABINET_STAFF_LIFETIME", def: "12h", field: duration(&s.Lifetime, between(time.Hour, 24*time.Hour)),
			doc: "A staff session ends this long after sign-in, used or not."},
		{env: "KABINET_STAFF_REAUTH", def: "5m", field: duration(&s.Reauth, between(time.Minute, time.Hour)),
			doc: "Sensitive staff actions (confirming identity, restoring access, managing staff) want a code from the authenticator typed at most this long ago, else they ask for a fresh one."},
		{env: "KABINET_STAFF_TOTP_ISSUER", def: "kabinet", field: text(&s.Issuer, nonEmpty),
			doc: "The name authenticator apps show next to a staff member's codes."},
	}
}

// Codes are one-time codes and links and the limits on sending them.
type Codes struct {
	SMSTTL       time.Duration // lifetime of an SMS code (300 s in the user's documents)
	EmailLinkTTL time.Duration // lifetime of an e-mailed link and code
	ResendAfter  time.Duration // cooldown before a new code may be requested
	MaxAttempts  int           // wrong entries allowed per code
	Interval     time.Duration // between two codes to one phone or address
	PerHour      int           // codes to one phone or address per rolling hour
	PerIP5Min    int           // codes requested from one network address per 5 minutes
	PerIPDay     int           // codes requested from one network address per day
	SMSPerMinute int           // SMS with codes the deployment sends per minute (0: no cap)
	SMSPerHour   int           // … per hour
	SMSPrefixes  []PrefixBudget
}

func (c *Codes) settings() []setting {
	return []setting{
		{env: "KABINET_SMS_CODE_TTL", def: "300s", field: duration(&c.SMSTTL, positive),
			doc: "Lifetime of a code sent by SMS."},
		{env: "KABINET_EMAIL_LINK_TTL", def: "24h", field: duration(&c.EmailLinkTTL, positive),
			doc: "Lifetime of a link (and the code beside it) sent by e-mail."},
		{env: "KABINET_CODE_RESEND_AFTER", def: "60s", field: duration(&c.ResendAfter, atLeast[time.Duration](0)),
			doc: "Cooldown before a new code can be requested (a new code also becomes available once the old one expires)."},
		{env: "KABINET_CODE_MAX_ATTEMPTS", def: "5", field: count(&c.MaxAttempts, atLeast(1)),
			doc: "Wrong entries allowed per code; then a new code is needed."},
		{env: "KABINET_CODE_INTERVAL", def: "60s", field: duration(&c.Interval, positive),
			doc: "Least time between two codes sent to one phone number or e-mail address, whichever flow asks."},
		{env: "KABINET_CODES_PER_HOUR", def: "5", field: count(&c.PerHour, atLeast(1)),
			doc: "Codes sent to one phone number or e-mail address in any hour, counted apart for codes anybody can ask for (registration, recovery) and second-step sign-in codes (which need the password). No limit on codes lasts longer than an hour, so nobody can keep an owner from their account by asking for codes."},
		{env: "KABINET_CODES_PER_IP_5M", def: "25", field: count(&c.PerIP5Min, atLeast(1)),
			doc: "Codes requested from one network address in any 5 minutes."},
		{env: "KABINET_CODES_PER_IP_DAY", def: "100", field: count(&c.PerIPDay, atLeast(1)),
			doc: "Codes requested from one network address in any 24 hours."},
		{env: "KABINET_SMS_BUDGET_PER_MINUTE", def: "300", field: count(&c.SMSPerMinute),
			doc: "SMS with codes the whole deployment sends in any minute (`0`: no cap). When reached, code requests get 503 with Retry-After, the metric `kabinet_sms_budget_reached_total` grows and an error is logged."},
		{env: "KABINET_SMS_BUDGET_PER_HOUR", def: "5000", field: count(&c.SMSPerHour),
			doc: "SMS with codes the whole deployment sends in any hour (`0`: no cap)."},
		{env: "KABINET_SMS_PREFIX_BUDGETS", def: "+79=none,+=30/1h,+979=0,+881=0,+882=0,+883=0", field: prefixBudgets(&c.SMSPrefixes),
			doc: "SMS budgets per range of numbers, against toll fraud: `prefix=max/window`, `prefix=none` (no budget of its own) or `prefix=0` (never send); the longest matching prefix decides and `+` matches every number. The default leaves Russian mobiles (+79) alone, lets all other numbers share 30 SMS an hour, and refuses international premium-rate (+979) and satellite ranges (+881, +882, +883)."},
	}
}

// SignIn is the second step, password lockout and the brakes on credential stuffing.
type SignIn struct {
	SecondStep           bool          // a one-time code after the password
	PasswordMaxFailures  int           // password checks per login per rolling window from unrecognised devices
	PasswordLockout      time.Duration // that window, and the first lock's length
	PasswordLockoutMax   time.Duration // locks double per episode up to this
	PasswordSuspendAfter int           // consecutive failures that suspend the password until recovery
	FailuresPerIP        int           // failed sign-ins per network address per minute
	HashesPerIP          int           // password hashes computed for one network address per 10 minutes
	HashQueue            int           // sign-ins waiting for a hashing slot before more are refused with 503
}

func (s *SignIn) settings() []setting {
	return []setting{
		{env: "KABINET_SIGNIN_SECOND_STEP", def: "true", field: flag(&s.SecondStep),
			doc: "Ask for a one-time code (SMS, or e-mail for accounts without a phone) after the password at sign-in."},
		{env: "KABINET_PASSWORD_MAX_FAILURES", def: "5", field: count(&s.PasswordMaxFailures, atLeast(1)),
			doc: "Password checks for one login from unrecognised devices allowed in any `KABINET_PASSWORD_LOCKOUT` window; the last one failing starts a lock. A browser where the account signed in before (a device cookie) is not held back by strangers' failures."},
		{env: "KABINET_PASSWORD_LOCKOUT", def: "15m", field: duration(&s.PasswordLockout, positive),
			doc: "The rolling window of `KABINET_PASSWORD_MAX_FAILURES`, and the length of a login's first lock; each further lock (episode) lasts twice as long as the one before."},
		{env: "KABINET_PASSWORD_LOCKOUT_MAX", def: "2h", field: duration(&s.PasswordLockoutMax, positive),
			doc: "The longest lock. Episodes count again from the first after a day without one, and a completed password recovery ends the lock."},
		{env: "KABINET_PASSWORD_SUSPEND_AFTER", def: "100", field: count(&s.PasswordSuspendAfter, atLeast(1)),
			doc: "Consecutive wrong passwords from unrecognised devices after which the password stops working there until the owner recovers access; the owner is told."},
		{env: "KABINET_SIGNIN_FAILURES_PER_IP", def: "20", field: count(&s.FailuresPerIP, atLeast(1)),
			doc: "Failed sign-ins from one network address in any minute; more get 429 (credential stuffing)."},
		{env: "KABINET_SIGNIN_HASHES_PER_IP", def: "200", field: count(&s.HashesPerIP, atLeast(1)),
			doc: "Password hashes computed for sign-ins from one network address in any 10 minutes."},
		{env: "KABINET_HASH_QUEUE", def: "16", field: count(&s.HashQueue, atLeast(1)),
			doc: "Password checks that may wait for a hashing slot (one slot per CPU); more are refused at once with 503 and Retry-After, so the node stays responsive under a flood."},
	}
}

func (s *SignIn) validate(v *checker) {
	if s.PasswordLockoutMax < s.PasswordLockout {
		v.fail(&s.PasswordLockoutMax, "must not be shorter than %s", v.env(&s.PasswordLockout))
	}
}

// Argon2 is the cost of password hashing.
type Argon2 struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

func (a *Argon2) settings() []setting {
	return []setting{
		{env: "KABINET_ARGON2_MEMORY_KIB", def: "47104", field: unsigned(&a.MemoryKiB),
			doc: "argon2id memory per password hash, in KiB (OWASP: 47104 with time 1); at least 8 KiB per thread."},
		{env: "KABINET_ARGON2_TIME", def: "1", field: unsigned(&a.Time, atLeast[uint32](1)),
			doc: "argon2id passes."},
		{env: "KABINET_ARGON2_THREADS", def: "1", field: unsigned(&a.Threads, atLeast[uint8](1)),
			doc: "argon2id lanes (parallelism)."},
	}
}

func (a *Argon2) validate(v *checker) {
	if a.MemoryKiB < 8*uint32(max(a.Threads, 1)) {
		v.fail(&a.MemoryKiB, "must be at least 8 KiB per thread (%s), got %d", v.env(&a.Threads), a.MemoryKiB)
	}
}

// Retention is how long records are kept.
type Retention struct {
	Notifications time.Duration // notifications (codes, links, addresses) are deleted this long after they were created
	SignIns       time.Duration // sign-in history is kept this long
	Sessions      time.Duration // ended and expired sessions are kept this long (for the history)
	Flows         time.Duration // expired and finished flows are kept this long
	DeletionGrace time.Duration // an account whose owner asked to delete it is erased this long after
}

func (r *Retention) settings() []setting {
	return []setting{
		{env: "KABINET_RETENTION_NOTIFICATIONS", def: "720h", field: duration(&r.Notifications, atLeast(2*time.Hour)),
			doc: "Notifications (they hold codes, links and addresses) are deleted this long after they were created, whatever their delivery status; the outbox needs them only while delivering and for /dev/outbox. At least 2h (a delivery retries for up to about an hour). The sweeps run every 15 minutes on the node that leads the job queue."},
		{env: "KABINET_RETENTION_SIGNINS", def: "4320h", field: duration(&r.SignIns, positive),
			doc: "Sign-in history (time, address, browser, outcome) is kept this long (default 180 days)."},
		{env: "KABINET_RETENTION_SESSIONS", def: "2160h", field: duration(&r.Sessions, positive),
			doc: "Ended and expired sessions are kept this long for the list of sessions (default 90 days); so are single sign-on's expired tokens."},
		{env: "KABINET_RETENTION_FLOWS", def: "24h", field: duration(&r.Flows, positive),
			doc: "Flows (sign-up, sign-in, recovery, contact changes), the undo links of contact changes and single sign-on's requests are deleted this long after they expired, finished or were used."},
		{env: "KABINET_DELETION_GRACE", def: "168h", field: duration(&r.DeletionGrace, atLeast(time.Minute)),
			doc: "An account whose owner asked to delete it is erased this long after the request (default 7 days); until then signing in or the «cancel» button keeps it. A job checks every 15 minutes for accounts due."},
	}
}

// Metrics is where and to whom /metrics is served.
type Metrics struct {
	Addr  string // a listener of its own for /metrics; empty: the main listener, if at all
	Token string // bearer token /metrics requires; empty: none
}

func (m *Metrics) settings() []setting {
	return []setting{
		{env: "KABINET_METRICS_ADDR", field: text(&m.Addr, orEmpty(hostPort)),
			doc: "A separate address (host:port, e.g. `127.0.0.1:9100`) on which kabinet serves `/metrics` for Prometheus; the main listener then does not. Empty: `/metrics` is on the main listener in demo mode, and in production only when KABINET_METRICS_TOKEN is set."},
		{env: "KABINET_METRICS_TOKEN", secret: hidden, field: text(&m.Token),
			doc: "When set, `/metrics` (on either listener) answers only requests with `Authorization: Bearer <token>`; others get 401."},
	}
}

// Log is the log's level and format.
type Log struct {
	Level  string // debug, info, warn, error
	Format string // text or json
}

func (l *Log) settings() []setting {
	return []setting{
		{env: "KABINET_LOG_LEVEL", def: "info", field: text(&l.Level, oneOf("debug", "info", "warn", "error")),
			doc: "`debug`, `info`, `warn` or `error`."},
		{env: "KABINET_LOG_FORMAT", def: "text", field: text(&l.Format, oneOf("text", "json")),
			doc: "`text` or `json`."},
	}
}

// Map is the base layer of the service centers' map.
type Map struct {
	TilesURL         string // a tile server's URL template; empty: the region outlines embedded in kabinet
	TilesAttribution string // what the tile server asks every map to show
}

func (m *Map) settings() []setting {
	return []setting{
		{env: "KABINET_MAP_TILES_URL", field: text(&m.TilesURL, orEmpty(tileTemplate)),
			doc: "A tile server for the base layer of the service centers' map (`/centers`), as a URL template with `{z}`, `{x}` and `{y}` (and optionally `{s}`), e.g. `https://tiles.example.org/{z}/{x}/{y}.png`; its host is added to the pages' Content-Security-Policy (`img-src`). Empty: the map draws the outlines of Russia's regions embedded in kabinet, and needs no internet."},
		{env: "KABINET_MAP_TILES_ATTRIBUTION", field: text(&m.TilesAttribution),
			doc: "The attribution the tile server's terms ask every map to show (e.g. `© OpenStreetMap contributors`), as plain text."},
	}
}

// SSO is single sign-on for other e-government sites.
type SSO struct {
	DemoRPAddr string // demo mode: where the demo's relying party listens
}

func (o *SSO) settings() []setting {
	return []setting{
		{env: "KABINET_DEMO_RP_ADDR", def: "127.0.0.1:8090", field: text(&o.DemoRPAddr, orEmpty(hostPort)),
			doc: "Demo mode: the address (host:port) of the demo's relying party, a small site that signs in through kabinet and shows what it received (`kabinet demo-rp` runs it alone); `:0` or a taken port picks a free one, which the log names. Empty: no demo site. Production never starts it."},
	}
}

// Letters are the registered letters with a code.
type Letters struct {
	Validity      time.Duration // how long a printed code works
	SenderName    string        // the return address's name; empty: the operator's
	SenderAddress string        // the return address's lines, separated by ";"
}

func (l *Letters) settings() []setting {
	return []setting{
		{env: "KABINET_LETTER_VALIDITY", def: "1440h", field: duration(&l.Validity, between(7*24*time.Hour, 366*24*time.Hour)),
			doc: "How long the code of a registered letter works from printing (7 to 366 days, as hours: `1440h` is 60 days): the post's 2–3 weeks, a month of waiting at the post office, and slack."},
		{env: "KABINET_LETTER_SENDER_NAME", field: text(&l.SenderName),
			doc: "The sender's name printed on the letters. Empty: KABINET_OPERATOR_NAME."},
		{env: "KABINET_LETTER_SENDER_ADDRESS", def: "а/я 1; г. Москва; 101000", field: text(&l.SenderAddress, senderLines),
			doc: "The sender's return address printed on the letters: up to four lines separated by `;` (the post office box, the town, the postcode)."},
	}
}

// senderLines is a return address of one to four lines separated by ";".
var senderLines = rule[string]{want: "one to four non-empty lines separated by ';'", ok: func(v string) bool {
	parts := strings.Split(v, ";")
	if len(parts) > 4 {
		return false
	}
	for _, p := range parts {
		if strings.TrimSpace(p) == "" {
			return false
		}
	}
	return true
}}

// tileTemplate is a tile server's URL template: an http(s) URL whose
// path names {z}, {x} and {y}, and whose host is a plain host name (a
// "{s}" subdomain allowed).
var tileTemplate = rule[string]{
	want: "an http(s) URL template with {z}, {x} and {y}",
	ok: func(v string) bool {
		for _, p := range []string{"{z}", "{x}", "{y}"} {
			if !strings.Contains(v, p) {
				return false
			}
		}
		u, err := url.Parse(strings.NewReplacer("{s}", "a", "{z}", "0", "{x}", "0", "{y}", "0", "{r}", "").Replace(v))
		return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && !strings.ContainsAny(u.Host, "{}; ,'\"")
	},
}
