//! Cases, their event log, case lists and task lists.

use chrono::Utc;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, Row};

use onestamp_app::store::{CaseChange, CaseQuery, CaseSummary, NewCase, StoreError, TaskKey};
use onestamp_domain::case::{Case, CaseEvent, CaseStatus, SYSTEM_ACTOR, Stage, UserId};
use onestamp_domain::role::Role;

use super::AuditHead;
use crate::codec::{from_json, instant, json, millis, parse_enum};
use crate::db_err;

pub async fn create(pool: &PgPool, new: NewCase) -> Result<Case, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    let serial: i64 = sqlx::query(
        "INSERT INTO case_serials (day, last) VALUES ($1, 1)
         ON CONFLICT (day) DO UPDATE SET last = case_serials.last + 1 RETURNING last",
    )
    .bind(&new.number_prefix)
    .fetch_one(&mut *tx)
    .await
    .map_err(db_err)?
    .try_get(0)
    .map_err(db_err)?;
    let mut case = new.case;
    case.number = format!("{}-{serial:06}", new.number_prefix);
    let id: i64 = sqlx::query(
        "INSERT INTO cases (number, item_code, item_version, applicant_id, applicant_name, status,
             priority, version, submitted_at, updated_at, task_stage, task_assignee, task_deadline,
             deadline, suspended, closed, task_started_at, task_warn_at, instant, body,
             applicant_identity)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
             '{}', $20) RETURNING id",
    )
    .bind(&case.number)
    .bind(&case.item_code)
    .bind(case.item_version)
    .bind(case.applicant.user_id)
    .bind(&case.applicant.name)
    .bind(case.status.as_str())
    .bind(case.priority)
    .bind(case.version)
    .bind(millis(case.submitted_at))
    .bind(millis(case.updated_at))
    .bind(case.task.as_ref().map(|t| t.stage.as_str()))
    .bind(case.task.as_ref().map(|t| t.assignee))
    .bind(case.task.as_ref().and_then(|t| t.deadline).map(millis))
    .bind(case.deadline.map(millis))
    .bind(case.suspended_since.is_some())
    .bind(case.status.is_closed())
    .bind(case.task.as_ref().map(|t| millis(t.started_at)))
    .bind(case.task.as_ref().and_then(|t| t.warn_at).map(millis))
    .bind(case.handlers.values().any(|u| *u == SYSTEM_ACTOR))
    .bind(&case.applicant.identity)
    .fetch_one(&mut *tx)
    .await
    .map_err(db_err)?
    .try_get(0)
    .map_err(db_err)?;
    case.id = id;
    sqlx::query("UPDATE cases SET body = $1 WHERE id = $2")
        .bind(json(&case)?)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    for event in &new.events {
        insert_event(&mut tx, id, event).await?;
    }
    if let Some(mut licence) = new.licence {
        licence.case_id = id;
        super::licences::insert(&mut tx, &licence).await?;
    }
    // The audit head last: it is held from here to the commit.
    let mut head = AuditHead::lock(&mut tx).await?;
    for mut fact in new.audit {
        fact.subject = case.number.clone();
        head.append(&mut tx, Utc::now(), &fact).await?;
    }
    tx.commit().await.map_err(db_err)?;
    Ok(case)
}

async fn insert_event(
    conn: &mut PgConnection,
    case_id: i64,
    e: &CaseEvent,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO case_events (case_id, seq, at, actor_id, actor_role, action, opinion,
             from_status, to_status, version)
         VALUES ($1, (SELECT coalesce(max(seq), 0) + 1 FROM case_events WHERE case_id = $1),
             $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(case_id)
    .bind(millis(e.at))
    .bind(e.actor_id)
    .bind(e.actor_role.as_str())
    .bind(&e.action)
    .bind(&e.opinion)
    .bind(e.from_status.map(|s| s.as_str()))
    .bind(e.to_status.as_str())
    .bind(e.version)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

pub async fn by_id(pool: &PgPool, id: i64) -> Result<Option<Case>, StoreError> {
    let row = sqlx::query("SELECT body FROM cases WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(db_err)?;
    row.map(|r| from_json(&r.try_get::<String, _>(0).map_err(db_err)?))
        .transpose()
}

pub async fn events(pool: &PgPool, id: i64) -> Result<Vec<CaseEvent>, StoreError> {
    let rows = sqlx::query(
        "SELECT at, actor_id, actor_role, action, opinion, from_status, to_status, version
         FROM case_events WHERE case_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    rows.iter()
        .map(|r| {
            let from: Option<String> = r.try_get(5).map_err(db_err)?;
            Ok(CaseEvent {
                at: instant(r.try_get(0).map_err(db_err)?)?,
                actor_id: r.try_get(1).map_err(db_err)?,
                actor_role: parse_enum(
                    &r.try_get::<String, _>(2).map_err(db_err)?,
                    Role::parse,
                    "role",
                )?,
                action: r.try_get(3).map_err(db_err)?,
                opinion: r.try_get(4).map_err(db_err)?,
                from_status: from
                    .map(|s| parse_enum(&s, CaseStatus::parse, "status"))
                    .transpose()?,
                to_status: parse_enum(
                    &r.try_get::<String, _>(6).map_err(db_err)?,
                    CaseStatus::parse,
                    "status",
                )?,
                version: r.try_get(7).map_err(db_err)?,
            })
        })
        .collect()
}

/// Applies the change only if nobody else changed the case since `expected_version`.
/// A concurrent commit holds the case row until it ends; this UPDATE then
/// re-checks the version against the committed row and matches nothing.
pub async fn commit(pool: &PgPool, change: CaseChange) -> Result<(), StoreError> {
    let case = &change.case;
    let mut tx = pool.begin().await.map_err(db_err)?;
    let done = sqlx::query(
        "UPDATE cases SET status = $1, priority = $2, version = $3, updated_at = $4,
             task_stage = $5, task_assignee = $6, task_deadline = $7, body = $8, deadline = $9,
             suspended = $10, closed = $11, task_started_at = $12, task_warn_at = $13,
             task_alerted = 0
         WHERE id = $14 AND version = $15",
    )
    .bind(case.status.as_str())
    .bind(case.priority)
    .bind(case.version)
    .bind(millis(case.updated_at))
    .bind(case.task.as_ref().map(|t| t.stage.as_str()))
    .bind(case.task.as_ref().map(|t| t.assignee))
    .bind(case.task.as_ref().and_then(|t| t.deadline).map(millis))
    .bind(json(case)?)
    .bind(case.deadline.map(millis))
    .bind(case.suspended_since.is_some())
    .bind(case.status.is_closed())
    .bind(case.task.as_ref().map(|t| millis(t.started_at)))
    .bind(case.task.as_ref().and_then(|t| t.warn_at).map(millis))
    .bind(case.id)
    .bind(change.expected_version)
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    if done.rows_affected() != 1 {
        let current: Option<i64> = sqlx::query("SELECT version FROM cases WHERE id = $1")
            .bind(case.id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?
            .map(|r| r.try_get(0))
            .transpose()
            .map_err(db_err)?;
        return Err(match current {
            Some(current) => StoreError::VersionConflict {
                given: change.expected_version,
                current,
            },
            None => StoreError::Corrupt(format!("case {} vanished", case.id)),
        });
    }
    insert_event(&mut tx, case.id, &change.event).await?;
    if let Some(licence) = &change.licence {
        super::licences::insert(&mut tx, licence).await?;
    }
    // The audit head last: it is held from here to the commit.
    let mut head = AuditHead::lock(&mut tx).await?;
    head.append(&mut tx, Utc::now(), &change.audit).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(())
}

pub(crate) const SUMMARY_COLUMNS: &str =
    "SELECT id, number, item_code, applicant_name, status, priority,
    submitted_at, updated_at, task_stage, task_deadline, task_warn_at, deadline FROM cases";

pub(crate) fn summary(r: &PgRow) -> Result<CaseSummary, StoreError> {
    let stage: Option<String> = r.try_get(8).map_err(db_err)?;
    let deadline: Option<i64> = r.try_get(9).map_err(db_err)?;
    let warn: Option<i64> = r.try_get(10).map_err(db_err)?;
    let case_deadline: Option<i64> = r.try_get(11).map_err(db_err)?;
    Ok(CaseSummary {
        id: r.try_get(0).map_err(db_err)?,
        number: r.try_get(1).map_err(db_err)?,
        item_code: r.try_get(2).map_err(db_err)?,
        applicant_name: r.try_get(3).map_err(db_err)?,
        status: parse_enum(
            &r.try_get::<String, _>(4).map_err(db_err)?,
            CaseStatus::parse,
            "status",
        )?,
        priority: r.try_get(5).map_err(db_err)?,
        submitted_at: instant(r.try_get(6).map_err(db_err)?)?,
        updated_at: instant(r.try_get(7).map_err(db_err)?)?,
        task_stage: stage
            .map(|s| parse_enum(&s, Stage::parse, "stage"))
            .transpose()?,
        task_deadline: deadline.map(instant).transpose()?,
        task_warn_at: warn.map(instant).transpose()?,
        deadline: case_deadline.map(instant).transpose()?,
        light: None,
    })
}

/// Newest first; keyset pagination on id.
pub async fn list(pool: &PgPool, q: &CaseQuery) -> Result<Vec<CaseSummary>, StoreError> {
    let mut b: QueryBuilder<Postgres> = QueryBuilder::new(SUMMARY_COLUMNS);
    b.push(" WHERE 1 = 1");
    if let Some(a) = q.applicant {
        b.push(" AND applicant_id = ").push_bind(a);
    }
    if let Some(s) = q.status {
        b.push(" AND status = ").push_bind(s.as_str());
    }
    if let Some(i) = &q.item_code {
        b.push(" AND item_code = ").push_bind(i.clone());
    }
    if let Some(n) = &q.number {
        b.push(" AND number = ").push_bind(n.clone());
    }
    if let Some(identity) = &q.identity {
        b.push(" AND applicant_identity = ")
            .push_bind(identity.clone());
    }
    let by_date = q.submitted_from.is_some() || q.submitted_to.is_some();
    if let Some(from) = q.submitted_from {
        b.push(" AND submitted_at >= ").push_bind(millis(from));
    }
    if let Some(to) = q.submitted_to {
        b.push(" AND submitted_at < ").push_bind(millis(to));
    }
    match (q.before_id, by_date) {
        (Some(before), true) => {
            // Ids follow submission order; a date search reads the submission-time
            // index, so the page key is (submitted_at, id) of the last case seen,
            // looked up among the cases the caller may see.
            let key = |b: &mut QueryBuilder<Postgres>| {
                b.push("(SELECT submitted_at FROM cases WHERE id = ")
                    .push_bind(before);
                if let Some(a) = q.applicant {
                    b.push(" AND applicant_id = ").push_bind(a);
                }
                b.push(")");
            };
            b.push(" AND submitted_at <= ");
            key(&mut b);
            b.push(" AND (submitted_at < ");
            key(&mut b);
            b.push(" OR id < ").push_bind(before).push(")");
        }
        (Some(before), false) => {
            b.push(" AND id < ").push_bind(before);
        }
        (None, _) => {}
    }
    if by_date {
        b.push(" ORDER BY submitted_at DESC, id DESC LIMIT ");
    } else {
        b.push(" ORDER BY id DESC LIMIT ");
    }
    b.push_bind(i64::from(q.limit));
    let rows = b.build().fetch_all(pool).await.map_err(db_err)?;
    rows.iter().map(summary).collect()
}

pub async fn tasks_of(
    pool: &PgPool,
    user: UserId,
    after: Option<TaskKey>,
    limit: u32,
) -> Result<Vec<CaseSummary>, StoreError> {
    let mut b: QueryBuilder<Postgres> = QueryBuilder::new(SUMMARY_COLUMNS);
    b.push(" WHERE task_assignee = ").push_bind(user);
    crate::keyset::push_after(&mut b, after);
    b.push(" ORDER BY priority DESC, task_deadline NULLS LAST, id LIMIT ")
        .push_bind(i64::from(limit));
    let rows = b.build().fetch_all(pool).await.map_err(db_err)?;
    rows.iter().map(summary).collect()
}
