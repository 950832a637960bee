package staff

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/lockout"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/throttle"
)

// Stages of a staff session. A session is issued after the password and
// is worth nothing until the second factor (and, for a password someone
// else chose, a new password) completes it.
const (
	StageEnroll         = "enroll"          // show the QR code, wait for a first code
	StageCode           = "code"            // wait for a code from the authenticator
	StageChangePassword = "change_password" // a new password of the member's own
	StageActive         = "active"
)

// Reasons a staff session ended.
const (
	EndedSignOut  = "sign_out"
	EndedIdle     = "idle"
	EndedExpired  = "expired"
	EndedAttempts = "too_many_codes"
	EndedDisabled = "disabled"
	EndedReset    = "second_factor_reset"
	EndedReplaced = "replaced"
)

// Session is one staff sign-in, from the password on.
type Session struct {
	ID        string
	TokenHash []byte
	StaffID   string
	Stage     string
	CenterID  string // the center the member acts for ("" for none)
	IP        string
	UserAgent string
	CreatedAt time.Time
	// LastSeenAt moves with use; the session ends after Policy.Idle
	// without it.
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute
	// FactorAt is when the session last proved a code: sensitive actions
	// want it recent (Policy.Reauth).
	FactorAt  time.Time
	Attempts  int // wrong codes at this session's current stage
	EndedAt   time.Time
	EndReason string
	Version   int
}

// Store is what staff needs from storage. Calls made with the context
// Transact passes commit together.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	StaffGrants(ctx context.Context) (Grants, error)
	// CreateStaff adds a member; Conflict "staff.login_taken" when the
	// login is taken.
	CreateStaff(ctx context.Context, m *Member) error
	// StaffByLogin and StaffByID return NotFound when there is none.
	StaffByLogin(ctx context.Context, login string) (*Member, error)
	StaffByID(ctx context.Context, id string) (*Member, error)
	ListStaff(ctx context.Context) ([]Member, error)
	// UpdateStaff saves m if its version is still m.Version (then
	// increments it); false when another change came first.
	UpdateStaff(ctx context.Context, m *Member) (bool, error)
	// UseTOTPStep records step as the member's last accepted one if it is
	// later than the stored one; false for a code used before.
	UseTOTPStep(ctx context.Context, staffID string, step int64) (bool, error)
	CreateStaffSession(ctx context.Context, s *Session) error
	// StaffSessionByToken returns NotFound when there is none.
	StaffSessionByToken(ctx context.Context, tokenHash []byte) (*Session, error)
	// UpdateStaffSession saves s if its version is still s.Version (then
	// increments it); false otherwise.
	UpdateStaffSession(ctx context.Context, s *Session) (bool, error)
	// TouchStaffSession moves last-seen forward.
	TouchStaffSession(ctx context.Context, id string, at time.Time) error
	// EndStaffSessions ends the member's open sessions but one ("" for none).
	EndStaffSessions(ctx context.Context, staffID, exceptID, reason string, at time.Time) (int, error)
	AppendAudit(ctx context.Context, e *audit.Event) error
}

// Limiter counts codes (throttle.Limiter).
type Limiter interface {
	Take(ctx context.Context, r throttle.Rule, subject string) error
}

// Policy is the deployment's staff settings.
type Policy struct {
	Idle     time.Duration // 15 min: a console left alone signs out
	Lifetime time.Duration // absolute, a working day
	Reauth   time.Duration // how recent a code a sensitive action wants
	Pending  time.Duration // how long the stages before active may take
	Issuer   string        // shown in the authenticator app
}

// Deps are the service's collaborators.
type Deps struct {
	Store   Store
	Hasher  *password.Hasher
	Lockout *lockout.Service // the password's locks, on "staff:"+login
	Limiter Limiter
	Policy  Policy
	Now     func() time.Time
	Rand    io.Reader
}

// Service signs staff in and manages their accounts.
type Service struct {
	d      Deps
	grants atomic.Pointer[Grants] // the role table, read once
}

// New returns the service.
func New(d Deps) *Service {
	p := &d.Policy
	if p.Idle <= 0 {
		p.Idle = 15 * time.Minute
	}
	if p.Lifetime <= 0 {
		p.Lifetime = 12 * time.Hour
	}
	if p.Reauth <= 0 {
		p.Reauth = 5 * time.Minute
	}
	if p.Pending <= 0 {
		p.Pending = 10 * time.Minute
	}
	if p.Issuer == "" {
		p.Issuer = "kabinet"
	}
	return &Service{d: d}
}

// Policy returns the settings in force.
func (s *Service) Policy() Policy { return s.d.Policy }

// Grants returns the role table.
//
// The table changes only with a migration, which a node starts after, so it
// is read once rather than on every staff request.
func (s *Service) Grants(ctx context.Context) (Grants, error) {
	if g := s.grants.Load(); g != nil {
		return *g, nil
	}
	g, err := s.d.Store.StaffGrants(ctx)
	if err != nil {
		return nil, err
	}
	s.grants.Store(&g)
	return g, nil
}

// CodeRule bounds the codes one member may try: five wrong ones a quarter
// of an hour would let a guesser through 1 in 200 000 a day at most.
var CodeRule = throttle.Rule{Name: "staff.code", Max: 5, Window: 15 * time.Minute, Message: "staff.code_rate_limited"}

// maxAttempts is the wrong codes one pending session may take before it
// ends and the password must be typed again.
const maxAttempts = 3

// Client is who is at the other end.
type Client struct{ IP, UserAgent, RequestID string }

func lockLogin(login string) string { return "staff:" + login }

// NormalizeLogin is how a login is compared: trimmed, lower case.
func NormalizeLogin(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// SignIn checks the login and password and issues a pending session at
// its next stage. An unknown login, a wrong password and a disabled
// member get the same Unauthorized "staff.wrong" after the same work.
func (s *Service) SignIn(ctx context.Context, login, pw string, c Client) (token string, sess *Session, err error) {
	login = NormalizeLogin(login)
	if login == "" || pw == "" {
		f := &problem.Fields{}
		if login == "" {
			f.Add("login", problem.M("staff.login_required"))
		}
		if pw == "" {
			f.Add("password", problem.M("staff.password_required"))
		}
		return "", nil, f.Err()
	}
	m, err := s.d.Store.StaffByLogin(ctx, login)
	if err != nil && problem.KindOf(err) != problem.NotFound {
		return "", nil, err
	}
	id := ""
	if m != nil {
		id = m.ID
	}
	t, err := s.d.Lockout.Before(ctx, lockout.Attempt{Login: lockLogin(login), AccountID: id})
	if err != nil {
		return "", nil, err
	}
	ok := false
	if m == nil {
		if err := s.d.Hasher.VerifyDummy(ctx, pw); err != nil {
			return "", nil, err
		}
	} else if ok, _, err = s.d.Hasher.Verify(ctx, pw, m.PasswordHash); err != nil {
		return "", nil, err
	}
	now := s.d.Now()
	if !ok || m.Disabled() {
		out, err := s.d.Lockout.Failed(ctx, t)
		if err != nil {
			return "", nil, err
		}
		e := audit.Event{At: now, Action: "staff.signin_failed", ActorKind: audit.ActorAnonymous, IP: c.IP, RequestID: c.RequestID}
		if m != nil {
			e.ActorKind, e.ActorID = audit.ActorStaff, m.ID
			if m.Disabled() && ok {
				e.Details = map[string]string{"reason": "disabled"}
			}
		}
		if err := s.d.Store.AppendAudit(ctx, &e); err != nil {
			return "", nil, err
		}
		if pe, isP := problem.As(out.Answer); isP && pe.Kind == problem.Unauthorized {
			return "", nil, problem.New(problem.Unauthorized, "staff.wrong")
		}
		return "", nil, out.Answer
	}
	if err := s.d.Lockout.Succeeded(ctx, t); err != nil {
		return "", nil, err
	}
	stage := StageCode
	if !m.Enrolled() {
		stage = StageEnroll
	}
	token, sess, err = s.newSession(m, stage, c, now)
	if err != nil {
		return "", nil, err
	}
	sess.ExpiresAt = now.Add(s.d.Policy.Pending)
	if len(m.Centers) == 1 {
		sess.CenterID = m.Centers[0]
	}
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if stage == StageEnroll && m.TOTPSecret == "" {
			if err := s.newSecret(ctx, m); err != nil {
				return err
			}
		}
		if err := s.d.Store.CreateStaffSession(ctx, sess); err != nil {
			return err
		}
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "staff.password_accepted", ActorKind: audit.ActorStaff,
			ActorID: m.ID, IP: c.IP, RequestID: c.RequestID})
	})
	if err != nil {
		return "", nil, err
	}
	return token, sess, nil
}

// newSecret gives the member a fresh, not yet enrolled, authenticator secret.
func (s *Service) newSecret(ctx context.Context, m *Member) error {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.d.Policy.Issuer, AccountName: m.Login, Rand: s.d.Rand})
	if err != nil {
		return fmt.Errorf("staff: totp secret: %w", err)
	}
	m.TOTPSecret, m.EnrolledAt = key.Secret(), time.Time{}
	ok, err := s.d.Store.UpdateStaff(ctx, m)
	if err != nil {
		return err
	}
	if !ok {
		return problem.New(problem.Conflict, "staff.changed")
	}
	m.Version++
	return nil
}

func (s *Service) newSession(m *Member, stage string, c Client, now time.Time) (string, *Session, error) {
	var b [32]byte
	if _, err := io.ReadFull(s.d.Rand, b[:]); err != nil {
		return "", nil, err
	}
	var idb [10]byte
	if _, err := io.ReadFull(s.d.Rand, idb[:]); err != nil {
		return "", nil, err
	}
	token := "st_" + b32.EncodeToString(b[:])
	sess := &Session{
		ID: lowerB32(idb[:]), TokenHash: HashToken(token),
		StaffID: m.ID, Stage: stage, IP: c.IP, UserAgent: c.UserAgent, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.d.Policy.Lifetime),
	}
	return token, sess, nil
}

// HashToken returns the stored form of a session token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Enrollment is what the enrolment page shows: the secret as text and as
// the otpauth:// URL its QR code carries.
type Enrollment struct {
	Secret string
	URL    string
}

// Pending returns the session at a stage before active, and its member.
// A session that is gone, active or past its time is Unauthorized
// "staff.pending_expired": the password again.
func (s *Service) Pending(ctx context.Context, token string) (*Session, *Member, error) {
	sess, err := s.d.Store.StaffSessionByToken(ctx, HashToken(token))
	if err != nil {
		if problem.KindOf(err) == problem.NotFound {
			return nil, nil, problem.New(problem.Unauthorized, "staff.pending_expired")
		}
		return nil, nil, err
	}
	if sess.Stage == StageActive || !sess.EndedAt.IsZero() || !s.d.Now().Before(sess.ExpiresAt) {
		return nil, nil, problem.New(problem.Unauthorized, "staff.pending_expired")
	}
	m, err := s.d.Store.StaffByID(ctx, sess.StaffID)
	if err != nil {
		return nil, nil, err
	}
	if m.Disabled() {
		return nil, nil, problem.New(problem.Unauthorized, "staff.pending_expired")
	}
	return sess, m, nil
}

// Enrollment returns the secret to enrol for a session at StageEnroll.
func (s *Service) Enrollment(ctx context.Context, token string) (Enrollment, error) {
	sess, m, err := s.Pending(ctx, token)
	if err != nil {
		return Enrollment{}, err
	}
	if sess.Stage != StageEnroll {
		return Enrollment{}, problem.New(problem.Conflict, "staff.wrong_stage")
	}
	return s.enrollmentOf(m), nil
}

func (s *Service) enrollmentOf(m *Member) Enrollment {
	raw, err := b32.DecodeString(strings.ToUpper(strings.TrimRight(m.TOTPSecret, "=")))
	if err != nil {
		return Enrollment{Secret: m.TOTPSecret}
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.d.Policy.Issuer, AccountName: m.Login, Secret: raw})
	if err != nil {
		return Enrollment{Secret: m.TOTPSecret}
	}
	return Enrollment{Secret: m.TOTPSecret, URL: key.URL()}
}

// ValidCode reports whether code is the secret's code at now or one step
// either side (clocks drift), and which step it is.
func ValidCode(secret, code string, now time.Time) (int64, bool) {
	code = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, code)
	if len(code) != 6 {
		return 0, false
	}
	for _, skew := range []int64{0, -1, 1} {
		at := now.Add(time.Duration(skew) * 30 * time.Second)
		want, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return at.Unix() / 30, true
		}
	}
	return 0, false
}

// Code returns the authenticator's code for secret at now (the demo banner
// shows it; tests type it).
func Code(secret string, now time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, now, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// checkCode counts and checks a code for the member: the member's code
// budget first, then the code, then that its step was not used before.
func (s *Service) checkCode(ctx context.Context, m *Member, code string) error {
	if strings.TrimSpace(code) == "" {
		return problem.InvalidField("code", problem.M("staff.code_required"))
	}
	if err := s.d.Limiter.Take(ctx, CodeRule, m.ID); err != nil {
		return err
	}
	step, ok := ValidCode(m.TOTPSecret, code, s.d.Now())
	if !ok {
		return problem.InvalidField("code", problem.M("staff.code_wrong"))
	}
	fresh, err := s.d.Store.UseTOTPStep(ctx, m.ID, step)
	if err != nil {
		return err
	}
	if !fresh {
		return problem.InvalidField("code", problem.M("staff.code_used"))
	}
	return nil
}

// SecondFactor checks the authenticator's code for a pending session (at
// StageEnroll it also completes the enrolment). The session moves on to
// StageChangePassword or StageActive under a new token (returned): the
// token that crossed the password step does not become the signed-in one.
// Three wrong codes end the session.
func (s *Service) SecondFactor(ctx context.Context, token, code string, c Client) (string, *Session, error) {
	sess, m, err := s.Pending(ctx, token)
	if err != nil {
		return "", nil, err
	}
	if sess.Stage != StageEnroll && sess.Stage != StageCode {
		return "", nil, problem.New(problem.Conflict, "staff.wrong_stage")
	}
	now := s.d.Now()
	if cerr := s.checkCode(ctx, m, code); cerr != nil {
		if problem.KindOf(cerr) != problem.Invalid {
			return "", nil, cerr
		}
		err := s.d.Store.Transact(ctx, func(ctx context.Context) error {
			sess.Attempts++
			if sess.Attempts >= maxAttempts {
				sess.EndedAt, sess.EndReason = now, EndedAttempts
			}
			if ok, err := s.d.Store.UpdateStaffSession(ctx, sess); err != nil || !ok {
				return errors.Join(err, conflictIf(!ok))
			}
			return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "staff.code_failed", ActorKind: audit.ActorStaff,
				ActorID: m.ID, IP: c.IP, RequestID: c.RequestID})
		})
		if err != nil {
			return "", nil, err
		}
		if !sess.EndedAt.IsZero() {
			return "", nil, problem.New(problem.Unauthorized, "staff.too_many_codes")
		}
		return "", nil, cerr
	}
	newToken, next, err := s.newSession(m, StageActive, c, now)
	if err != nil {
		return "", nil, err
	}
	next.CenterID, next.FactorAt = sess.CenterID, now
	if m.MustChangePassword {
		next.Stage, next.ExpiresAt = StageChangePassword, now.Add(s.d.Policy.Pending)
	}
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		sess.EndedAt, sess.EndReason = now, EndedReplaced
		if ok, err := s.d.Store.UpdateStaffSession(ctx, sess); err != nil || !ok {
			return errors.Join(err, conflictIf(!ok))
		}
		if sess.Stage == StageEnroll {
			m.EnrolledAt = now
			if ok, err := s.d.Store.UpdateStaff(ctx, m); err != nil || !ok {
				return errors.Join(err, conflictIf(!ok))
			}
			if err := s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "staff.enrolled", ActorKind: audit.ActorStaff,
				ActorID: m.ID, IP: c.IP, RequestID: c.RequestID}); err != nil {
				return err
			}
		}
		if err := s.d.Store.CreateStaffSession(ctx, next); err != nil {
			return err
		}
		if next.Stage != StageActive {
			return nil
		}
		return s.signedIn(ctx, m, next, c, now)
	})
	if err != nil {
		return "", nil, err
	}
	return newToken, next, nil
}

func (s *Service) signedIn(ctx context.Context, m *Member, sess *Session, c Client, now time.Time) error {
	return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "staff.signed_in", ActorKind: audit.ActorStaff,
		ActorID: m.ID, ActorRole: strings.Join(m.Roles, ","), CenterID: sess.CenterID, IP: c.IP, RequestID: c.RequestID})
}

func conflictIf(b bool) error {
	if b {
		return problem.New(problem.Conflict, "staff.changed")
	}
	return nil
}

// ChangePassword sets the member's own password at StageChangePassword
// (password.Validate's rules, not the old one) and activates the session.
func (s *Service) ChangePassword(ctx context.Context, token, pw, confirmation string, c Client) (*Session, error) {
	sess, m, err := s.Pending(ctx, token)
	if err != nil {
		return nil, err
	}
	if sess.Stage != StageChangePassword {
		return nil, problem.New(problem.Conflict, "staff.wrong_stage")
	}
	if err := password.Validate(pw, confirmation, m.Login, m.Name); err != nil {
		return nil, err
	}
	if same, _, err := s.d.Hasher.Verify(ctx, pw, m.PasswordHash); err != nil {
		return nil, err
	} else if same {
		return nil, password.SameAsOld()
	}
	hash, err := s.d.Hasher.Hash(ctx, pw)
	if err != nil {
		return nil, err
	}
	now := s.d.Now()
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		m.PasswordHash, m.MustChangePassword = hash, false
		if ok, err := s.d.Store.UpdateStaff(ctx, m); err != nil || !ok {
			return errors.Join(err, conflictIf(!ok))
		}
		sess.Stage, sess.ExpiresAt, sess.LastSeenAt = StageActive, sess.CreatedAt.Add(s.d.Policy.Lifetime), now
		if ok, err := s.d.Store.UpdateStaffSession(ctx, sess); err != nil || !ok {
			return errors.Join(err, conflictIf(!ok))
		}
		if err := s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "staff.password_changed", ActorKind: audit.ActorStaff,
			ActorID: m.ID, IP: c.IP, RequestID: c.RequestID}); err != nil {
			return err
		}
		return s.signedIn(ctx, m, sess, c, now)
	})
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// Authenticate returns the active session of token and its member. A
// session idle for longer than Policy.Idle, past its end, or of a member
// since disabled ends here; the answer is Unauthorized "staff.signed_out"
// (with the reason in "staff.idle" when it timed out).
func (s *Service) Authenticate(ctx context.Context, token string) (*Session, *Member, error) {
	sess, err := s.d.Store.StaffSessionByToken(ctx, HashToken(token))
	if err != nil {
		if problem.KindOf(err) == problem.NotFound {
			return nil, nil, problem.New(problem.Unauthorized, "staff.signed_out")
		}
		return nil, nil, err
	}
	if sess.Stage != StageActive || !sess.EndedAt.IsZero() {
		return nil, nil, problem.New(problem.Unauthorized, "staff.signed_out")
	}
	now := s.d.Now()
	reason := ""
	switch {
	case !now.Before(sess.ExpiresAt):
		reason = EndedExpired
	case !now.Before(sess.LastSeenAt.Add(s.d.Policy.Idle)):
		reason = EndedIdle
	}
	m, err := s.d.Store.StaffByID(ctx, sess.StaffID)
	if err != nil {
		return nil, nil, err
	}
	if reason == "" && m.Disabled() {
		reason = EndedDisabled
	}
	if reason != "" {
		sess.EndedAt, sess.EndReason = now, reason
		if _, err := s.d.Store.UpdateStaffSession(ctx, sess); err != nil {
			return nil, nil, err
		}
		if reason == EndedIdle {
			return nil, nil, problem.New(problem.Unauthorized, "staff.idle")
		}
		return nil, nil, problem.New(problem.Unauthorized, "staff.signed_out")
	}
	// Last-seen is written at most every few seconds: a console page pulls
	// several resources at once.
	if now.Sub(sess.LastSeenAt) >= 5*time.Second {
		if err := s.d.Store.TouchStaffSession(ctx, sess.ID, now); err != nil {
			return nil, nil, err
		}
		sess.LastSeenAt = now
	}
	return sess, m, nil
}

// NeedsReauth reports whether a sensitive action must first ask for a
// fresh code.
func (s *Service) NeedsReauth(sess *Session) bool {
	return sess.FactorAt.IsZero() || s.d.Now().Sub(sess.FactorAt) > s.d.Policy.Reauth
}

// Reauthenticate checks a fresh code for an active session before a
// sensitive action.
func (s *Service) Reauthenticate(ctx context.Context, a Actor, code string) error {
	if err := s.checkCode(ctx, a.Member, code); err != nil {
		if problem.KindOf(err) == problem.Invalid {
			if aerr := s.d.Store.AppendAudit(ctx, &audit.Event{At: s.d.Now(), Action: "staff.code_failed", ActorKind: audit.ActorStaff,
				ActorID: a.Member.ID, IP: a.IP, RequestID: a.RequestID}); aerr != nil {
				return aerr
			}
		}
		return err
	}
	now := s.d.Now()
	a.Session.FactorAt, a.Session.LastSeenAt = now, now
	return s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if ok, err := s.d.Store.UpdateStaffSession(ctx, a.Session); err != nil || !ok {
			return errors.Join(err, conflictIf(!ok))
		}
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "staff.reauthenticated", ActorKind: audit.ActorStaff,
			ActorID: a.Member.ID, CenterID: a.CenterID, IP: a.IP, RequestID: a.RequestID})
	})
}

// ActFor sets the center an operator acts for, one of theirs.
func (s *Service) ActFor(ctx context.Context, a Actor, center string) error {
	if center != "" && !slices.Contains(a.Member.Centers, center) {
		return problem.New(problem.Forbidden, "staff.not_your_center")
	}
	a.Session.CenterID = center
	return s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if ok, err := s.d.Store.UpdateStaffSession(ctx, a.Session); err != nil || !ok {
			return errors.Join(err, conflictIf(!ok))
		}
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: s.d.Now(), Action: "staff.center_chosen", ActorKind: audit.ActorStaff,
			ActorID: a.Member.ID, CenterID: center, IP: a.IP, RequestID: a.RequestID})
	})
}

// SignOut ends the session (pending or active); signing out twice is fine.
func (s *Service) SignOut(ctx context.Context, token string, c Client) error {
	sess, err := s.d.Store.StaffSessionByToken(ctx, HashToken(token))
	if err != nil {
		if problem.KindOf(err) == problem.NotFound {
			return nil
		}
		return err
	}
	if !sess.EndedAt.IsZero() {
		return nil
	}
	now := s.d.Now()
	return s.d.Store.Transact(ctx, func(ctx context.Context) error {
		sess.EndedAt, sess.EndReason = now, EndedSignOut
		if _, err := s.d.Store.UpdateStaffSession(ctx, sess); err != nil {
			return err
		}
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "staff.signed_out", ActorKind: audit.ActorStaff,
			ActorID: sess.StaffID, CenterID: sess.CenterID, IP: c.IP, RequestID: c.RequestID})
	})
}

// Record appends an audit record of something the actor did or looked at
// that changes nothing else (a search of the audit log, say), with the
// role that permits perm.
func (s *Service) Record(ctx context.Context, a Actor, g Grants, perm, action, subject string, details map[string]string) error {
	e := a.Event(g, perm, action, subject, s.d.Now())
	e.Details = details
	return s.d.Store.AppendAudit(ctx, &e)
}
