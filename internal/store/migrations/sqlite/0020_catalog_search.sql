-- The catalog search made cheaper (issue 14 §4: 20 000 services, 16
-- clients, p99 under 25 ms). Migration 0019 read, for every match of a
-- query, the FTS row's service_id (the FTS5 content table) and the
-- service's row (its popularity stored after the JSON record, in overflow
-- pages), and checked the region filter per match; a search of a common
-- word over 20 000 services took 15–45 ms, and republishing a service
-- scanned the whole FTS table (service_id is not indexed), so importing
-- 20 000 services took six minutes.
--
-- catalog_search replaces catalog_fts:
--   - its rowid is the service's search_id (a stable number given at the
--     first publication) with 100 − popularity above bit 32, so that a
--     search ranks by bm25 × popularity and pages in the FTS index alone
--     and reads the rows of its page only, and a republication deletes
--     the service's old row by its rowid;
--   - its facets column holds the words of the filters (store.searchFacets:
--     published, level<level>, cat<hex category>, federal or regional,
--     in<region>/out<region> for every variant), so the region, category and level
--     filters and the count are the FTS index's work too.

-- +goose Up
ALTER TABLE catalog_services ADD COLUMN search_id INTEGER;
UPDATE catalog_services SET search_id = rowid WHERE doc IS NOT NULL;
CREATE UNIQUE INDEX catalog_services_by_search_id ON catalog_services (search_id);

CREATE VIRTUAL TABLE catalog_search USING fts5(
    title, keywords, short, body, facets,
    tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"
);
INSERT INTO catalog_search (rowid, title, keywords, short, body, facets)
SELECT ((100 - max(0, min(100, s.popularity))) << 32) | s.search_id, f.title, f.keywords, f.short, f.body,
    '_published _level' || s.level || ' _cat' || lower(hex(s.category)) || CASE WHEN s.federal = 1 THEN ' _federal' ELSE ' _regional' END ||
    COALESCE(' ' || (SELECT group_concat(CASE WHEN r.available = 1 THEN '_in' ELSE '_out' END || r.region, ' ')
        FROM catalog_service_regions r WHERE r.service_id = s.id), '')
FROM catalog_fts f JOIN catalog_services s ON s.id = f.service_id
WHERE s.doc IS NOT NULL;
DROP TABLE catalog_fts;

-- The popular list (an empty query, the home page) in index order, of
-- all services or of a category.
CREATE INDEX catalog_services_popular ON catalog_services ((popularity + views) DESC, title_ru, id) WHERE doc IS NOT NULL;
CREATE INDEX catalog_services_popular_by_category ON catalog_services (category, (popularity + views) DESC, title_ru, id) WHERE doc IS NOT NULL;

-- +goose Down
DROP INDEX catalog_services_popular_by_category;
DROP INDEX catalog_services_popular;
CREATE VIRTUAL TABLE catalog_fts USING fts5(
    service_id UNINDEXED, title, keywords, short, body,
    tokenize = 'unicode61 remove_diacritics 0'
);
INSERT INTO catalog_fts (service_id, title, keywords, short, body)
SELECT s.id, f.title, f.keywords, f.short, f.body
FROM catalog_search f JOIN catalog_services s ON s.search_id = (f.rowid & 4294967295);
DROP TABLE catalog_search;
DROP INDEX catalog_services_by_search_id;
ALTER TABLE catalog_services DROP COLUMN search_id;
