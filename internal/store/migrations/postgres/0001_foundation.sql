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
    surname             BYTEA NOT NULL,
    name                BYTEA NOT NULL,
    phone               BYTEA,
    phone_index         BYTEA UNIQUE,
    email               BYTEA,
    email_index         BYTEA UNIQUE,
    password_hash       TEXT NOT NULL,
    password_changed_at BIGINT NOT NULL,
    lang                TEXT NOT NULL DEFAULT 'ru',
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);

CREATE TABLE flows (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    state           TEXT NOT NULL,
    binding         BYTEA,
    account_id      TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    channel         TEXT NOT NULL,
    destination     BYTEA,
    data            BYTEA,
    code_hash       BYTEA,
    link_hash       BYTEA,
    code_sent_at    BIGINT,
    code_expires_at BIGINT,
    code_attempts   BIGINT NOT NULL DEFAULT 0,
    sends           BIGINT NOT NULL DEFAULT 0,
    lang            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX flows_expires_at ON flows (expires_at);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    token_hash   BYTEA NOT NULL UNIQUE,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    method       TEXT NOT NULL,
    ip           TEXT NOT NULL,
    user_agent   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    ended_at     BIGINT,
    end_reason   TEXT
);
CREATE INDEX sessions_account ON sessions (account_id, created_at);

CREATE TABLE sign_ins (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    at         BIGINT NOT NULL,
    ip         TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    method     TEXT NOT NULL,
    outcome    TEXT NOT NULL
);
CREATE INDEX sign_ins_account ON sign_ins (account_id, at);

CREATE TABLE throttles (
    key            BYTEA PRIMARY KEY,
    hits           BIGINT NOT NULL,
    window_ends_at BIGINT NOT NULL
);
CREATE INDEX throttles_window_ends_at ON throttles (window_ends_at);

CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    account_id TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    channel    TEXT NOT NULL,
    recipient  BYTEA NOT NULL,
    template   TEXT NOT NULL,
    lang       TEXT NOT NULL,
    subject    BYTEA,
    body       BYTEA,
    html       BYTEA,
    status     TEXT NOT NULL,
    attempts   BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sent_at    BIGINT
);
CREATE INDEX notifications_created_at ON notifications (created_at);

CREATE TABLE audit_events (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at                 BIGINT NOT NULL,
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
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

-- +goose Down
DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only;
DROP TABLE notifications;
DROP TABLE throttles;
DROP TABLE sign_ins;
DROP TABLE sessions;
DROP TABLE flows;
DROP TABLE accounts;
