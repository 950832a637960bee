package app_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// listen starts the app's own HTTP server (the one cmd/kabinet runs, with
// its limits and timeouts) on a loopback port and returns its base URL.
func (h *harness) listen() string {
	h.t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.app.Start(context.Background(), l); err != nil {
		h.t.Fatal(err)
	}
	return "http://" + h.app.Addr()
}

// TestBodyOverLimit: a body over 64 KiB is 413 request.too_large, as a
// problem document in the API and as an error page for a form, not 400
// «malformed».
func TestBodyOverLimit(t *testing.T) {
	h := newHarness(t, nil)
	big := strings.Repeat("я", 40<<10) // 80 KiB of UTF-8

	r := h.api("POST", "/api/v1/password-recovery", "", map[string]string{"login": big})
	if r.Status != 413 || r.str("code") != "request.too_large" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("API: %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Raw)
	}
	if r := h.api("POST", "/api/v1/password-recovery", "", map[string]string{"login": "ivan@example.ru", "x": ""}); r.Status != 400 || r.str("code") != "request.unknown_field" {
		t.Errorf("small bad body: %d %s", r.Status, r.Raw)
	}

	br := h.browser()
	res, body := br.post("/recover", url.Values{"login": {big}})
	if res.StatusCode != 413 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "Запрос слишком большой") {
		t.Errorf("form: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if res, _ := br.post("/recover", url.Values{"login": {"ivan@example.ru"}}); res.StatusCode != 303 {
		t.Errorf("a normal form after the big one: %d", res.StatusCode)
	}
}

// TestHeadersOverLimit: the app's listener answers 431 to request headers
// over 16 KiB and serves headers a little under it.
func TestHeadersOverLimit(t *testing.T) {
	h := newHarness(t, nil)
	base := h.listen()
	get := func(cookie int) int {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/healthz", nil)
		req.Header.Set("Cookie", "x="+strings.Repeat("a", cookie))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := get(15 << 10); got != 200 {
		t.Errorf("15 KiB of headers: %d, want 200", got)
	}
	if got := get(16 << 10); got != 431 {
		t.Errorf("16 KiB of headers: %d, want 431", got)
	}
	if got := get(40 << 10); got != 431 {
		t.Errorf("40 KiB of headers: %d, want 431", got)
	}
}
