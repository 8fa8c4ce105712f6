//! 大数据决策分析: the pre-aggregated rows (written with each change, in its
//! transaction: `CaseChange::tally`, `NewCase::tally`, `NewRating::tally`, the
//! tally of an appeal decision and of a bulk import, the hall's steps) and the sums the figures
//! are read from. Every read sums rows of a day range, never the cases.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use onestamp_domain::analytics::{Counters, RatingDelta, Tally};
use onestamp_domain::case::{Stage, UserId};

use super::StoreError;

/// Which rows a figure sums: the days `from..=to` and, when given, only these
/// items (a department's, or a regulator's departments').
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyticsFilter {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub items: Option<Vec<String>>,
}

/// Counters of one item and channel over the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeRow {
    pub item_code: String,
    pub channel: String,
    pub counters: Counters,
}

/// Counted stage times of one item and stage (or `total`) in one bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeRow {
    pub item_code: String,
    pub stage: String,
    pub bucket: usize,
    pub n: i64,
}

/// A counted (item, key, detail) with its number: a material and its defect, or
/// a refusal kind and its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedCount {
    pub item_code: String,
    pub key: String,
    pub detail: String,
    pub n: i64,
}

/// Ended cases and ratings of one item, channel and staff over the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingRow {
    pub item_code: String,
    pub channel: String,
    pub staff_id: Option<UserId>,
    pub counts: RatingDelta,
}

/// The hall's counts of one group and source over the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HallRow {
    pub group: String,
    /// `walk_in`, `remote` or `booking`.
    pub source: String,
    pub counts: onestamp_domain::analytics_hall::HallCounts,
}

/// Counted waits (`wait`) or handling times (`handling`) of one group and
/// source in one minute bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HallTimeRow {
    pub group: String,
    pub source: String,
    pub measure: String,
    pub bucket: usize,
    pub n: i64,
}

/// Licences now: valid, of them expiring by a date, and revoked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LicenceCounts {
    pub valid: i64,
    pub expiring: i64,
    pub revoked: i64,
}

/// A rating as a rebuild counts it: its case, level and whether an upheld
/// appeal took it out of the statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatedCase {
    pub case_id: i64,
    pub level: String,
    pub voided: bool,
}

#[async_trait]
pub trait AnalyticsStore: Send + Sync {
    /// Counters per item and channel.
    async fn volume(&self, filter: &AnalyticsFilter) -> Result<Vec<VolumeRow>, StoreError>;
    /// Counters per day, oldest first.
    async fn volume_by_day(
        &self,
        filter: &AnalyticsFilter,
    ) -> Result<Vec<(NaiveDate, Counters)>, StoreError>;
    /// Themes' bundles per theme and channel over the period (themes cross
    /// departments: the filter's items are not used).
    async fn theme_counts(
        &self,
        filter: &AnalyticsFilter,
    ) -> Result<Vec<(String, String, onestamp_domain::analytics::ThemeCounts)>, StoreError>;
    /// The hall's counts per group and source over the period (groups cross
    /// departments: the filter's items are not used).
    async fn hall_counts(&self, filter: &AnalyticsFilter) -> Result<Vec<HallRow>, StoreError>;
    /// The hall's waits and handling times per group, source and bucket over
    /// the period (the filter's items are not used).
    async fn hall_times(&self, filter: &AnalyticsFilter) -> Result<Vec<HallTimeRow>, StoreError>;
    /// Counters per month (each under its first day), oldest first.
    async fn volume_by_month(
        &self,
        filter: &AnalyticsFilter,
    ) -> Result<Vec<(NaiveDate, Counters)>, StoreError>;
    /// Counters of every day ever: the open cases are submitted minus ended.
    async fn volume_all_time(&self) -> Result<Counters, StoreError>;
    async fn stage_times(&self, filter: &AnalyticsFilter) -> Result<Vec<TimeRow>, StoreError>;
    /// Materials named by corrections: key the material, detail the defect.
    async fn correction_counts(
        &self,
        filter: &AnalyticsFilter,
    ) -> Result<Vec<KeyedCount>, StoreError>;
    /// Refusals: key `not_accepted` or `denied`, detail the reason; the most
    /// frequent first, at most `limit`.
    async fn refusal_counts(
        &self,
        filter: &AnalyticsFilter,
        limit: u32,
    ) -> Result<Vec<KeyedCount>, StoreError>;
    async fn rating_rows(&self, filter: &AnalyticsFilter) -> Result<Vec<RatingRow>, StoreError>;
    /// Open tasks past their deadline at `now`, per holder and stage (an
    /// indexed read of the open tasks).
    async fn overdue_by_holder(
        &self,
        now: DateTime<Utc>,
        items: Option<&[String]>,
    ) -> Result<Vec<(UserId, Stage, i64)>, StoreError>;
    /// Open tasks past their deadline at `now`, in all (an index-only count).
    async fn overdue_count(&self, now: DateTime<Utc>) -> Result<i64, StoreError>;
    /// The display names of these users, by id (one query).
    async fn display_names(&self, ids: &[UserId]) -> Result<Vec<(UserId, String)>, StoreError>;
    /// Licences valid now, expiring on or before `until`, and revoked; of these
    /// items' when given.
    async fn licence_counts(
        &self,
        until: NaiveDate,
        items: Option<&[String]>,
    ) -> Result<LicenceCounts, StoreError>;
    /// Every rating with its case, for a rebuild.
    async fn rated_cases(&self) -> Result<Vec<RatedCase>, StoreError>;
    /// Replaces every row by `tally` and marks the rows current, in one transaction.
    async fn replace_analytics(&self, tally: Tally) -> Result<(), StoreError>;
    /// Whether the rows need a rebuild (cases stored before they were kept).
    async fn analytics_stale(&self) -> Result<bool, StoreError>;
}
