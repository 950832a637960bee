-- Account deletion at its owner's request: the moment a pending deletion
-- takes effect (NULL: none pending), indexed for the job that erases the
-- accounts whose grace period has ended. An erased account keeps its row
-- (status 'deleted', personal data and blind indexes cleared) so that the
-- audit log's pseudonymous ID still names something.

-- +goose Up
ALTER TABLE accounts ADD COLUMN deletion_effective_at BIGINT;
CREATE INDEX accounts_deletion_effective_at ON accounts (deletion_effective_at);

-- +goose Down
DROP INDEX accounts_deletion_effective_at;
ALTER TABLE accounts DROP COLUMN deletion_effective_at;
