-- Personal data and its verification against the state registries (issue
-- 11). personal_data holds an account's verified data, sealed as one JSON
-- value bound to its row, with the blind index of its SNILS (one verified
-- SNILS per account, one account per SNILS: sign-in by SNILS finds it).
-- verifications are the submissions, each with its submitted data sealed
-- the same way; verification_checks are one registry's part of one, worked
-- by a durable job. A check's reason is a message ID and its fields names
-- of parts of the data, never values; last_error is for operators;
-- registry_ref the registry's reference for a question it answers later.

-- +goose Up
CREATE TABLE personal_data (
    account_id  TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    data        BYTEA NOT NULL,
    snils_index BYTEA NOT NULL UNIQUE,
    verified_at BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE verifications (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    state        TEXT NOT NULL,
    data         BYTEA NOT NULL,
    submitted_at BIGINT NOT NULL,
    finished_at  BIGINT
);
CREATE INDEX verifications_account ON verifications (account_id, submitted_at);
CREATE UNIQUE INDEX verifications_one_pending ON verifications (account_id) WHERE state = 'pending';

CREATE TABLE verification_checks (
    id              TEXT PRIMARY KEY,
    verification_id TEXT NOT NULL REFERENCES verifications (id) ON DELETE CASCADE,
    account_id      TEXT NOT NULL,
    registry        TEXT NOT NULL,
    state           TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    fields          TEXT NOT NULL DEFAULT '',
    attempts        BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    registry_ref    TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (verification_id, registry)
);
CREATE INDEX verification_checks_pending ON verification_checks (state, created_at);

-- +goose Down
DROP TABLE verification_checks;
DROP TABLE verifications;
DROP TABLE personal_data;
