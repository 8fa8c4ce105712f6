-- The service hall in the figures (办事大厅), by the day and by the month like
-- the other analytics rows (see 0022), keyed by the ticket's hall day (a
-- booking's slot day), the group and the source (walk_in, remote, booking):
-- tickets taken, first calls with the wait summed in seconds, tickets served
-- with the handling time summed, no-shows, cancellations; appointments
-- confirmed, cancelled by their applicant or by the bureau (节假日调整), and
-- kept (their ticket taken). Missed appointments are not a row: no step
-- happens when nobody comes; the figure derives them for past days. Written
-- in each step's own transaction; a rebuild fills them from the tickets and
-- bookings. The same as migrations/sqlite/0023_analytics_hall.sql.
CREATE TABLE analytics_hall (
    day               TEXT   NOT NULL,
    group_code        TEXT   NOT NULL,
    source            TEXT   NOT NULL,
    taken             BIGINT NOT NULL DEFAULT 0,
    called            BIGINT NOT NULL DEFAULT 0,
    served            BIGINT NOT NULL DEFAULT 0,
    no_show           BIGINT NOT NULL DEFAULT 0,
    cancelled         BIGINT NOT NULL DEFAULT 0,
    wait_secs         BIGINT NOT NULL DEFAULT 0,
    handle_secs       BIGINT NOT NULL DEFAULT 0,
    booked            BIGINT NOT NULL DEFAULT 0,
    booking_cancelled BIGINT NOT NULL DEFAULT 0,
    bureau_cancelled  BIGINT NOT NULL DEFAULT 0,
    kept              BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, group_code, source)
);

-- The waits (measure 'wait') and handling times ('handling') counted in
-- minute buckets (bounds 0, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240,
-- 480 and an open last one), for the median and the 90th percentile.
CREATE TABLE analytics_hall_times (
    day        TEXT   NOT NULL,
    group_code TEXT   NOT NULL,
    source     TEXT   NOT NULL,
    measure    TEXT   NOT NULL,
    bucket     BIGINT NOT NULL,
    n          BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, group_code, source, measure, bucket)
);

UPDATE analytics_state SET stale = 1
    WHERE EXISTS (SELECT 1 FROM hall_tickets) OR EXISTS (SELECT 1 FROM hall_bookings);
