//! What `audit verify` and public verification read: the chain's head row,
//! its sealed checkpoints, one subject's audited history and every case with
//! its events.

use onestamp_app::store::CaseRecord;
use onestamp_domain::audit::Checkpoint;

use crate::cases::EventRow;
use crate::codec::from_json;
use crate::db::{Db, R, Writer, work};

pub(crate) async fn head(db: &Db) -> R<(i64, String)> {
    if let Writer::Postgres(sequencer) = &db.writer {
        sequencer.link_now().await?;
    }
    Ok(sqlx::query_as("SELECT seq, hash FROM audit_head")
        .fetch_one(&db.read)
        .await?)
}

pub(crate) async fn add_checkpoint(db: &Db, checkpoint: &Checkpoint) -> R<()> {
    let cp = checkpoint.clone();
    db.write(work(move |c| {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO audit_checkpoints (seq, hash, at, key_id, signature)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(cp.seq)
            .bind(&cp.hash)
            .bind(&cp.at)
            .bind(&cp.key_id)
            .bind(&cp.signature)
            .execute(&mut *c)
            .await?;
            Ok(())
        })
    }))
    .await
}

#[derive(sqlx::FromRow)]
struct CheckpointRow {
    seq: i64,
    hash: String,
    at: String,
    key_id: String,
    signature: String,
}

pub(crate) async fn checkpoints(db: &Db) -> R<Vec<Checkpoint>> {
    let rows: Vec<CheckpointRow> = sqlx::query_as(
        "SELECT seq, hash, at, key_id, signature FROM audit_checkpoints ORDER BY seq",
    )
    .fetch_all(&db.read)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Checkpoint {
            seq: r.seq,
            hash: r.hash,
            at: r.at,
            key_id: r.key_id,
            signature: r.signature,
        })
        .collect())
}

/// Linked facts first, in chain order, then those still waiting to be linked.
pub(crate) async fn trail(db: &Db, subject: &str) -> R<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT kind, detail FROM (
             SELECT 0 AS part, seq AS n, kind, detail FROM audit_log WHERE subject = $1
             UNION ALL
             SELECT 1 AS part, id AS n, kind, detail FROM audit_pending WHERE subject = $1
         ) t ORDER BY part, n",
    )
    .bind(subject)
    .fetch_all(&db.read)
    .await?)
}

#[derive(sqlx::FromRow)]
struct CaseRow {
    id: i64,
    number: String,
    status: String,
    version: i64,
    body: String,
}

#[derive(sqlx::FromRow)]
struct CaseEventRow {
    case_id: i64,
    #[sqlx(flatten)]
    event: EventRow,
}

pub(crate) async fn case_records(db: &Db, after: i64, limit: u32) -> R<Vec<CaseRecord>> {
    let cases: Vec<CaseRow> = sqlx::query_as(
        "SELECT id, number, status, version, body FROM cases WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(&db.read)
    .await?;
    let Some(last) = cases.last().map(|c| c.id) else {
        return Ok(Vec::new());
    };
    let events: Vec<CaseEventRow> = sqlx::query_as(
        "SELECT case_id, at, actor_id, actor_role, action, opinion, from_status, to_status, version
         FROM case_events WHERE case_id > $1 AND case_id <= $2 ORDER BY case_id, seq",
    )
    .bind(after)
    .bind(last)
    .fetch_all(&db.read)
    .await?;
    let mut events = events.into_iter().peekable();
    let mut out = Vec::with_capacity(cases.len());
    for c in cases {
        let mut mine = Vec::new();
        while let Some(e) = events.next_if(|e| e.case_id <= c.id) {
            if e.case_id == c.id {
                mine.push(e.event.event()?);
            }
        }
        out.push(CaseRecord {
            id: c.id,
            number: c.number,
            status: c.status,
            version: c.version,
            body: from_json(&c.body).ok(),
            events: mine,
        });
    }
    Ok(out)
}
