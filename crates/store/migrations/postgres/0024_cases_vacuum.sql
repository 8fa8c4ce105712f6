-- The open cases' rows change at every step and every alert, and counts of
-- open tasks read them through index-only scans, which skip the table only
-- on pages the visibility map marks all-visible. By default autovacuum waits
-- for a fifth of the table to be dead rows (200,000 at a million cases), so
-- those pages stay unmarked and every count visits the table. Vacuum cases
-- after 1% (plus 1,000 rows) of changes instead; a pass over a large table
-- with few changed pages is short, as the visibility map skips the rest.
ALTER TABLE cases SET (
    autovacuum_vacuum_scale_factor = 0.01,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_insert_scale_factor = 0.01,
    autovacuum_analyze_scale_factor = 0.02
);
