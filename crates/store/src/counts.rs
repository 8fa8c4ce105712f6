//! Counts for the operator's gauges, all from one read snapshot. Each query
//! reads an index: cases by status (`cases_by_status`), open tasks by deadline
//! (`cases_by_assignee`), licences awaiting their reminder (`licences_by_expiry`).

use chrono::{DateTime, NaiveDate, Utc};

use onestamp_app::store::OpsCounts;
use onestamp_domain::case::CaseStatus;

use crate::codec::{millis, parse_enum};
use crate::db::{Db, R};

pub(crate) async fn ops_counts(
    db: &Db,
    now: DateTime<Utc>,
    remind_until: NaiveDate,
) -> R<OpsCounts> {
    let mut tx = db.read.begin().await?;
    if let Some(snapshot) = db.dialect.snapshot() {
        sqlx::query(snapshot).execute(&mut *tx).await?;
    }
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM cases GROUP BY status ORDER BY status")
            .fetch_all(&mut *tx)
            .await?;
    let cases_by_status = rows
        .into_iter()
        .map(|(s, n)| Ok((parse_enum(&s, CaseStatus::parse, "status")?, n)))
        .collect::<R<Vec<_>>>()?;
    let (overdue_tasks,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM cases WHERE task_assignee IS NOT NULL AND task_deadline <= $1",
    )
    .bind(millis(now))
    .fetch_one(&mut *tx)
    .await?;
    let open_alerts: Vec<(String, i64)> = sqlx::query_as(
        "SELECT a.kind, COUNT(*) FROM alerts a JOIN cases c ON c.id = a.case_id
         WHERE NOT c.closed GROUP BY a.kind ORDER BY a.kind",
    )
    .fetch_all(&mut *tx)
    .await?;
    let (reminders_pending,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM licences WHERE NOT reminded AND status = 'valid'
             AND valid_until IS NOT NULL AND valid_until <= $1",
    )
    .bind(remind_until.format("%Y-%m-%d").to_string())
    .fetch_one(&mut *tx)
    .await?;
    let (notifications,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notifications")
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(OpsCounts {
        cases_by_status,
        overdue_tasks,
        open_alerts,
        reminders_pending,
        notifications,
    })
}
