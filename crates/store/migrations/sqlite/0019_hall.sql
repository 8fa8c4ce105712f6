-- The service hall (办事大厅): item groups with their ticket prefix, the
-- windows serving them, the day's ticket counters, the tickets with their
-- times, the call log the hall display follows (an increasing id every node
-- polls), the day's check-in code shown at the hall, and appointments
-- (预约) with a booked count per slot. The same as migrations/postgres/0019_hall.sql.

CREATE TABLE hall_groups (
    code     TEXT    PRIMARY KEY,
    name     TEXT    NOT NULL,
    items    TEXT    NOT NULL,
    per_slot INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE hall_windows (
    id     INTEGER PRIMARY KEY,
    number TEXT    NOT NULL UNIQUE,
    group_codes TEXT    NOT NULL,
    staff  INTEGER REFERENCES users(id),
    is_open INTEGER NOT NULL DEFAULT 1
);

-- The last number given in a group on a day: one upsert per ticket.
CREATE TABLE hall_counters (
    day        TEXT    NOT NULL,
    group_code TEXT    NOT NULL,
    last_number INTEGER NOT NULL,
    PRIMARY KEY (day, group_code)
);

-- status: taken (remote, not checked in), waiting, called, done, no_show,
-- cancelled; every step an UPDATE … WHERE status = ….
CREATE TABLE hall_tickets (
    id             INTEGER PRIMARY KEY,
    day            TEXT    NOT NULL,
    group_code     TEXT    NOT NULL,
    number         INTEGER NOT NULL,
    label          TEXT    NOT NULL,
    item_code      TEXT,
    applicant      INTEGER REFERENCES users(id),
    source         TEXT    NOT NULL,
    appointment_at INTEGER,
    status         TEXT    NOT NULL,
    taken_at       INTEGER NOT NULL,
    checked_in_at  INTEGER,
    called_at      INTEGER,
    last_called_at INTEGER,
    recalls        INTEGER NOT NULL DEFAULT 0,
    window_id      INTEGER REFERENCES hall_windows(id),
    transferred    INTEGER NOT NULL DEFAULT 0,
    ended_at       INTEGER,
    case_id        INTEGER REFERENCES cases(id),
    token          TEXT    NOT NULL UNIQUE,
    UNIQUE (day, group_code, number)
);
CREATE INDEX hall_tickets_by_day ON hall_tickets(day, status);
CREATE INDEX hall_tickets_by_applicant ON hall_tickets(applicant, id);
CREATE INDEX hall_tickets_ended ON hall_tickets(group_code, ended_at) WHERE status = 'done';

-- Every call and recall, append-only: the display reads those after the last
-- id it showed.
CREATE TABLE hall_calls (
    id            INTEGER PRIMARY KEY,
    ticket_id     INTEGER NOT NULL REFERENCES hall_tickets(id),
    label         TEXT    NOT NULL,
    window_number TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    voice         TEXT    NOT NULL,
    called_at     INTEGER NOT NULL
);

CREATE TABLE hall_checkin_codes (
    day  TEXT PRIMARY KEY,
    code TEXT NOT NULL
);

-- status: held (until held_until), confirmed, cancelled.
CREATE TABLE hall_bookings (
    id           INTEGER PRIMARY KEY,
    group_code   TEXT    NOT NULL,
    item_code    TEXT,
    slot_start   INTEGER NOT NULL,
    slot_end     INTEGER NOT NULL,
    applicant    INTEGER NOT NULL REFERENCES users(id),
    status       TEXT    NOT NULL,
    held_until   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    confirmed_at INTEGER,
    cancelled_at INTEGER,
    ticket_id    INTEGER REFERENCES hall_tickets(id)
);
CREATE INDEX hall_bookings_by_applicant ON hall_bookings(applicant, slot_start);
CREATE INDEX hall_bookings_by_slot ON hall_bookings(slot_start);

CREATE TABLE hall_slot_counts (
    group_code TEXT    NOT NULL,
    slot_start INTEGER NOT NULL,
    booked     INTEGER NOT NULL,
    PRIMARY KEY (group_code, slot_start)
);
