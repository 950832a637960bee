-- The sites that sign citizens in through kabinet (issue 15 §4,
-- internal/relyingparty): each registration as the administrators made it,
-- as JSON (its name, purpose, addresses, scopes, level, sector, method
-- and keys: public catalogue data of a government site), with the SHA-256
-- of its secret apart, never in the record. Administrators manage them.

-- +goose Up
CREATE TABLE relying_parties (
    id          TEXT PRIMARY KEY,
    doc         TEXT NOT NULL,
    secret_hash BYTEA,
    disabled    INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT NOT NULL
);
INSERT INTO staff_grants (role, permission, scoped) VALUES ('administrator', 'rp.manage', 0);

-- +goose Down
DELETE FROM staff_grants WHERE permission = 'rp.manage';
DROP TABLE relying_parties;
