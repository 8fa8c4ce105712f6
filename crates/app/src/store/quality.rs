//! Quality review (质量评查): random samples of finished cases and their findings.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use onestamp_domain::case::UserId;

use super::{AuditFact, StoreError};

/// Which finished cases a sample is drawn from.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SampleCriteria {
    pub item_code: Option<String>,
    /// Only cases the system decided instantly (秒批).
    pub instant_only: bool,
    pub size: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SampleCase {
    pub case_id: i64,
    pub case_number: String,
    pub item_code: String,
    pub instant: bool,
    /// `compliant` or `defect`, once reviewed.
    pub verdict: Option<String>,
    pub notes: Option<String>,
    pub reviewed_by: Option<UserId>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QualitySample {
    pub id: i64,
    pub drawn_by: UserId,
    pub drawn_at: DateTime<Utc>,
    pub criteria: serde_json::Value,
    pub cases: Vec<SampleCase>,
}

#[async_trait]
pub trait QualityStore: Send + Sync {
    /// Ids of finished cases matching the criteria, most recent first, at most `limit`.
    async fn finished_case_ids(
        &self,
        criteria: &SampleCriteria,
        limit: u32,
    ) -> Result<Vec<i64>, StoreError>;
    async fn create_sample(
        &self,
        drawn_by: UserId,
        at: DateTime<Utc>,
        criteria: &SampleCriteria,
        case_ids: &[i64],
        audit: AuditFact,
    ) -> Result<i64, StoreError>;
    async fn sample(&self, id: i64) -> Result<Option<QualitySample>, StoreError>;
    /// Records the finding on a case of the sample; false if the case is not in it.
    #[expect(clippy::too_many_arguments, reason = "a finding's facts, each needed")]
    async fn record_finding(
        &self,
        sample_id: i64,
        case_id: i64,
        verdict: &str,
        notes: &str,
        by: UserId,
        at: DateTime<Utc>,
        audit: AuditFact,
    ) -> Result<bool, StoreError>;
}
