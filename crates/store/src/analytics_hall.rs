//! The service hall's analytics rows (migration 0023): `analytics_hall`, the
//! counts per (day or month, group, source), and `analytics_hall_times`, the
//! waits and handling times in minute buckets; upserted in the transaction of
//! each ticket or booking step like the other rows, read by the same period
//! keys.

use sqlx::AnyConnection;

use onestamp_app::store::{AnalyticsFilter, HallRow, HallTimeRow};
use onestamp_domain::analytics::Tally;
use onestamp_domain::analytics_hall::HallCounts;

use crate::analytics::{filtered, periods};
use crate::db::{Db, R, Sql};

/// Rows per multi-row upsert (14 values a row).
const ROWS: usize = 500;

/// The counted columns of `analytics_hall`, in [`values`]' order.
const COLUMNS: [&str; 11] = [
    "taken",
    "called",
    "served",
    "no_show",
    "cancelled",
    "wait_secs",
    "handle_secs",
    "booked",
    "booking_cancelled",
    "bureau_cancelled",
    "kept",
];

fn values(c: &HallCounts) -> [i64; 11] {
    [
        c.taken,
        c.called,
        c.served,
        c.no_show,
        c.cancelled,
        c.wait_secs,
        c.handle_secs,
        c.booked,
        c.booking_cancelled,
        c.bureau_cancelled,
        c.kept,
    ]
}

fn from_values(v: [i64; 11]) -> HallCounts {
    HallCounts {
        taken: v[0],
        called: v[1],
        served: v[2],
        no_show: v[3],
        cancelled: v[4],
        wait_secs: v[5],
        handle_secs: v[6],
        booked: v[7],
        booking_cancelled: v[8],
        bureau_cancelled: v[9],
        kept: v[10],
    }
}

/// Adds the hall's part of `tally` to the rows, inside the caller's transaction.
pub(crate) async fn write(conn: &mut AnyConnection, tally: &Tally) -> R<()> {
    let counts = periods(
        &tally.hall,
        |(day, group, source)| (*day, (group.clone(), source.clone())),
        HallCounts::add,
    );
    let counts: Vec<_> = counts.iter().collect();
    for chunk in counts.chunks(ROWS) {
        let mut b = Sql::new(format!(
            "INSERT INTO analytics_hall (day, group_code, source, {}) VALUES ",
            COLUMNS.join(", ")
        ));
        b.values(chunk, |row, ((day, (group, source)), c)| {
            row.bind(day.clone())
                .bind(group.clone())
                .bind(source.clone());
            for v in values(c) {
                row.bind(v);
            }
        });
        let set: Vec<String> = COLUMNS
            .iter()
            .map(|c| format!("{c} = analytics_hall.{c} + excluded.{c}"))
            .collect();
        b.push(&format!(
            " ON CONFLICT (day, group_code, source) DO UPDATE SET {}",
            set.join(", ")
        ));
        b.execute(&mut *conn).await?;
    }
    let times = periods(
        &tally.hall_times,
        |(day, group, source, measure, bucket)| {
            (
                *day,
                (group.clone(), source.clone(), measure.clone(), *bucket),
            )
        },
        |a: &mut i64, b: &i64| *a += *b,
    );
    let times: Vec<_> = times.iter().collect();
    for chunk in times.chunks(ROWS) {
        let mut b = Sql::new(
            "INSERT INTO analytics_hall_times (day, group_code, source, measure, bucket, n) VALUES ",
        );
        b.values(
            chunk,
            |row, ((day, (group, source, measure, bucket)), n)| {
                row.bind(day.clone())
                    .bind(group.clone())
                    .bind(source.clone())
                    .bind(measure.clone())
                    .bind(i64::try_from(*bucket).unwrap_or(0))
                    .bind(**n);
            },
        );
        b.push(
            " ON CONFLICT (day, group_code, source, measure, bucket)
                 DO UPDATE SET n = analytics_hall_times.n + excluded.n",
        );
        b.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The filter without its items: groups cross departments, the caller picks
/// the groups shown.
fn unfiltered(f: &AnalyticsFilter) -> AnalyticsFilter {
    AnalyticsFilter {
        items: None,
        ..f.clone()
    }
}

/// The hall's counts per group and source over the filter's period.
pub(crate) async fn counts(db: &Db, f: &AnalyticsFilter) -> R<Vec<HallRow>> {
    let sums: Vec<String> = COLUMNS
        .iter()
        .map(|c| format!("CAST(sum({c}) AS BIGINT)"))
        .collect();
    let mut b = Sql::new(format!(
        "SELECT group_code, source, {} FROM analytics_hall",
        sums.join(", ")
    ));
    filtered(&mut b, &unfiltered(f));
    b.push(" GROUP BY group_code, source ORDER BY group_code, source");
    type Sums = (
        String,
        String,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
    );
    let rows: Vec<Sums> = b.fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(group, source, a, b, c, d, e, f, g, h, i, j, k)| HallRow {
            group,
            source,
            counts: from_values([a, b, c, d, e, f, g, h, i, j, k]),
        })
        .collect())
}

/// The hall's counted waits and handling times per group, source, measure and
/// bucket over the filter's period.
pub(crate) async fn times(db: &Db, f: &AnalyticsFilter) -> R<Vec<HallTimeRow>> {
    let mut b = Sql::new(
        "SELECT group_code, source, measure, bucket, CAST(sum(n) AS BIGINT)
         FROM analytics_hall_times",
    );
    filtered(&mut b, &unfiltered(f));
    b.push(
        " GROUP BY group_code, source, measure, bucket
          ORDER BY group_code, source, measure, bucket",
    );
    let rows: Vec<(String, String, String, i64, i64)> = b.fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(group, source, measure, bucket, n)| HallTimeRow {
            group,
            source,
            measure,
            bucket: usize::try_from(bucket).unwrap_or(0),
            n,
        })
        .collect())
}
