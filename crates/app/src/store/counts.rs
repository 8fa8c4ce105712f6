//! Counts for the operator's gauges (`/metrics`): a few cheap COUNT queries over
//! indexed columns, read at scrape time.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use onestamp_domain::case::CaseStatus;

use super::StoreError;

/// How much work stands where, across every server process sharing the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpsCounts {
    /// Cases per status; statuses without cases are left out.
    pub cases_by_status: Vec<(CaseStatus, i64)>,
    /// Open tasks whose deadline is at or before `now`.
    pub overdue_tasks: i64,
    /// Alerts (overdue, public report) whose case is not closed, per kind.
    pub open_alerts: Vec<(String, i64)>,
    /// Valid licences ending on or before the reminder horizon whose holder has
    /// not been reminded yet: the scheduler's notification backlog.
    pub reminders_pending: i64,
    /// Messages in the in-app inboxes (there is no outbox: nothing waits for delivery).
    pub notifications: i64,
}

#[async_trait]
pub trait CountStore: Send + Sync {
    /// The counts at `now`; `remind_until` is the last expiry date a reminder is due for.
    async fn ops_counts(
        &self,
        now: DateTime<Utc>,
        remind_until: NaiveDate,
    ) -> Result<OpsCounts, StoreError>;
}
