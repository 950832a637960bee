package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/staff"
)

// Staff is the storage of staff members (staff, their roles and centers),
// the role table (staff_grants) and staff sessions, with the audit log.
type Staff struct {
	st *Store
	transactions
	*AuditLog
}

// Staff returns the staff repository.
func (s *Store) Staff() *Staff {
	return &Staff{st: s, transactions: transactions{st: s}, AuditLog: s.AuditLog()}
}

var _ staff.Store = (*Staff)(nil)

// StaffGrants returns the role table.
func (x *Staff) StaffGrants(ctx context.Context) (staff.Grants, error) {
	rows, err := x.st.query(ctx, `SELECT role, permission, scoped FROM staff_grants ORDER BY role, permission`)
	if err != nil {
		return nil, fmt.Errorf("store: staff grants: %w", err)
	}
	defer rows.Close()
	var out staff.Grants
	for rows.Next() {
		var g staff.Grant
		var scoped int64
		if err := rows.Scan(&g.Role, &g.Permission, &scoped); err != nil {
			return nil, err
		}
		g.Scoped = scoped != 0
		out = append(out, g)
	}
	return out, rows.Err()
}

// CreateStaff inserts a member with its roles and centers.
func (x *Staff) CreateStaff(ctx context.Context, m *staff.Member) error {
	return x.st.Transact(ctx, func(ctx context.Context) error {
		_, err := x.st.exec(ctx, `INSERT INTO staff (id, login, name, password_hash, must_change_password, totp_secret, enrolled_at, last_step,
			disabled_at, created_at, created_by, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,0)`,
			m.ID, m.Login, x.st.seal("staff", "name", m.ID, m.Name), m.PasswordHash, boolInt(m.MustChangePassword),
			x.st.seal("staff", "totp_secret", m.ID, m.TOTPSecret), ms(m.EnrolledAt), m.LastStep, ms(m.DisabledAt), ms(m.CreatedAt), m.CreatedBy)
		if err != nil {
			if ok, _ := isUnique(err); ok {
				return problem.InvalidField("login", problem.M("staff.login_taken"))
			}
			return fmt.Errorf("store: create staff: %w", err)
		}
		m.Version = 0
		return x.setMemberships(ctx, m)
	})
}

func (x *Staff) setMemberships(ctx context.Context, m *staff.Member) error {
	for _, q := range []string{`DELETE FROM staff_roles WHERE staff_id = ?`, `DELETE FROM staff_centers WHERE staff_id = ?`} {
		if _, err := x.st.exec(ctx, q, m.ID); err != nil {
			return fmt.Errorf("store: staff memberships: %w", err)
		}
	}
	for _, r := range m.Roles {
		if _, err := x.st.exec(ctx, `INSERT INTO staff_roles (staff_id, role) VALUES (?, ?)`, m.ID, r); err != nil {
			return fmt.Errorf("store: staff role: %w", err)
		}
	}
	for _, c := range m.Centers {
		if _, err := x.st.exec(ctx, `INSERT INTO staff_centers (staff_id, center_id) VALUES (?, ?)`, m.ID, c); err != nil {
			return fmt.Errorf("store: staff center: %w", err)
		}
	}
	return nil
}

const staffColumns = `id, login, name, password_hash, must_change_password, totp_secret, enrolled_at, last_step, disabled_at, created_at, created_by, version`

func (x *Staff) scanMember(r interface{ Scan(...any) error }) (*staff.Member, error) {
	var (
		m                          staff.Member
		name, secret               []byte
		must                       int64
		enrolled, disabled, create sql.NullInt64
	)
	if err := r.Scan(&m.ID, &m.Login, &name, &m.PasswordHash, &must, &secret, &enrolled, &m.LastStep, &disabled, &create, &m.CreatedBy, &m.Version); err != nil {
		return nil, err
	}
	var err error
	if m.Name, err = x.st.unseal("staff", "name", m.ID, name); err != nil {
		return nil, err
	}
	if m.TOTPSecret, err = x.st.unseal("staff", "totp_secret", m.ID, secret); err != nil {
		return nil, err
	}
	m.MustChangePassword = must != 0
	m.EnrolledAt, m.DisabledAt, m.CreatedAt = fromMS(enrolled), fromMS(disabled), fromMS(create)
	return &m, nil
}

// memberships fills the members' roles and centers.
func (x *Staff) memberships(ctx context.Context, ms []*staff.Member) error {
	if len(ms) == 0 {
		return nil
	}
	byID := make(map[string]*staff.Member, len(ms))
	for _, m := range ms {
		byID[m.ID] = m
	}
	one := len(ms) == 1
	for _, q := range []struct {
		sql string
		add func(m *staff.Member, v string)
	}{
		{`SELECT staff_id, role FROM staff_roles`, func(m *staff.Member, v string) { m.Roles = append(m.Roles, v) }},
		{`SELECT staff_id, center_id FROM staff_centers`, func(m *staff.Member, v string) { m.Centers = append(m.Centers, v) }},
	} {
		stmt, args := q.sql, []any{}
		if one {
			stmt, args = stmt+` WHERE staff_id = ?`, []any{ms[0].ID}
		}
		rows, err := x.st.query(ctx, stmt, args...)
		if err != nil {
			return fmt.Errorf("store: staff memberships: %w", err)
		}
		for rows.Next() {
			var id, v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return err
			}
			if m := byID[id]; m != nil {
				q.add(m, v)
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	for _, m := range ms {
		slices.Sort(m.Roles)
		slices.Sort(m.Centers)
	}
	return nil
}

func (x *Staff) memberWhere(ctx context.Context, where string, arg any) (*staff.Member, error) {
	m, err := x.scanMember(x.st.queryRow(ctx, `SELECT `+staffColumns+` FROM staff WHERE `+where, arg))
	if err != nil {
		return nil, notFound(err, "staff.not_found")
	}
	if err := x.memberships(ctx, []*staff.Member{m}); err != nil {
		return nil, err
	}
	return m, nil
}

// StaffByLogin returns the member with the (normalised) login.
func (x *Staff) StaffByLogin(ctx context.Context, login string) (*staff.Member, error) {
	return x.memberWhere(ctx, `login = ?`, login)
}

// StaffByID returns one member.
func (x *Staff) StaffByID(ctx context.Context, id string) (*staff.Member, error) {
	return x.memberWhere(ctx, `id = ?`, id)
}

// ListStaff returns every member by login.
func (x *Staff) ListStaff(ctx context.Context) ([]staff.Member, error) {
	rows, err := x.st.query(ctx, `SELECT `+staffColumns+` FROM staff ORDER BY login`)
	if err != nil {
		return nil, fmt.Errorf("store: list staff: %w", err)
	}
	var ptrs []*staff.Member
	for rows.Next() {
		m, err := x.scanMember(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		ptrs = append(ptrs, m)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := x.memberships(ctx, ptrs); err != nil {
		return nil, err
	}
	out := make([]staff.Member, len(ptrs))
	for i, m := range ptrs {
		out[i] = *m
	}
	return out, nil
}

// UpdateStaff saves a member by compare-and-set on its version.
func (x *Staff) UpdateStaff(ctx context.Context, m *staff.Member) (bool, error) {
	ok := false
	err := x.st.Transact(ctx, func(ctx context.Context) error {
		res, err := x.st.exec(ctx, `UPDATE staff SET name = ?, password_hash = ?, must_change_password = ?, totp_secret = ?, enrolled_at = ?,
			disabled_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			x.st.seal("staff", "name", m.ID, m.Name), m.PasswordHash, boolInt(m.MustChangePassword),
			x.st.seal("staff", "totp_secret", m.ID, m.TOTPSecret), ms(m.EnrolledAt), ms(m.DisabledAt), m.ID, m.Version)
		if err != nil {
			return fmt.Errorf("store: update staff: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil || n == 0 {
			return err
		}
		ok = true
		return x.setMemberships(ctx, m)
	})
	return ok, err
}

// UseTOTPStep records an accepted code's time step unless it is not later
// than the last one (a replayed code).
func (x *Staff) UseTOTPStep(ctx context.Context, staffID string, step int64) (bool, error) {
	res, err := x.st.exec(ctx, `UPDATE staff SET last_step = ? WHERE id = ? AND last_step < ?`, step, staffID, step)
	if err != nil {
		return false, fmt.Errorf("store: totp step: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// CreateStaffSession inserts a staff session.
func (x *Staff) CreateStaffSession(ctx context.Context, s *staff.Session) error {
	_, err := x.st.exec(ctx, `INSERT INTO staff_sessions (id, token_hash, staff_id, stage, center_id, ip, user_agent, created_at, last_seen_at,
		expires_at, factor_at, attempts, ended_at, end_reason, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,0)`,
		s.ID, s.TokenHash, s.StaffID, s.Stage, nullString(s.CenterID), s.IP, s.UserAgent, ms(s.CreatedAt), ms(s.LastSeenAt),
		ms(s.ExpiresAt), ms(s.FactorAt), s.Attempts, ms(s.EndedAt), nullString(s.EndReason))
	if err != nil {
		return fmt.Errorf("store: create staff session: %w", err)
	}
	s.Version = 0
	return nil
}

// StaffSessionByToken returns the session with the token hash.
func (x *Staff) StaffSessionByToken(ctx context.Context, tokenHash []byte) (*staff.Session, error) {
	var (
		s                                 staff.Session
		center, ip, ua, reason            sql.NullString
		created, seen, exp, factor, ended sql.NullInt64
	)
	err := x.st.queryRow(ctx, `SELECT id, staff_id, stage, center_id, ip, user_agent, created_at, last_seen_at, expires_at, factor_at, attempts,
		ended_at, end_reason, version FROM staff_sessions WHERE token_hash = ?`, tokenHash).Scan(&s.ID, &s.StaffID, &s.Stage, &center, &ip, &ua,
		&created, &seen, &exp, &factor, &s.Attempts, &ended, &reason, &s.Version)
	if err != nil {
		return nil, notFound(err, "staff.session_not_found")
	}
	s.TokenHash = tokenHash
	s.CenterID, s.IP, s.UserAgent, s.EndReason = center.String, ip.String, ua.String, reason.String
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.FactorAt, s.EndedAt = fromMS(created), fromMS(seen), fromMS(exp), fromMS(factor), fromMS(ended)
	return &s, nil
}

// UpdateStaffSession saves a session by compare-and-set on its version.
func (x *Staff) UpdateStaffSession(ctx context.Context, s *staff.Session) (bool, error) {
	res, err := x.st.exec(ctx, `UPDATE staff_sessions SET stage = ?, center_id = ?, last_seen_at = ?, expires_at = ?, factor_at = ?, attempts = ?,
		ended_at = ?, end_reason = ?, version = version + 1 WHERE id = ? AND version = ?`,
		s.Stage, nullString(s.CenterID), ms(s.LastSeenAt), ms(s.ExpiresAt), ms(s.FactorAt), s.Attempts, ms(s.EndedAt), nullString(s.EndReason),
		s.ID, s.Version)
	if err != nil {
		return false, fmt.Errorf("store: update staff session: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return false, err
	}
	s.Version++
	return true, nil
}

// TouchStaffSession moves last-seen forward (never back).
func (x *Staff) TouchStaffSession(ctx context.Context, id string, at time.Time) error {
	_, err := x.st.exec(ctx, `UPDATE staff_sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?`, ms(at), id, ms(at))
	return err
}

// EndStaffSessions ends the member's open sessions but one.
func (x *Staff) EndStaffSessions(ctx context.Context, staffID, exceptID, reason string, at time.Time) (int, error) {
	res, err := x.st.exec(ctx, `UPDATE staff_sessions SET ended_at = ?, end_reason = ?, version = version + 1
		WHERE staff_id = ? AND id <> ? AND ended_at IS NULL`, ms(at), reason, staffID, exceptID)
	if err != nil {
		return 0, fmt.Errorf("store: end staff sessions: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
