package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes is the whole URL map.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()

	// Operations.
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.d.Metrics, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /static/", s.serveStatic)

	// Public pages.
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /terms", s.staticPage("terms"))
	mux.HandleFunc("GET /privacy", s.staticPage("privacy"))
	mux.HandleFunc("GET /services", s.services)

	// Registration (SPEC §3).
	mux.HandleFunc("GET /register", s.registerForm)
	mux.HandleFunc("POST /register", s.registerSubmit)
	mux.HandleFunc("GET /register/{id}", s.registerStep)
	mux.HandleFunc("POST /register/{id}/code", s.registerCode)
	mux.HandleFunc("POST /register/{id}/resend", s.registerResend)
	mux.HandleFunc("GET /register/{id}/link", s.registerLink)
	mux.HandleFunc("POST /register/{id}/link", s.registerLink)
	mux.HandleFunc("POST /register/{id}/password", s.registerPassword)
	mux.HandleFunc("GET /welcome", s.welcome)

	// Sign-in, second step, sign-out.
	mux.HandleFunc("GET /signin", s.signinForm)
	mux.HandleFunc("POST /signin", s.signinSubmit)
	mux.HandleFunc("GET /signin/{id}", s.signinStep)
	mux.HandleFunc("POST /signin/{id}/code", s.signinCode)
	mux.HandleFunc("POST /signin/{id}/resend", s.signinResend)
	mux.HandleFunc("POST /signout", s.signout)

	// Password recovery.
	mux.HandleFunc("GET /recover", s.recoverForm)
	mux.HandleFunc("POST /recover", s.recoverSubmit)
	mux.HandleFunc("GET /recover/{id}", s.recoverStep)
	mux.HandleFunc("POST /recover/{id}/code", s.recoverCode)
	mux.HandleFunc("POST /recover/{id}/resend", s.recoverResend)
	mux.HandleFunc("GET /recover/{id}/link", s.recoverLink)
	mux.HandleFunc("POST /recover/{id}/link", s.recoverLink)
	mux.HandleFunc("POST /recover/{id}/password", s.recoverPassword)

	// The signed-in citizen's own pages.
	mux.HandleFunc("GET /account", s.requirePage(s.accountHome))
	mux.HandleFunc("GET /account/sessions", s.requirePage(s.sessionsPage))
	mux.HandleFunc("POST /account/sessions/{id}/end", s.requirePage(s.sessionEnd))
	mux.HandleFunc("POST /account/sessions/end-others", s.requirePage(s.sessionsEndOthers))
	mux.HandleFunc("GET /account/history", s.requirePage(s.historyPage))
	mux.HandleFunc("POST /account/stay-signed-in", s.requirePage(s.staySignedIn))

	// Development outbox: every SMS and e-mail, so a newcomer can register
	// without a phone. Only in demo mode.
	if s.d.Demo {
		mux.HandleFunc("GET /dev/outbox", s.devOutbox)
	}

	// JSON API.
	s.apiRoutes(mux)

	mux.HandleFunc("/", s.notFound)

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))
	return s.base(s.rememberLang(cop.Handler(s.authenticate(mux))))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.d.Ready(r.Context()); err != nil {
		s.log.Warn("not ready", "error", err)
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ready\n"))
}

func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	if wantsJSON(r) {
		s.apiError(w, r, forbidden("request.cross_origin"))
		return
	}
	s.errorPage(w, r, forbidden("request.cross_origin"), "/")
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if wantsJSON(r) {
		s.apiError(w, r, notFoundErr("page.not_found"))
		return
	}
	s.errorPage(w, r, notFoundErr("page.not_found"), "/")
}
