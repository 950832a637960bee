package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MetricsHandler serves the Prometheus metrics. With Deps.MetricsToken set,
// a request needs "Authorization: Bearer <token>" and anything else is 401.
// The app mounts it on a listener of its own when KABINET_METRICS_ADDR is
// set; the main handler serves it at GET /metrics only when Deps.MetricsRoute
// says so.
func (s *Server) MetricsHandler() http.Handler {
	h := promhttp.HandlerFor(s.d.Metrics, promhttp.HandlerOpts{})
	if s.d.MetricsToken == "" {
		return h
	}
	// Comparing digests keeps the comparison constant-time whatever the
	// length of the token presented.
	want := sha256.Sum256([]byte(s.d.MetricsToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r)
		got := sha256.Sum256([]byte(token))
		if !ok || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "metrics need a bearer token", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
