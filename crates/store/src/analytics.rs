//! 大数据决策分析: the pre-aggregated rows, upserted (`n = n + excluded.n`) in
//! the transaction of each change, in key order (the tally's maps are sorted,
//! so concurrent writers on PostgreSQL lock shared rows in one order), and the
//! sums the figures read: a day range of small rows, never the cases.
//!
//! Every row is written twice: under its day (`YYYY-MM-DD`) and under its
//! month (`YYYY-MM`), which holds the month's sum. A period reads the month
//! rows of the whole months it covers and the day rows of the days at either
//! end, so a year is twelve rows per key instead of 365. The hall's rows are
//! in [`crate::analytics_hall`].

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sqlx::AnyConnection;

use onestamp_app::store::{
    AnalyticsFilter, KeyedCount, LicenceCounts, RatedCase, RatingRow, TimeRow, VolumeRow,
};
use onestamp_domain::analytics::{Counters, RatingDelta, Tally, ThemeCounts};
use onestamp_domain::case::{Stage, UserId};

use crate::codec::{millis, parse_enum};
use crate::db::{Db, R, Sql, corrupt, work};

/// Rows per multi-row upsert (at most 14 values a row).
const ROWS: usize = 500;

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn month_text(day: NaiveDate) -> String {
    day.format("%Y-%m").to_string()
}

/// The rows of `map` under their day and again under their month, summed;
/// sorted, so that concurrent writers lock shared rows in one order.
pub(crate) fn periods<K, R: Ord + Clone, V: Default>(
    map: &BTreeMap<K, V>,
    split: impl Fn(&K) -> (NaiveDate, R),
    add: impl Fn(&mut V, &V),
) -> BTreeMap<(String, R), V> {
    let mut out: BTreeMap<(String, R), V> = BTreeMap::new();
    for (k, v) in map {
        let (day, rest) = split(k);
        add(out.entry((day_text(day), rest.clone())).or_default(), v);
        add(out.entry((month_text(day), rest)).or_default(), v);
    }
    out
}

fn parse_day(s: &str) -> R<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| corrupt(format!("analytics day '{s}'")))
}

/// Adds `tally` to the rows, inside the caller's transaction.
pub(crate) async fn write(conn: &mut AnyConnection, tally: &Tally) -> R<()> {
    let volume = periods(
        &tally.volume,
        |(day, item, channel)| (*day, (item.clone(), channel.clone())),
        Counters::add,
    );
    let volume: Vec<_> = volume.iter().filter(|(_, c)| !c.is_zero()).collect();
    let cols = Counters::COLUMNS;
    for chunk in volume.chunks(ROWS) {
        let mut b = Sql::new(format!(
            "INSERT INTO analytics_volume (day, item_code, channel, {}) VALUES ",
            cols.join(", ")
        ));
        b.values(chunk, |row, ((day, (item, channel)), c)| {
            row.bind(day.clone())
                .bind(item.clone())
                .bind(channel.clone());
            for v in c.values() {
                row.bind(v);
            }
        });
        let set: Vec<String> = cols
            .iter()
            .map(|c| format!("{c} = analytics_volume.{c} + excluded.{c}"))
            .collect();
        b.push(&format!(
            " ON CONFLICT (day, item_code, channel) DO UPDATE SET {}",
            set.join(", ")
        ));
        b.execute(&mut *conn).await?;
    }
    let add = |a: &mut i64, b: &i64| *a += *b;
    let times = periods(
        &tally.times,
        |(day, item, stage, bucket)| (*day, (item.clone(), stage.clone(), *bucket)),
        add,
    );
    let times: Vec<_> = times.iter().collect();
    for chunk in times.chunks(ROWS) {
        let mut b =
            Sql::new("INSERT INTO analytics_times (day, item_code, stage, bucket, n) VALUES ");
        b.values(chunk, |row, ((day, (item, stage, bucket)), n)| {
            row.bind(day.clone())
                .bind(item.clone())
                .bind(stage.clone())
                .bind(i64::try_from(*bucket).unwrap_or(0))
                .bind(**n);
        });
        b.push(
            " ON CONFLICT (day, item_code, stage, bucket) DO UPDATE SET n = analytics_times.n + excluded.n",
        );
        b.execute(&mut *conn).await?;
    }
    for (table, key, map) in [
        (
            "analytics_corrections",
            "material, defect",
            &tally.corrections,
        ),
        ("analytics_refusals", "kind, reason", &tally.refusals),
    ] {
        let rows = periods(
            map,
            |(day, item, a, d)| (*day, (item.clone(), a.clone(), d.clone())),
            add,
        );
        let rows: Vec<_> = rows.iter().collect();
        for chunk in rows.chunks(ROWS) {
            let mut b = Sql::new(format!(
                "INSERT INTO {table} (day, item_code, {key}, n) VALUES "
            ));
            b.values(chunk, |row, ((day, (item, a, d)), n)| {
                row.bind(day.clone())
                    .bind(item.clone())
                    .bind(a.clone())
                    .bind(d.clone())
                    .bind(**n);
            });
            b.push(&format!(
                " ON CONFLICT (day, item_code, {key}) DO UPDATE SET n = {table}.n + excluded.n"
            ));
            b.execute(&mut *conn).await?;
        }
    }
    let ratings = periods(
        &tally.ratings,
        |(day, item, channel, staff)| (*day, (item.clone(), channel.clone(), *staff)),
        RatingDelta::add,
    );
    let ratings: Vec<_> = ratings.iter().collect();
    for chunk in ratings.chunks(ROWS) {
        let mut b = Sql::new(
            "INSERT INTO analytics_ratings (day, item_code, channel, staff_id, ended, rated, good,
                 bad, voided) VALUES ",
        );
        b.values(chunk, |row, ((day, (item, channel, staff)), r)| {
            row.bind(day.clone())
                .bind(item.clone())
                .bind(channel.clone())
                .bind(*staff)
                .bind(r.ended)
                .bind(r.rated)
                .bind(r.good)
                .bind(r.bad)
                .bind(r.voided);
        });
        b.push(
            " ON CONFLICT (day, item_code, channel, staff_id) DO UPDATE SET
                 ended = analytics_ratings.ended + excluded.ended,
                 rated = analytics_ratings.rated + excluded.rated,
                 good = analytics_ratings.good + excluded.good,
                 bad = analytics_ratings.bad + excluded.bad,
                 voided = analytics_ratings.voided + excluded.voided",
        );
        b.execute(&mut *conn).await?;
    }
    let themes = periods(
        &tally.themes,
        |(day, theme, channel)| (*day, (theme.clone(), channel.clone())),
        ThemeCounts::add,
    );
    let themes: Vec<_> = themes.iter().collect();
    for chunk in themes.chunks(ROWS) {
        let mut b = Sql::new(
            "INSERT INTO analytics_themes (day, theme_code, channel, submitted, finished, issued,
                 partly, stopped, on_time) VALUES ",
        );
        b.values(chunk, |row, ((day, (theme, channel)), c)| {
            row.bind(day.clone())
                .bind(theme.clone())
                .bind(channel.clone())
                .bind(c.submitted)
                .bind(c.finished)
                .bind(c.issued)
                .bind(c.partly)
                .bind(c.stopped)
                .bind(c.on_time);
        });
        b.push(
            " ON CONFLICT (day, theme_code, channel) DO UPDATE SET
                 submitted = analytics_themes.submitted + excluded.submitted,
                 finished = analytics_themes.finished + excluded.finished,
                 issued = analytics_themes.issued + excluded.issued,
                 partly = analytics_themes.partly + excluded.partly,
                 stopped = analytics_themes.stopped + excluded.stopped,
                 on_time = analytics_themes.on_time + excluded.on_time",
        );
        b.execute(&mut *conn).await?;
    }
    crate::analytics_hall::write(conn, tally).await
}

/// Whole months beyond this many are read by a range of month keys (which
/// walks the day rows between them too) instead of a list of exact keys.
const LISTED_MONTHS: i64 = 36;

/// The whole months of a period: their keys, or the first and last key.
#[derive(Debug, PartialEq)]
enum Months {
    Listed(Vec<String>),
    Between(String, String),
}

/// The keys of `[from, to]`: the month rows of the whole months, and a day
/// range (within one month, so never holding a month key) at either end.
fn period_keys(from: NaiveDate, to: NaiveDate) -> (Months, Vec<(NaiveDate, NaiveDate)>) {
    let start_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    let end_of = |d: NaiveDate| {
        start_of(d)
            .checked_add_months(chrono::Months::new(1))
            .and_then(|n| n.pred_opt())
            .unwrap_or(d)
    };
    let mut ranges = Vec::new();
    if from > to {
        return (Months::Listed(Vec::new()), ranges);
    }
    if start_of(from) == start_of(to) {
        // One month: whole, or the days asked.
        if from.day() == 1 && to == end_of(to) {
            return (Months::Listed(vec![month_text(from)]), ranges);
        }
        ranges.push((from, to));
        return (Months::Listed(Vec::new()), ranges);
    }
    let full_start = if from.day() == 1 {
        from
    } else {
        ranges.push((from, end_of(from)));
        end_of(from).succ_opt().unwrap_or(from)
    };
    let full_end = if to == end_of(to) {
        to
    } else {
        ranges.push((start_of(to), to));
        start_of(to).pred_opt().unwrap_or(to)
    };
    let index = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
    if full_start <= full_end && index(full_end) - index(full_start) >= LISTED_MONTHS {
        let months = Months::Between(month_text(full_start), month_text(full_end));
        return (months, ranges);
    }
    (Months::Listed(month_keys(full_start, full_end)), ranges)
}

/// The month keys from `from`'s month to `to`'s, in order.
fn month_keys(from: NaiveDate, to: NaiveDate) -> Vec<String> {
    let mut months = Vec::new();
    let mut cur = from.with_day(1).unwrap_or(from);
    while cur <= to {
        months.push(month_text(cur));
        match cur.checked_add_months(chrono::Months::new(1)) {
            Some(n) => cur = n,
            None => break,
        }
    }
    months
}

/// `day IN (…)` of these keys.
fn day_in(b: &mut Sql, keys: Vec<String>) {
    b.push("day IN (");
    for (i, k) in keys.into_iter().enumerate() {
        if i > 0 {
            b.push(", ");
        }
        b.bind(k);
    }
    b.push(")");
}

fn items_in(b: &mut Sql, items: Option<&[String]>) {
    if let Some(items) = items {
        if items.is_empty() {
            b.push(" AND 1 = 0");
        } else {
            b.push(" AND item_code IN (");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    b.push(", ");
                }
                b.bind(item.clone());
            }
            b.push(")");
        }
    }
}

/// `WHERE` the filter's period (month rows and day rows, never both for one
/// day) `AND item_code IN (…)`.
pub(crate) fn filtered(b: &mut Sql, f: &AnalyticsFilter) {
    let (months, ranges) = period_keys(f.from, f.to);
    // Only the terms there are, joined by OR: a constant false term in front
    // (`1 = 0 OR …`) keeps SQLite from reading `day` by the index.
    let mut terms = 0;
    let mut or = |b: &mut Sql| {
        b.push(if terms == 0 { " WHERE (" } else { " OR " });
        terms += 1;
    };
    match months {
        Months::Between(first, last) => {
            or(b);
            b.push("(length(day) = 7 AND day >= ")
                .bind(first)
                .push(" AND day <= ")
                .bind(last)
                .push(")");
        }
        Months::Listed(months) if !months.is_empty() => {
            or(b);
            day_in(b, months);
        }
        Months::Listed(_) => {}
    }
    for (a, z) in ranges {
        or(b);
        b.push("(day >= ")
            .bind(day_text(a))
            .push(" AND day <= ")
            .bind(day_text(z))
            .push(")");
    }
    if terms == 0 {
        b.push(" WHERE (1 = 0");
    }
    b.push(")");
    items_in(b, f.items.as_deref());
}

/// `WHERE` the day rows (or the month rows) of the filter's period.
fn filtered_series(b: &mut Sql, f: &AnalyticsFilter, monthly: bool) {
    let (from, to, width) = if monthly {
        (month_text(f.from), month_text(f.to), 7)
    } else {
        (day_text(f.from), day_text(f.to), 10)
    };
    b.push(" WHERE day >= ")
        .bind(from)
        .push(" AND day <= ")
        .bind(to)
        .push(&format!(" AND length(day) = {width}"));
    items_in(b, f.items.as_deref());
}

fn sums() -> String {
    Counters::COLUMNS
        .iter()
        .map(|c| format!("CAST(COALESCE(sum({c}), 0) AS BIGINT) AS {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A sum of counters with up to two keys (`k1`, `k2`; empty when unused).
#[derive(sqlx::FromRow)]
struct SumRow {
    k1: String,
    k2: String,
    submitted: i64,
    ended: i64,
    issued: i64,
    not_accepted: i64,
    denied: i64,
    withdrawn: i64,
    same_day: i64,
    instant: i64,
    on_time_committed: i64,
    on_time_legal: i64,
    corrections: i64,
}

impl SumRow {
    fn counters(&self) -> Counters {
        Counters {
            submitted: self.submitted,
            ended: self.ended,
            issued: self.issued,
            not_accepted: self.not_accepted,
            denied: self.denied,
            withdrawn: self.withdrawn,
            same_day: self.same_day,
            instant: self.instant,
            on_time_committed: self.on_time_committed,
            on_time_legal: self.on_time_legal,
            corrections: self.corrections,
        }
    }
}

pub(crate) async fn volume(db: &Db, f: &AnalyticsFilter) -> R<Vec<VolumeRow>> {
    let mut b = Sql::new(format!(
        "SELECT item_code AS k1, channel AS k2, {} FROM analytics_volume",
        sums()
    ));
    filtered(&mut b, f);
    b.push(" GROUP BY item_code, channel ORDER BY item_code, channel");
    let rows: Vec<SumRow> = b.fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| VolumeRow {
            counters: r.counters(),
            item_code: r.k1,
            channel: r.k2,
        })
        .collect())
}

pub(crate) async fn volume_by_day(db: &Db, f: &AnalyticsFilter) -> R<Vec<(NaiveDate, Counters)>> {
    series(db, f, false).await
}

/// Counters per month, each under its first day.
pub(crate) async fn volume_by_month(db: &Db, f: &AnalyticsFilter) -> R<Vec<(NaiveDate, Counters)>> {
    series(db, f, true).await
}

async fn series(db: &Db, f: &AnalyticsFilter, monthly: bool) -> R<Vec<(NaiveDate, Counters)>> {
    let mut b = Sql::new(format!(
        "SELECT day AS k1, '' AS k2, {} FROM analytics_volume",
        sums()
    ));
    filtered_series(&mut b, f, monthly);
    b.push(" GROUP BY day ORDER BY day");
    let rows: Vec<SumRow> = b.fetch_all(db).await?;
    rows.iter()
        .map(|r| {
            let day = if monthly {
                parse_day(&format!("{}-01", r.k1))?
            } else {
                parse_day(&r.k1)?
            };
            Ok((day, r.counters()))
        })
        .collect()
}

/// The counters of every month ever, each case counted once (the open cases
/// are submitted minus ended), from the month rows read by their keys from
/// the first month to the last: a row per month, item and channel, never the
/// day rows or the case table (whose open rows, always changing, an index
/// cannot count without visiting them).
pub(crate) async fn volume_all_time(db: &Db) -> R<Counters> {
    let (first, last): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT min(day), max(day) FROM analytics_volume")
            .fetch_one(&db.read)
            .await?;
    let month = |key: Option<String>| -> R<Option<NaiveDate>> {
        key.map(|k| parse_day(&format!("{}-01", k.get(..7).unwrap_or(&k))))
            .transpose()
    };
    let (Some(first), Some(last)) = (month(first)?, month(last)?) else {
        return Ok(Counters::default());
    };
    let mut b = Sql::new(format!(
        "SELECT '' AS k1, '' AS k2, {} FROM analytics_volume WHERE ",
        sums()
    ));
    day_in(&mut b, month_keys(first, last));
    let rows: Vec<SumRow> = b.fetch_all(db).await?;
    Ok(rows.first().map(SumRow::counters).unwrap_or_default())
}

pub(crate) async fn stage_times(db: &Db, f: &AnalyticsFilter) -> R<Vec<TimeRow>> {
    let mut b = Sql::new(
        "SELECT item_code, stage, bucket, CAST(sum(n) AS BIGINT) AS n FROM analytics_times",
    );
    filtered(&mut b, f);
    b.push(" GROUP BY item_code, stage, bucket ORDER BY item_code, stage, bucket");
    let rows: Vec<(String, String, i64, i64)> = b.fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(item_code, stage, bucket, n)| TimeRow {
            item_code,
            stage,
            bucket: usize::try_from(bucket).unwrap_or(0),
            n,
        })
        .collect())
}

async fn keyed(
    db: &Db,
    table: &str,
    key: &str,
    f: &AnalyticsFilter,
    limit: Option<u32>,
) -> R<Vec<KeyedCount>> {
    let mut b = Sql::new(format!(
        "SELECT item_code, {key}, CAST(sum(n) AS BIGINT) AS n FROM {table}"
    ));
    filtered(&mut b, f);
    b.push(&format!(
        " GROUP BY item_code, {key} HAVING sum(n) > 0 ORDER BY n DESC, item_code, {key}"
    ));
    if let Some(limit) = limit {
        b.push(" LIMIT ").bind(i64::from(limit));
    }
    let rows: Vec<(String, String, String, i64)> = b.fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(item_code, key, detail, n)| KeyedCount {
            item_code,
            key,
            detail,
            n,
        })
        .collect())
}

pub(crate) async fn corrections(db: &Db, f: &AnalyticsFilter) -> R<Vec<KeyedCount>> {
    keyed(db, "analytics_corrections", "material, defect", f, None).await
}

pub(crate) async fn refusals(db: &Db, f: &AnalyticsFilter, limit: u32) -> R<Vec<KeyedCount>> {
    keyed(db, "analytics_refusals", "kind, reason", f, Some(limit)).await
}

/// item, channel, staff, ended, rated, good, bad, voided.
type RatingSums = (String, String, i64, i64, i64, i64, i64, i64);

pub(crate) async fn ratings(db: &Db, f: &AnalyticsFilter) -> R<Vec<RatingRow>> {
    let mut b = Sql::new(
        "SELECT item_code, channel, staff_id, CAST(sum(ended) AS BIGINT),
             CAST(sum(rated) AS BIGINT), CAST(sum(good) AS BIGINT), CAST(sum(bad) AS BIGINT),
             CAST(sum(voided) AS BIGINT) FROM analytics_ratings",
    );
    filtered(&mut b, f);
    b.push(" GROUP BY item_code, channel, staff_id ORDER BY item_code, channel, staff_id");
    let rows: Vec<RatingSums> = b.fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(
            |(item_code, channel, staff, ended, rated, good, bad, voided)| RatingRow {
                item_code,
                channel,
                staff_id: (staff != 0).then_some(staff),
                counts: RatingDelta {
                    ended,
                    rated,
                    good,
                    bad,
                    voided,
                },
            },
        )
        .collect())
}

/// theme, channel, submitted, finished, issued, partly, stopped, on time.
type ThemeSums = (String, String, i64, i64, i64, i64, i64, i64);

/// A theme's counts per theme and channel over the filter's period (its
/// `items` are not used: themes cross departments).
pub(crate) async fn theme_counts(
    db: &Db,
    f: &AnalyticsFilter,
) -> R<Vec<(String, String, ThemeCounts)>> {
    let unfiltered = AnalyticsFilter {
        items: None,
        ..f.clone()
    };
    let mut b = Sql::new(
        "SELECT theme_code, channel, CAST(sum(submitted) AS BIGINT), CAST(sum(finished) AS BIGINT),
             CAST(sum(issued) AS BIGINT), CAST(sum(partly) AS BIGINT),
             CAST(sum(stopped) AS BIGINT), CAST(sum(on_time) AS BIGINT) FROM analytics_themes",
    );
    filtered(&mut b, &unfiltered);
    b.push(" GROUP BY theme_code, channel ORDER BY theme_code, channel");
    let rows: Vec<ThemeSums> = b.fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(
            |(theme, channel, submitted, finished, issued, partly, stopped, on_time)| {
                (
                    theme,
                    channel,
                    ThemeCounts {
                        submitted,
                        finished,
                        issued,
                        partly,
                        stopped,
                        on_time,
                    },
                )
            },
        )
        .collect())
}

/// Reads `cases_open_task_deadline`: only the open tasks already late, of
/// the given items when there are any.
pub(crate) async fn overdue_by_holder(
    db: &Db,
    now: DateTime<Utc>,
    items: Option<&[String]>,
) -> R<Vec<(UserId, Stage, i64)>> {
    let mut b = Sql::new(
        "SELECT task_assignee, task_stage, count(*) FROM cases
         WHERE task_assignee IS NOT NULL AND task_deadline < ",
    );
    b.bind(millis(now));
    items_in(&mut b, items);
    b.push(" GROUP BY task_assignee, task_stage ORDER BY 3 DESC, 1, 2");
    let rows: Vec<(i64, String, i64)> = b.fetch_all(db).await?;
    rows.into_iter()
        .map(|(user, stage, n)| Ok((user, parse_enum(&stage, Stage::parse, "stage")?, n)))
        .collect()
}

pub(crate) async fn overdue_count(db: &Db, now: DateTime<Utc>) -> R<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM cases WHERE task_assignee IS NOT NULL AND task_deadline < $1",
    )
    .bind(millis(now))
    .fetch_one(&db.read)
    .await?;
    Ok(n)
}

pub(crate) async fn display_names(db: &Db, ids: &[UserId]) -> R<Vec<(UserId, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut b = Sql::new("SELECT id, display_name FROM users WHERE id IN (");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            b.push(", ");
        }
        b.bind(*id);
    }
    b.push(")");
    b.fetch_all(db).await
}

/// Valid, expiring by `until` and revoked licences, of the given items when
/// there are any: sums of `analytics_licences`, a row per status, item and
/// expiry day.
pub(crate) async fn licence_counts(
    db: &Db,
    until: NaiveDate,
    items: Option<&[String]>,
) -> R<LicenceCounts> {
    let count = |status: &str, expiring: bool| {
        let mut b = Sql::new(
            "SELECT CAST(COALESCE(sum(n), 0) AS BIGINT) FROM analytics_licences WHERE status = ",
        );
        b.bind(status.to_string());
        items_in(&mut b, items);
        if expiring {
            b.push(" AND valid_until <> '' AND valid_until <= ")
                .bind(day_text(until));
        }
        b
    };
    let one = |rows: Vec<(i64,)>| rows.first().map_or(0, |r| r.0);
    Ok(LicenceCounts {
        valid: one(count("valid", false).fetch_all(db).await?),
        expiring: one(count("valid", true).fetch_all(db).await?),
        revoked: one(count("revoked", false).fetch_all(db).await?),
    })
}

pub(crate) async fn rated_cases(db: &Db) -> R<Vec<RatedCase>> {
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT r.case_id, r.level, count(a.id) FROM ratings r
         LEFT JOIN rating_appeals a ON a.rating_id = r.id AND a.status = 'upheld'
         GROUP BY r.case_id, r.level ORDER BY r.case_id",
    )
    .fetch_all(&db.read)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(case_id, level, upheld)| RatedCase {
            case_id,
            level,
            voided: upheld > 0,
        })
        .collect())
}

pub(crate) async fn replace(db: &Db, tally: Tally) -> R<()> {
    db.write(work(move |c| {
        Box::pin(async move {
            for table in [
                "analytics_volume",
                "analytics_times",
                "analytics_corrections",
                "analytics_refusals",
                "analytics_ratings",
                "analytics_themes",
                "analytics_hall",
                "analytics_hall_times",
                "analytics_licences",
            ] {
                sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
                    .execute(&mut *c)
                    .await?;
            }
            write(c, &tally).await?;
            crate::licences::recount(c).await?;
            sqlx::query("UPDATE analytics_state SET stale = 0 WHERE id = 1")
                .execute(&mut *c)
                .await?;
            Ok(())
        })
    }))
    .await
}

pub(crate) async fn stale(db: &Db) -> R<bool> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT stale FROM analytics_state WHERE id = 1")
        .fetch_optional(&db.read)
        .await?;
    Ok(row.is_some_and(|(s,)| s != 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn a_period_reads_whole_months_by_their_key_and_its_ends_by_day() {
        assert_eq!(
            period_keys(d(2026, 3, 5), d(2026, 3, 20)),
            (
                Months::Listed(vec![]),
                vec![(d(2026, 3, 5), d(2026, 3, 20))]
            )
        );
        assert_eq!(
            period_keys(d(2026, 2, 27), d(2026, 4, 2)),
            (
                Months::Listed(vec!["2026-03".into()]),
                vec![
                    (d(2026, 2, 27), d(2026, 2, 28)),
                    (d(2026, 4, 1), d(2026, 4, 2))
                ]
            )
        );
        let (months, ranges) = period_keys(d(2026, 1, 1), d(2026, 12, 31));
        assert_eq!(
            months,
            Months::Listed((1..=12).map(|m| format!("2026-{m:02}")).collect())
        );
        assert!(ranges.is_empty());
        assert_eq!(
            period_keys(d(1, 1, 1), d(9999, 12, 31)),
            (Months::Between("0001-01".into(), "9999-12".into()), vec![])
        );
        assert_eq!(
            period_keys(d(2026, 3, 1), d(2026, 3, 2)),
            (Months::Listed(vec![]), vec![(d(2026, 3, 1), d(2026, 3, 2))])
        );
        assert_eq!(
            period_keys(d(2026, 3, 1), d(2026, 3, 31)),
            (Months::Listed(vec!["2026-03".into()]), vec![])
        );
        assert_eq!(
            period_keys(d(2026, 3, 1), d(2026, 4, 15)),
            (
                Months::Listed(vec!["2026-03".into()]),
                vec![(d(2026, 4, 1), d(2026, 4, 15))]
            )
        );
        assert_eq!(
            period_keys(d(2026, 3, 2), d(2026, 3, 1)),
            (Months::Listed(vec![]), vec![])
        );
    }
}
