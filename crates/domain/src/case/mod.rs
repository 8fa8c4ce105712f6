//! The case (办件) and its pipeline: stages, statuses, actions and the one
//! function, [`decide`], that says whether an actor may take an action on a case
//! now and what the case becomes.
//!
//! Guarantees: a case only moves along its item's stage plan; every action is
//! checked for status, role, assignment, ownership and version before anything
//! changes; every accepted action yields exactly one [`CaseEvent`]. What a
//! viewer may see of a case (双盲) is [`disclose`].

pub mod correction;
mod disclosure;
mod form;
mod number;
mod progress;
mod stage;
mod supervision;

pub use correction::Detail;
pub use disclosure::{
    Disclosed, Hand, ShownEvent, ShownTask, disclose, mask_identity_number, sees_query_code,
};
pub use form::validate_form;
pub use number::CaseNumber;
pub use progress::{Progress, ProgressStage, ProgressStep, StageState, public_progress};
pub use stage::{Action, CaseStatus, Channel, Stage};
pub use supervision::{
    ALLOW_CORRECTION, PRIORITY_OFF, PRIORITY_ON, REASSIGN, allow_correction, open_task, reassign,
    set_priority,
};

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::catalogue::Item;
use crate::error::{DomainError, FieldProblem};
use crate::role::Role;
use crate::rules::RuleReport;

/// Longest opinion text accepted, in characters.
pub const MAX_OPINION_CHARS: usize = 2000;

pub type UserId = i64;

/// Who applies: a person (citizen ID) or an organisation (unified social credit code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    Person,
    Organisation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    pub user_id: UserId,
    pub kind: ApplicantKind,
    pub name: String,
    /// Citizen ID number or unified social credit code.
    pub identity: String,
}

/// The open task of a case: the stage in hand and who holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub stage: Stage,
    pub assignee: UserId,
    pub started_at: DateTime<Utc>,
    pub deadline: Option<DateTime<Utc>>,
    /// When the task turns yellow.
    #[serde(default)]
    pub warn_at: Option<DateTime<Utc>>,
}

/// A case as the domain sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub id: i64,
    pub number: String,
    pub item_code: String,
    pub item_version: i64,
    pub applicant: Applicant,
    pub channel: Channel,
    pub form: serde_json::Map<String, serde_json::Value>,
    pub status: CaseStatus,
    /// While in correction: the stage the case returns to on resubmission.
    pub correction_return: Option<Stage>,
    /// Green channel (绿色通道).
    pub priority: bool,
    /// When the committed limit (承诺时限) runs out.
    #[serde(default)]
    pub deadline: Option<DateTime<Utc>>,
    /// When the legal limit (法定时限) runs out.
    #[serde(default)]
    pub legal_deadline: Option<DateTime<Utc>>,
    /// Optimistic concurrency: bumped by every action.
    pub version: i64,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub task: Option<Task>,
    /// Who handled each stage so far (for separation of duties).
    pub handlers: BTreeMap<Stage, UserId>,
    /// The machine's pre-review (机器看材料) of the submission, when the item has rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_review: Option<RuleReport>,
    /// Since when the clock stands (correction, or a stage that does not count).
    #[serde(default)]
    pub suspended_since: Option<DateTime<Utc>>,
    /// Working minutes the clock stood in finished suspensions.
    #[serde(default)]
    pub suspended_minutes: i64,
    /// Working minutes used by each stage's tasks so far.
    #[serde(default)]
    pub stage_minutes: BTreeMap<Stage, i64>,
    /// Materials given by reference, by material code (证照复用, 电子材料库).
    #[serde(default)]
    pub materials: BTreeMap<String, MaterialRef>,
    /// The latest correction request (一次性告知), open while the case is in correction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correction: Option<correction::CorrectionRequest>,
    /// The stages that have asked for a correction (each may ask once).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corrected_stages: Vec<Stage>,
    /// A supervisor's permission for one more request at a stage that asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correction_allowance: Option<correction::Allowance>,
}

/// A material given by reference instead of on paper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MaterialRef {
    /// A valid licence of the applicant stands in for the material (免提交).
    Licence { id: String, type_name: String },
    /// A file of the applicant's materials library.
    File { hash: String, name: String },
    /// Several files of the library for one material (e.g. each page scanned).
    Files { files: Vec<FileRef> },
}

/// A file of the applicant's materials library, by content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    pub hash: String,
    pub name: String,
}

impl MaterialRef {
    /// The reference to `files`: one file as [`MaterialRef::File`], several as
    /// [`MaterialRef::Files`].
    pub fn of_files(mut files: Vec<FileRef>) -> Option<MaterialRef> {
        match files.len() {
            0 => None,
            1 => files.pop().map(|f| MaterialRef::File {
                hash: f.hash,
                name: f.name,
            }),
            _ => Some(MaterialRef::Files { files }),
        }
    }

    /// The library files this reference names, as (hash, name).
    pub fn files(&self) -> Vec<(&str, &str)> {
        match self {
            MaterialRef::Licence { .. } => Vec::new(),
            MaterialRef::File { hash, name } => vec![(hash.as_str(), name.as_str())],
            MaterialRef::Files { files } => files
                .iter()
                .map(|f| (f.hash.as_str(), f.name.as_str()))
                .collect(),
        }
    }
}

/// The person acting, with the roles they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub roles: Vec<Role>,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// A command on an existing case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub action: Action,
    pub opinion: Option<String>,
    /// The case version the actor saw.
    pub version: i64,
}

/// One entry of a case's append-only event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEvent {
    pub at: DateTime<Utc>,
    pub actor_id: UserId,
    pub actor_role: Role,
    /// `submit` or an [`Action`] name.
    pub action: String,
    pub opinion: Option<String>,
    pub from_status: Option<CaseStatus>,
    pub to_status: CaseStatus,
    /// The version of the case the action was taken on (0 for submission).
    pub version: i64,
}

/// What an accepted action does.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The case after the action, version bumped, task cleared.
    pub case: Case,
    pub event: CaseEvent,
    /// The stage whose task must now be assigned, if the case moved to a staff stage.
    pub assign: Option<Stage>,
}

/// The user id of the system, which takes instant decisions (秒批).
pub const SYSTEM_ACTOR: UserId = 0;

/// The opinion the system records on each step of an instant decision.
pub const INSTANT_OPINION: &str = "秒批：机器审查规则全部通过，系统自动办理";

/// The action that moves a case on from `stage`.
pub fn forward_action(stage: Stage) -> Action {
    match stage {
        Stage::PreReview | Stage::Intake => Action::Accept,
        Stage::Review => Action::Review,
        Stage::Inspection => Action::Inspect,
        Stage::Approval => Action::Approve,
        Stage::Production => Action::Produce,
        Stage::Issuance => Action::Issue,
    }
}

/// 秒批: takes a just-opened case of an instant item through every stage of its
/// plan as the system actor, when its machine review passed. Each step passes
/// through [`decide`] like a person's action and yields its own event.
pub fn decide_instantly(
    case: &Case,
    item: &Item,
    now: DateTime<Utc>,
) -> Result<Option<(Case, Vec<CaseEvent>)>, DomainError> {
    let passed = case.machine_review.as_ref().is_some_and(|r| r.passed);
    if !item.instant || !passed {
        return Ok(None);
    }
    let mut current = case.clone();
    let mut events = Vec::new();
    while let Some(stage) = current.status.stage() {
        let action = forward_action(stage);
        current.task = Some(Task {
            stage,
            assignee: SYSTEM_ACTOR,
            started_at: now,
            deadline: None,
            warn_at: None,
        });
        let actor = Actor {
            user_id: SYSTEM_ACTOR,
            roles: vec![role_for(action, current.status)],
        };
        let command = Command {
            action,
            opinion: Some(INSTANT_OPINION.to_string()),
            version: current.version,
        };
        let d = decide(&current, item, &actor, &command, now)?;
        events.push(d.event);
        current = d.case;
    }
    Ok(Some((current, events)))
}

/// The event name of a submission.
pub const SUBMIT: &str = "submit";

/// Who hands an application in: the applicant themselves (online, on a phone, at
/// a kiosk), or a clerk at the window for a named applicant (一窗受理).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FiledBy {
    Applicant,
    /// The clerk who takes the application in at the counter.
    Clerk(UserId),
}

impl FiledBy {
    /// The clerk who filed, if a clerk did.
    pub fn clerk(self) -> Option<UserId> {
        match self {
            FiledBy::Applicant => None,
            FiledBy::Clerk(id) => Some(id),
        }
    }

    /// A clerk files only at the counter: an application taken in at the window
    /// is a counter case, whatever else the request says.
    pub fn check_channel(self, channel: Channel) -> Result<(), DomainError> {
        match self {
            FiledBy::Clerk(_) if channel != Channel::Counter => {
                Err(DomainError::CounterChannelOnly(channel))
            }
            _ => Ok(()),
        }
    }
}

/// Opens a case the applicant files themselves (see [`open_case_by`]).
#[expect(
    clippy::too_many_arguments,
    reason = "the facts of a submission, each needed"
)]
pub fn open_case(
    item: &Item,
    item_version: i64,
    applicant: Applicant,
    channel: Channel,
    form: serde_json::Map<String, serde_json::Value>,
    priority: bool,
    now: DateTime<Utc>,
    today: chrono::NaiveDate,
) -> Result<(Case, CaseEvent), DomainError> {
    open_case_by(
        FiledBy::Applicant,
        item,
        item_version,
        applicant,
        channel,
        form,
        priority,
        now,
        today,
    )
}

/// Opens a case: checks who files on which channel and the form against the
/// item, and puts the case at the channel's first stage. The submission event
/// names who handed it in: the applicant, or the clerk (role clerk) at the
/// window; the case's applicant is always the applicant. The store gives the
/// case its id and number.
#[expect(
    clippy::too_many_arguments,
    reason = "the facts of a submission, each needed"
)]
pub fn open_case_by(
    filed_by: FiledBy,
    item: &Item,
    item_version: i64,
    applicant: Applicant,
    channel: Channel,
    form: serde_json::Map<String, serde_json::Value>,
    priority: bool,
    now: DateTime<Utc>,
    today: chrono::NaiveDate,
) -> Result<(Case, CaseEvent), DomainError> {
    filed_by.check_channel(channel)?;
    let problems = validate_form(item, &form, today);
    if !problems.is_empty() {
        return Err(DomainError::InvalidForm(problems));
    }
    let status = CaseStatus::at(channel.first_stage());
    let (actor_id, actor_role) = match filed_by {
        FiledBy::Applicant => (applicant.user_id, Role::Applicant),
        FiledBy::Clerk(clerk) => (clerk, Role::Clerk),
    };
    let event = CaseEvent {
        at: now,
        actor_id,
        actor_role,
        action: SUBMIT.to_string(),
        opinion: None,
        from_status: None,
        to_status: status,
        version: 0,
    };
    let case = Case {
        id: 0,
        number: String::new(),
        item_code: item.code.clone(),
        item_version,
        applicant,
        channel,
        form,
        status,
        correction_return: None,
        priority,
        deadline: None,
        legal_deadline: None,
        version: 1,
        submitted_at: now,
        updated_at: now,
        task: None,
        handlers: BTreeMap::new(),
        machine_review: None,
        suspended_since: None,
        suspended_minutes: 0,
        stage_minutes: BTreeMap::new(),
        materials: BTreeMap::new(),
        correction: None,
        corrected_stages: Vec::new(),
        correction_allowance: None,
    };
    Ok((case, event))
}

/// The role an action needs.
pub fn role_for(action: Action, status: CaseStatus) -> Role {
    match action {
        Action::Resubmit | Action::Withdraw => Role::Applicant,
        Action::Accept | Action::NotAccept => Role::Clerk,
        Action::RequestCorrection => match status {
            CaseStatus::Review => Role::Reviewer,
            _ => Role::Clerk,
        },
        Action::Review => Role::Reviewer,
        Action::Inspect => Role::Inspector,
        Action::Approve | Action::Deny => Role::Approver,
        Action::Produce | Action::Issue => Role::Officer,
    }
}

/// The status an action leads to from `case`, or why it cannot be taken there.
/// Only status and plan are considered here; roles, assignment and versions are
/// checked by [`decide`].
fn target(case: &Case, item: &Item, action: Action) -> Result<CaseStatus, DomainError> {
    use CaseStatus as S;
    let refused = || DomainError::TransitionNotAllowed {
        action,
        status: case.status,
    };
    let after = |stage: Stage| -> Result<CaseStatus, DomainError> {
        item.next_stage(stage)
            .map(CaseStatus::at)
            .ok_or_else(refused)
    };
    // A case can only be at a stage of its item's plan; anything else is refused.
    if let Some(stage) = case.status.stage()
        && stage != Stage::PreReview
        && !item.has_stage(stage)
    {
        return Err(refused());
    }
    match (action, case.status) {
        (Action::Accept, S::PreReview | S::Intake) => after(Stage::Intake),
        (Action::NotAccept, S::PreReview | S::Intake) => Ok(S::NotAccepted),
        (Action::RequestCorrection, S::PreReview | S::Intake | S::Review) => Ok(S::Correction),
        (Action::Resubmit, S::Correction) => case
            .correction_return
            .map(CaseStatus::at)
            .ok_or_else(refused),
        (Action::Review, S::Review) => after(Stage::Review),
        (Action::Inspect, S::Inspection) => after(Stage::Inspection),
        (Action::Approve, S::Approval) => after(Stage::Approval),
        (Action::Deny, S::Approval) => Ok(S::Denied),
        (Action::Produce, S::Production) => after(Stage::Production),
        (Action::Issue, S::Issuance) => Ok(S::Issued),
        (
            Action::Withdraw,
            S::PreReview | S::Intake | S::Review | S::Inspection | S::Approval | S::Correction,
        ) => Ok(S::Withdrawn),
        _ => Err(refused()),
    }
}

/// Whether `actor` may take `action` on `case` now, ignoring the opinion text and version.
fn permitted(
    case: &Case,
    item: &Item,
    actor: &Actor,
    action: Action,
) -> Result<CaseStatus, DomainError> {
    let to = target(case, item, action)?;
    let needed = role_for(action, case.status);
    if !actor.has(needed) {
        return Err(DomainError::WrongRole { action, needed });
    }
    if needed == Role::Applicant {
        if case.applicant.user_id != actor.user_id {
            return Err(DomainError::NotOwnCase);
        }
    } else {
        match &case.task {
            Some(t) if t.assignee == actor.user_id => {}
            _ => return Err(DomainError::NotAssignee),
        }
        if let Some(stage) = case.status.stage() {
            separation_of_duties(case, stage, actor.user_id)?;
        }
    }
    Ok(to)
}

/// 接不管审、审不管核、核不管发: nobody does two of intake, review, approval and
/// production on one case. The system actor of instant decisions is exempt: it
/// acts only when every machine-review rule passed.
pub fn separation_of_duties(case: &Case, stage: Stage, user: UserId) -> Result<(), DomainError> {
    let Some(duty) = stage.duty() else {
        return Ok(());
    };
    if user == SYSTEM_ACTOR {
        return Ok(());
    }
    for (done, who) in &case.handlers {
        if *who == user
            && let Some(other) = done.duty()
            && other != duty
        {
            return Err(DomainError::SeparationOfDuties(format!(
                "{}与{}",
                other.label_zh(),
                duty.label_zh()
            )));
        }
    }
    Ok(())
}

/// The actions `actor` may take on `case` now (the case's `"actions"` in the API).
pub fn allowed_actions(case: &Case, item: &Item, actor: &Actor) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|a| permitted(case, item, actor, *a).is_ok())
        .collect()
}

/// Decide a command that carries no particulars (see [`decide_with`]).
pub fn decide(
    case: &Case,
    item: &Item,
    actor: &Actor,
    command: &Command,
    now: DateTime<Utc>,
) -> Result<Decision, DomainError> {
    decide_with(case, item, actor, command, &Detail::None, now)
}

/// Decide a command: the single gate every case action passes. A correction
/// request carries its list (checked here, once per stage) and a resubmission
/// its changes (applied here, exactly what was asked for).
pub fn decide_with(
    case: &Case,
    item: &Item,
    actor: &Actor,
    command: &Command,
    detail: &Detail,
    now: DateTime<Utc>,
) -> Result<Decision, DomainError> {
    let to = permitted(case, item, actor, command.action)?;
    if command.version != case.version {
        return Err(DomainError::VersionConflict {
            given: command.version,
            current: case.version,
        });
    }
    let mut opinion = command
        .opinion
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let mut next = case.clone();
    match (command.action, detail) {
        (Action::RequestCorrection, Detail::Correction { list, late }) => {
            let stage = case
                .status
                .stage()
                .ok_or(DomainError::TransitionNotAllowed {
                    action: command.action,
                    status: case.status,
                })?;
            correction::may_request(case, stage)?;
            let list = list.checked(item)?;
            let summary = list.summary_zh(item);
            opinion = Some(match opinion {
                Some(note) => format!("{summary}\n{note}"),
                None => summary,
            });
            next.correction = Some(correction::CorrectionRequest {
                stage,
                requested_at: now,
                requested_by: Some(actor.user_id),
                list,
                late: *late,
            });
            if !next.corrected_stages.contains(&stage) {
                next.corrected_stages.push(stage);
            }
            next.correction_allowance = None;
        }
        (Action::RequestCorrection, _) => {
            return Err(DomainError::InvalidCorrection(vec![FieldProblem {
                field: "correction".into(),
                message: "一次性告知须逐项列明需补正的材料或申请表栏目".into(),
            }]));
        }
        (Action::Resubmit, Detail::Resubmission(given)) => {
            let (form, materials) = correction::apply_resubmission(case, item, given)?;
            next.form = form;
            next.materials = materials;
        }
        (Action::Resubmit, _) => {
            let given = correction::Resubmission::default();
            correction::apply_resubmission(case, item, &given)?;
        }
        (_, Detail::None) => {}
        (action, _) => {
            return Err(DomainError::TransitionNotAllowed {
                action,
                status: case.status,
            });
        }
    }
    if let Some(o) = &opinion
        && o.chars().count() > MAX_OPINION_CHARS
    {
        return Err(DomainError::OpinionTooLong {
            max: MAX_OPINION_CHARS,
        });
    }
    if let Some(reason) = opinion
        .as_deref()
        .and_then(|o| crate::text::forbidden(o, crate::text::Lines::Many))
    {
        return Err(DomainError::OpinionUnprintable(reason));
    }
    if command.action.needs_opinion() && opinion.is_none() {
        return Err(DomainError::OpinionRequired(command.action));
    }
    let role = role_for(command.action, case.status);
    if let Some(stage) = case.status.stage() {
        next.handlers.insert(stage, actor.user_id);
    }
    next.correction_return = match to {
        CaseStatus::Correction => case.status.stage(),
        _ => None,
    };
    next.status = to;
    next.version = case.version + 1;
    next.updated_at = now;
    next.task = None;
    let event = CaseEvent {
        at: now,
        actor_id: actor.user_id,
        actor_role: role,
        action: command.action.as_str().to_string(),
        opinion,
        from_status: Some(case.status),
        to_status: to,
        version: case.version,
    };
    Ok(Decision {
        assign: to.stage(),
        case: next,
        event,
    })
}

#[cfg(test)]
mod filing_tests {
    use super::*;
    use crate::catalogue::tests::sample_item;

    fn form() -> serde_json::Map<String, serde_json::Value> {
        let mut form = serde_json::Map::new();
        form.insert("venue_name".into(), "玉林小酒馆".into());
        form
    }

    fn open(filed_by: FiledBy, channel: Channel) -> Result<(Case, CaseEvent), DomainError> {
        let applicant = tests::case_in(CaseStatus::Intake).applicant;
        let now = Utc::now();
        open_case_by(
            filed_by,
            &sample_item(true),
            1,
            applicant,
            channel,
            form(),
            false,
            now,
            now.date_naive(),
        )
    }

    #[test]
    fn a_clerk_files_at_the_counter_and_the_event_names_the_clerk() {
        let (case, event) = open(FiledBy::Clerk(77), Channel::Counter).unwrap();
        assert_eq!(case.status, CaseStatus::Intake);
        assert_eq!(case.channel, Channel::Counter);
        assert_ne!(
            case.applicant.user_id, 77,
            "the applicant stays the applicant"
        );
        assert_eq!((event.actor_id, event.actor_role), (77, Role::Clerk));
        assert_eq!(event.action, SUBMIT);
    }

    #[test]
    fn a_clerk_cannot_file_on_another_channel() {
        for channel in [Channel::Web, Channel::Mobile, Channel::Kiosk] {
            assert_eq!(
                open(FiledBy::Clerk(77), channel).map(drop),
                Err(DomainError::CounterChannelOnly(channel))
            );
        }
        let message = DomainError::CounterChannelOnly(Channel::Web).to_string();
        assert!(
            message.contains("窗口") && message.contains("网上"),
            "{message}"
        );
    }

    #[test]
    fn an_applicant_filing_themselves_is_the_actor_of_the_submission() {
        let (case, event) = open(FiledBy::Applicant, Channel::Web).unwrap();
        assert_eq!(event.actor_id, case.applicant.user_id);
        assert_eq!(event.actor_role, Role::Applicant);
        assert_eq!(FiledBy::Applicant.clerk(), None);
        assert_eq!(FiledBy::Clerk(5).clerk(), Some(5));
    }
}

#[cfg(test)]
mod pipeline_snapshots;
#[cfg(test)]
pub(crate) mod tests;
