package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/throttle"
)

// RateLimits holds the throttle's events: counts per time bucket
// (rate_counts) for large rules, the exact latest event times (rate_logs)
// for small ones.
type RateLimits struct{ st *Store }

// RateLimits returns the throttle's repository.
func (s *Store) RateLimits() *RateLimits { return &RateLimits{st: s} }

var _ throttle.Store = (*RateLimits)(nil)

// AddHits adds to one bucket of a key and returns the key's total: the
// bucket's count as this very statement left it (RETURNING, under the row's
// lock, so concurrent callers each see their own position) plus the older
// buckets, which nothing but take-backs changes.
func (rl *RateLimits) AddHits(ctx context.Context, key []byte, bucket time.Time, n int, since time.Time) (int, time.Time, error) {
	if rl.st.dialect == Postgres {
		return rl.addHitsPostgres(ctx, key, bucket, n, since)
	}
	var hits int
	err := rl.st.writeRow(ctx, `INSERT INTO rate_counts (key, bucket, hits) VALUES (?, ?, ?)
		ON CONFLICT (key, bucket) DO UPDATE SET hits = rate_counts.hits + excluded.hits RETURNING hits`, key, bucket.UnixMilli(), n).Scan(&hits)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: throttle add: %w", err)
	}
	var (
		older  int
		oldest sql.NullInt64
	)
	err = rl.st.writer(ctx).QueryRowContext(ctx, rl.st.rebind(`SELECT COALESCE(SUM(hits), 0), MIN(CASE WHEN hits > 0 THEN bucket END)
		FROM rate_counts WHERE key = ? AND bucket > ? AND bucket <> ?`), key, since.UnixMilli(), bucket.UnixMilli()).Scan(&older, &oldest)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: throttle count: %w", err)
	}
	first := fromMS(oldest)
	if !oldest.Valid && hits > 0 {
		first = bucket
	}
	return hits + older, first, nil
}

// addHitsPostgres is AddHits in one round trip: PostgreSQL runs the upsert
// as a CTE whose RETURNING feeds the sum of the older buckets (which the
// CTE's own snapshot reads, without the row it changes).
func (rl *RateLimits) addHitsPostgres(ctx context.Context, key []byte, bucket time.Time, n int, since time.Time) (int, time.Time, error) {
	var (
		total  int
		oldest sql.NullInt64
	)
	b := bucket.UnixMilli()
	err := rl.st.writeRow(ctx, `WITH up AS (
			INSERT INTO rate_counts (key, bucket, hits) VALUES (?, ?, ?)
			ON CONFLICT (key, bucket) DO UPDATE SET hits = rate_counts.hits + excluded.hits RETURNING hits),
		older AS (SELECT COALESCE(SUM(hits), 0) AS hits, MIN(CASE WHEN hits > 0 THEN bucket END) AS oldest
			FROM rate_counts WHERE key = ? AND bucket > ? AND bucket <> ?)
		SELECT up.hits + older.hits, COALESCE(older.oldest, CASE WHEN up.hits > 0 THEN CAST(? AS BIGINT) END) FROM up, older`,
		key, b, n, key, since.UnixMilli(), b, b).Scan(&total, &oldest)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: throttle add: %w", err)
	}
	return total, fromMS(oldest), nil
}

// CountHits sums a key's buckets that start after since.
func (rl *RateLimits) CountHits(ctx context.Context, key []byte, since time.Time) (int, time.Time, error) {
	return rl.sumHits(ctx, rl.st.reader(ctx), key, since)
}

func (rl *RateLimits) sumHits(ctx context.Context, q querier, key []byte, since time.Time) (int, time.Time, error) {
	var (
		n      int
		oldest sql.NullInt64
	)
	err := q.QueryRowContext(ctx, rl.st.rebind(`SELECT COALESCE(SUM(hits), 0), MIN(CASE WHEN hits > 0 THEN bucket END)
		FROM rate_counts WHERE key = ? AND bucket > ?`), key, since.UnixMilli()).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: throttle count: %w", err)
	}
	return n, fromMS(oldest), nil
}

// DeleteHits forgets a key's events.
func (rl *RateLimits) DeleteHits(ctx context.Context, key []byte, exact bool) error {
	q := `DELETE FROM rate_counts WHERE key = ?`
	if exact {
		q = `DELETE FROM rate_logs WHERE key = ?`
	}
	_, err := rl.st.exec(ctx, q, key)
	return err
}

// LogEvent keeps a key's latest event times in one row, updated by
// compare-and-set on the row's content (retried when another request
// changed it in between), so that each decision sees every event before it:
// two round trips, no transaction of its own. In a caller's transaction on
// PostgreSQL the conditional UPDATE waits for a concurrent writer of the
// row and then re-checks its condition, so the same holds.
func (rl *RateLimits) LogEvent(ctx context.Context, key []byte, at, since time.Time, max int, force bool) (int, bool, time.Time, error) {
	for range 50 {
		var (
			times  string
			exists = true
		)
		err := rl.st.writeRow(ctx, `SELECT times FROM rate_logs WHERE key = ?`, key).Scan(&times)
		if errors.Is(err, sql.ErrNoRows) {
			exists, err = false, nil
		}
		if err != nil {
			return 0, false, time.Time{}, fmt.Errorf("store: throttle log: %w", err)
		}
		list := recent(times, since)
		recorded := len(list) < max || force
		if !recorded {
			return len(list), false, oldestOf(list), nil
		}
		list = append(list, at.UnixMilli())
		if len(list) > max {
			list = list[len(list)-max:]
		}
		var res sql.Result
		if exists {
			res, err = rl.st.exec(ctx, `UPDATE rate_logs SET times = ?, updated_at = ? WHERE key = ? AND times = ?`, joinTimes(list), at.UnixMilli(), key, times)
		} else {
			res, err = rl.st.exec(ctx, `INSERT INTO rate_logs (key, times, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING`, key, joinTimes(list), at.UnixMilli())
		}
		if err != nil {
			return 0, false, time.Time{}, fmt.Errorf("store: throttle log: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return 0, false, time.Time{}, fmt.Errorf("store: throttle log: %w", err)
		} else if n == 1 {
			return len(list), true, oldestOf(list), nil
		}
		// Another request changed the row since we read it: read again.
	}
	return 0, false, time.Time{}, errors.New("store: throttle log: too much contention on one key")
}

// LogCount reads a key's event times in the window.
func (rl *RateLimits) LogCount(ctx context.Context, key []byte, since time.Time) (int, time.Time, error) {
	var times string
	err := rl.st.queryRow(ctx, `SELECT times FROM rate_logs WHERE key = ?`, key).Scan(&times)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: throttle log: %w", err)
	}
	list := recent(times, since)
	return len(list), oldestOf(list), nil
}

// recent parses "t1,t2,…" (Unix ms, ascending) and keeps those after since.
func recent(times string, since time.Time) []int64 {
	var out []int64
	cut := since.UnixMilli()
	for _, f := range strings.Split(times, ",") {
		if t, err := strconv.ParseInt(f, 10, 64); err == nil && t > cut {
			out = append(out, t)
		}
	}
	return out
}

func joinTimes(list []int64) string {
	parts := make([]string, len(list))
	for i, t := range list {
		parts[i] = strconv.FormatInt(t, 10)
	}
	return strings.Join(parts, ",")
}

func oldestOf(list []int64) time.Time {
	if len(list) == 0 {
		return time.Time{}
	}
	return time.UnixMilli(list[0]).UTC()
}
