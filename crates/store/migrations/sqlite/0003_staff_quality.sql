-- Staff qualifications and availability, login throttling, quality review.

-- StaffProfile as JSON; '{}' means on duty but qualified for nothing.
ALTER TABLE users ADD COLUMN profile TEXT NOT NULL DEFAULT '{}';

CREATE TABLE login_failures (
    username     TEXT    PRIMARY KEY,
    failures     INTEGER NOT NULL,
    first_at     INTEGER NOT NULL,
    locked_until INTEGER
);

-- 1 when the system decided the case instantly (秒批).
ALTER TABLE cases ADD COLUMN instant INTEGER NOT NULL DEFAULT 0;
CREATE INDEX cases_closed_by_time ON cases(closed, updated_at DESC);

CREATE TABLE quality_samples (
    id        INTEGER PRIMARY KEY,
    drawn_by  INTEGER NOT NULL REFERENCES users(id),
    drawn_at  INTEGER NOT NULL,
    criteria  TEXT    NOT NULL
);

CREATE TABLE quality_sample_cases (
    sample_id   INTEGER NOT NULL REFERENCES quality_samples(id),
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    verdict     TEXT,
    notes       TEXT,
    reviewed_by INTEGER,
    reviewed_at INTEGER,
    PRIMARY KEY (sample_id, case_id)
);
