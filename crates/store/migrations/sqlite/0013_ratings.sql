-- 好差评: one rating per ended case, tied to its item, department, channel and
-- the member of staff who took it in. Ratings are never changed or deleted: an
-- appeal decided for the bureau only takes one out of the statistics.
CREATE TABLE ratings (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL UNIQUE REFERENCES cases(id),
    case_number  TEXT    NOT NULL,
    applicant_id INTEGER NOT NULL REFERENCES users(id),
    item_code    TEXT    NOT NULL,
    department   TEXT    NOT NULL,
    channel      TEXT    NOT NULL,
    staff_id     INTEGER,
    level        TEXT    NOT NULL,
    -- Reason codes of the level, as a JSON array.
    reasons      TEXT    NOT NULL,
    comment      TEXT    NOT NULL,
    rated_at     INTEGER NOT NULL
);
CREATE INDEX ratings_by_time ON ratings(id DESC);
CREATE INDEX ratings_by_item ON ratings(item_code, id DESC);
CREATE INDEX ratings_by_staff ON ratings(staff_id, id DESC);
CREATE TRIGGER ratings_kept_u BEFORE UPDATE ON ratings
BEGIN SELECT RAISE(ABORT, 'ratings are never changed'); END;
CREATE TRIGGER ratings_kept_d BEFORE DELETE ON ratings
BEGIN SELECT RAISE(ABORT, 'ratings are never deleted'); END;

-- The rectification (整改) a bad rating opens: two clocks in working days, the
-- call-back record and the outcome. *_alerted: 1 once its overdue alert is raised.
CREATE TABLE rectifications (
    id               INTEGER PRIMARY KEY,
    rating_id        INTEGER NOT NULL UNIQUE REFERENCES ratings(id),
    case_id          INTEGER NOT NULL REFERENCES cases(id),
    case_number      TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    opened_at        INTEGER NOT NULL,
    callback_due     INTEGER NOT NULL,
    callback_warn    INTEGER NOT NULL,
    rectify_due      INTEGER NOT NULL,
    rectify_warn     INTEGER NOT NULL,
    callback_note    TEXT,
    callback_at      INTEGER,
    callback_by      INTEGER,
    outcome_kind     TEXT,
    outcome          TEXT,
    outcome_at       INTEGER,
    outcome_by       INTEGER,
    callback_alerted INTEGER NOT NULL DEFAULT 0,
    rectify_alerted  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX rectifications_open ON rectifications(status, rectify_due, id);
CREATE INDEX rectifications_callback_due ON rectifications(callback_due)
    WHERE callback_at IS NULL AND callback_alerted = 0;
CREATE INDEX rectifications_rectify_due ON rectifications(rectify_due)
    WHERE outcome_at IS NULL AND rectify_alerted = 0;

-- The bureau's appeal of a rating (恶意差评, 误评), decided by a supervisor:
-- one per rating.
CREATE TABLE rating_appeals (
    id            INTEGER PRIMARY KEY,
    rating_id     INTEGER NOT NULL UNIQUE REFERENCES ratings(id),
    ground        TEXT    NOT NULL,
    reason        TEXT    NOT NULL,
    filed_by      INTEGER NOT NULL REFERENCES users(id),
    filed_at      INTEGER NOT NULL,
    status        TEXT    NOT NULL,
    decision_note TEXT,
    decided_by    INTEGER,
    decided_at    INTEGER
);
CREATE INDEX rating_appeals_by_status ON rating_appeals(status, id);
