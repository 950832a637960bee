-- Confirmation by a qualified electronic signature (issue 13 §2,
-- internal/signature). A statement's snapshot of the person (name and
-- SNILS) is personal data, sealed (sealed.go); with the site, the format
-- (its wording) and the issue time it makes the statement's bytes; its
-- nonce is not secret.
-- Administrators keep the trusted CAs (trusted_cas; trust_generation
-- changes with every change of the list, so that each node rebuilds its
-- verifier) and upload CRLs, one per issuer (crls), for when a CA's
-- distribution point cannot be reached; the administrator role gets the
-- permission.

-- +goose Up
CREATE TABLE signature_statements (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    nonce      TEXT NOT NULL UNIQUE,
    person     BLOB NOT NULL,
    site       TEXT NOT NULL,
    format     INTEGER NOT NULL,
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX signature_statements_by_account ON signature_statements (account_id, issued_at);

CREATE TABLE trusted_cas (
    id          TEXT PRIMARY KEY,
    der         BLOB NOT NULL,
    subject     TEXT NOT NULL,
    fingerprint TEXT NOT NULL UNIQUE,
    not_before  INTEGER NOT NULL,
    not_after   INTEGER NOT NULL,
    added_by    TEXT NOT NULL,
    added_at    INTEGER NOT NULL
);

CREATE TABLE trust_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO trust_generation (id, generation) VALUES (1, 0);

CREATE TABLE crls (
    issuer_key  TEXT PRIMARY KEY,
    issuer      TEXT NOT NULL,
    ca_id       TEXT NOT NULL REFERENCES trusted_cas (id) ON DELETE CASCADE,
    der         BLOB NOT NULL,
    this_update INTEGER NOT NULL,
    next_update INTEGER NOT NULL,
    entries     INTEGER NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL
);
CREATE INDEX crls_by_ca ON crls (ca_id);

INSERT INTO staff_grants (role, permission, scoped) VALUES ('administrator', 'trust.manage', 0);

-- +goose Down
DELETE FROM staff_grants WHERE permission = 'trust.manage';
DROP TABLE crls;
DROP TABLE trust_generation;
DROP TABLE trusted_cas;
DROP TABLE signature_statements;
