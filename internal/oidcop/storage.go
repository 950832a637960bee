package oidcop

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/kabinet/kabinet/internal/sso"
)

// storage is the library's op.Storage over sso. Its errors are the
// library's *oidc.Error where the library passes them to the site (a
// plain error would answer 500).
type storage struct {
	d    Deps
	keys *siteKeys // the sites' published keys
}

var (
	_ op.Storage                   = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest = (*storage)(nil)
)

// refreshPrefix marks a refresh token's ID among the token IDs the
// library hands to RevokeToken.
const refreshPrefix = "refresh/"

func (s *storage) CreateAuthRequest(ctx context.Context, ar *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	if ar.ResponseType != oidc.ResponseTypeCode {
		return nil, (&oidc.Error{ErrorType: "unsupported_response_type"}).WithDescription("only response_type=code is served")
	}
	if ar.ResponseMode != "" && ar.ResponseMode != oidc.ResponseModeQuery {
		return nil, oidc.ErrInvalidRequest().WithDescription("only response_mode=query is served")
	}
	r := sso.Request{ClientID: ar.ClientID, RedirectURI: ar.RedirectURI, Scopes: ar.Scopes, State: ar.State, Nonce: ar.Nonce,
		CodeChallenge: ar.CodeChallenge, Prompt: ar.Prompt, LoginHint: ar.LoginHint, ACRValues: ar.ACRValues}
	if ar.MaxAge != nil {
		m := int(min(*ar.MaxAge, 1<<31-1))
		r.MaxAge = &m
	}
	for _, t := range ar.UILocales {
		r.UILocales = append(r.UILocales, t.String())
	}
	req, err := s.d.SSO.Begin(ctx, r, string(ar.CodeChallengeMethod))
	if err != nil {
		return nil, oauthError(err)
	}
	return &authRequest{req}, nil
}

// AuthRequestByID serves only the library's /authorize/callback, which
// kabinet does not use (its pages answer the site through Respond): the
// route refuses every request, so that no link can complete one.
func (s *storage) AuthRequestByID(context.Context, string) (op.AuthRequest, error) {
	return nil, errors.New("the sign-in continues at kabinet's pages")
}

func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	r, err := s.d.SSO.ByCode(ctx, code)
	if err != nil {
		return nil, oauthError(err)
	}
	return &authRequest{r}, nil
}

func (s *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	return oauthError(s.d.SSO.SaveCode(ctx, id, code))
}

// DeleteAuthRequest leaves the request to expire: its code is consumed,
// and a second use of it must still find the grant to revoke.
func (s *storage) DeleteAuthRequest(context.Context, string) error { return nil }

func (s *storage) CreateAccessToken(ctx context.Context, tr op.TokenRequest) (string, time.Time, error) {
	a, ok := tr.(*authRequest)
	if !ok {
		return "", time.Time{}, oidc.ErrUnsupportedGrantType()
	}
	at, _, err := s.d.SSO.Tokens(ctx, a.r.GrantID, a.r.Granted)
	if err != nil {
		return "", time.Time{}, oauthError(err)
	}
	return at.ID, at.ExpiresAt, nil
}

func (s *storage) CreateAccessAndRefreshTokens(ctx context.Context, tr op.TokenRequest, current string) (string, string, time.Time, error) {
	switch x := tr.(type) {
	case *authRequest:
		at, refresh, err := s.d.SSO.Tokens(ctx, x.r.GrantID, x.r.Granted)
		if err != nil {
			return "", "", time.Time{}, oauthError(err)
		}
		return at.ID, refresh, at.ExpiresAt, nil
	case *refreshRequest:
		at, refresh, err := s.d.SSO.Rotate(ctx, x.rt, x.scopes)
		if err != nil {
			return "", "", time.Time{}, oauthError(err)
		}
		return at.ID, refresh, at.ExpiresAt, nil
	}
	return "", "", time.Time{}, oidc.ErrUnsupportedGrantType()
}

func (s *storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	rt, g, err := s.d.SSO.Refreshing(ctx, token)
	if err != nil {
		return nil, oauthError(err)
	}
	return &refreshRequest{rt: rt, g: g, scopes: rt.Scopes}, nil
}

// RevokeToken revokes the grant of an access or refresh token of the
// calling site: every token issued from the sign-in stops (RFC 7009
// allows this for an access token). Tokens unknown, or another site's,
// are ignored, as RFC 7009 says.
func (s *storage) RevokeToken(ctx context.Context, tokenOrID, _, clientID string) *oidc.Error {
	var grantID string
	if id, ok := strings.CutPrefix(tokenOrID, refreshPrefix); ok {
		grantID = id
	} else if at, _, err := s.d.SSO.Access(ctx, tokenOrID); err == nil {
		grantID = at.GrantID
	}
	if grantID == "" {
		return nil
	}
	g, err := s.d.SSO.GrantOf(ctx, grantID)
	if err != nil || g.ClientID != clientID {
		return nil
	}
	if err := s.d.SSO.Revoke(ctx, grantID, sso.RevokedBySite); err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}

func (s *storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	_, g, found, err := s.d.SSO.RefreshInfo(ctx, token)
	if err != nil {
		return "", "", err
	}
	if !found || g.ClientID != clientID {
		return "", "", op.ErrInvalidRefreshToken
	}
	return g.Subject, refreshPrefix + g.ID, nil
}

func (s *storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	k, err := s.d.Keys.Signing(ctx)
	if err != nil {
		return nil, err
	}
	return signingKey{k}, nil
}

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(ctx context.Context) ([]op.Key, error) {
	keys, err := s.d.Keys.Published(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]op.Key, 0, len(keys))
	for _, k := range keys {
		out = append(out, publicKey{k})
	}
	return out, nil
}

func (s *storage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.d.SSO.Client(ctx, id)
	if err != nil {
		var ref *sso.Refusal
		if errors.As(err, &ref) {
			return nil, oidc.ErrInvalidClient().WithParent(err).WithDescription("unknown or disabled client")
		}
		return nil, err
	}
	return &client{c: c, login: s.d.LoginURL}, nil
}

func (s *storage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	c, err := s.d.SSO.Client(ctx, id)
	if err != nil {
		return err
	}
	// A site moved to keys keeps no secret that works (its old one may
	// be why it moved).
	if !c.AuthMethod.UsesSecret() || !c.CheckSecret(secret) {
		return errors.New("wrong client secret")
	}
	return nil
}

func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token's claims beyond the
// library's: the subject (which the library would otherwise lose), sid
// (the grant: one per site sign-in, no correlation across sectors) and,
// on a refresh, the acr the library leaves out.
func (s *storage) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, _ []string) error {
	ui.Subject = req.GetSubject()
	switch x := req.(type) {
	case *authRequest:
		ui.AppendClaims("sid", x.r.GrantID)
	case *refreshRequest:
		ui.AppendClaims("sid", x.g.ID)
		ui.AppendClaims("acr", sso.ACR(x.g.Level))
	}
	return nil
}

// SetIntrospectionFromToken answers the token's own site only: metadata,
// no personal data.
func (s *storage) SetIntrospectionFromToken(ctx context.Context, ir *oidc.IntrospectionResponse, tokenID, _, clientID string) error {
	at, g, err := s.d.SSO.Access(ctx, tokenID)
	if err != nil {
		return oauthError(err)
	}
	if g.ClientID != clientID {
		return errors.New("another site's token")
	}
	ir.Scope, ir.ClientID, ir.TokenType = at.Scopes, g.ClientID, oidc.BearerToken
	ir.Expiration, ir.IssuedAt, ir.AuthTime = oidc.FromTime(at.ExpiresAt), oidc.FromTime(at.CreatedAt), oidc.FromTime(g.AuthTime)
	ir.Subject, ir.Audience, ir.AuthenticationMethodsReferences = g.Subject, []string{g.ClientID}, g.AMR
	ir.Issuer = s.d.Issuer
	ir.Claims = map[string]any{"acr": sso.ACR(g.Level)}
	return nil
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetKeyByIDAndClientID returns a site's public key for its
// private_key_jwt assertions: from the keys registered inline, or
// published at its jwks_uri (fetched and cached).
func (s *storage) GetKeyByIDAndClientID(ctx context.Context, keyID, clientID string) (*jose.JSONWebKey, error) {
	c, err := s.d.SSO.Client(ctx, clientID)
	if err != nil {
		return nil, err
	}
	keys, err := s.keys.keys(ctx, c, keyID)
	if err != nil {
		return nil, err
	}
	return oneKey(keys, keyID)
}

// ValidateJWTProfileScopes refuses the JWT bearer grant, which the
// library serves always: kabinet issues tokens only to a citizen's
// sign-in.
func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, oidc.ErrUnauthorizedClient().WithDescription("the JWT bearer grant is not served")
}

func (s *storage) Health(context.Context) error { return nil }
