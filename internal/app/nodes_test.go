package app_test

import (
	"context"
	"io"
	"net"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/app"
	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/testenv"
)

// TestSessionEndReachesOtherNodes runs two kabinet nodes on one PostgreSQL
// database, each caching sessions for a whole minute: a session ended on
// one node must stop working on the other at once, through the
// announcement, not when the cache runs out.
func TestSessionEndReachesOtherNodes(t *testing.T) {
	url := testenv.NewPostgresDatabase(t)
	secret := "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="
	node := func() *harness {
		cfg := config.Defaults()
		cfg.Storage.DataDir, cfg.Storage.DatabaseURL, cfg.Keys.Secret = t.TempDir(), url, secret
		cfg.Sessions.CacheTTL, cfg.SignIn.SecondStep, cfg.Log.Level = time.Minute, false, "error"
		listening := make(chan struct{})
		var once sync.Once
		a, err := app.New(context.Background(), cfg, app.Options{HashParams: &password.TestParams, NoJobs: true, Logger: app.NewLogger(cfg, io.Discard),
			SessionsListening: func() { once.Do(func() { close(listening) }) }})
		if err != nil {
			t.Fatal(err)
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Start(context.Background(), l); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(checkAPI(t, a.Handler))
		t.Cleanup(func() {
			srv.Close()
			_ = a.Close(context.Background())
		})
		select {
		case <-listening:
		case <-time.After(10 * time.Second):
			t.Fatal("the node did not subscribe to session announcements")
		}
		return &harness{t: t, app: a, srv: srv, clock: &clock{t: time.Now()}}
	}
	a, b := node(), node() // each subscribed to the others' announcements
	token := a.register("+79161112233", goodPassword)
	other := a.api("POST", "/api/v1/sessions", "", map[string]string{"login": "+79161112233", "password": goodPassword}).str("session_token")
	// Node B now holds both sessions in its cache.
	for _, tok := range []string{token, other} {
		if r := b.api("GET", "/api/v1/me", tok, nil); r.Status != 200 {
			t.Fatalf("node B: %d %s", r.Status, r.Raw)
		}
	}
	// Node A ends the other session; node B must refuse it well within the minute.
	if r := a.api("DELETE", "/api/v1/sessions/others", token, nil); r.Status != 200 {
		t.Fatalf("end others on A: %d %s", r.Status, r.Raw)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := b.api("GET", "/api/v1/me", other, nil)
		if r.Status == 401 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node B still accepts a session ended on node A: %d", r.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := b.api("GET", "/api/v1/me", token, nil); r.Status != 200 {
		t.Errorf("the session that ended the others stopped working on B: %d", r.Status)
	}
}
