package store

import (
	"context"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/internal/flow"
	"github.com/kabinet/kabinet/internal/jobs"
)

// Retention deletes the rows that have outlived their use, for the
// retention sweep (jobs.Retention).
type Retention struct{ st *Store }

// Retention returns the retention sweeps' repository.
func (s *Store) Retention() *Retention { return &Retention{st: s} }

var _ jobs.Sweeper = (*Retention)(nil)

// The retention sweeps (internal/jobs) delete rows that have outlived their
// use in batches of at most batch rows, one statement per batch and no
// transaction around them, so that a large backlog never holds the SQLite
// writer for long: other writes get the writer between two batches. Each
// sweep's condition is served by an index (migration 0004). The audit log
// is append-only and has no sweep.

// deleteBatched deletes the rows of table matching where, batch rows per
// statement, until none is left or ctx ends; it returns how many it deleted.
func (rt *Retention) deleteBatched(ctx context.Context, table, where string, batch int, args ...any) (int64, error) {
	if batch <= 0 {
		batch = 500
	}
	// SQLite finds rows by rowid; PostgreSQL by ctid, with = ANY(ARRAY(…))
	// so that the outer DELETE is a TID scan rather than a join.
	q := fmt.Sprintf(`DELETE FROM %[1]s WHERE rowid IN (SELECT rowid FROM %[1]s WHERE %[2]s LIMIT %[3]d)`, table, where, batch)
	if rt.st.dialect == Postgres {
		q = fmt.Sprintf(`DELETE FROM %[1]s WHERE ctid = ANY(ARRAY(SELECT ctid FROM %[1]s WHERE %[2]s LIMIT %[3]d))`, table, where, batch)
	}
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		res, err := rt.st.exec(ctx, q, args...)
		if err != nil {
			return total, fmt.Errorf("store: purge %s: %w", table, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += n
		if n < int64(batch) {
			return total, nil
		}
	}
}

// DeleteFlowsEndedBefore removes the flows that ended before a time: those
// that expired before it and the finished ones last changed before it.
func (rt *Retention) DeleteFlowsEndedBefore(ctx context.Context, before time.Time, batch int) (int64, error) {
	return rt.deleteBatched(ctx, "flows", `expires_at < ? OR (state = ? AND updated_at < ?)`, batch, ms(before), string(flow.Done), ms(before))
}

// DeleteSessionsEndedBefore removes the sessions that ended (signed out,
// ended by the owner or by a recovery) or expired before a time.
func (rt *Retention) DeleteSessionsEndedBefore(ctx context.Context, before time.Time, batch int) (int64, error) {
	return rt.deleteBatched(ctx, "sessions", `(ended_at IS NOT NULL AND ended_at < ?) OR expires_at < ?`, batch, ms(before), ms(before))
}

// DeleteSignInsBefore removes the sign-in history recorded before a time.
func (rt *Retention) DeleteSignInsBefore(ctx context.Context, before time.Time, batch int) (int64, error) {
	return rt.deleteBatched(ctx, "sign_ins", `at < ?`, batch, ms(before))
}

// DeleteNotificationsCreatedBefore removes the notifications (which hold
// codes, links and addresses) created before a time, whatever their
// delivery status.
func (rt *Retention) DeleteNotificationsCreatedBefore(ctx context.Context, before time.Time, batch int) (int64, error) {
	return rt.deleteBatched(ctx, "notifications", `created_at < ?`, batch, ms(before))
}

// DeleteContactUndosEndedBefore removes the undo links of contact changes
// that expired or were used before a time.
func (rt *Retention) DeleteContactUndosEndedBefore(ctx context.Context, before time.Time, batch int) (int64, error) {
	return rt.deleteBatched(ctx, "contact_undos", `expires_at < ? OR (used_at IS NOT NULL AND used_at < ?)`, batch, ms(before), ms(before))
}

// DeleteSSORequestsEndedBefore removes single sign-on's requests and
// codes that expired before a time (a request lives 30 minutes, a code
// 60 seconds).
func (rt *Retention) DeleteSSORequestsEndedBefore(ctx context.Context, before time.Time, batch int) (int64, error) {
	n, err := rt.deleteBatched(ctx, "sso_codes", `expires_at < ?`, batch, ms(before))
	if err != nil {
		return n, err
	}
	m, err := rt.deleteBatched(ctx, "sso_requests", `expires_at < ?`, batch, ms(before))
	return n + m, err
}

// DeleteSSOTokensExpiredBefore removes the access and refresh tokens that
// expired before a time. The grants stay: «Мои разрешения» shows a site's
// last sign-in.
func (rt *Retention) DeleteSSOTokensExpiredBefore(ctx context.Context, before time.Time, batch int) (int64, error) {
	var total int64
	for _, table := range []string{"sso_access_tokens", "sso_refresh_tokens"} {
		n, err := rt.deleteBatched(ctx, table, `expires_at < ?`, batch, ms(before))
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// DeleteSSOAssertionsExpired removes the client assertions remembered
// until they expired: an expired one is refused anyway.
func (rt *Retention) DeleteSSOAssertionsExpired(ctx context.Context, now time.Time, batch int) (int64, error) {
	return rt.deleteBatched(ctx, "sso_assertions", `expires_at < ?`, batch, ms(now))
}

// ThrottleHorizon is how long throttle rows are kept: longer than the
// longest window of any rule (a day).
const ThrottleHorizon = 48 * time.Hour

// DeleteRateLimitsPastHorizon removes the throttle's buckets and event logs
// last changed more than ThrottleHorizon before now: too old to count for
// any rule.
func (rt *Retention) DeleteRateLimitsPastHorizon(ctx context.Context, now time.Time, batch int) (int64, error) {
	cut := now.Add(-ThrottleHorizon).UnixMilli()
	n, err := rt.deleteBatched(ctx, "rate_counts", `bucket < ?`, batch, cut)
	if err != nil {
		return n, err
	}
	m, err := rt.deleteBatched(ctx, "rate_logs", `updated_at < ?`, batch, cut)
	return n + m, err
}
