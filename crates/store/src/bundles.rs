//! Bundles (联审联办, migration 0017): the bundle row, its children in theme
//! order, and the cases they start — at submission, and when a change closing
//! a child lets waiting ones start ([`step_in`], inside that change's
//! transaction, guarded by the bundle's version).

use sqlx::AnyConnection;

use onestamp_app::store::{BundleStep, NewBundle, NewCase, StoreError, StoredBundle, StoredChild};
use onestamp_domain::case::{CaseStatus, Channel, UserId};

use crate::codec::{from_json, instant, json, millis, parse_enum};
use crate::db::{Db, Fault, Flag, R, work};

pub(crate) async fn create(db: &Db, new: NewBundle) -> R<StoredBundle> {
    let id = db.write(work(move |c| Box::pin(create_in(c, new)))).await?;
    by_id(db, id)
        .await?
        .ok_or_else(|| Fault(StoreError::Corrupt(format!("bundle {id} vanished"))))
}

async fn create_in(conn: &mut AnyConnection, new: NewBundle) -> R<i64> {
    let day = format!("{}-ZT", new.number_prefix);
    let (serial,): (i64,) = sqlx::query_as(
        "INSERT INTO case_serials (day, last) VALUES ($1, 1)
         ON CONFLICT (day) DO UPDATE SET last = case_serials.last + 1 RETURNING last",
    )
    .bind(&day)
    .fetch_one(&mut *conn)
    .await?;
    let number = format!("{day}{serial:04}");
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO bundles (number, theme_code, applicant_id, channel, submitted_at, deadline,
             version, body)
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7) RETURNING id",
    )
    .bind(&number)
    .bind(&new.theme_code)
    .bind(new.applicant_id)
    .bind(new.channel.as_str())
    .bind(millis(new.submitted_at))
    .bind(millis(new.deadline))
    .bind(json(&new.body)?)
    .fetch_one(&mut *conn)
    .await?;
    for (position, (item, waits_for)) in new.children.iter().enumerate() {
        sqlx::query(
            "INSERT INTO bundle_children (bundle_id, position, item_code, waits_for)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(item)
        .bind(json(waits_for)?)
        .execute(&mut *conn)
        .await?;
    }
    let mut facts = new.audit;
    for fact in facts.iter_mut().filter(|f| f.subject.is_empty()) {
        fact.subject = number.clone();
    }
    crate::audit::append_all(conn, &facts).await?;
    crate::analytics::write(conn, &new.tally).await?;
    start(conn, id, new.start).await?;
    Ok(id)
}

/// Creates the cases of children that start and links each to its child.
async fn start(conn: &mut AnyConnection, bundle: i64, cases: Vec<(String, NewCase)>) -> R<()> {
    for (item, new) in cases {
        let case = crate::cases::create_in(conn, new).await?;
        let done = sqlx::query(
            "UPDATE bundle_children SET case_id = $1
             WHERE bundle_id = $2 AND item_code = $3 AND case_id IS NULL AND cancelled = 0",
        )
        .bind(case.id)
        .bind(bundle)
        .bind(&item)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() != 1 {
            return Err(Fault(StoreError::Corrupt(format!(
                "bundle {bundle} has no waiting child {item}"
            ))));
        }
    }
    Ok(())
}

/// What a change closing a child does to its bundle, in the change's
/// transaction; a conflict if another change moved the bundle meanwhile.
pub(crate) async fn step_in(conn: &mut AnyConnection, step: &BundleStep) -> R<()> {
    let moved = sqlx::query(
        "UPDATE bundles SET version = version + 1,
             combined_licence = coalesce($1, combined_licence)
         WHERE id = $2 AND version = $3",
    )
    .bind(step.combined.as_ref().map(|l| l.id.clone()))
    .bind(step.bundle_id)
    .bind(step.expected_version)
    .execute(&mut *conn)
    .await?;
    if moved.rows_affected() != 1 {
        let current: Option<(i64,)> = sqlx::query_as("SELECT version FROM bundles WHERE id = $1")
            .bind(step.bundle_id)
            .fetch_optional(&mut *conn)
            .await?;
        return Err(Fault(match current {
            Some((current,)) => StoreError::VersionConflict {
                given: step.expected_version,
                current,
            },
            None => StoreError::Corrupt(format!("bundle {} vanished", step.bundle_id)),
        }));
    }
    for item in &step.cancel {
        sqlx::query(
            "UPDATE bundle_children SET cancelled = 1
             WHERE bundle_id = $1 AND item_code = $2 AND case_id IS NULL",
        )
        .bind(step.bundle_id)
        .bind(item)
        .execute(&mut *conn)
        .await?;
    }
    if let Some(licence) = &step.combined {
        crate::licences::insert(conn, licence).await?;
    }
    crate::audit::append_all(conn, &step.audit).await?;
    crate::analytics::write(conn, &step.tally).await?;
    start(conn, step.bundle_id, step.start.clone()).await
}

#[derive(sqlx::FromRow)]
struct BundleRow {
    id: i64,
    number: String,
    theme_code: String,
    applicant_id: i64,
    channel: String,
    submitted_at: i64,
    deadline: i64,
    version: i64,
    combined_licence: Option<String>,
    body: String,
}

#[derive(sqlx::FromRow)]
struct ChildRow {
    item_code: String,
    waits_for: String,
    case_id: Option<i64>,
    number: Option<String>,
    status: Option<String>,
    #[sqlx(try_from = "Flag")]
    cancelled: bool,
}

const BUNDLE_COLUMNS: &str = "SELECT id, number, theme_code, applicant_id, channel, submitted_at,
    deadline, version, combined_licence, body FROM bundles";

async fn children(db: &Db, bundle: i64) -> R<Vec<StoredChild>> {
    let rows: Vec<ChildRow> = sqlx::query_as(
        "SELECT b.item_code, b.waits_for, b.case_id, c.number, c.status, b.cancelled
         FROM bundle_children b LEFT JOIN cases c ON c.id = b.case_id
         WHERE b.bundle_id = $1 ORDER BY b.position",
    )
    .bind(bundle)
    .fetch_all(&db.read)
    .await?;
    rows.into_iter()
        .map(|r| {
            let case = match (r.case_id, r.number, r.status) {
                (Some(id), Some(number), Some(status)) => Some((
                    id,
                    number,
                    parse_enum(&status, CaseStatus::parse, "case status")?,
                )),
                _ => None,
            };
            Ok(StoredChild {
                item_code: r.item_code,
                waits_for: from_json(&r.waits_for)?,
                case,
                cancelled: r.cancelled,
            })
        })
        .collect()
}

async fn whole(db: &Db, row: BundleRow) -> R<StoredBundle> {
    let children = children(db, row.id).await?;
    Ok(StoredBundle {
        id: row.id,
        number: row.number,
        theme_code: row.theme_code,
        applicant_id: row.applicant_id as UserId,
        channel: parse_enum(&row.channel, Channel::parse, "channel")?,
        submitted_at: instant(row.submitted_at)?,
        deadline: instant(row.deadline)?,
        version: row.version,
        combined_licence: row.combined_licence,
        body: from_json(&row.body)?,
        children,
    })
}

async fn maybe(db: &Db, row: Option<BundleRow>) -> R<Option<StoredBundle>> {
    match row {
        Some(row) => Ok(Some(whole(db, row).await?)),
        None => Ok(None),
    }
}

pub(crate) async fn by_id(db: &Db, id: i64) -> R<Option<StoredBundle>> {
    let row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{BUNDLE_COLUMNS} WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.read)
    .await?;
    maybe(db, row).await
}

pub(crate) async fn of_case(db: &Db, case_id: i64) -> R<Option<StoredBundle>> {
    let row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{BUNDLE_COLUMNS} WHERE id = (SELECT bundle_id FROM bundle_children WHERE case_id = $1)"
    )))
    .bind(case_id)
    .fetch_optional(&db.read)
    .await?;
    maybe(db, row).await
}

pub(crate) async fn of_licence(db: &Db, licence_id: &str) -> R<Option<StoredBundle>> {
    let row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{BUNDLE_COLUMNS} WHERE combined_licence = $1"
    )))
    .bind(licence_id)
    .fetch_optional(&db.read)
    .await?;
    maybe(db, row).await
}

pub(crate) async fn of_theme(db: &Db, theme_code: &str, limit: u32) -> R<Vec<StoredBundle>> {
    let rows: Vec<BundleRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{BUNDLE_COLUMNS} WHERE theme_code = $1 ORDER BY id DESC LIMIT $2"
    )))
    .bind(theme_code)
    .bind(i64::from(limit))
    .fetch_all(&db.read)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(whole(db, row).await?);
    }
    Ok(out)
}

pub(crate) async fn of_applicant(
    db: &Db,
    applicant: UserId,
    before: Option<i64>,
    limit: u32,
) -> R<Vec<StoredBundle>> {
    let rows: Vec<BundleRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{BUNDLE_COLUMNS} WHERE applicant_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
    )))
    .bind(applicant)
    .bind(before.unwrap_or(i64::MAX))
    .bind(i64::from(limit))
    .fetch_all(&db.read)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(whole(db, row).await?);
    }
    Ok(out)
}
