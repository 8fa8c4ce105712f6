-- onestamp schema, SQLite. Instants are Unix milliseconds (INTEGER).

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    identity      TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL
);

CREATE TABLE user_roles (
    user_id INTEGER NOT NULL REFERENCES users(id),
    role    TEXT    NOT NULL,
    PRIMARY KEY (user_id, role)
);
CREATE INDEX user_roles_by_role ON user_roles(role, user_id);

CREATE TABLE tokens (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    expires_at INTEGER NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE departments (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

-- Every version of every item; a case pins (code, version).
CREATE TABLE item_versions (
    code       TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    definition TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (code, version)
);

CREATE TABLE items (
    code    TEXT    PRIMARY KEY,
    version INTEGER NOT NULL
);

CREATE TABLE themes (
    code       TEXT    PRIMARY KEY,
    position   INTEGER NOT NULL,
    definition TEXT    NOT NULL
);

CREATE TABLE case_serials (
    day  TEXT    PRIMARY KEY,
    last INTEGER NOT NULL
);

-- The case: indexed columns for queries, the whole domain case in `body`.
CREATE TABLE cases (
    id             INTEGER PRIMARY KEY,
    number         TEXT    NOT NULL UNIQUE,
    item_code      TEXT    NOT NULL,
    item_version   INTEGER NOT NULL,
    applicant_id   INTEGER NOT NULL REFERENCES users(id),
    applicant_name TEXT    NOT NULL,
    status         TEXT    NOT NULL,
    priority       INTEGER NOT NULL,
    version        INTEGER NOT NULL,
    submitted_at   INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    task_stage     TEXT,
    task_assignee  INTEGER,
    task_deadline  INTEGER,
    body           TEXT    NOT NULL
);
CREATE INDEX cases_by_applicant ON cases(applicant_id, id DESC);
CREATE INDEX cases_by_status ON cases(status, id DESC);
CREATE INDEX cases_by_item ON cases(item_code, id DESC);
CREATE INDEX cases_by_assignee ON cases(task_assignee, task_deadline, id) WHERE task_assignee IS NOT NULL;

-- Append-only log of what happened to each case.
CREATE TABLE case_events (
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    seq         INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    actor_id    INTEGER NOT NULL,
    actor_role  TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    opinion     TEXT,
    from_status TEXT,
    to_status   TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    PRIMARY KEY (case_id, seq)
);

-- The SM3 hash chain of every event and every staff and catalogue change.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT    NOT NULL,
    actor_id  INTEGER,
    kind      TEXT    NOT NULL,
    subject   TEXT    NOT NULL,
    detail    TEXT    NOT NULL,
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL
);

CREATE TRIGGER case_events_append_only_u BEFORE UPDATE ON case_events
BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END;
CREATE TRIGGER case_events_append_only_d BEFORE DELETE ON case_events
BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END;
CREATE TRIGGER audit_log_append_only_u BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_append_only_d BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
