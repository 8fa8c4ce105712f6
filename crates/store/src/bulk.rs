//! The bulk path: many cases with their events in one transaction, as
//! multi-row `INSERT`s, and one audit entry for the batch.

use sqlx::AnyConnection;

use onestamp_app::store::{AuditFact, ImportedCase, StoreError, day_serials};

use crate::cases::Columns;
use crate::codec::{json, millis};
use crate::db::{Db, Dialect, Fault, R, Sql, work};

/// Rows per multi-row INSERT of cases: 22 columns stay under SQLite's 32,766
/// parameters (PostgreSQL allows 65,535).
const CASE_ROWS: usize = 1_000;
/// Rows per multi-row INSERT of events (10 columns).
const EVENT_ROWS: usize = 3_000;

/// Ids for `n` new cases, ascending.
async fn reserve_ids(conn: &mut AnyConnection, dialect: Dialect, n: usize) -> R<Vec<i64>> {
    let n = i64::try_from(n).map_err(|_| crate::db::corrupt("too many cases"))?;
    match dialect {
        // The one writer holds the write lock: the next ids are ours.
        Dialect::Sqlite => {
            let (first,): (i64,) = sqlx::query_as("SELECT coalesce(max(id), 0) + 1 FROM cases")
                .fetch_one(conn)
                .await?;
            Ok((first..first + n).collect())
        }
        Dialect::Postgres => {
            let rows: Vec<(i64,)> = sqlx::query_as(
                "SELECT nextval(pg_get_serial_sequence('cases', 'id')) FROM generate_series(1, $1)",
            )
            .bind(n)
            .fetch_all(conn)
            .await?;
            let mut ids: Vec<i64> = rows.into_iter().map(|(id,)| id).collect();
            ids.sort_unstable();
            Ok(ids)
        }
    }
}

pub(crate) async fn import(
    db: &Db,
    mut cases: Vec<ImportedCase>,
    audit: AuditFact,
    tally: onestamp_domain::analytics::Tally,
) -> R<i64> {
    if cases.is_empty() {
        return Err(Fault(StoreError::Corrupt("nothing to import".into())));
    }
    let serials = day_serials(&cases)?;
    let dialect = db.dialect;
    db.write(work(move |c| {
        Box::pin(async move {
            let ids = reserve_ids(c, dialect, cases.len()).await?;
            let mut rows = Vec::with_capacity(cases.len());
            for (case, id) in cases.iter_mut().zip(&ids) {
                case.case.id = *id;
                rows.push((Columns::of(&case.case), json(&case.case)?));
            }
            for (chunk, rows) in cases.chunks(CASE_ROWS).zip(rows.chunks(CASE_ROWS)) {
                let both: Vec<_> = chunk.iter().zip(rows).collect();
                let mut b = Sql::new(
                    "INSERT INTO cases (id, number, item_code, item_version, applicant_id,
                         applicant_name, status, priority, version, submitted_at, updated_at,
                         task_stage, task_assignee, task_deadline, deadline, suspended, closed,
                         task_started_at, task_warn_at, instant, body, applicant_identity) VALUES ",
                );
                b.values(&both, |row, (c, (cols, body))| {
                    let case = &c.case;
                    row.bind(case.id)
                        .bind(case.number.clone())
                        .bind(case.item_code.clone())
                        .bind(case.item_version)
                        .bind(case.applicant.user_id)
                        .bind(case.applicant.name.clone())
                        .bind(cols.status)
                        .bind(case.priority)
                        .bind(case.version)
                        .bind(millis(case.submitted_at))
                        .bind(millis(case.updated_at))
                        .bind(cols.task_stage)
                        .bind(cols.task_assignee)
                        .bind(cols.task_deadline)
                        .bind(cols.deadline)
                        .bind(cols.suspended)
                        .bind(cols.closed)
                        .bind(cols.task_started_at)
                        .bind(cols.task_warn_at)
                        .bind(cols.instant)
                        .bind(body.clone())
                        .bind(case.applicant.identity.clone());
                });
                b.execute(&mut *c).await?;
            }
            let events: Vec<_> = cases
                .iter()
                .flat_map(|c| {
                    (1i64..)
                        .zip(&c.events)
                        .map(move |(seq, e)| (c.case.id, seq, e))
                })
                .collect();
            for chunk in events.chunks(EVENT_ROWS) {
                let mut b = Sql::new(
                    "INSERT INTO case_events (case_id, seq, at, actor_id, actor_role, action,
                         opinion, from_status, to_status, version) VALUES ",
                );
                b.values(chunk, |row, (case_id, seq, e)| {
                    row.bind(*case_id)
                        .bind(*seq)
                        .bind(millis(e.at))
                        .bind(e.actor_id)
                        .bind(e.actor_role.as_str())
                        .bind(e.action.clone())
                        .bind(e.opinion.clone())
                        .bind(e.from_status.map(|s| s.as_str()))
                        .bind(e.to_status.as_str())
                        .bind(e.version);
                });
                b.execute(&mut *c).await?;
            }
            for (day, last) in &serials {
                sqlx::query(
                    "INSERT INTO case_serials (day, last) VALUES ($1, $2)
                     ON CONFLICT (day) DO UPDATE SET last = CASE
                         WHEN excluded.last > case_serials.last THEN excluded.last
                         ELSE case_serials.last END",
                )
                .bind(day)
                .bind(last)
                .execute(&mut *c)
                .await?;
            }
            crate::audit::append(c, &audit).await?;
            crate::analytics::write(c, &tally).await?;
            Ok(ids[0])
        })
    }))
    .await
}

/// Refreshes the planner's statistics after a bulk load; on PostgreSQL also
/// vacuums the loaded tables, so that the visibility map is set and counts
/// over an index (open cases, overdue tasks) read the index alone.
pub(crate) async fn refresh_statistics(db: &Db) -> R<()> {
    match db.dialect {
        Dialect::Sqlite => {
            db.write(work(move |c| {
                Box::pin(async move {
                    sqlx::query("ANALYZE").execute(c).await?;
                    Ok(())
                })
            }))
            .await
        }
        // VACUUM cannot run inside a transaction: one statement on a pooled
        // connection of its own.
        Dialect::Postgres => {
            sqlx::query(
                "VACUUM (ANALYZE) cases, case_events, analytics_volume, analytics_times,
                     analytics_ratings",
            )
            .execute(&db.read)
            .await?;
            Ok(())
        }
    }
}
