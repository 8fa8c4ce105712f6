//! 好差评: ratings, rectifications and appeals as the API answers them.

use super::*;

/// 好差评: one of the five levels, best first.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RatingLevel {
    VerySatisfied,
    Satisfied,
    BasicallySatisfied,
    Dissatisfied,
    VeryDissatisfied,
}

/// A reason of a rating with its words.
#[derive(Serialize, ToSchema)]
pub struct ShownReason {
    pub code: String,
    pub label: String,
}

/// Where a rating's appeal stands.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppealStatus {
    Pending,
    Upheld,
    Rejected,
}

/// Why the bureau appeals: 恶意差评 or 误评.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppealGround {
    Malicious,
    Mistaken,
}

/// The bureau's appeal of a rating.
#[derive(Serialize, ToSchema)]
pub struct Appeal {
    pub id: i64,
    pub rating_id: i64,
    pub ground: AppealGround,
    pub reason: String,
    pub filed_by: i64,
    pub filed_at: DateTime<Utc>,
    pub status: AppealStatus,
    pub decision_note: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// A rating as its viewer may see it.
#[derive(Serialize, ToSchema)]
pub struct ShownRating {
    pub id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub level: RatingLevel,
    /// 非常满意 … 非常不满意.
    pub level_label: String,
    pub reasons: Vec<ShownReason>,
    pub comment: String,
    pub rated_at: DateTime<Utc>,
    /// The member of staff who took the case in; `null` for the applicant.
    pub staff_id: Option<i64>,
    /// Staff only.
    pub appeal: Option<Appeal>,
}

/// Where a rectification stands.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RectificationStatus {
    AwaitingCallback,
    Rectifying,
    Closed,
}

/// How a rectification ended.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Rectified,
    Explained,
}

/// A rectification (整改) with its two working-day clocks.
#[derive(Serialize, ToSchema)]
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
    /// Who called back; `null` for the applicant.
    pub callback_by: Option<i64>,
    pub outcome_kind: Option<OutcomeKind>,
    pub outcome: Option<String>,
    pub outcome_at: Option<DateTime<Utc>>,
    /// Who recorded the outcome; `null` for the applicant.
    pub outcome_by: Option<i64>,
    /// The call back's light until it is recorded (staff only).
    pub callback_light: Option<Light>,
    /// The rectification's light until its outcome is recorded (staff only).
    pub rectify_light: Option<Light>,
}

/// The rating of a case.
#[derive(Serialize, ToSchema)]
pub struct RatingView {
    pub case_id: i64,
    /// Whether the caller may rate the case now.
    pub may_rate: bool,
    pub rating: Option<ShownRating>,
    pub rectification: Option<Rectification>,
}

/// One line of the rating statistics; rates in per cent, `null` without a base.
#[derive(Serialize, ToSchema)]
pub struct StatLine {
    /// Item code, department code, staff id (`none`: no person), channel or `total`.
    pub key: String,
    pub label: String,
    /// Cases that ended.
    pub ended: u64,
    pub rated: u64,
    pub good: u64,
    pub bad: u64,
    /// Ratings out of the statistics by an upheld appeal.
    pub voided: u64,
    /// 好评 / ratings that count.
    pub good_rate: Option<f64>,
    /// 差评 / ratings that count.
    pub bad_rate: Option<f64>,
    /// Ended cases without a rating / ended cases.
    pub unrated_rate: Option<f64>,
}

/// 好评率, 差评率, 未评价率 in total and per item, department, staff and channel.
#[derive(Serialize, ToSchema)]
pub struct RatingStatistics {
    pub total: StatLine,
    pub by_item: Vec<StatLine>,
    pub by_department: Vec<StatLine>,
    pub by_staff: Vec<StatLine>,
    pub by_channel: Vec<StatLine>,
}

/// Ratings newest first and the statistics.
#[derive(Serialize, ToSchema)]
pub struct RatingList {
    pub ratings: Vec<ShownRating>,
    pub statistics: RatingStatistics,
}
