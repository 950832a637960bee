-- Flows keep each feature's own data (the sealed JSON in data) apart from
-- the mechanics every flow shares: a decoy that can never succeed, and the
-- moment a flow that could not send its first code may ask for it.
-- Rows written before this migration carry both inside data; the store
-- reads them from there.

-- +goose Up
ALTER TABLE flows ADD COLUMN decoy INTEGER NOT NULL DEFAULT 0;
ALTER TABLE flows ADD COLUMN code_after INTEGER;

-- +goose Down
ALTER TABLE flows DROP COLUMN code_after;
ALTER TABLE flows DROP COLUMN decoy;
