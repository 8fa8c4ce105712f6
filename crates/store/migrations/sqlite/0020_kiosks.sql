-- Self-service kiosks (自助终端): the registered devices (only the SM3 hash of
-- a device's token is kept), the one-time sign-in codes (hashed; tries counted
-- by a guarded UPDATE), the kiosk sessions (hashed tokens, tied to a kiosk,
-- ended by sign-out or idleness), and the simulated SMS outbox every node
-- reads. The same as migrations/postgres/0020_kiosks.sql.

CREATE TABLE kiosks (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    location   TEXT    NOT NULL,
    token_hash TEXT    NOT NULL UNIQUE,
    enabled    INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);

CREATE TABLE kiosk_codes (
    id         INTEGER PRIMARY KEY,
    kiosk_id   INTEGER NOT NULL REFERENCES kiosks(id),
    identity   TEXT    NOT NULL,
    user_id    INTEGER REFERENCES users(id),
    code_hash  TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    tries      INTEGER NOT NULL DEFAULT 0,
    used_at    INTEGER
);
CREATE INDEX kiosk_codes_by_identity ON kiosk_codes(identity, created_at);
CREATE INDEX kiosk_codes_by_kiosk ON kiosk_codes(kiosk_id, created_at);

CREATE TABLE kiosk_sessions (
    token_hash TEXT    PRIMARY KEY,
    kiosk_id   INTEGER NOT NULL REFERENCES kiosks(id),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    ended_at   INTEGER
);

CREATE TABLE sms_outbox (
    id      INTEGER PRIMARY KEY,
    mobile  TEXT    NOT NULL,
    text    TEXT    NOT NULL,
    sent_at INTEGER NOT NULL
);
CREATE INDEX sms_outbox_by_mobile ON sms_outbox(mobile, id);
