-- The catalog search made cheaper (issue 14 §4: 20 000 services, 16
-- clients, p99 under 25 ms); see the SQLite migration of the same number.
-- A search of a common word over 20 000 services read thousands of wide
-- rows (the weighted tsvector of every field and the terms stored inline,
-- compressed: two or three rows to a page), ranked each by ts_rank over
-- its whole tsvector, decompressing it, and filtered the region per row.
--
--   - rank_terms is the tsvector of the title (A), keywords (B) and short
--     description (C): what the ranking reads, small and stored inline;
--     the full description only matches (search), as on SQLite, where its
--     bm25 weight is 0;
--   - facets holds the words of the filters (store.searchFacets), under
--     the same GIN index as search, so the region, category and level
--     filters narrow the index scan instead of the rows read;
--   - search, terms, doc and draft are stored out of line (EXTERNAL), so
--     that a row read by a search is a few hundred bytes.

-- +goose Up
ALTER TABLE catalog_services ADD COLUMN rank_terms TSVECTOR;
ALTER TABLE catalog_services ADD COLUMN facets TSVECTOR;
ALTER TABLE catalog_services ALTER COLUMN search SET STORAGE EXTERNAL;
ALTER TABLE catalog_services ALTER COLUMN terms SET STORAGE EXTERNAL;
ALTER TABLE catalog_services ALTER COLUMN doc SET STORAGE EXTERNAL;
ALTER TABLE catalog_services ALTER COLUMN draft SET STORAGE EXTERNAL;
ALTER TABLE catalog_services ALTER COLUMN rank_terms SET STORAGE MAIN;
ALTER TABLE catalog_services ALTER COLUMN facets SET STORAGE MAIN;
UPDATE catalog_services s SET
    rank_terms = ts_filter(s.search, '{a,b,c}'),
    facets = array_to_tsvector(string_to_array('_published _level' || s.level || ' _cat' || encode(convert_to(s.category, 'UTF8'), 'hex') ||
        CASE WHEN s.federal = 1 THEN ' _federal' ELSE ' _regional' END ||
        COALESCE(' ' || (SELECT string_agg(CASE WHEN r.available = 1 THEN '_in' ELSE '_out' END || r.region, ' ')
            FROM catalog_service_regions r WHERE r.service_id = s.id), ''), ' '))
WHERE s.search IS NOT NULL;
DROP INDEX catalog_services_search;
CREATE INDEX catalog_services_search ON catalog_services USING GIN (search, facets);

-- The popular list (an empty query, the home page) in index order, of
-- all services or of a category.
CREATE INDEX catalog_services_popular ON catalog_services ((popularity + views) DESC, title_ru, id) WHERE doc IS NOT NULL;
CREATE INDEX catalog_services_popular_by_category ON catalog_services (category, (popularity + views) DESC, title_ru, id) WHERE doc IS NOT NULL;

-- +goose Down
DROP INDEX catalog_services_popular_by_category;
DROP INDEX catalog_services_popular;
DROP INDEX catalog_services_search;
CREATE INDEX catalog_services_search ON catalog_services USING GIN (search);
ALTER TABLE catalog_services ALTER COLUMN search SET STORAGE EXTENDED;
ALTER TABLE catalog_services ALTER COLUMN terms SET STORAGE EXTENDED;
ALTER TABLE catalog_services ALTER COLUMN doc SET STORAGE EXTENDED;
ALTER TABLE catalog_services ALTER COLUMN draft SET STORAGE EXTENDED;
ALTER TABLE catalog_services DROP COLUMN facets;
ALTER TABLE catalog_services DROP COLUMN rank_terms;
