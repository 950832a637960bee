package staff

import (
	"context"
	"encoding/base32"
	"errors"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/problem"
)

// NewMember is an administrator's form for a colleague.
type NewMember struct {
	Login   string
	Name    string
	Roles   []string
	Centers []string
}

// CenterCheck tells whether a service center exists (the directory).
type CenterCheck func(ctx context.Context, id string) (bool, error)

// Normalize checks the form against the role table: a login of Latin
// letters, digits, dots, dashes and underscores (3–64), a name, at least
// one known role, and centers for a role whose grants are scoped (an
// operator works somewhere) — each message on its field.
func (nm NewMember) Normalize(ctx context.Context, g Grants, exists CenterCheck) (NewMember, error) {
	f := &problem.Fields{}
	nm.Login = NormalizeLogin(nm.Login)
	switch {
	case nm.Login == "":
		f.Add("login", problem.M("staff.login_required"))
	case len(nm.Login) < 3 || len(nm.Login) > 64 || strings.IndexFunc(nm.Login, func(r rune) bool {
		return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_'))
	}) >= 0:
		f.Add("login", problem.M("staff.login_format"))
	}
	nm.Name = strings.Join(strings.Fields(nm.Name), " ")
	switch {
	case nm.Name == "":
		f.Add("name", problem.M("staff.name_required"))
	case len([]rune(nm.Name)) > 200:
		f.Add("name", problem.M("staff.name_long"))
	}
	known := g.Roles()
	var roles []string
	for _, r := range nm.Roles {
		if r = strings.TrimSpace(r); r != "" && !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	slices.Sort(roles)
	nm.Roles = roles
	needsCenter := false
	if len(roles) == 0 {
		f.Add("roles", problem.M("staff.role_required"))
	}
	for _, r := range roles {
		if !slices.Contains(known, r) {
			f.Add("roles", problem.M("staff.role_unknown", "Role", r))
			break
		}
		for _, x := range g {
			needsCenter = needsCenter || (x.Role == r && x.Scoped)
		}
	}
	var centers []string
	for _, c := range nm.Centers {
		if c = strings.TrimSpace(c); c != "" && !slices.Contains(centers, c) {
			centers = append(centers, c)
		}
	}
	nm.Centers = centers
	if needsCenter && len(centers) == 0 {
		f.Add("centers", problem.M("staff.center_required"))
	}
	for _, c := range centers {
		ok, err := exists(ctx, c)
		if err != nil {
			return nm, err
		}
		if !ok {
			f.Add("centers", problem.M("staff.center_unknown", "Center", c))
			break
		}
	}
	return nm, f.Err()
}

// tempAlphabet has no look-alikes (0/O, 1/l/I): the password is read off
// a screen and typed once.
const tempAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// TempPassword returns a random password of 4 groups of 5 (about 99 bits).
func TempPassword(r io.Reader) (string, error) {
	var b [20]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	var sb strings.Builder
	for i, x := range b {
		if i > 0 && i%5 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(tempAlphabet[int(x)%len(tempAlphabet)])
	}
	return sb.String(), nil
}

// Create adds a member with a temporary password (returned, to be handed
// over once) that the first sign-in replaces; the authenticator is
// enrolled at that sign-in. Audited staff.created.
func (s *Service) Create(ctx context.Context, a Actor, nm NewMember, exists CenterCheck) (*Member, string, error) {
	g, err := s.Grants(ctx)
	if err != nil {
		return nil, "", err
	}
	if err := g.Authorize(a, PermStaffManage, ""); err != nil {
		return nil, "", err
	}
	nm, err = nm.Normalize(ctx, g, exists)
	if err != nil {
		return nil, "", err
	}
	temp, err := TempPassword(s.d.Rand)
	if err != nil {
		return nil, "", err
	}
	m, err := s.newMember(ctx, nm, temp, true)
	if err != nil {
		return nil, "", err
	}
	m.CreatedBy = a.Member.ID
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if err := s.d.Store.CreateStaff(ctx, m); err != nil {
			return err
		}
		e := a.Event(g, PermStaffManage, "staff.created", "", m.CreatedAt)
		e.Details = map[string]string{"staff_id": m.ID, "roles": strings.Join(m.Roles, ","), "centers": strings.Join(m.Centers, ",")}
		return s.d.Store.AppendAudit(ctx, &e)
	})
	if err != nil {
		return nil, "", err
	}
	return m, temp, nil
}

func (s *Service) newMember(ctx context.Context, nm NewMember, pw string, temporary bool) (*Member, error) {
	hash, err := s.d.Hasher.Hash(ctx, pw)
	if err != nil {
		return nil, err
	}
	var idb [10]byte
	if _, err := io.ReadFull(s.d.Rand, idb[:]); err != nil {
		return nil, err
	}
	return &Member{ID: "stf_" + lowerB32(idb[:]), Login: nm.Login, Name: nm.Name, Roles: nm.Roles, Centers: nm.Centers,
		PasswordHash: hash, MustChangePassword: temporary, CreatedAt: s.d.Now()}, nil
}

// Bootstrap creates a member without an actor: `kabinet staff add` and the
// demo. The password is the member's own when given (checked by the
// password rule), else a temporary one is made and returned. secret, when
// given, is an already enrolled authenticator (the demo's).
func (s *Service) Bootstrap(ctx context.Context, nm NewMember, pw, secret string, exists CenterCheck) (*Member, string, error) {
	g, err := s.Grants(ctx)
	if err != nil {
		return nil, "", err
	}
	if nm, err = nm.Normalize(ctx, g, exists); err != nil {
		return nil, "", err
	}
	temporary := pw == ""
	if temporary {
		if pw, err = TempPassword(s.d.Rand); err != nil {
			return nil, "", err
		}
	} else if err := password.Validate(pw, pw, nm.Login, nm.Name); err != nil {
		return nil, "", err
	}
	m, err := s.newMember(ctx, nm, pw, temporary)
	if err != nil {
		return nil, "", err
	}
	m.CreatedBy = "bootstrap"
	if secret != "" {
		m.TOTPSecret, m.EnrolledAt = secret, m.CreatedAt
	}
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if err := s.d.Store.CreateStaff(ctx, m); err != nil {
			return err
		}
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: m.CreatedAt, Action: "staff.created", ActorKind: audit.ActorSystem,
			Details: map[string]string{"staff_id": m.ID, "roles": strings.Join(m.Roles, ","), "centers": strings.Join(m.Centers, ",")}})
	})
	if err != nil {
		return nil, "", err
	}
	if temporary {
		return m, pw, nil
	}
	return m, "", nil
}

// List returns every member, for administrators.
func (s *Service) List(ctx context.Context, a Actor) ([]Member, error) {
	g, err := s.Grants(ctx)
	if err != nil {
		return nil, err
	}
	if err := g.Authorize(a, PermStaffManage, ""); err != nil {
		return nil, err
	}
	return s.d.Store.ListStaff(ctx)
}

// Get returns one member, for administrators.
func (s *Service) Get(ctx context.Context, a Actor, id string) (*Member, error) {
	g, err := s.Grants(ctx)
	if err != nil {
		return nil, err
	}
	if err := g.Authorize(a, PermStaffManage, ""); err != nil {
		return nil, err
	}
	return s.d.Store.StaffByID(ctx, id)
}

// Member changes an administrator can make.
const (
	ChangeDisable   = "disable"    // sessions end; the member cannot sign in
	ChangeEnable    = "enable"     //
	ChangeResetCode = "reset_code" // a new authenticator at the next sign-in; sessions end
	ChangeResetPass = "reset_pass" // a new temporary password (returned); sessions end
)

// Change applies one administrator's change to a member, audited as
// staff.disabled, staff.enabled, staff.second_factor_reset or
// staff.password_reset. Administrators cannot disable or reset themselves
// (so that the last one cannot lock everybody out by a slip).
func (s *Service) Change(ctx context.Context, a Actor, id, change string) (string, error) {
	g, err := s.Grants(ctx)
	if err != nil {
		return "", err
	}
	if err := g.Authorize(a, PermStaffManage, ""); err != nil {
		return "", err
	}
	if id == a.Member.ID {
		return "", problem.New(problem.Conflict, "staff.not_yourself")
	}
	m, err := s.d.Store.StaffByID(ctx, id)
	if err != nil {
		return "", err
	}
	now := s.d.Now()
	var action, temp, endReason string
	switch change {
	case ChangeDisable:
		if m.Disabled() {
			return "", nil
		}
		m.DisabledAt, action, endReason = now, "staff.disabled", EndedDisabled
	case ChangeEnable:
		if !m.Disabled() {
			return "", nil
		}
		m.DisabledAt, action = time.Time{}, "staff.enabled"
	case ChangeResetCode:
		m.TOTPSecret, m.EnrolledAt, action, endReason = "", time.Time{}, "staff.second_factor_reset", EndedReset
	case ChangeResetPass:
		if temp, err = TempPassword(s.d.Rand); err != nil {
			return "", err
		}
		if m.PasswordHash, err = s.d.Hasher.Hash(ctx, temp); err != nil {
			return "", err
		}
		m.MustChangePassword, action, endReason = true, "staff.password_reset", EndedReset
	default:
		return "", problem.InvalidField("change", problem.M("staff.change_unknown"))
	}
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if ok, err := s.d.Store.UpdateStaff(ctx, m); err != nil || !ok {
			return errors.Join(err, conflictIf(!ok))
		}
		if endReason != "" {
			if _, err := s.d.Store.EndStaffSessions(ctx, m.ID, "", endReason, now); err != nil {
				return err
			}
		}
		e := a.Event(g, PermStaffManage, action, "", now)
		e.Details = map[string]string{"staff_id": m.ID}
		return s.d.Store.AppendAudit(ctx, &e)
	})
	if err != nil {
		return "", err
	}
	if change == ChangeResetPass {
		// The lock the old password may have earned goes with it.
		if err := s.d.Lockout.Release(ctx, lockLogin(m.Login)); err != nil {
			return temp, err
		}
	}
	return temp, nil
}

// b32 writes IDs, tokens and TOTP secrets (RFC 4648 base32, unpadded).
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

func lowerB32(b []byte) string {
	return strings.ToLower(b32.EncodeToString(b))
}

// LoginTaken reports whether a member has the login.
func (s *Service) LoginTaken(ctx context.Context, login string) (bool, error) {
	_, err := s.d.Store.StaffByLogin(ctx, NormalizeLogin(login))
	if problem.KindOf(err) == problem.NotFound {
		return false, nil
	}
	return err == nil, err
}
