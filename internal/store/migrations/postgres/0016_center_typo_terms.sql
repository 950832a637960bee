-- The typo index's terms change (centers.TypoTerms): from the bare strings
-- one deletion away from a locality, which a search then had to confirm
-- with a second statement and Go, to tagged terms that a query's probes
-- meet exactly when one typo apart, so a search is one statement. The
-- old terms go; the migrate step (store.indexLocalities, in Go) writes
-- the new ones for every locality of the directory, as SaveCenter does
-- for a new one. Down clears them the same way: the earlier version
-- finds typos again once its centers are saved anew.

-- +goose Up
DELETE FROM center_locality_variants;
DELETE FROM center_localities;

-- +goose Down
DELETE FROM center_locality_variants;
DELETE FROM center_localities;
