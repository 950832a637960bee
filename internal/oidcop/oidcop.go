// Package oidcop is kabinet's OpenID Connect provider (issue 15): the
// protocol, by zitadel/oidc's op package (decision 21), over single
// sign-on's rules (internal/sso) and the registered sites
// (internal/relyingparty). The library parses requests, checks the exact
// redirect URI and PKCE's verifier, authenticates sites, and shapes the
// tokens, discovery and JWKS; its storage is this package's adapter,
// which hands every decision to sso and turns sso's refusals into OAuth
// errors. kabinet's pages (internal/web) sign the citizen in, raise the
// level and ask consent, then answer the site through Respond or Refuse.
package oidcop

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/relyingparty"
	"github.com/kabinet/kabinet/internal/sso"
)

// Claims releases a citizen's verified data for the scopes of a token:
// the claims, and the scopes whose data it released (for the ledger).
type Claims interface {
	Claims(ctx context.Context, accountID, clientID string, scopes []string) (claims map[string]any, released []string, err error)
}

// Deps are the provider's collaborators.
type Deps struct {
	SSO  *sso.Service
	Keys *sso.Keys
	// Issuer is the provider's URL: the portal's base URL and /oidc.
	Issuer string
	// TokenKey encrypts the opaque access tokens' IDs (32 bytes).
	TokenKey []byte
	// LoginURL is kabinet's page a request continues at.
	LoginURL func(requestID string) string
	// LogoutURL is kabinet's page a site's logout continues at, with the
	// request sealed (OpenLogout reads it); Home is where a logout returns
	// when the site named no post-logout URI.
	LogoutURL func(sealed string) string
	Home      string
	Claims    Claims // nil: userinfo releases the subject alone
	// CacheTTL is how long a node keeps a token's userinfo answer (0:
	// none); see userinfo.go.
	CacheTTL time.Duration
}

// Provider is the OpenID Connect provider.
type Provider struct {
	op      *op.Provider
	st      *storage
	issuer  string
	answers answerCache // userinfo's (userinfo.go)
}

// New builds the provider. An http issuer is allowed for a loopback or
// development deployment.
func New(d Deps) (*Provider, error) {
	if len(d.TokenKey) < 32 {
		return nil, errors.New("oidcop: the token key needs 32 bytes")
	}
	st := &storage{d: d, keys: newSiteKeys(d.SSO.Now)}
	conf := &op.Config{
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		AuthMethodPrivateKeyJWT:  true,
		GrantTypeRefreshToken:    true,
		SupportedUILocales:       []language.Tag{language.Russian, language.English},
		SupportedScopes:          relyingparty.Scopes,
		DefaultLogoutRedirectURI: d.Home,
	}
	copy(conf.CryptoKey[:], d.TokenKey)
	opts := []op.Option{}
	if strings.HasPrefix(d.Issuer, "http://") {
		opts = append(opts, op.WithAllowInsecure())
	}
	p, err := op.NewProvider(conf, st, op.StaticIssuer(d.Issuer), opts...)
	if err != nil {
		return nil, err
	}
	return &Provider{op: p, st: st, issuer: d.Issuer}, nil
}

// Handler serves the protocol's endpoints under the issuer's path (mount
// it with that prefix stripped): discovery (with kabinet's additions),
// JWKS, authorize, token, userinfo, introspection, revocation, end_session.
func (p *Provider) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.Handle("/", p.guard(p.op))
	return mux
}

// guard adds what the library leaves out: no caching of any answer that
// carries a token or a citizen's data (RFC 6749 §5.1), and, at the token
// endpoint, a site authenticating only the way it registered — a site of
// client_secret_basic may not send its secret in the form, nor one of
// keys a secret at all — and a client assertion used once only; the same
// at introspection and revocation, whose credentials come only in a POST's
// body or header.
func (p *Provider) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/oauth/token", "/userinfo", "/oauth/introspect", "/revoke":
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Pragma", "no-cache")
		}
		if r.URL.Path == "/userinfo" {
			// A token may come in the header or a POST's form (RFC 6750 §2).
			sent := r.Header.Get("Authorization") != "" || r.Method == http.MethodPost
			p.userinfo(&bearerChallenge{ResponseWriter: w, sent: sent}, r, next)
			return
		}
		switch r.URL.Path {
		case "/oauth/token", "/oauth/introspect", "/revoke":
			// The library reads credentials from the query too and takes
			// any method: a site's secret or assertion belongs in a POST's
			// body (RFC 6749 §2.3.1, §3.2), where the checks below see it.
			if r.Method == http.MethodOptions { // a browser's CORS preflight: the library's
				break
			}
			if r.Method != http.MethodPost || r.URL.RawQuery != "" {
				refuseClient(w, http.StatusBadRequest, "invalid_request", "POST the request, with nothing in the query")
				return
			}
			if err := r.ParseForm(); err != nil {
				refuseClient(w, http.StatusBadRequest, "invalid_request", "the form is unreadable")
				return
			}
			msg := p.methodMismatch(r)
			if a := r.PostForm.Get("client_assertion"); msg == "" && a != "" {
				var err error
				if msg, err = p.checkAssertion(r.Context(), strings.TrimSpace(r.PostForm.Get("client_id")), a); err != nil {
					refuseClient(w, http.StatusInternalServerError, "server_error", "the client assertion could not be checked")
					return
				}
			}
			if msg != "" {
				refuseClient(w, http.StatusUnauthorized, "invalid_client", msg)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// refuseClient answers a request the guard refuses, as an OAuth error.
func refuseClient(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
}

// bearerChallenge answers userinfo's refusals as RFC 6750 §3 wants (and
// OpenID Connect Core §5.3.3 points to): 401 with a WWW-Authenticate
// challenge. The library answers a token it cannot use with 403 and no
// challenge, which relying-party libraries take for a broken server.
// A request that sent no token gets the bare challenge (§3.1: no error
// code).
type bearerChallenge struct {
	http.ResponseWriter
	sent bool // the request carried a token
}

func (b *bearerChallenge) WriteHeader(code int) {
	if code == http.StatusForbidden || code == http.StatusUnauthorized {
		challenge := `Bearer error="invalid_token", error_description="the access token is unknown, expired or revoked"`
		if !b.sent {
			challenge = `Bearer realm="kabinet"`
		}
		b.Header().Set("WWW-Authenticate", challenge)
		code = http.StatusUnauthorized
	}
	b.ResponseWriter.WriteHeader(code)
}

// methodMismatch says how a token request's client authentication differs
// from the site's registered method; "" when it does not (or the site is
// unknown: the library refuses that).
func (p *Provider) methodMismatch(r *http.Request) string {
	id, _, basic := r.BasicAuth()
	used := relyingparty.SecretBasic
	switch {
	case basic:
		if u, err := url.QueryUnescape(id); err == nil {
			id = u
		}
	case r.PostForm.Get("client_assertion") != "":
		used, id = relyingparty.PrivateKeyJWT, r.PostForm.Get("client_id")
	case r.PostForm.Get("client_secret") != "":
		used, id = relyingparty.SecretPost, r.PostForm.Get("client_id")
	default:
		return ""
	}
	c, err := p.st.d.SSO.Client(r.Context(), id)
	if err != nil || id == "" {
		return ""
	}
	if c.AuthMethod != used {
		return "the site is registered to authenticate with " + string(c.AuthMethod) + ", not " + string(used)
	}
	return ""
}

// ACRValues are the acr values the provider issues, lowest first.
func ACRValues() []string {
	return []string{sso.ACR(account.Simplified), sso.ACR(account.Standard), sso.ACR(account.Confirmed)}
}

// discovery is the library's document with what it cannot know: pairwise
// subjects, the acr values, back-channel logout, and only the grants,
// client authentication and claims kabinet serves.
func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	ctx := op.ContextWithIssuer(r.Context(), p.issuer)
	c := op.CreateDiscoveryConfig(ctx, p.op, p.st)
	c.SubjectTypesSupported = []string{string(relyingparty.Pairwise), string(relyingparty.Public)}
	c.ACRValuesSupported = ACRValues()
	c.GrantTypesSupported = []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
	c.ResponseTypesSupported = []string{string(oidc.ResponseTypeCode)}
	c.ResponseModesSupported = []string{string(oidc.ResponseModeQuery)}
	c.CodeChallengeMethodsSupported = []oidc.CodeChallengeMethod{oidc.CodeChallengeMethodS256}
	c.RequestURIParameterSupported = false
	c.BackChannelLogoutSupported, c.BackChannelLogoutSessionSupported = true, true
	// What a registration may use: no public clients ("none"), no device
	// flow; assertions signed as AssertionAlgorithms allow.
	c.DeviceAuthorizationEndpoint = ""
	methods := []oidc.AuthMethod{oidc.AuthMethodBasic, oidc.AuthMethodPost, oidc.AuthMethodPrivateKeyJWT}
	c.TokenEndpointAuthMethodsSupported, c.RevocationEndpointAuthMethodsSupported = methods, methods
	var algs []string
	for _, a := range AssertionAlgorithms {
		algs = append(algs, string(a))
	}
	c.TokenEndpointAuthSigningAlgValuesSupported, c.RevocationEndpointAuthSigningAlgValuesSupported = algs, algs
	c.IntrospectionEndpointAuthSigningAlgValuesSupported = algs
	// The claims kabinet issues: the ID token's, and userinfo's (docs/sso.md).
	c.ClaimsSupported = []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid", "azp", "at_hash",
		"verified_claims", "email", "email_verified", "phone_number", "phone_number_verified"}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_ = json.NewEncoder(w).Encode(c)
}

// Respond answers the site for a completed request: a code to its
// redirect URI.
func (p *Provider) Respond(w http.ResponseWriter, r *http.Request, req *sso.Request) {
	r = r.WithContext(op.ContextWithIssuer(r.Context(), p.issuer))
	op.AuthResponse(&authRequest{req}, p.op, w, r)
}

// Refuse answers the site that its request ended without a sign-in: the
// OAuth error code (login_required, consent_required,
// interaction_required, access_denied, unmet_authentication_requirements)
// and why, to its redirect URI.
func (p *Provider) Refuse(w http.ResponseWriter, r *http.Request, req *sso.Request, code, description string) {
	r = r.WithContext(op.ContextWithIssuer(r.Context(), p.issuer))
	op.AuthRequestError(w, r, &authRequest{req}, errorOf(code, description), p.op)
}

// errorOf is an OAuth error of the code (the library's type of codes is
// unexported: each is named here).
func errorOf(code, description string) *oidc.Error {
	var e *oidc.Error
	switch code {
	case "invalid_request":
		e = oidc.ErrInvalidRequest()
	case "invalid_scope":
		e = oidc.ErrInvalidScope()
	case "unauthorized_client":
		e = oidc.ErrUnauthorizedClient()
	case "invalid_grant":
		e = oidc.ErrInvalidGrant()
	case "login_required":
		e = oidc.ErrLoginRequired()
	case "interaction_required":
		e = oidc.ErrInteractionRequired()
	case "access_denied":
		e = oidc.ErrAccessDenied()
	case "consent_required":
		e = &oidc.Error{ErrorType: "consent_required"}
	case "unmet_authentication_requirements":
		e = &oidc.Error{ErrorType: "unmet_authentication_requirements"}
	case "invalid_token":
		e = &oidc.Error{ErrorType: "invalid_token"}
	default:
		e = oidc.ErrServerError()
	}
	e.Description = description
	return e
}

// oauthError turns sso's refusals into the library's errors; anything
// else stays as it is (a server error).
func oauthError(err error) error {
	var ref *sso.Refusal
	if errors.As(err, &ref) {
		return errorOf(ref.Code, ref.Description).WithParent(err)
	}
	return err
}

// authRequest is sso's request as the library sees it.
type authRequest struct{ r *sso.Request }

func (a *authRequest) GetID() string { return a.r.ID }
func (a *authRequest) GetACR() string {
	if a.r.Level == "" {
		return ""
	}
	return sso.ACR(a.r.Level)
}
func (a *authRequest) GetAMR() []string       { return a.r.AMR }
func (a *authRequest) GetAudience() []string  { return []string{a.r.ClientID} }
func (a *authRequest) GetAuthTime() time.Time { return a.r.AuthTime }
func (a *authRequest) GetClientID() string    { return a.r.ClientID }
func (a *authRequest) GetNonce() string       { return a.r.Nonce }
func (a *authRequest) GetRedirectURI() string { return a.r.RedirectURI }
func (a *authRequest) GetState() string       { return a.r.State }
func (a *authRequest) GetSubject() string     { return a.r.Subject }
func (a *authRequest) Done() bool             { return a.r.Done }
func (a *authRequest) GetResponseMode() oidc.ResponseMode {
	return oidc.ResponseModeQuery
}
func (a *authRequest) GetResponseType() oidc.ResponseType { return oidc.ResponseTypeCode }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	return &oidc.CodeChallenge{Challenge: a.r.CodeChallenge, Method: oidc.CodeChallengeMethodS256}
}
func (a *authRequest) GetScopes() []string {
	if a.r.Done {
		return a.r.Granted
	}
	return a.r.Scopes
}

// refreshRequest is a refresh token being used, as the library sees it.
type refreshRequest struct {
	rt     *sso.RefreshToken
	g      *sso.Grant
	scopes []string
}

func (x *refreshRequest) GetAMR() []string             { return x.g.AMR }
func (x *refreshRequest) GetAudience() []string        { return []string{x.g.ClientID} }
func (x *refreshRequest) GetAuthTime() time.Time       { return x.g.AuthTime }
func (x *refreshRequest) GetClientID() string          { return x.g.ClientID }
func (x *refreshRequest) GetScopes() []string          { return x.scopes }
func (x *refreshRequest) GetSubject() string           { return x.g.Subject }
func (x *refreshRequest) SetCurrentScopes(sc []string) { x.scopes = sc }

// client is a registered site as the library sees it; login is where a
// request of it continues (Deps.LoginURL).
type client struct {
	c     relyingparty.Client
	login func(string) string
}

func (c *client) GetID() string                       { return c.c.ID }
func (c *client) RedirectURIs() []string              { return c.c.RedirectURIs }
func (c *client) PostLogoutRedirectURIs() []string    { return c.c.PostLogoutURIs }
func (c *client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *client) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethod(c.c.AuthMethod) }
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) LoginURL(id string) string            { return c.login(id) }
func (c *client) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (c *client) IDTokenLifetime() time.Duration       { return sso.IDTokenLifetime }
func (c *client) DevMode() bool                        { return false }
func (c *client) IsScopeAllowed(scope string) bool     { return c.c.Allows(scope) }
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c *client) ClockSkew() time.Duration             { return 0 }
func (c *client) GrantTypes() []oidc.GrantType {
	g := []oidc.GrantType{oidc.GrantTypeCode}
	if c.c.Allows(relyingparty.ScopeOfflineAccess) {
		g = append(g, oidc.GrantTypeRefreshToken)
	}
	return g
}

// RestrictAdditionalIdTokenScopes keeps personal data out of ID tokens:
// the data is released at userinfo alone, where each release is recorded.
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func([]string) []string { return []string{oidc.ScopeOpenID} }
}

func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// signingKey and publicKey are sso's keys as the library sees them.
type signingKey struct{ k sso.Key }

func (s signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (s signingKey) Key() any                                    { return s.k.Private }
func (s signingKey) ID() string                                  { return s.k.ID }

type publicKey struct{ k sso.Key }

func (p publicKey) ID() string                         { return p.k.ID }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return &p.k.Private.PublicKey }
