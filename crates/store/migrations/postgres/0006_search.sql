-- Searches built for millions of cases: by applicant identity, by submission
-- date range, and the urgency orders of the task and overdue lists, each served
-- by an index in the order the query reads it.
ALTER TABLE cases ADD COLUMN applicant_identity TEXT NOT NULL DEFAULT '';
-- json, not jsonb: jsonb refuses a \u0000 anywhere in the text, json only in what is extracted.
UPDATE cases SET applicant_identity = UPPER(TRIM(COALESCE((body::json) -> 'applicant' ->> 'identity', '')));
CREATE INDEX cases_by_identity ON cases(applicant_identity, id DESC);
CREATE INDEX cases_by_submitted ON cases(submitted_at DESC, id DESC);
CREATE INDEX cases_by_applicant_submitted ON cases(applicant_id, submitted_at DESC, id DESC);
CREATE INDEX cases_by_item_status ON cases(item_code, status, id DESC);
DROP INDEX cases_by_assignee;
CREATE INDEX cases_by_assignee ON cases(task_assignee, priority DESC, task_deadline, id)
    WHERE task_assignee IS NOT NULL;
CREATE INDEX cases_by_urgency ON cases(priority DESC, task_deadline, id)
    WHERE task_assignee IS NOT NULL;
-- The overdue list reads cases_by_urgency in order (the tasks whose warning time has
-- passed are those with the earliest deadlines); with this one beside it a planner
-- misled by its estimates would read every late task and sort them instead.
DROP INDEX cases_by_task_warn;
