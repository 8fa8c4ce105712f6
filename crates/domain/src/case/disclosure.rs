//! 双盲: what one viewer may see of a case. Applicants never learn who handles
//! their case — not the holder of the open task, not who took a step, not the
//! handlers of past stages — yet they may see that a step was the system's own
//! (秒批) rather than a person's. Staff other than intake see the identity
//! numbers of an item that masks them only in part.
//!
//! The hidden person is `None`, never a user id: `0` is [`SYSTEM_ACTOR`], and a
//! hidden act written as `0` would read as an instant decision.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Case, CaseEvent, CaseStatus, SYSTEM_ACTOR, Stage, UserId};
use crate::catalogue::{FieldType, Item};
use crate::privacy::{self, Surface, Viewer};
use crate::role::Role;

pub use crate::privacy::mask_identity_number;

/// Who took a step of a case, as far as every viewer may know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Hand {
    /// The applicant (a submission, a resubmission, a withdrawal).
    Applicant,
    /// The system itself: an instant decision (秒批).
    System,
    /// A member of staff.
    Staff,
}

impl Hand {
    /// Whose hand an event of the log is.
    pub fn of(event: &CaseEvent) -> Hand {
        if event.actor_role == Role::Applicant {
            Hand::Applicant
        } else if event.actor_id == SYSTEM_ACTOR {
            Hand::System
        } else {
            Hand::Staff
        }
    }

    /// The name a page gives it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Hand::Applicant => "申请人",
            Hand::System => "系统自动办理（秒批）",
            Hand::Staff => "工作人员",
        }
    }
}

/// The open task as shown: its holder is `None` where it is hidden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownTask {
    pub stage: Stage,
    pub assignee: Option<UserId>,
    pub started_at: DateTime<Utc>,
    pub deadline: Option<DateTime<Utc>>,
    pub warn_at: Option<DateTime<Utc>>,
}

/// One event of a case's log as shown: the actor is `None` where hidden, and
/// `by` says whose hand it was in any case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownEvent {
    pub at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub actor_role: Role,
    pub by: Hand,
    pub action: String,
    pub opinion: Option<String>,
    pub from_status: Option<CaseStatus>,
    pub to_status: CaseStatus,
    pub version: i64,
}

/// Whether a viewer sees a case's query code (查询码): the case's own applicant
/// and staff, never anyone else.
pub fn sees_query_code(roles: &[Role], own: bool) -> bool {
    own || roles.iter().any(|r| r.is_staff())
}

/// A case as one viewer may see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Disclosed {
    /// The case, masked for the viewer; its `task` is always `None` — the open
    /// task, as shown, is [`Disclosed::task`].
    pub case: Case,
    pub task: Option<ShownTask>,
    pub events: Vec<ShownEvent>,
}

/// What a viewer holding `roles` may see of `case` (filed under `item`) and its
/// event log. The case's own applicant holds no staff role and sees their case
/// with every person of staff hidden; staff see every person, and the identity
/// numbers of a masking item in full only if they are intake.
pub fn disclose(mut case: Case, events: Vec<CaseEvent>, item: &Item, roles: &[Role]) -> Disclosed {
    let staff = roles.iter().any(|r| r.is_staff());
    let hide_people = !staff;
    let viewer = if staff {
        Viewer::Staff(roles)
    } else {
        Viewer::Owner
    };
    let shown = privacy::exposure(
        viewer,
        Surface::Case,
        item.mask_identity,
        case.applicant.kind,
    );
    if shown.is_partial() {
        // Reviewers see only what the item needs to decide (双盲).
        case.applicant.identity = shown.identity(&case.applicant.identity).unwrap_or_default();
        case.applicant.name = shown.name(&case.applicant.name);
        for f in item
            .form
            .iter()
            .filter(|f| f.field_type == FieldType::CitizenId)
        {
            if let Some(serde_json::Value::String(v)) = case.form.get_mut(&f.key) {
                *v = shown.identity(v).unwrap_or_default();
            }
        }
    }
    if hide_people {
        case.handlers.clear();
        if let Some(c) = &mut case.correction {
            c.requested_by = None;
        }
        case.correction_allowance = None;
    }
    let task = case.task.take().map(|t| ShownTask {
        stage: t.stage,
        assignee: (!hide_people).then_some(t.assignee),
        started_at: t.started_at,
        deadline: t.deadline,
        warn_at: t.warn_at,
    });
    let events = events
        .into_iter()
        .map(|e| {
            let by = Hand::of(&e);
            ShownEvent {
                at: e.at,
                actor_id: (!hide_people || by != Hand::Staff).then_some(e.actor_id),
                actor_role: e.actor_role,
                by,
                action: e.action,
                opinion: e.opinion,
                from_status: e.from_status,
                to_status: e.to_status,
                version: e.version,
            }
        })
        .collect();
    Disclosed { case, task, events }
}
