-- The audit log's staff fields and its hash chain (issue 12 §4, decision
-- 13): who acted in which role for which center and why; each record's
-- place in the chain (seq), the previous record's hash and its own (hex).
-- Records written before this migration are chained by the migrate step
-- (store.chainUnchained, in Go); a record may be chained once (its seq,
-- prev_hash and hash set from NULL) and is otherwise never changed.

-- +goose Up
ALTER TABLE audit_events ADD COLUMN actor_role TEXT;
ALTER TABLE audit_events ADD COLUMN center_id TEXT;
ALTER TABLE audit_events ADD COLUMN reason TEXT;
ALTER TABLE audit_events ADD COLUMN seq BIGINT;
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_events ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_events_seq ON audit_events (seq);
CREATE INDEX audit_events_unchained ON audit_events (id) WHERE seq IS NULL;
CREATE INDEX audit_events_staff_subject ON audit_events (subject_account_id, id) WHERE actor_kind = 'staff';
CREATE INDEX audit_events_actor ON audit_events (actor_id, id);
CREATE INDEX audit_events_center ON audit_events (center_id, id);
CREATE INDEX audit_events_action ON audit_events (action, id);

-- The chain's head: the last record's seq and hash (seq 0 and 64 zeros
-- before the first). Appends lock it (FOR UPDATE) just before their
-- transaction commits, which makes the chain one line across nodes.
CREATE TABLE audit_chain_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
        AND (NEW.id, NEW.at, NEW.action, NEW.actor_kind, NEW.actor_id, NEW.subject_account_id, NEW.ip,
             NEW.request_id, NEW.details, NEW.actor_role, NEW.center_id, NEW.reason)
        IS NOT DISTINCT FROM
            (OLD.id, OLD.at, OLD.action, OLD.actor_kind, OLD.actor_id, OLD.subject_account_id, OLD.ip,
             OLD.request_id, OLD.details, OLD.actor_role, OLD.center_id, OLD.reason) THEN
        RETURN NEW; -- chaining a record written before the chain existed
    END IF;
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
-- +goose StatementEnd
DROP TABLE audit_chain_head;
DROP INDEX audit_events_action;
DROP INDEX audit_events_center;
DROP INDEX audit_events_actor;
DROP INDEX audit_events_staff_subject;
DROP INDEX audit_events_unchained;
DROP INDEX audit_events_seq;
ALTER TABLE audit_events DROP COLUMN hash;
ALTER TABLE audit_events DROP COLUMN prev_hash;
ALTER TABLE audit_events DROP COLUMN seq;
ALTER TABLE audit_events DROP COLUMN reason;
ALTER TABLE audit_events DROP COLUMN center_id;
ALTER TABLE audit_events DROP COLUMN actor_role;
