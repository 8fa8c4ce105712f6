//! Counts for the operator's gauges. Each query reads an index: cases by
//! status (`cases_by_status`), open tasks by deadline (`cases_by_assignee`),
//! licences awaiting their reminder (`licences_by_expiry`).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;

use onestamp_app::store::{CountStore, OpsCounts, StoreError};
use onestamp_domain::case::CaseStatus;

use super::PgStore;
use crate::codec::{millis, parse_enum};
use crate::db_err;

#[async_trait]
impl CountStore for PgStore {
    async fn ops_counts(
        &self,
        now: DateTime<Utc>,
        remind_until: NaiveDate,
    ) -> Result<OpsCounts, StoreError> {
        // One read transaction: every count sees the same snapshot.
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        let rows =
            sqlx::query("SELECT status, COUNT(*) FROM cases GROUP BY status ORDER BY status")
                .fetch_all(&mut *tx)
                .await
                .map_err(db_err)?;
        let mut cases_by_status = Vec::with_capacity(rows.len());
        for r in &rows {
            let status: String = r.try_get(0).map_err(db_err)?;
            let n: i64 = r.try_get(1).map_err(db_err)?;
            cases_by_status.push((parse_enum(&status, CaseStatus::parse, "status")?, n));
        }
        let overdue_tasks: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM cases
             WHERE task_assignee IS NOT NULL AND task_deadline <= $1",
        )
        .bind(millis(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        let rows = sqlx::query(
            "SELECT a.kind, COUNT(*) FROM alerts a JOIN cases c ON c.id = a.case_id
             WHERE NOT c.closed GROUP BY a.kind ORDER BY a.kind",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?;
        let mut open_alerts = Vec::with_capacity(rows.len());
        for r in &rows {
            open_alerts.push((
                r.try_get::<String, _>(0).map_err(db_err)?,
                r.try_get::<i64, _>(1).map_err(db_err)?,
            ));
        }
        let reminders_pending: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM licences
             WHERE NOT reminded AND status = 'valid' AND valid_until IS NOT NULL
               AND valid_until <= $1",
        )
        .bind(remind_until.format("%Y-%m-%d").to_string())
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        let notifications: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications")
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(OpsCounts {
            cases_by_status,
            overdue_tasks,
            open_alerts,
            reminders_pending,
            notifications,
        })
    }
}
