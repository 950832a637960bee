package e2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kabinet/kabinet/internal/app"
	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/pii"
	"github.com/kabinet/kabinet/internal/smssim"
	"github.com/kabinet/kabinet/internal/testenv"
)

// stepTimeout bounds one browser action or one wait for a message, so that a
// missing element fails the test in seconds instead of at the go test
// deadline.
const stepTimeout = 15 * time.Second

// smsToken is the bearer token between kabinet and the SMS simulator.
const smsToken = "e2e-sms-token"

// env is one running kabinet with its outside world: the SMS gateway
// simulator, a real mailpit, and the browsers the test opened.
type env struct {
	t       *testing.T
	app     *app.App
	baseURL string
	sms     *smssim.Server
	mail    *testenv.Mailpit
	chrome  string // the Chromium binary
	axe     string // axe.min.js
	shots   string // KABINET_E2E_SCREENSHOTS, "" when off
	clock   *clock // kabinet's time: real time, moved forward by tests

	mu      sync.Mutex
	scanned map[string]bool // pages the axe scan has seen, by name
}

// start brings up kabinet for one test: SQLite in a temp directory, demo
// mode, the SMS gateway simulator over HTTP, a real mailpit for e-mail, the
// second sign-in step on, fast password hashing and fast job polling. A
// missing Chromium, mailpit or axe-core skips the test (fails it with
// CI=true).
func start(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, chrome: testenv.Chromium(t), axe: loadAxe(t), shots: os.Getenv("KABINET_E2E_SCREENSHOTS"), clock: &clock{}}
	e.mail = testenv.StartMailpit(t)
	sim, sendURL := testenv.StartSMSSim(t, smsToken)
	e.sms = sim

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.baseURL = "http://" + l.Addr().String()

	cfg := config.Defaults()
	cfg.Server.Env = config.Development // demo mode
	cfg.Server.Addr = l.Addr().String()
	cfg.Server.BaseURL = e.baseURL
	cfg.Storage.DataDir = t.TempDir()
	cfg.Storage.DatabaseURL = "" // SQLite in DataDir
	if cfg.Keys.Secret, err = pii.GenerateSecret(rand.Reader); err != nil {
		l.Close()
		t.Fatal(err)
	}
	cfg.SMS.GatewayURL = sendURL
	cfg.SMS.GatewayToken = smsToken
	cfg.Mail.SMTPURL = e.mail.SMTPURL()
	cfg.SignIn.SecondStep = true
	if err := cfg.Validate(); err != nil {
		l.Close()
		t.Fatalf("config: %v", err)
	}

	ctx := context.Background()
	a, err := app.New(ctx, cfg, app.Options{
		Logger:     slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		HashParams: &password.TestParams,
		JobPoll:    50 * time.Millisecond,
		Now:        e.clock.Now,
	})
	if err != nil {
		l.Close()
		t.Fatalf("app.New: %v", err)
	}
	if err := a.Start(ctx, l); err != nil {
		l.Close()
		t.Fatalf("app.Start: %v", err)
	}
	e.app = a
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Close(ctx); err != nil {
			t.Errorf("app.Close: %v", err)
		}
	})
	return e
}

// clock is kabinet's time in a browser test: the real time, so that codes,
// timers and the page's scripts behave as they do for people, plus an
// offset a test moves forward to skip half an hour without waiting.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().UTC().Add(c.offset)
}

// Add moves kabinet's time forward by d.
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.offset += d; c.mu.Unlock() }

// testLog sends kabinet's log lines (warnings and errors only) to t.Log.
type testLog struct{ t *testing.T }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// smsCode waits for an SMS to phone (E.164) received after `after` and
// returns the six-digit code in it.
func (e *env) smsCode(phone string, after time.Time) string {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	m, err := e.sms.WaitFor(ctx, phone, after)
	if err != nil {
		e.t.Fatalf("no SMS to %s: %v", phone, err)
	}
	code := codeRE.FindString(m.Text)
	if code == "" {
		e.t.Fatalf("no code in the SMS to %s: %q", phone, m.Text)
	}
	return code
}

var codeRE = regexp.MustCompile(`\b[0-9]{6}\b`)

// latestMail waits for a message to the address and returns the newest one.
func (e *env) latestMail(to string) testenv.Mail {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	m, err := e.mail.WaitMessage(ctx, to)
	if err != nil {
		e.t.Fatalf("no mail to %s: %v", to, err)
	}
	return m
}

// browser is one tab in a Chromium browser context: its own cookies, so its
// own kabinet sessions.
type browser struct {
	t    *testing.T
	e    *env
	name string // for screenshots and messages
	ctx  context.Context

	mu      sync.Mutex
	console []chromedp.ConsoleMessage // errors and exceptions the page reported
	shotN   int
}

// browser starts a headless Chromium with a fresh user-data-dir and returns
// its first tab. The browser ends with the test.
func (e *env) browser(name string) *browser {
	t := e.t
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(e.chrome),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("accept-lang", "ru-RU,ru"), // a Russian citizen's browser
	)
	for _, f := range testenv.ChromiumFlags() {
		opts = append(opts, chromedp.Flag(strings.TrimPrefix(f, "--"), true))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelAlloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // start the browser, with no timeout
		t.Fatalf("start Chromium %s: %v", e.chrome, err)
	}
	return e.attach(ctx, name)
}

// incognito opens a tab in a new browser context of b's Chromium: a second
// user with separate cookies, without starting another browser.
func (b *browser) incognito(name string) *browser {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("new browser context: %v", err)
	}
	return b.e.attach(ctx, name)
}

// attach wraps a started tab: it records the console errors of its pages
// and, when the test fails, saves a screenshot of where it stopped.
func (e *env) attach(ctx context.Context, name string) *browser {
	b := &browser{t: e.t, e: e, name: name, ctx: ctx}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				b.mu.Lock()
				b.console = append(b.console, m)
				b.mu.Unlock()
			}
		}
	}()
	e.t.Cleanup(func() { // runs before the tab is closed (cleanups run last-in first-out)
		b.checkConsole()
		if e.t.Failed() {
			b.shot("failed")
		}
	})
	return b
}

// checkConsole fails the test for uncaught exceptions, for anything the
// Content Security Policy refused and for missing assets; other console
// errors are only logged.
func (b *browser) checkConsole() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.console {
		text := m.String()
		switch {
		case m.IsException(), strings.Contains(text, "Content Security Policy"):
			b.t.Errorf("%s: browser console: %s (%s)", b.name, text, m.URL)
		case strings.HasPrefix(m.Text, "Failed to load resource") && (strings.Contains(m.URL, "/static/") || strings.HasSuffix(m.URL, "/favicon.ico")):
			b.t.Errorf("%s: a page asset is missing: %s (%s)", b.name, text, m.URL)
		case strings.HasPrefix(m.Text, "Failed to load resource"):
			// The page's own error status, such as 422 for a form with
			// errors: the tests check what the page says instead.
		default:
			b.t.Logf("%s: browser console: %s (%s)", b.name, text, m.URL)
		}
	}
	b.console = nil
}

// step returns a context for one action, bounded by stepTimeout.
func (b *browser) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, stepTimeout)
}

// do runs actions that return nothing, failing the test on an error.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %s: %v (at %s)", b.name, what, err, b.location())
	}
}

// get runs one action and returns its value, failing the test on an error.
func get[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %s: %v (at %s)", b.name, what, err, b.location())
	}
	return v
}

// location is the tab's URL, for messages ("?" when it cannot be read).
func (b *browser) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	return u
}

// open loads a path of the app (or an absolute URL) and waits for the page.
func (b *browser) open(pathOrURL string) {
	b.t.Helper()
	u := pathOrURL
	if strings.HasPrefix(u, "/") {
		u = b.e.baseURL + u
	}
	b.do("open "+u, chromedp.Navigate(u))
}

// fill replaces the value of the input with the given id by typing, so the
// page sees the key and input events a user makes. It focuses the field and
// types with KeyEvent rather than SendKeys: SendKeys reads the node's
// attributes without chromedp's lock while the page may be changing them
// (aria-invalid, the strength meter), a data race -race reports in
// chromedp v0.23.0 itself.
func (b *browser) fill(id, value string) {
	b.t.Helper()
	b.do("fill #"+id, chromedp.Clear(chromedp.ID(id)), chromedp.Focus(chromedp.ID(id)), chromedp.KeyEvent(value))
}

// click clicks the first element the CSS selector finds; it does not wait
// for a page load (use submit or follow for that).
func (b *browser) click(css string) {
	b.t.Helper()
	b.do("click "+css, chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible))
}

// submit clicks a button or link that loads a new page, waits for that page
// and returns the HTTP status of its document (after redirects).
func (b *browser) submit(css string) int64 {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.WaitVisible(chromedp.CSS(css)), press(css))
	if err != nil {
		b.t.Fatalf("%s: click %s and wait for the page: %v (at %s)", b.name, css, err, b.location())
	}
	if resp == nil {
		return 0
	}
	return resp.Status
}

// press activates the element as a click on it does (element.click():
// the form is submitted with this button, the link followed), without
// aiming the mouse at coordinates. A mouse click lands where the element
// was a moment before: when the layout moves in between (the strength
// meter appearing above the button once its answer arrives), it hits
// something else and no page loads.
func press(css string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) { return false; } e.click(); return true; })()`, css)
		ok, err := chromedp.Evaluate[bool](js)(ctx, t)
		if err == nil && !ok {
			err = fmt.Errorf("no element %s", css)
		}
		return chromedp.Void{}, err
	}
}

// follow is submit for links.
func (b *browser) follow(css string) int64 {
	b.t.Helper()
	return b.submit(css)
}

// text returns the visible text of the first element the CSS selector finds,
// with runs of white space collapsed.
func (b *browser) text(css string) string {
	b.t.Helper()
	return squash(get(b, "text of "+css, chromedp.Text(chromedp.CSS(css), chromedp.NodeVisible)))
}

// texts returns the visible text of every element the CSS selector finds
// (none is fine).
func (b *browser) texts(css string) []string {
	b.t.Helper()
	list := get(b, "texts of "+css, chromedp.Evaluate[[]string](
		fmt.Sprintf(`Array.from(document.querySelectorAll(%q), e => e.innerText)`, css)))
	for i := range list {
		list[i] = squash(list[i])
	}
	return list
}

// value returns the current value of the input with the given id.
func (b *browser) value(id string) string {
	b.t.Helper()
	return get(b, "value of #"+id, chromedp.Value(chromedp.ID(id)))
}

// count is the number of elements the CSS selector finds now.
func (b *browser) count(css string) int {
	b.t.Helper()
	return get(b, "count "+css, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, css)))
}

// url returns the tab's URL relative to the app ("/register/…").
func (b *browser) url() string {
	b.t.Helper()
	u := get(b, "location", chromedp.Location())
	return strings.TrimPrefix(u, b.e.baseURL)
}

// waitURL waits until the tab's URL (relative to the app) matches re, and
// returns it.
func (b *browser) waitURL(re string) string {
	b.t.Helper()
	pattern := regexp.MustCompile(re)
	deadline := time.Now().Add(stepTimeout)
	for {
		u := b.url()
		if pattern.MatchString(u) {
			return u
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: URL %s does not match %s", b.name, u, re)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitFor waits until the JavaScript expression is true in the page. It
// polls from Go with Runtime.evaluate: chromedp.Poll builds its predicate
// with new Function, which the page's Content Security Policy forbids.
func (b *browser) waitFor(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		ctx, cancel := b.step()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: waiting for %s: %v (at %s)", b.name, what, err, b.location())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// heading returns the page's h1.
func (b *browser) heading() string {
	b.t.Helper()
	return b.text("h1")
}

// expect fails the test when got is not want, naming what was checked.
func (b *browser) expect(what, got, want string) {
	b.t.Helper()
	if got != want {
		b.t.Errorf("%s: %s = %q, want %q (at %s)", b.name, what, got, want, b.location())
	}
}

// expectContains fails the test when got does not contain want.
func (b *browser) expectContains(what, got, want string) {
	b.t.Helper()
	if !strings.Contains(got, want) {
		b.t.Errorf("%s: %s = %q, want it to contain %q (at %s)", b.name, what, got, want, b.location())
	}
}

// shot saves a full-page PNG as <dir>/<test>-<browser>-<n>-<name>.png when
// KABINET_E2E_SCREENSHOTS names a directory.
func (b *browser) shot(name string) {
	b.t.Helper()
	if b.e.shots == "" {
		return
	}
	ctx, cancel := b.step()
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 gives PNG
	if err != nil {
		b.t.Errorf("%s: screenshot %s: %v", b.name, name, err)
		return
	}
	if err := os.MkdirAll(b.e.shots, 0o755); err != nil {
		b.t.Errorf("screenshots: %v", err)
		return
	}
	b.mu.Lock()
	b.shotN++
	n := b.shotN
	b.mu.Unlock()
	file := filepath.Join(b.e.shots, fmt.Sprintf("%s-%s-%02d-%s.png", fileName(b.t.Name()), b.name, n, name))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Errorf("screenshots: %v", err)
		return
	}
	b.t.Logf("screenshot %s", file)
}

func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' || r == os.PathSeparator {
			return '_'
		}
		return r
	}, s)
}

// squash collapses white space, as a reader sees it.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

// attr reads an attribute of the first element the CSS selector finds.
func attr(css, name string) chromedp.Action[string] {
	return chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).getAttribute(%q)`, css, name))
}

// checked reports whether the checkbox with the given id is checked.
func checked(id string) chromedp.Action[bool] {
	return chromedp.Evaluate[bool](fmt.Sprintf(`document.getElementById(%q).checked`, id))
}

// expectConsole waits until the page has reported an error containing
// text, and takes it off the list checkConsole judges.
func (b *browser) expectConsole(text string) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		b.mu.Lock()
		found := false
		kept := b.console[:0]
		for _, m := range b.console {
			if strings.Contains(m.String(), text) {
				found = true
				continue
			}
			kept = append(kept, m)
		}
		b.console = kept
		b.mu.Unlock()
		if found {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: no console error containing %q", b.name, text)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
