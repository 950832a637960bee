-- Limits in rolling windows: events per key in buckets (internal/throttle),
-- and the lock state of each login (internal/lockout). Keys are keyed hashes
-- of the subject (a login, a phone number, an address), never the subject.

-- +goose Up
DROP TABLE throttles;

CREATE TABLE rate_counts (
    key    BLOB NOT NULL,
    bucket INTEGER NOT NULL,
    hits   INTEGER NOT NULL,
    PRIMARY KEY (key, bucket)
);
CREATE INDEX rate_counts_bucket ON rate_counts (bucket);

CREATE TABLE rate_logs (
    key        BLOB PRIMARY KEY,
    times      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX rate_logs_updated_at ON rate_logs (updated_at);

CREATE TABLE login_guards (
    key          BLOB PRIMARY KEY,
    episodes     INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0,
    failures     INTEGER NOT NULL DEFAULT 0,
    suspended_at INTEGER,
    updated_at   INTEGER NOT NULL
);

-- +goose Down
DROP TABLE login_guards;
DROP TABLE rate_logs;
DROP TABLE rate_counts;
CREATE TABLE throttles (
    key            BLOB PRIMARY KEY,
    hits           INTEGER NOT NULL,
    window_ends_at INTEGER NOT NULL
);
CREATE INDEX throttles_window_ends_at ON throttles (window_ends_at);
