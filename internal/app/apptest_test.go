package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/app"
	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/testenv"
)

// clock is a settable time source shared by the app under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now advances the clock by a millisecond per reading, so that events keep
// their order as they would in real time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// harness is kabinet on a fresh SQLite database behind an httptest server,
// with a fake clock and no job workers: messages stay in the outbox, where
// the tests read them.
type harness struct {
	t     *testing.T
	app   *app.App
	srv   *httptest.Server
	clock *clock
}

func newHarness(t *testing.T, mutate func(*config.Config)) *harness {
	t.Helper()
	cfg := config.Defaults()
	cfg.Log.Level = "error"
	cfg.SSO.DemoRPAddr = "" // the demo's site is TestDemoRelyingParty's
	if mutate != nil {
		mutate(&cfg)
	}
	cfg.Storage.DataDir, cfg.Storage.DatabaseURL = seeded(t, cfg, os.Getenv("KABINET_TEST_ENGINE") == "postgres")
	clk := &clock{t: harnessStart}
	a, err := app.New(context.Background(), cfg, harnessOptions(cfg, clk))
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, a, clk)
}

// harnessStart is the harness clock's first reading.
var harnessStart = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func harnessOptions(cfg config.Config, clk *clock) app.Options {
	return app.Options{Now: clk.Now, HashParams: &password.TestParams, NoJobs: true, Logger: app.NewLogger(cfg, io.Discard), InstantRegistries: true}
}

// seedDirs holds, per configuration and engine, a data directory (and on
// PostgreSQL a template database) kabinet started on once — migrated and
// seeded with the demo — and closed. A harness starts on a copy of it, as
// a restarted node would (the seeds find themselves there), instead of
// migrating and seeding again: that was nearly half of this package's CPU,
// and most of it under the race detector. The copy holds the master secret
// the data was sealed with.
var seedDirs sync.Map // the configuration as %#v and the engine → *seedDir

type seedDir struct {
	once     sync.Once
	dir      string
	template string // the PostgreSQL template database's name
	err      error
}

// seeded returns a new data directory holding a copy of the seeded one for
// cfg (its storage aside), made on first use, and on PostgreSQL the URL of
// a new database copied from the seeded template ("" on SQLite).
func seeded(t *testing.T, cfg config.Config, pg bool) (dir, dbURL string) {
	t.Helper()
	cfg.Storage.DataDir, cfg.Storage.DatabaseURL = "", ""
	v, _ := seedDirs.LoadOrStore(fmt.Sprintf("%t %#v", pg, cfg), &seedDir{})
	sd := v.(*seedDir)
	sd.once.Do(func() {
		if sd.dir, sd.err = os.MkdirTemp("", "kabinet-seeded-"); sd.err != nil {
			return
		}
		c := cfg
		c.Storage.DataDir = sd.dir
		if pg {
			sd.template, c.Storage.DatabaseURL = testenv.PostgresTemplate(t)
		}
		a, err := app.New(context.Background(), c, harnessOptions(c, &clock{t: harnessStart}))
		if err != nil {
			sd.err = err
			return
		}
		sd.err = a.Close(context.Background())
	})
	if sd.err != nil {
		t.Fatal(sd.err)
	}
	dir = t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(sd.dir)); err != nil {
		t.Fatal(err)
	}
	if pg {
		dbURL = testenv.NewPostgresDatabaseFrom(t, sd.template)
	}
	return dir, dbURL
}

// TestMain removes the seeded data directories once the tests are done.
func TestMain(m *testing.M) {
	code := m.Run()
	seedDirs.Range(func(_, v any) bool {
		sd := v.(*seedDir)
		if sd.dir != "" {
			_ = os.RemoveAll(sd.dir)
		}
		if sd.template != "" {
			_ = testenv.DropPostgresDatabase(sd.template)
		}
		return true
	})
	os.Exit(code)
}

// serve puts an app behind an httptest server, closed with the test. Every
// /api/ answer is checked against the OpenAPI document (checkAPI).
func serve(t *testing.T, a *app.App, clk *clock) *harness {
	srv := httptest.NewServer(checkAPI(t, a.Handler))
	t.Cleanup(func() {
		srv.Close()
		_ = a.Close(context.Background())
	})
	return &harness{t: t, app: a, srv: srv, clock: clk}
}

// response is a decoded API answer.
type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

func (r response) str(k string) string {
	v, _ := r.Body[k].(string)
	return v
}

// field returns a per-field machine code from a problem body.
func (r response) fieldCode(k string) string {
	m, _ := r.Body["field_codes"].(map[string]any)
	v, _ := m[k].(string)
	return v
}

func (h *harness) api(method, path, token string, body any) response {
	h.t.Helper()
	return h.call(method, path, token, "", body)
}

// apiFrom sends a request as if from another address, through a proxy the
// app trusts (KABINET_TRUSTED_PROXIES must hold 127.0.0.1).
func (h *harness) apiFrom(ip, method, path string, body any) response {
	h.t.Helper()
	return h.call(method, path, "", ip, body)
}

func (h *harness) call(method, path, token, forwardedFor string, body any) response {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, h.srv.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", forwardedFor)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := response{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &out.Body)
	return out
}

var codeRE = regexp.MustCompile(`\b\d{6}\b`)

// lastMessage returns the newest outbox message to a recipient.
func (h *harness) lastMessage(to string) (template, text string) {
	h.t.Helper()
	list, err := h.app.Store.Notifications().ListNotifications(context.Background(), 500)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, r := range list {
		if r.To == to {
			return r.Template, r.Text
		}
	}
	return "", ""
}

func (h *harness) messagesTo(to string) int {
	list, _ := h.app.Store.Notifications().ListNotifications(context.Background(), 500)
	n := 0
	for _, r := range list {
		if r.To == to {
			n++
		}
	}
	return n
}

// lastCode returns the code in the newest message to a recipient.
func (h *harness) lastCode(to string) string {
	h.t.Helper()
	_, text := h.lastMessage(to)
	c := codeRE.FindString(text)
	if c == "" {
		h.t.Fatalf("no code in the last message to %s: %q", to, text)
	}
	return c
}

// register completes an API registration and returns the session token.
func (h *harness) register(phone, pw string) string {
	h.t.Helper()
	r := h.api("POST", "/api/v1/registrations", "", map[string]any{"surname": "Иванов", "name": "Иван", "phone": phone, "accept_terms": true})
	if r.Status != 201 {
		h.t.Fatalf("register: %d %s", r.Status, r.Raw)
	}
	id := r.str("id")
	e164 := "+7" + digits(phone)[1:]
	if r = h.api("POST", "/api/v1/registrations/"+id+"/confirm", "", map[string]string{"code": h.lastCode(e164)}); r.Status != 200 {
		h.t.Fatalf("confirm: %d %s", r.Status, r.Raw)
	}
	r = h.api("POST", "/api/v1/registrations/"+id+"/password", "", map[string]string{"password": pw, "password_confirmation": pw})
	if r.Status != 201 {
		h.t.Fatalf("password: %d %s", r.Status, r.Raw)
	}
	// The next code to this number may go out a minute after the last.
	h.clock.Add(time.Minute)
	return r.str("session_token")
}

func digits(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// browser is a cookie-keeping client that does not follow redirects, so
// tests see each 303.
type browser struct {
	h *harness
	c *http.Client
}

func (h *harness) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{h: h, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.h.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.h.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	req, _ := http.NewRequest("GET", b.h.srv.URL+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	req, _ := http.NewRequest("POST", b.h.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}
