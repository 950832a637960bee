-- What administrators add to the reference data of regions and localities
-- (issue 14 §1, internal/gazetteer): the subjects the embedded data does
-- not have, and localities — villages, typed or imported. Every node joins
-- them to its places.Directory at start and whenever places_generation has
-- moved. None of it is personal data.

-- +goose Up
CREATE TABLE place_regions (
    code           TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    type           TEXT NOT NULL,
    name_with_type TEXT NOT NULL,
    iso            TEXT NOT NULL,
    timezone       TEXT NOT NULL,
    updated_at     BIGINT NOT NULL,
    updated_by     TEXT NOT NULL
);

-- key is gazetteer.Key: kind, name and district folded, unique in a region.
CREATE TABLE place_localities (
    id         TEXT PRIMARY KEY,
    region     TEXT NOT NULL,
    key        TEXT NOT NULL,
    type       TEXT NOT NULL,
    name       TEXT NOT NULL,
    area       TEXT NOT NULL,
    postcode   TEXT NOT NULL,
    lat        DOUBLE PRECISION,
    lon        DOUBLE PRECISION,
    population INTEGER NOT NULL,
    fias_id    TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    UNIQUE (region, key)
);

CREATE TABLE places_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO places_generation (id, generation) VALUES (1, 0);

INSERT INTO staff_grants (role, permission, scoped) VALUES ('administrator', 'places.manage', 0);

-- +goose Down
DELETE FROM staff_grants WHERE permission = 'places.manage';
DROP TABLE places_generation;
DROP TABLE place_localities;
DROP TABLE place_regions;
