//! What anyone may ask without a login, or to get one: the progress lookup
//! (进度查询) and registration.

use super::*;

/// Where a stage of the public timeline stands.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StageState {
    Done,
    Current,
    Pending,
    Skipped,
}

/// A stage of the public timeline.
#[derive(Serialize, ToSchema)]
pub struct ProgressStage {
    pub stage: Stage,
    pub label: String,
    pub state: StageState,
    /// The stage's own limit (pre-review runs on intake's).
    pub limit: Option<TimeLimit>,
    pub entered_at: Option<DateTime<Utc>>,
    pub left_at: Option<DateTime<Utc>>,
    /// The open stage's deadline.
    pub deadline: Option<DateTime<Utc>>,
    /// Current: against its deadline; done: within its limit (green) or not (red).
    pub light: Option<Light>,
    /// Working minutes the stage used.
    pub minutes: Option<i64>,
}

/// A step of the case, without who took it or what they wrote.
#[derive(Serialize, ToSchema)]
pub struct ProgressStep {
    pub at: DateTime<Utc>,
    /// `submit` or an action name.
    pub action: String,
    pub label: String,
    pub status: CaseStatus,
    pub status_label: String,
}

/// The public progress of a case (进度查询): no names, identities, handlers or opinions.
#[derive(Serialize, ToSchema)]
pub struct Progress {
    pub number: String,
    pub item_code: String,
    pub item_name: String,
    pub status: CaseStatus,
    pub status_label: String,
    pub closed: bool,
    pub submitted_at: DateTime<Utc>,
    /// The committed deadline while the case is open.
    pub deadline: Option<DateTime<Utc>>,
    pub light: Light,
    /// Whether the clock stands (补正).
    pub suspended: bool,
    pub stages: Vec<ProgressStage>,
    pub steps: Vec<ProgressStep>,
}

/// An applicant who registered themselves.
#[derive(Serialize, ToSchema)]
pub struct Registered {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub kind: ApplicantKind,
    /// Whether an outside register confirmed the identity (false: checked locally only).
    pub verified_externally: bool,
}
