package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestUnknownMethods: a path that exists answers other methods with 405
// and an Allow header, on pages and in the API; an unknown path stays 404.
func TestUnknownMethods(t *testing.T) {
	h := newHarness(t, nil)
	tests := []struct {
		method, path string
		status       int
		allow        string
	}{
		{"TRACE", "/register", 405, "GET, HEAD, POST"},
		{"PUT", "/register", 405, "GET, HEAD, POST"},
		{"PATCH", "/register", 405, "GET, HEAD, POST"},
		{"TRACE", "/", 405, "GET, HEAD"},
		{"DELETE", "/signin", 405, "GET, HEAD, POST"},
		{"TRACE", "/api/v1/registrations", 405, "POST"},
		{"PUT", "/api/v1/registrations", 405, "POST"},
		{"PATCH", "/api/v1/me", 405, "GET, HEAD"},
		{"PUT", "/api/v1/sessions/abc", 405, "DELETE"},
		{"TRACE", "/api/v1/sessions", 405, "GET, HEAD, POST"},
		{"TRACE", "/nope", 404, ""},
		{"GET", "/nope", 404, ""},
		{"TRACE", "/api/v1/nope", 404, ""},
		{"PUT", "/api/v1/nope", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, h.srv.URL+tt.path, nil)
			res, body := h.browser().do(req)
			if res.StatusCode != tt.status || res.Header.Get("Allow") != tt.allow {
				t.Fatalf("%d Allow %q, want %d Allow %q", res.StatusCode, res.Header.Get("Allow"), tt.status, tt.allow)
			}
			if !strings.HasPrefix(tt.path, "/api/") {
				if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
					t.Errorf("page answered %s", ct)
				}
				return
			}
			var p struct {
				Status int    `json:"status"`
				Code   string `json:"code"`
			}
			if err := json.Unmarshal([]byte(body), &p); err != nil || p.Status != tt.status ||
				!strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("not a problem document: %s %s", res.Header.Get("Content-Type"), body)
			}
			if want := map[int]string{405: "request.method_not_allowed", 404: "page.not_found"}[tt.status]; p.Code != want {
				t.Errorf("code %q, want %q", p.Code, want)
			}
		})
	}
}
