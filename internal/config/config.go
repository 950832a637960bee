// Package config defines kabinet's settings: one struct whose defaults run
// the demo, filled from KABINET_* environment variables (and _FILE variants
// for secrets), validated before anything starts, and printable with the
// secrets hidden.
//
// Every setting is declared once, in the settings table below; Load, the
// redacted dump and docs/configuration.md (checked by a test) all come from
// that table. config imports only the standard library.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Env names the kind of deployment.
type Env string

const (
	Development Env = "development" // demo mode: demo data, /dev/outbox, a banner on every page
	Production  Env = "production"
)

// Config is every setting kabinet reads at start.
type Config struct {
	Addr        string // host:port to listen on
	BaseURL     string // public URL, used in links sent by e-mail and for cookie security
	Env         Env
	DataDir     string // SQLite database, generated keys
	DatabaseURL string // empty: SQLite in DataDir; postgres://… switches to PostgreSQL

	SecretKey     string   // base64 master secret (≥32 bytes); generated into DataDir when empty
	OldSecretKeys []string // previous master secrets, still accepted for decryption

	SMTPURL         string // smtp://host:port; empty: e-mail goes to the log and /dev/outbox only
	MailFrom        string
	SMSGatewayURL   string // the HTTP SMS gateway; empty: SMS go to the log and /dev/outbox only
	SMSGatewayToken string

	SecondStep      bool          // a one-time code after the password at sign-in
	SessionLifetime time.Duration // absolute session lifetime
	SessionIdle     time.Duration // a session not used this long ends
	SessionCacheTTL time.Duration // how long a node trusts its memory of a session (0: ask the database every time)

	RetentionNotifications time.Duration // notifications (codes, links, addresses) are deleted this long after they were created
	RetentionSignIns       time.Duration // sign-in history is kept this long
	RetentionSessions      time.Duration // ended and expired sessions are kept this long (for the history)
	RetentionFlows         time.Duration // expired and finished flows are kept this long

	SMSCodeTTL      time.Duration // lifetime of an SMS code (300 s in the user's documents)
	EmailLinkTTL    time.Duration // lifetime of an e-mailed link and code
	CodeResendAfter time.Duration // cooldown before a new code may be requested
	CodeMaxAttempts int           // wrong entries allowed per code
	CodeInterval    time.Duration // between two codes to one phone or address
	CodesPerHour    int           // codes to one phone or address per rolling hour
	CodesPerIP5Min  int           // codes requested from one network address per 5 minutes
	CodesPerIPDay   int           // codes requested from one network address per day
	SMSPerMinute    int           // SMS with codes the deployment sends per minute (0: no cap)
	SMSPerHour      int           // … per hour
	SMSPrefixes     []PrefixBudget

	PasswordMaxFail      int           // password checks per login per rolling window from unrecognised devices
	PasswordLockout      time.Duration // that window, and the first lock's length
	PasswordLockoutMax   time.Duration // locks double per episode up to this
	PasswordSuspendAfter int           // consecutive failures that suspend the password until recovery
	SignInFailsPerIP     int           // failed sign-ins per network address per minute
	SignInHashesPerIP    int           // password hashes computed for one network address per 10 minutes
	HashQueue            int           // sign-ins waiting for a hashing slot before more are refused with 503

	Argon2MemoryKiB uint32
	Argon2Time      uint32
	Argon2Threads   uint8

	TrustedProxies []string // CIDRs whose X-Forwarded-For is believed
	MetricsAddr    string   // a listener of its own for /metrics; empty: the main listener, if at all
	MetricsToken   string   // bearer token /metrics requires; empty: none
	OperatorName   string   // the organisation running this deployment, shown in the footer
	SupportPhone   string   // shown on every page
	SupportEmail   string

	LogLevel  string // debug, info, warn, error
	LogFormat string // text or json
}

// Demo reports whether demo mode is on.
func (c Config) Demo() bool { return c.Env != Production }

// MetricsOnMain reports whether the main listener serves /metrics: not when
// they have a listener of their own, and in production only behind a token.
func (c Config) MetricsOnMain() bool {
	return c.MetricsAddr == "" && (c.Demo() || c.MetricsToken != "")
}

// UsesPostgres reports whether DatabaseURL names a PostgreSQL server.
func (c Config) UsesPostgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// SQLitePath is the SQLite database file used when not on PostgreSQL.
func (c Config) SQLitePath() string {
	if p, ok := strings.CutPrefix(c.DatabaseURL, "sqlite://"); ok {
		return p
	}
	if c.DatabaseURL != "" && !c.UsesPostgres() {
		return c.DatabaseURL
	}
	return filepath.Join(c.DataDir, "kabinet.db")
}

// setting is one row of the table that drives Load, Redacted and the docs.
type setting struct {
	env    string
	def    string
	secret bool
	file   bool // a KABINET_…_FILE variant is read too
	doc    string
	set    func(c *Config, v string) error
}

var settings = []setting{
	{env: "KABINET_ADDR", def: "127.0.0.1:8080", doc: "Address to listen on (host:port).", set: func(c *Config, v string) error { c.Addr = v; return nil }},
	{env: "KABINET_BASE_URL", def: "", doc: "Public URL of the site, used in e-mailed links. Default: http:// plus KABINET_ADDR.", set: func(c *Config, v string) error { c.BaseURL = strings.TrimRight(v, "/"); return nil }},
	{env: "KABINET_ENV", def: "development", doc: "`development` (demo mode: demo data, the /dev/outbox page, a banner on every page) or `production`.", set: func(c *Config, v string) error { c.Env = Env(v); return nil }},
	{env: "KABINET_DATA_DIR", def: "./data", doc: "Directory for the SQLite database and generated keys.", set: func(c *Config, v string) error { c.DataDir = v; return nil }},
	{env: "KABINET_DATABASE_URL", def: "", secret: true, file: true, doc: "Empty: SQLite in the data directory. `sqlite:///path/file.db` for another SQLite file; `postgres://user:pass@host:5432/db` for PostgreSQL.", set: func(c *Config, v string) error { c.DatabaseURL = v; return nil }},
	{env: "KABINET_SECRET_KEY", def: "", secret: true, file: true, doc: "Master secret (base64, at least 32 bytes) from which the encryption, index and code keys are derived. Generated into `<data dir>/secret.key` on first start when empty. Several nodes must share it.", set: func(c *Config, v string) error { c.SecretKey = v; return nil }},
	{env: "KABINET_OLD_SECRET_KEYS", def: "", secret: true, file: true, doc: "Comma-separated previous master secrets, still used to decrypt data written under them (key rotation).", set: func(c *Config, v string) error { c.OldSecretKeys = splitList(v); return nil }},
	{env: "KABINET_SMTP_URL", def: "", secret: true, file: true, doc: "SMTP server for e-mail: `smtp://host:port`, `smtp://user:pass@host:587?tls=mandatory`, `smtps://host:465`. Empty: e-mail is only logged (and shown on /dev/outbox in demo mode).", set: func(c *Config, v string) error { c.SMTPURL = v; return nil }},
	{env: "KABINET_MAIL_FROM", def: "Кабинет <no-reply@kabinet.localhost>", doc: "Sender address of e-mail.", set: func(c *Config, v string) error { c.MailFrom = v; return nil }},
	{env: "KABINET_SMS_GATEWAY_URL", def: "", doc: "HTTP SMS gateway: kabinet POSTs `{\"to\",\"text\",\"id\"}` JSON here with a bearer token. Empty: SMS are only logged (and shown on /dev/outbox in demo mode).", set: func(c *Config, v string) error { c.SMSGatewayURL = v; return nil }},
	{env: "KABINET_SMS_GATEWAY_TOKEN", def: "", secret: true, file: true, doc: "Bearer token for the SMS gateway.", set: func(c *Config, v string) error { c.SMSGatewayToken = v; return nil }},
	{env: "KABINET_SIGNIN_SECOND_STEP", def: "true", doc: "Ask for a one-time code (SMS, or e-mail for accounts without a phone) after the password at sign-in.", set: boolSetter(func(c *Config, b bool) { c.SecondStep = b })},
	{env: "KABINET_SESSION_LIFETIME", def: "12h", doc: "A session ends this long after sign-in.", set: durationSetter(func(c *Config, d time.Duration) { c.SessionLifetime = d })},
	{env: "KABINET_SESSION_IDLE", def: "30m", doc: "A session not used for this long ends (to within 1%: last use is recorded every hundredth of it). Signed-in pages warn two minutes before and offer to stay signed in.", set: durationSetter(func(c *Config, d time.Duration) { c.SessionIdle = d })},
	{env: "KABINET_SESSION_CACHE_TTL", def: "2s", doc: "How long a node keeps an authenticated session in memory instead of reading it on every request. Ending a session takes effect at once on the node that ends it and, on PostgreSQL, on the others as soon as they hear its announcement (LISTEN/NOTIFY); this is the bound should an announcement be lost. `0s` turns the cache off.", set: durationSetter(func(c *Config, d time.Duration) { c.SessionCacheTTL = d })},
	{env: "KABINET_RETENTION_NOTIFICATIONS", def: "720h", doc: "Notifications (they hold codes, links and addresses) are deleted this long after they were created, whatever their delivery status; the outbox needs them only while delivering and for /dev/outbox. At least 2h (a delivery retries for up to about an hour). The sweeps run every 15 minutes on the node that leads the job queue.", set: durationSetter(func(c *Config, d time.Duration) { c.RetentionNotifications = d })},
	{env: "KABINET_RETENTION_SIGNINS", def: "4320h", doc: "Sign-in history (time, address, browser, outcome) is kept this long (default 180 days).", set: durationSetter(func(c *Config, d time.Duration) { c.RetentionSignIns = d })},
	{env: "KABINET_RETENTION_SESSIONS", def: "2160h", doc: "Ended and expired sessions are kept this long for the list of sessions (default 90 days).", set: durationSetter(func(c *Config, d time.Duration) { c.RetentionSessions = d })},
	{env: "KABINET_RETENTION_FLOWS", def: "24h", doc: "Sign-up, sign-in and recovery flows are deleted this long after they expired or finished.", set: durationSetter(func(c *Config, d time.Duration) { c.RetentionFlows = d })},
	{env: "KABINET_SMS_CODE_TTL", def: "300s", doc: "Lifetime of a code sent by SMS.", set: durationSetter(func(c *Config, d time.Duration) { c.SMSCodeTTL = d })},
	{env: "KABINET_EMAIL_LINK_TTL", def: "24h", doc: "Lifetime of a link (and the code beside it) sent by e-mail.", set: durationSetter(func(c *Config, d time.Duration) { c.EmailLinkTTL = d })},
	{env: "KABINET_CODE_RESEND_AFTER", def: "60s", doc: "Cooldown before a new code can be requested (a new code also becomes available once the old one expires).", set: durationSetter(func(c *Config, d time.Duration) { c.CodeResendAfter = d })},
	{env: "KABINET_CODE_MAX_ATTEMPTS", def: "5", doc: "Wrong entries allowed per code; then a new code is needed.", set: intSetter(func(c *Config, n int) { c.CodeMaxAttempts = n })},
	{env: "KABINET_CODE_INTERVAL", def: "60s", doc: "Least time between two codes sent to one phone number or e-mail address, whichever flow asks.", set: durationSetter(func(c *Config, d time.Duration) { c.CodeInterval = d })},
	{env: "KABINET_CODES_PER_HOUR", def: "5", doc: "Codes sent to one phone number or e-mail address in any hour, counted apart for codes anybody can ask for (registration, recovery) and second-step sign-in codes (which need the password). No limit on codes lasts longer than an hour, so nobody can keep an owner from their account by asking for codes.", set: intSetter(func(c *Config, n int) { c.CodesPerHour = n })},
	{env: "KABINET_CODES_PER_IP_5M", def: "25", doc: "Codes requested from one network address in any 5 minutes.", set: intSetter(func(c *Config, n int) { c.CodesPerIP5Min = n })},
	{env: "KABINET_CODES_PER_IP_DAY", def: "100", doc: "Codes requested from one network address in any 24 hours.", set: intSetter(func(c *Config, n int) { c.CodesPerIPDay = n })},
	{env: "KABINET_SMS_BUDGET_PER_MINUTE", def: "300", doc: "SMS with codes the whole deployment sends in any minute (`0`: no cap). When reached, code requests get 503 with Retry-After, the metric `kabinet_sms_budget_reached_total` grows and an error is logged.", set: intSetter(func(c *Config, n int) { c.SMSPerMinute = n })},
	{env: "KABINET_SMS_BUDGET_PER_HOUR", def: "5000", doc: "SMS with codes the whole deployment sends in any hour (`0`: no cap).", set: intSetter(func(c *Config, n int) { c.SMSPerHour = n })},
	{env: "KABINET_SMS_PREFIX_BUDGETS", def: "+79=none,+=30/1h,+979=0,+881=0,+882=0,+883=0", doc: "SMS budgets per range of numbers, against toll fraud: `prefix=max/window`, `prefix=none` (no budget of its own) or `prefix=0` (never send); the longest matching prefix decides and `+` matches every number. The default leaves Russian mobiles (+79) alone, lets all other numbers share 30 SMS an hour, and refuses international premium-rate (+979) and satellite ranges (+881, +882, +883).", set: func(c *Config, v string) error {
		b, err := ParsePrefixBudgets(v)
		c.SMSPrefixes = b
		return err
	}},
	{env: "KABINET_PASSWORD_MAX_FAILURES", def: "5", doc: "Password checks for one login from unrecognised devices allowed in any `KABINET_PASSWORD_LOCKOUT` window; the last one failing starts a lock. A browser where the account signed in before (a device cookie) is not held back by strangers' failures.", set: intSetter(func(c *Config, n int) { c.PasswordMaxFail = n })},
	{env: "KABINET_PASSWORD_LOCKOUT", def: "15m", doc: "The rolling window of `KABINET_PASSWORD_MAX_FAILURES`, and the length of a login's first lock; each further lock (episode) lasts twice as long as the one before.", set: durationSetter(func(c *Config, d time.Duration) { c.PasswordLockout = d })},
	{env: "KABINET_PASSWORD_LOCKOUT_MAX", def: "2h", doc: "The longest lock. Episodes count again from the first after a day without one, and a completed password recovery ends the lock.", set: durationSetter(func(c *Config, d time.Duration) { c.PasswordLockoutMax = d })},
	{env: "KABINET_PASSWORD_SUSPEND_AFTER", def: "100", doc: "Consecutive wrong passwords from unrecognised devices after which the password stops working there until the owner recovers access; the owner is told.", set: intSetter(func(c *Config, n int) { c.PasswordSuspendAfter = n })},
	{env: "KABINET_SIGNIN_FAILURES_PER_IP", def: "20", doc: "Failed sign-ins from one network address in any minute; more get 429 (credential stuffing).", set: intSetter(func(c *Config, n int) { c.SignInFailsPerIP = n })},
	{env: "KABINET_SIGNIN_HASHES_PER_IP", def: "200", doc: "Password hashes computed for sign-ins from one network address in any 10 minutes.", set: intSetter(func(c *Config, n int) { c.SignInHashesPerIP = n })},
	{env: "KABINET_HASH_QUEUE", def: "16", doc: "Password checks that may wait for a hashing slot (one slot per CPU); more are refused at once with 503 and Retry-After, so the node stays responsive under a flood.", set: intSetter(func(c *Config, n int) { c.HashQueue = n })},
	{env: "KABINET_ARGON2_MEMORY_KIB", def: "47104", doc: "argon2id memory per password hash, in KiB (OWASP: 47104 with time 1).", set: uintSetter(32, func(c *Config, n uint64) { c.Argon2MemoryKiB = uint32(n) })},
	{env: "KABINET_ARGON2_TIME", def: "1", doc: "argon2id passes.", set: uintSetter(32, func(c *Config, n uint64) { c.Argon2Time = uint32(n) })},
	{env: "KABINET_ARGON2_THREADS", def: "1", doc: "argon2id lanes (parallelism).", set: uintSetter(8, func(c *Config, n uint64) { c.Argon2Threads = uint8(n) })},
	{env: "KABINET_TRUSTED_PROXIES", def: "", doc: "Comma-separated CIDRs of reverse proxies whose X-Forwarded-For header is believed.", set: func(c *Config, v string) error { c.TrustedProxies = splitList(v); return nil }},
	{env: "KABINET_METRICS_ADDR", def: "", doc: "A separate address (host:port, e.g. `127.0.0.1:9100`) on which kabinet serves `/metrics` for Prometheus; the main listener then does not. Empty: `/metrics` is on the main listener in demo mode, and in production only when KABINET_METRICS_TOKEN is set.", set: func(c *Config, v string) error { c.MetricsAddr = v; return nil }},
	{env: "KABINET_METRICS_TOKEN", def: "", secret: true, file: true, doc: "When set, `/metrics` (on either listener) answers only requests with `Authorization: Bearer <token>`; others get 401.", set: func(c *Config, v string) error { c.MetricsToken = v; return nil }},
	{env: "KABINET_OPERATOR_NAME", def: "Демонстрационный стенд kabinet", doc: "Name of the organisation running this deployment, shown in the footer.", set: func(c *Config, v string) error { c.OperatorName = v; return nil }},
	{env: "KABINET_SUPPORT_PHONE", def: "8 800 000-00-00", doc: "Support phone number shown on every page.", set: func(c *Config, v string) error { c.SupportPhone = v; return nil }},
	{env: "KABINET_SUPPORT_EMAIL", def: "support@kabinet.localhost", doc: "Support e-mail address shown on every page.", set: func(c *Config, v string) error { c.SupportEmail = v; return nil }},
	{env: "KABINET_LOG_LEVEL", def: "info", doc: "`debug`, `info`, `warn` or `error`.", set: func(c *Config, v string) error { c.LogLevel = v; return nil }},
	{env: "KABINET_LOG_FORMAT", def: "text", doc: "`text` or `json`.", set: func(c *Config, v string) error { c.LogFormat = v; return nil }},
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func boolSetter(f func(*Config, bool)) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false, got %q", v)
		}
		f(c, b)
		return nil
	}
}

func intSetter(f func(*Config, int)) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("want a whole number, got %q", v)
		}
		f(c, n)
		return nil
	}
}

// uintSetter parses a whole number that fits in bits bits; a larger one is
// refused rather than wrapped (300 threads are not 44).
func uintSetter(bits int, f func(*Config, uint64)) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.ParseUint(v, 10, bits)
		if err != nil {
			return fmt.Errorf("want a whole number from 0 to %d, got %q", uint64(1)<<bits-1, v)
		}
		f(c, n)
		return nil
	}
}

func durationSetter(f func(*Config, time.Duration)) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("want a duration such as 300s or 15m, got %q", v)
		}
		f(c, d)
		return nil
	}
}

// Defaults returns the configuration that runs the demo.
func Defaults() Config {
	c, err := Load(func(string) string { return "" })
	if err != nil {
		panic("config: defaults do not load: " + err.Error())
	}
	return c
}

// Load reads every setting through getenv (os.Getenv in production, a map in
// tests), applies defaults and validates the result. A secret may instead be
// given as a file path in NAME_FILE. All problems are reported together.
func Load(getenv func(string) string) (Config, error) {
	var c Config
	var errs []error
	for _, s := range settings {
		v, err := lookup(getenv, s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if v == "" {
			v = s.def
		}
		if err := s.set(&c, v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.env, err))
		}
	}
	if len(errs) > 0 {
		return c, errors.Join(errs...)
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	return c, c.Validate()
}

func lookup(getenv func(string) string, s setting) (string, error) {
	v := getenv(s.env)
	if !s.file {
		return strings.TrimSpace(v), nil
	}
	path := getenv(s.env + "_FILE")
	if path == "" {
		return strings.TrimSpace(v), nil
	}
	if v != "" {
		return "", fmt.Errorf("%s and %s_FILE are both set: use one", s.env, s.env)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s_FILE: %w", s.env, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// Validate checks the settings against each other and reports every problem.
func (c Config) Validate() error {
	var errs []error
	bad := func(env, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{env}, a...)...))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		bad("KABINET_ADDR", "want host:port, got %q", c.Addr)
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("KABINET_BASE_URL", "want an http(s) URL, got %q", c.BaseURL)
	} else if c.Env == Production && u.Scheme != "https" {
		bad("KABINET_BASE_URL", "production needs an https URL, got %q", c.BaseURL)
	}
	if c.Env != Development && c.Env != Production {
		bad("KABINET_ENV", "want development or production, got %q", c.Env)
	}
	if c.DataDir == "" {
		bad("KABINET_DATA_DIR", "must not be empty")
	}
	if c.DatabaseURL != "" && !c.UsesPostgres() && !strings.HasPrefix(c.DatabaseURL, "sqlite://") {
		bad("KABINET_DATABASE_URL", "want postgres://… or sqlite://…")
	}
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
			bad("KABINET_SMTP_URL", "want smtp://host:port or smtps://host:port")
		}
	}
	if c.SMSGatewayURL != "" {
		if u, err := url.Parse(c.SMSGatewayURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("KABINET_SMS_GATEWAY_URL", "want an http(s) URL")
		} else if c.SMSGatewayToken == "" {
			bad("KABINET_SMS_GATEWAY_TOKEN", "required when KABINET_SMS_GATEWAY_URL is set")
		}
	}
	if c.Env == Production {
		if c.SMSGatewayURL == "" {
			bad("KABINET_SMS_GATEWAY_URL", "required in production")
		}
		if c.SMTPURL == "" {
			bad("KABINET_SMTP_URL", "required in production")
		}
	}
	positive := []struct {
		env string
		d   time.Duration
	}{
		{"KABINET_SESSION_LIFETIME", c.SessionLifetime}, {"KABINET_SESSION_IDLE", c.SessionIdle},
		{"KABINET_SMS_CODE_TTL", c.SMSCodeTTL}, {"KABINET_EMAIL_LINK_TTL", c.EmailLinkTTL},
		{"KABINET_PASSWORD_LOCKOUT", c.PasswordLockout}, {"KABINET_PASSWORD_LOCKOUT_MAX", c.PasswordLockoutMax},
		{"KABINET_CODE_INTERVAL", c.CodeInterval},
		{"KABINET_RETENTION_SIGNINS", c.RetentionSignIns}, {"KABINET_RETENTION_SESSIONS", c.RetentionSessions},
		{"KABINET_RETENTION_FLOWS", c.RetentionFlows},
	}
	for _, p := range positive {
		if p.d <= 0 {
			bad(p.env, "must be positive")
		}
	}
	if c.RetentionNotifications < 2*time.Hour {
		bad("KABINET_RETENTION_NOTIFICATIONS", "must be at least 2h (a delivery retries for up to about an hour)")
	}
	if c.SessionCacheTTL < 0 || c.SessionCacheTTL > time.Minute {
		bad("KABINET_SESSION_CACHE_TTL", "must be between 0s and 1m")
	}
	if c.CodeResendAfter < 0 {
		bad("KABINET_CODE_RESEND_AFTER", "must not be negative")
	}
	if c.PasswordLockoutMax < c.PasswordLockout {
		bad("KABINET_PASSWORD_LOCKOUT_MAX", "must not be shorter than KABINET_PASSWORD_LOCKOUT")
	}
	for env, n := range map[string]int{"KABINET_CODE_MAX_ATTEMPTS": c.CodeMaxAttempts, "KABINET_CODES_PER_HOUR": c.CodesPerHour, "KABINET_CODES_PER_IP_5M": c.CodesPerIP5Min,
		"KABINET_CODES_PER_IP_DAY": c.CodesPerIPDay, "KABINET_PASSWORD_MAX_FAILURES": c.PasswordMaxFail, "KABINET_PASSWORD_SUSPEND_AFTER": c.PasswordSuspendAfter,
		"KABINET_SIGNIN_FAILURES_PER_IP": c.SignInFailsPerIP, "KABINET_SIGNIN_HASHES_PER_IP": c.SignInHashesPerIP, "KABINET_HASH_QUEUE": c.HashQueue} {
		if n < 1 {
			bad(env, "must be at least 1")
		}
	}
	if c.Argon2MemoryKiB < 8*uint32(max(c.Argon2Threads, 1)) {
		bad("KABINET_ARGON2_MEMORY_KIB", "must be at least 8 KiB per thread")
	}
	if c.Argon2Time < 1 {
		bad("KABINET_ARGON2_TIME", "must be at least 1")
	}
	if c.Argon2Threads < 1 {
		bad("KABINET_ARGON2_THREADS", "must be at least 1")
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			bad("KABINET_METRICS_ADDR", "want host:port, got %q", c.MetricsAddr)
		} else if c.MetricsAddr == c.Addr {
			bad("KABINET_METRICS_ADDR", "must differ from KABINET_ADDR")
		}
	}
	for _, p := range c.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil {
			bad("KABINET_TRUSTED_PROXIES", "%q is not a CIDR", p)
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("KABINET_LOG_LEVEL", "want debug, info, warn or error, got %q", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("KABINET_LOG_FORMAT", "want text or json, got %q", c.LogFormat)
	}
	return errors.Join(errs...)
}

// Redacted lists every setting as NAME=value, secrets hidden, for the
// start-up log.
func (c Config) Redacted() []string {
	values := c.values()
	out := make([]string, 0, len(settings))
	for _, s := range settings {
		v := values[s.env]
		if s.secret && v != "" {
			v = redact(s.env, v)
		}
		out = append(out, s.env+"="+v)
	}
	return out
}

func redact(env, v string) string {
	switch env {
	case "KABINET_DATABASE_URL", "KABINET_SMTP_URL":
		if u, err := url.Parse(v); err == nil {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
			}
			return u.String()
		}
	}
	return "[hidden]"
}

// values renders the current settings back as strings, keyed by env name.
func (c Config) values() map[string]string {
	d := func(x time.Duration) string { return x.String() }
	return map[string]string{
		"KABINET_ADDR": c.Addr, "KABINET_BASE_URL": c.BaseURL, "KABINET_ENV": string(c.Env),
		"KABINET_DATA_DIR": c.DataDir, "KABINET_DATABASE_URL": c.DatabaseURL,
		"KABINET_SECRET_KEY": c.SecretKey, "KABINET_OLD_SECRET_KEYS": strings.Join(c.OldSecretKeys, ","),
		"KABINET_SMTP_URL": c.SMTPURL, "KABINET_MAIL_FROM": c.MailFrom,
		"KABINET_SMS_GATEWAY_URL": c.SMSGatewayURL, "KABINET_SMS_GATEWAY_TOKEN": c.SMSGatewayToken,
		"KABINET_SIGNIN_SECOND_STEP": strconv.FormatBool(c.SecondStep),
		"KABINET_SESSION_LIFETIME":   d(c.SessionLifetime), "KABINET_SESSION_IDLE": d(c.SessionIdle),
		"KABINET_SESSION_CACHE_TTL":       d(c.SessionCacheTTL),
		"KABINET_RETENTION_NOTIFICATIONS": d(c.RetentionNotifications), "KABINET_RETENTION_SIGNINS": d(c.RetentionSignIns),
		"KABINET_RETENTION_SESSIONS": d(c.RetentionSessions), "KABINET_RETENTION_FLOWS": d(c.RetentionFlows),
		"KABINET_SMS_CODE_TTL": d(c.SMSCodeTTL), "KABINET_EMAIL_LINK_TTL": d(c.EmailLinkTTL),
		"KABINET_CODE_RESEND_AFTER": d(c.CodeResendAfter), "KABINET_CODE_MAX_ATTEMPTS": strconv.Itoa(c.CodeMaxAttempts),
		"KABINET_CODE_INTERVAL": d(c.CodeInterval), "KABINET_CODES_PER_HOUR": strconv.Itoa(c.CodesPerHour),
		"KABINET_CODES_PER_IP_5M": strconv.Itoa(c.CodesPerIP5Min), "KABINET_CODES_PER_IP_DAY": strconv.Itoa(c.CodesPerIPDay),
		"KABINET_SMS_BUDGET_PER_MINUTE": strconv.Itoa(c.SMSPerMinute), "KABINET_SMS_BUDGET_PER_HOUR": strconv.Itoa(c.SMSPerHour),
		"KABINET_SMS_PREFIX_BUDGETS":    FormatPrefixBudgets(c.SMSPrefixes),
		"KABINET_PASSWORD_MAX_FAILURES": strconv.Itoa(c.PasswordMaxFail), "KABINET_PASSWORD_LOCKOUT": d(c.PasswordLockout),
		"KABINET_PASSWORD_LOCKOUT_MAX": d(c.PasswordLockoutMax), "KABINET_PASSWORD_SUSPEND_AFTER": strconv.Itoa(c.PasswordSuspendAfter),
		"KABINET_SIGNIN_FAILURES_PER_IP": strconv.Itoa(c.SignInFailsPerIP), "KABINET_SIGNIN_HASHES_PER_IP": strconv.Itoa(c.SignInHashesPerIP),
		"KABINET_HASH_QUEUE":        strconv.Itoa(c.HashQueue),
		"KABINET_ARGON2_MEMORY_KIB": strconv.FormatUint(uint64(c.Argon2MemoryKiB), 10),
		"KABINET_ARGON2_TIME":       strconv.FormatUint(uint64(c.Argon2Time), 10),
		"KABINET_ARGON2_THREADS":    strconv.FormatUint(uint64(c.Argon2Threads), 10),
		"KABINET_TRUSTED_PROXIES":   strings.Join(c.TrustedProxies, ","),
		"KABINET_OPERATOR_NAME":     c.OperatorName, "KABINET_SUPPORT_PHONE": c.SupportPhone, "KABINET_SUPPORT_EMAIL": c.SupportEmail,
		"KABINET_LOG_LEVEL": c.LogLevel, "KABINET_LOG_FORMAT": c.LogFormat,
		"KABINET_METRICS_ADDR": c.MetricsAddr, "KABINET_METRICS_TOKEN": c.MetricsToken,
	}
}

// Markdown renders the settings table for docs/configuration.md.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| Variable | Default | Secret (`_FILE` accepted) | Meaning |\n|---|---|---|---|\n")
	for _, s := range settings {
		def := s.def
		if def == "" {
			def = "—"
		} else {
			def = "`" + def + "`"
		}
		sec := ""
		if s.secret {
			sec = "yes"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", s.env, def, sec, s.doc)
	}
	return b.String()
}

// PrefixBudget is the SMS budget of a range of phone numbers.
type PrefixBudget struct {
	Prefix    string
	Unlimited bool
	Max       int
	Window    time.Duration
}

// ParsePrefixBudgets reads "+79=none,+=30/1h,+979=0": a prefix of an
// E.164 number ("+" and digits), then "none", "0", or max/window.
func ParsePrefixBudgets(v string) ([]PrefixBudget, error) {
	var out []PrefixBudget
	seen := map[string]bool{}
	for _, item := range splitList(v) {
		prefix, spec, ok := strings.Cut(item, "=")
		prefix, spec = strings.TrimSpace(prefix), strings.TrimSpace(spec)
		if !ok || !validPrefix(prefix) {
			return nil, fmt.Errorf("want prefix=max/window, prefix=none or prefix=0 with a prefix such as +7 or +, got %q", item)
		}
		if seen[prefix] {
			return nil, fmt.Errorf("prefix %s given twice", prefix)
		}
		seen[prefix] = true
		b := PrefixBudget{Prefix: prefix}
		switch {
		case spec == "none":
			b.Unlimited = true
		case spec == "0":
		default:
			n, w, ok := strings.Cut(spec, "/")
			max, err := strconv.Atoi(n)
			d, derr := time.ParseDuration(w)
			if !ok || err != nil || max < 0 || derr != nil || d <= 0 {
				return nil, fmt.Errorf("%s: want max/window such as 30/1h, none or 0, got %q", prefix, spec)
			}
			b.Max, b.Window = max, d
		}
		out = append(out, b)
	}
	return out, nil
}

func validPrefix(p string) bool {
	if !strings.HasPrefix(p, "+") || len(p) > 16 {
		return false
	}
	for _, c := range p[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// FormatPrefixBudgets writes budgets back in the form ParsePrefixBudgets reads.
func FormatPrefixBudgets(list []PrefixBudget) string {
	parts := make([]string, 0, len(list))
	for _, b := range list {
		switch {
		case b.Unlimited:
			parts = append(parts, b.Prefix+"=none")
		case b.Max == 0:
			parts = append(parts, b.Prefix+"=0")
		default:
			parts = append(parts, fmt.Sprintf("%s=%d/%s", b.Prefix, b.Max, b.Window))
		}
	}
	return strings.Join(parts, ",")
}
