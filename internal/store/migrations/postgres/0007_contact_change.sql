-- Changing a phone or an e-mail address while signed in (issue 10 §2).
-- sessions.password_at is when the session last proved the password (at
-- sign-in, registration, recovery, or a re-authentication): a contact
-- change needs it recent. contact_undos are the links sent to a replaced
-- contact, valid 7 days, that put it back and end every session: the token
-- is kept as a keyed hash, the old contact sealed like the accounts' columns.

-- +goose Up
ALTER TABLE sessions ADD COLUMN password_at BIGINT;

CREATE TABLE contact_undos (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    channel    TEXT NOT NULL,
    old_value  BYTEA NOT NULL,
    token_hash BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX contact_undos_expires_at ON contact_undos (expires_at);

-- +goose Down
DROP TABLE contact_undos;
ALTER TABLE sessions DROP COLUMN password_at;
