//! Overdue alerts. Raising is one write transaction that flips the case's
//! alerted flag and inserts the alert under a unique key, so a task or case is
//! alerted exactly once however many server processes run the scheduler.

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use onestamp_app::store::{Alert, AuditFact, CaseSummary, StoreError, TaskKey};
use onestamp_domain::case::Stage;

use super::append_audit;
use super::cases::{SUMMARY_COLUMNS, summary};
use crate::codec::{instant, millis, parse_enum};
use crate::db_err;

pub async fn raise_due(
    pool: &SqlitePool,
    now: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<Alert>, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    let now_ms = millis(now);
    let tasks = sqlx::query(
        "UPDATE cases SET task_alerted = 2
         WHERE id IN (SELECT id FROM cases WHERE task_assignee IS NOT NULL AND task_alerted = 0
                      AND task_deadline <= ? ORDER BY task_deadline LIMIT ?)
         RETURNING id, number, task_stage, task_assignee, task_deadline, task_started_at",
    )
    .bind(now_ms)
    .bind(i64::from(limit))
    .fetch_all(&mut *tx)
    .await
    .map_err(db_err)?;
    let cases = sqlx::query(
        "UPDATE cases SET case_alerted = 1
         WHERE id IN (SELECT id FROM cases WHERE closed = 0 AND suspended = 0 AND case_alerted = 0
                      AND deadline <= ? ORDER BY deadline LIMIT ?)
         RETURNING id, number, task_stage, task_assignee, deadline, submitted_at",
    )
    .bind(now_ms)
    .bind(i64::from(limit))
    .fetch_all(&mut *tx)
    .await
    .map_err(db_err)?;
    let mut raised = Vec::new();
    for (kind, rows) in [("task_overdue", &tasks), ("case_overdue", &cases)] {
        for r in rows {
            let case_id: i64 = r.try_get(0).map_err(db_err)?;
            let number: String = r.try_get(1).map_err(db_err)?;
            let stage: Option<String> = r.try_get(2).map_err(db_err)?;
            let responsible: Option<i64> = r.try_get(3).map_err(db_err)?;
            let deadline: i64 = r.try_get(4).map_err(db_err)?;
            let started: i64 = r.try_get(5).map_err(db_err)?;
            let dedup = format!(
                "{kind}:{case_id}:{}:{started}",
                stage.as_deref().unwrap_or("-")
            );
            let inserted = sqlx::query(
                "INSERT INTO alerts (case_id, case_number, kind, stage, responsible, deadline, raised_at, dedup_key)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
            )
            .bind(case_id)
            .bind(&number)
            .bind(kind)
            .bind(&stage)
            .bind(responsible)
            .bind(deadline)
            .bind(now_ms)
            .bind(&dedup)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
            let Some(row) = inserted else { continue };
            let alert = Alert {
                id: row.try_get(0).map_err(db_err)?,
                case_id,
                case_number: number.clone(),
                kind: kind.to_string(),
                stage: stage
                    .as_deref()
                    .map(|s| parse_enum(s, Stage::parse, "stage"))
                    .transpose()?,
                responsible,
                deadline: instant(deadline)?,
                raised_at: now,
                note: None,
            };
            let fact = AuditFact {
                actor_id: None,
                kind: format!("alert.{kind}"),
                subject: number,
                detail: serde_json::json!({"stage": alert.stage, "responsible": responsible, "deadline": alert.deadline}),
            };
            append_audit(&mut tx, now, &fact).await?;
            raised.push(alert);
        }
    }
    tx.commit().await.map_err(db_err)?;
    Ok(raised)
}

fn alert(r: &SqliteRow) -> Result<Alert, StoreError> {
    let stage: Option<String> = r.try_get("stage").map_err(db_err)?;
    Ok(Alert {
        id: r.try_get("id").map_err(db_err)?,
        case_id: r.try_get("case_id").map_err(db_err)?,
        case_number: r.try_get("case_number").map_err(db_err)?,
        kind: r.try_get("kind").map_err(db_err)?,
        stage: stage
            .as_deref()
            .map(|s| parse_enum(s, Stage::parse, "stage"))
            .transpose()?,
        responsible: r.try_get("responsible").map_err(db_err)?,
        deadline: instant(r.try_get("deadline").map_err(db_err)?)?,
        raised_at: instant(r.try_get("raised_at").map_err(db_err)?)?,
        note: r.try_get("note").map_err(db_err)?,
    })
}

pub async fn list(
    pool: &SqlitePool,
    before_id: Option<i64>,
    limit: u32,
) -> Result<Vec<Alert>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, case_id, case_number, kind, stage, responsible, deadline, raised_at, note
         FROM alerts WHERE id < ? ORDER BY id DESC LIMIT ?",
    )
    .bind(before_id.unwrap_or(i64::MAX))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    rows.iter().map(alert).collect()
}

pub async fn late_tasks(
    pool: &SqlitePool,
    now: DateTime<Utc>,
    after: Option<TaskKey>,
    limit: u32,
) -> Result<Vec<CaseSummary>, StoreError> {
    let mut b: QueryBuilder<Sqlite> = QueryBuilder::new(SUMMARY_COLUMNS);
    b.push(" WHERE task_assignee IS NOT NULL AND task_deadline IS NOT NULL AND task_warn_at <= ")
        .push_bind(millis(now));
    crate::keyset::push_after(&mut b, after);
    // The order of the cases_by_urgency index: read in order, no sort.
    b.push(" ORDER BY priority DESC, task_deadline, id LIMIT ")
        .push_bind(i64::from(limit));
    let rows = b.build().fetch_all(pool).await.map_err(db_err)?;
    rows.iter().map(summary).collect()
}
