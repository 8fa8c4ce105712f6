//! 大数据决策分析 and 过程实时监控: the figures of the dashboards, each summed
//! from the pre-aggregated rows (`AnalyticsStore`) over a period and a
//! department, for supervisors and administrators (every department) and
//! regulators (the departments of their profile); the hall display (no personal
//! data); and the rebuild of the rows from the stored cases.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

use onestamp_domain::analytics::{self, BUCKETS, Counters, RatingDelta};
use onestamp_domain::case::correction::Defect;
use onestamp_domain::case::{Channel, Stage, UserId};
use onestamp_domain::catalogue::Item;
use onestamp_domain::rating::RatingCounts;
use onestamp_domain::role::Role;
use onestamp_domain::supervision_feed as feed;

use crate::auth::Session;
use crate::ratings::{RatingStatistics, StatLine};
use crate::store::AnalyticsFilter;
use crate::{App, AppError};

/// Longest period a figure sums, in days.
pub const MAX_PERIOD_DAYS: i64 = 366;
/// Licences ending within this many days count as expiring.
pub const EXPIRING_DAYS: i64 = 30;
/// Refusal reasons listed, the most frequent first.
pub const MAX_REASONS: u32 = 50;

/// What a figure is asked for: a month (`yyyy-mm`) or a period (`from`, `to`,
/// both dates inclusive), and a department. Nothing given: this month so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnalyticsQuery {
    pub month: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub department: Option<String>,
}

/// The period and department a figure covers, as the pages and files show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scope {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The department filtered on, if any.
    pub department: Option<String>,
    pub department_name: Option<String>,
    /// `2026-03-01 至 2026-03-31`, and the department's name.
    pub label: String,
    #[serde(skip)]
    pub(crate) items: Option<Vec<String>>,
}

impl Scope {
    pub(crate) fn filter(&self) -> AnalyticsFilter {
        AnalyticsFilter {
            from: self.from,
            to: self.to,
            items: self.items.clone(),
        }
    }
}

/// Counters with their shares and rates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VolumeLine {
    /// The item code, department code, channel or day.
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub counters: Counters,
    /// 即办件比例, per cent of issued cases.
    pub same_day_share: Option<f64>,
    /// 秒批 share of issued cases.
    pub instant_share: Option<f64>,
    /// 承诺时限办结率 of decided cases.
    pub on_time_committed_rate: Option<f64>,
    /// 法定时限办结率 of decided cases.
    pub on_time_legal_rate: Option<f64>,
}

impl VolumeLine {
    fn new(key: String, label: String, counters: Counters) -> VolumeLine {
        VolumeLine {
            key,
            label,
            same_day_share: counters.same_day_share(),
            instant_share: counters.instant_share(),
            on_time_committed_rate: counters.on_time_committed_rate(),
            on_time_legal_rate: counters.on_time_legal_rate(),
            counters,
        }
    }
}

/// 办件量 and its shares and rates: in total and by item, department, channel, day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Volumes {
    pub scope: Scope,
    pub total: VolumeLine,
    pub by_item: Vec<VolumeLine>,
    pub by_department: Vec<VolumeLine>,
    pub by_channel: Vec<VolumeLine>,
    pub by_day: Vec<VolumeLine>,
}

/// Median and 90th percentile of working time, in working hours.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeLine {
    /// The stage (`total`: the whole case) or item code.
    pub key: String,
    pub label: String,
    /// Issued cases counted.
    pub cases: i64,
    pub median_hours: Option<f64>,
    pub p90_hours: Option<f64>,
}

/// Working time per stage and per item (whole case), of cases issued in the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Times {
    pub scope: Scope,
    pub by_stage: Vec<TimeLine>,
    pub by_item: Vec<TimeLine>,
}

/// Open tasks past their deadline of one person at one stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverdueLine {
    pub user_id: UserId,
    pub name: String,
    pub stage: Stage,
    pub stage_label: &'static str,
    pub tasks: i64,
}

/// Overdue open tasks now, per person and stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overdue {
    pub scope: Scope,
    pub total: i64,
    pub by_person: Vec<OverdueLine>,
}

/// A material of an item named by corrections, with its defect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CorrectionLine {
    pub item_code: String,
    pub item_name: String,
    pub material: String,
    pub material_name: String,
    pub defect: String,
    pub defect_label: &'static str,
    pub times: i64,
}

/// Correction requests per item, and the materials most often named.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Corrections {
    pub scope: Scope,
    pub by_item: Vec<VolumeLine>,
    pub materials: Vec<CorrectionLine>,
}

/// Refusals (不予受理) and denials (不予许可) with a reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RefusalLine {
    pub item_code: String,
    pub item_name: String,
    pub kind: String,
    pub kind_label: &'static str,
    pub reason: String,
    pub cases: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refusals {
    pub scope: Scope,
    pub not_accepted: i64,
    pub denied: i64,
    pub reasons: Vec<RefusalLine>,
}

/// 好评率, 差评率, 未评价率 of the cases that ended in the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ratings {
    pub scope: Scope,
    #[serde(flatten)]
    pub statistics: RatingStatistics,
}

/// Licences issued in the period, and valid, expiring and revoked now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Licences {
    pub scope: Scope,
    pub issued: i64,
    pub valid: i64,
    /// Valid licences ending within [`EXPIRING_DAYS`] days.
    pub expiring: i64,
    pub revoked: i64,
}

/// The hall display (过程实时监控): no personal data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Display {
    pub today: NaiveDate,
    /// Submitted today.
    pub intake_today: i64,
    /// Issued today.
    pub issued_today: i64,
    /// Cases submitted and not ended.
    pub in_progress: i64,
    /// 承诺时限办结率 of this month so far.
    pub on_time_rate: Option<f64>,
    /// Open tasks past their deadline.
    pub overdue: i64,
    /// 即办件比例 of this month so far.
    pub same_day_share: Option<f64>,
}

/// Every figure of one scope (the dashboard, the exports, the monthly report).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    pub scope: Scope,
    pub volumes: Volumes,
    pub times: Times,
    pub overdue: Overdue,
    pub corrections: Corrections,
    pub refusals: Refusals,
    pub ratings: Ratings,
    pub licences: Licences,
    pub themes: crate::analytics_themes::ThemeFigures,
    pub hall: crate::analytics_hall::HallFigures,
}

/// What a rebuild did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RebuildSummary {
    pub cases: u64,
    pub ratings: u64,
}

fn parse_date(s: &str, name: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid(format!("{name}应为日期，形如 2026-03-01")))
}

/// The first and last day of a `yyyy-mm` month.
pub fn month_range(month: &str) -> Result<(NaiveDate, NaiveDate), AppError> {
    let bad = || AppError::invalid("月份应形如 2026-03");
    let (y, m) = month.trim().split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 {
        return Err(bad());
    }
    let (y, m): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    let first = NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad)?;
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    }
    .ok_or_else(bad)?;
    Ok((first, next - Duration::days(1)))
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn hours(minutes: Option<f64>) -> Option<f64> {
    minutes.map(|m| (m / 60.0 * 10.0).round() / 10.0)
}

fn counts(d: &RatingDelta) -> RatingCounts {
    d.counts()
}

impl App {
    /// The items a session may see figures of, within `department` when given:
    /// `None` for every item.
    async fn analytics_reach(
        &self,
        session: Option<&Session>,
        department: Option<&str>,
        items: &[Item],
    ) -> Result<Option<Vec<String>>, AppError> {
        // No session: the operator at the command line, who reads everything.
        let covered: Option<Vec<String>> = match session {
            None => None,
            Some(s) if s.holds_any(Role::oversees) => None,
            Some(session) => {
                session.require(&[Role::Regulator])?;
                let deps = self.regulated_departments(session).await?;
                (!deps.iter().any(|d| d == "*")).then_some(deps)
            }
        };
        let regulated = |i: &Item| match &covered {
            None => true,
            Some(deps) => {
                feed::covers(deps, &i.department)
                    || i.supervising_department
                        .as_deref()
                        .is_some_and(|d| feed::covers(deps, d))
            }
        };
        if let (Some(d), Some(deps)) = (department, &covered)
            && !feed::covers(deps, d)
            && !items.iter().any(|i| i.department == d && regulated(i))
        {
            return Err(AppError::Forbidden("只能查看本部门的统计".into()));
        }
        if department.is_none() && covered.is_none() {
            return Ok(None);
        }
        Ok(Some(
            items
                .iter()
                .filter(|i| department.is_none_or(|d| i.department == d) && regulated(i))
                .map(|i| i.code.clone())
                .collect(),
        ))
    }

    pub(crate) async fn catalogue_items(&self) -> Result<Vec<Item>, AppError> {
        Ok(self
            .store
            .items()
            .await?
            .into_iter()
            .map(|i| i.item)
            .collect())
    }

    /// The departments a session may filter the figures on (a regulator's own).
    pub async fn analytics_departments(
        &self,
        session: &Session,
    ) -> Result<Vec<onestamp_domain::catalogue::Department>, AppError> {
        let all = self.store.departments().await?;
        if session.holds_any(Role::oversees) {
            return Ok(all);
        }
        session.require(&[Role::Regulator])?;
        let deps = self.regulated_departments(session).await?;
        Ok(all
            .into_iter()
            .filter(|d| feed::covers(&deps, &d.code))
            .collect())
    }

    /// The period and department of a query, checked, for this session.
    pub async fn analytics_scope(
        &self,
        session: &Session,
        query: &AnalyticsQuery,
    ) -> Result<Scope, AppError> {
        let items = self.catalogue_items().await?;
        self.scope_with(Some(session), query, &items).await
    }

    pub(crate) async fn scope_with(
        &self,
        session: Option<&Session>,
        query: &AnalyticsQuery,
        items: &[Item],
    ) -> Result<Scope, AppError> {
        let today = self.today();
        let (from, to) = match (
            nonempty(&query.month),
            nonempty(&query.from),
            nonempty(&query.to),
        ) {
            (Some(m), None, None) => month_range(m)?,
            (Some(_), _, _) => {
                return Err(AppError::invalid("月份与起止日期只能选一种"));
            }
            (None, from, to) => {
                let to = to
                    .map(|t| parse_date(t, "截止日期"))
                    .transpose()?
                    .unwrap_or(today);
                let from = match from {
                    Some(f) => parse_date(f, "起始日期")?,
                    None => to.with_day(1).unwrap_or(to),
                };
                (from, to)
            }
        };
        if from > to {
            return Err(AppError::invalid("起始日期不能晚于截止日期"));
        }
        if (to - from).num_days() >= MAX_PERIOD_DAYS {
            return Err(AppError::invalid(format!(
                "统计区间最长 {MAX_PERIOD_DAYS} 天"
            )));
        }
        let department = nonempty(&query.department).map(str::to_string);
        let department_name = match &department {
            None => None,
            Some(d) => Some(
                self.store
                    .departments()
                    .await?
                    .into_iter()
                    .find(|x| &x.code == d)
                    .map(|x| x.name)
                    .ok_or_else(|| AppError::invalid(format!("没有部门 {d}")))?,
            ),
        };
        let reach = self
            .analytics_reach(session, department.as_deref(), items)
            .await?;
        let mut label = format!("{from} 至 {to}");
        if let Some(n) = &department_name {
            label.push_str(&format!("，{n}"));
        }
        Ok(Scope {
            from,
            to,
            department,
            department_name,
            label,
            items: reach,
        })
    }

    pub async fn analytics_volumes(
        &self,
        session: &Session,
        query: &AnalyticsQuery,
    ) -> Result<Volumes, AppError> {
        let items = self.catalogue_items().await?;
        let scope = self.scope_with(Some(session), query, &items).await?;
        self.volumes_of(scope, &items).await
    }

    async fn volumes_of(&self, scope: Scope, items: &[Item]) -> Result<Volumes, AppError> {
        let filter = scope.filter();
        let rows = self.store.volume(&filter).await?;
        // A long period is drawn by month (its month rows), a short one by day.
        let monthly = (filter.to - filter.from).num_days() > 62;
        let by_day = if monthly {
            self.store.volume_by_month(&filter).await?
        } else {
            self.store.volume_by_day(&filter).await?
        };
        let names: HashMap<&str, &Item> = items.iter().map(|i| (i.code.as_str(), i)).collect();
        let departments: HashMap<String, String> = self
            .store
            .departments()
            .await?
            .into_iter()
            .map(|d| (d.code, d.name))
            .collect();
        let mut total = Counters::default();
        let mut by_item: BTreeMap<String, Counters> = BTreeMap::new();
        let mut by_department: BTreeMap<String, Counters> = BTreeMap::new();
        let mut by_channel: BTreeMap<String, Counters> = BTreeMap::new();
        for r in &rows {
            total.add(&r.counters);
            by_item
                .entry(r.item_code.clone())
                .or_default()
                .add(&r.counters);
            let dept = names
                .get(r.item_code.as_str())
                .map(|i| i.department.clone())
                .unwrap_or_default();
            by_department.entry(dept).or_default().add(&r.counters);
            by_channel
                .entry(r.channel.clone())
                .or_default()
                .add(&r.counters);
        }
        let item_label = |k: &str| {
            names
                .get(k)
                .map_or_else(|| k.to_string(), |i| i.name.clone())
        };
        Ok(Volumes {
            total: VolumeLine::new("total".into(), "合计".into(), total),
            by_item: by_item
                .into_iter()
                .map(|(k, c)| VolumeLine::new(k.clone(), item_label(&k), c))
                .collect(),
            by_department: by_department
                .into_iter()
                .map(|(k, c)| {
                    let label = departments.get(&k).cloned().unwrap_or_else(|| k.clone());
                    VolumeLine::new(k, label, c)
                })
                .collect(),
            by_channel: by_channel
                .into_iter()
                .map(|(k, c)| {
                    let label =
                        Channel::parse(&k).map_or_else(|| k.clone(), |c| c.label_zh().into());
                    VolumeLine::new(k, label, c)
                })
                .collect(),
            by_day: by_day
                .into_iter()
                .map(|(d, c)| {
                    if monthly {
                        VolumeLine::new(
                            d.format("%Y-%m").to_string(),
                            d.format("%Y年%-m月").to_string(),
                            c,
                        )
                    } else {
                        VolumeLine::new(d.to_string(), d.format("%m-%d").to_string(), c)
                    }
                })
                .collect(),
            scope,
        })
    }

    pub async fn analytics_times(
        &self,
        session: &Session,
        query: &AnalyticsQuery,
    ) -> Result<Times, AppError> {
        let items = self.catalogue_items().await?;
        let scope = self.scope_with(Some(session), query, &items).await?;
        self.times_of(scope, &items).await
    }

    async fn times_of(&self, scope: Scope, items: &[Item]) -> Result<Times, AppError> {
        let rows = self.store.stage_times(&scope.filter()).await?;
        let mut by_stage: BTreeMap<String, [i64; BUCKETS]> = BTreeMap::new();
        let mut by_item: BTreeMap<String, [i64; BUCKETS]> = BTreeMap::new();
        for r in &rows {
            if r.bucket >= BUCKETS {
                continue;
            }
            let slot = r.bucket;
            by_stage.entry(r.stage.clone()).or_insert([0; BUCKETS])[slot] += r.n;
            if r.stage == analytics::TOTAL {
                by_item.entry(r.item_code.clone()).or_insert([0; BUCKETS])[slot] += r.n;
            }
        }
        let line = |key: String, label: String, b: &[i64; BUCKETS]| TimeLine {
            key,
            label,
            cases: b.iter().sum(),
            median_hours: hours(analytics::quantile(b, 0.5)),
            p90_hours: hours(analytics::quantile(b, 0.9)),
        };
        let order = |s: &str| Stage::parse(s).map_or(usize::MAX, |st| st as usize);
        let mut stages: Vec<_> = by_stage.iter().collect();
        stages.sort_by_key(|(s, _)| order(s));
        let names: HashMap<&str, &str> = items
            .iter()
            .map(|i| (i.code.as_str(), i.name.as_str()))
            .collect();
        Ok(Times {
            by_stage: stages
                .into_iter()
                .map(|(s, b)| line(s.clone(), analytics::stage_label_zh(s).into(), b))
                .collect(),
            by_item: by_item
                .iter()
                .map(|(k, b)| {
                    line(
                        k.clone(),
                        names
                            .get(k.as_str())
                            .map_or_else(|| k.clone(), |n| n.to_string()),
                        b,
                    )
                })
                .collect(),
            scope,
        })
    }

    pub async fn analytics_overdue(
        &self,
        session: &Session,
        query: &AnalyticsQuery,
    ) -> Result<Overdue, AppError> {
        let items = self.catalogue_items().await?;
        let scope = self.scope_with(Some(session), query, &items).await?;
        self.overdue_of(scope).await
    }

    /// Names of staff by id, read at once.
    async fn staff_names(&self, ids: Vec<UserId>) -> Result<HashMap<UserId, String>, AppError> {
        let mut ids = ids;
        ids.sort_unstable();
        ids.dedup();
        Ok(self.store.display_names(&ids).await?.into_iter().collect())
    }

    async fn overdue_of(&self, scope: Scope) -> Result<Overdue, AppError> {
        // Overdue tasks are of now, whatever the period; a department filter
        // or a regulator's reach keeps the tasks of its items.
        let rows = self
            .store
            .overdue_by_holder(self.clock.now(), scope.items.as_deref())
            .await?;
        let names = self
            .staff_names(rows.iter().map(|(u, _, _)| *u).collect())
            .await?;
        let by_person: Vec<OverdueLine> = rows
            .into_iter()
            .map(|(user, stage, n)| OverdueLine {
                user_id: user,
                name: names
                    .get(&user)
                    .cloned()
                    .unwrap_or_else(|| format!("#{user}")),
                stage,
                stage_label: stage.label_zh(),
                tasks: n,
            })
            .collect();
        Ok(Overdue {
            total: by_person.iter().map(|l| l.tasks).sum(),
            by_person,
            scope,
        })
    }

    pub async fn analytics_corrections(
        &self,
        session: &Session,
        query: &AnalyticsQuery,
    ) -> Result<Corrections, AppError> {
        let items = self.catalogue_items().await?;
        let scope = self.scope_with(Some(session), query, &items).await?;
        self.corrections_of(scope, &items).await
    }

    async fn corrections_of(&self, scope: Scope, items: &[Item]) -> Result<Corrections, AppError> {
        let filter = scope.filter();
        let rows = self.store.correction_counts(&filter).await?;
        let volumes = self.store.volume(&filter).await?;
        let names: HashMap<&str, &Item> = items.iter().map(|i| (i.code.as_str(), i)).collect();
        let mut by_item: BTreeMap<String, Counters> = BTreeMap::new();
        for v in volumes {
            by_item.entry(v.item_code).or_default().add(&v.counters);
        }
        let item_name = |k: &str| {
            names
                .get(k)
                .map_or_else(|| k.to_string(), |i| i.name.clone())
        };
        Ok(Corrections {
            by_item: by_item
                .into_iter()
                .filter(|(_, c)| c.corrections > 0)
                .map(|(k, c)| VolumeLine::new(k.clone(), item_name(&k), c))
                .collect(),
            materials: rows
                .into_iter()
                .map(|r| {
                    let material_name = names
                        .get(r.item_code.as_str())
                        .and_then(|i| i.materials.iter().find(|m| m.code == r.key))
                        .map_or_else(|| r.key.clone(), |m| m.name.clone());
                    CorrectionLine {
                        item_name: item_name(&r.item_code),
                        item_code: r.item_code,
                        material: r.key,
                        material_name,
                        defect_label: Defect::parse(&r.detail).map_or("其他", Defect::label_zh),
                        defect: r.detail,
                        times: r.n,
                    }
                })
                .collect(),
            scope,
        })
    }

    pub async fn analytics_refusals(
        &self,
        session: &Session,
        query: &AnalyticsQuery,
    ) -> Result<Refusals, AppError> {
        let items = self.catalogue_items().await?;
        let scope = self.scope_with(Some(session), query, &items).await?;
        self.refusals_of(scope, &items).await
    }

    async fn refusals_of(&self, scope: Scope, items: &[Item]) -> Result<Refusals, AppError> {
        let rows = self
            .store
            .refusal_counts(&scope.filter(), MAX_REASONS)
            .await?;
        let names: HashMap<&str, &str> = items
            .iter()
            .map(|i| (i.code.as_str(), i.name.as_str()))
            .collect();
        let volumes = self.store.volume(&scope.filter()).await?;
        let mut total = Counters::default();
        for v in &volumes {
            total.add(&v.counters);
        }
        Ok(Refusals {
            not_accepted: total.not_accepted,
            denied: total.denied,
            reasons: rows
                .into_iter()
                .map(|r| RefusalLine {
                    item_name: names
                        .get(r.item_code.as_str())
                        .map_or_else(|| r.item_code.clone(), |n| n.to_string()),
                    item_code: r.item_code,
                    kind_label: if r.key == "denied" {
                        "不予许可"
                    } else {
                        "不予受理"
                    },
                    kind: r.key,
                    reason: r.detail,
                    cases: r.n,
                })
                .collect(),
            scope,
        })
    }

    pub async fn analytics_ratings(
        &self,
        session: &Session,
        query: &AnalyticsQuery,
    ) -> Result<Ratings, AppError> {
        let items = self.catalogue_items().await?;
        let scope = self.scope_with(Some(session), query, &items).await?;
        self.ratings_of(scope, &items).await
    }

    async fn ratings_of(&self, scope: Scope, items: &[Item]) -> Result<Ratings, AppError> {
        let rows = self.store.rating_rows(&scope.filter()).await?;
        let names: HashMap<&str, &Item> = items.iter().map(|i| (i.code.as_str(), i)).collect();
        let departments: HashMap<String, String> = self
            .store
            .departments()
            .await?
            .into_iter()
            .map(|d| (d.code, d.name))
            .collect();
        let mut total = RatingDelta::default();
        let mut by_item: BTreeMap<String, RatingDelta> = BTreeMap::new();
        let mut by_department: BTreeMap<String, RatingDelta> = BTreeMap::new();
        let mut by_staff: BTreeMap<Option<UserId>, RatingDelta> = BTreeMap::new();
        let mut by_channel: BTreeMap<String, RatingDelta> = BTreeMap::new();
        for r in &rows {
            total.add(&r.counts);
            by_item
                .entry(r.item_code.clone())
                .or_default()
                .add(&r.counts);
            let dept = names
                .get(r.item_code.as_str())
                .map(|i| i.department.clone())
                .unwrap_or_default();
            by_department.entry(dept).or_default().add(&r.counts);
            by_staff.entry(r.staff_id).or_default().add(&r.counts);
            by_channel
                .entry(r.channel.clone())
                .or_default()
                .add(&r.counts);
        }
        let staff_names = self
            .staff_names(by_staff.keys().flatten().copied().collect())
            .await?;
        let staff: Vec<StatLine> = by_staff
            .into_iter()
            .map(|(id, c)| {
                let (key, label) = match id {
                    Some(id) => (
                        id.to_string(),
                        staff_names
                            .get(&id)
                            .cloned()
                            .unwrap_or_else(|| format!("#{id}")),
                    ),
                    None => ("none".to_string(), "系统办理".to_string()),
                };
                StatLine::new(key, label, counts(&c))
            })
            .collect();
        Ok(Ratings {
            statistics: RatingStatistics {
                total: StatLine::new("total".into(), "合计".into(), counts(&total)),
                by_item: by_item
                    .into_iter()
                    .map(|(k, c)| {
                        let label = names
                            .get(k.as_str())
                            .map_or_else(|| k.clone(), |i| i.name.clone());
                        StatLine::new(k, label, counts(&c))
                    })
                    .collect(),
                by_department: by_department
                    .into_iter()
                    .map(|(k, c)| {
                        let label = departments.get(&k).cloned().unwrap_or_else(|| k.clone());
                        StatLine::new(k, label, counts(&c))
                    })
                    .collect(),
                by_staff: staff,
                by_channel: by_channel
                    .into_iter()
                    .map(|(k, c)| {
                        let label =
                            Channel::parse(&k).map_or_else(|| k.clone(), |c| c.label_zh().into());
                        StatLine::new(k, label, counts(&c))
                    })
                    .collect(),
            },
            scope,
        })
    }

    pub async fn analytics_licences(
        &self,
        session: &Session,
        query: &AnalyticsQuery,
    ) -> Result<Licences, AppError> {
        let items = self.catalogue_items().await?;
        let scope = self.scope_with(Some(session), query, &items).await?;
        self.licences_of(scope).await
    }

    async fn licences_of(&self, scope: Scope) -> Result<Licences, AppError> {
        let rows = self.store.volume(&scope.filter()).await?;
        let issued = rows.iter().map(|r| r.counters.issued).sum();
        let until = self.today() + Duration::days(EXPIRING_DAYS);
        let now = self
            .store
            .licence_counts(until, scope.items.as_deref())
            .await?;
        Ok(Licences {
            issued,
            valid: now.valid,
            expiring: now.expiring,
            revoked: now.revoked,
            scope,
        })
    }

    /// Every figure of one scope.
    pub async fn analytics_dashboard(
        &self,
        session: &Session,
        query: &AnalyticsQuery,
    ) -> Result<Dashboard, AppError> {
        self.dashboard_as(Some(session), query).await
    }

    async fn dashboard_as(
        &self,
        session: Option<&Session>,
        query: &AnalyticsQuery,
    ) -> Result<Dashboard, AppError> {
        let items = self.catalogue_items().await?;
        let scope = self.scope_with(session, query, &items).await?;
        Ok(Dashboard {
            volumes: self.volumes_of(scope.clone(), &items).await?,
            times: self.times_of(scope.clone(), &items).await?,
            overdue: self.overdue_of(scope.clone()).await?,
            corrections: self.corrections_of(scope.clone(), &items).await?,
            refusals: self.refusals_of(scope.clone(), &items).await?,
            ratings: self.ratings_of(scope.clone(), &items).await?,
            licences: self.licences_of(scope.clone()).await?,
            themes: self.themes_of(scope.clone()).await?,
            hall: self.hall_of(scope.clone()).await?,
            scope,
        })
    }

    /// 月度统计报告: every figure of `month` (`yyyy-mm`), for a department when
    /// given, as an A4 PDF sealed with the bureau's seal; `None` as session is
    /// the operator at the command line. Returns the file name and the PDF.
    pub async fn monthly_report(
        &self,
        session: Option<&Session>,
        month: &str,
        department: Option<String>,
    ) -> Result<(String, Vec<u8>), AppError> {
        let query = AnalyticsQuery {
            month: Some(month.to_string()),
            department,
            ..AnalyticsQuery::default()
        };
        let d = self.dashboard_as(session, &query).await?;
        let bureau = self.settings.bureau_name.clone();
        let content = onestamp_certificate::ReportContent {
            title: format!(
                "{bureau}政务服务月度统计报告（{}年{}月）",
                d.scope.from.year(),
                d.scope.from.month()
            ),
            scope: d.scope.label.clone(),
            headline: crate::report::headline(&d)
                .into_iter()
                .map(|(l, v)| (l.to_string(), v))
                .collect(),
            tables: crate::report::tables(&d)
                .into_iter()
                .map(|t| onestamp_certificate::ReportTable {
                    title: t.title.to_string(),
                    headers: t.headers.iter().map(|h| h.to_string()).collect(),
                    rows: t
                        .rows
                        .into_iter()
                        .map(|r| r.into_iter().map(|c| c.text).collect())
                        .collect(),
                })
                .collect(),
            issuer: bureau.clone(),
            issued_on: self.today(),
        };
        let sealing = self.sealing()?.clone();
        let canonical = onestamp_certificate::report_canonical_bytes(&content);
        let signature = sealing.seal.sign(&canonical).map_err(AppError::sealing)?;
        let verify_line = format!(
            "本报告由{bureau}以电子印章（SM2/SM3，密钥 {}）签章，签名 {}…",
            sealing.seal.key_id(),
            signature.chars().take(24).collect::<String>()
        );
        let name = format!(
            "onestamp-report-{month}{}.pdf",
            d.scope
                .department
                .as_deref()
                .map(|d| format!("-{d}"))
                .unwrap_or_default()
        );
        let pdf = tokio::task::spawn_blocking(move || {
            let font = sealing.font.get_or_init(|| {
                onestamp_certificate::FontSource::system().map_err(|e| e.to_string())
            });
            let font = font.as_ref().map_err(|e| AppError::rendering(e.clone()))?;
            onestamp_certificate::render_report_pdf(&content, &bureau, &verify_line, font)
                .map_err(AppError::rendering)
        })
        .await
        .map_err(AppError::rendering)??;
        Ok((name, pdf))
    }
}
