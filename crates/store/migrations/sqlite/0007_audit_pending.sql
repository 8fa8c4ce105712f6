-- The audit chain is appended in two steps on both backends: a change inserts
-- its facts into audit_pending in its own transaction, and the linker moves them,
-- in order, into audit_log with their sequence numbers and SM3 hashes, updating
-- the head of the chain kept in audit_head. On SQLite the one writer links at
-- the end of every write transaction, so the chain is whole at every commit.
CREATE TABLE audit_pending (
    id       INTEGER PRIMARY KEY,
    at       TEXT    NOT NULL,
    actor_id INTEGER,
    kind     TEXT    NOT NULL,
    subject  TEXT    NOT NULL,
    detail   TEXT    NOT NULL
);
CREATE TABLE audit_head (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    seq       INTEGER NOT NULL,
    hash      TEXT    NOT NULL
);
INSERT INTO audit_head (singleton, seq, hash)
SELECT 1, coalesce((SELECT seq FROM audit_log ORDER BY seq DESC LIMIT 1), 0),
       coalesce((SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), hex(zeroblob(32)));

-- Both stores now run the same queries, which test flags as `NOT flag`; a
-- partial index serves a query only when its condition reads the same, so the
-- two partial indexes on flags are rebuilt with that spelling.
DROP INDEX cases_by_deadline;
CREATE INDEX cases_by_deadline ON cases(deadline) WHERE NOT closed AND NOT suspended AND NOT case_alerted;
DROP INDEX licences_by_expiry;
CREATE INDEX licences_by_expiry ON licences(valid_until) WHERE NOT reminded AND status = 'valid';
