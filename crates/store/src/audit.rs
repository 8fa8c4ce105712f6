//! The audit chain, appended in two steps on both backends.
//!
//! A change calls [`append`] inside its own transaction: the fact goes into
//! `audit_pending`, touching no row another writer needs. [`link`] then moves
//! pending facts, in the order they were inserted, into `audit_log`, giving each
//! its sequence number and SM3 hash after the head kept in `audit_head`. SQLite
//! links at the end of each write transaction of its one writer, so its chain is
//! whole at every commit; PostgreSQL links shortly after, in one linker per
//! database at a time (see `postgres.rs`), and before the chain is read.
//!
//! A fact that committed is in exactly one of the two tables; its place in the
//! chain is fixed when it is linked.

use sqlx::AnyConnection;

use onestamp_app::store::AuditFact;
use onestamp_domain::audit::{AuditEntry, entry_hash, stamp};

use crate::codec::json;
use crate::db::{Db, Dialect, R, Sql, Writer};

/// Facts linked per statement.
const LINK_BATCH: i64 = 500;

/// Queues one fact for the chain inside the caller's transaction, stamped with
/// the time of the decision it carries.
pub(crate) async fn append(conn: &mut AnyConnection, fact: &AuditFact) -> R<()> {
    append_all(conn, std::slice::from_ref(fact)).await
}

/// Queues facts for the chain, in order, in one statement.
pub(crate) async fn append_all(conn: &mut AnyConnection, facts: &[AuditFact]) -> R<()> {
    if facts.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::with_capacity(facts.len());
    for f in facts {
        rows.push((f, stamp(f.at), json(&f.detail)?));
    }
    let mut insert =
        Sql::new("INSERT INTO audit_pending (at, actor_id, kind, subject, detail) VALUES ");
    insert.values(&rows, |row, (fact, at, detail)| {
        row.bind(at.clone())
            .bind(fact.actor_id)
            .bind(fact.kind.clone())
            .bind(fact.subject.clone())
            .bind(detail.clone());
    });
    insert.execute(conn).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Pending {
    id: i64,
    at: String,
    actor_id: Option<i64>,
    kind: String,
    subject: String,
    detail: String,
}

#[derive(sqlx::FromRow)]
struct Head {
    seq: i64,
    hash: String,
}

/// Links every pending fact into the chain, in insertion order, inside the
/// caller's transaction; the caller holds the right to link (SQLite's writer,
/// PostgreSQL's advisory lock). Returns how many were linked.
pub(crate) async fn link(conn: &mut AnyConnection, dialect: Dialect) -> R<u64> {
    let mut linked = 0;
    loop {
        let mut pending: Vec<Pending> = sqlx::query_as(
            "DELETE FROM audit_pending WHERE id IN
                 (SELECT id FROM audit_pending ORDER BY id LIMIT $1)
             RETURNING id, at, actor_id, kind, subject, detail",
        )
        .bind(LINK_BATCH)
        .fetch_all(&mut *conn)
        .await?;
        if pending.is_empty() {
            return Ok(linked);
        }
        pending.sort_by_key(|p| p.id);
        let head: Head = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT seq, hash FROM audit_head{}",
            match dialect {
                Dialect::Sqlite => "",
                Dialect::Postgres => " FOR UPDATE",
            }
        )))
        .fetch_one(&mut *conn)
        .await?;
        let mut entries = Vec::with_capacity(pending.len());
        let (mut seq, mut prev) = (head.seq, head.hash);
        for p in pending {
            seq += 1;
            let hash = entry_hash(
                &prev, seq, &p.at, p.actor_id, &p.kind, &p.subject, &p.detail,
            );
            entries.push(AuditEntry {
                seq,
                at: p.at,
                actor_id: p.actor_id,
                kind: p.kind,
                subject: p.subject,
                detail: p.detail,
                prev_hash: std::mem::replace(&mut prev, hash.clone()),
                hash,
            });
        }
        let mut insert = Sql::new(
            "INSERT INTO audit_log (seq, at, actor_id, kind, subject, detail, prev_hash, hash) VALUES ",
        );
        insert.values(&entries, |row, e| {
            row.bind(e.seq)
                .bind(e.at.clone())
                .bind(e.actor_id)
                .bind(e.kind.clone())
                .bind(e.subject.clone())
                .bind(e.detail.clone())
                .bind(e.prev_hash.clone())
                .bind(e.hash.clone());
        });
        insert.execute(conn).await?;
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2")
            .bind(seq)
            .bind(prev)
            .execute(&mut *conn)
            .await?;
        linked += entries.len() as u64;
    }
}

#[derive(sqlx::FromRow)]
struct Entry {
    seq: i64,
    at: String,
    actor_id: Option<i64>,
    kind: String,
    subject: String,
    detail: String,
    prev_hash: String,
    hash: String,
}

/// Linked entries with `seq` above `after`, in order; what has committed is
/// linked first.
pub(crate) async fn entries(db: &Db, after: i64, limit: u32) -> R<Vec<AuditEntry>> {
    if let Writer::Postgres(sequencer) = &db.writer {
        sequencer.link_now().await?;
    }
    let rows: Vec<Entry> = sqlx::query_as(
        "SELECT seq, at, actor_id, kind, subject, detail, prev_hash, hash
         FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(&db.read)
    .await?;
    Ok(rows
        .into_iter()
        .map(|e| AuditEntry {
            seq: e.seq,
            at: e.at,
            actor_id: e.actor_id,
            kind: e.kind,
            subject: e.subject,
            detail: e.detail,
            prev_hash: e.prev_hash,
            hash: e.hash,
        })
        .collect())
}
