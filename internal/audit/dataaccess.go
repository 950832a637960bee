package audit

import (
	"context"
	"strconv"
	"time"
)

// CenterNames names service centers: the directory implements it.
type CenterNames interface {
	// CenterName returns the center's name, false when there is none.
	CenterName(ctx context.Context, id string) (string, bool)
}

// Access is one staff access to a citizen's data, as the citizen sees it:
// when, what, in which role, for which center and why. The staff member
// themselves is not named (docs/decisions/0013-audit-chain.md): Reference,
// the record's number, is what the citizen quotes in a complaint, and
// through which an administrator finds who it was.
type Access struct {
	Reference string
	At        time.Time
	Action    string // "staff.citizen_viewed"; the page words it
	Role      string // "operator", "administrator"; empty when not recorded
	// Center is the center's name; empty when there is none, or the
	// directory does not know it (never its ID).
	Center string
	Reason string // "identity_confirmation"; empty when not given
}

// AccessPage is one page of a citizen's accesses, newest first.
type AccessPage struct {
	Accesses []Access
	Next     Cursor // 0: no older ones
}

// DataAccess lists the staff's accesses to a citizen's data: every record
// of the log with ActorKind staff about the citizen.
type DataAccess struct {
	Store Finder
	// Centers names the centers; nil shows no center names.
	Centers CenterNames
}

// List returns one page of the account's accesses, newest first. limit 0
// is DefaultPageSize; a bad limit or cursor is an Invalid error.
func (d DataAccess) List(ctx context.Context, accountID string, cursor Cursor, limit int) (AccessPage, error) {
	q, err := Filter{SubjectAccountID: accountID, Cursor: cursor, Limit: limit}.Check()
	if err != nil {
		return AccessPage{}, err
	}
	q.StaffOnly = true
	p, err := page(ctx, d.Store, q)
	if err != nil {
		return AccessPage{}, err
	}
	out := AccessPage{Next: p.Next, Accesses: make([]Access, 0, len(p.Events))}
	for _, e := range p.Events {
		if e.ActorKind != ActorStaff || e.SubjectAccountID != accountID {
			continue // the store's query says so already; a filter bug must not show another's record
		}
		a := Access{Reference: strconv.FormatInt(e.ID, 10), At: e.At, Action: e.Action, Role: e.ActorRole, Reason: e.Reason}
		if e.CenterID != "" && d.Centers != nil {
			if name, ok := d.Centers.CenterName(ctx, e.CenterID); ok {
				a.Center = name
			}
		}
		out.Accesses = append(out.Accesses, a)
	}
	return out, nil
}
