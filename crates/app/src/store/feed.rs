//! The supervision feed (审管分离): records pushed to supervising departments,
//! their claims, and the supervision results regulators send back.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use onestamp_domain::audit::AuditFact;
use onestamp_domain::case::UserId;
use onestamp_domain::supervision_feed::{FeedKind, ResultKind};

use super::{NewMessage, StoreError};

/// A record to write with the change it is about.
pub use onestamp_domain::supervision_feed::FeedRecord as NewFeedRecord;

/// What a new case's records need: they name the case's number, so they are
/// made inside the transaction that gives it (with their messages).
pub type DraftFeed =
    dyn Fn(&onestamp_domain::case::Case) -> (Vec<NewFeedRecord>, Vec<NewMessage>) + Send + Sync;

#[derive(Clone, Default)]
pub struct PendingFeed {
    pub draft: Option<std::sync::Arc<DraftFeed>>,
}

impl std::fmt::Debug for PendingFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingFeed")
            .field("draft", &self.draft.is_some())
            .finish()
    }
}

impl PendingFeed {
    /// The records of `case`, as numbered by the store, and their messages.
    pub fn finish(
        &self,
        case: &onestamp_domain::case::Case,
    ) -> (Vec<NewFeedRecord>, Vec<NewMessage>) {
        self.draft.as_ref().map(|d| d(case)).unwrap_or_default()
    }
}

/// A record as the feed holds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredFeedRecord {
    pub id: i64,
    pub department: String,
    pub kind: FeedKind,
    pub case_id: i64,
    pub case_number: String,
    pub licence_id: Option<String>,
    pub summary: serde_json::Value,
    pub recorded_at: DateTime<Utc>,
    pub claim_warn: DateTime<Utc>,
    pub claim_due: DateTime<Utc>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub claimed_by: Option<UserId>,
}

/// Which records to read: of some departments (`None`: all), oldest first
/// after `after`, or newest first before `before`.
#[derive(Debug, Clone, Default)]
pub struct FeedQuery {
    pub departments: Option<Vec<String>>,
    pub after: Option<i64>,
    pub before: Option<i64>,
    pub newest_first: bool,
    pub limit: u32,
}

/// A supervision result to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSupervisionResult {
    pub licence_id: String,
    pub case_id: i64,
    pub department: String,
    pub kind: ResultKind,
    pub note: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// A supervision result as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredSupervisionResult {
    pub id: i64,
    pub licence_id: String,
    pub case_id: i64,
    pub department: String,
    pub kind: ResultKind,
    pub note: String,
    pub recorded_by: UserId,
    pub recorded_at: DateTime<Utc>,
    pub handled_at: Option<DateTime<Utc>>,
    pub handled_by: Option<UserId>,
    pub handled_note: Option<String>,
}

#[async_trait]
pub trait FeedStore: Send + Sync {
    async fn feed(&self, query: &FeedQuery) -> Result<Vec<StoredFeedRecord>, StoreError>;
    async fn feed_record(&self, id: i64) -> Result<Option<StoredFeedRecord>, StoreError>;
    /// Claims an unclaimed record with its audit fact, in one transaction.
    /// Whether this call claimed it (false: it was claimed already).
    async fn claim_record(
        &self,
        id: i64,
        by: UserId,
        at: DateTime<Utc>,
        audit: AuditFact,
    ) -> Result<bool, StoreError>;
    /// Records a supervision result with its audit fact and messages.
    async fn record_result(
        &self,
        new: NewSupervisionResult,
        audit: AuditFact,
        messages: Vec<NewMessage>,
    ) -> Result<StoredSupervisionResult, StoreError>;
    /// The results about a licence, oldest first.
    async fn results_of(
        &self,
        licence_id: &str,
    ) -> Result<Vec<StoredSupervisionResult>, StoreError>;
    async fn supervision_result(
        &self,
        id: i64,
    ) -> Result<Option<StoredSupervisionResult>, StoreError>;
    /// Marks an unhandled result handled, with its audit fact. Whether this
    /// call did (false: it was handled already).
    async fn handle_result(
        &self,
        id: i64,
        by: UserId,
        note: &str,
        at: DateTime<Utc>,
        audit: AuditFact,
    ) -> Result<bool, StoreError>;
}
