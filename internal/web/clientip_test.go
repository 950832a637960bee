package web

import (
	"net/http/httptest"
	"testing"
)

// TestClientIP: the address every per-IP limit counts. X-Forwarded-For is
// believed only when the peer is a trusted proxy, and then only as far as
// the right-most address that is not itself a trusted proxy: anything to
// its left was written by the client and may be spoofed.
func TestClientIP(t *testing.T) {
	proxies, err := parseProxies([]string{"10.0.0.0/8", "fd00::/8"})
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{proxies: proxies}
	none := &Server{proxies: &proxyList{}}
	for _, tc := range []struct {
		name string
		srv  *Server
		peer string
		xff  []string // header lines, in order
		want string
	}{
		{"direct client", s, "203.0.113.7:5000", nil, "203.0.113.7"},
		{"untrusted peer: spoofed header ignored", s, "203.0.113.7:5000", []string{"198.51.100.1"}, "203.0.113.7"},
		{"no proxies configured: header ignored", none, "10.0.0.1:5000", []string{"198.51.100.1"}, "10.0.0.1"},
		{"trusted peer: the client it saw", s, "10.0.0.1:443", []string{"203.0.113.7"}, "203.0.113.7"},
		{"trusted peer: spoofed left part ignored", s, "10.0.0.1:443", []string{"198.51.100.1, 203.0.113.7"}, "203.0.113.7"},
		{"chain of trusted proxies skipped", s, "10.0.0.1:443", []string{"198.51.100.1, 203.0.113.7, 10.0.0.3,10.0.0.2"}, "203.0.113.7"},
		{"every hop trusted: the left-most", s, "10.0.0.1:443", []string{"10.0.0.3, 10.0.0.2"}, "10.0.0.3"},
		{"trusted peer, no header: the peer", s, "10.0.0.1:443", nil, "10.0.0.1"},
		{"trusted peer, empty header: the peer", s, "10.0.0.1:443", []string{""}, "10.0.0.1"},
		{"garbage right-most: stop at the peer", s, "10.0.0.1:443", []string{"203.0.113.7, not-an-ip"}, "10.0.0.1"},
		{"garbage behind a trusted hop: that hop", s, "10.0.0.1:443", []string{"junk, 10.0.0.2"}, "10.0.0.2"},
		{"IPv4-mapped peer is unmapped and trusted", s, "[::ffff:10.0.0.1]:443", []string{"203.0.113.7"}, "203.0.113.7"},
		{"IPv4-mapped client is unmapped", s, "10.0.0.1:443", []string{"::ffff:203.0.113.7"}, "203.0.113.7"},
		{"IPv6 client behind an IPv6 proxy", s, "[fd00::1]:443", []string{"2001:db8::5"}, "2001:db8::5"},
		{"IPv6 untrusted peer", s, "[2001:db8::1]:5000", []string{"198.51.100.1"}, "2001:db8::1"},
		{"peer without a port", s, "203.0.113.7", nil, "203.0.113.7"},
		// A proxy that adds its own header line (HAProxy's forwardfor) after
		// the client's: the lines are one list (RFC 9110, 5.3), and the
		// client's line is the spoofable left part of it.
		{"client's own header line then the proxy's", s, "10.0.0.1:443", []string{"198.51.100.1", "203.0.113.7"}, "203.0.113.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := tc.srv.clientIP(r); got != tc.want {
				t.Errorf("clientIP(peer %s, X-Forwarded-For %q) = %s, want %s", tc.peer, tc.xff, got, tc.want)
			}
		})
	}
}

func TestParseProxiesRejectsBadCIDR(t *testing.T) {
	for _, c := range []string{"10.0.0.1", "10.0.0.0/33", "proxy.local", ""} {
		if _, err := parseProxies([]string{c}); err == nil {
			t.Errorf("parseProxies(%q) accepted", c)
		}
	}
}
