-- Indexes for the retention sweeps (internal/jobs, Retention): each sweep
-- deletes by one time column in bounded batches, so it must find the old rows
-- without reading the table. notifications (created_at), flows (expires_at)
-- and the throttle tables already have theirs.

-- +goose Up
CREATE INDEX sign_ins_at ON sign_ins (at);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_ended_at ON sessions (ended_at) WHERE ended_at IS NOT NULL;
CREATE INDEX flows_done_updated_at ON flows (updated_at) WHERE state = 'done';

-- +goose Down
DROP INDEX flows_done_updated_at;
DROP INDEX sessions_ended_at;
DROP INDEX sessions_expires_at;
DROP INDEX sign_ins_at;
