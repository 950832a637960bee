-- The service catalog (issue 14 §2, §3): see the SQLite migration of the
-- same number for the model. Here the search is a tsvector of the same
-- Go-computed stems (the 'simple' configuration: no second stemming),
-- weighted A title, B keywords, C short, D full description, under a GIN
-- index; the typo correction is done in Go against catalog_services.terms,
-- on both engines alike.

-- +goose Up
-- The region a citizen chose («Выбрать регион»): its code, and the town
-- they typed, sealed (where they live is personal data).
ALTER TABLE accounts ADD COLUMN region TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN locality BYTEA;

CREATE TABLE catalog_categories (
    id       TEXT PRIMARY KEY,
    icon     TEXT NOT NULL,
    ord      INTEGER NOT NULL,
    title_ru TEXT NOT NULL,
    title_en TEXT NOT NULL
);

CREATE TABLE catalog_agencies (
    id      TEXT PRIMARY KEY,
    level   TEXT NOT NULL,
    region  TEXT NOT NULL,
    name_ru TEXT NOT NULL,
    name_en TEXT NOT NULL
);

CREATE TABLE catalog_services (
    id         TEXT PRIMARY KEY,
    category   TEXT NOT NULL,
    federal    INTEGER NOT NULL,
    level      TEXT NOT NULL,
    title_ru   TEXT NOT NULL,
    title_en   TEXT NOT NULL,
    short_ru   TEXT NOT NULL,
    short_en   TEXT NOT NULL,
    doc        TEXT,
    draft      TEXT,
    popularity INTEGER NOT NULL DEFAULT 0,
    views      BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    terms      TEXT NOT NULL DEFAULT '',
    search     TSVECTOR
);
CREATE INDEX catalog_services_by_category ON catalog_services (category, title_ru);
CREATE INDEX catalog_services_by_popularity ON catalog_services (popularity DESC, views DESC, id);
CREATE INDEX catalog_services_search ON catalog_services USING GIN (search);

CREATE TABLE catalog_service_regions (
    service_id TEXT NOT NULL,
    region     TEXT NOT NULL,
    available  INTEGER NOT NULL,
    PRIMARY KEY (service_id, region)
);
CREATE INDEX catalog_service_regions_by_region ON catalog_service_regions (region, available, service_id);

CREATE TABLE catalog_synonyms (
    term    TEXT PRIMARY KEY,
    expands TEXT NOT NULL
);

CREATE TABLE catalog_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO catalog_generation (id, generation) VALUES (1, 0);

INSERT INTO staff_grants (role, permission, scoped) VALUES
    ('catalog_editor', 'catalog.manage', 0),
    ('administrator', 'catalog.manage', 0);

-- +goose Down
DELETE FROM staff_grants WHERE permission = 'catalog.manage';
DROP TABLE catalog_generation;
DROP TABLE catalog_synonyms;
DROP TABLE catalog_service_regions;
DROP TABLE catalog_services;
DROP TABLE catalog_agencies;
DROP TABLE catalog_categories;
ALTER TABLE accounts DROP COLUMN locality;
ALTER TABLE accounts DROP COLUMN region;
