-- What an applicant registered as: 'person' (a citizen ID) or 'organisation'
-- (a unified social credit code); '' for staff. From now on it is given when the
-- user is saved. Users saved before had no stored kind: they are classed once,
-- here, by the form of their number (18 characters, 17 digits and a digit or X:
-- a citizen ID), which is how they were classed until now.
ALTER TABLE users ADD COLUMN identity_kind TEXT NOT NULL DEFAULT '';

UPDATE users SET identity_kind = CASE
    WHEN identity = '' THEN ''
    WHEN identity ~ '^[0-9]{17}[0-9X]$' THEN 'person'
    ELSE 'organisation'
END;
