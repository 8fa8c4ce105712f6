-- 大数据决策分析 by month: each analytics row is now also kept under its month
-- ('YYYY-MM', beside the days' 'YYYY-MM-DD'), the month's sum, written in the
-- same transaction; a long period reads whole months from these rows. This
-- adds the month rows of the days already counted. The same as
-- migrations/postgres/0022_analytics_months.sql.

INSERT INTO analytics_volume (day, item_code, channel, submitted, ended, issued, not_accepted,
        denied, withdrawn, same_day, instant, on_time_committed, on_time_legal, corrections)
    SELECT substr(day, 1, 7), item_code, channel, sum(submitted), sum(ended), sum(issued),
        sum(not_accepted), sum(denied), sum(withdrawn), sum(same_day), sum(instant),
        sum(on_time_committed), sum(on_time_legal), sum(corrections)
    FROM analytics_volume WHERE length(day) = 10
    GROUP BY substr(day, 1, 7), item_code, channel;

INSERT INTO analytics_times (day, item_code, stage, bucket, n)
    SELECT substr(day, 1, 7), item_code, stage, bucket, sum(n)
    FROM analytics_times WHERE length(day) = 10
    GROUP BY substr(day, 1, 7), item_code, stage, bucket;

INSERT INTO analytics_corrections (day, item_code, material, defect, n)
    SELECT substr(day, 1, 7), item_code, material, defect, sum(n)
    FROM analytics_corrections WHERE length(day) = 10
    GROUP BY substr(day, 1, 7), item_code, material, defect;

INSERT INTO analytics_refusals (day, item_code, kind, reason, n)
    SELECT substr(day, 1, 7), item_code, kind, reason, sum(n)
    FROM analytics_refusals WHERE length(day) = 10
    GROUP BY substr(day, 1, 7), item_code, kind, reason;

INSERT INTO analytics_ratings (day, item_code, channel, staff_id, ended, rated, good, bad, voided)
    SELECT substr(day, 1, 7), item_code, channel, staff_id, sum(ended), sum(rated), sum(good),
        sum(bad), sum(voided)
    FROM analytics_ratings WHERE length(day) = 10
    GROUP BY substr(day, 1, 7), item_code, channel, staff_id;

-- Overdue tasks by person for a department's items: the item beside the task
-- in the index, so the count still reads the index alone.
DROP INDEX cases_open_task_deadline;
CREATE INDEX cases_open_task_deadline ON cases(task_deadline, task_assignee, task_stage, item_code)
    WHERE task_assignee IS NOT NULL;

-- Themes (一件事一次办): bundles submitted, and finished (all issued, partly
-- issued, stopped or refused, and within their committed limit), by the day
-- and by the month like the other rows. A rebuild fills it from the bundles.
CREATE TABLE analytics_themes (
    day        TEXT   NOT NULL,
    theme_code TEXT   NOT NULL,
    channel    TEXT   NOT NULL,
    submitted  BIGINT NOT NULL DEFAULT 0,
    finished   BIGINT NOT NULL DEFAULT 0,
    issued     BIGINT NOT NULL DEFAULT 0,
    partly     BIGINT NOT NULL DEFAULT 0,
    stopped    BIGINT NOT NULL DEFAULT 0,
    on_time    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, theme_code, channel)
);
UPDATE analytics_state SET stale = 1 WHERE EXISTS (SELECT 1 FROM bundles);
