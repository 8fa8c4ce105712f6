-- The safety valve of instant decisions (秒批): an admin can switch them off per
-- item at once; the same as migrations/sqlite/0005_switches.sql.

CREATE TABLE item_switches (
    code            TEXT    PRIMARY KEY,
    instant_enabled BOOLEAN NOT NULL,
    changed_by      BIGINT,
    changed_at      BIGINT  NOT NULL,
    reason          TEXT    NOT NULL
);
