//! 大数据决策分析: which counters a case step moves, and the figures read back
//! from the counted rows.
//!
//! Every figure of the dashboards is a sum over small pre-aggregated rows, never
//! a scan of the cases: a step of a case yields a [`Tally`] (counts keyed by the
//! bureau's calendar day, item and channel, stage times in fixed buckets,
//! corrections per material, refusals per reason, ratings per staff), which the
//! store adds to its rows in the transaction of the step. The same function
//! replayed over a stored case's events gives the case's whole contribution
//! ([`of_history`]), which is how the rows are rebuilt.
//!
//! Definitions:
//! - 办件量 (`submitted`): submissions, on the day of submission.
//! - 办结 (`ended`): cases ending (issued, not accepted, denied, withdrawn), on the
//!   day they end; `decided` leaves withdrawals out.
//! - 即办件 (`same_day`): issued on the calendar day it was submitted.
//! - 秒批 (`instant`): issued by the system without a person.
//! - 按承诺时限办结 (`on_time_committed`): a decided case ending at or before its
//!   committed deadline (or without one); `on_time_legal` the same against the
//!   legal deadline.
//! - stage times: the working minutes each stage used, counted when the case ends.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::calendar::Calendar;
use crate::case::{Action, Case, CaseEvent, CaseStatus, SUBMIT, SYSTEM_ACTOR, Stage};
use crate::rating::{RatingLevel, rated_staff};

/// Upper bounds, in working minutes, of the stage-time buckets; a last bucket
/// holds everything longer.
pub const BUCKET_BOUNDS: [i64; 16] = [
    0, 15, 30, 60, 120, 240, 480, 960, 1440, 2400, 3600, 4800, 7200, 9600, 14400, 28800,
];
/// Number of buckets: one per bound and the open one above the last.
pub const BUCKETS: usize = BUCKET_BOUNDS.len() + 1;

/// The stage key of a whole case's working time in the stage-time rows.
pub const TOTAL: &str = "total";

/// Longest refusal reason kept, in characters.
pub const REASON_CHARS: usize = 60;

/// The bucket `minutes` falls in.
pub fn bucket(minutes: i64) -> usize {
    BUCKET_BOUNDS
        .iter()
        .position(|b| minutes <= *b)
        .unwrap_or(BUCKET_BOUNDS.len())
}

/// Counts of one (day, item, channel) row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    pub submitted: i64,
    pub ended: i64,
    pub issued: i64,
    pub not_accepted: i64,
    pub denied: i64,
    pub withdrawn: i64,
    /// 即办件: issued on the day of submission.
    pub same_day: i64,
    /// 秒批: issued by the system.
    pub instant: i64,
    pub on_time_committed: i64,
    pub on_time_legal: i64,
    /// Correction requests (一次性告知补正).
    pub corrections: i64,
}

impl Counters {
    /// The counters in the store's column order, with their column names.
    pub const COLUMNS: [&'static str; 11] = [
        "submitted",
        "ended",
        "issued",
        "not_accepted",
        "denied",
        "withdrawn",
        "same_day",
        "instant",
        "on_time_committed",
        "on_time_legal",
        "corrections",
    ];

    pub fn values(&self) -> [i64; 11] {
        [
            self.submitted,
            self.ended,
            self.issued,
            self.not_accepted,
            self.denied,
            self.withdrawn,
            self.same_day,
            self.instant,
            self.on_time_committed,
            self.on_time_legal,
            self.corrections,
        ]
    }

    pub fn from_values(v: [i64; 11]) -> Counters {
        Counters {
            submitted: v[0],
            ended: v[1],
            issued: v[2],
            not_accepted: v[3],
            denied: v[4],
            withdrawn: v[5],
            same_day: v[6],
            instant: v[7],
            on_time_committed: v[8],
            on_time_legal: v[9],
            corrections: v[10],
        }
    }

    pub fn add(&mut self, other: &Counters) {
        let mut v = self.values();
        for (a, b) in v.iter_mut().zip(other.values()) {
            *a += b;
        }
        *self = Counters::from_values(v);
    }

    pub fn is_zero(&self) -> bool {
        self.values().iter().all(|v| *v == 0)
    }

    /// Cases decided by the bureau: ended, withdrawals left out.
    pub fn decided(&self) -> i64 {
        self.issued + self.not_accepted + self.denied
    }

    /// 即办件比例: same-day issues among issued cases.
    pub fn same_day_share(&self) -> Option<f64> {
        percent(self.same_day, self.issued)
    }

    /// 秒批 share among issued cases.
    pub fn instant_share(&self) -> Option<f64> {
        percent(self.instant, self.issued)
    }

    /// 承诺时限办结率.
    pub fn on_time_committed_rate(&self) -> Option<f64> {
        percent(self.on_time_committed, self.decided())
    }

    /// 法定时限办结率.
    pub fn on_time_legal_rate(&self) -> Option<f64> {
        percent(self.on_time_legal, self.decided())
    }
}

/// Ratings of one (day the case ended, item, channel, staff) row; deltas may be
/// negative (an upheld appeal moves a rating out of the statistics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RatingDelta {
    pub ended: i64,
    pub rated: i64,
    pub good: i64,
    pub bad: i64,
    pub voided: i64,
}

impl RatingDelta {
    pub fn add(&mut self, o: &RatingDelta) {
        self.ended += o.ended;
        self.rated += o.rated;
        self.good += o.good;
        self.bad += o.bad;
        self.voided += o.voided;
    }

    /// As the rating statistics count them (negative sums read as zero).
    pub fn counts(&self) -> crate::rating::RatingCounts {
        let u = |v: i64| u64::try_from(v).unwrap_or(0);
        crate::rating::RatingCounts {
            ended: u(self.ended),
            rated: u(self.rated),
            good: u(self.good),
            bad: u(self.bad),
            voided: u(self.voided),
        }
    }
}

/// A theme's bundles (一件事一次办): submitted on the day, or finished on it
/// (all issued, partly issued, stopped or refused), and finished within the
/// bundle's committed limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ThemeCounts {
    pub submitted: i64,
    pub finished: i64,
    pub issued: i64,
    pub partly: i64,
    pub stopped: i64,
    pub on_time: i64,
}

impl ThemeCounts {
    pub fn add(&mut self, o: &ThemeCounts) {
        self.submitted += o.submitted;
        self.finished += o.finished;
        self.issued += o.issued;
        self.partly += o.partly;
        self.stopped += o.stopped;
        self.on_time += o.on_time;
    }

    /// The share of finished bundles that ended within their limit.
    pub fn on_time_rate(&self) -> Option<f64> {
        percent(self.on_time, self.finished)
    }
}

/// (day, theme code, channel).
pub type ThemeKey = (NaiveDate, String, String);

/// A bundle of `theme` submitted at `at`.
pub fn of_bundle_submitted(
    theme: &str,
    channel: &str,
    at: DateTime<Utc>,
    calendar: &Calendar,
) -> Tally {
    let mut t = Tally::default();
    let key = (calendar.date_of(at), theme.to_string(), channel.to_string());
    t.themes.entry(key).or_default().submitted += 1;
    t
}

/// A bundle of `theme` finished at `at` with `status`, committed to end by
/// `deadline`; nothing for a status that is not final.
pub fn of_bundle_finished(
    theme: &str,
    channel: &str,
    status: crate::bundle::BundleStatus,
    deadline: DateTime<Utc>,
    at: DateTime<Utc>,
    calendar: &Calendar,
) -> Tally {
    use crate::bundle::BundleStatus as S;
    let mut t = Tally::default();
    let mut c = ThemeCounts {
        finished: 1,
        on_time: i64::from(at <= deadline),
        ..ThemeCounts::default()
    };
    match status {
        S::Issued => c.issued = 1,
        S::PartlyIssued => c.partly = 1,
        S::Stopped | S::Refused => c.stopped = 1,
        _ => return t,
    }
    let key = (calendar.date_of(at), theme.to_string(), channel.to_string());
    t.themes.insert(key, c);
    t
}

/// (day, item, channel).
pub type VolumeKey = (NaiveDate, String, String);
/// (day, item, stage or [`TOTAL`], bucket).
pub type TimeKey = (NaiveDate, String, String, usize);
/// (day, item, material code, defect).
pub type CorrectionKey = (NaiveDate, String, String, String);
/// (day, item, `not_accepted` or `denied`, reason).
pub type RefusalKey = (NaiveDate, String, String, String);
/// (day, item, channel, staff id or 0).
pub type RatingKey = (NaiveDate, String, String, i64);

/// The counts a step (or a whole history) adds, keyed in sorted order so that
/// every writer upserts its rows in the same order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub volume: BTreeMap<VolumeKey, Counters>,
    pub times: BTreeMap<TimeKey, i64>,
    pub corrections: BTreeMap<CorrectionKey, i64>,
    pub refusals: BTreeMap<RefusalKey, i64>,
    pub ratings: BTreeMap<RatingKey, RatingDelta>,
    pub themes: BTreeMap<ThemeKey, ThemeCounts>,
    pub hall: BTreeMap<crate::analytics_hall::HallKey, crate::analytics_hall::HallCounts>,
    pub hall_times: BTreeMap<crate::analytics_hall::HallTimeKey, i64>,
}

impl Tally {
    pub fn is_empty(&self) -> bool {
        self.volume.is_empty()
            && self.times.is_empty()
            && self.corrections.is_empty()
            && self.refusals.is_empty()
            && self.ratings.is_empty()
            && self.themes.is_empty()
            && self.hall.is_empty()
            && self.hall_times.is_empty()
    }

    pub fn merge(&mut self, other: Tally) {
        for (k, v) in other.volume {
            self.volume.entry(k).or_default().add(&v);
        }
        for (k, v) in other.times {
            *self.times.entry(k).or_default() += v;
        }
        for (k, v) in other.corrections {
            *self.corrections.entry(k).or_default() += v;
        }
        for (k, v) in other.refusals {
            *self.refusals.entry(k).or_default() += v;
        }
        for (k, v) in other.ratings {
            self.ratings.entry(k).or_default().add(&v);
        }
        for (k, v) in other.themes {
            self.themes.entry(k).or_default().add(&v);
        }
        for (k, v) in other.hall {
            self.hall.entry(k).or_default().add(&v);
        }
        for (k, v) in other.hall_times {
            *self.hall_times.entry(k).or_default() += v;
        }
    }

    fn count(&mut self, key: VolumeKey, f: impl FnOnce(&mut Counters)) {
        f(self.volume.entry(key).or_default());
    }
}

/// The day a case ended: its last update, as an ended case changes no more.
pub fn end_day(case: &Case, calendar: &Calendar) -> NaiveDate {
    calendar.date_of(case.updated_at)
}

/// What one step moves: `case` is the case after the step (for an ending step,
/// the case as it ends), `event` the step's event.
pub fn of_step(case: &Case, event: &CaseEvent, calendar: &Calendar) -> Tally {
    let mut t = Tally::default();
    let day = calendar.date_of(event.at);
    let item = case.item_code.clone();
    let channel = case.channel.as_str().to_string();
    let key = (day, item.clone(), channel.clone());
    if event.action == SUBMIT {
        t.count(key.clone(), |c| c.submitted += 1);
    }
    if event.action == Action::RequestCorrection.as_str() {
        t.count(key.clone(), |c| c.corrections += 1);
        // The case keeps its latest request: the one this step made.
        if let Some(request) = &case.correction
            && request.requested_at == event.at
        {
            for m in &request.list.materials {
                *t.corrections
                    .entry((
                        day,
                        item.clone(),
                        m.code.clone(),
                        m.defect.as_str().to_string(),
                    ))
                    .or_default() += 1;
            }
        }
    }
    let ends = event.to_status.is_closed() && event.from_status.is_none_or(|s| !s.is_closed());
    if ends {
        end(&mut t, case, event, key, calendar);
    }
    t
}

fn end(t: &mut Tally, case: &Case, event: &CaseEvent, key: VolumeKey, calendar: &Calendar) {
    let (day, item, channel) = key.clone();
    let status = event.to_status;
    let decided = matches!(
        status,
        CaseStatus::Issued | CaseStatus::NotAccepted | CaseStatus::Denied
    );
    let on_time = |deadline: Option<DateTime<Utc>>| deadline.is_none_or(|d| event.at <= d);
    t.count(key, |c| {
        c.ended += 1;
        match status {
            CaseStatus::Issued => {
                c.issued += 1;
                if calendar.date_of(case.submitted_at) == day {
                    c.same_day += 1;
                }
                if !case.handlers.is_empty() && case.handlers.values().all(|u| *u == SYSTEM_ACTOR) {
                    c.instant += 1;
                }
            }
            CaseStatus::NotAccepted => c.not_accepted += 1,
            CaseStatus::Denied => c.denied += 1,
            _ => c.withdrawn += 1,
        }
        if decided {
            c.on_time_committed += i64::from(on_time(case.deadline));
            c.on_time_legal += i64::from(on_time(case.legal_deadline));
        }
    });
    if matches!(status, CaseStatus::NotAccepted | CaseStatus::Denied) {
        let reason: String = event
            .opinion
            .as_deref()
            .unwrap_or("")
            .trim()
            .chars()
            .take(REASON_CHARS)
            .collect();
        *t.refusals
            .entry((day, item.clone(), status.as_str().to_string(), reason))
            .or_default() += 1;
    }
    if status == CaseStatus::Issued {
        let mut total = 0;
        for (stage, minutes) in &case.stage_minutes {
            total += minutes;
            *t.times
                .entry((
                    day,
                    item.clone(),
                    stage.as_str().to_string(),
                    bucket(*minutes),
                ))
                .or_default() += 1;
        }
        *t.times
            .entry((day, item.clone(), TOTAL.to_string(), bucket(total)))
            .or_default() += 1;
    }
    let staff = rated_staff(case).unwrap_or(0);
    t.ratings
        .entry((day, item, channel, staff))
        .or_default()
        .ended += 1;
}

/// A stored case's whole contribution: every event replayed against the case as
/// it stands. (Of the correction requests, only the latest still names its
/// materials; the earlier ones count without them.)
pub fn of_history(case: &Case, events: &[CaseEvent], calendar: &Calendar) -> Tally {
    let mut t = Tally::default();
    for e in events {
        t.merge(of_step(case, e, calendar));
    }
    t
}

/// The key of an ended case's rating row.
fn rating_key(case: &Case, calendar: &Calendar) -> RatingKey {
    (
        end_day(case, calendar),
        case.item_code.clone(),
        case.channel.as_str().to_string(),
        rated_staff(case).unwrap_or(0),
    )
}

/// What a rating of the ended `case` adds.
pub fn of_rating(case: &Case, level: RatingLevel, calendar: &Calendar) -> Tally {
    let mut t = Tally::default();
    t.ratings.insert(
        rating_key(case, calendar),
        RatingDelta {
            rated: 1,
            good: i64::from(!level.is_bad()),
            bad: i64::from(level.is_bad()),
            ..RatingDelta::default()
        },
    );
    t
}

/// What an upheld appeal of a rating of `level` changes: out of the statistics.
pub fn of_upheld_appeal(case: &Case, level: RatingLevel, calendar: &Calendar) -> Tally {
    let mut t = Tally::default();
    t.ratings.insert(
        rating_key(case, calendar),
        RatingDelta {
            good: -i64::from(!level.is_bad()),
            bad: -i64::from(level.is_bad()),
            voided: 1,
            ..RatingDelta::default()
        },
    );
    t
}

/// `part / whole` in per cent with one decimal; `None` without a whole.
pub fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// The `q`-quantile (0 < q ≤ 1) of the values counted in `buckets`, in working
/// minutes: interpolated inside the bucket it falls in; the open last bucket
/// answers its lower bound. `None` when nothing is counted.
pub fn quantile(buckets: &[i64; BUCKETS], q: f64) -> Option<f64> {
    quantile_in(&BUCKET_BOUNDS, buckets, q)
}

/// The `q`-quantile of `buckets` counted under `bounds` (one bucket per bound
/// and an open last one), as [`quantile`] reads it.
pub fn quantile_in(bounds: &[i64], buckets: &[i64], q: f64) -> Option<f64> {
    let n: i64 = buckets.iter().sum();
    if n <= 0 {
        return None;
    }
    let target = (q * n as f64).max(1.0);
    let mut seen = 0.0;
    for (i, count) in buckets.iter().enumerate() {
        let count = *count as f64;
        if count <= 0.0 {
            continue;
        }
        if seen + count >= target {
            let lower = if i == 0 {
                0
            } else {
                bounds.get(i - 1).copied().unwrap_or(0)
            } as f64;
            let Some(upper) = bounds.get(i) else {
                return Some(lower);
            };
            let within = (target - seen) / count;
            return Some(lower + (*upper as f64 - lower) * within);
        }
        seen += count;
    }
    bounds.last().map(|b| *b as f64)
}

/// Stage labels of the stage-time rows: a stage's name, or 全程 for the total.
pub fn stage_label_zh(stage: &str) -> &'static str {
    if stage == TOTAL {
        return "全程";
    }
    Stage::parse(stage).map_or("未知", Stage::label_zh)
}

#[cfg(test)]
#[path = "analytics_tests.rs"]
mod tests;
