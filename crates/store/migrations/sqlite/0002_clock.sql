-- Stage clocks and overdue alerts (分段计时, 超时追责).

ALTER TABLE cases ADD COLUMN deadline INTEGER;
ALTER TABLE cases ADD COLUMN suspended INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN closed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN task_started_at INTEGER;
ALTER TABLE cases ADD COLUMN task_warn_at INTEGER;
-- 0: no alert for the current task; 2: its overdue alert was raised.
ALTER TABLE cases ADD COLUMN task_alerted INTEGER NOT NULL DEFAULT 0;
-- 1 once the case's overdue alert was raised.
ALTER TABLE cases ADD COLUMN case_alerted INTEGER NOT NULL DEFAULT 0;

CREATE INDEX cases_by_task_deadline ON cases(task_deadline) WHERE task_assignee IS NOT NULL AND task_alerted = 0;
CREATE INDEX cases_by_task_warn ON cases(task_warn_at) WHERE task_assignee IS NOT NULL;
CREATE INDEX cases_by_deadline ON cases(deadline) WHERE closed = 0 AND suspended = 0 AND case_alerted = 0;

CREATE TABLE alerts (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases(id),
    case_number  TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    stage        TEXT,
    responsible  INTEGER,
    deadline     INTEGER NOT NULL,
    raised_at    INTEGER NOT NULL,
    -- The same task (case, stage, start) or case is alerted once, whatever the number of nodes.
    dedup_key    TEXT    NOT NULL UNIQUE
);
CREATE INDEX alerts_by_time ON alerts(id DESC);
CREATE INDEX alerts_by_responsible ON alerts(responsible, id DESC);
