-- The catalog search matches in memory (issue 14 §4, decision 19): see
-- the SQLite migration of the same number. The GIN index has no reader
-- left; the ranked fields move from the tsvector rank_terms (weights A, B
-- and C) to plain text, as SQLite keeps them, each term as often as it
-- occurs.

-- +goose Up
ALTER TABLE catalog_services ADD COLUMN title_terms TEXT NOT NULL DEFAULT '';
ALTER TABLE catalog_services ADD COLUMN keyword_terms TEXT NOT NULL DEFAULT '';
ALTER TABLE catalog_services ADD COLUMN short_terms TEXT NOT NULL DEFAULT '';
UPDATE catalog_services s SET
    title_terms = array_to_string(ARRAY(SELECT u.lexeme FROM unnest(s.rank_terms) u, unnest(u.weights) w WHERE w = 'A'), ' '),
    keyword_terms = array_to_string(ARRAY(SELECT u.lexeme FROM unnest(s.rank_terms) u, unnest(u.weights) w WHERE w = 'B'), ' '),
    short_terms = array_to_string(ARRAY(SELECT u.lexeme FROM unnest(s.rank_terms) u, unnest(u.weights) w WHERE w = 'C'), ' ')
WHERE s.rank_terms IS NOT NULL;
DROP TABLE catalog_search;
ALTER TABLE catalog_services DROP COLUMN rank_terms;

-- +goose Down
ALTER TABLE catalog_services ADD COLUMN rank_terms TSVECTOR;
ALTER TABLE catalog_services ALTER COLUMN rank_terms SET STORAGE MAIN;
UPDATE catalog_services SET rank_terms = setweight(to_tsvector('simple', title_terms), 'A') ||
    setweight(to_tsvector('simple', keyword_terms), 'B') || setweight(to_tsvector('simple', short_terms), 'C')
WHERE doc IS NOT NULL;
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
SELECT s.id, s.popularity, to_tsvector('simple', s.title_terms || ' ' || s.keyword_terms), to_tsvector('simple', s.terms),
    array_to_tsvector(string_to_array('_published _level' || s.level || ' _cat' || encode(convert_to(s.category, 'UTF8'), 'hex') ||
        CASE WHEN s.federal = 1 THEN ' _federal' ELSE ' _regional' END ||
        COALESCE(' ' || (SELECT string_agg(CASE WHEN r.available = 1 THEN '_in' ELSE '_out' END || r.region, ' ')
            FROM catalog_service_regions r WHERE r.service_id = s.id), ''), ' '))
FROM catalog_services s WHERE s.doc IS NOT NULL;
CREATE INDEX catalog_search_match ON catalog_search USING GIN (search, title_keywords, facets);
CREATE INDEX catalog_search_popular ON catalog_search USING GIN (search, title_keywords, facets) WHERE popularity > 0;
ALTER TABLE catalog_services DROP COLUMN short_terms;
ALTER TABLE catalog_services DROP COLUMN keyword_terms;
ALTER TABLE catalog_services DROP COLUMN title_terms;
