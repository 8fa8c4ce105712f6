//! The service hall in the figures (办事大厅): tickets taken, served, no-shows,
//! the wait to the first call (mean, median, 90th percentile) and the handling
//! time, by group and by source (现场 / 网上·手机 / 预约); appointments made,
//! cancelled by their applicant or by the bureau, kept and missed, with the
//! kept rate (预约履约率). Summed from the per-day rows each ticket and booking
//! step writes (see `onestamp_domain::analytics_hall`).
//!
//! Missed appointments and the kept rate read the period's days before today
//! only: an appointment of today or later may still be kept.

use std::collections::BTreeMap;

use serde::Serialize;

use onestamp_domain::analytics_hall::{HallCounts, HallTimes, SOURCES, kept_rate, source_label_zh};

use crate::analytics::{AnalyticsQuery, Scope};
use crate::auth::Session;
use crate::store::AnalyticsFilter;
use crate::{App, AppError};

/// One line of the queue's figure: a group, a source, or the total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HallLine {
    pub key: String,
    pub label: String,
    pub taken: i64,
    /// Tickets called (first calls).
    pub called: i64,
    pub served: i64,
    pub no_show: i64,
    pub cancelled: i64,
    /// 平均等候, in minutes.
    pub mean_wait_minutes: Option<f64>,
    pub median_wait_minutes: Option<f64>,
    pub p90_wait_minutes: Option<f64>,
    pub mean_handling_minutes: Option<f64>,
    pub median_handling_minutes: Option<f64>,
    pub p90_handling_minutes: Option<f64>,
}

impl HallLine {
    fn new(key: String, label: String, c: &HallCounts, t: &HallTimes) -> HallLine {
        HallLine {
            key,
            label,
            taken: c.taken,
            called: c.called,
            served: c.served,
            no_show: c.no_show,
            cancelled: c.cancelled,
            mean_wait_minutes: c.mean_wait_minutes(),
            median_wait_minutes: t.wait_quantile(0.5),
            p90_wait_minutes: t.wait_quantile(0.9),
            mean_handling_minutes: c.mean_handling_minutes(),
            median_handling_minutes: t.handling_quantile(0.5),
            p90_handling_minutes: t.handling_quantile(0.9),
        }
    }
}

/// One line of the appointments' figure: a group or the total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BookingLine {
    pub key: String,
    pub label: String,
    /// Appointments confirmed for a slot in the period.
    pub made: i64,
    /// Cancelled by their applicant (本人取消).
    pub cancelled: i64,
    /// Cancelled by the bureau (节假日调整).
    pub cancelled_by_bureau: i64,
    /// Their ticket taken (履约).
    pub kept: i64,
    /// Neither cancelled nor kept, of the period's days before today (爽约).
    pub missed: i64,
    /// 预约履约率: kept among those due, of the days before today, in percent.
    pub kept_rate: Option<f64>,
}

impl BookingLine {
    fn new(key: String, label: String, c: &HallCounts, past: &HallCounts) -> BookingLine {
        BookingLine {
            key,
            label,
            made: c.booked,
            cancelled: c.booking_cancelled,
            cancelled_by_bureau: c.bureau_cancelled,
            kept: c.kept,
            missed: past.unkept(),
            kept_rate: kept_rate(past),
        }
    }
}

/// The hall in a scope: a department sees the groups holding one of its items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HallFigures {
    pub scope: Scope,
    pub total: HallLine,
    pub by_group: Vec<HallLine>,
    pub by_source: Vec<HallLine>,
    pub bookings: BookingLine,
    pub bookings_by_group: Vec<BookingLine>,
}

/// Sums per key.
#[derive(Default)]
struct Sums {
    counts: BTreeMap<String, HallCounts>,
    times: BTreeMap<String, HallTimes>,
}

impl Sums {
    fn count(&mut self, key: &str, c: &HallCounts) {
        self.counts.entry(key.to_string()).or_default().add(c);
    }

    fn time(&mut self, key: &str, measure: &str, bucket: usize, n: i64) {
        self.times
            .entry(key.to_string())
            .or_default()
            .count(measure, bucket, n);
    }

    fn line(&self, key: &str, label: String) -> HallLine {
        let c = self.counts.get(key).copied().unwrap_or_default();
        let t = self.times.get(key).copied().unwrap_or_default();
        HallLine::new(key.to_string(), label, &c, &t)
    }
}

const TOTAL: &str = "total";

impl App {
    pub async fn analytics_hall(
        &self,
        session: &Session,
        query: &AnalyticsQuery,
    ) -> Result<HallFigures, AppError> {
        let items = self.catalogue_items().await?;
        let scope = self.scope_with(Some(session), query, &items).await?;
        self.hall_of(scope).await
    }

    pub(crate) async fn hall_of(&self, scope: Scope) -> Result<HallFigures, AppError> {
        let shown: BTreeMap<String, String> = self
            .store
            .hall_groups()
            .await?
            .into_iter()
            .filter(|g| {
                scope
                    .items
                    .as_ref()
                    .is_none_or(|items| g.items.iter().any(|i| items.contains(i)))
            })
            .map(|g| (g.code, g.name))
            .collect();
        let filter = scope.filter();
        let mut groups = Sums::default();
        let mut sources = Sums::default();
        for r in self.store.hall_counts(&filter).await? {
            if shown.contains_key(&r.group) {
                groups.count(TOTAL, &r.counts);
                groups.count(&r.group, &r.counts);
                sources.count(&r.source, &r.counts);
            }
        }
        for r in self.store.hall_times(&filter).await? {
            if shown.contains_key(&r.group) {
                groups.time(TOTAL, &r.measure, r.bucket, r.n);
                groups.time(&r.group, &r.measure, r.bucket, r.n);
                sources.time(&r.source, &r.measure, r.bucket, r.n);
            }
        }
        // The days gone by, for what was missed.
        let mut past: BTreeMap<String, HallCounts> = BTreeMap::new();
        let yesterday = self.today().pred_opt().unwrap_or(scope.from);
        if scope.from <= yesterday {
            let before = AnalyticsFilter {
                from: scope.from,
                to: scope.to.min(yesterday),
                items: None,
            };
            for r in self.store.hall_counts(&before).await? {
                if shown.contains_key(&r.group) {
                    past.entry(TOTAL.into()).or_default().add(&r.counts);
                    past.entry(r.group.clone()).or_default().add(&r.counts);
                }
            }
        }
        let label = |k: &String| shown.get(k).cloned().unwrap_or_else(|| k.clone());
        let booking = |key: &str, label: String| {
            let c = groups.counts.get(key).copied().unwrap_or_default();
            let p = past.get(key).copied().unwrap_or_default();
            BookingLine::new(key.to_string(), label, &c, &p)
        };
        let keys: Vec<&String> = groups.counts.keys().filter(|k| *k != TOTAL).collect();
        Ok(HallFigures {
            total: groups.line(TOTAL, "合计".into()),
            by_group: keys.iter().map(|k| groups.line(k, label(k))).collect(),
            by_source: SOURCES
                .iter()
                .filter(|s| sources.counts.contains_key(**s))
                .map(|s| sources.line(s, source_label_zh(s).into()))
                .collect(),
            bookings: booking(TOTAL, "合计".into()),
            bookings_by_group: keys
                .iter()
                .filter(|k| {
                    groups
                        .counts
                        .get(k.as_str())
                        .is_some_and(|c| c.booked > 0 || c.kept > 0)
                })
                .map(|k| booking(k, label(k)))
                .collect(),
            scope,
        })
    }
}
