//! The public progress of a case (进度查询): what anyone holding the case number
//! and its query code may see without logging in. It says where the case is, the
//! stages it went through with their dates and lights, and the steps taken — and
//! nothing about people: no applicant name or identity, no handler, no author of
//! an opinion, no opinion text (an opinion may name people), no form data.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::calendar::Calendar;
use crate::catalogue::{Item, TimeLimit};
use crate::timing::{self, Light};

use super::{Action, Case, CaseEvent, CaseStatus, Stage};

/// Where a stage of the plan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StageState {
    /// Finished: the case moved on from it.
    Done,
    /// The case is in it now.
    Current,
    /// Still to come.
    Pending,
    /// Not reached and never will be: the case closed before it.
    Skipped,
}

impl StageState {
    pub fn label_zh(self) -> &'static str {
        match self {
            StageState::Done => "已完成",
            StageState::Current => "办理中",
            StageState::Pending => "未开始",
            StageState::Skipped => "未经过",
        }
    }
}

/// One stage of the public timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgressStage {
    pub stage: Stage,
    pub label: &'static str,
    pub state: StageState,
    /// The stage's own limit in the item's plan (pre-review runs on intake's).
    pub limit: Option<TimeLimit>,
    /// When the case first entered the stage.
    pub entered_at: Option<DateTime<Utc>>,
    /// When the case last left it, once done.
    pub left_at: Option<DateTime<Utc>>,
    /// The open stage's deadline.
    pub deadline: Option<DateTime<Utc>>,
    /// Current: against its task's deadline; done: whether the working time it
    /// used stayed within its limit; otherwise none.
    pub light: Option<Light>,
    /// Working minutes the stage used, once it has been worked on.
    pub minutes: Option<i64>,
}

/// One step of the case, without who took it or what they wrote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgressStep {
    pub at: DateTime<Utc>,
    /// `submit` or an action name.
    pub action: String,
    pub label: String,
    pub status: CaseStatus,
    pub status_label: &'static str,
}

/// The public progress of a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    pub number: String,
    pub item_code: String,
    pub item_name: String,
    pub status: CaseStatus,
    pub status_label: &'static str,
    pub closed: bool,
    pub submitted_at: DateTime<Utc>,
    /// The committed deadline while the case is open.
    pub deadline: Option<DateTime<Utc>>,
    /// The whole case against its committed deadline (green once closed).
    pub light: Light,
    /// Whether the clock stands (补正).
    pub suspended: bool,
    pub stages: Vec<ProgressStage>,
    pub steps: Vec<ProgressStep>,
}

/// A limit in working minutes by `calendar`'s office day.
fn limit_minutes(calendar: &Calendar, limit: TimeLimit) -> i64 {
    match limit {
        TimeLimit::Days(d) => i64::from(d) * calendar.office_hours().minutes_per_day(),
        TimeLimit::Hours(h) => i64::from(h) * 60,
    }
}

/// The public progress of `case` (with its `events`, oldest first) under `item`.
pub fn public_progress(
    case: &Case,
    events: &[CaseEvent],
    item: &Item,
    calendar: &Calendar,
    now: DateTime<Utc>,
    warn_share: f64,
) -> Progress {
    let visited = |stage: Stage| events.iter().any(|e| e.to_status == CaseStatus::at(stage));
    let mut plan: Vec<Stage> = Vec::new();
    if visited(Stage::PreReview) {
        plan.push(Stage::PreReview);
    }
    plan.extend(item.stage_plan().filter(|s| *s != Stage::PreReview));
    let current = case.status.stage();
    let stages = plan
        .into_iter()
        .map(|stage| {
            let here = CaseStatus::at(stage);
            let entered_at = events.iter().find(|e| e.to_status == here).map(|e| e.at);
            let left_at = events
                .iter()
                .rev()
                .find(|e| e.from_status == Some(here) && e.to_status != here)
                .map(|e| e.at);
            let state = if current == Some(stage) {
                StageState::Current
            } else if entered_at.is_some() {
                StageState::Done
            } else if case.status.is_closed() || current.is_some_and(|c| c > stage) {
                StageState::Skipped
            } else {
                StageState::Pending
            };
            let limit = item
                .stage_entry(if stage == Stage::PreReview {
                    Stage::Intake
                } else {
                    stage
                })
                .map(|e| e.limit);
            let minutes = case.stage_minutes.get(&stage).copied();
            let (deadline, light) = match state {
                StageState::Current => {
                    let task = case.task.as_ref().filter(|t| t.stage == stage);
                    let deadline = task.and_then(|t| t.deadline);
                    let light = task.map(|t| timing::light(now, t.warn_at, t.deadline));
                    (deadline, light)
                }
                StageState::Done => {
                    let light = match (minutes, limit) {
                        (Some(m), Some(l)) if m > limit_minutes(calendar, l) => Some(Light::Red),
                        (Some(_), Some(_)) => Some(Light::Green),
                        _ => None,
                    };
                    (None, light)
                }
                _ => (None, None),
            };
            ProgressStage {
                stage,
                label: stage.label_zh(),
                state,
                limit,
                entered_at,
                left_at: (state == StageState::Done).then_some(left_at).flatten(),
                deadline,
                light,
                minutes,
            }
        })
        .collect();
    let steps = events
        .iter()
        .map(|e| ProgressStep {
            at: e.at,
            action: e.action.clone(),
            label: match e.action.as_str() {
                "submit" => "提交申请".to_string(),
                a => Action::parse(a).map_or_else(|| "办理".to_string(), |x| x.label_zh().into()),
            },
            status: e.to_status,
            status_label: e.to_status.label_zh(),
        })
        .collect();
    Progress {
        number: case.number.clone(),
        item_code: case.item_code.clone(),
        item_name: item.name.clone(),
        status: case.status,
        status_label: case.status.label_zh(),
        closed: case.status.is_closed(),
        submitted_at: case.submitted_at,
        deadline: case.deadline.filter(|_| !case.status.is_closed()),
        light: timing::case_light(calendar, case, now, warn_share),
        suspended: case.suspended_since.is_some(),
        stages,
        steps,
    }
}
