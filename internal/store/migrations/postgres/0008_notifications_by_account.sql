-- The export of a citizen's data (and, with account deletion, the erasure)
-- reads an account's notifications; without an index each is a full scan
-- of the outbox.

-- +goose Up
CREATE INDEX notifications_account_id ON notifications (account_id, created_at);

-- +goose Down
DROP INDEX notifications_account_id;
