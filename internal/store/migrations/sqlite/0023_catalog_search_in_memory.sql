-- The catalog search matches in memory (issue 14 §4, decision 19): each
-- node's lexicon, rebuilt when the catalog's generation moves, holds every
-- published service's terms and filters and answers a search without the
-- database. The FTS5 index has no reader left; what the lexicon reads of
-- a service is in its row:
--
--   - terms: every field's terms (as before: what a query matches, and the
--     typo correction's vocabulary);
--   - title_terms, keyword_terms, short_terms: the fields the ranking
--     reads, which the FTS row held;
--   - popularity, level, category, federal, and catalog_service_regions:
--     the filters and the cheap order.

-- +goose Up
ALTER TABLE catalog_services ADD COLUMN title_terms TEXT NOT NULL DEFAULT '';
ALTER TABLE catalog_services ADD COLUMN keyword_terms TEXT NOT NULL DEFAULT '';
ALTER TABLE catalog_services ADD COLUMN short_terms TEXT NOT NULL DEFAULT '';
UPDATE catalog_services SET
    title_terms = COALESCE((SELECT f.title FROM catalog_search f WHERE (f.rowid & 4294967295) = catalog_services.search_id), ''),
    keyword_terms = COALESCE((SELECT f.keywords FROM catalog_search f WHERE (f.rowid & 4294967295) = catalog_services.search_id), ''),
    short_terms = COALESCE((SELECT f.short FROM catalog_search f WHERE (f.rowid & 4294967295) = catalog_services.search_id), '')
WHERE search_id IS NOT NULL;
DROP TABLE catalog_search;
DROP INDEX catalog_services_by_search_id;
ALTER TABLE catalog_services DROP COLUMN search_id;

-- +goose Down
ALTER TABLE catalog_services ADD COLUMN search_id INTEGER;
UPDATE catalog_services SET search_id = rowid WHERE doc IS NOT NULL;
CREATE UNIQUE INDEX catalog_services_by_search_id ON catalog_services (search_id);
CREATE VIRTUAL TABLE catalog_search USING fts5(
    title, keywords, short, body, facets,
    tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"
);
-- The full description's own terms are not kept apart: terms holds them
-- with the others.
INSERT INTO catalog_search (rowid, title, keywords, short, body, facets)
SELECT ((100 - max(0, min(100, s.popularity))) << 32) | s.search_id, s.title_terms, s.keyword_terms, s.short_terms, s.terms,
    '_published _level' || s.level || ' _cat' || lower(hex(s.category)) || CASE WHEN s.federal = 1 THEN ' _federal' ELSE ' _regional' END ||
    COALESCE(' ' || (SELECT group_concat(CASE WHEN r.available = 1 THEN '_in' ELSE '_out' END || r.region, ' ')
        FROM catalog_service_regions r WHERE r.service_id = s.id), '')
FROM catalog_services s WHERE s.doc IS NOT NULL;
ALTER TABLE catalog_services DROP COLUMN short_terms;
ALTER TABLE catalog_services DROP COLUMN keyword_terms;
ALTER TABLE catalog_services DROP COLUMN title_terms;
