//! Supervision (监察): the scheduler that raises overdue alerts, the lists of
//! yellow and red tasks and of alerts, and the green channel.

use onestamp_domain::DomainError;
use onestamp_domain::assignment::{Unfit, fit_for};
use onestamp_domain::audit::case_fact;
use onestamp_domain::case;
use onestamp_domain::role::Role;
use onestamp_domain::timing;

use crate::auth::Session;
use crate::cases::MAX_PAGE;
use crate::store::{Alert, CaseChange, CaseSummary, TaskKey, User};
use crate::{App, AppError};

/// A member of the handling staff on the workload board (工作量): profile and
/// open tasks by stage.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StaffLoad {
    pub user: User,
    pub profile: onestamp_domain::assignment::StaffProfile,
    /// Open tasks by stage, in pipeline order; stages without a task left out.
    pub open: Vec<(case::Stage, u32)>,
}

impl StaffLoad {
    /// Open tasks at every stage together.
    pub fn total(&self) -> u32 {
        self.open.iter().map(|(_, n)| n).sum()
    }

    /// Open tasks at `stage`.
    pub fn at(&self, stage: case::Stage) -> u32 {
        self.open
            .iter()
            .find(|(s, _)| *s == stage)
            .map_or(0, |(_, n)| *n)
    }
}

impl App {
    /// Reassigns the open task of a case (supervisors only, with a reason). With
    /// no assignee named, a new one is drawn at random as for a new task, never the
    /// current holder. Nobody can reassign a task to themselves; a named person
    /// must hold the role, be on duty, qualified and clear of separation of duties.
    pub async fn reassign(
        &self,
        session: &Session,
        case_id: i64,
        assignee: Option<i64>,
        reason: &str,
        version: i64,
    ) -> Result<crate::cases::CaseView, AppError> {
        session.require(&[Role::Supervisor])?;
        let case = self.visible_case(session, case_id).await?;
        // Refuse a stale or task-less case before drawing anyone.
        if case.version != version {
            return Err(DomainError::VersionConflict {
                given: version,
                current: case.version,
            }
            .into());
        }
        let task = case::open_task(&case)?.clone();
        let item = self.item_of(&case).await?;
        let to = match assignee {
            Some(user_id) => {
                let who = self
                    .store
                    .user(user_id)
                    .await?
                    .ok_or_else(|| AppError::NotFound(format!("用户 {user_id} ")))?;
                let profile = self.store.staff_profile(user_id).await?.unwrap_or_default();
                let holds = who.active && who.roles.contains(&task.stage.role());
                if user_id != session.user.id {
                    fit_for(&case, &item, task.stage, user_id, holds, &profile).map_err(
                        |u| match u {
                            Unfit::SeparationOfDuties => AppError::Domain(
                                DomainError::SeparationOfDuties(task.stage.label_zh().to_string()),
                            ),
                            other => AppError::AssigneeUnfit {
                                who: who.username.clone(),
                                reason: other.reason_zh(),
                            },
                        },
                    )?;
                }
                user_id
            }
            None => {
                self.assign_other(&case, &item, task.stage, task.assignee)
                    .await?
            }
        };
        let now = self.clock.now();
        let decision = case::reassign(&case, session.user.id, to, reason, version, now)?;
        self.commit_supervised(&case, decision, serde_json::json!({"stage": task.stage, "assignee_from": task.assignee, "assignee": to}))
            .await?;
        tracing::info!(case_no = %case.number, stage = %task.stage.as_str(), from = task.assignee, to, actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "task reassigned");
        self.get_case(session, case_id).await
    }

    /// Raises the alerts of everything that came due by now. Safe to run from
    /// every server process at once: each alert is raised exactly once.
    pub async fn run_due_timers(&self) -> Result<Vec<Alert>, AppError> {
        let now = self.clock.now();
        let mut all = Vec::new();
        loop {
            let batch = self.store.raise_due_alerts(now, 500).await?;
            let done = batch.len() < 500;
            for a in &batch {
                tracing::warn!(case_no = %a.case_number, kind = %a.kind, responsible = ?a.responsible, "overdue");
            }
            all.extend(batch);
            if done {
                break;
            }
        }
        let reminded = self.remind_expiring_licences().await?;
        if reminded > 0 {
            tracing::info!(count = reminded, "expiry reminders sent");
        }
        let (cancelled, reminded) = self.appointment_upkeep().await?;
        if cancelled + reminded > 0 {
            tracing::info!(cancelled, reminded, "appointments kept up");
        }
        // What the timers wrote reaches the inbox at once (the delivery
        // workers would take it within a second anyway).
        self.deliver_inbox().await?;
        Ok(all)
    }

    /// Overdue alerts, newest first (supervisors).
    pub async fn list_alerts(
        &self,
        session: &Session,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Alert>, AppError> {
        session.require_holding(Role::oversees)?;
        Ok(self.store.alerts(before, limit.clamp(1, MAX_PAGE)).await?)
    }

    /// Open tasks that are yellow or red now in urgency order (supervisors), a page
    /// of at most `limit` after `after`.
    pub async fn late_tasks(
        &self,
        session: &Session,
        after: Option<TaskKey>,
        limit: u32,
    ) -> Result<Vec<CaseSummary>, AppError> {
        session.require_holding(Role::oversees)?;
        let list = self
            .store
            .late_tasks(self.clock.now(), after, limit.clamp(1, MAX_PAGE))
            .await?;
        Ok(self.with_lights(list))
    }

    /// Every active member of the handling staff (intake to issuance) with their
    /// profile (on duty, qualifications) and open tasks by stage, in user order
    /// (supervisors and administrators).
    pub async fn staff_board(&self, session: &Session) -> Result<Vec<StaffLoad>, AppError> {
        session.require_holding(Role::oversees)?;
        let mut board: std::collections::BTreeMap<i64, StaffLoad> = Default::default();
        for role in Role::ALL.into_iter().filter(|r| r.handles_cases()) {
            for m in self.store.staff_of_role(role).await? {
                board.entry(m.user.id).or_insert(StaffLoad {
                    user: m.user,
                    profile: m.profile,
                    open: Vec::new(),
                });
            }
        }
        for (holder, stage, n) in self.store.open_tasks_by_holder().await? {
            if let Some(s) = board.get_mut(&holder) {
                s.open.push((stage, n));
            }
        }
        let mut list: Vec<StaffLoad> = board.into_values().collect();
        for s in &mut list {
            s.open.sort();
        }
        Ok(list)
    }

    /// Flags or unflags a case as a priority project (绿色通道): the case gets the
    /// item's green-channel limit and is listed first. Supervisors only; the
    /// reason is recorded.
    pub async fn set_priority(
        &self,
        session: &Session,
        case_id: i64,
        priority: bool,
        reason: &str,
        version: i64,
    ) -> Result<crate::cases::CaseView, AppError> {
        session.require(&[Role::Supervisor])?;
        let case = self.visible_case(session, case_id).await?;
        let item = self.item_of(&case).await?;
        let now = self.clock.now();
        let calendar = &self.settings.calendar;
        let (deadline, _) = timing::case_due(calendar, &item, priority, case.submitted_at);
        let deadline = calendar.shift_by_working_minutes(deadline, case.suspended_minutes);
        let decision = case::set_priority(
            &case,
            session.user.id,
            priority,
            deadline,
            reason,
            version,
            now,
        )?;
        self.commit_supervised(&case, decision, serde_json::json!({"priority": priority}))
            .await?;
        tracing::info!(case_no = %case.number, priority, actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "green channel set");
        self.get_case(session, case_id).await
    }

    /// Allows the stage the case is at one more correction request (the law
    /// asks for one complete notice): supervisors only, with a recorded reason.
    pub async fn allow_correction(
        &self,
        session: &Session,
        case_id: i64,
        reason: &str,
        version: i64,
    ) -> Result<crate::cases::CaseView, AppError> {
        session.require(&[Role::Supervisor])?;
        let case = self.visible_case(session, case_id).await?;
        let now = self.clock.now();
        let decision = case::allow_correction(&case, session.user.id, reason, version, now)?;
        let facts = serde_json::json!({"allowance": decision.case.correction_allowance});
        self.commit_supervised(&case, decision, facts).await?;
        tracing::info!(case_no = %case.number, actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "second correction allowed");
        self.get_case(session, case_id).await
    }

    /// Commits a supervisor's decision on `case` with its audit fact carrying
    /// `facts`.
    async fn commit_supervised(
        &self,
        case: &case::Case,
        decision: case::Decision,
        facts: serde_json::Value,
    ) -> Result<(), AppError> {
        let audit = case_fact(&case.number, &decision.event, facts);
        let item = self.item_of(case).await?;
        let messages = self.reassigned_messages(case, &decision.case, &item, decision.event.at);
        let tally = onestamp_domain::analytics::of_step(
            &decision.case,
            &decision.event,
            &self.settings.calendar,
        );
        self.store
            .commit_case(CaseChange {
                tally,
                case: decision.case,
                expected_version: case.version,
                event: decision.event,
                audit: vec![audit],
                licence: None,
                retire: None,
                documents: Vec::new(),
                alerts: Vec::new(),
                messages,
                feed: Vec::new(),
                bundle: None,
            })
            .await?;
        Ok(())
    }
}
