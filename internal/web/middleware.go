package web

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/i18n"
	"github.com/kabinet/kabinet/internal/session"
)

// Cookie names. With an https base URL they carry the __Host- prefix, which
// pins them to this host and path / and requires Secure.
const (
	cookieSession = "kabinet_session"
	cookieBrowser = "kabinet_browser"
	cookieLang    = "kabinet_lang"
	// cookieDevice marks a browser where an account has signed in (OWASP's
	// device cookie): strangers' wrong passwords do not lock it out.
	cookieDevice = "kabinet_device"
)

func (s *Server) cookieName(n string) string {
	if s.secure {
		return "__Host-" + n
	}
	return n
}

// requestState is what middleware learns about a request, kept in its
// context.
type requestState struct {
	requestID string
	lang      i18n.Lang
	client    session.Client
	account   *account.Account
	session   *session.Session
	bearer    bool // authenticated by Authorization header, not cookie
	// endedErr is why the session the request came with was refused, when
	// the citizen should be told (see endedReason); nil otherwise.
	endedErr error
	// ret is a site's sign-in waiting for this citizen's level, once
	// read (returnRead): the raising pages and the banner ask it both.
	ret        *ReturnView
	returnRead bool
}

type stateKey struct{}

func reqCtx(r *http.Request) *requestState {
	if st, ok := r.Context().Value(stateKey{}).(*requestState); ok {
		return st
	}
	return &requestState{lang: i18n.RU}
}

// statusWriter remembers the status for the access log and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// base wraps every request: request ID, client address, panic recovery,
// security headers, logging and metrics.
func (s *Server) base(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 || !printable(id) {
			id = s.requestIDs.next()
		}
		st := &requestState{requestID: id, lang: s.language(r)}
		st.client = session.Client{IP: s.clientIP(r), UserAgent: r.UserAgent(), RequestID: id}
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
		// Another node may have added regions or localities: a check at
		// most every few seconds, a reload only when they changed.
		if err := s.d.Gazetteer.Fresh(r.Context()); err != nil {
			s.log.Warn("places: reload", "request_id", id, "error", err)
		}
		sw := &statusWriter{ResponseWriter: w}
		h := sw.Header()
		h.Set("X-Request-Id", id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		h.Set("Content-Security-Policy", s.csp("", ""))
		if s.secure {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic", "request_id", id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.internalError(sw, r, fmt.Errorf("panic: %v", p))
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			s.metrics.observe(route, r.Method, sw.status, time.Since(start))
			level := slog.LevelInfo
			if sw.status >= 500 && sw.status != http.StatusServiceUnavailable {
				// 503 is a refusal kabinet chose (an overloaded hasher, a spent
				// SMS budget), counted in the metrics; not an error per request.
				level = slog.LevelError
			} else if strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/healthz" || r.URL.Path == "/metrics" {
				level = slog.LevelDebug
			}
			if s.log.Enabled(r.Context(), level) {
				s.log.Log(r.Context(), level, "request", "request_id", id, "method", r.Method, "route", route, "status", sw.status,
					"bytes", sw.bytes, "duration_ms", float64(time.Since(start).Microseconds())/1000, "ip", st.client.IP)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

func printable(s string) bool {
	for _, c := range s {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

// language picks the interface language: ?lang= (remembered in a cookie by
// the handler), the cookie, then Accept-Language, then Russian.
func (s *Server) language(r *http.Request) i18n.Lang {
	if l, ok := i18n.ParseLang(r.URL.Query().Get("lang")); ok {
		return l
	}
	if c, err := r.Cookie(s.cookieName(cookieLang)); err == nil {
		if l, ok := i18n.ParseLang(c.Value); ok {
			return l
		}
	}
	return i18n.MatchAcceptLanguage(r.Header.Get("Accept-Language"))
}

// csp is every page's Content-Security-Policy; a page may let its forms
// lead to one more origin (formTo: a redirect that follows the form is
// checked against form-action) and show images from one more (imgFrom).
func (s *Server) csp(formTo, imgFrom string) string {
	extra := func(src string) string {
		if src == "" {
			return ""
		}
		return " " + src
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:" + s.tileSource + extra(imgFrom) + "; " +
		"font-src 'self'; connect-src 'self'; form-action 'self'" + extra(formTo) + "; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
}

// rememberLang stores an explicit ?lang= choice.
func (s *Server) rememberLang(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l, ok := i18n.ParseLang(r.URL.Query().Get("lang")); ok {
			s.setLangCookie(w, l)
		}
		next.ServeHTTP(w, r)
	})
}

type proxyList struct{ nets []netip.Prefix }

func parseProxies(cidrs []string) (*proxyList, error) {
	p := &proxyList{}
	for _, c := range cidrs {
		n, err := netip.ParsePrefix(c)
		if err != nil {
			return nil, fmt.Errorf("web: trusted proxy %q: %w", c, err)
		}
		p.nets = append(p.nets, n)
	}
	return p, nil
}

func (p *proxyList) trusted(a netip.Addr) bool {
	for _, n := range p.nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP is the peer's address, or — when the peer is a trusted proxy —
// the right-most untrusted address in X-Forwarded-For.
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	if !s.proxies.trusted(addr) {
		return addr.String()
	}
	// Every header line counts, in order: a proxy may add its own line
	// after the one the client sent (RFC 9110, 5.3), and only the right
	// end of the list is the proxies' word.
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !s.proxies.trusted(a) {
			return a.String()
		}
		addr = a
	}
	return addr.String()
}

// authenticate loads the session from the bearer token or the cookie. It
// never rejects: handlers that need a session call requireAccount.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := reqCtx(r)
		token, bearer := bearerToken(r)
		if !bearer {
			if c, err := r.Cookie(s.cookieName(cookieSession)); err == nil {
				token = c.Value
			}
		}
		if token != "" {
			auth := s.d.Sessions.Authenticate
			if r.Method == http.MethodGet && (r.URL.Path == statusPath || r.URL.Path == verificationPath) {
				// Asking how long is left is not activity, nor is the
				// «Мои данные» page following a check by itself.
				auth = s.d.Sessions.Peek
			}
			sess, acc, err := auth(r.Context(), token)
			if endedReason(err) != "" {
				st.endedErr = err
			}
			switch {
			case err == nil:
				st.session, st.account, st.bearer = sess, acc, bearer
				if acc.Lang != "" && r.URL.Query().Get("lang") == "" && !hasLangCookie(r, s) && r.Header.Get("Accept-Language") == "" {
					if l, ok := i18n.ParseLang(acc.Lang); ok {
						st.lang = l
					}
				}
			case !bearer:
				// A stale cookie: drop it so the browser stops sending it,
				// and what the browser kept of the session's pages.
				// A page that needs a session sends the browser to the
				// sign-in form with the reason (requirePage); any other
				// page says why in its notice (fillBase).
				s.signOutBrowser(w, r)
			}
			if err != nil && !isUnauthorized(err) {
				s.log.Error("authenticate", "request_id", st.requestID, "error", err)
			}
		}
		next.ServeHTTP(w, r)
	})
}

func hasLangCookie(r *http.Request, s *Server) bool {
	_, err := r.Cookie(s.cookieName(cookieLang))
	return err == nil
}

func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:]), true
	}
	return "", false
}

func (s *Server) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(cookieSession), Value: token, Path: "/", MaxAge: int(s.d.SessionMaxAge.Seconds()),
		Secure: s.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// deviceToken returns the browser's device token, if any.
func (s *Server) deviceToken(r *http.Request) string {
	if c, err := r.Cookie(s.cookieName(cookieDevice)); err == nil {
		return c.Value
	}
	return ""
}

// rememberDevice gives the browser a fresh device token for the account
// that has just signed in. A failure costs only the convenience: logged.
func (s *Server) rememberDevice(w http.ResponseWriter, r *http.Request, accountID string) {
	token, err := s.d.Devices.DeviceToken(accountID)
	if err != nil {
		s.fault("web: device token", err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(cookieDevice), Value: token, Path: "/", MaxAge: 400 * 24 * 3600,
		Secure: s.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(cookieSession), Value: "", Path: "/", MaxAge: -1, Secure: s.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// browserBinding returns the hash that binds flows to this browser, setting
// the random browser cookie on first use.
func (s *Server) browserBinding(w http.ResponseWriter, r *http.Request) []byte {
	name := s.cookieName(cookieBrowser)
	if c, err := r.Cookie(name); err == nil && len(c.Value) >= 32 && len(c.Value) <= 64 {
		return bindingHash(c.Value)
	}
	var b [32]byte
	if _, err := io.ReadFull(s.d.Rand, b[:]); err != nil {
		// Without randomness there is no safe binding: fail the request
		// (the panic handler answers 500 with the request ID).
		s.fault("web: no randomness for the browser binding", err)
		panic(fmt.Sprintf("web: browser binding: %v", err))
	}
	v := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{Name: name, Value: v, Path: "/", MaxAge: 365 * 24 * 3600, Secure: s.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	// Make the new value visible to the rest of this request.
	r.AddCookie(&http.Cookie{Name: name, Value: v})
	return bindingHash(v)
}

// fault reports an error that does not fail the request by itself.
func (s *Server) fault(msg string, err error) {
	if s.d.Fault != nil {
		s.d.Fault(msg, err)
		return
	}
	s.log.Error(msg, "error", err)
}

func bindingHash(v string) []byte {
	h := sha256.Sum256([]byte("kabinet/browser/" + v))
	return h[:]
}

// metrics are the server's Prometheus series.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kabinet_http_requests_total", Help: "HTTP requests by route, method and status."}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kabinet_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

func (m *metrics) observe(route, method string, status int, d time.Duration) {
	if status == 0 {
		status = http.StatusOK
	}
	m.requests.WithLabelValues(route, method, statusText(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

// statusText is the status label of the metrics: the code, or "other"
// outside 100-599 so that a broken handler cannot add label values.
func statusText(code int) string {
	if code < 100 || code >= 600 {
		return "other"
	}
	return strconv.Itoa(code)
}

// requestIDs makes request IDs: a random per-process prefix and a counter.
// They need to be unique, not secret, and this costs no system call.
type requestIDs struct {
	prefix string
	n      atomic.Uint64
}

func newRequestIDs(r io.Reader) *requestIDs {
	var b [6]byte
	_, _ = io.ReadFull(r, b[:])
	return &requestIDs{prefix: base64.RawURLEncoding.EncodeToString(b[:])}
}

func (g *requestIDs) next() string {
	return g.prefix + "-" + strconv.FormatUint(g.n.Add(1), 36)
}
