package relyingparty

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/staff"
)

// Store is what the registry needs from storage. Calls made with the
// context Transact passes commit together.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	// Clients returns every registered site, by ID.
	Clients(ctx context.Context) ([]Client, error)
	// Client returns the site with the ID; found is false when there is
	// none.
	Client(ctx context.Context, id string) (c Client, found bool, err error)
	// CreateClient inserts a new site; Conflict "relyingparty.id_taken"
	// when the ID is taken. SaveClient replaces one.
	CreateClient(ctx context.Context, c Client) error
	SaveClient(ctx context.Context, c Client) error
	AppendAudit(ctx context.Context, e *audit.Event) error
}

// Grants loads the role table (staff.Service).
type Grants interface {
	Grants(ctx context.Context) (staff.Grants, error)
}

// Deps are the registry's collaborators.
type Deps struct {
	Store  Store
	Grants Grants
	Now    func() time.Time
	Rand   io.Reader // nil: crypto/rand
}

// Registry is the registered sites, kept by administrators.
type Registry struct{ d Deps }

// New returns the registry.
func New(d Deps) *Registry {
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	return &Registry{d: d}
}

// NewSecret makes a site's secret: 32 random bytes, base64url — high in
// entropy, so a fast hash keeps it (HashSecret), not a password hash.
func NewSecret(r io.Reader) (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// HashSecret is what is kept of a secret.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// CheckSecret reports whether secret is the site's, in constant time.
func (c *Client) CheckSecret(secret string) bool {
	if !c.AuthMethod.UsesSecret() || len(c.SecretHash) != sha256.Size {
		return false
	}
	return subtle.ConstantTimeCompare(HashSecret(secret), c.SecretHash) == 1
}

// List returns every registered site, for administrators.
func (r *Registry) List(ctx context.Context, a staff.Actor) ([]Client, error) {
	if _, err := r.authorize(ctx, a); err != nil {
		return nil, err
	}
	return r.d.Store.Clients(ctx)
}

// Get returns one site, for administrators. NotFound
// "relyingparty.not_found".
func (r *Registry) Get(ctx context.Context, a staff.Actor, id string) (Client, error) {
	if _, err := r.authorize(ctx, a); err != nil {
		return Client{}, err
	}
	return r.get(ctx, id)
}

func (r *Registry) get(ctx context.Context, id string) (Client, error) {
	c, found, err := r.d.Store.Client(ctx, id)
	if err != nil {
		return Client{}, err
	}
	if !found {
		return Client{}, problem.New(problem.NotFound, "relyingparty.not_found")
	}
	return c, nil
}

// Register adds a site (Normalize) and returns it with its secret — shown
// this once — when its method uses one. Conflict "relyingparty.id_taken".
// Audited rp.registered.
func (r *Registry) Register(ctx context.Context, a staff.Actor, c Client) (Client, string, error) {
	g, err := r.authorize(ctx, a)
	if err != nil {
		return Client{}, "", err
	}
	e := a.Event(g, staff.PermRPManage, "rp.registered", "", r.d.Now())
	return r.register(ctx, c, a.Member.ID, &e)
}

// Bootstrap adds a site without an actor: `kabinet rp add` and the demo's
// site. Audited rp.registered by the system.
func (r *Registry) Bootstrap(ctx context.Context, c Client) (Client, string, error) {
	e := audit.Event{At: r.d.Now(), Action: "rp.registered", ActorKind: audit.ActorSystem}
	return r.register(ctx, c, "bootstrap", &e)
}

func (r *Registry) register(ctx context.Context, c Client, by string, e *audit.Event) (Client, string, error) {
	c, err := Normalize(c)
	if err != nil {
		return Client{}, "", err
	}
	secret := ""
	if c.AuthMethod.UsesSecret() {
		if secret, err = NewSecret(r.d.Rand); err != nil {
			return Client{}, "", err
		}
		c.SecretHash = HashSecret(secret)
	}
	now := r.d.Now()
	c.CreatedAt, c.UpdatedAt, c.UpdatedBy, c.Disabled = now, now, by, false
	e.Details = details(c)
	err = r.d.Store.Transact(ctx, func(ctx context.Context) error {
		if err := r.d.Store.CreateClient(ctx, c); err != nil {
			return err
		}
		return r.d.Store.AppendAudit(ctx, e)
	})
	if err != nil {
		return Client{}, "", err
	}
	return c, secret, nil
}

// Change replaces a site's registration (Normalize), keeping its secret
// while its method uses one and its creation; a site changed to a secret
// method gets a new secret, returned. NotFound "relyingparty.not_found".
// Audited rp.changed — unless nothing changed, when nothing is saved.
func (r *Registry) Change(ctx context.Context, a staff.Actor, c Client) (Client, string, error) {
	g, err := r.authorize(ctx, a)
	if err != nil {
		return Client{}, "", err
	}
	if c, err = Normalize(c); err != nil {
		return Client{}, "", err
	}
	secret := ""
	err = r.d.Store.Transact(ctx, func(ctx context.Context) error {
		old, err := r.get(ctx, c.ID)
		if err != nil {
			return err
		}
		c.CreatedAt, c.Disabled, c.SecretHash = old.CreatedAt, old.Disabled, old.SecretHash
		if !c.AuthMethod.UsesSecret() {
			c.SecretHash = nil // moved to keys: the old secret goes
		}
		if c.AuthMethod.UsesSecret() && !old.AuthMethod.UsesSecret() {
			if secret, err = NewSecret(r.d.Rand); err != nil {
				return err
			}
			c.SecretHash = HashSecret(secret)
		}
		c.UpdatedAt, c.UpdatedBy = old.UpdatedAt, old.UpdatedBy
		if reflect.DeepEqual(normalized(c), normalized(old)) {
			c = old // saved unchanged: nothing to record
			return nil
		}
		c.UpdatedAt, c.UpdatedBy = r.d.Now(), a.Member.ID
		if err := r.d.Store.SaveClient(ctx, c); err != nil {
			return err
		}
		e := a.Event(g, staff.PermRPManage, "rp.changed", "", c.UpdatedAt)
		e.Details = details(c)
		return r.d.Store.AppendAudit(ctx, &e)
	})
	if err != nil {
		return Client{}, "", err
	}
	return c, secret, nil
}

// normalized is a registration as compared for a change: empty lists and
// absent ones alike, times in UTC.
func normalized(c Client) Client {
	for _, l := range []*[]string{&c.RedirectURIs, &c.PostLogoutURIs, &c.Scopes} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	if len(c.SecretHash) == 0 {
		c.SecretHash = nil
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c
}

// RotateSecret gives a site a new secret, returned this once with the
// site; the old one stops working. Conflict "relyingparty.no_secret" for a site that signs
// with its keys. Audited rp.secret_rotated.
func (r *Registry) RotateSecret(ctx context.Context, a staff.Actor, id string) (Client, string, error) {
	g, err := r.authorize(ctx, a)
	if err != nil {
		return Client{}, "", err
	}
	secret := ""
	var c Client
	err = r.d.Store.Transact(ctx, func(ctx context.Context) error {
		var err error
		c, err = r.get(ctx, id)
		if err != nil {
			return err
		}
		if !c.AuthMethod.UsesSecret() {
			return problem.New(problem.Conflict, "relyingparty.no_secret")
		}
		if secret, err = NewSecret(r.d.Rand); err != nil {
			return err
		}
		c.SecretHash, c.UpdatedAt, c.UpdatedBy = HashSecret(secret), r.d.Now(), a.Member.ID
		if err := r.d.Store.SaveClient(ctx, c); err != nil {
			return err
		}
		e := a.Event(g, staff.PermRPManage, "rp.secret_rotated", "", c.UpdatedAt)
		e.Details = map[string]string{"client_id": c.ID}
		return r.d.Store.AppendAudit(ctx, &e)
	})
	if err != nil {
		return Client{}, "", err
	}
	return c, secret, nil
}

// SetDisabled stops (or lets again) a site signing citizens in. Audited
// rp.disabled or rp.enabled.
func (r *Registry) SetDisabled(ctx context.Context, a staff.Actor, id string, disabled bool) error {
	g, err := r.authorize(ctx, a)
	if err != nil {
		return err
	}
	return r.d.Store.Transact(ctx, func(ctx context.Context) error {
		c, err := r.get(ctx, id)
		if err != nil {
			return err
		}
		c.Disabled, c.UpdatedAt, c.UpdatedBy = disabled, r.d.Now(), a.Member.ID
		if err := r.d.Store.SaveClient(ctx, c); err != nil {
			return err
		}
		action := "rp.enabled"
		if disabled {
			action = "rp.disabled"
		}
		e := a.Event(g, staff.PermRPManage, action, "", c.UpdatedAt)
		e.Details = map[string]string{"client_id": c.ID}
		return r.d.Store.AppendAudit(ctx, &e)
	})
}

// details are what the audit log keeps of a registration: what decides
// what a site receives, where codes and logouts go, and which keys it
// signs with (their thumbprints).
func details(c Client) map[string]string {
	return map[string]string{"client_id": c.ID, "redirect_uris": strings.Join(c.RedirectURIs, " "), "scopes": strings.Join(c.Scopes, " "),
		"max_level": string(c.MaxLevel), "sector": c.Sector, "subject_type": string(c.SubjectType), "auth_method": string(c.AuthMethod),
		"post_logout_redirect_uris": strings.Join(c.PostLogoutURIs, " "), "backchannel_logout_uri": c.BackchannelLogoutURI,
		"jwks_uri": c.JWKSURI, "jwks_thumbprints": thumbprints(c.JWKS)}
}

// thumbprints are a JWK Set's keys' RFC 7638 thumbprints (SHA-256,
// base64url), space-separated; "" for none.
func thumbprints(jwks string) string {
	var set jose.JSONWebKeySet
	if jwks == "" || json.Unmarshal([]byte(jwks), &set) != nil {
		return ""
	}
	var out []string
	for _, k := range set.Keys {
		if t, err := k.Thumbprint(crypto.SHA256); err == nil {
			out = append(out, base64.RawURLEncoding.EncodeToString(t))
		}
	}
	return strings.Join(out, " ")
}

func (r *Registry) authorize(ctx context.Context, a staff.Actor) (staff.Grants, error) {
	g, err := r.d.Grants.Grants(ctx)
	if err != nil {
		return nil, err
	}
	if err := g.Authorize(a, staff.PermRPManage, ""); err != nil {
		return nil, err
	}
	return g, nil
}

// Seed keeps the demo's own site registered as c with the secret given
// (derived from the deployment's master secret, so that the site, started
// with kabinet, knows it): registered when absent, its addresses and
// secret brought up to date when they differ (its port may change from
// one start to the next). Audited rp.registered or rp.changed by the
// system.
func (r *Registry) Seed(ctx context.Context, c Client, secret string) error {
	c, err := Normalize(c)
	if err != nil {
		return err
	}
	c.SecretHash = HashSecret(secret)
	now := r.d.Now()
	return r.d.Store.Transact(ctx, func(ctx context.Context) error {
		old, found, err := r.d.Store.Client(ctx, c.ID)
		if err != nil {
			return err
		}
		action := "rp.registered"
		switch {
		case !found:
			c.CreatedAt, c.UpdatedAt, c.UpdatedBy = now, now, "bootstrap"
			err = r.d.Store.CreateClient(ctx, c)
		case slices.Equal(old.RedirectURIs, c.RedirectURIs) && slices.Equal(old.PostLogoutURIs, c.PostLogoutURIs) &&
			old.BackchannelLogoutURI == c.BackchannelLogoutURI && old.CheckSecret(secret):
			return nil
		default:
			action = "rp.changed"
			old.RedirectURIs, old.PostLogoutURIs, old.BackchannelLogoutURI = c.RedirectURIs, c.PostLogoutURIs, c.BackchannelLogoutURI
			old.SecretHash, old.UpdatedAt, old.UpdatedBy = c.SecretHash, now, "bootstrap"
			err = r.d.Store.SaveClient(ctx, old)
		}
		if err != nil {
			return err
		}
		return r.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: action, ActorKind: audit.ActorSystem, Details: details(c)})
	})
}
