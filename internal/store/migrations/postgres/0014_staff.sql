-- Staff (issue 12 §1): administrators and service-center operators, apart
-- from citizens. Roles and their permissions are data (staff_grants); a
-- scoped grant is used for a service center the member belongs to
-- (staff_centers). The name and the authenticator's secret are sealed.

-- +goose Up
CREATE TABLE staff (
    id                   TEXT PRIMARY KEY,
    login                TEXT NOT NULL UNIQUE,
    name                 BYTEA NOT NULL,
    password_hash        TEXT NOT NULL,
    must_change_password BIGINT NOT NULL DEFAULT 0,
    totp_secret          BYTEA,
    enrolled_at          BIGINT,
    last_step            BIGINT NOT NULL DEFAULT 0,
    disabled_at          BIGINT,
    created_at           BIGINT NOT NULL,
    created_by           TEXT NOT NULL,
    version              BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE staff_roles (
    staff_id TEXT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    role     TEXT NOT NULL,
    PRIMARY KEY (staff_id, role)
);

CREATE TABLE staff_centers (
    staff_id  TEXT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    center_id TEXT NOT NULL,
    PRIMARY KEY (staff_id, center_id)
);

CREATE TABLE staff_grants (
    role       TEXT NOT NULL,
    permission TEXT NOT NULL,
    scoped     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (role, permission)
);

INSERT INTO staff_grants (role, permission, scoped) VALUES
    ('administrator', 'staff.manage', 0),
    ('administrator', 'centers.manage', 0),
    ('administrator', 'audit.read', 0),
    ('operator', 'citizens.find', 1),
    ('operator', 'identity.confirm', 1),
    ('operator', 'citizens.register', 1),
    ('operator', 'access.restore', 1);

CREATE TABLE staff_sessions (
    id           TEXT PRIMARY KEY,
    token_hash   BYTEA NOT NULL UNIQUE,
    staff_id     TEXT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    stage        TEXT NOT NULL,
    center_id    TEXT,
    ip           TEXT,
    user_agent   TEXT,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    factor_at    BIGINT,
    attempts     BIGINT NOT NULL DEFAULT 0,
    ended_at     BIGINT,
    end_reason   TEXT,
    version      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id, ended_at);

-- +goose Down
DROP TABLE staff_sessions;
DROP TABLE staff_grants;
DROP TABLE staff_centers;
DROP TABLE staff_roles;
DROP TABLE staff;
