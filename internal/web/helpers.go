package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/flow"
	"github.com/kabinet/kabinet/internal/i18n"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
)

// maxFormBytes caps a request body, form or JSON.
const maxFormBytes = 64 << 10

// form parses a posted form (size-capped) and returns the named values,
// trimmed of nothing: services normalize. A body over maxFormBytes is 413
// request.too_large; any other unreadable body 400 request.malformed.
func form(w http.ResponseWriter, r *http.Request, names ...string) (map[string]string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		if big := (*http.MaxBytesError)(nil); errors.As(err, &big) {
			return nil, problem.New(problem.TooLarge, "request.too_large")
		}
		return nil, problem.New(problem.BadRequest, "request.malformed")
	}
	v := make(map[string]string, len(names))
	for _, n := range names {
		v[n] = r.PostForm.Get(n)
	}
	return v, nil
}

// client is who sent the request. A browser signed in with a cookie holds
// that session: a sign-in from it ends the session it replaces.
func (s *Server) client(r *http.Request) session.Client {
	st := reqCtx(r)
	c := st.client
	if st.session != nil && !st.bearer {
		c.Holds = session.Ref{AccountID: st.account.ID, ID: st.session.ID}
	}
	return c
}

// holder is a signed-in request's client, holding its session whether it
// came as a cookie or a bearer token.
func (s *Server) holder(r *http.Request) session.Client {
	st := reqCtx(r)
	c := st.client
	c.Holds = session.Ref{AccountID: st.account.ID, ID: st.session.ID}
	return c
}

func (s *Server) t(r *http.Request) i18n.Localizer { return s.cat.For(reqCtx(r).lang) }

func langOf(r *http.Request) string { return string(reqCtx(r).lang) }

// seeOther redirects after a POST (Post/Redirect/Get).
func seeOther(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// localPath accepts only same-site paths as redirect targets.
func localPath(p, fallback string) string {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return fallback
	}
	if u, err := url.Parse(p); err != nil || u.Host != "" || u.Scheme != "" {
		return fallback
	}
	return p
}

func forbidden(id string) error   { return problem.New(problem.Forbidden, id) }
func notFoundErr(id string) error { return problem.New(problem.NotFound, id) }

// masked shows where a code went without revealing the whole destination.
func masked(ch contact.Channel, dest string) string {
	if ch == contact.ChannelEmail {
		return contact.Email(dest).Masked()
	}
	return contact.Phone(dest).Masked()
}

// CodeStep is the state of a code-entry step, shared by the three flows.
type CodeStep struct {
	FlowID     string
	Channel    string // "sms" or "email"
	Masked     string
	ExpiresAt  time.Time
	ResendAt   time.Time
	ResendIn   int // seconds until a new code may be asked for (for the script's countdown)
	CanResend  bool
	Action     string // where the code is posted
	Resend     string // where a new code is requested
	Attempts   int
	MaxAttempt int
	// Sent is false while the first code waits for the destination's
	// interval between codes (a sign-in just after another code).
	Sent bool
}

func (s *Server) codeStep(f *flow.Flow, base string) CodeStep {
	p := s.d.Codes.Policy()
	at := s.d.Codes.ResendAt(f)
	return CodeStep{FlowID: f.ID, Channel: string(f.Channel), Masked: masked(f.Channel, f.Destination), ExpiresAt: f.CodeExpiresAt,
		ResendAt: at, ResendIn: int(at.Sub(s.d.Now()).Seconds() + 0.999), CanResend: !s.d.Now().Before(at), Action: base + "/code", Resend: base + "/resend",
		Attempts: f.CodeAttempts, MaxAttempt: p.MaxAttempts, Sent: f.Sends > 0}
}
