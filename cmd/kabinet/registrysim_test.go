package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/registry"
	"github.com/kabinet/kabinet/internal/registrysim"
)

func TestParseSimFlags(t *testing.T) {
	from, to := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC), time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	window := []registrysim.Window{{From: from, To: to}}
	tests := []struct {
		name      string
		args      []string
		behaviour map[registry.ID]registrysim.Behaviour
		wantErr   string
	}{
		{"defaults", nil, map[registry.ID]registrysim.Behaviour{}, ""},
		{"all registries", []string{"-delay", "2s", "-fail-rate", "0.1"}, map[registry.ID]registrysim.Behaviour{
			registry.SFR: {Delay: 2 * time.Second, FailRate: 0.1}, registry.MVD: {Delay: 2 * time.Second, FailRate: 0.1}, registry.FNS: {Delay: 2 * time.Second, FailRate: 0.1}}, ""},
		{"per registry", []string{"-delay", "sfr=250ms,mvd=3d", "-hang-rate", "fns=1", "-outage", "mvd=2026-05-01T10:00:00Z/2026-05-01T12:00:00Z"}, map[registry.ID]registrysim.Behaviour{
			registry.SFR: {Delay: 250 * time.Millisecond}, registry.MVD: {Delay: 72 * time.Hour, Outages: window}, registry.FNS: {HangRate: 1}}, ""},
		{"unknown registry", []string{"-delay", "gibdd=1s"}, nil, `no registry "gibdd"`},
		{"bad delay", []string{"-delay", "soon"}, nil, "a duration such as"},
		{"bad rate", []string{"-fail-rate", "mvd=2"}, nil, `"2" is not a share from 0 to 1`},
		{"bad outage", []string{"-outage", "2026-05-01T12:00:00Z/2026-05-01T10:00:00Z"}, nil, "is not FROM/TO"},
		{"stray argument", []string{"now"}, nil, "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseSimFlags(tt.args, env(nil), io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(o.behaviour, tt.behaviour) || o.addr != "127.0.0.1:9091" || o.token != "dev-token" {
				t.Fatalf("got %+v, %v; want behaviour %+v", o, err, tt.behaviour)
			}
		})
	}
}

// TestRegistrySimCommand runs `kabinet registry-sim` with a data file of
// its own and asks it about its one citizen and a stranger.
func TestRegistrySimCommand(t *testing.T) {
	data := filepath.Join(t.TempDir(), "citizens.json")
	if err := os.WriteFile(data, []byte(`{"citizens":[{"surname":"Орлова","name":"Вера","gender":"female","birth_date":"1970-01-02","snils":"11223344595"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready, done := make(chan string, 1), make(chan error, 1)
	var logs bytes.Buffer
	go func() {
		done <- registrySim(ctx, []string{"-addr", "127.0.0.1:0", "-data", data, "-token", "tk"}, env(nil), &syncWriter{w: &logs}, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("registry-sim ended early: %v", err)
	}
	ask := func(body string) string {
		req, _ := http.NewRequest("POST", "http://"+addr+registrysim.PathSNILS, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer tk")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return strings.TrimSpace(string(b))
	}
	if got := ask(`{"snils":"112-233-445 95","surname":"Орлова","name":"Вера","birth_date":"1970-01-02","gender":"female"}`); got != `{"result":"match"}` {
		t.Errorf("the file's citizen: %s", got)
	}
	if got := ask(`{"snils":"999-999-999 99","surname":"Орлова","name":"Вера","birth_date":"1970-01-02","gender":"female"}`); got != `{"result":"unknown"}` {
		t.Errorf("a stranger without -demo: %s", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"registry-sim listening", "citizens=1", "result=match", "registry-sim stopped"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
	if strings.Contains(logs.String(), "Орлова") || strings.Contains(logs.String(), "445") {
		t.Errorf("the log shows personal data:\n%s", logs.String())
	}

	if err := run(context.Background(), []string{"registry-sim", "-data", filepath.Join(t.TempDir(), "none.json")}, env(nil), io.Discard, io.Discard); err == nil {
		t.Error("a missing data file was accepted")
	}
}

// syncWriter serialises writes from the two loggers that share it.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
