-- The provider's signing keys (issue 15 §1, sso.Keys): RSA keys for
-- RS256, each published from its creation until PublishUntil (an ID
-- token's life after it retires), signing from ActiveFrom to RetireAt.
-- The private key (PKCS #8) is sealed like personal data: kabinet rekey
-- re-seals it.

-- +goose Up
CREATE TABLE sso_keys (
    id            TEXT PRIMARY KEY,
    private_key   BYTEA NOT NULL,
    created_at    BIGINT NOT NULL,
    active_from   BIGINT NOT NULL,
    retire_at     BIGINT NOT NULL,
    publish_until BIGINT NOT NULL
);
CREATE INDEX sso_keys_by_publication ON sso_keys (publish_until);

-- +goose Down
DROP TABLE sso_keys;
