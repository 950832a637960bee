package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/pii"
	"github.com/kabinet/kabinet/internal/store"
	"github.com/kabinet/kabinet/internal/testenv"
)

// Running the built kabinet as a process, killing it and reading its
// database: what the crash and fault tests share.

// TestMain removes the kabinet binary the tests built and stops what
// testenv started.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	testenv.Shutdown()
	os.Exit(code)
}

var (
	buildOnce sync.Once
	binDir    string
	binErr    error
	binOut    []byte
)

// buildKabinet compiles this command once for all the tests that run it.
func buildKabinet(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	testenv.Need(t, "the go command (to build kabinet)", err)
	buildOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "kabinet-bin-"); binErr != nil {
			return
		}
		binOut, binErr = exec.Command(goTool, "build", "-o", filepath.Join(binDir, "kabinet"), ".").CombinedOutput()
	})
	if binErr != nil {
		t.Fatalf("go build: %v\n%s", binErr, binOut)
	}
	return filepath.Join(binDir, "kabinet")
}

// node is one kabinet process.
type node struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once Wait returns
}

// crashEnv runs kabinet processes of one node (one address and data
// directory) one after another, and kills them.
type crashEnv struct {
	t        *testing.T
	bin      string
	env      []string
	base     string
	logPath  string
	dbURL    string
	dataDir  string
	client   *http.Client
	restarts []time.Time
}

// newCrashEnv prepares a node of kabinet on dbURL (PostgreSQL; "" for
// SQLite in its data directory) on a free port, with the settings vars
// (KEY=value) beside the address, data directory, database and secret key.
// Its log is shown when the test fails.
func newCrashEnv(t *testing.T, bin, dbURL string, vars ...string) *crashEnv {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dataDir := t.TempDir()
	e := &crashEnv{t: t, bin: bin, base: "http://" + addr, logPath: filepath.Join(dataDir, "kabinet.log"), dbURL: dbURL, dataDir: dataDir,
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	e.env = append(os.Environ(),
		"KABINET_ADDR="+addr,
		"KABINET_DATA_DIR="+dataDir,
		"KABINET_DATABASE_URL="+dbURL,
		"KABINET_SECRET_KEY=MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=",
		"KABINET_LOG_LEVEL=warn",
	)
	e.env = append(e.env, vars...)
	t.Cleanup(func() {
		if t.Failed() {
			if b, err := os.ReadFile(e.logPath); err == nil {
				t.Logf("kabinet's log at %s (end):\n%s", e.base, tail(string(b), 60))
			}
		}
	})
	return e
}

// getenv reads the node's settings as kabinet does: the last of a name wins.
func (e *crashEnv) getenv(k string) string {
	v := ""
	for _, kv := range e.env {
		if name, val, ok := strings.Cut(kv, "="); ok && name == k {
			v = val
		}
	}
	return v
}

// start runs kabinet and waits until it answers /readyz.
func (e *crashEnv) start() *node {
	e.t.Helper()
	log, err := os.OpenFile(e.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		e.t.Fatal(err)
	}
	defer log.Close()
	fmt.Fprintf(log, "--- start %d at %s\n", len(e.restarts)+1, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(e.bin, "serve")
	cmd.Env, cmd.Stdout, cmd.Stderr = e.env, log, log
	started := time.Now()
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	n := &node{cmd: cmd, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(n.exited)
	}()
	e.t.Cleanup(func() { e.kill(n) })
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := e.client.Get(e.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-n.exited:
			e.t.Fatalf("kabinet exited during start: %v", cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("kabinet not ready within a minute: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.restarts = append(e.restarts, started)
	return n
}

// kill sends SIGKILL and waits until the process is gone.
func (e *crashEnv) kill(n *node) {
	_ = n.cmd.Process.Signal(syscall.SIGKILL) // an error: it has exited already
	<-n.exited
	e.client.CloseIdleConnections()
}

// openStore opens kabinet's database (PostgreSQL at dbURL, else the
// SQLite file in dataDir) to read what kabinet did; sealed columns are not
// read, so any key ring will do.
func openStore(t *testing.T, dbURL, dataDir string) *store.Store {
	t.Helper()
	keys, err := pii.NewKeyring(make([]byte, pii.MinSecretLen), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), store.Options{URL: dbURL, SQLitePath: filepath.Join(dataDir, "kabinet.db")}, keys)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(all[max(len(all)-lines, 0):], "\n")
}
