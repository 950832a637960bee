-- Identity confirmed in person at a service center (issue 12 §3). The
-- verified passport gets a blind index of its own (series and number), so
-- an operator finds the citizen by the passport in hand; rows verified
-- before this migration get theirs from `kabinet rekey` or their next
-- verification. identity_confirmations keeps how, where, by whom and when
-- an account was confirmed: one row per account, the latest confirmation.

-- +goose Up
ALTER TABLE personal_data ADD COLUMN passport_index BYTEA;
CREATE INDEX personal_data_passport ON personal_data (passport_index);

CREATE TABLE identity_confirmations (
    account_id   TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    method       TEXT NOT NULL,
    center_id    TEXT NOT NULL,
    staff_id     TEXT NOT NULL,
    confirmed_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE identity_confirmations;
DROP INDEX personal_data_passport;
ALTER TABLE personal_data DROP COLUMN passport_index;
