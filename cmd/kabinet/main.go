// Command kabinet runs the single-account identity and public-services
// portal. With no arguments it serves the demo: SQLite in ./data, demo mode
// with the development outbox, on http://127.0.0.1:8080.
//
//	kabinet [serve]    run the server (default)
//	kabinet migrate    apply database migrations and exit
//	kabinet rekey      rotate the master secret: re-seal and re-index every row
//	kabinet audit verify  check the audit log's hash chain; audit search: find records
//	kabinet verifications --stuck  list the checks of personal data waiting too long; --requeue gives a lost one a job
//	kabinet version    print the version
//	kabinet bench      measure sign-in, /api/v1/me and registration throughput
//	kabinet config     print the effective settings, secrets hidden
//	kabinet registry-sim  run the simulated state registries (docs/registry-sim.md)
//	kabinet rp add     register a site that signs citizens in through kabinet; rp list
//	kabinet demo-rp    run the demo's relying party alone (demo mode starts it itself)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/kabinet/kabinet/internal/app"
	"github.com/kabinet/kabinet/internal/bench"
	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/pii"
	"github.com/kabinet/kabinet/internal/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kabinet:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && (!strings.HasPrefix(args[0], "-") || isHelpOrVersion(args[0])) {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "kabinet", version())
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "registry-sim":
		// A program of its own: it reads none of kabinet's settings.
		return registrySim(ctx, args, getenv, stderr, nil)
	case "demo-rp":
		// Likewise: a site of its own that signs in through a kabinet.
		return demoRP(ctx, args, os.Stdin, stderr, nil)
	}
	var rk rekeyFlags
	if cmd == "serve" || cmd == "migrate" || cmd == "config" || cmd == "rekey" {
		// Flags for the two settings people change on the command line;
		// they win over the environment.
		fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
		fs.SetOutput(stderr)
		addr := fs.String("addr", "", "listen address (KABINET_ADDR)")
		data := fs.String("data", "", "data directory (KABINET_DATA_DIR)")
		if cmd == "rekey" {
			rk.define(fs)
		}
		if err := fs.Parse(args); err != nil {
			return err
		}
		getenv = overlay(getenv, map[string]string{"KABINET_ADDR": *addr, "KABINET_DATA_DIR": *data})
	}
	var vf verificationsFlags
	if cmd == "verifications" {
		f, data, err := parseVerifications(args, stderr)
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		if err != nil {
			return err
		}
		vf, getenv = f, overlay(getenv, map[string]string{"KABINET_DATA_DIR": data})
	}
	var sf staffFlags
	if cmd == "staff" {
		f, data, err := parseStaff(args, stderr)
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		if err != nil {
			return err
		}
		sf, getenv = f, overlay(getenv, map[string]string{"KABINET_DATA_DIR": data})
	}
	var rf rpFlags
	if cmd == "rp" {
		f, data, err := parseRP(args, stderr)
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		if err != nil {
			return err
		}
		rf, getenv = f, overlay(getenv, map[string]string{"KABINET_DATA_DIR": data})
	}
	var af auditFlags
	if cmd == "audit" {
		f, data, err := parseAudit(args, stderr)
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		if err != nil {
			return err
		}
		af, getenv = f, overlay(getenv, map[string]string{"KABINET_DATA_DIR": data})
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	switch cmd {
	case "serve":
		return serve(ctx, cfg, stderr)
	case "migrate":
		return migrate(ctx, cfg, stdout)
	case "rekey":
		return rekey(ctx, cfg, rk, stdout)
	case "verifications":
		return verifications(ctx, cfg, vf, stdout)
	case "staff":
		return staffCommand(ctx, cfg, sf, os.Stdin, stdout, stderr)
	case "rp":
		return rpCommand(ctx, cfg, rf, stdout, stderr)
	case "audit":
		return auditCommand(ctx, cfg, af, stdout)
	case "config":
		fmt.Fprintln(stdout, strings.Join(cfg.Redacted(), "\n"))
		return nil
	case "bench":
		return bench.Run(ctx, args, stdout, stderr)
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

const usage = `usage: kabinet [serve | migrate | config] [-addr host:port] [-data dir]
       kabinet rekey [-dry-run | -verify] [-batch 500] [-data dir]   (new secret in KABINET_SECRET_KEY, old in KABINET_OLD_SECRET_KEYS)
       kabinet verifications --stuck [--older-than 30m] [--json] | --requeue CHECK_ID… | --requeue-stuck
       kabinet staff add -login LOGIN -name "NAME" [-role administrator] [-center ID]… [-password-stdin] | staff list
       kabinet rp add -id ID -name "NAME" -purpose "WHY" -privacy URL -redirect URI… [-scope S]… (-h for all) | rp list
       kabinet audit verify [-anchor SEQ:HASH]… | search [-actor ID] [-subject ACCOUNT] [-action A | P.*] [-center ID] [-from T] [-to T] [-json]
       kabinet bench [-duration 10s] [-concurrency N] [-db postgres://…]
       kabinet registry-sim [-addr 127.0.0.1:9091] [-data file.json] [-demo] [-delay 2s] [-fail-rate 0.1] … (-h for all)
       kabinet demo-rp -issuer URL [-addr 127.0.0.1:8090] < secret   (the demo's site that signs in through kabinet)
       kabinet version
Settings come from KABINET_* environment variables; see docs/configuration.md.
`

// overlay returns a getenv in which the non-empty values of set win.
func overlay(getenv func(string) string, set map[string]string) func(string) string {
	return func(k string) string {
		if v := set[k]; v != "" {
			return v
		}
		return getenv(k)
	}
}

func isHelpOrVersion(a string) bool {
	switch a {
	case "-h", "-help", "--help", "-version", "--version":
		return true
	}
	return false
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		v := bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " " + s.Value[:12]
			}
		}
		return v
	}
	return "(devel)"
}

func serve(ctx context.Context, cfg config.Config, stderr io.Writer) error {
	log := app.NewLogger(cfg, stderr)
	log.Info("starting kabinet", "version", version(), "settings", cfg.Redacted())
	a, err := app.New(ctx, cfg, app.Options{Logger: log})
	if err != nil {
		return err
	}
	if err := a.Start(ctx, nil); err != nil {
		_ = a.Close(context.Background())
		return err
	}
	if cfg.Demo() {
		log.Info("demo mode: open " + cfg.Server.BaseURL + " — SMS and e-mail appear at " + cfg.Server.BaseURL + "/dev/outbox")
	}
	<-ctx.Done()
	log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return a.Close(shutdown)
}

func migrate(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	if err := os.MkdirAll(cfg.Storage.DataDir, 0o700); err != nil {
		return err
	}
	// Migrations touch no encrypted column: a throwaway key ring will do.
	keys, err := pii.NewKeyring(make([]byte, pii.MinSecretLen), nil, nil)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, store.Options{URL: cfg.Storage.DatabaseURL, SQLitePath: cfg.Storage.SQLitePath()}, keys)
	if err != nil {
		return err
	}
	defer st.Close()
	jobsDB, err := st.JobsDB(cfg.Storage.SQLitePath())
	if err != nil {
		return err
	}
	if jobsDB != st.DB() {
		defer jobsDB.Close()
	}
	if err := app.Migrate(ctx, st, jobsDB); err != nil {
		return err
	}
	cur, latest, err := st.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	if cur != latest {
		return errors.New("migrate: database is not at the latest version")
	}
	fmt.Fprintf(stdout, "database at version %d (%s)\n", cur, st.Dialect())
	return nil
}
