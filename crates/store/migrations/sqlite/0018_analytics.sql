-- 大数据决策分析: counts pre-aggregated per bureau day, written in the transaction
-- of each case step (and each rating), so that every dashboard figure is a sum
-- over these small rows and never a scan of the cases. `onestamp analytics
-- rebuild` recomputes them from the cases. Days are 'YYYY-MM-DD' in the
-- bureau's time zone. The same as migrations/postgres/0018_analytics.sql.

CREATE TABLE analytics_volume (
    day               TEXT    NOT NULL,
    item_code         TEXT    NOT NULL,
    channel           TEXT    NOT NULL,
    submitted         INTEGER NOT NULL DEFAULT 0,
    ended             INTEGER NOT NULL DEFAULT 0,
    issued            INTEGER NOT NULL DEFAULT 0,
    not_accepted      INTEGER NOT NULL DEFAULT 0,
    denied            INTEGER NOT NULL DEFAULT 0,
    withdrawn         INTEGER NOT NULL DEFAULT 0,
    same_day          INTEGER NOT NULL DEFAULT 0,
    instant           INTEGER NOT NULL DEFAULT 0,
    on_time_committed INTEGER NOT NULL DEFAULT 0,
    on_time_legal     INTEGER NOT NULL DEFAULT 0,
    corrections       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, item_code, channel)
);

-- Working minutes per stage (or 'total') of issued cases, in fixed buckets.
CREATE TABLE analytics_times (
    day       TEXT    NOT NULL,
    item_code TEXT    NOT NULL,
    stage     TEXT    NOT NULL,
    bucket    INTEGER NOT NULL,
    n         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, item_code, stage, bucket)
);

-- Materials named by correction requests, by defect.
CREATE TABLE analytics_corrections (
    day       TEXT    NOT NULL,
    item_code TEXT    NOT NULL,
    material  TEXT    NOT NULL,
    defect    TEXT    NOT NULL,
    n         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, item_code, material, defect)
);

-- Refusals (not_accepted) and denials with their reasons.
CREATE TABLE analytics_refusals (
    day       TEXT    NOT NULL,
    item_code TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    reason    TEXT    NOT NULL,
    n         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, item_code, kind, reason)
);

-- Ended cases and their ratings, by the day the case ended and the staff who
-- took it in (0: none).
CREATE TABLE analytics_ratings (
    day       TEXT    NOT NULL,
    item_code TEXT    NOT NULL,
    channel   TEXT    NOT NULL,
    staff_id  INTEGER NOT NULL,
    ended     INTEGER NOT NULL DEFAULT 0,
    rated     INTEGER NOT NULL DEFAULT 0,
    good      INTEGER NOT NULL DEFAULT 0,
    bad       INTEGER NOT NULL DEFAULT 0,
    voided    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, item_code, channel, staff_id)
);

-- Whether the rows stand for every stored case: set by a rebuild; a store
-- holding cases from before this migration needs one.
CREATE TABLE analytics_state (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    stale   INTEGER NOT NULL
);
INSERT INTO analytics_state (id, stale) SELECT 1, CASE WHEN EXISTS (SELECT 1 FROM cases) THEN 1 ELSE 0 END;

-- Open tasks past their deadline, per person and stage, and in total: read from
-- the index alone.
CREATE INDEX cases_open_task_deadline ON cases(task_deadline, task_assignee, task_stage)
    WHERE task_assignee IS NOT NULL;

-- Licences valid, expiring and revoked, per item.
CREATE INDEX licences_by_status_item ON licences(status, item_code, valid_until);
