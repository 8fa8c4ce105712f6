-- 一窗受理: a clerk registers walk-in applicants and uploads their materials.
-- An applicant's mobile number ('' when none was given); applicants are found
-- at the window by their identity number, through an index of those who have one;
-- and who put a file into an applicant's materials library (NULL: the owner).
ALTER TABLE users ADD COLUMN mobile TEXT NOT NULL DEFAULT '';
CREATE INDEX users_by_identity ON users(identity) WHERE identity <> '';
ALTER TABLE materials ADD COLUMN uploaded_by BIGINT REFERENCES users(id);
