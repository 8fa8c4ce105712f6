-- The written documents of a case (受理回执, 受理通知书, 补正告知书, 不予受理通知书,
-- 不予许可决定书, 踏勘记录), each sealed like a licence: the signed canonical
-- content, the SM2 signature and the key that made it. Append-only. And the
-- case's query code (查询码), given at submission.

CREATE TABLE case_documents (
    id        INTEGER PRIMARY KEY,
    case_id   INTEGER NOT NULL REFERENCES cases(id),
    number    TEXT    NOT NULL UNIQUE,
    kind      TEXT    NOT NULL,
    issued_at INTEGER NOT NULL,
    -- Who wrote it: the member of staff taking the step, the applicant for a
    -- receipt, NULL for the system (秒批).
    actor_id  INTEGER,
    canonical TEXT    NOT NULL,
    signature TEXT    NOT NULL,
    key_id    TEXT    NOT NULL
);
CREATE INDEX case_documents_by_case ON case_documents(case_id, id);

CREATE TRIGGER case_documents_append_only_u BEFORE UPDATE ON case_documents
BEGIN SELECT RAISE(ABORT, 'case_documents is append-only'); END;
CREATE TRIGGER case_documents_append_only_d BEFORE DELETE ON case_documents
BEGIN SELECT RAISE(ABORT, 'case_documents is append-only'); END;

ALTER TABLE cases ADD COLUMN query_code TEXT;
