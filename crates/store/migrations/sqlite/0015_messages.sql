-- Messages (消息推送): the outbox, written in the transaction of the change that
-- causes each message, and its deliveries, one per channel and target, each
-- claimed by one delivery worker at a time (FOR UPDATE SKIP LOCKED and a
-- lease), retried with backoff. The same as migrations/postgres/0015_messages.sql.

-- A user's email address ('' when none); the mobile is in 0010.
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';

-- One row per event. `recipients` is a JSON array of user ids (the people the
-- event is addressed to, already expanded from roles); `payload` the rendered
-- message (subject, text, stage word, link, data) as JSON.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    event       TEXT   NOT NULL,
    case_id     INTEGER,
    case_number TEXT,
    licence_id  TEXT,
    department  TEXT,
    recipients  TEXT   NOT NULL,
    payload     TEXT   NOT NULL,
    created_at  INTEGER NOT NULL,
    dedup_key   TEXT   NOT NULL UNIQUE
);
CREATE INDEX outbox_by_case ON outbox(case_id, id);

-- One delivery per message, channel and target (a user id for the inbox and
-- email, a webhook id). state: pending, delivered, failed (its schedule ran
-- out, or the target refused it for good), skipped (nowhere to deliver).
-- A worker claims a pending row due by now whose lease has run out, and sets
-- the lease; it writes the outcome only while its lease is still the row's.
CREATE TABLE deliveries (
    id           INTEGER PRIMARY KEY,
    message_id   INTEGER NOT NULL REFERENCES outbox(id),
    channel      TEXT   NOT NULL,
    target       TEXT   NOT NULL,
    state        TEXT   NOT NULL DEFAULT 'pending',
    attempts     INTEGER NOT NULL DEFAULT 0,
    due_at       INTEGER NOT NULL,
    lease_until  INTEGER NOT NULL DEFAULT 0,
    last_status  INTEGER,
    last_answer  TEXT,
    last_error   TEXT,
    delivered_at INTEGER,
    created_at   INTEGER NOT NULL,
    UNIQUE (message_id, channel, target)
);
CREATE INDEX deliveries_due ON deliveries(channel, due_at) WHERE state = 'pending';
CREATE INDEX deliveries_failed ON deliveries(channel) WHERE state = 'failed';
CREATE INDEX deliveries_by_target ON deliveries(channel, target, id DESC);
CREATE INDEX deliveries_by_message ON deliveries(message_id);

-- Which events reach a user by which channel: only the switched-off pairs are
-- rows (every event reaches every channel by default).
CREATE TABLE notification_prefs (
    user_id INTEGER NOT NULL REFERENCES users(id),
    event   TEXT   NOT NULL,
    channel TEXT   NOT NULL,
    PRIMARY KEY (user_id, event, channel)
);

-- Signed webhooks (Standard Webhooks), registered by administrators. `events`
-- is a JSON array of event names ('*' for all); `department` limits them to
-- messages of one department when set.
CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY,
    url         TEXT    NOT NULL,
    events      TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    department  TEXT,
    secret      TEXT    NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    created_by  INTEGER  NOT NULL REFERENCES users(id),
    created_at  INTEGER  NOT NULL
);

-- A task whose holder was told it turned yellow (reset with the task).
ALTER TABLE cases ADD COLUMN task_warned INTEGER NOT NULL DEFAULT 0;
CREATE INDEX cases_by_task_warn ON cases(task_warn_at)
    WHERE task_assignee IS NOT NULL AND task_warned = 0;

-- The in-app inbox gains the message it came from, its case, a link and when
-- it was read.
ALTER TABLE notifications ADD COLUMN message_id INTEGER;
ALTER TABLE notifications ADD COLUMN case_id INTEGER;
ALTER TABLE notifications ADD COLUMN link TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN read_at INTEGER;
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;
