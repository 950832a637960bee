package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsRunTheDemo(t *testing.T) {
	c := Defaults()
	if c.Server.Addr != "127.0.0.1:8080" || !c.Demo() || c.Storage.UsesPostgres() || !c.SignIn.SecondStep {
		t.Fatalf("defaults: %+v", c)
	}
	if got := c.Storage.SQLitePath(); got != filepath.Join("data", "kabinet.db") {
		t.Errorf("SQLitePath = %q", got)
	}
	if c.Codes.SMSTTL.Seconds() != 300 {
		t.Errorf("SMS code TTL = %v, the documents say 300 s", c.Codes.SMSTTL)
	}
	if c.Server.BaseURL != "http://127.0.0.1:8080" {
		t.Errorf("BaseURL = %q", c.Server.BaseURL)
	}
}

func TestSQLitePath(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"", filepath.Join("d", "kabinet.db")},
		{"sqlite:///var/kab.db", "/var/kab.db"},
		{"postgres://h/db", filepath.Join("d", "kabinet.db")},
	} {
		if got := (Storage{DataDir: "d", DatabaseURL: tc.url}).SQLitePath(); got != tc.want {
			t.Errorf("%q: SQLitePath = %q, want %q", tc.url, got, tc.want)
		}
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	_, err := Load(env(map[string]string{
		"KABINET_ADDR":              "nonsense",
		"KABINET_SMS_CODE_TTL":      "five minutes",
		"KABINET_CODE_MAX_ATTEMPTS": "-1",
		"KABINET_LOG_FORMAT":        "xml",
		"KABINET_SMS_GATEWAY_URL":   "http://127.0.0.1:9/send",
	}))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`KABINET_SMS_CODE_TTL: want a duration such as 300s or 15m, got "five minutes"`,
		`KABINET_CODE_MAX_ATTEMPTS: want a whole number, got "-1"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %s: %v", want, err)
		}
	}
	// Parse errors stop before the rules; fix them and the rest shows.
	_, err = Load(env(map[string]string{"KABINET_ADDR": "nonsense", "KABINET_LOG_FORMAT": "xml", "KABINET_SMS_GATEWAY_URL": "http://127.0.0.1:9/send"}))
	for _, want := range []string{"KABINET_ADDR", "KABINET_LOG_FORMAT", "KABINET_SMS_GATEWAY_TOKEN"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

func TestProductionNeedsRealTransportsAndHTTPS(t *testing.T) {
	_, err := Load(env(map[string]string{"KABINET_ENV": "production"}))
	for _, want := range []string{"KABINET_BASE_URL", "KABINET_SMTP_URL", "KABINET_SMS_GATEWAY_URL", "KABINET_REGISTRY_URL"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
	c, err := Load(env(map[string]string{
		"KABINET_ENV": "production", "KABINET_BASE_URL": "https://kabinet.example",
		"KABINET_SMTP_URL": "smtp://mail:25", "KABINET_SMS_GATEWAY_URL": "https://sms.example/send", "KABINET_SMS_GATEWAY_TOKEN": "t",
		"KABINET_REGISTRY_URL": "https://registries.example",
	}))
	if err != nil || c.Demo() {
		t.Fatalf("err=%v demo=%v", err, c.Demo())
	}
}

func TestSecretFromFileAndRedaction(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tok")
	if err := os.WriteFile(path, []byte("s3cret-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(env(map[string]string{
		"KABINET_SMS_GATEWAY_URL": "http://127.0.0.1:9/send", "KABINET_SMS_GATEWAY_TOKEN_FILE": path,
		"KABINET_DATABASE_URL": "postgres://kab:pw@127.0.0.1:5432/kab",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.SMS.GatewayToken != "s3cret-token" {
		t.Fatalf("token = %q", c.SMS.GatewayToken)
	}
	dump := strings.Join(c.Redacted(), "\n")
	if strings.Contains(dump, "s3cret") || strings.Contains(dump, ":pw@") {
		t.Errorf("secret in dump:\n%s", dump)
	}
	if !strings.Contains(dump, "KABINET_DATABASE_URL=postgres://kab:xxxxx@127.0.0.1:5432/kab") {
		t.Errorf("database URL not shown redacted:\n%s", dump)
	}
	if _, err := Load(env(map[string]string{"KABINET_SECRET_KEY": "a", "KABINET_SECRET_KEY_FILE": path})); err == nil {
		t.Error("both NAME and NAME_FILE accepted")
	}
	if _, err := Load(env(map[string]string{"KABINET_LOG_LEVEL_FILE": path})); err != nil {
		t.Errorf("NAME_FILE of a setting that is no secret is read: %v", err)
	}
}

// leafFields lists the addresses of the fields of the sections of the
// struct c points at (a *Config), each with its name.
func leafFields(c any) map[any]string {
	out := map[any]string{}
	cv := reflect.ValueOf(c).Elem()
	for i := range cv.NumField() {
		sv := cv.Field(i)
		if sv.Kind() != reflect.Struct {
			panic(cv.Type().Field(i).Name + " is no section")
		}
		for j := range sv.NumField() {
			out[sv.Field(j).Addr().Interface()] = cv.Type().Field(i).Name + "." + sv.Type().Field(j).Name
		}
	}
	return out
}

// declarationProblems checks the sections of the struct c points at: each
// field bound to exactly one setting, which has an environment name of its
// own and docs.
func declarationProblems(c any, parts []part) []string {
	var out []string
	fields := leafFields(c)
	bound := map[any]string{}
	envs := map[string]bool{}
	name := regexp.MustCompile(`^KABINET_[A-Z0-9_]+[A-Z0-9]$`)
	for _, p := range parts {
		if p.title == "" || p.intro == "" {
			out = append(out, fmt.Sprintf("a section has no title or intro: %q %q", p.title, p.intro))
		}
		if len(p.section.settings()) == 0 {
			out = append(out, fmt.Sprintf("section %s has no settings", p.title))
		}
		for _, s := range p.section.settings() {
			f, ok := fields[s.field.target()]
			if !ok {
				f = "a field of no section"
			}
			if !name.MatchString(s.env) {
				out = append(out, fmt.Sprintf("%s: environment name %q is not KABINET_UPPER_CASE", f, s.env))
			}
			if envs[s.env] {
				out = append(out, fmt.Sprintf("%s: %s is declared twice", f, s.env))
			}
			envs[s.env] = true
			if strings.HasSuffix(s.env, "_FILE") {
				out = append(out, fmt.Sprintf("%s: a name ending _FILE reads as a secret's file", s.env))
			}
			if s.doc == "" || !strings.HasSuffix(s.doc, ".") {
				out = append(out, fmt.Sprintf("%s: doc %q is empty or not a sentence", s.env, s.doc))
			}
			if strings.Contains(s.doc, "|") || strings.Contains(s.def, "`") {
				out = append(out, fmt.Sprintf("%s: doc or default would break the Markdown table", s.env))
			}
			if !ok {
				out = append(out, fmt.Sprintf("%s is bound to %s", s.env, f))
				continue
			}
			if other, dup := bound[s.field.target()]; dup {
				out = append(out, fmt.Sprintf("%s and %s are both bound to %s", other, s.env, f))
			}
			bound[s.field.target()] = s.env
		}
	}
	for addr, f := range fields {
		if _, ok := bound[addr]; !ok {
			out = append(out, fmt.Sprintf("field %s has no setting", f))
		}
	}
	return out
}

func TestEverySettingIsDeclaredOnce(t *testing.T) {
	var c Config
	for _, p := range declarationProblems(&c, c.sections()) {
		t.Error(p)
	}
}

// rows is a section for TestDeclarationProblemsAreFound, with its rows given.
type rows []setting

func (r rows) settings() []setting { return r }

// TestDeclarationProblemsAreFound: a setting without a name or docs, a name
// used twice, a field without a setting and one with two fail the test above.
func TestDeclarationProblemsAreFound(t *testing.T) {
	var c struct {
		A struct{ X, Y, Z int }
		B struct{ W string }
	}
	var stray int
	parts := []part{
		{"A", "The first.", rows{
			{env: "KABINET_X", field: count(&c.A.X), doc: "X."},
			{env: "KABINET_X", field: count(&c.A.Y), doc: "Y."},
			{env: "", field: count(&c.A.Y), doc: "Y again."},
			{env: "KABINET_STRAY", field: count(&stray), doc: "Nowhere."},
		}},
		{"B", "The second.", rows{{env: "KABINET_W", field: text(&c.B.W)}}},
	}
	got := strings.Join(declarationProblems(&c, parts), "\n")
	for _, want := range []string{
		"A.Y: KABINET_X is declared twice",
		`A.Y: environment name "" is not KABINET_UPPER_CASE`,
		"KABINET_X and  are both bound to A.Y",
		"KABINET_STRAY is bound to a field of no section",
		`KABINET_W: doc "" is empty or not a sentence`,
		"field A.Z has no setting",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("not found: %s; found:\n%s", want, got)
		}
	}
}

// TestEverySettingRoundTrips sets every setting to a value other than its
// default, loads, and compares each field with the value it should hold;
// then the dump must hide the secrets, and loading the settings as the
// config writes them back must give the same config.
func TestEverySettingRoundTrips(t *testing.T) {
	cases := map[string]struct {
		in   string
		want any
	}{
		"KABINET_ADDR":                      {"0.0.0.0:9090", "0.0.0.0:9090"},
		"KABINET_BASE_URL":                  {"https://kabinet.example/", "https://kabinet.example"},
		"KABINET_ENV":                       {"production", Production},
		"KABINET_TRUSTED_PROXIES":           {"10.0.0.0/8, 192.168.0.0/16,", []string{"10.0.0.0/8", "192.168.0.0/16"}},
		"KABINET_OPERATOR_NAME":             {"Оператор", "Оператор"},
		"KABINET_OPERATOR_NAME_EN":          {"Digital Region agency", "Digital Region agency"},
		"KABINET_SUPPORT_PHONE":             {"8 800 100-00-00", "8 800 100-00-00"},
		"KABINET_SUPPORT_EMAIL":             {"help@example.org", "help@example.org"},
		"KABINET_DATA_DIR":                  {"/var/lib/kabinet", "/var/lib/kabinet"},
		"KABINET_DATABASE_URL":              {"postgres://kab:pw-db@db:5432/kab", "postgres://kab:pw-db@db:5432/kab"},
		"KABINET_SECRET_KEY":                {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
		"KABINET_OLD_SECRET_KEYS":           {"b2xk, b2xkZXI=", []string{"b2xk", "b2xkZXI="}},
		"KABINET_SMTP_URL":                  {"smtps://u:pw-smtp@mail:465", "smtps://u:pw-smtp@mail:465"},
		"KABINET_MAIL_FROM":                 {"ESIA <no-reply@example.org>", "ESIA <no-reply@example.org>"},
		"KABINET_SMS_GATEWAY_URL":           {"https://sms.example/send", "https://sms.example/send"},
		"KABINET_SMS_GATEWAY_TOKEN":         {"tok-sms", "tok-sms"},
		"KABINET_REGISTRY_URL":              {"https://registries.example/", "https://registries.example/"},
		"KABINET_REGISTRY_TOKEN":            {"tok-reg", "tok-reg"},
		"KABINET_REGISTRY_TIMEOUT":          {"5s", 5 * time.Second},
		"KABINET_VERIFICATION_WORKERS":      {"16", 16},
		"KABINET_VERIFICATION_RETRY_MAX":    {"30m", 30 * time.Minute},
		"KABINET_VERIFICATION_STUCK_AFTER":  {"2h", 2 * time.Hour},
		"KABINET_REGISTRY_BREAKER_FAILURES": {"3", 3},
		"KABINET_REGISTRY_BREAKER_OPEN":     {"1m", time.Minute},
		"KABINET_SESSION_LIFETIME":          {"8h", 8 * time.Hour},
		"KABINET_SESSION_IDLE":              {"20m", 20 * time.Minute},
		"KABINET_SESSION_CACHE_TTL":         {"0s", time.Duration(0)},
		"KABINET_STAFF_IDLE":                {"10m", 10 * time.Minute},
		"KABINET_STAFF_LIFETIME":            {"8h", 8 * time.Hour},
		"KABINET_STAFF_REAUTH":              {"2m", 2 * time.Minute},
		"KABINET_STAFF_TOTP_ISSUER":         {"Госуслуги Калуга", "Госуслуги Калуга"},
		"KABINET_SMS_CODE_TTL":              {"2m", 2 * time.Minute},
		"KABINET_EMAIL_LINK_TTL":            {"1h", time.Hour},
		"KABINET_CODE_RESEND_AFTER":         {"90s", 90 * time.Second},
		"KABINET_CODE_MAX_ATTEMPTS":         {"3", 3},
		"KABINET_CODE_INTERVAL":             {"30s", 30 * time.Second},
		"KABINET_CODES_PER_HOUR":            {"4", 4},
		"KABINET_CODES_PER_IP_5M":           {"11", 11},
		"KABINET_CODES_PER_IP_DAY":          {"77", 77},
		"KABINET_SMS_BUDGET_PER_MINUTE":     {"0", 0},
		"KABINET_SMS_BUDGET_PER_HOUR":       {"1000", 1000},
		"KABINET_SMS_PREFIX_BUDGETS":        {"+7=none,+=10/30m,+979=0", []PrefixBudget{{Prefix: "+7", Unlimited: true}, {Prefix: "+", Max: 10, Window: 30 * time.Minute}, {Prefix: "+979"}}},
		"KABINET_SIGNIN_SECOND_STEP":        {"false", false},
		"KABINET_PASSWORD_MAX_FAILURES":     {"7", 7},
		"KABINET_PASSWORD_LOCKOUT":          {"10m", 10 * time.Minute},
		"KABINET_PASSWORD_LOCKOUT_MAX":      {"4h", 4 * time.Hour},
		"KABINET_PASSWORD_SUSPEND_AFTER":    {"50", 50},
		"KABINET_SIGNIN_FAILURES_PER_IP":    {"9", 9},
		"KABINET_SIGNIN_HASHES_PER_IP":      {"99", 99},
		"KABINET_HASH_QUEUE":                {"3", 3},
		"KABINET_ARGON2_MEMORY_KIB":         {"65536", uint32(65536)},
		"KABINET_ARGON2_TIME":               {"3", uint32(3)},
		"KABINET_ARGON2_THREADS":            {"4", uint8(4)},
		"KABINET_RETENTION_NOTIFICATIONS":   {"48h", 48 * time.Hour},
		"KABINET_RETENTION_SIGNINS":         {"2000h", 2000 * time.Hour},
		"KABINET_RETENTION_SESSIONS":        {"1000h", 1000 * time.Hour},
		"KABINET_RETENTION_FLOWS":           {"36h", 36 * time.Hour},
		"KABINET_DELETION_GRACE":            {"720h", 720 * time.Hour},
		"KABINET_METRICS_ADDR":              {"127.0.0.1:9100", "127.0.0.1:9100"},
		"KABINET_METRICS_TOKEN":             {"tok-metrics", "tok-metrics"},
		"KABINET_LOG_LEVEL":                 {"debug", "debug"},
		"KABINET_LOG_FORMAT":                {"json", "json"},
		"KABINET_MAP_TILES_URL":             {"https://{s}.tiles.example.org/{z}/{x}/{y}.png", "https://{s}.tiles.example.org/{z}/{x}/{y}.png"},
		"KABINET_MAP_TILES_ATTRIBUTION":     {"© OpenStreetMap contributors", "© OpenStreetMap contributors"},
		"KABINET_LETTER_VALIDITY":           {"720h", 720 * time.Hour},
		"KABINET_LETTER_SENDER_NAME":        {"ГБУ «МФЦ»", "ГБУ «МФЦ»"},
		"KABINET_LETTER_SENDER_ADDRESS":     {"ул. Кирова, 1; Калуга; 248000", "ул. Кирова, 1; Калуга; 248000"},
		"KABINET_DEMO_RP_ADDR":              {"127.0.0.1:9190", "127.0.0.1:9190"},
	}
	in := map[string]string{}
	for name, tc := range cases {
		in[name] = tc.in
	}
	c, err := Load(env(in))
	if err != nil {
		t.Fatal(err)
	}
	defaults := Defaults()
	defs := map[string]any{}
	for _, s := range defaults.settings() {
		defs[s.env] = reflect.ValueOf(s.field.target()).Elem().Interface()
	}
	for _, s := range c.settings() {
		tc, ok := cases[s.env]
		if !ok {
			t.Errorf("%s has no case here", s.env)
			continue
		}
		delete(cases, s.env)
		got := reflect.ValueOf(s.field.target()).Elem().Interface()
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s=%q: the field holds %#v, want %#v", s.env, tc.in, got, tc.want)
		}
		if reflect.DeepEqual(got, defs[s.env]) {
			t.Errorf("%s: the case sets the default, %#v; pick another value", s.env, got)
		}
	}
	for name := range cases {
		t.Errorf("case %s names no setting", name)
	}

	dump := strings.Join(c.Redacted(), "\n")
	for _, secret := range []string{"pw-db", "pw-smtp", "AAAAAAAAAA", "b2xk", "tok-sms", "tok-metrics"} {
		if strings.Contains(dump, secret) {
			t.Errorf("the dump shows %s:\n%s", secret, dump)
		}
	}
	for _, line := range []string{"KABINET_SECRET_KEY=[hidden]", "KABINET_SMTP_URL=smtps://u:xxxxx@mail:465", "KABINET_SESSION_IDLE=20m", "KABINET_SMS_PREFIX_BUDGETS=+7=none,+=10/30m,+979=0"} {
		if !strings.Contains(dump, line+"\n") {
			t.Errorf("the dump lacks %s:\n%s", line, dump)
		}
	}

	for name, c := range map[string]Config{"defaults": defaults, "every setting changed": c} {
		back := map[string]string{}
		for _, s := range c.settings() {
			back[s.env] = s.field.String()
		}
		got, err := Load(env(back))
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if d := configDiff(got, c); d != "" {
			t.Errorf("%s: loading the settings written back gives another config:%s", name, d)
		}
	}
}

// configDiff lists the fields in which got and want differ ("" if none).
func configDiff(got, want Config) string {
	var b strings.Builder
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range g.NumField() {
		for j := range g.Field(i).NumField() {
			gf, wf := g.Field(i).Field(j).Interface(), w.Field(i).Field(j).Interface()
			if !reflect.DeepEqual(gf, wf) {
				fmt.Fprintf(&b, "\n\t%s.%s: got %#v, want %#v", g.Type().Field(i).Name, g.Field(i).Type().Field(j).Name, gf, wf)
			}
		}
	}
	return b.String()
}

// TestNarrowNumbersDoNotWrap: settings kept in uint8 or uint32 refuse what
// does not fit instead of keeping it modulo 256 or 2^32.
func TestNarrowNumbersDoNotWrap(t *testing.T) {
	for _, tc := range []struct{ env, value, want string }{
		{"KABINET_ARGON2_THREADS", "300", `KABINET_ARGON2_THREADS: want a whole number from 0 to 255, got "300"`},
		{"KABINET_ARGON2_THREADS", "256", `KABINET_ARGON2_THREADS: want a whole number from 0 to 255, got "256"`},
		{"KABINET_ARGON2_THREADS", "-1", `KABINET_ARGON2_THREADS: want a whole number from 0 to 255, got "-1"`},
		{"KABINET_ARGON2_TIME", "4294967297", `KABINET_ARGON2_TIME: want a whole number from 0 to 4294967295, got "4294967297"`},
		{"KABINET_ARGON2_MEMORY_KIB", "4294967296", `KABINET_ARGON2_MEMORY_KIB: want a whole number from 0 to 4294967295, got "4294967296"`},
	} {
		c, err := Load(env(map[string]string{tc.env: tc.value}))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s=%s: err = %v, want %s (threads %d, time %d, memory %d)", tc.env, tc.value, err, tc.want, c.Argon2.Threads, c.Argon2.Time, c.Argon2.MemoryKiB)
		}
	}
	c, err := Load(env(map[string]string{"KABINET_ARGON2_THREADS": "255", "KABINET_ARGON2_MEMORY_KIB": "4294967295"}))
	if err != nil || c.Argon2.Threads != 255 || c.Argon2.MemoryKiB != 4294967295 {
		t.Errorf("the largest values: %v, threads %d, memory %d", err, c.Argon2.Threads, c.Argon2.MemoryKiB)
	}
}

// TestRules has a case for every rule of every setting and for every check
// that relates settings, each with the message it gives.
func TestRules(t *testing.T) {
	production := map[string]string{"KABINET_ENV": "production", "KABINET_BASE_URL": "https://kabinet.example",
		"KABINET_SMTP_URL": "smtp://mail:25", "KABINET_SMS_GATEWAY_URL": "https://sms.example/send", "KABINET_SMS_GATEWAY_TOKEN": "t"}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		env  map[string]string
		edit func(*Config) // applied to the defaults instead of loading env
		want string
	}{
		{env: with(nil, "KABINET_ADDR", "8080"), want: `KABINET_ADDR: want host:port, got "8080"`},
		{env: with(nil, "KABINET_BASE_URL", "kabinet.example"), want: `KABINET_BASE_URL: want a URL starting http:// or https://, got "kabinet.example"`},
		{env: with(nil, "KABINET_BASE_URL", "ftp://kabinet.example"), want: `KABINET_BASE_URL: want a URL starting http:// or https://, got "ftp://kabinet.example"`},
		{env: with(production, "KABINET_BASE_URL", "http://kabinet.example"), want: `KABINET_BASE_URL: production needs an https URL, got "http://kabinet.example"`},
		{env: with(nil, "KABINET_ENV", "staging"), want: `KABINET_ENV: want one of development or production, got "staging"`},
		{env: with(nil, "KABINET_OPERATOR_NAME", "ГБУ «Цифровой регион»"), want: `KABINET_OPERATOR_NAME_EN: required when KABINET_OPERATOR_NAME is set`},
		{edit: func(c *Config) { c.Server.OperatorNameEN = "" }, want: `KABINET_OPERATOR_NAME_EN: want not empty, got ""`},
		{env: with(nil, "KABINET_TRUSTED_PROXIES", "10.0.0.0/8,10.1.2.3"), want: `KABINET_TRUSTED_PROXIES: want CIDRs such as 10.0.0.0/8, got "10.0.0.0/8,10.1.2.3"`},
		{edit: func(c *Config) { c.Storage.DataDir = "" }, want: `KABINET_DATA_DIR: want not empty, got ""`},
		{env: with(nil, "KABINET_DATABASE_URL", "mysql://u:secret@h/db"), want: "KABINET_DATABASE_URL: want empty or a value starting postgres://, postgresql:// or sqlite://"},
		{env: with(nil, "KABINET_SMTP_URL", "http://u:secret@mail"), want: "KABINET_SMTP_URL: want empty or a URL starting smtp:// or smtps://"},
		{env: with(production, "KABINET_SMTP_URL", ""), want: `KABINET_SMTP_URL: required in production`},
		{env: with(nil, "KABINET_SMS_GATEWAY_URL", "sms.example", "KABINET_SMS_GATEWAY_TOKEN", "t"), want: `KABINET_SMS_GATEWAY_URL: want empty or a URL starting http:// or https://, got "sms.example"`},
		{env: with(production, "KABINET_SMS_GATEWAY_URL", "", "KABINET_SMS_GATEWAY_TOKEN", ""), want: `KABINET_SMS_GATEWAY_URL: required in production`},
		{env: with(nil, "KABINET_SMS_GATEWAY_URL", "http://sms"), want: `KABINET_SMS_GATEWAY_TOKEN: required when KABINET_SMS_GATEWAY_URL is set`},
		{env: with(nil, "KABINET_REGISTRY_URL", "registries.example"), want: `KABINET_REGISTRY_URL: want empty or a URL starting http:// or https://, got "registries.example"`},
		{env: with(nil, "KABINET_REGISTRY_TIMEOUT", "0s"), want: `KABINET_REGISTRY_TIMEOUT: want from 100ms to 35s, got "0s"`},
		{env: with(nil, "KABINET_REGISTRY_TIMEOUT", "1m"), want: `KABINET_REGISTRY_TIMEOUT: want from 100ms to 35s, got "1m"`},
		{env: with(production, "KABINET_REGISTRY_URL", ""), want: `KABINET_REGISTRY_URL: required in production`},
		{env: with(nil, "KABINET_VERIFICATION_WORKERS", "0"), want: `KABINET_VERIFICATION_WORKERS: want from 1 to 256, got "0"`},
		{env: with(nil, "KABINET_VERIFICATION_RETRY_MAX", "500ms"), want: `KABINET_VERIFICATION_RETRY_MAX: want from 1s to 24h, got "500ms"`},
		{env: with(nil, "KABINET_VERIFICATION_STUCK_AFTER", "0s"), want: `KABINET_VERIFICATION_STUCK_AFTER: want more than 0s, got "0s"`},
		{env: with(nil, "KABINET_REGISTRY_BREAKER_FAILURES", "0"), want: `KABINET_REGISTRY_BREAKER_FAILURES: want from 1 to 1000, got "0"`},
		{env: with(nil, "KABINET_REGISTRY_BREAKER_OPEN", "2h"), want: `KABINET_REGISTRY_BREAKER_OPEN: want from 1s to 1h, got "2h"`},
		{env: with(nil, "KABINET_STAFF_IDLE", "30s"), want: `KABINET_STAFF_IDLE: want from 1m to 2h, got "30s"`},
		{env: with(nil, "KABINET_STAFF_LIFETIME", "48h"), want: `KABINET_STAFF_LIFETIME: want from 1h to 24h, got "48h"`},
		{env: with(nil, "KABINET_STAFF_REAUTH", "2h"), want: `KABINET_STAFF_REAUTH: want from 1m to 1h, got "2h"`},
		{edit: func(c *Config) { c.Staff.Issuer = "" }, want: `KABINET_STAFF_TOTP_ISSUER: want not empty, got ""`},
		{env: with(nil, "KABINET_SESSION_LIFETIME", "0s"), want: `KABINET_SESSION_LIFETIME: want more than 0s, got "0s"`},
		{env: with(nil, "KABINET_SESSION_IDLE", "-5m"), want: `KABINET_SESSION_IDLE: want more than 0s, got "-5m"`},
		{env: with(nil, "KABINET_SESSION_CACHE_TTL", "2m"), want: `KABINET_SESSION_CACHE_TTL: want from 0s to 1m, got "2m"`},
		{env: with(nil, "KABINET_SESSION_CACHE_TTL", "-1s"), want: `KABINET_SESSION_CACHE_TTL: want from 0s to 1m, got "-1s"`},
		{env: with(nil, "KABINET_SMS_CODE_TTL", "0s"), want: `KABINET_SMS_CODE_TTL: want more than 0s, got "0s"`},
		{env: with(nil, "KABINET_EMAIL_LINK_TTL", "0s"), want: `KABINET_EMAIL_LINK_TTL: want more than 0s, got "0s"`},
		{env: with(nil, "KABINET_CODE_RESEND_AFTER", "-1s"), want: `KABINET_CODE_RESEND_AFTER: want at least 0s, got "-1s"`},
		{env: with(nil, "KABINET_CODE_MAX_ATTEMPTS", "0"), want: `KABINET_CODE_MAX_ATTEMPTS: want at least 1, got "0"`},
		{env: with(nil, "KABINET_CODE_INTERVAL", "0s"), want: `KABINET_CODE_INTERVAL: want more than 0s, got "0s"`},
		{env: with(nil, "KABINET_CODES_PER_HOUR", "0"), want: `KABINET_CODES_PER_HOUR: want at least 1, got "0"`},
		{env: with(nil, "KABINET_CODES_PER_IP_5M", "0"), want: `KABINET_CODES_PER_IP_5M: want at least 1, got "0"`},
		{env: with(nil, "KABINET_CODES_PER_IP_DAY", "0"), want: `KABINET_CODES_PER_IP_DAY: want at least 1, got "0"`},
		{env: with(nil, "KABINET_SMS_PREFIX_BUDGETS", "+7=5"), want: `KABINET_SMS_PREFIX_BUDGETS: +7: want max/window such as 30/1h, none or 0, got "5"`},
		{env: with(nil, "KABINET_SMS_PREFIX_BUDGETS", "7=none"), want: `KABINET_SMS_PREFIX_BUDGETS: want prefix=max/window, prefix=none or prefix=0 with a prefix such as +7 or +, got "7=none"`},
		{env: with(nil, "KABINET_SMS_PREFIX_BUDGETS", "+7=0,+7=none"), want: `KABINET_SMS_PREFIX_BUDGETS: prefix +7 given twice`},
		{env: with(nil, "KABINET_PASSWORD_MAX_FAILURES", "0"), want: `KABINET_PASSWORD_MAX_FAILURES: want at least 1, got "0"`},
		{env: with(nil, "KABINET_PASSWORD_LOCKOUT", "0s"), want: `KABINET_PASSWORD_LOCKOUT: want more than 0s, got "0s"`},
		{env: with(nil, "KABINET_PASSWORD_LOCKOUT_MAX", "0s"), want: `KABINET_PASSWORD_LOCKOUT_MAX: want more than 0s, got "0s"`},
		{env: with(nil, "KABINET_PASSWORD_LOCKOUT_MAX", "10m"), want: `KABINET_PASSWORD_LOCKOUT_MAX: must not be shorter than KABINET_PASSWORD_LOCKOUT`},
		{env: with(nil, "KABINET_PASSWORD_SUSPEND_AFTER", "0"), want: `KABINET_PASSWORD_SUSPEND_AFTER: want at least 1, got "0"`},
		{env: with(nil, "KABINET_SIGNIN_FAILURES_PER_IP", "0"), want: `KABINET_SIGNIN_FAILURES_PER_IP: want at least 1, got "0"`},
		{env: with(nil, "KABINET_SIGNIN_HASHES_PER_IP", "0"), want: `KABINET_SIGNIN_HASHES_PER_IP: want at least 1, got "0"`},
		{env: with(nil, "KABINET_HASH_QUEUE", "0"), want: `KABINET_HASH_QUEUE: want at least 1, got "0"`},
		{env: with(nil, "KABINET_ARGON2_MEMORY_KIB", "31", "KABINET_ARGON2_THREADS", "4"), want: `KABINET_ARGON2_MEMORY_KIB: must be at least 8 KiB per thread (KABINET_ARGON2_THREADS), got 31`},
		{env: with(nil, "KABINET_ARGON2_TIME", "0"), want: `KABINET_ARGON2_TIME: want at least 1, got "0"`},
		{env: with(nil, "KABINET_ARGON2_THREADS", "0"), want: `KABINET_ARGON2_THREADS: want at least 1, got "0"`},
		{env: with(nil, "KABINET_RETENTION_NOTIFICATIONS", "1h"), want: `KABINET_RETENTION_NOTIFICATIONS: want at least 2h, got "1h"`},
		{env: with(nil, "KABINET_RETENTION_SIGNINS", "0s"), want: `KABINET_RETENTION_SIGNINS: want more than 0s, got "0s"`},
		{env: with(nil, "KABINET_RETENTION_SESSIONS", "0s"), want: `KABINET_RETENTION_SESSIONS: want more than 0s, got "0s"`},
		{env: with(nil, "KABINET_RETENTION_FLOWS", "0s"), want: `KABINET_RETENTION_FLOWS: want more than 0s, got "0s"`},
		{env: with(nil, "KABINET_DELETION_GRACE", "30s"), want: `KABINET_DELETION_GRACE: want at least 1m, got "30s"`},
		{env: with(nil, "KABINET_METRICS_ADDR", "9100"), want: `KABINET_METRICS_ADDR: want empty or host:port, got "9100"`},
		{env: with(nil, "KABINET_DEMO_RP_ADDR", "8090"), want: `KABINET_DEMO_RP_ADDR: want empty or host:port, got "8090"`},
		{env: with(nil, "KABINET_MAP_TILES_URL", "https://tiles.example.org/{z}/{x}.png"), want: `KABINET_MAP_TILES_URL: want empty or an http(s) URL template with {z}, {x} and {y}, got "https://tiles.example.org/{z}/{x}.png"`},
		{env: with(nil, "KABINET_MAP_TILES_URL", "ftp://tiles.example.org/{z}/{x}/{y}.png"), want: `KABINET_MAP_TILES_URL: want empty or an http(s) URL template with {z}, {x} and {y}, got "ftp://tiles.example.org/{z}/{x}/{y}.png"`},
		{env: with(nil, "KABINET_METRICS_ADDR", "127.0.0.1:8080"), want: `KABINET_METRICS_ADDR: must differ from KABINET_ADDR`},
		{env: with(nil, "KABINET_LETTER_VALIDITY", "72h"), want: `KABINET_LETTER_VALIDITY: want from 168h to 8784h, got "72h"`},
		{env: with(nil, "KABINET_LETTER_SENDER_ADDRESS", "а/я 1;;Москва"), want: `KABINET_LETTER_SENDER_ADDRESS: want one to four non-empty lines separated by ';', got "а/я 1;;Москва"`},
		{env: with(nil, "KABINET_LOG_LEVEL", "trace"), want: `KABINET_LOG_LEVEL: want one of debug, info, warn or error, got "trace"`},
		{env: with(nil, "KABINET_LOG_FORMAT", "xml"), want: `KABINET_LOG_FORMAT: want one of text or json, got "xml"`},
	}
	covered := map[string]bool{}
	for _, tc := range cases {
		var err error
		if tc.edit != nil {
			c := Defaults()
			tc.edit(&c)
			err = c.Validate()
		} else {
			_, err = Load(env(tc.env))
		}
		// The message is a whole line of the error.
		if err == nil || !slices.Contains(strings.Split(err.Error(), "\n"), tc.want) {
			t.Errorf("want the error %q, got %v", tc.want, err)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("the error shows a secret: %v", err)
		}
		covered[strings.SplitN(tc.want, ":", 2)[0]] = true
	}
	var c Config
	for _, s := range c.settings() {
		if len(s.field.wants()) > 0 && !covered[s.env] {
			t.Errorf("%s has rules (%s) and no case here", s.env, strings.Join(s.field.wants(), "; "))
		}
	}
}

// TestDocsMatchSettings keeps docs/configuration.md true: it must contain
// the generated tables. Run with KABINET_UPDATE_DOCS=1 to rewrite it.
func TestDocsMatchSettings(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "configuration.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	table := Markdown()
	const begin, end = "<!-- settings:begin -->\n", "<!-- settings:end -->"
	doc := string(b)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the %q … %q markers", path, begin, end)
	}
	if doc[i+len(begin):j] == table {
		return
	}
	if os.Getenv("KABINET_UPDATE_DOCS") == "1" {
		doc = doc[:i+len(begin)] + table + doc[j:]
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is out of date with the settings; run KABINET_UPDATE_DOCS=1 go test ./internal/config", path)
}

func TestMetricsSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics-token")
	if err := os.WriteFile(path, []byte("scrape-s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(env(map[string]string{"KABINET_METRICS_TOKEN_FILE": path, "KABINET_METRICS_ADDR": "127.0.0.1:9100"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Metrics.Token != "scrape-s3cret" || c.Metrics.Addr != "127.0.0.1:9100" {
		t.Fatalf("token %q addr %q", c.Metrics.Token, c.Metrics.Addr)
	}
	if dump := strings.Join(c.Redacted(), "\n"); strings.Contains(dump, "scrape-s3cret") {
		t.Errorf("metrics token in the dump:\n%s", dump)
	}
	tests := []struct {
		env         Env
		addr, token string
		onMain      bool
	}{
		{Development, "", "", true},
		{Development, "", "t", true},
		{Development, "127.0.0.1:9100", "", false},
		{Production, "", "", false},
		{Production, "", "t", true},
		{Production, "127.0.0.1:9100", "t", false},
	}
	for _, tt := range tests {
		c := Config{Server: Server{Env: tt.env}, Metrics: Metrics{Addr: tt.addr, Token: tt.token}}
		if got := c.MetricsOnMain(); got != tt.onMain {
			t.Errorf("%s addr=%q token=%q: MetricsOnMain = %v", tt.env, tt.addr, tt.token, got)
		}
	}
}
