package testenv

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

// fakeTB records what Need does instead of stopping the test.
type fakeTB struct {
	testing.TB
	fatal, skip string
}

func (f *fakeTB) Helper()                        {}
func (f *fakeTB) Fatalf(format string, a ...any) { f.fatal = fmt.Sprintf(format, a...) }
func (f *fakeTB) Skipf(format string, a ...any)  { f.skip = fmt.Sprintf(format, a...) }

func TestNeed(t *testing.T) {
	missing := errors.New("not installed")
	tests := []struct {
		name      string
		ci        string
		err       error
		wantFatal bool
		wantSkip  bool
	}{
		{"present", "true", nil, false, false},
		{"missing locally", "", missing, false, true},
		{"missing, CI=false", "false", missing, false, true},
		{"missing in CI", "true", missing, true, false},
		{"missing, CI=1", "1", missing, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			f := &fakeTB{}
			Need(f, "Widget", tt.err)
			if (f.fatal != "") != tt.wantFatal || (f.skip != "") != tt.wantSkip {
				t.Fatalf("fatal=%q skip=%q; want fatal=%v skip=%v", f.fatal, f.skip, tt.wantFatal, tt.wantSkip)
			}
			if msg := f.fatal + f.skip; tt.err != nil && (!strings.Contains(msg, "Widget") || !strings.Contains(msg, "not installed")) {
				t.Fatalf("message %q does not name the dependency and the reason", msg)
			}
		})
	}
}

func TestRepoRoot(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || !strings.Contains(string(mod), "module github.com/kabinet/kabinet\n") {
		t.Fatalf("RepoRoot = %s, whose go.mod is not kabinet's (%v)", root, err)
	}
}

func TestDatabaseName(t *testing.T) {
	tests := []struct{ test, prefix string }{
		{"TestStore", "kt_teststore_"},
		{"TestStore/Accounts/with spaces & ЮНИКОД", "kt_teststore_accounts_with_spaces_"},
		{"", "kt__"},
	}
	for _, tt := range tests {
		a, b := databaseName(tt.test), databaseName(tt.test)
		if !strings.HasPrefix(a, tt.prefix) || len(a) > 63 || a == b {
			t.Errorf("databaseName(%q) = %q, %q; want distinct names starting %q, at most 63 bytes", tt.test, a, b, tt.prefix)
		}
	}
}

func TestWithDatabase(t *testing.T) {
	tests := []struct{ server, want string }{
		{"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "postgres://postgres@127.0.0.1:5432/kt_x?sslmode=disable"},
		{"postgres://u:p@db:5433?sslmode=require", "postgres://u:p@db:5433/kt_x?sslmode=require"},
		{"host=127.0.0.1 user=postgres dbname=postgres", "host=127.0.0.1 user=postgres dbname=postgres dbname=kt_x"},
	}
	for _, tt := range tests {
		if got, err := withDatabase(tt.server, "kt_x"); err != nil || got != tt.want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", tt.server, got, err, tt.want)
		}
	}
}

func TestNewPostgresDatabase(t *testing.T) {
	ctx := context.Background()
	var names []string
	for i := range 2 {
		t.Run(fmt.Sprint("db", i), func(t *testing.T) {
			u := NewPostgresDatabase(t)
			conn, err := pgx.Connect(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			var name string
			if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&name); err != nil {
				t.Fatal(err)
			}
			// Each database starts empty, whatever the other one holds.
			if _, err := conn.Exec(ctx, "CREATE TABLE t (v text); INSERT INTO t VALUES ('Привет')"); err != nil {
				t.Fatal(err)
			}
			var lower string
			if err := conn.QueryRow(ctx, "SELECT lower(upper(v)) FROM t").Scan(&lower); err != nil || lower != "привет" {
				t.Fatalf("Cyrillic round trip: %q, %v", lower, err)
			}
			names = append(names, name)
		})
	}
	if t.Skipped() || len(names) != 2 {
		return
	}
	if names[0] == names[1] {
		t.Fatalf("both tests got database %s", names[0])
	}
	conn, err := pgx.Connect(ctx, PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var left int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = ANY($1)", names).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Fatalf("%d of the test databases %v were not dropped", left, names)
	}
}

// TestThrowawayCluster exercises the last resort of PostgresURL directly, so
// that it is known to work even on a machine where a server already answers.
func TestThrowawayCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster")
	}
	_, err := findInitdb()
	Need(t, "initdb", err)
	c, err := startCluster()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		dir := c.dir
		c.stop()
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("cluster directory %s left behind (%v)", dir, err)
		}
		if pingPostgres(c.url) == nil {
			t.Errorf("cluster at %s still answers after stop", c.url)
		}
	}()
	if !strings.HasPrefix(c.url, "postgres://postgres@127.0.0.1:") {
		t.Fatalf("cluster URL %s", c.url)
	}
	if c.watchdog == nil {
		t.Error("no watchdog was started")
	}
	if os.Geteuid() == 0 {
		fi, err := os.Stat(filepath.Join(c.dir, "data"))
		if err != nil {
			t.Fatal(err)
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); !ok || st.Uid == 0 {
			t.Errorf("running as root, the data directory should belong to postgres")
		}
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var encoding string
	if err := conn.QueryRow(ctx, "SHOW server_encoding").Scan(&encoding); err != nil || encoding != "UTF8" {
		t.Fatalf("server_encoding %q, %v", encoding, err)
	}
}

func TestMailpit(t *testing.T) {
	mp := StartMailpit(t)
	if !strings.HasPrefix(mp.SMTPURL(), "smtp://127.0.0.1:") {
		t.Fatalf("SMTPURL = %s", mp.SMTPURL())
	}
	addr := strings.TrimPrefix(mp.SMTPURL(), "smtp://")
	send := func(to, subject, body string) {
		t.Helper()
		msg := "From: sender@kabinet.test\r\nTo: " + to + "\r\nSubject: " + mime.BEncoding.Encode("UTF-8", subject) +
			"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body + "\r\n"
		if err := smtp.SendMail(addr, nil, "sender@kabinet.test", []string{to}, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	send("ba@kabinet.test", "Не тот", "чужое")
	send("a@kabinet.test", "Код подтверждения", "Ваш код: 482913")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := mp.WaitMessage(ctx, "a@kabinet.test")
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Код подтверждения" || strings.TrimSpace(m.Text) != "Ваш код: 482913" || m.From != "sender@kabinet.test" {
		t.Fatalf("read back %+v", m)
	}
	list, err := mp.Messages(ctx, "a@kabinet.test")
	if err != nil || len(list) != 1 {
		t.Fatalf("Messages(a@…) = %+v, %v; want exactly one (not the one to ba@…)", list, err)
	}
	if none, err := mp.Messages(ctx, "nobody@kabinet.test"); err != nil || len(none) != 0 {
		t.Fatalf("Messages(nobody) = %+v, %v", none, err)
	}
	short, cancel2 := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel2()
	if _, err := mp.WaitMessage(short, "nobody@kabinet.test"); err == nil {
		t.Fatal("WaitMessage for a silent address returned no error")
	}
	resp, err := http.Get(mp.APIURL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("web interface: %s", resp.Status)
	}
}

func TestStartSMSSim(t *testing.T) {
	sim, sendURL := StartSMSSim(t, "tok")
	if !strings.HasPrefix(sendURL, "http://127.0.0.1:") || !strings.HasSuffix(sendURL, "/send") {
		t.Fatalf("send URL %s", sendURL)
	}
	start := time.Now()
	req, _ := http.NewRequest("POST", sendURL, strings.NewReader(`{"to":"+79161234567","text":"Код 1","id":"a"}`))
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := sim.WaitFor(ctx, "+79161234567", start)
	if err != nil || m.Text != "Код 1" {
		t.Fatalf("WaitFor = %+v, %v", m, err)
	}
}

func TestChromium(t *testing.T) {
	bin := Chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append(ChromiumFlags(), "--user-data-dir="+t.TempDir(), "--dump-dom",
		"data:text/html;charset=utf-8,<p id=x>Привет</p>")
	out, err := exec.CommandContext(ctx, bin, args...).Output()
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	if !strings.Contains(string(out), `<p id="x">Привет</p>`) {
		t.Fatalf("headless Chromium printed %q", out)
	}
}
