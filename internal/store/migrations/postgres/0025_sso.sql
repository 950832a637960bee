-- Single sign-on (issue 15, internal/sso): kabinet as an OpenID Connect
-- provider for the sites of relying_parties.
--
--   - sso_subjects: the subject each sector sees of an account (pairwise),
--     given once and kept, unique in its sector;
--   - sso_requests: an authorization request, as JSON, until done and
--     exchanged (30 minutes at most);
--   - sso_codes: the SHA-256 of the one code of a done request, 60 s,
--     consumed once (a second use revokes the grant);
--   - sso_grants: what a citizen gave a site in one sign-in: the family of
--     its tokens, revoked together;
--   - sso_access_tokens, sso_refresh_tokens: the tokens, the refresh ones
--     by their hash, each rotated once;
--   - sso_consents: the data scopes a citizen agreed to give each site.

-- +goose Up
CREATE TABLE sso_subjects (
    sector     TEXT NOT NULL,
    account_id TEXT NOT NULL,
    subject    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (sector, account_id)
);
CREATE UNIQUE INDEX sso_subjects_by_subject ON sso_subjects (sector, subject);

CREATE TABLE sso_requests (
    id         TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL,
    doc        TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sso_requests_by_expiry ON sso_requests (expires_at);

CREATE TABLE sso_codes (
    code_hash   BYTEA PRIMARY KEY,
    request_id  TEXT NOT NULL UNIQUE,
    expires_at  BIGINT NOT NULL,
    consumed_at BIGINT
);

CREATE TABLE sso_grants (
    id         TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL,
    account_id TEXT NOT NULL,
    subject    TEXT NOT NULL,
    session_id TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    level      TEXT NOT NULL,
    amr        TEXT NOT NULL,
    auth_time  BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    reason     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sso_grants_by_account ON sso_grants (account_id, client_id);
CREATE INDEX sso_grants_by_session ON sso_grants (session_id);

CREATE TABLE sso_access_tokens (
    id         TEXT PRIMARY KEY,
    grant_id   TEXT NOT NULL REFERENCES sso_grants (id) ON DELETE CASCADE,
    scopes     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sso_access_tokens_by_grant ON sso_access_tokens (grant_id);

CREATE TABLE sso_refresh_tokens (
    id         TEXT PRIMARY KEY,
    token_hash BYTEA NOT NULL UNIQUE,
    grant_id   TEXT NOT NULL REFERENCES sso_grants (id) ON DELETE CASCADE,
    parent_id  TEXT NOT NULL DEFAULT '',
    scopes     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    rotated_at BIGINT
);
CREATE INDEX sso_refresh_tokens_by_grant ON sso_refresh_tokens (grant_id);

CREATE TABLE sso_consents (
    account_id TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    given_at   BIGINT NOT NULL,
    PRIMARY KEY (account_id, client_id)
);

-- +goose Down
DROP TABLE sso_consents;
DROP TABLE sso_refresh_tokens;
DROP TABLE sso_access_tokens;
DROP TABLE sso_grants;
DROP TABLE sso_codes;
DROP TABLE sso_requests;
DROP TABLE sso_subjects;
