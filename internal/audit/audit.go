// Package audit records security events and staff actions in an
// append-only log (the database refuses updates and deletes of it).
//
// Details never hold personal data in clear: callers pass masked values,
// and an e-mail address in its Redacted form ("i***@***"), without the domain.
//
// audit imports only the standard library.
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
)

// Event is one line of the audit log.
type Event struct {
	ID               int64
	At               time.Time
	Action           string // "account.registered", "signin.failed", "session.ended", …
	ActorKind        string
	ActorID          string
	ActorRole        string // the staff role acted in
	CenterID         string // the service center a staff member acted for
	Reason           string // why (a staff look at a citizen's data)
	SubjectAccountID string
	IP               string
	RequestID        string
	Details          map[string]string
}

// Store appends events.
type Store interface {
	AppendAudit(ctx context.Context, e *Event) error
}
