-- The citizen's additional data (issue 11 §4): addresses, home phone, INN
-- with its source, OMS policy. One row per account, the whole sealed as one
-- JSON value bound to its row (every item is personal data); erased with
-- the account.

-- +goose Up
CREATE TABLE additional_data (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    data       BYTEA NOT NULL,
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE additional_data;
