-- The service catalog (issue 14 §2, §3): categories, agencies, services
-- and the editors' synonyms. A service's whole record is JSON (doc, as
-- catalog.Service marshals it): doc is the published version, read by
-- the public pages (NULL until first published), draft an editor's
-- unpublished one. The columns beside it are what lists, filters and the
-- search read.
--
-- catalog_service_regions lists, for every published service, the regions
-- its variants name (available 1 or 0); a federal service exists in every
-- region but those marked unavailable, any other in those marked
-- available.
--
-- The search: catalog_fts holds, per published service, the normalized
-- stems of its title, keywords, short and full description in both
-- languages (textsearch.Terms: computed in Go, so that both engines match
-- alike); catalog_services.terms all of them, the vocabulary of the typo
-- correction (read when the generation changes). catalog_generation changes with every publication, so each
-- node reloads its vocabulary and synonyms only then.

-- +goose Up
-- The region a citizen chose («Выбрать регион»): its code, and the town
-- they typed, sealed (where they live is personal data).
ALTER TABLE accounts ADD COLUMN region TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN locality BLOB;

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
    views      INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    terms      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX catalog_services_by_category ON catalog_services (category, title_ru);
CREATE INDEX catalog_services_by_popularity ON catalog_services (popularity DESC, views DESC, id);

CREATE TABLE catalog_service_regions (
    service_id TEXT NOT NULL,
    region     TEXT NOT NULL,
    available  INTEGER NOT NULL,
    PRIMARY KEY (service_id, region)
) WITHOUT ROWID;
CREATE INDEX catalog_service_regions_by_region ON catalog_service_regions (region, available, service_id);

CREATE VIRTUAL TABLE catalog_fts USING fts5(
    service_id UNINDEXED, title, keywords, short, body,
    tokenize = 'unicode61 remove_diacritics 0'
);

CREATE TABLE catalog_synonyms (
    term    TEXT PRIMARY KEY,
    expands TEXT NOT NULL
);

CREATE TABLE catalog_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO catalog_generation (id, generation) VALUES (1, 0);

-- The catalog editor: drafts, publication, import and export.
INSERT INTO staff_grants (role, permission, scoped) VALUES
    ('catalog_editor', 'catalog.manage', 0),
    ('administrator', 'catalog.manage', 0);

-- +goose Down
DELETE FROM staff_grants WHERE permission = 'catalog.manage';
DROP TABLE catalog_generation;
DROP TABLE catalog_synonyms;
DROP TABLE catalog_fts;
DROP TABLE catalog_service_regions;
DROP TABLE catalog_services;
DROP TABLE catalog_agencies;
DROP TABLE catalog_categories;
ALTER TABLE accounts DROP COLUMN locality;
ALTER TABLE accounts DROP COLUMN region;
