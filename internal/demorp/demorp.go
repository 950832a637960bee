// Package demorp is the demo's relying party (issue 15 §4): a small
// e-government site of its own that signs citizens in through kabinet
// with the real relying-party libraries (coreos/go-oidc, x/oauth2) —
// authorization code with PKCE S256, the ID token verified, userinfo —
// and shows what it received, with a button for each level it can ask
// (acr_values). Signing out here signs out at kabinet too (RP-initiated
// logout with the ID token as the hint), and kabinet's back-channel
// logout ends the session here when the citizen signs out of kabinet or
// withdraws the site's permission. kabinet starts it on its own port in demo mode; `kabinet
// demo-rp` runs it alone against any kabinet.
package demorp

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// ClientID is the demo site's client ID in the demo's registry.
const ClientID = "demo-rp"

// Config is the demo site's registration and where it is.
type Config struct {
	Issuer   string // kabinet's issuer: its base URL and /oidc
	ClientID string
	Secret   string
	// URL is the site's own base URL; its redirect URI is URL + "/callback".
	URL    string
	Logger *slog.Logger
}

// Levels the site can ask for, with kabinet's acr of each.
var levels = []struct{ Name, Title, ACR string }{
	{"simplified", "упрощённая / simplified", "urn:kabinet:loa:simplified"},
	{"standard", "стандартная / standard", "urn:kabinet:loa:standard"},
	{"confirmed", "подтверждённая / confirmed", "urn:kabinet:loa:confirmed"},
}

// Site is the demo relying party.
type Site struct {
	cfg Config

	mu       sync.Mutex
	provider *gooidc.Provider // discovered on first use: kabinet may start after the site
	pending  map[string]pending
	sessions map[string]*signedIn
}

// pending is a sign-in under way, by its state.
type pending struct {
	verifier, nonce string
	at              time.Time
}

// signedIn is what the site received for a visitor.
type signedIn struct {
	SID      string // kabinet's sign-in, which a back-channel logout names
	RawID    string // the ID token itself: the hint of a logout
	Subject  string
	ACR      string
	IDToken  string // the ID token's claims, indented JSON
	UserInfo string // userinfo's answer, indented JSON
	At       time.Time
}

// New returns the site.
func New(cfg Config) *Site {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Site{cfg: cfg, pending: map[string]pending{}, sessions: map[string]*signedIn{}}
}

//go:embed page.html
var files embed.FS

var page = template.Must(template.ParseFS(files, "page.html"))

// Handler serves the site: its page, /login?level=…, /callback, /logout
// and /backchannel-logout.
func (s *Site) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /login", s.login)
	mux.HandleFunc("GET /callback", s.callback)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("POST /backchannel-logout", s.backchannel)
	return mux
}

// BackchannelPath is where kabinet posts logout tokens.
const BackchannelPath = "/backchannel-logout"

func (s *Site) oauth(ctx context.Context) (*gooidc.Provider, oauth2.Config, error) {
	s.mu.Lock()
	p := s.provider
	s.mu.Unlock()
	if p == nil {
		var err error
		if p, err = gooidc.NewProvider(ctx, s.cfg.Issuer); err != nil {
			return nil, oauth2.Config{}, err
		}
		s.mu.Lock()
		s.provider = p
		s.mu.Unlock()
	}
	return p, oauth2.Config{ClientID: s.cfg.ClientID, ClientSecret: s.cfg.Secret, Endpoint: p.Endpoint(), RedirectURL: s.cfg.URL + "/callback",
		Scopes: []string{gooidc.ScopeOpenID, "fullname", "birthdate", "gender", "snils", "email", "mobile"}}, nil
}

type view struct {
	Levels []struct{ Name, Title, ACR string }
	User   *signedIn
	Error  string
	Issuer string
}

func (s *Site) render(w http.ResponseWriter, v view) {
	v.Levels, v.Issuer = levels, s.cfg.Issuer
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// The sign-out form leads on to kabinet's end_session.
	kabinet := ""
	if u, err := url.Parse(s.cfg.Issuer); err == nil {
		kabinet = " " + u.Scheme + "://" + u.Host
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"+kabinet+"; frame-ancestors 'none'")
	w.Header().Set("Cache-Control", "no-store")
	if err := page.Execute(w, v); err != nil {
		s.cfg.Logger.Error("demo-rp: render", "error", err)
	}
}

const cookie = "demo_rp_session"

func (s *Site) home(w http.ResponseWriter, r *http.Request) {
	var v view
	if c, err := r.Cookie(cookie); err == nil {
		s.mu.Lock()
		v.User = s.sessions[c.Value]
		s.mu.Unlock()
	}
	s.render(w, v)
}

func random() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// login starts a sign-in, asking the level of ?level= when given.
func (s *Site) login(w http.ResponseWriter, r *http.Request) {
	_, conf, err := s.oauth(r.Context())
	if err != nil {
		s.render(w, view{Error: "kabinet is not reachable: " + err.Error()})
		return
	}
	state, p := random(), pending{verifier: oauth2.GenerateVerifier(), nonce: random(), at: time.Now()}
	s.mu.Lock()
	for k, x := range s.pending {
		if time.Since(x.at) > 30*time.Minute {
			delete(s.pending, k)
		}
	}
	s.pending[state] = p
	s.mu.Unlock()
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(p.verifier), gooidc.Nonce(p.nonce)}
	for _, l := range levels {
		if l.Name == r.URL.Query().Get("level") {
			opts = append(opts, oauth2.SetAuthURLParam("acr_values", l.ACR))
		}
	}
	http.Redirect(w, r, conf.AuthCodeURL(state, opts...), http.StatusFound)
}

// callback finishes a sign-in: the code exchanged with the verifier, the
// ID token verified (signature, issuer, audience, expiry, nonce),
// userinfo asked.
func (s *Site) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	p, ok := s.pending[q.Get("state")]
	delete(s.pending, q.Get("state"))
	s.mu.Unlock()
	if !ok {
		s.render(w, view{Error: "unknown or used state: start again"})
		return
	}
	if e := q.Get("error"); e != "" {
		s.render(w, view{Error: "kabinet answered " + e + ": " + q.Get("error_description")})
		return
	}
	ctx := r.Context()
	provider, conf, err := s.oauth(ctx)
	if err != nil {
		s.render(w, view{Error: err.Error()})
		return
	}
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(p.verifier))
	if err != nil {
		s.render(w, view{Error: "the code exchange failed: " + err.Error()})
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	id, err := provider.Verifier(&gooidc.Config{ClientID: s.cfg.ClientID}).Verify(ctx, raw)
	if err != nil || id.Nonce != p.nonce {
		s.render(w, view{Error: "the ID token did not verify"})
		return
	}
	u := &signedIn{Subject: id.Subject, RawID: raw, At: time.Now()}
	var claims map[string]any
	if err := id.Claims(&claims); err == nil {
		u.ACR, _ = claims["acr"].(string)
		u.SID, _ = claims["sid"].(string)
		b, _ := json.MarshalIndent(claims, "", "  ")
		u.IDToken = string(b)
	}
	if info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
		var all map[string]any
		if info.Claims(&all) == nil {
			b, _ := json.MarshalIndent(all, "", "  ")
			u.UserInfo = string(b)
		}
	}
	sid := random()
	s.mu.Lock()
	s.sessions[sid] = u
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: cookie, Value: sid, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// logout ends the session here and sends the browser to kabinet's
// end_session with the ID token as the hint, to come back here.
func (s *Site) logout(w http.ResponseWriter, r *http.Request) {
	var u *signedIn
	if c, err := r.Cookie(cookie); err == nil {
		s.mu.Lock()
		u = s.sessions[c.Value]
		delete(s.sessions, c.Value)
		s.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: cookie, Value: "", Path: "/", MaxAge: -1})
	p, _, err := s.oauth(r.Context())
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if u == nil || err != nil || p.Claims(&meta) != nil || meta.EndSession == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	q := url.Values{"id_token_hint": {u.RawID}, "post_logout_redirect_uri": {s.cfg.URL + "/"}, "state": {random()}}
	http.Redirect(w, r, meta.EndSession+"?"+q.Encode(), http.StatusSeeOther)
}

// backchannel is kabinet's back-channel logout: a logout token, verified
// like an ID token (signature, issuer, audience, expiry) and checked for
// the logout event and no nonce, ends every session here of its sid.
func (s *Site) backchannel(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, _, err := s.oauth(ctx)
	if err != nil {
		http.Error(w, "kabinet is not reachable", http.StatusServiceUnavailable)
		return
	}
	tok, err := p.Verifier(&gooidc.Config{ClientID: s.cfg.ClientID}).Verify(ctx, r.PostFormValue("logout_token"))
	var claims struct {
		SID    string         `json:"sid"`
		Nonce  *string        `json:"nonce"`
		Events map[string]any `json:"events"`
	}
	if err != nil || tok.Claims(&claims) != nil || claims.Nonce != nil || claims.SID == "" ||
		claims.Events["http://schemas.openid.net/event/backchannel-logout"] == nil {
		http.Error(w, "invalid logout token", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	var ended []string
	for k, u := range s.sessions {
		if u.SID == claims.SID && u.Subject == tok.Subject {
			ended = append(ended, k)
		}
	}
	for _, k := range ended {
		delete(s.sessions, k)
	}
	s.mu.Unlock()
	s.cfg.Logger.Info("demo-rp: back-channel logout", "sid", claims.SID, "sessions_ended", len(ended))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}
