-- Confirmation by registered letter (issue 13 §1, internal/letter). A
-- letter's addressee and address are personal data, sealed (sealed.go);
-- its code exists only on paper: code_hash is its keyed hash (otp), set
-- when the letter is printed. A post operator prints letters in batches
-- (letter_batches) and hands them to the post; the post_operator role
-- gets the two permissions.

-- +goose Up
CREATE TABLE letter_batches (
    id         TEXT PRIMARY KEY,
    staff_id   TEXT NOT NULL,
    center_id  TEXT NOT NULL DEFAULT '',
    letters    INTEGER NOT NULL,
    printed_at BIGINT NOT NULL,
    sent_at    BIGINT
);
CREATE INDEX letter_batches_by_time ON letter_batches (printed_at);

CREATE TABLE letters (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    recipient   BYTEA NOT NULL,
    address     BYTEA NOT NULL,
    status      TEXT NOT NULL,
    batch_id    TEXT REFERENCES letter_batches (id),
    code_hash   BYTEA,
    wrong       INTEGER NOT NULL DEFAULT 0,
    ordered_at  BIGINT NOT NULL,
    printed_at  BIGINT,
    sent_at     BIGINT,
    returned_at BIGINT,
    used_at     BIGINT,
    closed_at   BIGINT,
    expires_at  BIGINT
);
CREATE INDEX letters_by_account ON letters (account_id, ordered_at);
CREATE INDEX letters_waiting ON letters (status, ordered_at);
CREATE INDEX letters_by_batch ON letters (batch_id);

INSERT INTO staff_grants (role, permission, scoped) VALUES
    ('post_operator', 'letters.print', 0),
    ('post_operator', 'letters.dispatch', 0);

-- +goose Down
DELETE FROM staff_grants WHERE role = 'post_operator';
DROP TABLE letters;
DROP TABLE letter_batches;
