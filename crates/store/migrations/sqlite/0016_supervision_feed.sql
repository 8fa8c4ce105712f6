-- The supervision feed (审管分离): each approval, denial, revocation and
-- replacement of an item with a supervising department is recorded for that
-- department in the transaction of the change, to be claimed (认领) by
-- claim_due; the scheduler claims unclaimed records past it (claim_alerted)
-- and raises a claim_overdue alert once. Regulators send back supervision
-- results (监管结果) about a licence, which an officer marks handled.
-- The same as migrations/postgres/0016_supervision_feed.sql.

CREATE TABLE supervision_feed (
    id            INTEGER PRIMARY KEY,
    department    TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    case_id       INTEGER NOT NULL REFERENCES cases(id),
    case_number   TEXT    NOT NULL,
    licence_id    TEXT,
    summary       TEXT    NOT NULL,
    recorded_at   INTEGER NOT NULL,
    claim_warn    INTEGER NOT NULL,
    claim_due     INTEGER NOT NULL,
    claimed_at    INTEGER,
    claimed_by    INTEGER REFERENCES users(id),
    claim_alerted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX supervision_feed_by_department ON supervision_feed(department, id);
CREATE INDEX supervision_feed_claim_due ON supervision_feed(claim_due)
    WHERE claimed_at IS NULL AND claim_alerted = 0;

CREATE TABLE supervision_results (
    id           INTEGER PRIMARY KEY,
    licence_id   TEXT    NOT NULL,
    case_id      INTEGER NOT NULL REFERENCES cases(id),
    department   TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    note         TEXT    NOT NULL,
    recorded_by  INTEGER NOT NULL REFERENCES users(id),
    recorded_at  INTEGER NOT NULL,
    handled_at   INTEGER,
    handled_by   INTEGER REFERENCES users(id),
    handled_note TEXT
);
CREATE INDEX supervision_results_by_licence ON supervision_results(licence_id, id);
