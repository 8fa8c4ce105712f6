//! The bulk path: cases stored many at a time, as given (data migration from
//! another system, load-test data sets).

use async_trait::async_trait;

use onestamp_domain::case::{Case, CaseEvent};

use super::{AuditFact, StoreError};

/// A case to import whole: its number set, its events in order.
#[derive(Debug, Clone)]
pub struct ImportedCase {
    /// The case with id 0 and its number set (`<district>-<YYYYMMDD>-<serial>`).
    pub case: Case,
    /// Its event log, oldest first; the case's version is the number of actions.
    pub events: Vec<CaseEvent>,
}

#[async_trait]
pub trait BulkStore: Send + Sync {
    /// Stores the cases in one transaction, ids in the given order, with one audit
    /// fact for the batch and the analytics counts of the cases; the day serials
    /// move past every imported number so that new cases never collide with
    /// them. Returns the first id assigned.
    async fn import_cases(
        &self,
        cases: Vec<ImportedCase>,
        audit: AuditFact,
        tally: onestamp_domain::analytics::Tally,
    ) -> Result<i64, StoreError>;

    /// Refreshes the query planner's statistics after a bulk load, so that the
    /// planner picks the indexes the searches were built for.
    async fn refresh_statistics(&self) -> Result<(), StoreError>;
}

/// The last serial each day prefix reaches among `cases`, to move the day
/// serials past; a number without a serial is refused, naming it.
pub fn day_serials(
    cases: &[ImportedCase],
) -> Result<std::collections::BTreeMap<String, i64>, StoreError> {
    let mut serials = std::collections::BTreeMap::new();
    for c in cases {
        let (prefix, serial) = split_number(&c.case.number).ok_or_else(|| {
            StoreError::Corrupt(format!("case number '{}' has no serial", c.case.number))
        })?;
        let last = serials.entry(prefix.to_string()).or_insert(serial);
        *last = (*last).max(serial);
    }
    Ok(serials)
}

/// The day prefix and serial of a case number, `510107-20260302-000042`.
pub fn split_number(number: &str) -> Option<(&str, i64)> {
    let (prefix, serial) = number.rsplit_once('-')?;
    let serial = serial.parse().ok()?;
    (!prefix.is_empty()).then_some((prefix, serial))
}
