-- 证照 in the figures: the licences counted per status, item and expiry day,
-- moved by the store in the transaction that inserts a licence or changes its
-- status (`licences::insert`, `licences::set_status`). The figure sums these
-- rows — valid, expiring by a day, revoked — instead of counting the licence
-- table on every view.
CREATE TABLE analytics_licences (
    status      TEXT   NOT NULL,
    item_code   TEXT   NOT NULL,
    -- The last valid day, '' for a licence without one.
    valid_until TEXT   NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (status, item_code, valid_until)
);
INSERT INTO analytics_licences (status, item_code, valid_until, n)
SELECT status, item_code, COALESCE(valid_until, ''), count(*) FROM licences
GROUP BY status, item_code, COALESCE(valid_until, '');
