-- The simplified account: accounts, the flows that create and recover them,
-- sessions, sign-in history, throttles, the notification outbox and the
-- audit log. Times are Unix milliseconds (INTEGER), identical on both
-- engines; personal data columns hold ciphertexts from internal/pii, and
-- *_index columns the keyed hashes used for lookups.

-- +goose Up
CREATE TABLE accounts (
    id                  TEXT PRIMARY KEY,
    level               TEXT NOT NULL DEFAULT 'simplified',
    status              TEXT NOT NULL DEFAULT 'active',
    surname             BLOB NOT NULL,
    name                BLOB NOT NULL,
    phone               BLOB,
    phone_index         BLOB UNIQUE,
    email               BLOB,
    email_index         BLOB UNIQUE,
    password_hash       TEXT NOT NULL,
    password_changed_at INTEGER NOT NULL,
    lang                TEXT NOT NULL DEFAULT 'ru',
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);

CREATE TABLE flows (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    state           TEXT NOT NULL,
    binding         BLOB,
    account_id      TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    channel         TEXT NOT NULL,
    destination     BLOB,
    data            BLOB,
    code_hash       BLOB,
    link_hash       BLOB,
    code_sent_at    INTEGER,
    code_expires_at INTEGER,
    code_attempts   INTEGER NOT NULL DEFAULT 0,
    sends           INTEGER NOT NULL DEFAULT 0,
    lang            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
);
CREATE INDEX flows_expires_at ON flows (expires_at);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    token_hash   BLOB NOT NULL UNIQUE,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    method       TEXT NOT NULL,
    ip           TEXT NOT NULL,
    user_agent   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    ended_at     INTEGER,
    end_reason   TEXT
);
CREATE INDEX sessions_account ON sessions (account_id, created_at);

CREATE TABLE sign_ins (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    ip         TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    method     TEXT NOT NULL,
    outcome    TEXT NOT NULL
);
CREATE INDEX sign_ins_account ON sign_ins (account_id, at);

CREATE TABLE throttles (
    key            BLOB PRIMARY KEY,
    hits           INTEGER NOT NULL,
    window_ends_at INTEGER NOT NULL
);
CREATE INDEX throttles_window_ends_at ON throttles (window_ends_at);

CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    account_id TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    channel    TEXT NOT NULL,
    recipient  BLOB NOT NULL,
    template   TEXT NOT NULL,
    lang       TEXT NOT NULL,
    subject    BLOB,
    body       BLOB,
    html       BLOB,
    status     TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    sent_at    INTEGER
);
CREATE INDEX notifications_created_at ON notifications (created_at);

CREATE TABLE audit_events (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    at                 INTEGER NOT NULL,
    action             TEXT NOT NULL,
    actor_kind         TEXT NOT NULL,
    actor_id           TEXT,
    subject_account_id TEXT,
    ip                 TEXT,
    request_id         TEXT,
    details            TEXT
);
CREATE INDEX audit_events_subject ON audit_events (subject_account_id, at);

-- The audit log is append-only.
-- +goose StatementBegin
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_events;
DROP TABLE notifications;
DROP TABLE throttles;
DROP TABLE sign_ins;
DROP TABLE sessions;
DROP TABLE flows;
DROP TABLE accounts;
