//! The bulk path on PostgreSQL: one INSERT … SELECT FROM UNNEST of column arrays
//! per batch, inside one transaction.

use chrono::Utc;
use sqlx::{PgPool, Row};

use onestamp_app::store::{AuditFact, ImportedCase, StoreError, day_serials};
use onestamp_domain::case::SYSTEM_ACTOR;

use super::AuditHead;
use crate::codec::{json, millis};
use crate::db_err;

/// Rows per statement.
const BATCH: usize = 10_000;

pub async fn import(
    pool: &PgPool,
    mut cases: Vec<ImportedCase>,
    audit: AuditFact,
) -> Result<i64, StoreError> {
    if cases.is_empty() {
        return Err(StoreError::Corrupt("nothing to import".into()));
    }
    let serials = day_serials(&cases)?;
    let mut tx = pool.begin().await.map_err(db_err)?;
    let mut ids: Vec<i64> = sqlx::query(
        "SELECT nextval(pg_get_serial_sequence('cases', 'id')) FROM generate_series(1, $1)",
    )
    .bind(cases.len() as i64)
    .fetch_all(&mut *tx)
    .await
    .map_err(db_err)?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<Result<_, _>>()
    .map_err(db_err)?;
    ids.sort_unstable();
    for (c, id) in cases.iter_mut().zip(&ids) {
        c.case.id = *id;
    }
    for chunk in cases.chunks(BATCH) {
        let mut cols = CaseColumns::default();
        for c in chunk {
            cols.push(c)?;
        }
        sqlx::query(
            "INSERT INTO cases (id, number, item_code, item_version, applicant_id, applicant_name,
                 status, priority, version, submitted_at, updated_at, task_stage, task_assignee,
                 task_deadline, deadline, suspended, closed, task_started_at, task_warn_at,
                 instant, body, applicant_identity)
             SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[],
                 $6::text[], $7::text[], $8::bool[], $9::bigint[], $10::bigint[], $11::bigint[],
                 $12::text[], $13::bigint[], $14::bigint[], $15::bigint[], $16::bool[], $17::bool[],
                 $18::bigint[], $19::bigint[], $20::bool[], $21::text[], $22::text[])",
        )
        .bind(cols.id)
        .bind(cols.number)
        .bind(cols.item_code)
        .bind(cols.item_version)
        .bind(cols.applicant_id)
        .bind(cols.applicant_name)
        .bind(cols.status)
        .bind(cols.priority)
        .bind(cols.version)
        .bind(cols.submitted_at)
        .bind(cols.updated_at)
        .bind(cols.task_stage)
        .bind(cols.task_assignee)
        .bind(cols.task_deadline)
        .bind(cols.deadline)
        .bind(cols.suspended)
        .bind(cols.closed)
        .bind(cols.task_started_at)
        .bind(cols.task_warn_at)
        .bind(cols.instant)
        .bind(cols.body)
        .bind(cols.identity)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        let mut ev = EventColumns::default();
        for c in chunk {
            for (i, e) in c.events.iter().enumerate() {
                ev.case_id.push(c.case.id);
                ev.seq.push(i as i64 + 1);
                ev.at.push(millis(e.at));
                ev.actor_id.push(e.actor_id);
                ev.actor_role.push(e.actor_role.as_str().to_string());
                ev.action.push(e.action.clone());
                ev.opinion.push(e.opinion.clone());
                ev.from_status
                    .push(e.from_status.map(|s| s.as_str().to_string()));
                ev.to_status.push(e.to_status.as_str().to_string());
                ev.version.push(e.version);
            }
        }
        if !ev.case_id.is_empty() {
            sqlx::query(
                "INSERT INTO case_events (case_id, seq, at, actor_id, actor_role, action, opinion,
                     from_status, to_status, version)
                 SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[],
                     $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[])",
            )
            .bind(ev.case_id)
            .bind(ev.seq)
            .bind(ev.at)
            .bind(ev.actor_id)
            .bind(ev.actor_role)
            .bind(ev.action)
            .bind(ev.opinion)
            .bind(ev.from_status)
            .bind(ev.to_status)
            .bind(ev.version)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
    }
    for (day, last) in &serials {
        sqlx::query(
            "INSERT INTO case_serials (day, last) VALUES ($1, $2)
             ON CONFLICT (day) DO UPDATE SET last = GREATEST(case_serials.last, excluded.last)",
        )
        .bind(day)
        .bind(last)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    }
    let mut head = AuditHead::lock(&mut tx).await?;
    head.append(&mut tx, Utc::now(), &audit).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(ids[0])
}

#[derive(Default)]
struct CaseColumns {
    id: Vec<i64>,
    number: Vec<String>,
    item_code: Vec<String>,
    item_version: Vec<i64>,
    applicant_id: Vec<i64>,
    applicant_name: Vec<String>,
    status: Vec<String>,
    priority: Vec<bool>,
    version: Vec<i64>,
    submitted_at: Vec<i64>,
    updated_at: Vec<i64>,
    task_stage: Vec<Option<String>>,
    task_assignee: Vec<Option<i64>>,
    task_deadline: Vec<Option<i64>>,
    deadline: Vec<Option<i64>>,
    suspended: Vec<bool>,
    closed: Vec<bool>,
    task_started_at: Vec<Option<i64>>,
    task_warn_at: Vec<Option<i64>>,
    instant: Vec<bool>,
    body: Vec<String>,
    identity: Vec<String>,
}

impl CaseColumns {
    fn push(&mut self, c: &ImportedCase) -> Result<(), StoreError> {
        let case = &c.case;
        let task = case.task.as_ref();
        self.id.push(case.id);
        self.number.push(case.number.clone());
        self.item_code.push(case.item_code.clone());
        self.item_version.push(case.item_version);
        self.applicant_id.push(case.applicant.user_id);
        self.applicant_name.push(case.applicant.name.clone());
        self.status.push(case.status.as_str().to_string());
        self.priority.push(case.priority);
        self.version.push(case.version);
        self.submitted_at.push(millis(case.submitted_at));
        self.updated_at.push(millis(case.updated_at));
        self.task_stage
            .push(task.map(|t| t.stage.as_str().to_string()));
        self.task_assignee.push(task.map(|t| t.assignee));
        self.task_deadline
            .push(task.and_then(|t| t.deadline).map(millis));
        self.deadline.push(case.deadline.map(millis));
        self.suspended.push(case.suspended_since.is_some());
        self.closed.push(case.status.is_closed());
        self.task_started_at
            .push(task.map(|t| millis(t.started_at)));
        self.task_warn_at
            .push(task.and_then(|t| t.warn_at).map(millis));
        self.instant
            .push(case.handlers.values().any(|u| *u == SYSTEM_ACTOR));
        self.body.push(json(case)?);
        self.identity.push(case.applicant.identity.clone());
        Ok(())
    }
}

#[derive(Default)]
struct EventColumns {
    case_id: Vec<i64>,
    seq: Vec<i64>,
    at: Vec<i64>,
    actor_id: Vec<i64>,
    actor_role: Vec<String>,
    action: Vec<String>,
    opinion: Vec<Option<String>>,
    from_status: Vec<Option<String>>,
    to_status: Vec<String>,
    version: Vec<i64>,
}
