package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DefaultPostgresURL is the server tried when KABINET_TEST_DATABASE_URL is
// not set: Debian's PostgreSQL on its usual port with trust authentication.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// pg remembers, for the whole test process, which server PostgresURL found.
var pg struct {
	mu      sync.Mutex
	done    bool
	url     string
	err     error
	cluster *cluster
}

// PostgresURL returns the URL of a PostgreSQL server the tests may create
// databases on: $KABINET_TEST_DATABASE_URL when set, else DefaultPostgresURL
// when it answers, else a throwaway cluster started once per test process.
// When none is available it applies Need (skip, or fail with CI=true).
//
// Tests should not use the returned database itself; NewPostgresDatabase gives
// each test its own.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u, err := postgresServer()
	Need(t, "PostgreSQL", err)
	return u
}

// NewPostgresDatabase creates a database with a unique name on the server
// PostgresURL finds, drops it when the test ends, and returns its URL. Tests
// and test packages running in parallel therefore never share a database.
func NewPostgresDatabase(t testing.TB) string {
	t.Helper()
	return newDatabase(t, "")
}

// NewPostgresDatabaseFrom is NewPostgresDatabase with the new database a
// copy of template (made with PostgresTemplate), which the server copies
// file by file: a test starts on a migrated and seeded database without
// migrating and seeding it again.
func NewPostgresDatabaseFrom(t testing.TB, template string) string {
	t.Helper()
	return newDatabase(t, template)
}

func newDatabase(t testing.TB, template string) string {
	server := PostgresURL(t)
	name := databaseName(t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	create := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		create += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	if err := adminExec(ctx, server, create); err != nil {
		t.Fatalf("testenv: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := DropPostgresDatabase(name); err != nil {
			t.Errorf("testenv: %v", err)
		}
	})
	u, err := withDatabase(server, name)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return u
}

// PostgresTemplate creates a database to be made into a template for
// NewPostgresDatabaseFrom: its name and URL. It outlives the test that
// asked for it; the caller drops it with DropPostgresDatabase once the
// tests are done (a TestMain), and must close its connections to it
// before copies are made.
func PostgresTemplate(t testing.TB) (name, u string) {
	t.Helper()
	server := PostgresURL(t)
	name = databaseName("template " + t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := adminExec(ctx, server, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("testenv: create database %s: %v", name, err)
	}
	u, err := withDatabase(server, name)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return name, u
}

// DropPostgresDatabase drops a database NewPostgresDatabase or
// PostgresTemplate made, closing whatever connections it still has.
func DropPostgresDatabase(name string) error {
	server, err := postgresServer()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	drop := "DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize()
	if err := adminExec(ctx, server, drop+" WITH (FORCE)"); err != nil {
		if err := adminExec(ctx, server, drop); err != nil { // before PostgreSQL 13
			return fmt.Errorf("drop database %s: %w", name, err)
		}
	}
	return nil
}

// postgresServer finds the server once per process.
func postgresServer() (string, error) {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	if !pg.done {
		pg.url, pg.err = findPostgres()
		pg.done = true
	}
	return pg.url, pg.err
}

func findPostgres() (string, error) {
	if u := os.Getenv("KABINET_TEST_DATABASE_URL"); u != "" {
		if err := pingPostgres(u); err != nil {
			return "", fmt.Errorf("KABINET_TEST_DATABASE_URL is set but does not answer: %w", err)
		}
		return u, nil
	}
	errDefault := pingPostgres(DefaultPostgresURL)
	if errDefault == nil {
		return DefaultPostgresURL, nil
	}
	c, err := startCluster()
	if err != nil {
		return "", fmt.Errorf("nothing answers at 127.0.0.1:5432 (%v), and no throwaway cluster: %w "+
			"(install postgresql, or set KABINET_TEST_DATABASE_URL)", errDefault, err)
	}
	pg.cluster = c
	return c.url, nil
}

func pingPostgres(u string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return conn.Ping(ctx)
}

// adminExec runs one statement on its own connection, retrying while another
// session holds the template database (SQLSTATE 55006), which concurrent
// CREATE DATABASE statements from parallel test packages can run into.
func adminExec(ctx context.Context, server, sql string) error {
	for attempt := 0; ; attempt++ {
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			return err
		}
		_, err = conn.Exec(ctx, sql)
		conn.Close(context.Background())
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "55006" || attempt == 20 {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// databaseName derives a unique, valid database name from a test name.
func databaseName(testName string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(testName) {
		if b.Len() >= 30 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else if s := b.String(); s != "" && !strings.HasSuffix(s, "_") {
			b.WriteByte('_')
		}
	}
	var random [6]byte
	_, _ = rand.Read(random[:])
	return "kt_" + strings.TrimSuffix(b.String(), "_") + "_" + hex.EncodeToString(random[:])
}

// withDatabase returns server with its database replaced by name. It accepts
// URLs and keyword/value connection strings.
func withDatabase(server, name string) (string, error) {
	if !strings.Contains(server, "://") {
		return server + " dbname=" + name, nil
	}
	u, err := url.Parse(server)
	if err != nil {
		return "", errors.New("database URL does not parse")
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// cluster is a throwaway PostgreSQL cluster in a temporary directory.
type cluster struct {
	dir      string   // holds data/, sock/ and postgres.log
	pgCtl    string   // path of pg_ctl
	prefix   []string // runuser -u postgres -- when running as root
	url      string
	watchdog *exec.Cmd
}

// findInitdb returns the newest /usr/lib/postgresql/*/bin/initdb, else initdb
// from PATH.
func findInitdb() (string, error) {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	slices.SortFunc(matches, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(a))))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(b))))
		return vb - va
	})
	if len(matches) > 0 {
		return matches[0], nil
	}
	p, err := exec.LookPath("initdb")
	if err != nil {
		return "", errors.New("no initdb in /usr/lib/postgresql/*/bin or on PATH")
	}
	return p, nil
}

// startCluster runs initdb and pg_ctl start on a free port, with trust
// authentication and the socket in the cluster's own directory. As root it
// runs them as user postgres, which owns the directory.
func startCluster() (*cluster, error) {
	initdb, err := findInitdb()
	if err != nil {
		return nil, err
	}
	// Resolve a symlink such as /usr/local/bin/initdb to find pg_ctl beside it.
	if real, err := filepath.EvalSymlinks(initdb); err == nil {
		initdb = real
	}
	c := &cluster{pgCtl: filepath.Join(filepath.Dir(initdb), "pg_ctl")}
	if _, err := os.Stat(c.pgCtl); err != nil {
		return nil, fmt.Errorf("no pg_ctl beside %s", initdb)
	}

	var owner *user.User
	if os.Geteuid() == 0 {
		runuser, err := exec.LookPath("runuser")
		if err != nil {
			return nil, errors.New("running as root, but runuser (util-linux) is missing")
		}
		if owner, err = user.Lookup("postgres"); err != nil {
			return nil, fmt.Errorf("running as root, but there is no user postgres: %w", err)
		}
		c.prefix = []string{runuser, "-u", "postgres", "--"}
	}

	if c.dir, err = os.MkdirTemp("", "kabinet-pg-"); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = os.RemoveAll(c.dir)
		}
	}()
	data, sock := filepath.Join(c.dir, "data"), filepath.Join(c.dir, "sock")
	if err := os.Mkdir(sock, 0o700); err != nil {
		return nil, err
	}
	if owner != nil {
		uid, _ := strconv.Atoi(owner.Uid)
		gid, _ := strconv.Atoi(owner.Gid)
		for _, p := range []string{c.dir, sock} {
			if err := os.Chown(p, uid, gid); err != nil {
				return nil, err
			}
		}
	}

	initArgs := []string{initdb, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"}
	if out, err := c.run(append(initArgs, "--locale=C.UTF-8")...); err != nil {
		// A system without the C.UTF-8 locale still gets a UTF-8 cluster.
		_ = os.RemoveAll(data)
		if out2, err2 := c.run(append(initArgs, "--locale=C")...); err2 != nil {
			return nil, fmt.Errorf("initdb: %v\n%s\n%s", err2, out, out2)
		}
	}

	var lastErr error
	for range 3 { // another process may take the free port before postgres does
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off", port, sock)
		out, err := c.run(c.pgCtl, "-D", data, "-l", filepath.Join(c.dir, "postgres.log"), "-w", "-t", "60", "-o", opts, "start")
		if err != nil {
			logTail, _ := os.ReadFile(filepath.Join(c.dir, "postgres.log"))
			lastErr = fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, tail(logTail, 2000))
			continue
		}
		c.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
		c.startWatchdog(data)
		ok = true
		return c, nil
	}
	return nil, lastErr
}

// run runs a PostgreSQL program, as user postgres when running as root.
func (c *cluster) run(args ...string) ([]byte, error) {
	argv := append(slices.Clone(c.prefix), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.dir // the postgres user may not be able to enter the caller's directory
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	return cmd.CombinedOutput()
}

// startWatchdog starts a small shell process that stops the cluster and
// removes its directory once this test process has exited, in case nothing
// calls Shutdown. It runs in its own process group so that it outlives us.
func (c *cluster) startWatchdog(data string) {
	stop := append(slices.Clone(c.prefix), c.pgCtl, "-D", data, "-m", "immediate", "stop")
	script := `pid=$1; dir=$2; shift 2
while kill -0 "$pid" 2>/dev/null; do sleep 1; done
"$@" >/dev/null 2>&1
rm -rf "$dir"`
	args := append([]string{"-c", script, "kabinet-pg-watchdog", strconv.Itoa(os.Getpid()), c.dir}, stop...)
	cmd := exec.Command("/bin/sh", args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err == nil {
		c.watchdog = cmd
	}
}

// stopCluster stops the throwaway cluster, if one was started, and forgets
// the server so that a later PostgresURL looks again.
func stopCluster() {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	if pg.cluster != nil {
		pg.cluster.stop()
	}
	pg.cluster, pg.done, pg.url, pg.err = nil, false, "", nil
}

// stop stops the cluster and removes its directory.
func (c *cluster) stop() {
	if c.watchdog != nil {
		_ = c.watchdog.Process.Kill()
		_ = c.watchdog.Wait()
	}
	if out, err := c.run(c.pgCtl, "-D", filepath.Join(c.dir, "data"), "-m", "fast", "-w", "stop"); err != nil {
		fmt.Fprintf(os.Stderr, "testenv: pg_ctl stop: %v\n%s", err, out)
	}
	_ = os.RemoveAll(c.dir)
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
