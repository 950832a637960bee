// Package staff owns the people who work in kabinet: administrators and
// service-center operators today, the post operators, catalog editors and
// agency officers of later features tomorrow. They are not citizens: their
// accounts, sessions and sign-in live apart from the citizens', behind a
// password and a TOTP authenticator.
//
// Roles and what they permit are data (the grants table, loaded by
// Authorize's caller); every staff route asks one question, Authorize, and
// every permission tied to a service center is granted only for a center
// the member belongs to and is acting for.
//
// staff imports account, audit, lockout, password, throttle and problem,
// and pquerna/otp for the authenticator's codes.
package staff

import (
	"slices"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/problem"
)

// Roles kabinet knows today.
const (
	RoleAdministrator = "administrator"
	RoleOperator      = "operator"       // a service-center operator
	RolePostOperator  = "post_operator"  // prints and dispatches the letters with codes (issue 13)
	RoleCatalogEditor = "catalog_editor" // edits and publishes the service catalog (issue 14)
)

// Permissions checked by the staff routes.
const (
	PermStaffManage      = "staff.manage"      // create, disable, enable, reset the authenticator
	PermCentersManage    = "centers.manage"    // the service-center directory
	PermAuditRead        = "audit.read"        // search the audit log
	PermCitizensFind     = "citizens.find"     // find a citizen and see their verified data
	PermIdentityConfirm  = "identity.confirm"  // confirm identity with the presented passport
	PermCitizensRegister = "citizens.register" // register a citizen who came in person
	PermAccessRestore    = "access.restore"    // a new phone or e-mail after checking the passport
	PermLettersPrint     = "letters.print"     // print the ordered letters with codes in batches
	PermLettersDispatch  = "letters.dispatch"  // hand batches to the post, record returned letters, export a batch
	PermTrustManage      = "trust.manage"      // the trusted CAs and uploaded CRLs of signature checks
	PermCatalogManage    = "catalog.manage"    // drafts, publication, import and export of the service catalog
	PermPlacesManage     = "places.manage"     // regions and localities added to the reference data
	PermRPManage         = "rp.manage"         // the sites that sign citizens in through kabinet (relying parties)
)

// Grant is one permission of one role. Scoped permissions are used for a
// service center: the member must belong to it and act for it.
type Grant struct {
	Role       string
	Permission string
	Scoped     bool
}

// Grants is the role table, as loaded from storage.
type Grants []Grant

// Roles returns the roles the table knows, in order.
func (g Grants) Roles() []string {
	var out []string
	for _, x := range g {
		if !slices.Contains(out, x.Role) {
			out = append(out, x.Role)
		}
	}
	slices.Sort(out)
	return out
}

// Member is one staff account.
type Member struct {
	ID    string
	Login string // lower case
	Name  string // shown to colleagues; sealed at rest
	Roles []string
	// Centers are the service centers the member works at (operators).
	Centers      []string
	PasswordHash string
	// MustChangePassword is set for a password someone else chose (an
	// administrator's new member): the first sign-in asks for a new one.
	MustChangePassword bool
	// TOTPSecret is the authenticator's secret (base32); EnrolledAt is zero
	// until the member proved a code from it.
	TOTPSecret string
	EnrolledAt time.Time
	// LastStep is the last TOTP time step accepted: a code works once.
	LastStep   int64
	DisabledAt time.Time
	CreatedAt  time.Time
	CreatedBy  string
	Version    int
}

// Enrolled reports whether the member has a working authenticator.
func (m *Member) Enrolled() bool { return m.TOTPSecret != "" && !m.EnrolledAt.IsZero() }

// Disabled reports whether an administrator disabled the member.
func (m *Member) Disabled() bool { return !m.DisabledAt.IsZero() }

// HasRole reports whether the member has the role.
func (m *Member) HasRole(r string) bool { return slices.Contains(m.Roles, r) }

// Actor is a signed-in staff member at work: who, as what, for which
// center, from where. Every staff action and look is recorded as the actor.
type Actor struct {
	Member    *Member
	Session   *Session
	CenterID  string // the center the member acts for now ("" for none)
	IP        string
	RequestID string
}

// Role is the role the actor acts in, for the audit log: the first of
// the member's roles that grants perm, or all of them joined.
func (a Actor) role(g Grants, perm string) string {
	for _, x := range g {
		if x.Permission == perm && a.Member.HasRole(x.Role) {
			return x.Role
		}
	}
	return strings.Join(a.Member.Roles, ",")
}

// Event returns the audit event of an action by the actor about subject
// (an account ID or ""), with the role that permits perm.
func (a Actor) Event(g Grants, perm, action, subject string, at time.Time) audit.Event {
	return audit.Event{
		At: at, Action: action, ActorKind: audit.ActorStaff, ActorID: a.Member.ID,
		ActorRole: a.role(g, perm), CenterID: a.CenterID,
		SubjectAccountID: subject, IP: a.IP, RequestID: a.RequestID,
	}
}

// Authorize answers whether the actor may use perm: one of the member's
// roles grants it, and when it is scoped to a center, the actor acts for a
// center that is theirs (center, if given, must be that one). The refusal
// is Forbidden "staff.forbidden" or "staff.not_your_center".
func (g Grants) Authorize(a Actor, perm, center string) error {
	if a.Member == nil || a.Member.Disabled() {
		return problem.New(problem.Forbidden, "staff.forbidden")
	}
	granted, scoped := false, true
	for _, x := range g {
		if x.Permission == perm && a.Member.HasRole(x.Role) {
			granted = true
			scoped = scoped && x.Scoped // one unscoped grant frees the permission
		}
	}
	if !granted {
		return problem.New(problem.Forbidden, "staff.forbidden")
	}
	if !scoped {
		return nil
	}
	if a.CenterID == "" || !slices.Contains(a.Member.Centers, a.CenterID) {
		return problem.New(problem.Forbidden, "staff.no_center")
	}
	if center != "" && center != a.CenterID {
		return problem.New(problem.Forbidden, "staff.not_your_center")
	}
	return nil
}

// Permits reports whether Authorize would allow perm (for menus).
func (g Grants) Permits(a Actor, perm string) bool { return g.Authorize(a, perm, "") == nil }
