//! What keeps the figures going beside the dashboards: the public hall
//! display (no personal data) and the rebuild of the rows from the stored
//! cases and ratings, bundles, hall tickets and bookings.

use std::collections::HashMap;

use chrono::{Datelike, Months};

use onestamp_domain::analytics::{self, Counters, Tally};
use onestamp_domain::rating::RatingLevel;

use crate::analytics::{Display, RebuildSummary};
use crate::store::AnalyticsFilter;
use crate::{App, AppError};

impl App {
    /// The hall display: today's intake and issues, the cases in progress, this
    /// month's on-time rate and the overdue tasks; public, no personal data.
    pub async fn hall_display(&self) -> Result<Display, AppError> {
        let today = self.today();
        let first = today.with_day(1).unwrap_or(today);
        // The month's rows (nothing lies after today) and today's day rows.
        let month = AnalyticsFilter {
            from: first,
            to: first
                .checked_add_months(Months::new(1))
                .and_then(|d| d.pred_opt())
                .unwrap_or(today),
            items: None,
        };
        let mut this_month = Counters::default();
        for row in self.store.volume(&month).await? {
            this_month.add(&row.counters);
        }
        let day = AnalyticsFilter {
            from: today,
            to: today,
            items: None,
        };
        let mut today_counts = Counters::default();
        for (_, c) in self.store.volume_by_day(&day).await? {
            today_counts.add(&c);
        }
        let ever = self.store.volume_all_time().await?;
        let in_progress = (ever.submitted - ever.ended).max(0);
        let overdue = self.store.overdue_count(self.clock.now()).await?;
        Ok(Display {
            today,
            intake_today: today_counts.submitted,
            issued_today: today_counts.issued,
            in_progress,
            on_time_rate: this_month.on_time_committed_rate(),
            overdue,
            same_day_share: this_month.same_day_share(),
        })
    }

    /// The themes' counts of every stored bundle: submitted, and finished
    /// when its last child closed.
    async fn themes_tally(&self) -> Result<Tally, AppError> {
        let cal = &self.settings.calendar;
        let mut tally = Tally::default();
        for theme in self.store.themes().await? {
            for b in self.store.bundles_of_theme(&theme.code, u32::MAX).await? {
                let channel = b.channel.as_str();
                tally.merge(analytics::of_bundle_submitted(
                    &b.theme_code,
                    channel,
                    b.submitted_at,
                    cal,
                ));
                let status = crate::bundles::status_of(&b);
                if !status.is_final() {
                    continue;
                }
                let mut last = b.submitted_at;
                for (id, _, _) in b.children.iter().filter_map(|c| c.case.as_ref()) {
                    if let Some(case) = self.store.case(*id).await? {
                        last = last.max(case.updated_at);
                    }
                }
                tally.merge(analytics::of_bundle_finished(
                    &b.theme_code,
                    channel,
                    status,
                    b.deadline,
                    last,
                    cal,
                ));
            }
        }
        Ok(tally)
    }

    /// The hall's counts of every stored ticket and booking, a page of
    /// `batch` at a time.
    async fn hall_tally(&self, batch: u32) -> Result<Tally, AppError> {
        use onestamp_domain::analytics_hall::{self, BookingFate};
        use onestamp_domain::hall::BookingStatus;
        let mut tally = Tally::default();
        let mut after = 0;
        loop {
            let tickets = self.store.tickets_after(after, batch).await?;
            let Some(last) = tickets.last().map(|t| t.id) else {
                break;
            };
            for t in &tickets {
                tally.merge(analytics_hall::of_ticket(t));
            }
            after = last;
        }
        let mut after = 0;
        loop {
            let bookings = self.store.bookings_after(after, batch).await?;
            let Some(last) = bookings.last().map(|b| b.id) else {
                break;
            };
            for b in &bookings {
                let cancelled = (b.status == BookingStatus::Cancelled).then(|| {
                    b.cancel_reason.as_deref() == Some(crate::appointments::CANCELLED_BY_CALENDAR)
                });
                let fate = BookingFate {
                    confirmed: b.confirmed_at.is_some(),
                    cancelled,
                    kept: b.ticket_id.is_some(),
                };
                let day = self.local_date(b.slot_start);
                tally.merge(analytics_hall::of_booking(&b.group, day, fate));
            }
            after = last;
        }
        Ok(tally)
    }

    /// Recomputes every analytics row from the stored cases and ratings, in
    /// batches of `batch` cases; `progress` hears the cases read so far.
    pub async fn rebuild_analytics(
        &self,
        batch: u32,
        mut progress: impl FnMut(u64) + Send,
    ) -> Result<RebuildSummary, AppError> {
        let cal = &self.settings.calendar;
        let rated: HashMap<i64, (String, bool)> = self
            .store
            .rated_cases()
            .await?
            .into_iter()
            .map(|r| (r.case_id, (r.level, r.voided)))
            .collect();
        let mut tally = Tally::default();
        let mut summary = RebuildSummary::default();
        let mut after = 0;
        loop {
            let records = self.store.case_records(after, batch.max(1)).await?;
            let Some(last) = records.last().map(|r| r.id) else {
                break;
            };
            for r in records {
                let Some(case) = r.body else { continue };
                tally.merge(analytics::of_history(&case, &r.events, cal));
                if let Some((level, voided)) = rated.get(&r.id)
                    && let Some(level) = RatingLevel::parse(level)
                {
                    tally.merge(analytics::of_rating(&case, level, cal));
                    if *voided {
                        tally.merge(analytics::of_upheld_appeal(&case, level, cal));
                    }
                    summary.ratings += 1;
                }
                summary.cases += 1;
            }
            progress(summary.cases);
            after = last;
        }
        tally.merge(self.themes_tally().await?);
        tally.merge(self.hall_tally(batch.max(1)).await?);
        self.store.replace_analytics(tally).await?;
        Ok(summary)
    }

    /// Rebuilds the rows when cases from before they were kept are stored.
    pub async fn rebuild_analytics_if_stale(&self) -> Result<Option<RebuildSummary>, AppError> {
        if !self.store.analytics_stale().await? {
            return Ok(None);
        }
        self.rebuild_analytics(2_000, |_| {}).await.map(Some)
    }
}
