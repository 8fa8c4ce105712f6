-- The licence library (电子证照库), the seal's keys, the materials library
-- (电子材料库), notifications and public reports.

CREATE TABLE seal_keys (
    key_id         TEXT    PRIMARY KEY,
    public_key_hex TEXT    NOT NULL,
    created_at     INTEGER NOT NULL
);

CREATE TABLE licence_serials (
    type_code TEXT    NOT NULL,
    year      INTEGER NOT NULL,
    last      INTEGER NOT NULL,
    PRIMARY KEY (type_code, year)
);

CREATE TABLE licences (
    seq                    INTEGER PRIMARY KEY,
    id                     TEXT    NOT NULL UNIQUE,
    type_code              TEXT    NOT NULL,
    type_name              TEXT    NOT NULL,
    holder_user_id         INTEGER NOT NULL REFERENCES users(id),
    holder_name            TEXT    NOT NULL,
    holder_is_person       INTEGER NOT NULL,
    case_id                INTEGER NOT NULL REFERENCES cases(id),
    item_code              TEXT    NOT NULL,
    supervising_department TEXT,
    issued_on              TEXT    NOT NULL,
    valid_until            TEXT,
    -- The signed canonical content, the SM2 signature and the key that made it.
    canonical              TEXT    NOT NULL,
    signature              TEXT    NOT NULL,
    key_id                 TEXT    NOT NULL,
    status                 TEXT    NOT NULL,
    status_detail          TEXT    NOT NULL DEFAULT '{}',
    reminded               INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX licences_by_holder ON licences(holder_user_id, seq DESC);
CREATE INDEX licences_by_dept ON licences(supervising_department, seq DESC);
CREATE INDEX licences_by_expiry ON licences(valid_until) WHERE reminded = 0 AND status = 'valid';
CREATE INDEX licences_by_holder_name ON licences(holder_name);

CREATE TABLE materials (
    hash         TEXT    NOT NULL,
    owner        INTEGER NOT NULL REFERENCES users(id),
    name         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    uploaded_at  INTEGER NOT NULL,
    PRIMARY KEY (owner, hash)
);

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    kind       TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    dedup_key  TEXT    NOT NULL UNIQUE
);
CREATE INDEX notifications_by_user ON notifications(user_id, id DESC);

ALTER TABLE alerts ADD COLUMN note TEXT;
