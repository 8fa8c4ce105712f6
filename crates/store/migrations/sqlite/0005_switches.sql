-- The safety valve of instant decisions (秒批): an admin can switch them off per item at once.

CREATE TABLE item_switches (
    code            TEXT    PRIMARY KEY,
    instant_enabled INTEGER NOT NULL,
    changed_by      INTEGER,
    changed_at      INTEGER NOT NULL,
    reason          TEXT    NOT NULL
);
