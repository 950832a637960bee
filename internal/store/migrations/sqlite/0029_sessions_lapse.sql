-- A session that lapses — its lifetime or its idle time past — without a
-- sign-out, while sign-ins it made at other sites stand, gets its end
-- recorded by a periodic job (session.EndLapsed), so that single sign-on
-- ends those sign-ins and tells the sites (issue 15). The job starts from
-- the standing sign-ins: their sessions are few beside the sessions kept
-- for 90 days.

-- +goose Up
CREATE INDEX sso_grants_live_by_session ON sso_grants (session_id) WHERE revoked_at IS NULL;

-- +goose Down
DROP INDEX sso_grants_live_by_session;
