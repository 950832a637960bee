-- The service-center directory (issue 12 §2): MFC offices and branches,
-- Rostelecom and Russian Post offices, local administrations, library help
-- desks. No personal data. locality_key is the locality folded for search
-- (centers.Fold: lower case, ё as е); services a bit set (centers.Services'
-- order); hours the canonical text form (centers.Hours.String).
--
-- center_locality_variants is the symmetric-delete index of the typo
-- search: every folded locality ever saved (center_localities) with each
-- string one deletion away from it, so the candidates of a one-typo query
-- are found by equality. Keys and names use the C collation, so that a
-- prefix is a range of bytes as on SQLite. A locality no center has any more stays: it only
-- makes a candidate that matches no center.

-- +goose Up
CREATE TABLE centers (
    id           TEXT PRIMARY KEY,
    name         TEXT COLLATE "C" NOT NULL,
    type         TEXT NOT NULL,
    region       TEXT NOT NULL,
    locality     TEXT NOT NULL,
    locality_key TEXT COLLATE "C" NOT NULL,
    address      TEXT NOT NULL,
    lat          DOUBLE PRECISION,
    lon          DOUBLE PRECISION,
    phone        TEXT NOT NULL DEFAULT '',
    hours        TEXT NOT NULL DEFAULT '',
    services     INTEGER NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
-- The search reads its filters and order from these alone (centers.go).
CREATE INDEX centers_by_locality ON centers (locality_key, name, id, active, services);
CREATE INDEX centers_by_region ON centers (region, locality_key, name, id, active, services);

CREATE TABLE center_localities (
    locality_key TEXT COLLATE "C" PRIMARY KEY
);

CREATE TABLE center_locality_variants (
    variant      TEXT COLLATE "C" NOT NULL,
    locality_key TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (variant, locality_key)
);

-- +goose Down
DROP TABLE center_locality_variants;
DROP TABLE center_localities;
DROP TABLE centers;
