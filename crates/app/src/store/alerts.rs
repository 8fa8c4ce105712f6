//! Overdue alerts (超时追责) and the supervisor's view of the clocks.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use onestamp_domain::case::{Stage, UserId};

use super::{CaseSummary, StoreError, TaskKey};

/// An alert raised when a task or a case passed its deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub id: i64,
    pub case_id: i64,
    pub case_number: String,
    /// `task_overdue`, `case_overdue`, `rectification_callback_overdue`,
    /// `rectification_overdue` (好差评), `claim_overdue` (审管分离),
    /// `public_report` or `late_correction`.
    pub kind: String,
    pub stage: Option<Stage>,
    /// The person the overdue task was assigned to (recorded against them).
    pub responsible: Option<UserId>,
    pub deadline: DateTime<Utc>,
    pub raised_at: DateTime<Utc>,
    /// What the public wrote, for `public_report` alerts.
    pub note: Option<String>,
}

/// An alert a case change raises in its own transaction (e.g. a correction
/// request later than the law's five working days). Raised once per `dedup_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    /// `late_correction`.
    pub kind: String,
    pub stage: Option<Stage>,
    /// The person it is recorded against.
    pub responsible: Option<UserId>,
    /// The limit that was missed.
    pub deadline: DateTime<Utc>,
    pub raised_at: DateTime<Utc>,
    pub note: Option<String>,
    pub dedup_key: String,
}

#[async_trait]
pub trait AlertStore: Send + Sync {
    /// Raises, exactly once across all server processes, the alerts of every task
    /// and case whose deadline is at or before `now`, each with its audit entry;
    /// returns the alerts this call raised.
    async fn raise_due_alerts(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Alert>, StoreError>;
    /// Alerts, newest first, keyset-paginated by id.
    async fn alerts(&self, before_id: Option<i64>, limit: u32) -> Result<Vec<Alert>, StoreError>;
    /// Open tasks whose warning instant has passed (yellow and red), in urgency
    /// order, after `after` when given.
    async fn late_tasks(
        &self,
        now: DateTime<Utc>,
        after: Option<TaskKey>,
        limit: u32,
    ) -> Result<Vec<CaseSummary>, StoreError>;
    /// Open tasks counted by holder and stage (the supervisor's workload board).
    async fn open_tasks_by_holder(&self) -> Result<Vec<(UserId, Stage, u32)>, StoreError>;
}
