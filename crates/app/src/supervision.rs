//! Supervision (监察): the scheduler that raises overdue alerts, the lists of
//! yellow and red tasks and of alerts, and the green channel.

use onestamp_domain::role::Role;
use onestamp_domain::timing;

use crate::auth::Session;
use crate::cases::MAX_PAGE;
use crate::store::{Alert, AuditFact, CaseChange, CaseSummary};
use crate::{App, AppError};

impl App {
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
        Ok(all)
    }

    /// Overdue alerts, newest first (supervisors).
    pub async fn list_alerts(
        &self,
        session: &Session,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Alert>, AppError> {
        session.require(&[Role::Supervisor, Role::Admin])?;
        Ok(self.store.alerts(before, limit.clamp(1, MAX_PAGE)).await?)
    }

    /// Open tasks that are yellow or red now, earliest deadline first (supervisors).
    pub async fn late_tasks(&self, session: &Session) -> Result<Vec<CaseSummary>, AppError> {
        session.require(&[Role::Supervisor, Role::Admin])?;
        let list = self.store.late_tasks(self.clock.now(), MAX_PAGE).await?;
        Ok(self.with_lights(list))
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
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::invalid("请填写设置绿色通道的理由"));
        }
        let case = self.visible_case(session, case_id).await?;
        if case.version != version {
            return Err(onestamp_domain::DomainError::VersionConflict {
                given: version,
                current: case.version,
            }
            .into());
        }
        if case.status.is_closed() {
            return Err(AppError::invalid("办件已办结"));
        }
        let item = self.item_of(&case).await?;
        let now = self.clock.now();
        let mut next = case.clone();
        next.priority = priority;
        next.version += 1;
        next.updated_at = now;
        let (deadline, _) =
            timing::case_due(&self.settings.calendar, &item, priority, case.submitted_at);
        next.deadline = Some(
            self.settings
                .calendar
                .shift_by_working_minutes(deadline, case.suspended_minutes),
        );
        let event = onestamp_domain::case::CaseEvent {
            at: now,
            actor_id: session.user.id,
            actor_role: Role::Supervisor,
            action: if priority {
                "priority_on"
            } else {
                "priority_off"
            }
            .to_string(),
            opinion: Some(reason.to_string()),
            from_status: Some(case.status),
            to_status: case.status,
            version: case.version,
        };
        let audit = AuditFact {
            actor_id: Some(session.user.id),
            kind: "case.priority".into(),
            subject: case.number.clone(),
            detail: serde_json::json!({"priority": priority, "reason": reason, "version": case.version}),
        };
        self.store
            .commit_case(CaseChange {
                case: next.clone(),
                expected_version: case.version,
                event,
                audit,
            })
            .await?;
        self.get_case(session, case_id).await
    }
}
