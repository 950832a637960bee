package testenv

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/internal/smssim"
)

// StartSMSSim starts the SMS gateway simulator over HTTP on 127.0.0.1 with
// the given bearer token, stops it when the test ends, and returns it with
// the URL to send to (…/send), which is what transport.SMSGateway.URL takes.
// The simulator's other endpoints are beside it (…/messages, …/control).
func StartSMSSim(t testing.TB, token string) (*smssim.Server, string) {
	t.Helper()
	sim := smssim.New(smssim.Config{Token: token, Log: testWriter{t}})
	ts := httptest.NewServer(sim) // httptest listens on 127.0.0.1
	t.Cleanup(ts.Close)
	return sim, ts.URL + "/send"
}

// testWriter sends the simulator's log lines to t.Log, so they show with
// the test's output when it fails or runs with -v.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
