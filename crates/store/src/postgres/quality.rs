//! Quality review samples.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder, Row};

use onestamp_app::store::{AuditFact, QualitySample, SampleCase, SampleCriteria, StoreError};
use onestamp_domain::case::UserId;

use super::AuditHead;
use crate::codec::{from_json, instant, json, millis};
use crate::db_err;

pub async fn finished_case_ids(
    pool: &PgPool,
    c: &SampleCriteria,
    limit: u32,
) -> Result<Vec<i64>, StoreError> {
    let mut b: QueryBuilder<Postgres> = QueryBuilder::new("SELECT id FROM cases WHERE closed");
    if let Some(item) = &c.item_code {
        b.push(" AND item_code = ").push_bind(item.clone());
    }
    if c.instant_only {
        b.push(" AND instant");
    }
    b.push(" ORDER BY updated_at DESC LIMIT ")
        .push_bind(i64::from(limit));
    let rows = b.build().fetch_all(pool).await.map_err(db_err)?;
    rows.iter().map(|r| r.try_get(0).map_err(db_err)).collect()
}

pub async fn create_sample(
    pool: &PgPool,
    by: UserId,
    at: DateTime<Utc>,
    criteria: &SampleCriteria,
    ids: &[i64],
    audit: AuditFact,
) -> Result<i64, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    let id: i64 = sqlx::query(
        "INSERT INTO quality_samples (drawn_by, drawn_at, criteria) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(by)
    .bind(millis(at))
    .bind(json(criteria)?)
    .fetch_one(&mut *tx)
    .await
    .map_err(db_err)?
    .try_get(0)
    .map_err(db_err)?;
    for case_id in ids {
        sqlx::query("INSERT INTO quality_sample_cases (sample_id, case_id) VALUES ($1, $2)")
            .bind(id)
            .bind(case_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
    }
    let mut audit = audit;
    audit.subject = format!("quality-sample-{id}");
    let mut head = AuditHead::lock(&mut tx).await?;
    head.append(&mut tx, at, &audit).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(id)
}

pub async fn sample(pool: &PgPool, id: i64) -> Result<Option<QualitySample>, StoreError> {
    let Some(head) =
        sqlx::query("SELECT drawn_by, drawn_at, criteria FROM quality_samples WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(db_err)?
    else {
        return Ok(None);
    };
    let rows = sqlx::query(
        "SELECT s.case_id, c.number, c.item_code, c.instant, s.verdict, s.notes, s.reviewed_by,
             s.reviewed_at
         FROM quality_sample_cases s JOIN cases c ON c.id = s.case_id
         WHERE s.sample_id = $1 ORDER BY s.case_id",
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    let cases = rows
        .iter()
        .map(|r| {
            let at: Option<i64> = r.try_get(7).map_err(db_err)?;
            Ok(SampleCase {
                case_id: r.try_get(0).map_err(db_err)?,
                case_number: r.try_get(1).map_err(db_err)?,
                item_code: r.try_get(2).map_err(db_err)?,
                instant: r.try_get(3).map_err(db_err)?,
                verdict: r.try_get(4).map_err(db_err)?,
                notes: r.try_get(5).map_err(db_err)?,
                reviewed_by: r.try_get(6).map_err(db_err)?,
                reviewed_at: at.map(instant).transpose()?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Some(QualitySample {
        id,
        drawn_by: head.try_get(0).map_err(db_err)?,
        drawn_at: instant(head.try_get(1).map_err(db_err)?)?,
        criteria: from_json(&head.try_get::<String, _>(2).map_err(db_err)?)?,
        cases,
    }))
}

#[expect(clippy::too_many_arguments, reason = "a finding's facts, each needed")]
pub async fn record_finding(
    pool: &PgPool,
    sample_id: i64,
    case_id: i64,
    verdict: &str,
    notes: &str,
    by: UserId,
    at: DateTime<Utc>,
    audit: AuditFact,
) -> Result<bool, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    let done = sqlx::query(
        "UPDATE quality_sample_cases SET verdict = $1, notes = $2, reviewed_by = $3,
             reviewed_at = $4
         WHERE sample_id = $5 AND case_id = $6",
    )
    .bind(verdict)
    .bind(notes)
    .bind(by)
    .bind(millis(at))
    .bind(sample_id)
    .bind(case_id)
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    let mut head = AuditHead::lock(&mut tx).await?;
    head.append(&mut tx, at, &audit).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(true)
}
