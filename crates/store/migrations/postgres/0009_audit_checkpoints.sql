-- Sealed checkpoints of the audit chain: the head (sequence number and hash)
-- at a moment, signed with the bureau's SM2 seal key. `audit verify` checks
-- each one against the chain, so the chain cannot be cut short or re-hashed
-- below a checkpoint unnoticed; operators export them to keep elsewhere.
CREATE TABLE audit_checkpoints (
    seq       BIGINT PRIMARY KEY,
    hash      TEXT   NOT NULL,
    at        TEXT   NOT NULL,
    key_id    TEXT   NOT NULL,
    signature TEXT   NOT NULL
);

-- The audited history of one licence or case, read by public verification.
CREATE INDEX audit_log_by_subject ON audit_log(subject, seq);
