//! The supervisor's commands on a case (监察): handing its open task to someone
//! else (改派) and the green channel (绿色通道). Like [`super::decide`], each
//! returns the whole decision: the case after it and the event it writes.

use chrono::{DateTime, Utc};

use super::{Case, CaseEvent, Decision, Task, UserId};
use crate::DomainError;
use crate::role::Role;

/// The reason a supervisor gives, trimmed and checked.
fn reason_of(reason: &str, what: &'static str) -> Result<String, DomainError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(DomainError::ReasonRequired(what));
    }
    if reason.chars().count() > super::MAX_OPINION_CHARS {
        return Err(DomainError::OpinionTooLong {
            max: super::MAX_OPINION_CHARS,
        });
    }
    if let Some(why) = crate::text::forbidden(reason, crate::text::Lines::Many) {
        return Err(DomainError::OpinionUnprintable(why));
    }
    Ok(reason.to_string())
}

fn current(case: &Case, version: i64) -> Result<(), DomainError> {
    if case.version != version {
        return Err(DomainError::VersionConflict {
            given: version,
            current: case.version,
        });
    }
    Ok(())
}

fn supervised(
    case: &Case,
    supervisor: UserId,
    action: &str,
    reason: String,
    now: DateTime<Utc>,
) -> (Case, CaseEvent) {
    let mut next = case.clone();
    next.version = case.version + 1;
    next.updated_at = now;
    let event = CaseEvent {
        at: now,
        actor_id: supervisor,
        actor_role: Role::Supervisor,
        action: action.to_string(),
        opinion: Some(reason),
        from_status: Some(case.status),
        to_status: case.status,
        version: case.version,
    };
    (next, event)
}

/// The open task of `case`, which a reassignment hands on.
pub fn open_task(case: &Case) -> Result<&Task, DomainError> {
    case.task.as_ref().ok_or(DomainError::NoOpenTask)
}

/// Hands the open task of `case` to `to` (already drawn or checked as fit by
/// the caller), keeping its clock.
pub fn reassign(
    case: &Case,
    supervisor: UserId,
    to: UserId,
    reason: &str,
    version: i64,
    now: DateTime<Utc>,
) -> Result<Decision, DomainError> {
    let reason = reason_of(reason, "改派")?;
    current(case, version)?;
    let task = open_task(case)?.clone();
    if to == supervisor {
        return Err(DomainError::SelfAssignment);
    }
    let (mut next, event) = supervised(case, supervisor, REASSIGN, reason, now);
    next.task = Some(Task {
        assignee: to,
        ..task
    });
    Ok(Decision {
        case: next,
        event,
        assign: None,
    })
}

/// Sets or clears the green channel. `deadline` is the case's committed
/// deadline under the new priority (from [`crate::timing::case_due`]), which
/// the time the case was suspended still pushes back.
pub fn set_priority(
    case: &Case,
    supervisor: UserId,
    priority: bool,
    deadline: DateTime<Utc>,
    reason: &str,
    version: i64,
    now: DateTime<Utc>,
) -> Result<Decision, DomainError> {
    let reason = reason_of(reason, "设置绿色通道")?;
    current(case, version)?;
    if case.status.is_closed() {
        return Err(DomainError::CaseClosed);
    }
    let action = if priority { PRIORITY_ON } else { PRIORITY_OFF };
    let (mut next, event) = supervised(case, supervisor, action, reason, now);
    next.priority = priority;
    next.deadline = Some(deadline);
    Ok(Decision {
        case: next,
        event,
        assign: None,
    })
}

/// The event names of the supervisor's commands.
pub const REASSIGN: &str = "reassign";
/// The event of a supervisor allowing a second correction request at a stage.
pub const ALLOW_CORRECTION: &str = "allow_correction";
pub const PRIORITY_ON: &str = "priority_on";
pub const PRIORITY_OFF: &str = "priority_off";

/// Allows the stage the case is at one more correction request (the law asks
/// for one complete notice; a second needs a supervisor and a recorded reason).
pub fn allow_correction(
    case: &Case,
    supervisor: UserId,
    reason: &str,
    version: i64,
    now: DateTime<Utc>,
) -> Result<Decision, DomainError> {
    use super::{Action, Stage};
    let reason = reason_of(reason, "批准再次补正")?;
    current(case, version)?;
    if case.status.is_closed() {
        return Err(DomainError::CaseClosed);
    }
    let stage = case
        .status
        .stage()
        .filter(|s| matches!(s, Stage::PreReview | Stage::Intake | Stage::Review))
        .ok_or(DomainError::TransitionNotAllowed {
            action: Action::RequestCorrection,
            status: case.status,
        })?;
    if !case.corrected_stages.contains(&stage) {
        return Err(DomainError::NoCorrectionToRepeat(stage));
    }
    let (mut next, event) = supervised(case, supervisor, ALLOW_CORRECTION, reason.clone(), now);
    next.correction_allowance = Some(super::correction::Allowance {
        stage,
        by: supervisor,
        at: now,
        reason,
    });
    Ok(Decision {
        case: next,
        event,
        assign: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::CaseStatus;

    fn case_in_review() -> Case {
        crate::case::tests::case_in(CaseStatus::Review)
    }

    #[test]
    fn a_reassignment_moves_the_task_and_records_the_reason() {
        let c = case_in_review();
        let now = c.submitted_at;
        let d = reassign(&c, 5, 12, " 原承办人休假 ", 3, now).unwrap();
        assert_eq!(d.case.task.as_ref().map(|t| t.assignee), Some(12));
        assert_eq!(d.case.version, 4);
        assert_eq!(d.event.action, REASSIGN);
        assert_eq!(d.event.opinion.as_deref(), Some("原承办人休假"));
        assert_eq!(d.event.to_status, CaseStatus::Review);
    }

    #[test]
    fn a_reassignment_needs_a_reason_a_task_the_current_version_and_another_person() {
        let c = case_in_review();
        let now = c.submitted_at;
        assert_eq!(
            reassign(&c, 5, 12, "  ", 3, now),
            Err(DomainError::ReasonRequired("改派"))
        );
        assert!(matches!(
            reassign(&c, 5, 12, "休假", 2, now),
            Err(DomainError::VersionConflict { .. })
        ));
        assert_eq!(
            reassign(&c, 5, 5, "休假", 3, now),
            Err(DomainError::SelfAssignment)
        );
        let mut idle = c.clone();
        idle.task = None;
        assert_eq!(
            reassign(&idle, 5, 12, "休假", 3, now),
            Err(DomainError::NoOpenTask)
        );
    }

    #[test]
    fn the_green_channel_sets_priority_and_deadline_but_not_on_a_closed_case() {
        let c = case_in_review();
        let now = c.submitted_at;
        let due = now + chrono::Duration::days(2);
        let d = set_priority(&c, 5, true, due, "重点项目", 3, now).unwrap();
        assert!(d.case.priority);
        assert_eq!(d.case.deadline, Some(due));
        assert_eq!(d.event.action, PRIORITY_ON);
        let mut done = c.clone();
        done.status = CaseStatus::Issued;
        assert_eq!(
            set_priority(&done, 5, true, due, "重点项目", 3, now),
            Err(DomainError::CaseClosed)
        );
    }
}
