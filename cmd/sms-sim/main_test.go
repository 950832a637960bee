package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    options
		wantErr string
	}{
		{"defaults", nil, nil, options{addr: "127.0.0.1:9090", token: "dev-token"}, ""},
		{"token from env", nil, map[string]string{"SMSSIM_TOKEN": "s3cret"}, options{addr: "127.0.0.1:9090", token: "s3cret"}, ""},
		{"flag beats env", []string{"-token", "flag"}, map[string]string{"SMSSIM_TOKEN": "env"}, options{addr: "127.0.0.1:9090", token: "flag"}, ""},
		{"all flags", []string{"-addr", "127.0.0.1:0", "-fail-rate", "0.25", "-delay", "150ms", "-reply-delay", "1s"}, nil,
			options{addr: "127.0.0.1:0", token: "dev-token", failRate: 0.25, delay: 150 * time.Millisecond, reply: time.Second}, ""},
		{"fail rate too high", []string{"-fail-rate", "2"}, nil, options{}, "outside 0..1"},
		{"negative delay", []string{"-delay", "-1s"}, nil, options{}, "negative"},
		{"empty token", []string{"-token", ""}, nil, options{}, "empty"},
		{"stray argument", []string{"serve"}, nil, options{}, "unexpected arguments"},
		{"unknown flag", []string{"-port", "1"}, nil, options{}, "not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFlags(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestRunServesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	var logs bytes.Buffer
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-token", "t"}, func(string) string { return "" }, &syncWriter{w: &logs}, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run ended early: %v", err)
	}

	req, _ := http.NewRequest("POST", "http://"+addr+"/send", strings.NewReader(`{"to":"+79161234567","text":"Код 1","id":"x"}`))
	req.Header.Set("Authorization", "Bearer t")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("send: %d", resp.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop after the context ended")
	}
	out := logs.String()
	for _, want := range []string{"sms-sim listening", "sms accepted", "sms-sim stopped"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
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
