package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet/kabinet/internal/app"
	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/jobs"
	"github.com/kabinet/kabinet/internal/smssim"
	"github.com/kabinet/kabinet/internal/store"
)

// benchEnv is kabinet running in-process for the benchmark, with its SMS
// gateway simulator and its throwaway storage.
type benchEnv struct {
	app     *app.App
	sim     *smssim.Server
	simSrv  *httptest.Server
	baseURL string
	dir     string
	engine  string // "SQLite 3.x" or "PostgreSQL 15.x", as the server reports it
	dbNote  string // where the data lives
	dropDB  func(context.Context) error
	log     *slog.Logger
	stderr  io.Writer
	cfg     config.Config
}

// startBenchEnv starts kabinet on 127.0.0.1:0 with the production argon2
// parameters of config.Defaults, one-step sign-in, demo mode, SMS through an
// in-process simulator, and 127.0.0.1 as the only trusted proxy, on a fresh
// SQLite file in a temporary directory or a fresh database on the
// PostgreSQL server at dbURL. Call close whatever happens afterwards.
func startBenchEnv(ctx context.Context, dbURL string, stderr io.Writer) (_ *benchEnv, err error) {
	e, err := prepareBenchEnv(ctx, dbURL, stderr)
	if err != nil {
		return nil, err
	}
	if err := e.start(ctx, app.Options{}); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

// prepareBenchEnv makes the storage, the SMS simulator and the
// configuration, for start.
func prepareBenchEnv(ctx context.Context, dbURL string, stderr io.Writer) (_ *benchEnv, err error) {
	e := &benchEnv{stderr: stderr}
	defer func() {
		if err != nil {
			e.close()
		}
	}()
	if e.dir, err = os.MkdirTemp("", "kabinet-bench-"); err != nil {
		return nil, err
	}

	token := randomHex(16)
	e.sim = smssim.New(smssim.Config{Token: token})
	e.simSrv = httptest.NewServer(e.sim) // listens on 127.0.0.1

	cfg := config.Defaults()
	cfg.Server.Env = config.Development
	cfg.Storage.DataDir = e.dir
	cfg.SignIn.SecondStep = false
	cfg.SMS.GatewayURL = e.simSrv.URL + "/send"
	cfg.SMS.GatewayToken = token
	cfg.Server.TrustedProxies = []string{"127.0.0.1/32"}
	cfg.Log.Level = "warn"
	cfg.Log.Format = "text"
	e.dbNote = "SQLite file in " + e.dir
	if dbURL != "" {
		name := "kabinet_bench_" + randomHex(6)
		if cfg.Storage.DatabaseURL, err = createBenchDatabase(ctx, dbURL, name); err != nil {
			return nil, err
		}
		e.dropDB = func(ctx context.Context) error { return dropBenchDatabase(ctx, dbURL, name) }
		e.dbNote = "throwaway database " + name + " on " + redactURL(dbURL)
	}
	e.cfg = cfg
	return e, nil
}

// start runs kabinet on the environment's storage, listening on a fresh
// loopback port. The registry simulator answers at once (the verify phase
// measures kabinet's side of a check, not a registry's delay); the
// benchmark's no-op job is registered beside kabinet's own.
func (e *benchEnv) start(ctx context.Context, o app.Options) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	cfg := e.cfg
	cfg.Server.Addr = l.Addr().String()
	cfg.Server.BaseURL = "http://" + cfg.Server.Addr
	if err := cfg.Validate(); err != nil {
		l.Close()
		return fmt.Errorf("bench: configuration: %w", err)
	}
	e.baseURL = cfg.Server.BaseURL
	e.log = app.NewLogger(cfg, e.stderr)
	o.Logger, o.InstantRegistries, o.Jobs = e.log, true, []jobs.Registration{jobs.Noop()}
	if e.app, err = app.New(ctx, cfg, o); err != nil {
		l.Close()
		return err
	}
	if err := e.app.Start(ctx, l); err != nil {
		l.Close()
		return err
	}
	e.engine = engineVersion(ctx, e.app.Store)
	return nil
}

// stopApp stops kabinet, leaving the storage for another start.
func (e *benchEnv) stopApp() {
	if e.app == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.app.Close(ctx); err != nil {
		fmt.Fprintln(e.stderr, "bench: stopping kabinet:", err)
	}
	e.app = nil
}

// close stops kabinet, the simulator, drops the database and removes the
// temporary directory, reporting (not returning) what fails.
func (e *benchEnv) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e.stopApp()
	if e.simSrv != nil {
		e.simSrv.Close()
		e.simSrv = nil
	}
	if e.dropDB != nil {
		if err := e.dropDB(ctx); err != nil {
			fmt.Fprintln(e.stderr, "bench: dropping the throwaway database:", err)
		}
		e.dropDB = nil
	}
	if e.dir != "" {
		if err := os.RemoveAll(e.dir); err != nil {
			fmt.Fprintln(e.stderr, "bench: removing", e.dir+":", err)
		}
		e.dir = ""
	}
}

func engineVersion(ctx context.Context, st *store.Store) string {
	var v string
	switch st.Dialect() {
	case store.Postgres:
		if err := st.DB().QueryRowContext(ctx, "SHOW server_version").Scan(&v); err != nil {
			return "PostgreSQL"
		}
		if i := strings.IndexByte(v, ' '); i > 0 {
			v = v[:i] // "15.20 (Debian 15.20-0+deb12u1)"
		}
		return "PostgreSQL " + v
	default:
		if err := st.DB().QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&v); err != nil {
			return "SQLite"
		}
		return "SQLite " + v + " (modernc.org/sqlite, WAL)"
	}
}

// createBenchDatabase creates database name on the server of serverURL and
// returns the URL that names it.
func createBenchDatabase(ctx context.Context, serverURL, name string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		return "", errors.New("bench: -db wants a postgres://user@host:port/db URL")
	}
	if err := adminExec(ctx, serverURL, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("bench: create database %s: %w", name, err)
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String(), nil
}

func dropBenchDatabase(ctx context.Context, serverURL, name string) error {
	drop := "DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize()
	if err := adminExec(ctx, serverURL, drop+" WITH (FORCE)"); err != nil {
		return adminExec(ctx, serverURL, drop) // before PostgreSQL 13
	}
	return nil
}

func adminExec(ctx context.Context, serverURL, sql string) error {
	// Through pgxpool's parser: it takes the pool's own settings
	// (pool_max_conns, …) out of the URL, which a single connection would
	// send to the server as unknown parameters.
	cfg, err := pgxpool.ParseConfig(serverURL)
	if err != nil {
		return err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// redactURL hides a password in a database URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
