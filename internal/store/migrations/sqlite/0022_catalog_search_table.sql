-- The catalog search's index, tidied (issue 14 §4): see the PostgreSQL
-- migration of the same number, which moves the index to a narrow table.
-- SQLite's catalog_search (FTS5, migration 0020) is that table already:
-- its rowid carries the popularity, and a search reads only rowids, in
-- the index's order. What an import leaves it is many segments, each
-- looked up for every word of every search; an import now merges them
-- (store.Catalog.CompactSearch), and this merges those of the imports
-- before it.

-- +goose Up
INSERT INTO catalog_search (catalog_search) VALUES ('optimize');

-- +goose Down
SELECT 1;
