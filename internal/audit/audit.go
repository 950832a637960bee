// Package audit records security events and staff actions in an
// append-only log (the database refuses updates and deletes of it).
//
// Details never hold personal data in clear: callers pass masked values,
// and an e-mail address in its Redacted form ("i***@***"), without the domain.
//
// The log is tamper-evident: every record carries a link of a hash chain
// (chain.go: the canonical encoding, Next, Verifier), so a changed, removed
// or inserted record breaks the chain where it happened. Search is the
// administrators' search of the log (search.go); DataAccess is the
// citizen's «Кто смотрел мои данные», the staff's accesses to their data
// (dataaccess.go).
//
// audit imports problem and the standard library.
package audit

import (
	"context"
	"time"
)

// Actor kinds.
const (
	ActorCitizen   = "citizen"
	ActorAnonymous = "anonymous"
	ActorStaff     = "staff"
	ActorSystem    = "system"
	// ActorSite is a registered site (a relying party of single sign-on),
	// by its client ID: it received a citizen's data.
	ActorSite = "site"
)

// Event is one line of the audit log.
type Event struct {
	ID               int64
	At               time.Time
	Action           string // "account.registered", "signin.failed", "session.ended", …
	ActorKind        string
	ActorID          string
	SubjectAccountID string
	IP               string
	RequestID        string
	Details          map[string]string
	// ActorRole is the staff role the actor acted in ("administrator",
	// "operator"); empty for citizens and the system.
	ActorRole string
	// CenterID is the service center a staff member acted for (its text
	// ID); empty when none.
	CenterID string
	// Reason says why, as a code ("identity_confirmation"); empty when the
	// action speaks for itself.
	Reason string
}

// Store appends events.
type Store interface {
	AppendAudit(ctx context.Context, e *Event) error
}
