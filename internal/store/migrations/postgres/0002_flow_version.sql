-- Flows are saved by compare-and-set: every save names the version it read
-- and adds one, so of two requests acting on one flow only the first saves.

-- +goose Up
ALTER TABLE flows ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE flows DROP COLUMN version;
