// Package relyingparty keeps the e-government sites that sign citizens in
// through kabinet (issue 15 §4, SPEC.md §10): what an administrator
// registers of each — its name, logo, purpose and privacy page, which the
// consent screen shows; the exact redirect and post-logout URIs; the
// back-channel logout URI; the scopes it may ask for and the highest
// account level it may demand; its sector, which decides the subject
// identifier it sees of a citizen; and how it authenticates at the token
// endpoint (a secret shown once, or its keys).
//
// relyingparty imports account, audit, problem and staff, and go-jose for
// a site's keys.
package relyingparty

import (
	"slices"
	"time"

	"github.com/kabinet/kabinet/internal/account"
)

// Text is a text in both languages; an empty English one is the Russian.
type Text struct {
	RU string `json:"ru"`
	EN string `json:"en"`
}

// In returns the text in lang ("en"; anything else is Russian).
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.RU
}

// AuthMethod is how a site authenticates at the token endpoint.
type AuthMethod string

const (
	SecretBasic   AuthMethod = "client_secret_basic" // the secret in HTTP Basic
	SecretPost    AuthMethod = "client_secret_post"  // the secret in the form
	PrivateKeyJWT AuthMethod = "private_key_jwt"     // an assertion signed by one of its keys
)

// AuthMethods are the methods in the order forms list them.
var AuthMethods = []AuthMethod{SecretBasic, SecretPost, PrivateKeyJWT}

// UsesSecret reports whether the method authenticates with a secret.
func (m AuthMethod) UsesSecret() bool { return m == SecretBasic || m == SecretPost }

// SubjectType says which subject identifier a site sees of a citizen.
type SubjectType string

const (
	// Pairwise: one per sector, so that sites of different sectors
	// cannot tell they see the same citizen (the default).
	Pairwise SubjectType = "pairwise"
	// Public: the citizen's account ID, the same at every such site —
	// only for the sites an administrator marks so.
	Public SubjectType = "public"
)

// The scopes a site may be allowed. openid is every site's; offline_access
// lets it keep a citizen signed in (refresh tokens); the others release a
// citizen's verified data and are named like ESIA's, for familiarity.
const (
	ScopeOpenID        = "openid"
	ScopeOfflineAccess = "offline_access"
)

// DataScopes are the scopes that release personal data, in the order the
// consent screen lists them.
var DataScopes = []string{"fullname", "birthdate", "gender", "birthplace", "snils", "inn", "id_doc", "addresses", "email", "mobile", "medical_doc"}

// Scopes are every scope a site may be allowed.
var Scopes = append([]string{ScopeOpenID, ScopeOfflineAccess}, DataScopes...)

// Limits of a registration.
const (
	MaxURIs       = 20
	MaxURILength  = 2000
	MaxNameLength = 200
	MaxPurpose    = 1000
	MaxJWKS       = 64 << 10
)

// Client is a registered site: an OpenID Connect relying party.
type Client struct {
	ID      string `json:"id"` // its client_id
	Name    Text   `json:"name"`
	Purpose Text   `json:"purpose"` // why it asks for data, on the consent screen
	LogoURL string `json:"logo_url"`
	// PrivacyURL is its privacy policy, linked from the consent screen.
	PrivacyURL string `json:"privacy_url"`
	// RedirectURIs and PostLogoutURIs are compared with what a request
	// names exactly, character for character.
	RedirectURIs         []string `json:"redirect_uris"`
	PostLogoutURIs       []string `json:"post_logout_redirect_uris"`
	BackchannelLogoutURI string   `json:"backchannel_logout_uri"`
	// Scopes are the scopes it may ask for; more are dropped.
	Scopes []string `json:"scopes"`
	// MaxLevel is the highest account level it may demand (acr_values).
	MaxLevel    account.Level `json:"max_level"`
	Sector      string        `json:"sector"` // a host name; the sites of one sector see one pairwise subject
	SubjectType SubjectType   `json:"subject_type"`
	AuthMethod  AuthMethod    `json:"auth_method"`
	// JWKSURI or JWKS are its public keys, for PrivateKeyJWT.
	JWKSURI string `json:"jwks_uri"`
	JWKS    string `json:"jwks"`
	// SecretHash is the SHA-256 of its secret (HashSecret), for the
	// secret methods; the secret itself is shown once.
	SecretHash []byte    `json:"-"`
	Disabled   bool      `json:"disabled"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
	UpdatedAt  time.Time `json:"updated_at,omitzero"`
	UpdatedBy  string    `json:"updated_by,omitempty"`
}

// Allows reports whether the site may ask for the scope.
func (c *Client) Allows(scope string) bool { return slices.Contains(c.Scopes, scope) }

// Allowed returns the scopes of asked the site may ask for, in their
// order, each once: the others are dropped, not refused.
func (c *Client) Allowed(asked []string) []string {
	var out []string
	for _, s := range asked {
		if c.Allows(s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
