//! What the operator's gauges show (`/metrics`).

use chrono::{DateTime, NaiveDate, Utc};

use crate::cases::local_date;
use crate::store::OpsCounts;
use crate::{App, AppError};

impl App {
    /// Cases by status, overdue tasks, open alerts and the expiry-reminder backlog,
    /// now. Aggregates only (no names, no case numbers).
    pub async fn ops_counts(&self) -> Result<OpsCounts, AppError> {
        let now = self.clock.now();
        Ok(self
            .store
            .ops_counts(now, self.reminder_horizon(now))
            .await?)
    }

    /// The last expiry date a reminder is due for at `now`.
    pub(crate) fn reminder_horizon(&self, now: DateTime<Utc>) -> NaiveDate {
        local_date(now) + chrono::Duration::days(i64::from(self.settings.licence_reminder_days))
    }
}
