package audit

import (
	"context"
	"strconv"
	"strings"
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
	// Site is the name of the site that received the data, for a release
	// of single sign-on (Role and Center empty), and SiteEN its English
	// name ("" when it has none); Fields are the scopes of the data it
	// received ("fullname", "snils").
	Site, SiteEN string
	Fields       []string
}

// AccessPage is one page of a citizen's accesses, newest first.
type AccessPage struct {
	Accesses []Access
	Next     Cursor // 0: no older ones
}

// SiteNames names the sites of single sign-on by their client ID, in
// Russian and English ("" when it has no English name).
type SiteNames interface {
	SiteName(ctx context.Context, clientID string) (ru, en string, found bool)
}

// DataAccess lists the accesses to a citizen's data: every record of the
// log about the citizen whose actor is staff (who looked) or a site (which
// received data through single sign-on).
type DataAccess struct {
	Store Finder
	// Centers names the centers; nil shows no center names.
	Centers CenterNames
	// Sites names the sites; nil shows their client IDs.
	Sites SiteNames
}

// List returns one page of the account's accesses, newest first. limit 0
// is DefaultPageSize; a bad limit or cursor is an Invalid error.
func (d DataAccess) List(ctx context.Context, accountID string, cursor Cursor, limit int) (AccessPage, error) {
	q, err := Filter{SubjectAccountID: accountID, Cursor: cursor, Limit: limit}.Check()
	if err != nil {
		return AccessPage{}, err
	}
	q.Accessors = true
	p, err := page(ctx, d.Store, q)
	if err != nil {
		return AccessPage{}, err
	}
	out := AccessPage{Next: p.Next, Accesses: make([]Access, 0, len(p.Events))}
	type siteName struct {
		ru, en string
		ok     bool
	}
	names := map[string]siteName{}
	for _, e := range p.Events {
		if e.ActorKind != ActorStaff && e.ActorKind != ActorSite || e.SubjectAccountID != accountID {
			continue // the store's query says so already; a filter bug must not show another's record
		}
		a := Access{Reference: strconv.FormatInt(e.ID, 10), At: e.At, Action: e.Action, Role: e.ActorRole, Reason: e.Reason}
		if e.ActorKind == ActorSite {
			a.Role, a.Site, a.Fields = "", e.ActorID, strings.Fields(e.Details["fields"])
			if d.Sites != nil {
				// A site receives at every sign-in: one look-up per site a page.
				n, seen := names[e.ActorID]
				if !seen {
					n.ru, n.en, n.ok = d.Sites.SiteName(ctx, e.ActorID)
					names[e.ActorID] = n
				}
				if n.ok {
					a.Site, a.SiteEN = n.ru, n.en
				}
			}
		}
		if e.CenterID != "" && d.Centers != nil {
			if name, ok := d.Centers.CenterName(ctx, e.CenterID); ok {
				a.Center = name
			}
		}
		out.Accesses = append(out.Accesses, a)
	}
	return out, nil
}
