package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/session"
)

// Sessions is the sessions table and the sign-in history (sign_ins), with
// the announcements between nodes that keep every node's session cache
// exact, and the audit log, where ending sessions at their owner's request
// is recorded in the same transaction.
type Sessions struct {
	st *Store
	transactions
	*AuditLog
}

// Sessions returns the sessions repository.
func (s *Store) Sessions() *Sessions {
	return &Sessions{st: s, transactions: transactions{st: s}, AuditLog: s.AuditLog()}
}

var _ session.Store = (*Sessions)(nil)

// AfterCommit is Store.AfterCommit: the session cache is dropped once the
// transaction that ended sessions has committed.
func (ss *Sessions) AfterCommit(ctx context.Context, fn func()) { ss.st.AfterCommit(ctx, fn) }

// CreateSession inserts a session.
func (ss *Sessions) CreateSession(ctx context.Context, x *session.Session) error {
	_, err := ss.st.exec(ctx, `INSERT INTO sessions (id, token_hash, account_id, method, ip, user_agent, created_at, last_seen_at, expires_at, password_at)
		VALUES (?,?,?,?,?,?,?,?,?,?)`, x.ID, x.TokenHash, x.AccountID, x.Method, x.IP, x.UserAgent, ms(x.CreatedAt), ms(x.LastSeenAt), ms(x.ExpiresAt), ms(x.PasswordAt))
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// SessionByToken returns a session and its account in one query: this is
// the path every authenticated request takes.
func (ss *Sessions) SessionByToken(ctx context.Context, tokenHash []byte) (*session.Session, *account.Account, error) {
	var (
		x                         session.Session
		r                         accountRow
		created, seen, exp, ended sql.NullInt64
		pwAt                      sql.NullInt64
		endReason                 sql.NullString
	)
	dest := append([]any{&x.ID, &x.AccountID, &x.Method, &x.IP, &x.UserAgent, &created, &seen, &exp, &ended, &endReason, &pwAt}, r.dest()...)
	err := ss.st.queryRow(ctx, `SELECT s.id, s.account_id, s.method, s.ip, s.user_agent, s.created_at, s.last_seen_at, s.expires_at, s.ended_at, s.end_reason, s.password_at, `+
		accountColumns+` FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = ?`, tokenHash).Scan(dest...)
	if err != nil {
		return nil, nil, notFound(err, "session.not_found")
	}
	x.TokenHash = tokenHash
	x.CreatedAt, x.LastSeenAt, x.ExpiresAt, x.EndedAt, x.EndReason = fromMS(created), fromMS(seen), fromMS(exp), fromMS(ended), endReason.String
	x.PasswordAt = fromMS(pwAt)
	a, err := ss.st.decodeAccount(&r)
	if err != nil {
		return nil, nil, err
	}
	return &x, a, nil
}

// TouchSession records that a session was used.
func (ss *Sessions) TouchSession(ctx context.Context, id string, at time.Time) error {
	_, err := ss.st.exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?`, ms(at), id, ms(at))
	return err
}

// SetSessionPasswordAt records that an active session of the account has
// just proved the password again; NotFound when there is no such session.
func (ss *Sessions) SetSessionPasswordAt(ctx context.Context, accountID, id string, at time.Time) error {
	res, err := ss.st.exec(ctx, `UPDATE sessions SET password_at = ? WHERE id = ? AND account_id = ? AND ended_at IS NULL`, ms(at), id, accountID)
	if err != nil {
		return fmt.Errorf("store: session password time: %w", err)
	}
	return expectOne(res, "session.not_found")
}

// ListSessions returns the account's sessions that have not ended or
// expired at now, newest first.
func (ss *Sessions) ListSessions(ctx context.Context, accountID string, now time.Time) ([]session.Session, error) {
	rows, err := ss.st.query(ctx, `SELECT id, method, ip, user_agent, created_at, last_seen_at, expires_at FROM sessions
		WHERE account_id = ? AND ended_at IS NULL AND expires_at > ? ORDER BY created_at DESC, id LIMIT 200`, accountID, ms(now))
	if err != nil {
		return nil, fmt.Errorf("store: list sessions: %w", err)
	}
	defer rows.Close()
	var out []session.Session
	for rows.Next() {
		x := session.Session{AccountID: accountID}
		var created, seen, exp sql.NullInt64
		if err := rows.Scan(&x.ID, &x.Method, &x.IP, &x.UserAgent, &created, &seen, &exp); err != nil {
			return nil, err
		}
		x.CreatedAt, x.LastSeenAt, x.ExpiresAt = fromMS(created), fromMS(seen), fromMS(exp)
		out = append(out, x)
	}
	return out, rows.Err()
}

// EndSession ends one active session of an account.
func (ss *Sessions) EndSession(ctx context.Context, accountID, id, reason string, at time.Time) (bool, error) {
	res, err := ss.st.exec(ctx, `UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND account_id = ? AND ended_at IS NULL`, ms(at), reason, id, accountID)
	if err != nil {
		return false, fmt.Errorf("store: end session: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// EndSessions ends every active session of an account but one, returning
// the IDs it ended (in a transaction, so that RETURNING's rows come from
// the writer).
func (ss *Sessions) EndSessions(ctx context.Context, accountID, exceptID, reason string, at time.Time) ([]string, error) {
	var ids []string
	err := ss.st.Transact(ctx, func(ctx context.Context) error {
		rows, err := ss.st.query(ctx, `UPDATE sessions SET ended_at = ?, end_reason = ? WHERE account_id = ? AND id <> ? AND ended_at IS NULL RETURNING id`,
			ms(at), reason, accountID, exceptID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: end sessions: %w", err)
	}
	return ids, nil
}

// EndLapsedSessions records the end (reason lapsed) of at most limit open
// sessions that made sign-ins at other sites still standing and that
// expired at or before now or were last used before idleBefore, and
// returns them. It starts from the standing sign-ins (a partial index),
// so its cost follows them, not the sessions kept for 90 days.
func (ss *Sessions) EndLapsedSessions(ctx context.Context, now, idleBefore time.Time, limit int) ([]session.Ref, error) {
	var out []session.Ref
	err := ss.st.Transact(ctx, func(ctx context.Context) error {
		// ended_at again outside: on PostgreSQL a row ended meanwhile
		// (a sign-out) is re-checked against it, not the subquery.
		rows, err := ss.st.query(ctx, `UPDATE sessions SET ended_at = ?, end_reason = ? WHERE ended_at IS NULL AND id IN (
			SELECT s.id FROM sso_grants g JOIN sessions s ON s.id = g.session_id
			WHERE g.revoked_at IS NULL AND s.ended_at IS NULL AND (s.expires_at <= ? OR s.last_seen_at < ?) LIMIT ?) RETURNING account_id, id`,
			ms(now), session.EndedLapsed, ms(now), ms(idleBefore), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r session.Ref
			if err := rows.Scan(&r.AccountID, &r.ID); err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: end lapsed sessions: %w", err)
	}
	return out, nil
}

// RecordSignIn appends to the sign-in history.
func (ss *Sessions) RecordSignIn(ctx context.Context, x *session.SignIn) error {
	_, err := ss.st.exec(ctx, `INSERT INTO sign_ins (id, account_id, at, ip, user_agent, method, outcome) VALUES (?,?,?,?,?,?,?)`,
		x.ID, x.AccountID, ms(x.At), x.IP, x.UserAgent, x.Method, x.Outcome)
	if err != nil {
		return fmt.Errorf("store: record sign-in: %w", err)
	}
	return nil
}

// ListSignIns returns an account's latest sign-in attempts, newest first.
func (ss *Sessions) ListSignIns(ctx context.Context, accountID string, limit int) ([]session.SignIn, error) {
	rows, err := ss.st.query(ctx, `SELECT id, at, ip, user_agent, method, outcome FROM sign_ins WHERE account_id = ? ORDER BY at DESC, id LIMIT ?`, accountID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list sign-ins: %w", err)
	}
	defer rows.Close()
	var out []session.SignIn
	for rows.Next() {
		x := session.SignIn{AccountID: accountID}
		var at sql.NullInt64
		if err := rows.Scan(&x.ID, &at, &x.IP, &x.UserAgent, &x.Method, &x.Outcome); err != nil {
			return nil, err
		}
		x.At = fromMS(at)
		out = append(out, x)
	}
	return out, rows.Err()
}

// sessionsChannel is the PostgreSQL NOTIFY channel on which nodes announce
// that an account's sessions changed.
const sessionsChannel = "kabinet_sessions"

// AnnounceSessionsChanged notifies other nodes, when the transaction in ctx
// commits (PostgreSQL delivers NOTIFY at commit), that an account's
// sessions changed. SQLite has one node: nothing to tell.
func (ss *Sessions) AnnounceSessionsChanged(ctx context.Context, accountID string) error {
	if ss.st.dialect != Postgres {
		return nil
	}
	_, err := ss.st.exec(ctx, `SELECT pg_notify(?, ?)`, sessionsChannel, accountID)
	return err
}

// ListenSessionsChanged calls changed with the account ID of every
// announcement until ctx ends, reconnecting after failures; gap is called
// whenever announcements may have been missed (at the start of each
// connection), so the caller can drop what it cached; lost is told why a
// connection was lost (or could not be had), so that it is logged and
// counted. SQLite: it returns at once.
func (ss *Sessions) ListenSessionsChanged(ctx context.Context, changed func(accountID string), gap func(), lost func(error)) {
	if ss.st.dialect != Postgres {
		return
	}
	pool, err := ss.st.ListenerPool(ctx)
	if err != nil {
		lost(err)
		return
	}
	for ctx.Err() == nil {
		// listenOnce returns when the connection drops.
		if err := ss.listenOnce(ctx, pool, changed, gap); err != nil && ctx.Err() == nil {
			lost(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second): // then reconnect
		}
	}
}

func (ss *Sessions) listenOnce(ctx context.Context, pool *pgxpool.Pool, changed func(string), gap func()) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+sessionsChannel); err != nil {
		return err
	}
	gap()
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			conn.Conn().Close(context.Background()) // never hand a listening connection back to the pool
			return err
		}
		changed(n.Payload)
	}
}

// AllSessions returns every session of the account still kept (active,
// ended or expired), newest first, for the account's data export.
func (ss *Sessions) AllSessions(ctx context.Context, accountID string, limit int) ([]session.Session, error) {
	rows, err := ss.st.query(ctx, `SELECT id, method, ip, user_agent, created_at, last_seen_at, expires_at, ended_at, end_reason FROM sessions
		WHERE account_id = ? ORDER BY created_at DESC, id LIMIT ?`, accountID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: all sessions: %w", err)
	}
	defer rows.Close()
	var out []session.Session
	for rows.Next() {
		x := session.Session{AccountID: accountID}
		var created, seen, exp, ended sql.NullInt64
		var reason sql.NullString
		if err := rows.Scan(&x.ID, &x.Method, &x.IP, &x.UserAgent, &created, &seen, &exp, &ended, &reason); err != nil {
			return nil, err
		}
		x.CreatedAt, x.LastSeenAt, x.ExpiresAt, x.EndedAt, x.EndReason = fromMS(created), fromMS(seen), fromMS(exp), fromMS(ended), reason.String
		out = append(out, x)
	}
	return out, rows.Err()
}
