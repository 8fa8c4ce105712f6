-- Kept at the same version as PostgreSQL, whose 0024 tunes autovacuum for the
-- cases table. SQLite has no visibility map: its index-only counts never
-- visit the table, so there is nothing to change here.
SELECT 1;
