package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsRunTheDemo(t *testing.T) {
	c := Defaults()
	if c.Addr != "127.0.0.1:8080" || !c.Demo() || c.UsesPostgres() || !c.SecondStep {
		t.Fatalf("defaults: %+v", c)
	}
	if got := c.SQLitePath(); got != filepath.Join("data", "kabinet.db") {
		t.Errorf("SQLitePath = %q", got)
	}
	if c.SMSCodeTTL.Seconds() != 300 {
		t.Errorf("SMS code TTL = %v, the documents say 300 s", c.SMSCodeTTL)
	}
	if c.BaseURL != "http://127.0.0.1:8080" {
		t.Errorf("BaseURL = %q", c.BaseURL)
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
	for _, want := range []string{"KABINET_SMS_CODE_TTL", "KABINET_CODE_MAX_ATTEMPTS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
	// Parse errors stop before cross-field validation; fix them and the rest shows.
	_, err = Load(env(map[string]string{"KABINET_ADDR": "nonsense", "KABINET_LOG_FORMAT": "xml", "KABINET_SMS_GATEWAY_URL": "http://127.0.0.1:9/send"}))
	for _, want := range []string{"KABINET_ADDR", "KABINET_LOG_FORMAT", "KABINET_SMS_GATEWAY_TOKEN"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

func TestProductionNeedsRealTransportsAndHTTPS(t *testing.T) {
	_, err := Load(env(map[string]string{"KABINET_ENV": "production"}))
	for _, want := range []string{"KABINET_BASE_URL", "KABINET_SMTP_URL", "KABINET_SMS_GATEWAY_URL"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
	c, err := Load(env(map[string]string{
		"KABINET_ENV": "production", "KABINET_BASE_URL": "https://kabinet.example",
		"KABINET_SMTP_URL": "smtp://mail:25", "KABINET_SMS_GATEWAY_URL": "https://sms.example/send", "KABINET_SMS_GATEWAY_TOKEN": "t",
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
	if c.SMSGatewayToken != "s3cret-token" {
		t.Fatalf("token = %q", c.SMSGatewayToken)
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
}

func TestEverySettingRoundTrips(t *testing.T) {
	c := Defaults()
	values := c.values()
	for _, s := range settings {
		if _, ok := values[s.env]; !ok {
			t.Errorf("%s missing from values()", s.env)
		}
		// Setting the rendered value again must give the same config.
		c2 := c
		if err := s.set(&c2, values[s.env]); err != nil {
			t.Errorf("%s=%q does not parse back: %v", s.env, values[s.env], err)
		} else if d := configDiff(c2, c); d != "" {
			t.Errorf("%s=%q changes the config:%s", s.env, values[s.env], d)
		}
	}
	if len(values) != len(settings) {
		t.Errorf("values() has %d entries, settings %d", len(values), len(settings))
	}
}

// TestLoadRoundTrips loads what values() renders, for the defaults and for a
// configuration far from them, and must get the same Config back.
func TestLoadRoundTrips(t *testing.T) {
	other, err := Load(env(map[string]string{
		"KABINET_ADDR": "0.0.0.0:9090", "KABINET_BASE_URL": "https://kabinet.example", "KABINET_ENV": "production",
		"KABINET_DATA_DIR": "/var/lib/kabinet", "KABINET_DATABASE_URL": "postgres://kab:pw@db:5432/kab",
		"KABINET_SECRET_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "KABINET_OLD_SECRET_KEYS": "b2xk, b2xkZXI=",
		"KABINET_SMTP_URL": "smtps://u:p@mail:465", "KABINET_MAIL_FROM": "ESIA <no-reply@example.org>",
		"KABINET_SMS_GATEWAY_URL": "https://sms.example/send", "KABINET_SMS_GATEWAY_TOKEN": "tok",
		"KABINET_SIGNIN_SECOND_STEP": "false", "KABINET_SESSION_LIFETIME": "8h", "KABINET_SESSION_IDLE": "20m",
		"KABINET_SESSION_CACHE_TTL": "0s", "KABINET_SMS_CODE_TTL": "2m", "KABINET_EMAIL_LINK_TTL": "1h",
		"KABINET_CODE_RESEND_AFTER": "90s", "KABINET_CODE_MAX_ATTEMPTS": "3", "KABINET_CODE_INTERVAL": "30s",
		"KABINET_CODES_PER_HOUR": "4", "KABINET_CODES_PER_IP_5M": "11", "KABINET_CODES_PER_IP_DAY": "77",
		"KABINET_SMS_BUDGET_PER_MINUTE": "0", "KABINET_SMS_BUDGET_PER_HOUR": "1000",
		"KABINET_SMS_PREFIX_BUDGETS":    "+7=none,+=10/30m,+979=0",
		"KABINET_PASSWORD_MAX_FAILURES": "7", "KABINET_PASSWORD_LOCKOUT": "10m", "KABINET_PASSWORD_LOCKOUT_MAX": "4h",
		"KABINET_PASSWORD_SUSPEND_AFTER": "50", "KABINET_SIGNIN_FAILURES_PER_IP": "9", "KABINET_SIGNIN_HASHES_PER_IP": "99",
		"KABINET_HASH_QUEUE": "3", "KABINET_ARGON2_MEMORY_KIB": "65536", "KABINET_ARGON2_TIME": "3", "KABINET_ARGON2_THREADS": "4",
		"KABINET_TRUSTED_PROXIES": "10.0.0.0/8,192.168.0.0/16", "KABINET_METRICS_ADDR": "127.0.0.1:9100",
		"KABINET_METRICS_TOKEN": "m", "KABINET_OPERATOR_NAME": "Оператор", "KABINET_SUPPORT_PHONE": "8 800 100-00-00",
		"KABINET_SUPPORT_EMAIL": "help@example.org", "KABINET_LOG_LEVEL": "debug", "KABINET_LOG_FORMAT": "json",
	}))
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]Config{"defaults": Defaults(), "other": other} {
		got, err := Load(env(c.values()))
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if d := configDiff(got, c); d != "" {
			t.Errorf("%s: loading values() gives another config:%s", name, d)
		}
	}
	if reflect.DeepEqual(other, Defaults()) {
		t.Error("the other configuration is the default one")
	}
}

// configDiff lists the fields in which got and want differ ("" if none).
func configDiff(got, want Config) string {
	var b strings.Builder
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range g.NumField() {
		if !reflect.DeepEqual(g.Field(i).Interface(), w.Field(i).Interface()) {
			fmt.Fprintf(&b, "\n\t%s: got %#v, want %#v", g.Type().Field(i).Name, g.Field(i).Interface(), w.Field(i).Interface())
		}
	}
	return b.String()
}

// TestNarrowNumbersDoNotWrap: settings kept in uint8 or uint32 refuse what
// does not fit instead of keeping it modulo 256 or 2^32.
func TestNarrowNumbersDoNotWrap(t *testing.T) {
	for _, tc := range []struct{ env, value string }{
		{"KABINET_ARGON2_THREADS", "300"},
		{"KABINET_ARGON2_THREADS", "256"},
		{"KABINET_ARGON2_TIME", "4294967297"},
		{"KABINET_ARGON2_MEMORY_KIB", "4294967296"},
		{"KABINET_ARGON2_THREADS", "-1"},
	} {
		c, err := Load(env(map[string]string{tc.env: tc.value}))
		if err == nil || !strings.Contains(err.Error(), tc.env) || !strings.Contains(err.Error(), "whole number from 0 to") {
			t.Errorf("%s=%s: err = %v (threads %d, time %d, memory %d)", tc.env, tc.value, err, c.Argon2Threads, c.Argon2Time, c.Argon2MemoryKiB)
		}
	}
	c, err := Load(env(map[string]string{"KABINET_ARGON2_THREADS": "255", "KABINET_ARGON2_MEMORY_KIB": "4294967295"}))
	if err != nil || c.Argon2Threads != 255 || c.Argon2MemoryKiB != 4294967295 {
		t.Errorf("the largest values: %v, threads %d, memory %d", err, c.Argon2Threads, c.Argon2MemoryKiB)
	}
}

// TestDocsMatchSettings keeps docs/configuration.md true: it must contain
// the generated table. Run with KABINET_UPDATE_DOCS=1 to rewrite it.
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
	t.Errorf("%s is out of date with the settings table; run KABINET_UPDATE_DOCS=1 go test ./internal/config", path)
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
	if c.MetricsToken != "scrape-s3cret" || c.MetricsAddr != "127.0.0.1:9100" {
		t.Fatalf("token %q addr %q", c.MetricsToken, c.MetricsAddr)
	}
	if dump := strings.Join(c.Redacted(), "\n"); strings.Contains(dump, "scrape-s3cret") {
		t.Errorf("metrics token in the dump:\n%s", dump)
	}
	for _, bad := range []string{"9100", "127.0.0.1:8080"} {
		if _, err := Load(env(map[string]string{"KABINET_METRICS_ADDR": bad})); err == nil || !strings.Contains(err.Error(), "KABINET_METRICS_ADDR") {
			t.Errorf("KABINET_METRICS_ADDR=%s: %v", bad, err)
		}
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
		c := Config{Env: tt.env, MetricsAddr: tt.addr, MetricsToken: tt.token}
		if got := c.MetricsOnMain(); got != tt.onMain {
			t.Errorf("%s addr=%q token=%q: MetricsOnMain = %v", tt.env, tt.addr, tt.token, got)
		}
	}
}
