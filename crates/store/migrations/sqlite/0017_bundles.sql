-- Bundles (主题式服务, 联审联办): one application for a theme, one child case
-- per item. The bundle row holds what the applicant gave once (each waiting
-- child's form and materials, in `body`) and a version that every change
-- closing a child moves, so that the children a prerequisite starts are
-- started once. `bundle_children` lists the items in theme order: a child is
-- waiting (no case yet), started (its case) or cancelled.
-- The same as migrations/postgres/0017_bundles.sql.

CREATE TABLE bundles (
    id               INTEGER PRIMARY KEY,
    number           TEXT    NOT NULL UNIQUE,
    theme_code       TEXT    NOT NULL,
    applicant_id     INTEGER NOT NULL REFERENCES users(id),
    channel          TEXT    NOT NULL,
    submitted_at     INTEGER NOT NULL,
    deadline         INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    combined_licence TEXT,
    body             TEXT    NOT NULL
);
CREATE INDEX bundles_by_applicant ON bundles(applicant_id, id);
CREATE INDEX bundles_by_theme ON bundles(theme_code, id);
CREATE INDEX bundles_by_combined_licence ON bundles(combined_licence)
    WHERE combined_licence IS NOT NULL;

CREATE TABLE bundle_children (
    bundle_id  INTEGER NOT NULL REFERENCES bundles(id),
    position   INTEGER NOT NULL,
    item_code  TEXT    NOT NULL,
    waits_for  TEXT    NOT NULL,
    case_id    INTEGER REFERENCES cases(id),
    cancelled  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bundle_id, item_code)
);
CREATE UNIQUE INDEX bundle_children_by_case ON bundle_children(case_id)
    WHERE case_id IS NOT NULL;
