package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/relyingparty"
)

// Store is what single sign-on needs from storage. Calls made with the
// context Transact passes commit together.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	// Subject returns the account's subject in the sector, keeping fresh
	// as it when it has none (unique in the sector).
	Subject(ctx context.Context, sector, accountID, fresh string, at time.Time) (string, error)
	CreateRequest(ctx context.Context, r *Request) error
	// Request returns the request with the ID; found is false when there
	// is none.
	Request(ctx context.Context, id string) (r *Request, found bool, err error)
	SaveRequest(ctx context.Context, r *Request) error
	// SaveCode keeps a code's hash for a request; false when the request
	// has a code already.
	SaveCode(ctx context.Context, hash []byte, requestID string, expires time.Time) (bool, error)
	// ConsumeCode marks the code used and returns its request; used says
	// it had been used before, found false that there is no such code.
	ConsumeCode(ctx context.Context, hash []byte, at time.Time) (requestID string, expires time.Time, used, found bool, err error)
	CreateGrant(ctx context.Context, g *Grant) error
	Grant(ctx context.Context, id string) (g *Grant, found bool, err error)
	// RevokeGrant revokes a grant that stands; false when it did not.
	RevokeGrant(ctx context.Context, id, reason string, at time.Time) (bool, error)
	CreateAccessToken(ctx context.Context, t *AccessToken) error
	AccessToken(ctx context.Context, id string) (t *AccessToken, found bool, err error)
	CreateRefreshToken(ctx context.Context, t *RefreshToken) error
	RefreshToken(ctx context.Context, hash []byte) (t *RefreshToken, found bool, err error)
	// RotateRefreshToken marks a refresh token used; false when it was
	// already (another use got there first).
	RotateRefreshToken(ctx context.Context, id string, at time.Time) (bool, error)
	// Consent returns the scopes the account consented to give the site.
	Consent(ctx context.Context, accountID, clientID string) ([]string, error)
	SaveConsent(ctx context.Context, accountID, clientID string, scopes []string, at time.Time) error
	// Consents returns every site's consent of the account;
	// DeleteConsent removes one, false when there was none.
	Consents(ctx context.Context, accountID string) ([]Consent, error)
	DeleteConsent(ctx context.Context, accountID, clientID string) (bool, error)
	// Grants returns the account's grants, newest first.
	Grants(ctx context.Context, accountID string) ([]Grant, error)
	// LiveGrantsOfSession returns the grants a kabinet session made that
	// stand.
	LiveGrantsOfSession(ctx context.Context, sessionID string) ([]Grant, error)
	// AfterCommit runs fn once the transaction in ctx commits (at once
	// without one; never after a rollback).
	AfterCommit(ctx context.Context, fn func())
	// UseAssertion remembers a site's client assertion until it expires;
	// false when the site used it before.
	UseAssertion(ctx context.Context, clientID, jti string, expires time.Time) (bool, error)
	AppendAudit(ctx context.Context, e *audit.Event) error
}

// Clients finds a registered site (relyingparty's store).
type Clients interface {
	Client(ctx context.Context, id string) (c relyingparty.Client, found bool, err error)
}

// Deps are single sign-on's collaborators.
type Deps struct {
	Store   Store
	Clients Clients
	Now     func() time.Time
	Rand    io.Reader // nil: crypto/rand
	// Logouts tells sites that registered a back-channel logout URI
	// when a citizen's sign-in there ends; nil tells none.
	Logouts LogoutQueue
}

// Service runs single sign-on's rules.
type Service struct {
	d Deps
	// revoked counts the grants this node revoked, once each commits: a
	// cache of what a token may see (userinfo's) is good only while it
	// has not moved since the cache read the token.
	revoked atomic.Uint64
}

// New returns the service.
func New(d Deps) *Service {
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	return &Service{d: d}
}

// Revocations is the count of grants this node revoked so far (see
// Service.revoked); another node's revocation is not counted, so a cache
// keyed on it must also expire.
func (s *Service) Revocations() uint64 { return s.revoked.Load() }

// MaxAssertionLife bounds how far ahead a site's client assertion may
// expire: the replay guard remembers each until then.
const MaxAssertionLife = time.Hour

// Assertion admits a site's client assertion (private_key_jwt, its
// signature checked by the caller) once: OpenID Connect Core §9 wants its
// jti used only once. Refusal invalid_client for a replay, a missing jti,
// or an expiry past, or more than MaxAssertionLife ahead.
func (s *Service) Assertion(ctx context.Context, clientID, jti string, expires time.Time) error {
	now := s.d.Now()
	switch {
	case jti == "" || len(jti) > 256:
		return refuse("invalid_client", "the client assertion needs a jti (at most 256 characters)")
	case !expires.After(now):
		return refuse("invalid_client", "the client assertion has expired")
	case expires.After(now.Add(MaxAssertionLife)):
		return refuse("invalid_client", "the client assertion expires more than an hour ahead")
	}
	fresh, err := s.d.Store.UseAssertion(ctx, clientID, jti, expires)
	if err != nil {
		return err
	}
	if !fresh {
		return refuse("invalid_client", "the client assertion was used before")
	}
	return nil
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.d.Now() }

// random is n random bytes in lower-case base32: IDs and tokens.
func (s *Service) random(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.d.Rand, b); err != nil {
		return "", err
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)), nil
}

// Hash is what is kept of a code or a refresh token.
func Hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Client returns a site that may sign citizens in: Refusal
// unauthorized_client for one unknown or disabled.
func (s *Service) Client(ctx context.Context, id string) (relyingparty.Client, error) {
	c, found, err := s.d.Clients.Client(ctx, id)
	if err != nil {
		return c, err
	}
	if !found || c.Disabled {
		return c, refuse("unauthorized_client", "the site is not registered or is disabled")
	}
	return c, nil
}

// Begin keeps a site's request once it passes kabinet's rules: PKCE with
// S256 (method is the request's code_challenge_method), the openid
// scope, no level above the site's highest. Scopes beyond the site's
// allowance are dropped. Refusals are *Refusal.
func (s *Service) Begin(ctx context.Context, r Request, method string) (*Request, error) {
	c, err := s.Client(ctx, r.ClientID)
	if err != nil {
		return nil, err
	}
	if r.CodeChallenge == "" || method != "S256" {
		return nil, refuse("invalid_request", "PKCE with code_challenge_method=S256 is required")
	}
	if !slices.Contains(r.Scopes, relyingparty.ScopeOpenID) {
		return nil, refuse("invalid_scope", "the openid scope is required")
	}
	if need := Required(r.ACRValues); need != "" && need.Rank() > c.MaxLevel.Rank() {
		return nil, refuse("invalid_request", "acr_values ask for a level above the site's highest, "+ACR(c.MaxLevel))
	}
	r.Scopes = c.Allowed(r.Scopes)
	if r.ID, err = s.random(20); err != nil {
		return nil, err
	}
	r.CreatedAt = s.d.Now()
	r.ExpiresAt = r.CreatedAt.Add(RequestLifetime)
	r.Done, r.AccountID, r.Subject, r.GrantID, r.Granted = false, "", "", "", nil
	if err := s.d.Store.CreateRequest(ctx, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Request returns a request still in time. NotFound
// "sso.request_expired" otherwise: the citizen starts again at the site.
func (s *Service) Request(ctx context.Context, id string) (*Request, error) {
	r, found, err := s.d.Store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	if !found || !s.d.Now().Before(r.ExpiresAt) {
		return nil, problem.New(problem.NotFound, "sso.request_expired")
	}
	return r, nil
}

// Citizen is who completes a request: their account, their session, when
// and how they signed in (the request's own password proof, when later,
// wins: Request.ProvedAt), and the level the account has.
type Citizen struct {
	AccountID string
	SessionID string
	AuthTime  time.Time
	AMR       []string
	Level     account.Level
}

// DataScopes are the scopes of a request that release personal data: what
// the consent screen lists.
func DataScopes(scopes []string) []string {
	var out []string
	for _, s := range scopes {
		if slices.Contains(relyingparty.DataScopes, s) || s == relyingparty.ScopeOfflineAccess {
			out = append(out, s)
		}
	}
	return out
}

// NeedsConsent reports whether the citizen must be asked: the request
// asks data (or to stay signed in) they have not agreed to give the site,
// or the site asked (prompt=consent).
func (s *Service) NeedsConsent(ctx context.Context, accountID string, r *Request) (bool, error) {
	if r.Prompts("consent") {
		return true, nil
	}
	asked := DataScopes(r.Scopes)
	given, err := s.d.Store.Consent(ctx, accountID, r.ClientID)
	if err != nil {
		return false, err
	}
	for _, sc := range asked {
		if !slices.Contains(given, sc) {
			return true, nil
		}
	}
	return false, nil
}

// Complete finishes a request for the citizen who consented to it: the
// site's subject for them, a grant of the request's scopes at their
// level, the consent kept. Conflict "sso.level_low" when their level is
// below what the site demands (they must raise it first). Audited
// sso.granted.
func (s *Service) Complete(ctx context.Context, id string, who Citizen) (*Request, error) {
	r, err := s.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Done {
		return r, nil
	}
	if need := Required(r.ACRValues); need != "" && !who.Level.Meets(need) {
		return nil, problem.New(problem.Conflict, "sso.level_low")
	}
	c, err := s.Client(ctx, r.ClientID)
	if err != nil {
		return nil, err
	}
	now := s.d.Now()
	grantID, err := s.random(20)
	if err != nil {
		return nil, err
	}
	fresh, err := s.random(20)
	if err != nil {
		return nil, err
	}
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		sub := who.AccountID
		if c.SubjectType != relyingparty.Public {
			if sub, err = s.d.Store.Subject(ctx, c.Sector, who.AccountID, fresh, now); err != nil {
				return err
			}
		}
		r.Done, r.AccountID, r.Subject, r.SessionID, r.AuthTime = true, who.AccountID, sub, who.SessionID, r.ProvedAt(who.AuthTime)
		r.AMR, r.Level, r.Granted, r.GrantID = who.AMR, who.Level, slices.Clone(r.Scopes), grantID
		g := &Grant{ID: grantID, ClientID: c.ID, AccountID: who.AccountID, Subject: sub, SessionID: who.SessionID, Scopes: r.Granted,
			Level: who.Level, AMR: who.AMR, AuthTime: r.AuthTime, CreatedAt: now}
		if err := s.d.Store.CreateGrant(ctx, g); err != nil {
			return err
		}
		if err := s.d.Store.SaveRequest(ctx, r); err != nil {
			return err
		}
		if data := DataScopes(r.Scopes); len(data) > 0 {
			given, err := s.d.Store.Consent(ctx, who.AccountID, c.ID)
			if err != nil {
				return err
			}
			for _, sc := range data {
				if !slices.Contains(given, sc) {
					given = append(given, sc)
				}
			}
			if err := s.d.Store.SaveConsent(ctx, who.AccountID, c.ID, given, now); err != nil {
				return err
			}
		}
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "sso.granted", ActorKind: audit.ActorCitizen, ActorID: who.AccountID,
			SubjectAccountID: who.AccountID, Details: map[string]string{"client_id": c.ID, "scopes": strings.Join(r.Granted, " "), "level": string(who.Level)}})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// SaveCode keeps the code the protocol library made for a completed
// request, for CodeLifetime; a request gets one code (Refusal
// invalid_request for a second).
func (s *Service) SaveCode(ctx context.Context, requestID, code string) error {
	r, err := s.Request(ctx, requestID)
	if err != nil {
		return err
	}
	if !r.Done {
		return refuse("invalid_request", "the request is not complete")
	}
	ok, err := s.d.Store.SaveCode(ctx, Hash(code), requestID, s.d.Now().Add(CodeLifetime))
	if err != nil {
		return err
	}
	if !ok {
		return refuse("invalid_request", "a code was issued for this request already")
	}
	return nil
}

// ByCode exchanges a code for its request: once, within CodeLifetime. A
// code used a second time revokes its grant — every token the first use
// issued (RFC 6749 §4.1.2). Refusal invalid_grant.
func (s *Service) ByCode(ctx context.Context, code string) (*Request, error) {
	now := s.d.Now()
	invalid := refuse("invalid_grant", "the code is unknown, used or expired")
	var r *Request
	err := s.d.Store.Transact(ctx, func(ctx context.Context) error {
		id, expires, used, found, err := s.d.Store.ConsumeCode(ctx, Hash(code), now)
		if err != nil || !found {
			return err
		}
		rq, ok, err := s.d.Store.Request(ctx, id)
		if err != nil || !ok {
			return err
		}
		if used {
			return s.revoke(ctx, rq.GrantID, RevokedCodeReused, now)
		}
		if now.Before(expires) {
			r = rq
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, invalid
	}
	if g, err := s.grant(ctx, r.GrantID); err != nil || !g.Live() {
		return nil, invalid
	}
	return r, nil
}

func (s *Service) grant(ctx context.Context, id string) (*Grant, error) {
	g, found, err := s.d.Store.Grant(ctx, id)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, refuse("invalid_grant", "no such grant")
	}
	return g, nil
}

// revoke revokes a grant and audits it, in the caller's transaction,
// and tells the site when it registered a back-channel logout URI —
// unless the site itself asked (tell false).
func (s *Service) revoke(ctx context.Context, grantID, reason string, now time.Time) error {
	g, found, err := s.d.Store.Grant(ctx, grantID)
	if err != nil || !found {
		return err
	}
	return s.end(ctx, g, reason, now, reason != RevokedBySite && reason != RevokedSiteLogout)
}

// end revokes a grant that stands, audits it and, when tell, queues the
// site's back-channel logout.
func (s *Service) end(ctx context.Context, g *Grant, reason string, now time.Time, tell bool) error {
	revoked, err := s.d.Store.RevokeGrant(ctx, g.ID, reason, now)
	if err != nil || !revoked {
		return err
	}
	s.d.Store.AfterCommit(ctx, func() { s.revoked.Add(1) })
	if tell {
		if err := s.tell(ctx, g); err != nil {
			return err
		}
	}
	return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "sso.revoked", ActorKind: audit.ActorSystem, SubjectAccountID: g.AccountID,
		Details: map[string]string{"client_id": g.ClientID, "reason": reason}})
}

// tell queues a back-channel logout of the grant's sign-in, when its
// site registered a URI for it.
func (s *Service) tell(ctx context.Context, g *Grant) error {
	if s.d.Logouts == nil {
		return nil
	}
	c, found, err := s.d.Clients.Client(ctx, g.ClientID)
	if err != nil || !found || c.BackchannelLogoutURI == "" {
		return err
	}
	return s.d.Logouts.EnqueueLogout(ctx, Logout{ClientID: c.ID, Subject: g.Subject, SID: g.ID})
}

// SessionsEnded ends the sign-ins at sites made with kabinet sessions that
// ended, in the caller's transaction: each site with a back-channel
// logout URI is told to end its own session. A grant with offline_access
// outlives a plain end (keepOffline: a sign-out, a lapse) — the citizen
// let the site act while they are away — but not one the citizen chose
// for that device (ended from another). Audited sso.revoked
// session_ended per grant.
func (s *Service) SessionsEnded(ctx context.Context, accountID string, sessionIDs []string, keepOffline bool) error {
	now := s.d.Now()
	for _, id := range sessionIDs {
		grants, err := s.d.Store.LiveGrantsOfSession(ctx, id)
		if err != nil {
			return err
		}
		for i := range grants {
			g := &grants[i]
			if g.AccountID != accountID {
				continue
			}
			if keepOffline && slices.Contains(g.Scopes, relyingparty.ScopeOfflineAccess) {
				// The site's session ends; its offline access stands.
				if err := s.tell(ctx, g); err != nil {
					return err
				}
				continue
			}
			if err := s.end(ctx, g, RevokedSessionEnded, now, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// AllSessionsEnded ends every sign-in at sites the account made but those
// of the kabinet session kept ("" for none), offline access included and
// however long ago its session ended: every other session ended for the
// account's security (a password changed or recovered, a contact change
// undone, access restored at a desk, the account erased, or the citizen
// ending all others). Each site is told; audited sso.revoked
// session_ended per grant.
func (s *Service) AllSessionsEnded(ctx context.Context, accountID, kept string) error {
	grants, err := s.d.Store.Grants(ctx, accountID)
	if err != nil {
		return err
	}
	now := s.d.Now()
	for i := range grants {
		if g := &grants[i]; g.Live() && (kept == "" || g.SessionID != kept) {
			if err := s.end(ctx, g, RevokedSessionEnded, now, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// MadeBy reports whether the sign-in a site's logout names (its hint's
// sid and subject) was made by this kabinet session of the account: then
// the logout may end that session without asking.
func (s *Service) MadeBy(ctx context.Context, end *EndSession, accountID, sessionID string) bool {
	if end.SID == "" {
		return false
	}
	g, found, err := s.d.Store.Grant(ctx, end.SID)
	return err == nil && found && g.AccountID == accountID && g.SessionID == sessionID && g.ClientID == end.ClientID && g.Subject == end.Subject
}

// SiteLogout ends a sign-in at the site's own request (RP-initiated
// logout with the ID token's sid): the grant is revoked unless it holds
// offline_access. Nothing happens for a grant of another site or
// account, or one already ended. The site is not told: it asked.
func (s *Service) SiteLogout(ctx context.Context, clientID, subject, sid string) error {
	return s.d.Store.Transact(ctx, func(ctx context.Context) error {
		g, found, err := s.d.Store.Grant(ctx, sid)
		if err != nil || !found || g.ClientID != clientID || g.Subject != subject || !g.Live() ||
			slices.Contains(g.Scopes, relyingparty.ScopeOfflineAccess) {
			return err
		}
		return s.end(ctx, g, RevokedSiteLogout, s.d.Now(), false)
	})
}

// Revoke revokes a grant: every token issued from it stops working.
// Audited sso.revoked with the reason.
func (s *Service) Revoke(ctx context.Context, grantID, reason string) error {
	return s.d.Store.Transact(ctx, func(ctx context.Context) error { return s.revoke(ctx, grantID, reason, s.d.Now()) })
}

// Tokens issues an access token for a grant that stands and, when it
// grants offline_access, a refresh token (returned as its value: only its
// hash is kept).
func (s *Service) Tokens(ctx context.Context, grantID string, scopes []string) (*AccessToken, string, error) {
	var at *AccessToken
	var refresh string
	err := s.d.Store.Transact(ctx, func(ctx context.Context) error {
		g, err := s.grant(ctx, grantID)
		if err != nil {
			return err
		}
		if !g.Live() {
			return refuse("invalid_grant", "the grant was revoked")
		}
		at, refresh, err = s.tokens(ctx, g, scopes, "")
		return err
	})
	return at, refresh, err
}

// tokens issues them in the caller's transaction; parent is the refresh
// token replaced, "" for the code exchange.
func (s *Service) tokens(ctx context.Context, g *Grant, scopes []string, parent string) (*AccessToken, string, error) {
	now := s.d.Now()
	scopes = slices.DeleteFunc(slices.Clone(scopes), func(sc string) bool { return !slices.Contains(g.Scopes, sc) })
	id, err := s.random(20)
	if err != nil {
		return nil, "", err
	}
	at := &AccessToken{ID: id, GrantID: g.ID, Scopes: scopes, CreatedAt: now, ExpiresAt: now.Add(AccessLifetime)}
	if err := s.d.Store.CreateAccessToken(ctx, at); err != nil {
		return nil, "", err
	}
	if !slices.Contains(g.Scopes, relyingparty.ScopeOfflineAccess) {
		return at, "", nil
	}
	value, err := s.random(32)
	if err != nil {
		return nil, "", err
	}
	rid, err := s.random(20)
	if err != nil {
		return nil, "", err
	}
	rt := &RefreshToken{ID: rid, Hash: Hash(value), GrantID: g.ID, Parent: parent, Scopes: g.Scopes, CreatedAt: now, ExpiresAt: now.Add(RefreshLifetime)}
	if err := s.d.Store.CreateRefreshToken(ctx, rt); err != nil {
		return nil, "", err
	}
	return at, value, nil
}

// Refreshing returns the refresh token and its grant, to be rotated
// (Rotate). A token used before is a stolen copy or a replay: the grant
// is revoked. Refusal invalid_grant.
func (s *Service) Refreshing(ctx context.Context, token string) (*RefreshToken, *Grant, error) {
	invalid := refuse("invalid_grant", "the refresh token is unknown, used, expired or revoked")
	rt, found, err := s.d.Store.RefreshToken(ctx, Hash(token))
	if err != nil {
		return nil, nil, err
	}
	if !found {
		return nil, nil, invalid
	}
	if !rt.RotatedAt.IsZero() {
		if err := s.Revoke(ctx, rt.GrantID, RevokedRefreshReused); err != nil {
			return nil, nil, err
		}
		return nil, nil, invalid
	}
	g, err := s.grant(ctx, rt.GrantID)
	if err != nil {
		return nil, nil, err
	}
	if !g.Live() || !s.d.Now().Before(rt.ExpiresAt) {
		return nil, nil, invalid
	}
	return rt, g, nil
}

// Rotate uses a refresh token (Refreshing) once: a new access token and
// a new refresh token. When another use got there first, the grant is
// revoked. Refusal invalid_grant.
func (s *Service) Rotate(ctx context.Context, rt *RefreshToken, scopes []string) (*AccessToken, string, error) {
	var at *AccessToken
	var next string
	reused := false
	err := s.d.Store.Transact(ctx, func(ctx context.Context) error {
		ok, err := s.d.Store.RotateRefreshToken(ctx, rt.ID, s.d.Now())
		if err != nil {
			return err
		}
		if !ok {
			reused = true
			return s.revoke(ctx, rt.GrantID, RevokedRefreshReused, s.d.Now())
		}
		g, err := s.grant(ctx, rt.GrantID)
		if err != nil {
			return err
		}
		if !g.Live() {
			return refuse("invalid_grant", "the grant was revoked")
		}
		at, next, err = s.tokens(ctx, g, scopes, rt.ID)
		return err
	})
	if err == nil && reused {
		err = refuse("invalid_grant", "the refresh token was used already")
	}
	return at, next, err
}

// Access returns a live access token and its grant: Refusal
// invalid_token for one unknown, expired or revoked.
func (s *Service) Access(ctx context.Context, id string) (*AccessToken, *Grant, error) {
	invalid := refuse("invalid_token", "the access token is unknown, expired or revoked")
	if id == "" {
		return nil, nil, invalid
	}
	at, found, err := s.d.Store.AccessToken(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !found || !s.d.Now().Before(at.ExpiresAt) {
		return nil, nil, invalid
	}
	g, err := s.grant(ctx, at.GrantID)
	if err != nil {
		return nil, nil, err
	}
	if !g.Live() {
		return nil, nil, invalid
	}
	return at, g, nil
}

// RefreshInfo returns a refresh token's record and grant without using it
// (revocation asks whose it is); found is false for a token kabinet did
// not issue.
func (s *Service) RefreshInfo(ctx context.Context, token string) (*RefreshToken, *Grant, bool, error) {
	rt, found, err := s.d.Store.RefreshToken(ctx, Hash(token))
	if err != nil || !found {
		return nil, nil, false, err
	}
	g, err := s.grant(ctx, rt.GrantID)
	if err != nil {
		return nil, nil, false, err
	}
	return rt, g, true, nil
}

// GrantOf returns a grant, revoked or not.
func (s *Service) GrantOf(ctx context.Context, grantID string) (*Grant, error) {
	return s.grant(ctx, grantID)
}

// Released records, in «Кто смотрел мои данные», that a site received
// the citizen's data of the scopes fields (audit sso.data_released, by the
// site).
func (s *Service) Released(ctx context.Context, accountID, clientID string, fields []string) error {
	if len(fields) == 0 {
		return nil
	}
	return s.d.Store.AppendAudit(ctx, &audit.Event{At: s.d.Now(), Action: "sso.data_released", ActorKind: audit.ActorSite, ActorID: clientID,
		SubjectAccountID: accountID, Details: map[string]string{"client_id": clientID, "fields": strings.Join(fields, " ")}})
}

// Consent is what a citizen agreed a site may receive.
type Consent struct {
	ClientID string
	Scopes   []string
	GivenAt  time.Time
}

// Permission is a site a citizen let in («Мои разрешения»): the data it
// may receive, since when, its last sign-in, and whether a sign-in there
// still stands (the site may still use its tokens).
type Permission struct {
	Site       relyingparty.Client
	Scopes     []string
	GivenAt    time.Time
	LastSignIn time.Time
	Live       bool
}

// Permissions returns the sites the citizen let in — those they consented
// to give data and those they signed in to — newest first.
func (s *Service) Permissions(ctx context.Context, accountID string) ([]Permission, error) {
	ps := s.d.Store
	consents, err := ps.Consents(ctx, accountID)
	if err != nil {
		return nil, err
	}
	grants, err := ps.Grants(ctx, accountID)
	if err != nil {
		return nil, err
	}
	byClient := map[string]*Permission{}
	var order []string
	get := func(id string) *Permission {
		if p, ok := byClient[id]; ok {
			return p
		}
		p := &Permission{}
		byClient[id] = p
		order = append(order, id)
		return p
	}
	for _, g := range grants {
		p := get(g.ClientID)
		if g.CreatedAt.After(p.LastSignIn) {
			p.LastSignIn = g.CreatedAt
		}
		p.Live = p.Live || g.Live()
	}
	for _, c := range consents {
		p := get(c.ClientID)
		p.Scopes, p.GivenAt = c.Scopes, c.GivenAt
	}
	var out []Permission
	for _, id := range order {
		c, found, err := s.d.Clients.Client(ctx, id)
		if err != nil {
			return nil, err
		}
		if !found {
			c = relyingparty.Client{ID: id, Name: relyingparty.Text{RU: id}}
		}
		p := byClient[id]
		p.Site = c
		out = append(out, *p)
	}
	latest := func(p Permission) time.Time {
		if p.LastSignIn.After(p.GivenAt) {
			return p.LastSignIn
		}
		return p.GivenAt
	}
	slices.SortStableFunc(out, func(a, b Permission) int { return latest(b).Compare(latest(a)) })
	return out, nil
}

// Withdraw ends what the citizen gave a site: the consent goes, and every
// sign-in there that stands is revoked, so that its tokens stop. NotFound
// "sso.permission_not_found" when there was nothing to withdraw. Audited
// sso.withdrawn by the citizen.
func (s *Service) Withdraw(ctx context.Context, accountID, clientID string) error {
	ps, now := s.d.Store, s.d.Now()
	return s.d.Store.Transact(ctx, func(ctx context.Context) error {
		had, err := ps.DeleteConsent(ctx, accountID, clientID)
		if err != nil {
			return err
		}
		grants, err := ps.Grants(ctx, accountID)
		if err != nil {
			return err
		}
		revoked := 0
		for _, g := range grants {
			if g.ClientID != clientID || !g.Live() {
				continue
			}
			if err := s.end(ctx, &g, RevokedByCitizen, now, true); err != nil {
				return err
			}
			revoked++
		}
		if !had && revoked == 0 {
			return problem.New(problem.NotFound, "sso.permission_not_found")
		}
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "sso.withdrawn", ActorKind: audit.ActorCitizen, ActorID: accountID,
			SubjectAccountID: accountID, Details: map[string]string{"client_id": clientID, "sign_ins_ended": strconv.Itoa(revoked)}})
	})
}

// Reauthenticated records that the citizen proved their password again
// for the request (the caller checked it).
func (s *Service) Reauthenticated(ctx context.Context, id string) error {
	r, err := s.Request(ctx, id)
	if err != nil {
		return err
	}
	r.ReauthAt = s.d.Now()
	return s.d.Store.SaveRequest(ctx, r)
}
