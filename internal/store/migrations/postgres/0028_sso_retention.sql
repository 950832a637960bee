-- Single sign-on's retention (issue 15): the sweeps delete expired
-- requests, codes and tokens by their expiry, and the client assertions
-- (private_key_jwt) remembered until they expire so that none is used
-- twice.

-- +goose Up
CREATE INDEX sso_codes_by_expiry ON sso_codes (expires_at);
CREATE INDEX sso_access_tokens_by_expiry ON sso_access_tokens (expires_at);
CREATE INDEX sso_refresh_tokens_by_expiry ON sso_refresh_tokens (expires_at);

CREATE TABLE sso_assertions (
    client_id  TEXT NOT NULL,
    jti        TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX sso_assertions_by_expiry ON sso_assertions (expires_at);

-- +goose Down
DROP TABLE sso_assertions;
DROP INDEX sso_refresh_tokens_by_expiry;
DROP INDEX sso_access_tokens_by_expiry;
DROP INDEX sso_codes_by_expiry;
