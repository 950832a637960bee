package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestVersionAndHelp(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, env(nil), &out, &out); err != nil || !strings.HasPrefix(out.String(), "kabinet ") {
		t.Errorf("version: %q %v", out.String(), err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, env(nil), &out, &out); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Errorf("unknown command: %v", err)
	}
}

func TestConfigIsValidatedAndRedacted(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"config"}, env(map[string]string{"KABINET_SMTP_URL": "smtp://u:secretpw@mail:25"}), &out, &out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "secretpw") || !strings.Contains(out.String(), "KABINET_SMTP_URL=smtp://u:xxxxx@mail:25") {
		t.Errorf("config output:\n%s", out.String())
	}
	err = run(context.Background(), []string{"serve"}, env(map[string]string{"KABINET_ENV": "staging"}), &out, &out)
	if err == nil || !strings.Contains(err.Error(), "KABINET_ENV") {
		t.Errorf("bad config accepted: %v", err)
	}
}

func TestMigrate(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "-data", t.TempDir()}, env(nil), &out, &out); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../../internal/store/migrations/sqlite/*.sql")
	latest := 0
	for _, f := range files {
		if n, err := strconv.Atoi(strings.SplitN(filepath.Base(f), "_", 2)[0]); err == nil && n > latest {
			latest = n
		}
	}
	if want := fmt.Sprintf("database at version %d (sqlite)", latest); latest == 0 || !strings.Contains(out.String(), want) {
		t.Errorf("migrate output: %q", out.String())
	}
}

// TestServeAndShutdown starts the real command, waits for /healthz and
// /readyz, and stops it the way a signal does.
func TestServeAndShutdown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		// Flags without a command mean serve.
		done <- run(ctx, []string{"-addr", addr, "-data", t.TempDir()}, env(map[string]string{"KABINET_ARGON2_MEMORY_KIB": "64"}), io.Discard, io.Discard)
	}()
	// A safety net, not a measure: under -race on a busy machine the demo's
	// seeding (the catalog's 177 services indexed) takes seconds.
	deadline := time.Now().Add(90 * time.Second)
	for {
		res, err := http.Get(fmt.Sprintf("http://%s/readyz", addr))
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("kabinet did not become ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	res, err := http.Get(fmt.Sprintf("http://%s/register", addr))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("register page: %v %v", res, err)
	}
	res.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no graceful shutdown")
	}
	if _, err := http.Get(fmt.Sprintf("http://%s/healthz", addr)); err == nil {
		t.Error("still serving after shutdown")
	}
}
