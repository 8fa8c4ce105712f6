//! The supervision feed (审管分离, migration 0016): records written in the
//! transaction of the change they are about ([`insert_all`]), claimed once
//! (`UPDATE … WHERE claimed_at IS NULL`), and the supervision results sent
//! back about licences, handled once the same way. Overdue claims are raised
//! with the other alerts (`alerts::raise_due`).

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use onestamp_app::store::{
    AuditFact, FeedQuery, NewFeedRecord, NewMessage, NewSupervisionResult, StoredFeedRecord,
    StoredSupervisionResult,
};
use onestamp_domain::case::UserId;
use onestamp_domain::supervision_feed::{FeedKind, ResultKind};

use crate::codec::{from_json, instant, json, millis, parse_enum};
use crate::db::{Db, R, Sql, work};

/// Writes the records of a change inside its transaction.
pub(crate) async fn insert_all(conn: &mut AnyConnection, records: &[NewFeedRecord]) -> R<()> {
    if records.is_empty() {
        return Ok(());
    }
    let mut q = Sql::new(
        "INSERT INTO supervision_feed (department, kind, case_id, case_number, licence_id,
             summary, recorded_at, claim_warn, claim_due) VALUES ",
    );
    let mut rows = Vec::with_capacity(records.len());
    for r in records {
        rows.push((r, json(&r.summary)?));
    }
    q.values(&rows, |row, (r, summary)| {
        row.bind(r.department.clone())
            .bind(r.kind.as_str())
            .bind(r.case_id)
            .bind(r.case_number.clone())
            .bind(r.licence_id.clone())
            .bind(summary.clone())
            .bind(millis(r.recorded_at))
            .bind(millis(r.claim_warn))
            .bind(millis(r.claim_due));
    });
    q.execute(conn).await?;
    Ok(())
}

const FEED_COLUMNS: &str = "SELECT id, department, kind, case_id, case_number, licence_id,
    summary, recorded_at, claim_warn, claim_due, claimed_at, claimed_by FROM supervision_feed";

#[derive(sqlx::FromRow)]
struct FeedRow {
    id: i64,
    department: String,
    kind: String,
    case_id: i64,
    case_number: String,
    licence_id: Option<String>,
    summary: String,
    recorded_at: i64,
    claim_warn: i64,
    claim_due: i64,
    claimed_at: Option<i64>,
    claimed_by: Option<i64>,
}

impl FeedRow {
    fn record(self) -> R<StoredFeedRecord> {
        Ok(StoredFeedRecord {
            id: self.id,
            department: self.department,
            kind: parse_enum(&self.kind, FeedKind::parse, "feed kind")?,
            case_id: self.case_id,
            case_number: self.case_number,
            licence_id: self.licence_id,
            summary: from_json(&self.summary)?,
            recorded_at: instant(self.recorded_at)?,
            claim_warn: instant(self.claim_warn)?,
            claim_due: instant(self.claim_due)?,
            claimed_at: self.claimed_at.map(instant).transpose()?,
            claimed_by: self.claimed_by,
        })
    }
}

pub(crate) async fn list(db: &Db, query: &FeedQuery) -> R<Vec<StoredFeedRecord>> {
    let mut q = Sql::new(FEED_COLUMNS);
    q.push(" WHERE 1 = 1");
    if let Some(deps) = &query.departments {
        if deps.is_empty() {
            return Ok(Vec::new());
        }
        q.push(" AND department IN (");
        for (i, d) in deps.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(d.clone());
        }
        q.push(")");
    }
    if let Some(after) = query.after {
        q.push(" AND id > ").bind(after);
    }
    if let Some(before) = query.before {
        q.push(" AND id < ").bind(before);
    }
    q.push(if query.newest_first {
        " ORDER BY id DESC LIMIT "
    } else {
        " ORDER BY id LIMIT "
    })
    .bind(i64::from(query.limit));
    let rows: Vec<FeedRow> = q.fetch_all(db).await?;
    rows.into_iter().map(FeedRow::record).collect()
}

pub(crate) async fn by_id(db: &Db, id: i64) -> R<Option<StoredFeedRecord>> {
    let row: Option<FeedRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{FEED_COLUMNS} WHERE id = $1")))
            .bind(id)
            .fetch_optional(&db.read)
            .await?;
    row.map(FeedRow::record).transpose()
}

pub(crate) async fn claim(
    db: &Db,
    id: i64,
    by: UserId,
    at: DateTime<Utc>,
    audit: AuditFact,
) -> R<bool> {
    db.write(work(move |c| {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE supervision_feed SET claimed_at = $1, claimed_by = $2
                 WHERE id = $3 AND claimed_at IS NULL",
            )
            .bind(millis(at))
            .bind(by)
            .bind(id)
            .execute(&mut *c)
            .await?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            crate::audit::append(c, &audit).await?;
            Ok(true)
        })
    }))
    .await
}

const RESULT_COLUMNS: &str = "SELECT id, licence_id, case_id, department, kind, note,
    recorded_by, recorded_at, handled_at, handled_by, handled_note FROM supervision_results";

#[derive(sqlx::FromRow)]
struct ResultRow {
    id: i64,
    licence_id: String,
    case_id: i64,
    department: String,
    kind: String,
    note: String,
    recorded_by: i64,
    recorded_at: i64,
    handled_at: Option<i64>,
    handled_by: Option<i64>,
    handled_note: Option<String>,
}

impl ResultRow {
    fn result(self) -> R<StoredSupervisionResult> {
        Ok(StoredSupervisionResult {
            id: self.id,
            licence_id: self.licence_id,
            case_id: self.case_id,
            department: self.department,
            kind: parse_enum(&self.kind, ResultKind::parse, "supervision result")?,
            note: self.note,
            recorded_by: self.recorded_by,
            recorded_at: instant(self.recorded_at)?,
            handled_at: self.handled_at.map(instant).transpose()?,
            handled_by: self.handled_by,
            handled_note: self.handled_note,
        })
    }
}

pub(crate) async fn record_result(
    db: &Db,
    new: NewSupervisionResult,
    audit: AuditFact,
    messages: Vec<NewMessage>,
) -> R<StoredSupervisionResult> {
    db.write(work(move |c| {
        Box::pin(async move {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO supervision_results (licence_id, case_id, department, kind, note,
                     recorded_by, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(&new.licence_id)
            .bind(new.case_id)
            .bind(&new.department)
            .bind(new.kind.as_str())
            .bind(&new.note)
            .bind(new.by)
            .bind(millis(new.at))
            .fetch_one(&mut *c)
            .await?;
            crate::audit::append(c, &audit).await?;
            // A result's messages are keyed by its id, known only now.
            for mut m in messages {
                m.message.dedup_key = format!("{}:{id}", m.message.dedup_key);
                crate::messages::insert(c, &m, new.at).await?;
            }
            Ok(StoredSupervisionResult {
                id,
                licence_id: new.licence_id,
                case_id: new.case_id,
                department: new.department,
                kind: new.kind,
                note: new.note,
                recorded_by: new.by,
                recorded_at: new.at,
                handled_at: None,
                handled_by: None,
                handled_note: None,
            })
        })
    }))
    .await
}

pub(crate) async fn results_of(db: &Db, licence_id: &str) -> R<Vec<StoredSupervisionResult>> {
    let rows: Vec<ResultRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{RESULT_COLUMNS} WHERE licence_id = $1 ORDER BY id"
    )))
    .bind(licence_id)
    .fetch_all(&db.read)
    .await?;
    rows.into_iter().map(ResultRow::result).collect()
}

pub(crate) async fn result_by_id(db: &Db, id: i64) -> R<Option<StoredSupervisionResult>> {
    let row: Option<ResultRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{RESULT_COLUMNS} WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.read)
    .await?;
    row.map(ResultRow::result).transpose()
}

pub(crate) async fn handle(
    db: &Db,
    id: i64,
    by: UserId,
    note: &str,
    at: DateTime<Utc>,
    audit: AuditFact,
) -> R<bool> {
    let note = note.to_string();
    db.write(work(move |c| {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE supervision_results SET handled_at = $1, handled_by = $2,
                     handled_note = $3
                 WHERE id = $4 AND handled_at IS NULL",
            )
            .bind(millis(at))
            .bind(by)
            .bind(&note)
            .bind(id)
            .execute(&mut *c)
            .await?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            crate::audit::append(c, &audit).await?;
            Ok(true)
        })
    }))
    .await
}
