//! The written documents of a case (办件文书) and the case's query code. A
//! document is written in the transaction of the step that produces it and never
//! changed (the table refuses UPDATE and DELETE).

use sqlx::AnyConnection;

use onestamp_app::store::StoredDocument;
use onestamp_domain::document::DocumentKind;

use crate::codec::{instant, millis, parse_enum};
use crate::db::{Db, R, Sql};

/// Inserts documents of `case_id` inside the caller's transaction.
pub(crate) async fn insert(
    conn: &mut AnyConnection,
    case_id: i64,
    documents: &[StoredDocument],
) -> R<()> {
    if documents.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new(
        "INSERT INTO case_documents (case_id, number, kind, issued_at, actor_id, canonical,
             signature, key_id) VALUES ",
    );
    sql.values(documents, |row, d| {
        row.bind(case_id)
            .bind(d.number.clone())
            .bind(d.kind.as_str())
            .bind(millis(d.issued_at))
            .bind(d.actor_id)
            .bind(d.canonical.clone())
            .bind(d.signature.clone())
            .bind(d.key_id.clone());
    });
    sql.execute(conn).await?;
    Ok(())
}

/// Sets a new case's query code and inserts its first documents.
pub(crate) async fn open(
    conn: &mut AnyConnection,
    case_id: i64,
    query_code: &str,
    documents: &[StoredDocument],
) -> R<()> {
    if !query_code.is_empty() {
        sqlx::query("UPDATE cases SET query_code = $1 WHERE id = $2")
            .bind(query_code)
            .bind(case_id)
            .execute(&mut *conn)
            .await?;
    }
    insert(conn, case_id, documents).await
}

#[derive(sqlx::FromRow)]
struct DocumentRow {
    id: i64,
    case_id: i64,
    number: String,
    kind: String,
    issued_at: i64,
    actor_id: Option<i64>,
    canonical: String,
    signature: String,
    key_id: String,
}

pub(crate) async fn of_case(db: &Db, case_id: i64) -> R<Vec<StoredDocument>> {
    let rows: Vec<DocumentRow> = sqlx::query_as(
        "SELECT id, case_id, number, kind, issued_at, actor_id, canonical, signature, key_id
         FROM case_documents WHERE case_id = $1 ORDER BY id",
    )
    .bind(case_id)
    .fetch_all(&db.read)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(StoredDocument {
                id: r.id,
                case_id: r.case_id,
                number: r.number,
                kind: parse_enum(&r.kind, DocumentKind::parse, "document kind")?,
                issued_at: instant(r.issued_at)?,
                actor_id: r.actor_id,
                canonical: r.canonical,
                signature: r.signature,
                key_id: r.key_id,
            })
        })
        .collect()
}

pub(crate) async fn query_code(db: &Db, case_id: i64) -> R<Option<String>> {
    let row: Option<(Option<String>,)> =
        sqlx::query_as("SELECT query_code FROM cases WHERE id = $1")
            .bind(case_id)
            .fetch_optional(&db.read)
            .await?;
    Ok(row.and_then(|(code,)| code))
}
