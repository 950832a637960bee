-- `kabinet rekey` (key rotation) walks every sealed table in batches by
-- primary key; it keeps here, per table, the last key done, so that a
-- stopped rekey goes on from there. target is the ID of the master key the
-- run seals under: progress towards another target does not count. A
-- completed run deletes its rows.

-- +goose Up
CREATE TABLE rekey_progress (
    table_name TEXT PRIMARY KEY,
    target     TEXT NOT NULL,
    last_key   TEXT NOT NULL,
    done       INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE rekey_progress;
