//! The bulk path on SQLite: multi-row statements inside one write transaction.

use chrono::Utc;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use onestamp_app::store::{AuditFact, ImportedCase, StoreError, day_serials};
use onestamp_domain::case::SYSTEM_ACTOR;

use super::append_audit;
use crate::codec::{json, millis};
use crate::db_err;

/// Rows per multi-row INSERT: 22 columns stay under SQLite's 32,766 parameters.
const CASE_ROWS: usize = 1_000;
/// Rows per multi-row INSERT of events (10 columns).
const EVENT_ROWS: usize = 3_000;

pub async fn import(
    pool: &SqlitePool,
    mut cases: Vec<ImportedCase>,
    audit: AuditFact,
) -> Result<i64, StoreError> {
    if cases.is_empty() {
        return Err(StoreError::Corrupt("nothing to import".into()));
    }
    let serials = day_serials(&cases)?;
    let mut tx = pool.begin().await.map_err(db_err)?;
    // The one writer connection holds the write lock: the next ids are ours.
    let first: i64 = sqlx::query("SELECT coalesce(max(id), 0) + 1 FROM cases")
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?
        .try_get(0)
        .map_err(db_err)?;
    let mut bodies = Vec::with_capacity(cases.len());
    for (i, c) in cases.iter_mut().enumerate() {
        c.case.id = first + i as i64;
        bodies.push(json(&c.case)?);
    }
    for (chunk, bodies) in cases.chunks(CASE_ROWS).zip(bodies.chunks(CASE_ROWS)) {
        let mut b: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO cases (id, number, item_code, item_version, applicant_id, applicant_name,
                 status, priority, version, submitted_at, updated_at, task_stage, task_assignee,
                 task_deadline, deadline, suspended, closed, task_started_at, task_warn_at,
                 instant, body, applicant_identity) ",
        );
        b.push_values(chunk.iter().zip(bodies), |mut row, (c, body)| {
            let case = &c.case;
            let task = case.task.as_ref();
            row.push_bind(case.id)
                .push_bind(case.number.clone())
                .push_bind(case.item_code.clone())
                .push_bind(case.item_version)
                .push_bind(case.applicant.user_id)
                .push_bind(case.applicant.name.clone())
                .push_bind(case.status.as_str())
                .push_bind(case.priority)
                .push_bind(case.version)
                .push_bind(millis(case.submitted_at))
                .push_bind(millis(case.updated_at))
                .push_bind(task.map(|t| t.stage.as_str()))
                .push_bind(task.map(|t| t.assignee))
                .push_bind(task.and_then(|t| t.deadline).map(millis))
                .push_bind(case.deadline.map(millis))
                .push_bind(case.suspended_since.is_some())
                .push_bind(case.status.is_closed())
                .push_bind(task.map(|t| millis(t.started_at)))
                .push_bind(task.and_then(|t| t.warn_at).map(millis))
                .push_bind(case.handlers.values().any(|u| *u == SYSTEM_ACTOR))
                .push_bind(body.clone())
                .push_bind(case.applicant.identity.clone());
        });
        b.build().execute(&mut *tx).await.map_err(db_err)?;
    }
    let events: Vec<_> = cases
        .iter()
        .flat_map(|c| {
            c.events
                .iter()
                .enumerate()
                .map(move |(i, e)| (c.case.id, i as i64 + 1, e))
        })
        .collect();
    for chunk in events.chunks(EVENT_ROWS) {
        let mut b: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO case_events (case_id, seq, at, actor_id, actor_role, action, opinion,
                 from_status, to_status, version) ",
        );
        b.push_values(chunk, |mut row, (case_id, seq, e)| {
            row.push_bind(*case_id)
                .push_bind(*seq)
                .push_bind(millis(e.at))
                .push_bind(e.actor_id)
                .push_bind(e.actor_role.as_str())
                .push_bind(e.action.clone())
                .push_bind(e.opinion.clone())
                .push_bind(e.from_status.map(|s| s.as_str()))
                .push_bind(e.to_status.as_str())
                .push_bind(e.version);
        });
        b.build().execute(&mut *tx).await.map_err(db_err)?;
    }
    for (day, last) in &serials {
        sqlx::query(
            "INSERT INTO case_serials (day, last) VALUES (?, ?)
             ON CONFLICT (day) DO UPDATE SET last = max(last, excluded.last)",
        )
        .bind(day)
        .bind(last)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    }
    append_audit(&mut tx, Utc::now(), &audit).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(first)
}
