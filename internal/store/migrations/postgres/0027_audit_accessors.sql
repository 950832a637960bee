-- «Кто смотрел мои данные» lists the sites that received a citizen's data
-- through single sign-on (issue 15 §3, actor kind "site") beside the staff
-- who looked: the partial index of the staff's records about a citizen
-- becomes one of both.

-- +goose Up
CREATE INDEX audit_events_accessors ON audit_events (subject_account_id, id) WHERE actor_kind IN ('staff', 'site');
DROP INDEX audit_events_staff_subject;

-- +goose Down
CREATE INDEX audit_events_staff_subject ON audit_events (subject_account_id, id) WHERE actor_kind = 'staff';
DROP INDEX audit_events_accessors;
