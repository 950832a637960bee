-- The catalog search's index in a narrow table of its own (issue 14 §4:
-- 20 000 services, 16 clients, p99 under 25 ms). The catalog ranks in Go
-- now (decision 19): a search asks the index only for the keys of its
-- first matches in a cheap order — those with every word in the title or
-- keywords first, then by popularity — and counts up to 1 000. Ordering a
-- word's thousands of matches by popularity visits each one's row, and a
-- catalog_services row is some 1.5 kB (five to a page: «справк», 2 949
-- matches, visited 1 780 pages, 13 ms); here a row is its key, its
-- popularity and its filters' words (forty to a page), the tsvectors the
-- index answers from stored out of line and never read by a search.
--
--   - search: every field's terms (what matches), as catalog_services had;
--   - title_keywords: the title's and keywords' terms, so that the index
--     finds the matches of the first order without reading rows;
--   - facets: the filters' words (store.searchFacets), inline: the popular
--     list's count reads them.
--
-- catalog_services keeps rank_terms (the title, keywords and short
-- description, weighted A, B, C): what each node's lexicon reads for the
-- ranking when the catalog's generation moves.

-- +goose Up
CREATE TABLE catalog_search (
    id             TEXT PRIMARY KEY REFERENCES catalog_services (id) ON DELETE CASCADE,
    popularity     INTEGER NOT NULL,
    title_keywords TSVECTOR NOT NULL,
    search         TSVECTOR NOT NULL,
    facets         TSVECTOR NOT NULL
) WITH (toast_tuple_target = 128);
ALTER TABLE catalog_search ALTER COLUMN title_keywords SET STORAGE EXTERNAL;
ALTER TABLE catalog_search ALTER COLUMN search SET STORAGE EXTERNAL;
ALTER TABLE catalog_search ALTER COLUMN facets SET STORAGE MAIN;
INSERT INTO catalog_search (id, popularity, title_keywords, search, facets)
SELECT id, popularity, strip(ts_filter(rank_terms, '{a,b}')), search, facets
FROM catalog_services WHERE doc IS NOT NULL AND search IS NOT NULL;
CREATE INDEX catalog_search_match ON catalog_search USING GIN (search, title_keywords, facets);
-- The services with a popularity, most often a few: the first of a common
-- word's matches in the cheap order are found among them alone.
CREATE INDEX catalog_search_popular ON catalog_search USING GIN (search, title_keywords, facets) WHERE popularity > 0;
DROP INDEX catalog_services_search;
ALTER TABLE catalog_services DROP COLUMN search;
ALTER TABLE catalog_services DROP COLUMN facets;

-- +goose Down
ALTER TABLE catalog_services ADD COLUMN search TSVECTOR;
ALTER TABLE catalog_services ADD COLUMN facets TSVECTOR;
ALTER TABLE catalog_services ALTER COLUMN search SET STORAGE EXTERNAL;
ALTER TABLE catalog_services ALTER COLUMN facets SET STORAGE MAIN;
UPDATE catalog_services s SET search = c.search, facets = c.facets FROM catalog_search c WHERE c.id = s.id;
CREATE INDEX catalog_services_search ON catalog_services USING GIN (search, facets);
DROP TABLE catalog_search;
