package oidcop

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/riverqueue/river"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/kabinet/kabinet/internal/jobs"
	"github.com/kabinet/kabinet/internal/sso"
)

// Logout: RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) and
// back-channel logout (Back-Channel Logout 1.0).
//
// A site sends the citizen to end_session with its ID token as the hint.
// The library checks the hint's signature and the post-logout URI against
// the registration; TerminateSessionFromRequest ends the site's sign-in
// (sso.SiteLogout) and sends the browser on to kabinet's page with the
// rest sealed (LogoutURL): the page ends the kabinet session when it is
// the one the hint's sign-in was made with, asks when it is not (a link
// on any page must not sign a citizen out), and then returns to the site.
//
// When a kabinet session ends, every site it signed in to with a
// back-channel URI receives a logout token, by a job that joined the
// transaction of the end (LogoutQueue) and retries while the site is
// down.

// LogoutLifetime is how long kabinet's logout page honours a site's
// request.
const LogoutLifetime = 10 * time.Minute

// TerminateSessionFromRequest ends the hinted sign-in at the site's
// request and sends the browser to kabinet's logout page.
func (s *storage) TerminateSessionFromRequest(ctx context.Context, req *op.EndSessionRequest) (string, error) {
	l := sso.EndSession{ClientID: req.ClientID, Redirect: req.RedirectURI, ExpiresAt: s.d.SSO.Now().Add(LogoutLifetime)}
	if c := req.IDTokenHintClaims; c != nil && req.ClientID != "" {
		l.Subject, l.SID = c.Subject, c.SessionID
		if l.SID != "" {
			if err := s.d.SSO.SiteLogout(ctx, req.ClientID, l.Subject, l.SID); err != nil {
				return "", err
			}
		}
	}
	sealed, err := s.seal(l)
	if err != nil {
		return "", err
	}
	return s.d.LogoutURL(sealed), nil
}

// TerminateSession is the library's older hook; TerminateSessionFromRequest
// replaces it.
func (s *storage) TerminateSession(context.Context, string, string) error { return nil }

// logoutAEAD is AES-GCM under a key of its own derived from the token key.
func (s *storage) logoutAEAD() (cipher.AEAD, error) {
	m := hmac.New(sha256.New, s.d.TokenKey)
	m.Write([]byte("kabinet oidc logout v1"))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// sealedEnd is an sso.EndSession as sealed: short names, for a short URL.
type sealedEnd struct {
	ClientID  string    `json:"c,omitempty"`
	Subject   string    `json:"u,omitempty"`
	SID       string    `json:"s,omitempty"`
	Redirect  string    `json:"r"`
	ExpiresAt time.Time `json:"e"`
}

func (s *storage) seal(l sso.EndSession) (string, error) {
	aead, err := s.logoutAEAD()
	if err != nil {
		return "", err
	}
	plain, err := json.Marshal(sealedEnd(l))
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, plain, nil)), nil
}

// ErrLogoutExpired is a logout request that is not kabinet's, was altered
// or is older than LogoutLifetime.
var ErrLogoutExpired = errors.New("oidcop: the logout request is unknown or expired")

// OpenLogout reads a site's request sealed by TerminateSessionFromRequest.
func (p *Provider) OpenLogout(sealed string) (*sso.EndSession, error) {
	aead, err := p.st.logoutAEAD()
	if err != nil {
		return nil, err
	}
	b, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(b) < aead.NonceSize() {
		return nil, ErrLogoutExpired
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], nil)
	if err != nil {
		return nil, ErrLogoutExpired
	}
	var l sealedEnd
	if err := json.Unmarshal(plain, &l); err != nil || !p.st.d.SSO.Now().Before(l.ExpiresAt) {
		return nil, ErrLogoutExpired
	}
	end := sso.EndSession(l)
	return &end, nil
}

// BackchannelEvent is the logout token's event (Back-Channel Logout §2.4).
const BackchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// LogoutTokenLifetime bounds a logout token: a site refuses older ones.
const LogoutTokenLifetime = 2 * time.Minute

// LogoutToken is the signed logout token of a back-channel logout: iss,
// aud (the site), iat, exp, jti, sub, sid and the event; typ logout+jwt
// so that it cannot pass for an ID token.
func (p *Provider) LogoutToken(ctx context.Context, l sso.Logout) (string, error) {
	k, err := p.st.d.Keys.Signing(ctx)
	if err != nil {
		return "", err
	}
	jti := make([]byte, 16)
	if _, err := io.ReadFull(rand.Reader, jti); err != nil {
		return "", err
	}
	now := p.st.d.SSO.Now()
	claims := &oidc.LogoutTokenClaims{Issuer: p.issuer, Subject: l.Subject, Audience: oidc.Audience{l.ClientID}, IssuedAt: oidc.FromTime(now),
		Expiration: oidc.FromTime(now.Add(LogoutTokenLifetime)), JWTID: base64.RawURLEncoding.EncodeToString(jti), SessionID: l.SID,
		Events: map[string]any{BackchannelEvent: struct{}{}}}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: k.Private, KeyID: k.ID, Algorithm: string(jose.RS256)}},
		(&jose.SignerOptions{}).WithType("logout+jwt"))
	if err != nil {
		return "", err
	}
	sig, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return sig.CompactSerialize()
}

// LogoutArgs is a back-channel logout's job.
type LogoutArgs struct {
	sso.Logout
}

// Kind implements river.JobArgs.
func (LogoutArgs) Kind() string { return "sso_backchannel_logout" }

// LogoutQueueName is the queue of back-channel logouts: a slow site
// delays no other job.
const LogoutQueueName = "sso_logout"

// InsertOpts sends back-channel logouts to their queue and gives up on a
// site after about a day of retries (River's backoff: attempt⁴ seconds).
func (LogoutArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: LogoutQueueName, MaxAttempts: 14}
}

// LogoutTimeout bounds one delivery of a logout token.
const LogoutTimeout = 10 * time.Second

// LogoutWorker delivers a logout token. The provider is set once it is
// built (the job runner exists before it).
type LogoutWorker struct {
	river.WorkerDefaults[LogoutArgs]
	Provider func() *Provider
	Client   *http.Client // nil: siteClient(LogoutTimeout)
}

// Timeout implements river.Worker.
func (w *LogoutWorker) Timeout(*river.Job[LogoutArgs]) time.Duration {
	return LogoutTimeout + 5*time.Second
}

// Work posts the logout token. A site that answers 2xx has ended its
// session; 400 says it refused the token (Back-Channel Logout §2.8), which
// a retry cannot mend; anything else is tried again later.
func (w *LogoutWorker) Work(ctx context.Context, job *river.Job[LogoutArgs]) error {
	p := w.Provider()
	if p == nil {
		return errors.New("oidcop: the provider is not built yet")
	}
	// The site as it is registered now: one disabled since, or without a
	// back-channel URI any more, is not told; a changed URI is used.
	c, err := p.st.d.SSO.Client(ctx, job.Args.ClientID)
	var ref *sso.Refusal
	switch {
	case errors.As(err, &ref):
		return river.JobCancel(fmt.Errorf("oidcop: %s is no longer a site in service", job.Args.ClientID))
	case err != nil:
		return err
	case c.BackchannelLogoutURI == "":
		return river.JobCancel(fmt.Errorf("oidcop: %s no longer takes back-channel logouts", job.Args.ClientID))
	}
	uri := c.BackchannelLogoutURI
	token, err := p.LogoutToken(ctx, job.Args.Logout)
	if err != nil {
		return err
	}
	client := w.Client
	if client == nil {
		client = siteClient(LogoutTimeout)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, uri, strings.NewReader(url.Values{"logout_token": {token}}.Encode()))
	if err != nil {
		return river.JobCancel(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		return nil
	case res.StatusCode == http.StatusBadRequest:
		return river.JobCancel(fmt.Errorf("oidcop: %s refused the logout token (400)", job.Args.ClientID))
	default:
		return fmt.Errorf("oidcop: %s answered the logout with %d", job.Args.ClientID, res.StatusCode)
	}
}

// Jobs registers back-channel logout with the job runner.
func Jobs(w *LogoutWorker) jobs.Registration {
	return func(r *jobs.Registry) {
		r.Queue(LogoutQueueName, 4)
		jobs.AddWorker(r, w)
	}
}

// JobQueue is sso's LogoutQueue on the job runner: the job joins the
// transaction in the context.
type JobQueue struct{ Runner *jobs.Runner }

// EnqueueLogout implements sso.LogoutQueue.
func (q JobQueue) EnqueueLogout(ctx context.Context, l sso.Logout) error {
	return q.Runner.Insert(ctx, LogoutArgs{Logout: l})
}
