package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Mailpit is a running mailpit: a real SMTP server that keeps every message
// and serves them over an HTTP API. Start one per test with StartMailpit.
type Mailpit struct {
	smtpAddr string
	apiURL   string
	client   *http.Client
}

// MailSummary is one message in a mailpit search result.
type MailSummary struct {
	ID        string    // mailpit's database ID, for Message
	MessageID string    // the Message-ID header without angle brackets
	From      string    // the sender's address
	To        []string  // the recipients' addresses
	Subject   string    // decoded
	Created   time.Time // when mailpit received it
	Snippet   string
}

// Mail is one message read back in full.
type Mail struct {
	ID        string
	MessageID string
	From      string
	To        []string
	Subject   string // decoded
	Text      string // the text/plain body, decoded
	HTML      string // the text/html body, decoded ("" when there is none)
	Date      time.Time
}

// mailpitBinary finds mailpit: $KABINET_MAILPIT, <repo root>/bin/mailpit, or
// PATH.
func mailpitBinary() (string, error) {
	if p := os.Getenv("KABINET_MAILPIT"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("KABINET_MAILPIT=%s: %w", p, err)
		}
		return p, nil
	}
	if root, err := RepoRoot(); err == nil {
		p := filepath.Join(root, "bin", "mailpit")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p, nil
	}
	return "", errors.New("no mailpit binary in $KABINET_MAILPIT, <repo>/bin/mailpit or PATH " +
		"(scripts/test.sh builds it from tools/go.mod: cd tools && go build -o ../bin/mailpit github.com/axllent/mailpit)")
}

// StartMailpit starts a mailpit on free 127.0.0.1 ports with its own
// temporary database, waits until it answers, and stops it when the test
// ends. Extra command-line flags may be given, for example
// "--smtp-allowed-recipients", `@example\.ru$` to make it reject other
// recipients with 550. A missing binary goes through Need; a binary that
// fails to start fails the test.
func StartMailpit(t testing.TB, args ...string) *Mailpit {
	t.Helper()
	bin, err := mailpitBinary()
	Need(t, "mailpit", err)

	var lastErr error
	for range 3 { // retry if another process takes one of the ports first
		m, err := startMailpit(t, bin, args)
		if err == nil {
			return m
		}
		lastErr = err
	}
	t.Fatalf("testenv: start mailpit: %v", lastErr)
	return nil
}

func startMailpit(t testing.TB, bin string, args []string) (*Mailpit, error) {
	smtpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	m := &Mailpit{
		smtpAddr: fmt.Sprintf("127.0.0.1:%d", smtpPort),
		apiURL:   fmt.Sprintf("http://127.0.0.1:%d", httpPort),
		client:   &http.Client{Timeout: 10 * time.Second},
	}
	argv := append([]string{
		"--listen", fmt.Sprintf("127.0.0.1:%d", httpPort),
		"--smtp", m.smtpAddr,
		"--database", filepath.Join(t.TempDir(), "mailpit.db"),
		"--disable-version-check",
		"--smtp-disable-rdns",
		"--quiet",
	}, args...)
	cmd := exec.Command(bin, argv...)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}

	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case err := <-exited:
			return nil, fmt.Errorf("mailpit exited early (%v): %s", err, out.String())
		default:
		}
		if m.ready() {
			t.Cleanup(stop)
			return m, nil
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("mailpit did not become ready in 20 s: %s", out.String())
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// ready reports whether both the HTTP API and the SMTP port answer.
func (m *Mailpit) ready() bool {
	resp, err := m.client.Get(m.apiURL + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	conn, err := net.DialTimeout("tcp", m.smtpAddr, time.Second)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// SMTPURL returns the URL to give transport.NewSMTP: smtp://127.0.0.1:port.
// mailpit offers no STARTTLS unless started with certificates, so the
// default opportunistic TLS sends in clear text.
func (m *Mailpit) SMTPURL() string { return "smtp://" + m.smtpAddr }

// APIURL returns the base URL of the HTTP API and web interface.
func (m *Mailpit) APIURL() string { return m.apiURL }

type apiAddress struct {
	Name    string
	Address string
}

func addresses(as []apiAddress) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		out = append(out, a.Address)
	}
	return out
}

// Messages returns the messages addressed to `to`, newest first. mailpit's
// search matches substrings, so the result is narrowed to exact (case-
// insensitive) recipients.
func (m *Mailpit) Messages(ctx context.Context, to string) ([]MailSummary, error) {
	var res struct {
		Messages []struct {
			ID        string
			MessageID string
			From      *apiAddress
			To        []apiAddress
			Subject   string
			Created   time.Time
			Snippet   string
		} `json:"messages"`
	}
	q := url.Values{"query": {`to:"` + to + `"`}, "limit": {"200"}}
	if err := m.get(ctx, "/api/v1/search?"+q.Encode(), &res); err != nil {
		return nil, err
	}
	out := []MailSummary{}
	for _, s := range res.Messages {
		recipients := addresses(s.To)
		if !slices.ContainsFunc(recipients, func(r string) bool { return strings.EqualFold(r, to) }) {
			continue
		}
		sum := MailSummary{ID: s.ID, MessageID: s.MessageID, To: recipients, Subject: s.Subject, Created: s.Created, Snippet: s.Snippet}
		if s.From != nil {
			sum.From = s.From.Address
		}
		out = append(out, sum)
	}
	return out, nil
}

// Message reads one message in full by its mailpit ID.
func (m *Mailpit) Message(ctx context.Context, id string) (Mail, error) {
	var res struct {
		ID        string
		MessageID string
		From      *apiAddress
		To        []apiAddress
		Subject   string
		Date      time.Time
		Text      string
		HTML      string
	}
	if err := m.get(ctx, "/api/v1/message/"+url.PathEscape(id), &res); err != nil {
		return Mail{}, err
	}
	mail := Mail{ID: res.ID, MessageID: res.MessageID, To: addresses(res.To), Subject: res.Subject, Text: res.Text, HTML: res.HTML, Date: res.Date}
	if res.From != nil {
		mail.From = res.From.Address
	}
	return mail, nil
}

// WaitMessage polls until a message to `to` has arrived and returns the
// newest one in full. It returns an error when ctx ends first.
func (m *Mailpit) WaitMessage(ctx context.Context, to string) (Mail, error) {
	for {
		msgs, err := m.Messages(ctx, to)
		if err != nil {
			return Mail{}, err
		}
		if len(msgs) > 0 {
			return m.Message(ctx, msgs[0].ID)
		}
		select {
		case <-ctx.Done():
			return Mail{}, fmt.Errorf("testenv: waiting for mail to %s: %w", to, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (m *Mailpit) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.apiURL+path, nil)
	if err != nil {
		return err
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return fmt.Errorf("testenv: mailpit %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("testenv: mailpit %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("testenv: mailpit %s: %s: %s", path, resp.Status, strings.TrimSpace(string(body)))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("testenv: mailpit %s: %w", path, err)
	}
	return nil
}

// lockedBuffer collects a child process's output from two pipes at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
