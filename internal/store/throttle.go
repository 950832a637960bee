package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/internal/throttle"
)

var _ throttle.Store = (*Store)(nil)

// Hit counts one attempt in one statement: a new key or an ended window
// starts at 1, otherwise the count goes up by one.
func (s *Store) Hit(ctx context.Context, key []byte, window time.Duration, now time.Time) (int, time.Time, error) {
	var hits int
	var ends int64
	err := s.writeRow(ctx, `INSERT INTO throttles (key, hits, window_ends_at) VALUES (?, 1, ?)
		ON CONFLICT (key) DO UPDATE SET
			hits = CASE WHEN throttles.window_ends_at <= ? THEN 1 ELSE throttles.hits + 1 END,
			window_ends_at = CASE WHEN throttles.window_ends_at <= ? THEN excluded.window_ends_at ELSE throttles.window_ends_at END
		RETURNING hits, window_ends_at`, key, now.Add(window).UnixMilli(), now.UnixMilli(), now.UnixMilli()).Scan(&hits, &ends)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: throttle hit: %w", err)
	}
	return hits, time.UnixMilli(ends).UTC(), nil
}

// Peek returns the attempts in the current window without counting.
func (s *Store) Peek(ctx context.Context, key []byte, now time.Time) (int, time.Time, error) {
	var hits int
	var ends int64
	err := s.queryRow(ctx, `SELECT hits, window_ends_at FROM throttles WHERE key = ? AND window_ends_at > ?`, key, now.UnixMilli()).Scan(&hits, &ends)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: throttle peek: %w", err)
	}
	return hits, time.UnixMilli(ends).UTC(), nil
}

// Reset forgets a key's attempts.
func (s *Store) Reset(ctx context.Context, key []byte) error {
	_, err := s.exec(ctx, `DELETE FROM throttles WHERE key = ?`, key)
	return err
}

// DeleteEndedThrottles removes counters whose window has ended.
func (s *Store) DeleteEndedThrottles(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM throttles WHERE window_ends_at <= ?`, now.UnixMilli())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
