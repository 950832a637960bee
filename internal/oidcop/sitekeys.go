package oidcop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/kabinet/kabinet/internal/relyingparty"
	"github.com/kabinet/kabinet/internal/sso"
)

// A site of private_key_jwt signs its client assertions with keys it
// registered inline (JWKS) or publishes (jwks_uri). Published keys are
// fetched and kept for KeysFresh; an assertion naming a key not among them
// fetches again, at most once per KeysRefetch, so that a site's key
// rotation works at once and a flood of unknown key IDs cannot make
// kabinet hammer the site.

// Site keys' caching.
const (
	KeysFresh   = 5 * time.Minute
	KeysRefetch = 30 * time.Second
	// KeysStale is how long a site's last keys serve while its jwks_uri
	// fails: long enough to ride out an outage, short enough that a key
	// it withdrew stops working.
	KeysStale   = 24 * time.Hour
	keysTimeout = 5 * time.Second
)

// AssertionAlgorithms are the signatures a client assertion may carry.
var AssertionAlgorithms = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA}

type fetchedKeys struct {
	set     []jose.JSONWebKey
	fetched time.Time // the last fetch that succeeded (zero: none)
	tried   time.Time // the last fetch begun, failed or not
	uri     string
}

// siteKeys fetches and caches the sites' published keys.
type siteKeys struct {
	mu     sync.Mutex
	byID   map[string]*fetchedKeys
	client *http.Client
	now    func() time.Time
}

func newSiteKeys(now func() time.Time) *siteKeys {
	return &siteKeys{byID: map[string]*fetchedKeys{}, now: now, client: siteClient(keysTimeout)}
}

// keys returns a site's public keys; want is the key ID an assertion
// names ("" for any), which refetches published keys that lack it. One
// fetch per site at a time, and at most one per KeysRefetch, whatever the
// callers ask and whether the site answers.
func (k *siteKeys) keys(ctx context.Context, c relyingparty.Client, want string) ([]jose.JSONWebKey, error) {
	if c.AuthMethod != relyingparty.PrivateKeyJWT {
		return nil, errors.New("the site does not authenticate with keys")
	}
	if c.JWKS != "" {
		return parseKeys([]byte(c.JWKS))
	}
	if c.JWKSURI == "" {
		return nil, errors.New("the site has no registered keys")
	}
	now := k.now()
	k.mu.Lock()
	f := k.byID[c.ID]
	if f == nil || f.uri != c.JWKSURI {
		f = &fetchedKeys{uri: c.JWKSURI}
		k.byID[c.ID] = f
	}
	set, fetched, tried := f.set, f.fetched, f.tried
	missing := want != "" && !slices.ContainsFunc(set, func(x jose.JSONWebKey) bool { return x.KeyID == want })
	due := fetched.IsZero() || now.Sub(fetched) >= KeysFresh || missing
	if due && now.Sub(tried) >= KeysRefetch {
		f.tried = now // others wait for this fetch's result, not fetch too
		k.mu.Unlock()
		fresh, err := k.fetch(ctx, c.JWKSURI)
		k.mu.Lock()
		if err == nil {
			f.set, f.fetched = fresh, now
			set, fetched = fresh, now
		} else if fetched.IsZero() || now.Sub(fetched) >= KeysStale {
			k.mu.Unlock()
			return nil, err
		}
	}
	k.mu.Unlock()
	if fetched.IsZero() || now.Sub(fetched) >= KeysStale {
		return nil, errors.New("oidcop: the site's keys could not be fetched lately")
	}
	return set, nil
}

func (k *siteKeys) fetch(ctx context.Context, uri string) ([]jose.JSONWebKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json, application/jwk-set+json")
	res, err := k.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("oidcop: the site's keys: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("oidcop: the site's keys: %s answered %d", uri, res.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, relyingparty.MaxJWKS+1))
	if err != nil {
		return nil, err
	}
	if len(body) > relyingparty.MaxJWKS {
		return nil, errors.New("oidcop: the site's key set is too large")
	}
	return parseKeys(body)
}

// parseKeys reads a JWK Set's public signing keys.
func parseKeys(b []byte) ([]jose.JSONWebKey, error) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, err
	}
	return slices.DeleteFunc(set.Keys, func(k jose.JSONWebKey) bool { return !k.IsPublic() || k.Use != "" && k.Use != "sig" }), nil
}

// oneKey picks the key an assertion names, or the only one.
func oneKey(keys []jose.JSONWebKey, keyID string) (*jose.JSONWebKey, error) {
	if keyID != "" {
		keys = slices.DeleteFunc(slices.Clone(keys), func(k jose.JSONWebKey) bool { return k.KeyID != keyID })
	}
	if len(keys) != 1 {
		return nil, errors.New("no single key of the site matches")
	}
	return &keys[0], nil
}

// checkAssertion verifies a client assertion's signature with the site's
// keys and admits its jti once (sso.Assertion): the library checks the
// rest (times) but would take a replay. It returns why the assertion is
// refused ("" when it is not), or an error when it could not be checked.
func (p *Provider) checkAssertion(ctx context.Context, clientID, assertion string) (string, error) {
	jws, err := jose.ParseSignedCompact(assertion, AssertionAlgorithms)
	if err != nil || len(jws.Signatures) != 1 {
		return "the client assertion is not a signed JWT", nil
	}
	var claims struct {
		Issuer   string        `json:"iss"`
		Subject  string        `json:"sub"`
		Audience oidc.Audience `json:"aud"`
		JTI      string        `json:"jti"`
		Expiry   *int64        `json:"exp"`
	}
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &claims); err != nil {
		return "the client assertion's claims are unreadable", nil
	}
	if clientID == "" {
		clientID = claims.Issuer
	}
	if claims.Issuer != clientID || claims.Subject != clientID {
		return "the client assertion's iss and sub must be the client_id", nil
	}
	// The library wants the issuer among the audiences (OpenID Connect
	// Core §9 prefers the token endpoint; kabinet takes the issuer only).
	if !slices.Contains(claims.Audience, p.issuer) {
		return "the client assertion's aud must be the issuer, " + p.issuer, nil
	}
	c, err := p.st.d.SSO.Client(ctx, clientID)
	if err != nil {
		return "unknown or disabled client", nil
	}
	keys, err := p.st.keys.keys(ctx, c, jws.Signatures[0].Header.KeyID)
	if err != nil {
		slog.WarnContext(ctx, "oidcop: a site's keys are unavailable", "client_id", clientID, "error", err)
		return "the site's keys are unavailable", nil
	}
	key, err := oneKey(keys, jws.Signatures[0].Header.KeyID)
	if err != nil {
		return err.Error(), nil
	}
	if _, err := jws.Verify(key); err != nil {
		return "the client assertion's signature does not verify", nil
	}
	if claims.Expiry == nil {
		return "the client assertion needs exp", nil
	}
	if err := p.st.d.SSO.Assertion(ctx, clientID, claims.JTI, time.Unix(*claims.Expiry, 0)); err != nil {
		var ref *sso.Refusal
		if errors.As(err, &ref) {
			return ref.Description, nil
		}
		return "", err
	}
	return "", nil
}

// siteClient is the HTTP client kabinet reaches a site with (its keys,
// its back-channel logout): no redirect followed, a timeout, and never an
// address a site cannot have — link-local (a cloud's metadata service
// lives there), multicast, unspecified — checked on the address dialled,
// so a name that resolves there later is refused too. Sites on a private
// network are allowed: e-government sites live on them.
func siteClient(timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: timeout, Control: func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		ip := net.ParseIP(host)
		if ip == nil || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
			return fmt.Errorf("oidcop: %s is not an address a site may have", host)
		}
		return nil
	}}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = d.DialContext
	t.Proxy = nil
	return &http.Client{Timeout: timeout, Transport: t, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
