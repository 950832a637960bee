package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/internal/lockout"
)

// LoginGuards is the login_guards table: per login, the consecutive
// password failures, the lock episodes and a suspension of the password.
type LoginGuards struct{ st *Store }

// LoginGuards returns the lockout's repository.
func (s *Store) LoginGuards() *LoginGuards { return &LoginGuards{st: s} }

var _ lockout.Store = (*LoginGuards)(nil)

// LoginGuard returns a login's lock state, the zero Guard when it has none.
func (lg *LoginGuards) LoginGuard(ctx context.Context, key []byte) (lockout.Guard, error) {
	var (
		g                          lockout.Guard
		locked, suspended, updated sql.NullInt64
	)
	err := lg.st.queryRow(ctx, `SELECT episodes, locked_until, failures, suspended_at, updated_at FROM login_guards WHERE key = ?`, key).
		Scan(&g.Episodes, &locked, &g.Failures, &suspended, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return lockout.Guard{}, nil
	}
	if err != nil {
		return g, fmt.Errorf("store: login guard: %w", err)
	}
	if locked.Int64 > 0 {
		g.LockedUntil = fromMS(locked)
	}
	g.SuspendedAt, g.UpdatedAt = fromMS(suspended), fromMS(updated)
	return g, nil
}

// AddLoginFailure counts one consecutive failure, atomically.
func (lg *LoginGuards) AddLoginFailure(ctx context.Context, key []byte, at time.Time) (int, error) {
	var n int
	err := lg.st.writeRow(ctx, `INSERT INTO login_guards (key, failures, updated_at) VALUES (?, 1, ?)
		ON CONFLICT (key) DO UPDATE SET failures = login_guards.failures + 1, updated_at = excluded.updated_at RETURNING failures`, key, ms(at)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: login failure: %w", err)
	}
	return n, nil
}

// StartLoginEpisode locks a login if its episode count is still from.
func (lg *LoginGuards) StartLoginEpisode(ctx context.Context, key []byte, from, to int, until, at time.Time) (bool, error) {
	res, err := lg.st.exec(ctx, `UPDATE login_guards SET episodes = ?, locked_until = ?, updated_at = ? WHERE key = ? AND episodes = ?`,
		to, until.UnixMilli(), ms(at), key, from)
	if err != nil {
		return false, fmt.Errorf("store: login episode: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SuspendLogin suspends a login's password; false when it already was.
func (lg *LoginGuards) SuspendLogin(ctx context.Context, key []byte, at time.Time) (bool, error) {
	res, err := lg.st.exec(ctx, `UPDATE login_guards SET suspended_at = ?, updated_at = ? WHERE key = ? AND suspended_at IS NULL`, ms(at), ms(at), key)
	if err != nil {
		return false, fmt.Errorf("store: suspend login: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ClearLoginFailures forgets failures and episodes, keeping a suspension.
func (lg *LoginGuards) ClearLoginFailures(ctx context.Context, key []byte, at time.Time) error {
	_, err := lg.st.exec(ctx, `UPDATE login_guards SET failures = 0, episodes = 0, locked_until = 0, updated_at = ? WHERE key = ? AND (failures > 0 OR episodes > 0)`, ms(at), key)
	return err
}

// DeleteLoginGuard forgets a login's lock state entirely.
func (lg *LoginGuards) DeleteLoginGuard(ctx context.Context, key []byte) error {
	_, err := lg.st.exec(ctx, `DELETE FROM login_guards WHERE key = ?`, key)
	return err
}

// MoveLoginGuard re-keys a login's guard (after a rotation of the master
// secret) unless the new key has one already. A copy that yields to a
// parallel insert (ON CONFLICT), then the old row's delete: no unique
// violation, which would abort a PostgreSQL transaction.
func (lg *LoginGuards) MoveLoginGuard(ctx context.Context, from, to []byte) (bool, error) {
	res, err := lg.st.exec(ctx, `INSERT INTO login_guards (key, episodes, locked_until, failures, suspended_at, updated_at)
		SELECT ?, episodes, locked_until, failures, suspended_at, updated_at FROM login_guards WHERE key = ?
		ON CONFLICT (key) DO NOTHING`, to, from)
	if err != nil {
		return false, fmt.Errorf("store: move login guard: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	if _, err := lg.st.exec(ctx, `DELETE FROM login_guards WHERE key = ?`, from); err != nil {
		return false, fmt.Errorf("store: move login guard: %w", err)
	}
	return true, nil
}
