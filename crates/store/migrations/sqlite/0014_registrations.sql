-- Applicants who registered themselves (/register, POST /api/v1/register): one
-- registration per identity number, so two registrations of one citizen ID or
-- credit code cannot both succeed, even at the same moment; an organisation's
-- legal representative and contact person. (The identity of any user is also
-- checked against `users` in the registering transaction: an applicant
-- registered at the window or by an administrator holds it too.)
CREATE TABLE applicant_registrations (
    identity      TEXT    PRIMARY KEY,
    user_id       INTEGER NOT NULL UNIQUE REFERENCES users(id),
    kind          TEXT    NOT NULL,
    legal_rep     TEXT    NOT NULL DEFAULT '',
    contact_name  TEXT    NOT NULL DEFAULT '',
    registered_at INTEGER NOT NULL
);
