package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestDemoRPCommand: `kabinet demo-rp` serves its page with a button per
// level, says so when kabinet cannot be reached, and stops with its
// context; without a secret it refuses to start.
func TestDemoRPCommand(t *testing.T) {
	if err := demoRP(context.Background(), []string{"-issuer", "http://127.0.0.1:1/oidc"}, strings.NewReader("\n"), io.Discard, nil); err == nil ||
		!strings.Contains(err.Error(), "secret") {
		t.Fatalf("no secret: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() {
		done <- demoRP(ctx, []string{"-issuer", "http://127.0.0.1:1/oidc", "-addr", "127.0.0.1:0"}, strings.NewReader("s3cret\n"), io.Discard, ready)
	}()
	addr := <-ready
	get := func(path string) string {
		t.Helper()
		res, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	if page := get("/"); !strings.Contains(page, `id="rp-login-confirmed"`) || !strings.Contains(page, "http://127.0.0.1:1/oidc") {
		t.Errorf("the page: %s", page)
	}
	if page := get("/login?level=standard"); !strings.Contains(page, `id="rp-error"`) || !strings.Contains(page, "not reachable") {
		t.Errorf("kabinet down: %s", page)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
