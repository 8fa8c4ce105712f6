//! 好差评: ratings, the rectifications bad ratings open, and appeals.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use onestamp_domain::case::{Channel, UserId};
use onestamp_domain::rating::{
    AppealGround, AppealStatus, OutcomeKind, RatingCounts, RatingLevel, RectificationDue,
    RectificationStatus,
};
use onestamp_domain::timing::Light;

use super::{AuditFact, StoreError};

/// A rating to store, with the rectification it opens (a bad rating).
#[derive(Debug, Clone)]
pub struct NewRating {
    pub case_id: i64,
    pub case_number: String,
    pub applicant_id: UserId,
    pub item_code: String,
    pub department: String,
    pub channel: Channel,
    pub staff_id: Option<UserId>,
    pub level: RatingLevel,
    pub reasons: Vec<String>,
    pub comment: String,
    pub rated_at: DateTime<Utc>,
    pub rectification: Option<RectificationDue>,
    pub audit: Vec<AuditFact>,
    /// What the rating adds to the analytics rows.
    pub tally: onestamp_domain::analytics::Tally,
}

/// A rating as stored, with its appeal if the bureau filed one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredRating {
    pub id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub applicant_id: UserId,
    pub item_code: String,
    pub department: String,
    pub channel: Channel,
    /// The member of staff who took the case in (never shown to the applicant).
    pub staff_id: Option<UserId>,
    pub level: RatingLevel,
    pub reasons: Vec<String>,
    pub comment: String,
    pub rated_at: DateTime<Utc>,
    pub appeal: Option<StoredAppeal>,
}

/// The bureau's appeal of a rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredAppeal {
    pub id: i64,
    pub rating_id: i64,
    pub ground: AppealGround,
    pub reason: String,
    pub filed_by: UserId,
    pub filed_at: DateTime<Utc>,
    pub status: AppealStatus,
    pub decision_note: Option<String>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// A rectification (整改) with its two clocks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rectification {
    pub id: i64,
    pub rating_id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub status: RectificationStatus,
    pub opened_at: DateTime<Utc>,
    pub callback_due: DateTime<Utc>,
    pub callback_warn: DateTime<Utc>,
    pub rectify_due: DateTime<Utc>,
    pub rectify_warn: DateTime<Utc>,
    pub callback_note: Option<String>,
    pub callback_at: Option<DateTime<Utc>>,
    pub callback_by: Option<UserId>,
    pub outcome_kind: Option<OutcomeKind>,
    pub outcome: Option<String>,
    pub outcome_at: Option<DateTime<Utc>>,
    pub outcome_by: Option<UserId>,
    /// The light of the call back now, until it is recorded (filled in by the app).
    pub callback_light: Option<Light>,
    /// The light of the rectification now, until its outcome is recorded.
    pub rectify_light: Option<Light>,
}

/// Filters of the supervisor's rating list, newest first.
#[derive(Debug, Clone, Default)]
pub struct RatingQuery {
    pub item_code: Option<String>,
    pub level: Option<RatingLevel>,
    pub channel: Option<Channel>,
    pub staff_id: Option<UserId>,
    /// Only ratings whose appeal stands so.
    pub appeal: Option<AppealStatus>,
    /// Keyset pagination: ratings with an id below this.
    pub before_id: Option<i64>,
    pub limit: u32,
}

/// Ended cases and their ratings counted by item, channel and the staff who
/// took them in (the app rolls these up per item, department, staff, channel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingTally {
    pub item_code: String,
    /// The case's channel as stored (`web`, `counter` …).
    pub channel: String,
    pub staff_id: Option<UserId>,
    pub counts: RatingCounts,
}

#[async_trait]
pub trait RatingStore: Send + Sync {
    /// Stores a rating and its rectification with their audit facts; a second
    /// rating of the case is `Duplicate`.
    async fn create_rating(&self, new: NewRating) -> Result<StoredRating, StoreError>;
    async fn rating(&self, id: i64) -> Result<Option<StoredRating>, StoreError>;
    async fn rating_of_case(&self, case_id: i64) -> Result<Option<StoredRating>, StoreError>;
    async fn ratings(&self, query: &RatingQuery) -> Result<Vec<StoredRating>, StoreError>;
    async fn rating_tallies(&self) -> Result<Vec<RatingTally>, StoreError>;
    async fn rectification(&self, id: i64) -> Result<Option<Rectification>, StoreError>;
    async fn rectification_of_rating(
        &self,
        rating_id: i64,
    ) -> Result<Option<Rectification>, StoreError>;
    /// Rectifications, open ones by their rectify deadline first when `status`
    /// is given, otherwise newest first; keyset by id.
    async fn rectifications(
        &self,
        status: Option<RectificationStatus>,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Rectification>, StoreError>;
    /// Records the call back of a rectification still awaiting it; false if it
    /// no longer is.
    async fn record_callback(
        &self,
        id: i64,
        note: &str,
        by: UserId,
        at: DateTime<Utc>,
        audit: AuditFact,
    ) -> Result<bool, StoreError>;
    /// Records the outcome of a rectification that is rectifying; false otherwise.
    async fn record_outcome(
        &self,
        id: i64,
        kind: OutcomeKind,
        outcome: &str,
        by: UserId,
        at: DateTime<Utc>,
        audit: AuditFact,
    ) -> Result<bool, StoreError>;
    /// Files the appeal of a rating; a second one is `Duplicate`.
    async fn file_appeal(
        &self,
        rating_id: i64,
        ground: AppealGround,
        reason: &str,
        by: UserId,
        at: DateTime<Utc>,
        audit: AuditFact,
    ) -> Result<i64, StoreError>;
    async fn appeal(&self, id: i64) -> Result<Option<StoredAppeal>, StoreError>;
    /// Appeals, oldest first when `status` is pending, otherwise newest first.
    async fn appeals(
        &self,
        status: Option<AppealStatus>,
        limit: u32,
    ) -> Result<Vec<StoredAppeal>, StoreError>;
    /// Decides a pending appeal; false if it is no longer pending. An upheld
    /// appeal adds `tally` (the rating out of the statistics).
    #[allow(
        clippy::too_many_arguments,
        reason = "the decision's facts, each needed"
    )]
    async fn decide_appeal(
        &self,
        id: i64,
        status: AppealStatus,
        note: &str,
        by: UserId,
        at: DateTime<Utc>,
        audit: AuditFact,
        tally: onestamp_domain::analytics::Tally,
    ) -> Result<bool, StoreError>;
}
