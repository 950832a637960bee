package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
)

// This file is about how a browser session ends: the warning before it
// ends for inactivity, "stay signed in", the status the warning asks for
// without extending the session, why a session ended (said on the next
// page), and what sign-out clears in the browser.

// warnBefore is how long before the inactivity end signed-in pages warn
// (Login.gov warns two minutes before).
const warnBefore = 2 * time.Minute

// statusPath answers how long the session has left; asking is not
// activity, so authenticate does not count it as such.
const statusPath = "/api/v1/sessions/current"

// SessionView is what a signed-in page needs for the inactivity warning.
type SessionView struct {
	IdleLeft   int // seconds until the session ends if unused, when the page was made
	WarnBefore int // seconds before that end to warn
	Next       string
}

// sessionView returns the warning's data for a page of a cookie session, or
// nil (no session, or an API client).
func (s *Server) sessionView(r *http.Request) *SessionView {
	st := reqCtx(r)
	if st.session == nil || st.bearer {
		return nil
	}
	left := s.d.Sessions.IdleEnd(st.session).Sub(s.d.Now())
	warn := min(warnBefore, s.d.Sessions.Idle()/4)
	return &SessionView{IdleLeft: max(0, int(left/time.Second)), WarnBefore: int(warn / time.Second), Next: localPath(r.URL.RequestURI(), "/account")}
}

// endedReason is the short name of why a refused session ended, for the
// sign-in page's ?reason= ("idle", "lifetime", "elsewhere", "password"),
// or "" when there is nothing to tell.
func endedReason(err error) string {
	p, ok := problem.As(err)
	if !ok || p.Kind != problem.Unauthorized {
		return ""
	}
	switch p.Message.ID {
	case session.MsgEndedIdle, session.MsgEndedLifetime, session.MsgEndedElsewhere, session.MsgEndedPassword:
		return strings.TrimPrefix(p.Message.ID, "session.ended.")
	}
	return ""
}

// endedMessage translates a reason from endedReason, or returns "".
func (s *Server) endedMessage(r *http.Request, reason string) string {
	t := s.t(r)
	switch reason {
	case "idle":
		return t.T(session.MsgEndedIdle, "Count", session.IdleMinutes(s.d.Sessions.Idle()))
	case "lifetime":
		return t.T(session.MsgEndedLifetime, "Lifetime", s.d.Sessions.Lifetime())
	case "elsewhere":
		return t.T(session.MsgEndedElsewhere)
	case "password":
		return t.T(session.MsgEndedPassword)
	}
	return ""
}

// signInURL is the sign-in page that brings the user back to next and
// says why the session ended.
func signInURL(next, reason string) string {
	u := "/signin?next=" + urlQueryEscape(next)
	if reason != "" {
		u += "&reason=" + reason
	}
	return u
}

// clearSiteData asks the browser to forget what this site cached and
// stored for the citizen who is signing out: pages with personal data in
// the back-forward and HTTP caches, local and session storage. Not
// "cookies": that would also wipe the browser-binding cookie that ties
// flows in progress to this browser, the language choice, and the
// device-recognition cookie the sign-in limits rely on to tell a known
// device from an attacker; the session cookie is cleared explicitly
// instead (clearSessionCookie).
func clearSiteData(w http.ResponseWriter) {
	w.Header().Set("Clear-Site-Data", `"cache", "storage"`)
}

// signOutBrowser ends the session's traces in the browser.
func (s *Server) signOutBrowser(w http.ResponseWriter, r *http.Request) {
	s.clearSessionCookie(w)
	// A site's request waiting for this citizen's level is not the next
	// one's in this browser.
	s.forgetReturn(w, r)
	clearSiteData(w)
}

// currentSessionJSON is the signed-in session's timing, as the inactivity
// warning asks for it.
type currentSessionJSON struct {
	ID              string    `json:"id"`
	Method          string    `json:"method"`
	CreatedAt       time.Time `json:"created_at"`
	LastSeenAt      time.Time `json:"last_seen_at"`
	ExpiresAt       time.Time `json:"expires_at"`
	IdleExpiresAt   time.Time `json:"idle_expires_at"`
	IdleSecondsLeft int       `json:"idle_seconds_left"`
	IdleTimeout     int       `json:"idle_timeout_seconds"`
}

func (s *Server) currentSessionJSON(x *session.Session) currentSessionJSON {
	end := s.d.Sessions.IdleEnd(x)
	return currentSessionJSON{ID: x.ID, Method: x.Method, CreatedAt: x.CreatedAt.UTC(), LastSeenAt: x.LastSeenAt.UTC(), ExpiresAt: x.ExpiresAt.UTC(),
		IdleExpiresAt: end.UTC(), IdleSecondsLeft: max(0, int(end.Sub(s.d.Now())/time.Second)), IdleTimeout: int(s.d.Sessions.Idle() / time.Second)}
}

// apiCurrentSession answers GET /api/v1/sessions/current without counting
// the request as activity (authenticate peeks for this path). A session
// that has ended answers 401 with a code that says why
// (session.ended.idle, …: see apiAuth).
func (s *Server) apiCurrentSession(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.currentSessionJSON(reqCtx(r).session))
}

// apiStaySignedIn answers POST /api/v1/sessions/current/extend: the
// citizen pressed "stay signed in".
func (s *Server) apiStaySignedIn(w http.ResponseWriter, r *http.Request) {
	st := reqCtx(r)
	if err := s.d.Sessions.StaySignedIn(r.Context(), st.session); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.currentSessionJSON(st.session))
}

// staySignedIn is the warning's "stay signed in" as a plain form, for a
// browser whose script could not reach the API.
func (s *Server) staySignedIn(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, "next")
	if err != nil {
		s.errorPage(w, r, err, "/account")
		return
	}
	if err := s.d.Sessions.StaySignedIn(r.Context(), reqCtx(r).session); err != nil {
		s.internalError(w, r, err)
		return
	}
	seeOther(w, r, localPath(v["next"], "/account"))
}
