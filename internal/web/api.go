package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/flow"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/recovery"
	"github.com/kabinet/kabinet/internal/registration"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/signin"
)

// decode reads a JSON body strictly: it must be one object; unknown
// fields, trailing data and wrong types are 400s that say what is wrong; a
// body over maxFormBytes is 413 request.too_large.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	return decodeMax(w, r, v, maxFormBytes)
}

// decodeMax is decode with a larger limit, for the few bodies that are
// documents rather than forms (a catalog service's texts).
func decodeMax(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var big *http.MaxBytesError
	switch {
	case errors.As(err, &big):
		return problem.New(problem.TooLarge, "request.too_large")
	case err != nil:
		return problem.New(problem.BadRequest, "request.malformed")
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return problem.New(problem.BadRequest, "request.empty")
	case trimmed[0] != '{':
		// null, a list or a bare value: json.Decoder would take null for
		// an empty object.
		return problem.New(problem.BadRequest, "request.malformed")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			return problem.New(problem.BadRequest, "request.field_type", "Field", te.Field)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return problem.New(problem.BadRequest, "request.unknown_field", "Field", strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`))
		default:
			return problem.New(problem.BadRequest, "request.malformed")
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return problem.New(problem.BadRequest, "request.malformed")
	}
	return nil
}

// apiAuth requires a session (bearer token or cookie). A session that
// has just ended is refused with a code that says why (session.ended.idle,
// session.ended.lifetime, session.ended.elsewhere, session.ended.password).
func (s *Server) apiAuth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if accountOf(r) == nil {
			if err := reqCtx(r).endedErr; err != nil {
				s.apiError(w, r, err)
				return
			}
			s.apiError(w, r, problem.New(problem.Unauthorized, "session.required"))
			return
		}
		h(w, r)
	}
}

// flowJSON is a pending step as the API shows it.
type flowJSON struct {
	ID            string    `json:"id"`
	State         string    `json:"state"`
	Channel       string    `json:"channel"`
	Destination   string    `json:"destination"` // masked
	ExpiresAt     time.Time `json:"expires_at"`  // of the current code
	ResendAfter   time.Time `json:"resend_after"`
	Attempts      int       `json:"attempts"`
	MaxAttempts   int       `json:"max_attempts"`
	FlowExpiresAt time.Time `json:"flow_expires_at"` // of the whole flow: start again after this
	CodeSent      bool      `json:"code_sent"`       // false: ask for the code with …/resend from resend_after
}

func (s *Server) flowJSON(f *flow.Flow) flowJSON {
	p := s.d.Codes.Policy()
	return flowJSON{ID: f.ID, State: string(f.State), Channel: string(f.Channel), Destination: masked(f.Channel, f.Destination),
		ExpiresAt: f.CodeExpiresAt.UTC(), ResendAfter: s.d.Codes.ResendAt(f).UTC(), Attempts: f.CodeAttempts, MaxAttempts: p.MaxAttempts,
		FlowExpiresAt: f.ExpiresAt.UTC(), CodeSent: f.Sends > 0}
}

type accountJSON struct {
	ID        string    `json:"id"`
	Level     string    `json:"level"`
	Surname   string    `json:"surname"`
	Name      string    `json:"name"`
	Phone     string    `json:"phone,omitempty"`
	Email     string    `json:"email,omitempty"`
	Lang      string    `json:"lang"`
	CreatedAt time.Time `json:"created_at"`
	// DeletionEffectiveAt is when the account is erased, while its owner's
	// request to delete it is pending; absent otherwise.
	DeletionEffectiveAt *time.Time `json:"deletion_effective_at,omitempty"`
	// Confirmation is how, where and when the identity was confirmed
	// (GET /api/v1/me only); absent until it is.
	Confirmation *confirmationJSON `json:"confirmation,omitempty"`
}

func toAccountJSON(a *account.Account) accountJSON {
	j := accountJSON{ID: a.ID, Level: string(a.Level), Surname: a.Surname, Name: a.Name, Phone: string(a.Phone), Email: string(a.Email),
		Lang: a.Lang, CreatedAt: a.CreatedAt.UTC()}
	if !a.DeletionEffectiveAt.IsZero() {
		at := a.DeletionEffectiveAt.UTC()
		j.DeletionEffectiveAt = &at
	}
	return j
}

type sessionJSON struct {
	ID         string    `json:"id"`
	Current    bool      `json:"current"`
	Method     string    `json:"method"`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"user_agent"`
	Device     string    `json:"device"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

type tokenJSON struct {
	SessionToken string      `json:"session_token"`
	SessionID    string      `json:"session_id"`
	ExpiresAt    time.Time   `json:"expires_at"`
	Account      accountJSON `json:"account"`
	// DeviceToken is for the client to keep and send with its next
	// sign-ins, so strangers' wrong passwords do not lock it out.
	DeviceToken string `json:"device_token,omitempty"`
	// DeletionCancelled: this sign-in cancelled the account's pending
	// deletion (the person should be told).
	DeletionCancelled bool `json:"deletion_cancelled,omitempty"`
}

func (s *Server) tokenResponse(r *http.Request, a *account.Account, token string, sess *session.Session) tokenJSON {
	t := tokenJSON{SessionToken: token, SessionID: sess.ID, ExpiresAt: sess.ExpiresAt.UTC(), Account: toAccountJSON(a)}
	var err error
	if t.DeviceToken, err = s.d.Devices.DeviceToken(a.ID); err != nil {
		s.fault("web: device token", err)
	}
	return t
}

func (s *Server) apiRegister(w http.ResponseWriter, r *http.Request) {
	var in registrationRequest
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	start := registration.Start{Surname: in.Surname, Name: in.Name, AcceptTerms: in.AcceptTerms, Lang: langOf(r), Client: s.client(r)}
	switch {
	case in.Phone != nil && in.Email != nil:
		s.apiError(w, r, problem.InvalidField("email", problem.M("registration.one_channel")))
		return
	case in.Email != nil:
		start.UseEmail, start.Email = true, *in.Email
	case in.Phone != nil:
		start.Phone = *in.Phone
	}
	f, err := s.d.Registration.Begin(r.Context(), start)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.flowJSON(f))
}

type codeJSON struct {
	Code  string `json:"code"`
	Token string `json:"token"` // the token of an e-mailed link, instead of the code
}

type passwordJSON struct {
	Password             string `json:"password"`
	PasswordConfirmation string `json:"password_confirmation"`
}

func (s *Server) apiSignIn(w http.ResponseWriter, r *http.Request) {
	var in signInRequest
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	res, err := s.d.SignIn.Begin(r.Context(), signin.Attempt{Login: in.Login, Password: in.Password, Device: in.DeviceToken, Lang: langOf(r), Client: s.client(r)})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if res.Flow != nil {
		// The second step: confirm with POST /api/v1/sessions/{id}/confirm.
		writeJSON(w, http.StatusAccepted, secondStepJSON{s.flowJSON(res.Flow), true})
		return
	}
	t := s.tokenResponse(r, res.Account, res.Token, res.Session)
	t.DeletionCancelled = res.DeletionCancelled
	writeJSON(w, http.StatusCreated, t)
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	a := accountOf(r)
	j := toAccountJSON(a)
	if a.Level == account.Confirmed {
		c, err := s.d.Desk.ConfirmationOf(r.Context(), a.ID)
		if err != nil && problem.KindOf(err) != problem.NotFound {
			s.apiError(w, r, err)
			return
		}
		j.Confirmation = toConfirmationJSON(c)
	}
	writeJSON(w, http.StatusOK, j)
}

func (s *Server) apiSessions(w http.ResponseWriter, r *http.Request) {
	st := reqCtx(r)
	list, err := s.d.Sessions.List(r.Context(), st.account.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]sessionJSON, 0, len(list))
	for _, x := range list {
		out = append(out, sessionJSON{ID: x.ID, Current: x.ID == st.session.ID, Method: x.Method, IP: x.IP, UserAgent: x.UserAgent,
			Device: session.Device(x.UserAgent), CreatedAt: x.CreatedAt.UTC(), LastSeenAt: x.LastSeenAt.UTC(), ExpiresAt: x.ExpiresAt.UTC()})
	}
	writeJSON(w, http.StatusOK, sessionListJSON{Sessions: out})
}

func (s *Server) apiEndSession(w http.ResponseWriter, r *http.Request) {
	st := reqCtx(r)
	id := r.PathValue("id")
	if err := s.d.Sessions.EndByUser(r.Context(), st.account.ID, id, s.holder(r)); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiSignOut(w http.ResponseWriter, r *http.Request) {
	st := reqCtx(r)
	if err := s.d.Sessions.SignOut(r.Context(), s.holder(r)); err != nil {
		s.apiError(w, r, err)
		return
	}
	if !st.bearer {
		s.signOutBrowser(w, r)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiEndOthers(w http.ResponseWriter, r *http.Request) {
	n, err := s.d.Sessions.EndOthersByUser(r.Context(), s.holder(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, endedJSON{Ended: n})
}

func (s *Server) apiSignIns(w http.ResponseWriter, r *http.Request) {
	list, err := s.d.Sessions.History(r.Context(), accountOf(r).ID, 100)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]signInJSON, 0, len(list))
	for _, x := range list {
		out = append(out, signInJSON{At: x.At.UTC(), IP: x.IP, UserAgent: x.UserAgent, Method: x.Method, Outcome: x.Outcome})
	}
	writeJSON(w, http.StatusOK, signInListJSON{SignIns: out})
}

func (s *Server) apiRecover(w http.ResponseWriter, r *http.Request) {
	var in recoveryRequest
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	f, err := s.d.Recovery.Begin(r.Context(), recovery.Request{Login: in.Login, Lang: langOf(r), Client: s.client(r)})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, s.flowJSON(f))
}

// apiStrength is the strength meter's server side: the same verdict the
// password step applies, so the meter and the form never disagree.
func (s *Server) apiStrength(w http.ResponseWriter, r *http.Request) {
	if !s.meter.allow(s.client(r).IP, s.d.Now()) {
		w.Header().Set("Retry-After", "1")
		s.apiError(w, r, &problem.Error{Kind: problem.TooMany, Message: problem.M("request.rate_limited"), RetryAfter: time.Second})
		return
	}
	var in strengthRequest
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if len(in.Inputs) > 8 {
		in.Inputs = in.Inputs[:8]
	}
	t := s.t(r)
	v := password.Strength(in.Password, in.Inputs...)
	out := strengthJSON{Score: v.Score, Level: v.Level, Label: t.T("strength." + v.Level), Common: v.Common, Hints: []string{}, HintCodes: []string{}}
	for _, m := range v.Missing {
		out.Hints = append(out.Hints, t.Msg(m))
		out.HintCodes = append(out.HintCodes, m.ID)
	}
	if err := password.Validate(in.Password, in.Password, in.Inputs...); err != nil {
		if p, ok := problem.As(err); ok {
			if m, ok := p.Field("password"); ok {
				out.Error, out.ErrorCode = t.Msg(m), m.ID
			}
		}
	} else {
		out.Accepts = true
	}
	writeJSON(w, http.StatusOK, out)
}
