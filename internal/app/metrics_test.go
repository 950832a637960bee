package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/internal/config"
)

func production(c *config.Config) {
	c.Server.Env = config.Production
	c.Server.BaseURL = "https://kabinet.example"
	c.Keys.Secret = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="
}

// scrape GETs a metrics URL, with a bearer token when one is given, and
// returns the status and whether the body holds the metrics.
func scrape(t *testing.T, url, token string) (int, bool) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, strings.Contains(string(b), "go_goroutines")
}

// TestMetricsExposure: /metrics is public in demo mode only; production
// serves it on the main listener only behind a token, and
// KABINET_METRICS_ADDR moves it to a listener of its own that closes with
// the app.
func TestMetricsExposure(t *testing.T) {
	t.Run("demo", func(t *testing.T) {
		h := newHarness(t, nil)
		if status, ok := scrape(t, h.srv.URL+"/metrics", ""); status != 200 || !ok {
			t.Errorf("demo /metrics: %d", status)
		}
	})
	t.Run("production without settings", func(t *testing.T) {
		h := newHarness(t, production)
		if status, _ := scrape(t, h.srv.URL+"/metrics", ""); status != 404 {
			t.Errorf("production /metrics: %d, want 404", status)
		}
	})
	t.Run("production with a token", func(t *testing.T) {
		h := newHarness(t, func(c *config.Config) { production(c); c.Metrics.Token = "scrape-token" })
		for _, tok := range []string{"", "wrong", "scrape-token-and-more", "scrape-toke"} {
			if status, ok := scrape(t, h.srv.URL+"/metrics", tok); status != 401 || ok {
				t.Errorf("token %q: %d", tok, status)
			}
		}
		if status, ok := scrape(t, h.srv.URL+"/metrics", "scrape-token"); status != 200 || !ok {
			t.Errorf("right token: %d", status)
		}
	})
	t.Run("demo with a token", func(t *testing.T) {
		h := newHarness(t, func(c *config.Config) { c.Metrics.Token = "scrape-token" })
		if status, _ := scrape(t, h.srv.URL+"/metrics", ""); status != 401 {
			t.Errorf("no token: %d, want 401", status)
		}
	})
	t.Run("own listener", func(t *testing.T) {
		for _, env := range []func(*config.Config){nil, production} {
			h := newHarness(t, func(c *config.Config) {
				if env != nil {
					env(c)
				}
				c.Metrics.Addr, c.Metrics.Token = "127.0.0.1:0", "scrape-token"
			})
			base := h.listen()
			if status, _ := scrape(t, base+"/metrics", "scrape-token"); status != 404 {
				t.Errorf("main listener /metrics: %d, want 404", status)
			}
			m := "http://" + h.app.MetricsAddr()
			if status, _ := scrape(t, m+"/metrics", ""); status != 401 {
				t.Errorf("metrics listener without the token: %d, want 401", status)
			}
			if status, ok := scrape(t, m+"/metrics", "scrape-token"); status != 200 || !ok {
				t.Errorf("metrics listener: %d", status)
			}
			if status, _ := scrape(t, m+"/healthz", ""); status != 404 {
				t.Errorf("metrics listener serves /healthz: %d", status)
			}
			if err := h.app.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if _, err := http.Get(m + "/metrics"); err == nil {
				t.Error("the metrics listener outlives Close")
			}
		}
	})
}
