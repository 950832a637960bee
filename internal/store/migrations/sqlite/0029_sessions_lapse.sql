-- A session that lapses — its lifetime or its idle time past — without a
-- sign-out gets its end recorded by a periodic job (session.EndLapsed), so
-- that single sign-on ends the sign-ins it made at other sites and tells
-- them (issue 15). The job finds the open sessions by their last use or their
-- expiry (partial indexes: the ended ones, kept 90 days, are most rows).

-- +goose Up
CREATE INDEX sessions_open_by_last_seen ON sessions (last_seen_at) WHERE ended_at IS NULL;
CREATE INDEX sessions_open_by_expiry ON sessions (expires_at) WHERE ended_at IS NULL;

-- +goose Down
DROP INDEX sessions_open_by_expiry;
DROP INDEX sessions_open_by_last_seen;
