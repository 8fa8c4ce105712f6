//! 审管分离: the supervision feed and supervision results as the API answers them.

use super::*;

/// What a feed record is about.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeedKind {
    Approved,
    Denied,
    Revoked,
    Replaced,
}

/// A record of the supervision feed with its claim clock.
#[derive(Serialize, ToSchema)]
pub struct FeedEntry {
    pub id: i64,
    /// The supervising department's code.
    pub department: String,
    pub kind: FeedKind,
    /// 准予许可, 不予许可, 证照注销, 证照换发.
    pub kind_label: String,
    pub case_id: i64,
    pub case_number: String,
    pub licence_id: Option<String>,
    /// Item code and name, applicant name, the holder's identity as a
    /// regulator may see it, the opinion, dates and the licence's data.
    pub summary: Any,
    pub recorded_at: DateTime<Utc>,
    /// When the claim clock turns yellow.
    pub claim_warn: DateTime<Utc>,
    /// The claim deadline (认领时限), in working days on the case calendar.
    pub claim_due: DateTime<Utc>,
    pub claimed: bool,
    pub claimed_at: Option<DateTime<Utc>>,
    pub claimed_by: Option<i64>,
    /// The claim clock's light; `null` once claimed.
    pub light: Option<Light>,
}

/// A page of the feed, oldest first.
#[derive(Serialize, ToSchema)]
pub struct FeedPage {
    pub records: Vec<FeedEntry>,
    /// Pass as `after` for the next page; the cursor given when the page is empty.
    pub next: Option<i64>,
}

/// What a regulator found.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SupervisionResultKind {
    InspectionPassed,
    RectificationOrdered,
    Penalty,
    RevocationRequested,
}

/// A supervision result (监管结果) about a licence.
#[derive(Serialize, ToSchema)]
pub struct SupervisionResult {
    pub id: i64,
    pub licence_id: String,
    pub case_id: i64,
    pub department: String,
    pub kind: SupervisionResultKind,
    /// 检查合格, 责令整改, 行政处罚, 建议撤销许可.
    pub kind_label: String,
    pub note: String,
    pub recorded_by: i64,
    pub recorded_at: DateTime<Utc>,
    pub handled: bool,
    pub handled_at: Option<DateTime<Utc>>,
    pub handled_by: Option<i64>,
    pub handled_note: Option<String>,
}
