//! The licence library, seal keys, materials, notifications and public reports.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AnyConnection;

use onestamp_app::store::{
    AuditFact, LicenceQuery, MaterialFile, NewFeedRecord, NewMessage, StoreError, StoredLicence,
};
use onestamp_domain::case::UserId;
use onestamp_domain::licence::LicenceStatus;
use onestamp_domain::message::Event;

use crate::codec::{from_json, instant, json, millis};
use crate::db::{Db, Fault, Flag, R, Sql, corrupt, work};

const FIELDS: &str = "seq, id, type_code, type_name, holder_user_id, holder_name,
    holder_is_person, case_id, item_code, supervising_department, issued_on, valid_until,
    canonical, signature, key_id, status_detail";

#[derive(sqlx::FromRow)]
struct LicenceRow {
    seq: i64,
    id: String,
    type_code: String,
    type_name: String,
    holder_user_id: i64,
    holder_name: String,
    #[sqlx(try_from = "Flag")]
    holder_is_person: bool,
    case_id: i64,
    item_code: String,
    supervising_department: Option<String>,
    issued_on: String,
    valid_until: Option<String>,
    canonical: String,
    signature: String,
    key_id: String,
    status_detail: String,
}

fn date(s: &str) -> R<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| corrupt(format!("date '{s}': {e}")))
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl LicenceRow {
    fn licence(self) -> R<StoredLicence> {
        Ok(StoredLicence {
            seq: self.seq,
            id: self.id,
            type_code: self.type_code,
            type_name: self.type_name,
            holder_user_id: self.holder_user_id,
            holder_name: self.holder_name,
            holder_is_person: self.holder_is_person,
            case_id: self.case_id,
            item_code: self.item_code,
            supervising_department: self.supervising_department,
            issued_on: date(&self.issued_on)?,
            valid_until: self.valid_until.as_deref().map(date).transpose()?,
            canonical: self.canonical,
            signature: self.signature,
            key_id: self.key_id,
            status: from_json(&self.status_detail)?,
        })
    }
}

fn licences(rows: Vec<LicenceRow>) -> R<Vec<StoredLicence>> {
    rows.into_iter().map(LicenceRow::licence).collect()
}

/// Inserts a licence inside the caller's transaction.
pub(crate) async fn insert(conn: &mut AnyConnection, l: &StoredLicence) -> R<()> {
    sqlx::query(
        "INSERT INTO licences (id, type_code, type_name, holder_user_id, holder_name,
             holder_is_person, case_id, item_code, supervising_department, issued_on, valid_until,
             canonical, signature, key_id, status, status_detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(&l.id)
    .bind(&l.type_code)
    .bind(&l.type_name)
    .bind(l.holder_user_id)
    .bind(&l.holder_name)
    .bind(l.holder_is_person)
    .bind(l.case_id)
    .bind(&l.item_code)
    .bind(&l.supervising_department)
    .bind(day(l.issued_on))
    .bind(l.valid_until.map(day))
    .bind(&l.canonical)
    .bind(&l.signature)
    .bind(&l.key_id)
    .bind(l.status.as_str())
    .bind(json(&l.status)?)
    .execute(&mut *conn)
    .await?;
    let valid_until = l.valid_until.map(day).unwrap_or_default();
    count(conn, l.status.as_str(), &l.item_code, &valid_until, 1).await
}

/// Counts the figures' licences again from the licence table, inside the
/// caller's transaction (after `analytics_licences` was emptied).
pub(crate) async fn recount(conn: &mut AnyConnection) -> R<()> {
    sqlx::query(
        "INSERT INTO analytics_licences (status, item_code, valid_until, n)
         SELECT status, item_code, COALESCE(valid_until, ''), count(*) FROM licences
         GROUP BY status, item_code, COALESCE(valid_until, '')",
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves the figures' licence count of (status, item, last valid day) by
/// `delta`, inside the caller's transaction.
async fn count(
    conn: &mut AnyConnection,
    status: &str,
    item_code: &str,
    valid_until: &str,
    delta: i64,
) -> R<()> {
    sqlx::query(
        "INSERT INTO analytics_licences (status, item_code, valid_until, n) VALUES ($1, $2, $3, $4)
         ON CONFLICT (status, item_code, valid_until) DO UPDATE SET n = analytics_licences.n + excluded.n",
    )
    .bind(status)
    .bind(item_code)
    .bind(valid_until)
    .bind(delta)
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn next_serial(db: &Db, type_code: &str, year: i32) -> R<u32> {
    let type_code = type_code.to_string();
    let n = db
        .write(work(move |c| {
            Box::pin(async move {
                let (n,): (i64,) = sqlx::query_as(
                    "INSERT INTO licence_serials (type_code, year, last) VALUES ($1, $2, 1)
                     ON CONFLICT (type_code, year) DO UPDATE SET last = licence_serials.last + 1
                     RETURNING last",
                )
                .bind(type_code)
                .bind(i64::from(year))
                .fetch_one(c)
                .await?;
                Ok(n)
            })
        }))
        .await?;
    u32::try_from(n).map_err(|_| corrupt("licence serial overflow"))
}

pub(crate) async fn seal_keys(db: &Db) -> R<Vec<(String, String)>> {
    Ok(
        sqlx::query_as("SELECT key_id, public_key_hex FROM seal_keys ORDER BY created_at")
            .fetch_all(&db.read)
            .await?,
    )
}

pub(crate) async fn register_key(
    db: &Db,
    key_id: &str,
    hex: &str,
    at: DateTime<Utc>,
    audit: AuditFact,
) -> R<bool> {
    let (key_id, hex) = (key_id.to_string(), hex.to_string());
    db.write(work(move |c| {
        Box::pin(async move {
            let done = sqlx::query(
                "INSERT INTO seal_keys (key_id, public_key_hex, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (key_id) DO NOTHING",
            )
            .bind(&key_id)
            .bind(&hex)
            .bind(millis(at))
            .execute(&mut *c)
            .await?;
            // A key seen before is not registered, nor audited, again.
            let new = done.rows_affected() == 1;
            if new {
                crate::audit::append(c, &audit).await?;
            }
            Ok(new)
        })
    }))
    .await
}

pub(crate) async fn by_id(db: &Db, id: &str) -> R<Option<StoredLicence>> {
    let row: Option<LicenceRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {FIELDS} FROM licences WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.read)
    .await?;
    row.map(LicenceRow::licence).transpose()
}

pub(crate) async fn of_case(db: &Db, case_id: i64) -> R<Option<StoredLicence>> {
    let row: Option<LicenceRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {FIELDS} FROM licences WHERE case_id = $1
         AND item_code = (SELECT item_code FROM cases WHERE id = $1) ORDER BY seq DESC LIMIT 1"
    )))
    .bind(case_id)
    .fetch_optional(&db.read)
    .await?;
    row.map(LicenceRow::licence).transpose()
}

pub(crate) async fn list(db: &Db, q: &LicenceQuery) -> R<Vec<StoredLicence>> {
    let mut b = Sql::new(format!("SELECT {FIELDS} FROM licences WHERE 1 = 1"));
    if let Some(h) = q.holder {
        b.push(" AND holder_user_id = ").bind(h);
    }
    if let Some(deps) = &q.departments
        && !deps.iter().any(|d| d == "*")
    {
        b.push(" AND supervising_department IN (").bind("");
        for d in deps {
            b.push(", ").bind(d.clone());
        }
        b.push(")");
    }
    if let Some(s) = &q.search {
        b.push(" AND (id = ").bind(s.clone());
        b.push(" OR ")
            .bind_with(s.clone(), |p| db.dialect.position("holder_name", p))
            .push(" > 0)");
    }
    if let Some(t) = &q.type_code {
        b.push(" AND type_code = ").bind(t.clone());
    }
    if let Some(st) = &q.only_status {
        b.push(" AND status = ").bind(st.clone());
    }
    if let Some(before) = q.before_seq {
        b.push(" AND seq < ").bind(before);
    }
    b.push(" ORDER BY seq DESC LIMIT ").bind(i64::from(q.limit));
    licences(b.fetch_all(db).await?)
}

pub(crate) async fn change(
    db: &Db,
    id: &str,
    status: &LicenceStatus,
    new: Option<StoredLicence>,
    audit: Vec<AuditFact>,
    messages: Vec<NewMessage>,
    feed: Vec<NewFeedRecord>,
) -> R<()> {
    let (id, status) = (id.to_string(), status.clone());
    db.write(work(move |c| {
        Box::pin(async move {
            set_status(c, &id, &status).await?;
            if let Some(n) = &new {
                insert(c, n).await?;
            }
            crate::audit::append_all(c, &audit).await?;
            let now = audit.first().map_or_else(Utc::now, |f| f.at);
            crate::messages::insert_all(c, &messages, now).await?;
            crate::feed::insert_all(c, &feed).await?;
            Ok(())
        })
    }))
    .await
}

/// Sets a valid licence's status (revoked or replaced) inside the caller's
/// transaction; a licence no longer valid is a conflict.
pub(crate) async fn set_status(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    status: &LicenceStatus,
) -> R<()> {
    let done: Option<(String, Option<String>)> = sqlx::query_as(
        "UPDATE licences SET status = $1, status_detail = $2
         WHERE id = $3 AND status = 'valid' RETURNING item_code, valid_until",
    )
    .bind(status.as_str())
    .bind(json(status)?)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((item_code, valid_until)) = done else {
        return Err(Fault(StoreError::VersionConflict {
            given: 0,
            current: 1,
        }));
    };
    let valid_until = valid_until.unwrap_or_default();
    count(conn, "valid", &item_code, &valid_until, -1).await?;
    count(conn, status.as_str(), &item_code, &valid_until, 1).await
}

/// Claims the licences due for a reminder and flips their flag in one
/// statement (rows another process is reminding right now are skipped, not
/// waited for), then writes each holder's reminder once.
pub(crate) async fn remind_expiring(
    db: &Db,
    until: NaiveDate,
    now: DateTime<Utc>,
    limit: u32,
) -> R<Vec<StoredLicence>> {
    let claim = format!(
        "UPDATE licences SET reminded = TRUE
         WHERE seq IN (SELECT seq FROM licences WHERE NOT reminded AND status = 'valid'
             AND valid_until IS NOT NULL AND valid_until <= $1 ORDER BY valid_until LIMIT $2{})
         RETURNING {FIELDS}",
        db.dialect.skip_locked()
    );
    db.write(work(move |c| {
        Box::pin(async move {
            let rows: Vec<LicenceRow> = sqlx::query_as(sqlx::AssertSqlSafe(claim))
                .bind(day(until))
                .bind(i64::from(limit))
                .fetch_all(&mut *c)
                .await?;
            let mut due = licences(rows)?;
            due.sort_by_key(|l| (l.valid_until, l.seq));
            for l in &due {
                let until = l
                    .valid_until
                    .map(|d| d.format("%Y年%m月%d日").to_string())
                    .unwrap_or_default();
                let notice = onestamp_domain::message::licence_notice(
                    Event::LicenceExpiring,
                    l.holder_user_id,
                    &l.type_name,
                    &l.id,
                    &until,
                    now,
                );
                if let Some(message) = notice {
                    let msg = NewMessage {
                        message,
                        case_id: Some(l.case_id),
                        case_number: None,
                        licence_id: Some(l.id.clone()),
                        department: l.supervising_department.clone(),
                        data: serde_json::json!({"licence_id": l.id, "type_name": l.type_name,
                            "valid_until": l.valid_until}),
                    };
                    crate::messages::insert(c, &msg, now).await?;
                }
            }
            Ok(due)
        })
    }))
    .await
}

pub(crate) async fn report(
    db: &Db,
    l: &StoredLicence,
    text: &str,
    at: DateTime<Utc>,
    audit: AuditFact,
) -> R<i64> {
    let (case_id, text) = (l.case_id, text.to_string());
    let (licence_id, department) = (l.id.clone(), l.supervising_department.clone());
    let insert = format!(
        "INSERT INTO alerts (case_id, case_number, kind, stage, responsible, deadline, raised_at,
             dedup_key, note)
         SELECT id, number, 'public_report', NULL, NULL, $2, $2, 'report:' || {}, $3
         FROM cases WHERE id = $1 RETURNING id",
        db.dialect.random_key()
    );
    db.write(work(move |c| {
        Box::pin(async move {
            let row: Option<(i64,)> = sqlx::query_as(sqlx::AssertSqlSafe(insert))
                .bind(case_id)
                .bind(millis(at))
                .bind(text)
                .fetch_optional(&mut *c)
                .await?;
            let (id,) = row.ok_or_else(|| corrupt(format!("licence of missing case {case_id}")))?;
            crate::audit::append(c, &audit).await?;
            let message = onestamp_domain::message::alert(
                "public_report",
                case_id,
                &licence_id,
                None,
                None,
                &format!("report:{id}"),
                at,
            );
            if let Some(message) = message {
                let msg = NewMessage {
                    message,
                    case_id: Some(case_id),
                    case_number: None,
                    licence_id: Some(licence_id),
                    department,
                    data: serde_json::Value::Null,
                };
                crate::messages::insert(c, &msg, at).await?;
            }
            Ok(id)
        })
    }))
    .await
}

#[derive(sqlx::FromRow)]
struct MaterialRow {
    hash: String,
    owner: i64,
    name: String,
    content_type: String,
    size: i64,
    uploaded_at: i64,
    uploaded_by: Option<i64>,
}

impl MaterialRow {
    fn file(self) -> R<MaterialFile> {
        Ok(MaterialFile {
            hash: self.hash,
            owner: self.owner,
            name: self.name,
            content_type: self.content_type,
            size: self.size,
            uploaded_at: instant(self.uploaded_at)?,
            uploaded_by: self.uploaded_by.unwrap_or(self.owner),
        })
    }
}

pub(crate) async fn save_material(db: &Db, f: &MaterialFile) -> R<()> {
    let sql = Sql::new(
        "INSERT INTO materials (hash, owner, name, content_type, size, uploaded_at, uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (owner, hash) DO NOTHING",
    );
    let sql = sql
        .arg(&f.hash)
        .arg(f.owner)
        .arg(&f.name)
        .arg(&f.content_type);
    // The owner's own upload is recorded as NULL, as every file before 0010.
    let by = (f.uploaded_by != f.owner).then_some(f.uploaded_by);
    db.execute(sql.arg(f.size).arg(millis(f.uploaded_at)).arg(by))
        .await
        .map(drop)
}

const MATERIAL: &str =
    "SELECT hash, owner, name, content_type, size, uploaded_at, uploaded_by FROM materials";

pub(crate) async fn material_of(db: &Db, owner: UserId, hash: &str) -> R<Option<MaterialFile>> {
    let row: Option<MaterialRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{MATERIAL} WHERE owner = $1 AND hash = $2"
    )))
    .bind(owner)
    .bind(hash)
    .fetch_optional(&db.read)
    .await?;
    row.map(MaterialRow::file).transpose()
}

pub(crate) async fn materials_of(db: &Db, owner: UserId, limit: u32) -> R<Vec<MaterialFile>> {
    let rows: Vec<MaterialRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{MATERIAL} WHERE owner = $1 ORDER BY uploaded_at DESC LIMIT $2"
    )))
    .bind(owner)
    .bind(i64::from(limit))
    .fetch_all(&db.read)
    .await?;
    rows.into_iter().map(MaterialRow::file).collect()
}
