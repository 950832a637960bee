// Package sso holds the rules of single sign-on (issue 15, SPEC.md §10):
// kabinet as an OpenID Connect provider for the e-government sites of
// internal/relyingparty. The protocol itself — parsing, the exact
// redirect URI, PKCE's arithmetic, client authentication, tokens' and
// discovery's shapes — is the protocol library's, in the adapter
// (internal/oidcop); what kabinet decides is here:
//
//   - a request needs PKCE with S256 and the openid scope, answers in the
//     query only, and asks no more than the site is allowed: other scopes
//     are dropped, a level above the site's highest refused (Begin);
//   - the account level is released as acr, one URI per level (ACR), and
//     a site's acr_values are the level the citizen must reach (Required);
//   - a code lives 60 seconds and works once: a second use revokes all the
//     first one issued (Grant, ConsumeCode);
//   - refresh tokens rotate, and a rotated one used again revokes the
//     grant (Refresh);
//   - each site sees a subject of its own sector (pairwise) unless an
//     administrator made it public (Subject).
//
// sso imports account, audit, contact, document, problem, profile and
// relyingparty.
package sso

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/account"
)

// Lifetimes.
const (
	// RequestLifetime is how long a citizen has to sign in, raise their
	// level and consent before the site must start again.
	RequestLifetime = 30 * time.Minute
	// CodeLifetime is an authorization code's (the issue: at most 60 s).
	CodeLifetime = 60 * time.Second
	// AccessLifetime is an access token's: userinfo answers it that long.
	AccessLifetime = 10 * time.Minute
	// RefreshLifetime is how long a refresh token may wait to be used;
	// each use gives a new one.
	RefreshLifetime = 30 * 24 * time.Hour
)

// ACRPrefix begins the acr of every level: urn:kabinet:loa:simplified,
// …:standard, …:confirmed (docs/sso.md).
const ACRPrefix = "urn:kabinet:loa:"

// ACR is the acr a level is released as.
func ACR(l account.Level) string { return ACRPrefix + string(l) }

// LevelOf is the level of an acr; false for one kabinet does not issue.
func LevelOf(acr string) (account.Level, bool) {
	l := account.Level(strings.TrimPrefix(acr, ACRPrefix))
	if !strings.HasPrefix(acr, ACRPrefix) || l.Rank() == 0 {
		return "", false
	}
	return l, true
}

// Required is the level a request's acr_values demand: the lowest of the
// levels named (any of them satisfies the site, as OpenID Connect reads
// the list), "" when none is kabinet's.
func Required(acrValues []string) account.Level {
	var need account.Level
	for _, v := range acrValues {
		if l, ok := LevelOf(v); ok && (need == "" || l.Rank() < need.Rank()) {
			need = l
		}
	}
	return need
}

// Request is an authorization request as a site sent it (once the
// protocol library checked it) and, when the citizen is through, what was
// decided: who, at what level, which scopes.
type Request struct {
	ID          string   `json:"id"`
	ClientID    string   `json:"client_id"`
	RedirectURI string   `json:"redirect_uri"`
	Scopes      []string `json:"scopes"` // asked, within the site's allowance
	State       string   `json:"state"`
	Nonce       string   `json:"nonce"`
	// CodeChallenge is PKCE's, S256 (the only method accepted).
	CodeChallenge string    `json:"code_challenge"`
	Prompt        []string  `json:"prompt,omitempty"`  // none, login, consent
	MaxAge        *int      `json:"max_age,omitempty"` // seconds; 0 with prompt=login
	LoginHint     string    `json:"login_hint,omitempty"`
	UILocales     []string  `json:"ui_locales,omitempty"`
	ACRValues     []string  `json:"acr_values,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	ExpiresAt     time.Time `json:"expires_at"`
	// ReauthAt is when the citizen proved their password again for this
	// request (prompt=login, max_age); zero until then.
	ReauthAt time.Time `json:"reauth_at,omitzero"`

	// Done: the citizen signed in (at AuthTime, by AMR), reached ACR and
	// consented to Granted; the grant is GrantID.
	Done      bool          `json:"done,omitempty"`
	AccountID string        `json:"account_id,omitempty"`
	Subject   string        `json:"subject,omitempty"`
	SessionID string        `json:"session_id,omitempty"`
	AuthTime  time.Time     `json:"auth_time,omitzero"`
	AMR       []string      `json:"amr,omitempty"`
	Level     account.Level `json:"level,omitempty"`
	Granted   []string      `json:"granted,omitempty"`
	GrantID   string        `json:"grant_id,omitempty"`
}

// ProvedAt is when the citizen last proved their password for the
// request: at the session's last sign-in (passwordAt) or again for it.
func (r *Request) ProvedAt(passwordAt time.Time) time.Time {
	if r.ReauthAt.After(passwordAt) {
		return r.ReauthAt
	}
	return passwordAt
}

// NeedsReauth reports whether the site wants a fresher sign-in than the
// session's: max_age seconds since the password was proved (prompt=login
// is max_age 0), unless it was proved again during this very request.
func (r *Request) NeedsReauth(passwordAt, now time.Time) bool {
	if r.MaxAge == nil {
		return false
	}
	at := r.ProvedAt(passwordAt)
	if !at.Before(r.CreatedAt) {
		return false
	}
	return now.Sub(at) > time.Duration(*r.MaxAge)*time.Second
}

// Prompts reports whether the request asked prompt p.
func (r *Request) Prompts(p string) bool { return slices.Contains(r.Prompt, p) }

// Grant is what a citizen gave a site in one completed request: the
// family of every token issued from it, revoked together.
type Grant struct {
	ID        string
	ClientID  string
	AccountID string
	Subject   string
	SessionID string
	Scopes    []string
	Level     account.Level
	AMR       []string
	AuthTime  time.Time
	CreatedAt time.Time
	RevokedAt time.Time // zero while it stands
	Reason    string    // why it was revoked
}

// Live reports whether the grant stands.
func (g *Grant) Live() bool { return g.RevokedAt.IsZero() }

// AccessToken is an access token's record: opaque to the site, looked up
// by ID at userinfo and introspection.
type AccessToken struct {
	ID        string
	GrantID   string
	Scopes    []string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// RefreshToken is a refresh token's record, kept by its hash; Parent is
// the one it replaced.
type RefreshToken struct {
	ID        string
	Hash      []byte
	GrantID   string
	Parent    string
	Scopes    []string
	CreatedAt time.Time
	ExpiresAt time.Time
	RotatedAt time.Time // zero until used
}

// Reasons a grant is revoked, kept with it and in the audit log.
const (
	RevokedCodeReused    = "code_reused"
	RevokedRefreshReused = "refresh_reused"
	RevokedByCitizen     = "citizen"
	RevokedBySite        = "site"
	RevokedSignedOut     = "signed_out"
	// RevokedSessionEnded: the kabinet session the citizen signed in
	// with ended (signed out, ended from another device, a password
	// change); RevokedSiteLogout: the site itself signed the citizen out
	// (RP-initiated logout).
	RevokedSessionEnded = "session_ended"
	RevokedSiteLogout   = "site_logout"
)

// Logout is a back-channel logout owed to a site (OpenID Connect
// Back-Channel Logout 1.0): the citizen's sign-in there, SID, ended, and
// the site should end its own session of Subject. Where to post it is the
// site's registration when it is sent.
type Logout struct {
	ClientID string `json:"client_id"`
	Subject  string `json:"sub"`
	SID      string `json:"sid"` // the grant's ID: the ID token's sid
}

// EndSession is a site's request to sign the citizen out (RP-initiated
// logout), as kabinet's logout page reads it.
type EndSession struct {
	ClientID string
	// Subject and SID are the ID token hint's: the citizen as the site
	// knows them and the sign-in (the grant) the site ends. Empty without
	// a hint.
	Subject, SID string
	// Redirect is where to return: the registered post-logout URI the site
	// named (with its state), or kabinet's home page.
	Redirect  string
	ExpiresAt time.Time
}

// LogoutQueue sends back-channel logouts: EnqueueLogout joins the
// caller's transaction, so that a site is told exactly when the end of
// its sign-in commits.
type LogoutQueue interface {
	EnqueueLogout(ctx context.Context, l Logout) error
}

// Refusal is a request refused in OAuth's terms: Code is the error code a
// site receives (invalid_request, invalid_scope, login_required,
// consent_required, interaction_required, access_denied,
// unmet_authentication_requirements, invalid_grant), Description says
// why, in English, for the site's developers.
type Refusal struct {
	Code        string
	Description string
}

func (r *Refusal) Error() string { return r.Code + ": " + r.Description }

func refuse(code, description string) *Refusal { return &Refusal{Code: code, Description: description} }
