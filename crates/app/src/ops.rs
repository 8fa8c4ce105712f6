//! What the operator's gauges show (`/metrics`).

use chrono::{DateTime, NaiveDate, Utc};

use crate::store::OpsCounts;
use crate::{App, AppError};

impl App {
    /// Cases by status, overdue tasks, open alerts and the expiry-reminder backlog.
    /// Aggregates only (no names, no case numbers). The counts read the whole case
    /// table, so they are reused for `ops_counts_max_age`, and concurrent callers
    /// wait for one reading instead of each starting their own.
    pub async fn ops_counts(&self) -> Result<OpsCounts, AppError> {
        let mut last = self.ops_counts.lock().await;
        let max_age = self.settings.ops_counts_max_age;
        if let Some((at, counts)) = last.as_ref()
            && !max_age.is_zero()
            && at.elapsed() < max_age
        {
            return Ok(counts.clone());
        }
        let now = self.clock.now();
        let counts = self
            .store
            .ops_counts(now, self.reminder_horizon(now))
            .await?;
        *last = Some((std::time::Instant::now(), counts.clone()));
        Ok(counts)
    }

    /// The last expiry date a reminder is due for at `now`.
    pub(crate) fn reminder_horizon(&self, now: DateTime<Utc>) -> NaiveDate {
        self.local_date(now)
            + chrono::Duration::days(i64::from(self.settings.licence_reminder_days))
    }
}
