//! The content of audit entries and the SM3 hash chain that links them
//! (流程可查可溯): each entry's hash covers its own content and the previous
//! entry's hash, so altering or removing a stored entry breaks every link after it.

use sm3::{Digest, Sm3};

mod checkpoint;
mod trail;

pub use checkpoint::{Checkpoint, checkpoint_message};
pub use trail::{
    AuditFact, CaseTrail, DOCUMENT_ISSUE, LicenceTrail, TrailFault, alert_fact, case_fact,
    document_issued, event_digest, licence_digest, licence_issued, licence_status_set,
};

/// An instant as the chain keeps it: RFC 3339 in UTC, to the millisecond.
pub fn stamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The hash that precedes the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    /// RFC 3339 instant.
    pub at: String,
    pub actor_id: Option<i64>,
    /// e.g. `case.accept`, `user.create`, `catalogue.import`.
    pub kind: String,
    /// e.g. the case number or the user name.
    pub subject: String,
    /// Canonical JSON of the details.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The SM3 hash of an entry's content linked to `prev_hash`, as lower-case hex.
pub fn entry_hash(
    prev_hash: &str,
    seq: i64,
    at: &str,
    actor_id: Option<i64>,
    kind: &str,
    subject: &str,
    detail: &str,
) -> String {
    let mut h = Sm3::new();
    // Length-prefix each field so that no two different entries share an input.
    let actor = actor_id.map(|a| a.to_string()).unwrap_or_default();
    for part in [
        prev_hash,
        &seq.to_string(),
        at,
        &actor,
        kind,
        subject,
        detail,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Why verification stopped at an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The entry's content no longer matches its hash.
    ContentAltered { seq: i64 },
    /// The entry does not link to the one before it (removed, reordered or re-hashed).
    LinkBroken { seq: i64 },
}

/// Checks entries given in sequence order, continuing from `prev_hash`.
/// Returns the hash of the last entry, to continue with the next batch.
pub fn verify_chain<'a>(
    prev_hash: &str,
    entries: impl IntoIterator<Item = &'a AuditEntry>,
) -> Result<String, ChainBreak> {
    let mut prev = prev_hash.to_string();
    for e in entries {
        if e.prev_hash != prev {
            return Err(ChainBreak::LinkBroken { seq: e.seq });
        }
        let h = entry_hash(
            &e.prev_hash,
            e.seq,
            &e.at,
            e.actor_id,
            &e.kind,
            &e.subject,
            &e.detail,
        );
        if h != e.hash {
            return Err(ChainBreak::ContentAltered { seq: e.seq });
        }
        prev = h;
    }
    Ok(prev)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let at = format!("2026-03-02T02:00:{seq:02}Z");
                let detail = format!("{{\"n\":{seq}}}");
                let hash = entry_hash(
                    &prev,
                    seq,
                    &at,
                    Some(7),
                    "case.accept",
                    "510107-20260302-000001",
                    &detail,
                );
                let e = AuditEntry {
                    seq,
                    at,
                    actor_id: Some(7),
                    kind: "case.accept".into(),
                    subject: "510107-20260302-000001".into(),
                    detail,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify_chain(GENESIS, &c), Ok(c[4].hash.clone()));
    }

    #[test]
    fn altered_content_is_named() {
        let mut c = chain(5);
        c[2].detail = "{\"n\":99}".into();
        assert_eq!(
            verify_chain(GENESIS, &c),
            Err(ChainBreak::ContentAltered { seq: 3 })
        );
    }

    #[test]
    fn a_removed_entry_breaks_the_next_link() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(
            verify_chain(GENESIS, &c),
            Err(ChainBreak::LinkBroken { seq: 3 })
        );
    }

    #[test]
    fn sm3_matches_the_standard_vector() {
        let d = hex::encode(Sm3::digest(b"abc"));
        assert_eq!(
            d,
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }
}
