-- The audit chain is appended in two steps: a change inserts its facts into
-- audit_pending in its own transaction (no lock shared with other writers), and
-- one linker per database at a time (an advisory lock) moves them, in order,
-- into audit_log with their sequence numbers and SM3 hashes, updating
-- audit_head. Commits therefore no longer queue behind the audit_head row lock
-- through their flush.
CREATE TABLE audit_pending (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       TEXT   NOT NULL,
    actor_id BIGINT,
    kind     TEXT   NOT NULL,
    subject  TEXT   NOT NULL,
    detail   TEXT   NOT NULL
);
