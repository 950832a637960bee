package signature

import (
	"context"
	"crypto/rand"
	"io"
	"sync"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/esign"
	"github.com/kabinet/kabinet/internal/message"
	"github.com/kabinet/kabinet/internal/staff"
	"github.com/kabinet/kabinet/internal/throttle"
)

// Store is what signature needs from storage. Calls made with the context
// Transact passes commit together.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	AccountByID(ctx context.Context, id string) (*account.Account, error)
	// VerifiedPerson returns the account's verified name and SNILS; false
	// when nothing is verified.
	VerifiedPerson(ctx context.Context, accountID string) (Person, bool, error)
	// LatestStatement returns the account's latest statement; NotFound
	// when there is none.
	LatestStatement(ctx context.Context, accountID string) (*Statement, error)
	CreateStatement(ctx context.Context, s *Statement) error
	// UseStatement marks a statement used at at; false when it already was.
	UseStatement(ctx context.Context, id string, at time.Time) (bool, error)
	// RaiseLevel sets the account's level to level when it is lower;
	// false when it was not.
	RaiseLevel(ctx context.Context, accountID string, level account.Level, at time.Time) (bool, error)
	// RecordConfirmation records how and when the account was confirmed.
	RecordConfirmation(ctx context.Context, accountID, method string, at time.Time) error
	AppendAudit(ctx context.Context, e *audit.Event) error

	// TrustGeneration is a number that changes whenever the trusted CAs
	// do (AddTrustedCA and RemoveTrustedCA change it), on every node.
	TrustGeneration(ctx context.Context) (int64, error)
	// TrustedCAs returns the trusted CAs, oldest first.
	TrustedCAs(ctx context.Context) ([]*TrustedCA, error)
	// AddTrustedCA inserts ca: Conflict "trust.ca_duplicate" when a CA of
	// its fingerprint is there.
	AddTrustedCA(ctx context.Context, ca *TrustedCA) error
	// RemoveTrustedCA deletes a CA and the CRLs uploaded as signed by it:
	// NotFound "trust.ca_not_found" when there is none.
	RemoveTrustedCA(ctx context.Context, id string) (*TrustedCA, error)
	// UploadedCRL returns the CRL uploaded for the issuer of that key
	// (CRL.IssuerKey); NotFound when none.
	UploadedCRL(ctx context.Context, issuerKey string) (*CRL, error)
	// SaveCRL stores c as its issuer's CRL, replacing the one before.
	SaveCRL(ctx context.Context, c *CRL) error
	// UploadedCRLs returns every uploaded CRL, by issuer.
	UploadedCRLs(ctx context.Context) ([]*CRL, error)
}

// Grants loads the role table (staff.Service).
type Grants interface {
	Grants(ctx context.Context) (staff.Grants, error)
}

// Sessions makes signed-in requests see the account's new level at once.
type Sessions interface {
	AccountChanged(ctx context.Context, accountID string) error
}

// Limiter counts uploads (throttle.Limiter).
type Limiter interface {
	Take(ctx context.Context, r throttle.Rule, subject string) error
}

// Links builds absolute URLs for messages.
type Links interface {
	Account() string
}

// Elsewhere is told, in the confirmation's transaction, that the account
// was confirmed by signature: *letter.Service voids a letter in play.
type Elsewhere interface {
	ConfirmedElsewhere(ctx context.Context, accountID string, at time.Time) error
}

// Deps are the service's collaborators.
type Deps struct {
	Store     Store
	Grants    Grants
	Sessions  Sessions
	Limiter   Limiter
	Notifier  message.Notifier
	Links     Links
	Elsewhere Elsewhere // nil: nothing else to void
	// CRLFetcher fetches a CRL from the certificate's distribution points
	// (crlhttp.Fetcher); nil: uploaded CRLs only.
	CRLFetcher esign.CRLSource
	// CRLMaxAge bounds how long a CRL, fetched or uploaded, is kept in
	// memory before it is asked for again (0: DefaultCRLMaxAge).
	CRLMaxAge time.Duration
	Site      string
	Now       func() time.Time // time.Now if nil
	Rand      io.Reader        // crypto/rand if nil
	NewID     func() (string, error)
}

// DefaultCRLMaxAge is how long a CRL is kept in memory at most (its next
// update bounds it too): a CA's new revocations reach kabinet within it,
// and a CRL uploaded while the CA's server is down is used within it.
const DefaultCRLMaxAge = time.Hour

// UploadLimit bounds uploads a day per account: enough for a few tries
// with the wrong file or certificate, too few to probe with.
var UploadLimit = throttle.Rule{Name: "signature.upload", Max: 10, Window: 24 * time.Hour, Message: "signature.upload_rate_limited"}

// Service confirms identities by signature and keeps the trusted CAs.
type Service struct {
	d    Deps
	crls *esign.CRLCache

	mu       sync.Mutex
	verifier *esign.Verifier // for the trusted CAs of generation gen
	gen      int64
}

// New returns the service.
func New(d Deps) *Service {
	if d.CRLMaxAge <= 0 {
		d.CRLMaxAge = DefaultCRLMaxAge
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	s := &Service{d: d}
	s.crls = esign.NewCRLCache(crlChain{s}, d.CRLMaxAge, d.Now)
	return s
}
