//! The licence library, seal keys, materials, notifications and public reports.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, Row};

use onestamp_app::store::{
    AuditFact, LicenceQuery, MaterialFile, Notification, StoreError, StoredLicence,
};
use onestamp_domain::case::UserId;
use onestamp_domain::licence::LicenceStatus;

use super::AuditHead;
use crate::codec::{from_json, instant, json, millis};
use crate::db_err;

const COLUMNS: &str = "SELECT seq, id, type_code, type_name, holder_user_id, holder_name, holder_is_person,
    case_id, item_code, supervising_department, issued_on, valid_until, canonical, signature, key_id,
    status_detail FROM licences";

const RETURNING: &str = "RETURNING seq, id, type_code, type_name, holder_user_id, holder_name,
    holder_is_person, case_id, item_code, supervising_department, issued_on, valid_until, canonical,
    signature, key_id, status_detail";

fn date(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| StoreError::Corrupt(format!("date '{s}': {e}")))
}

fn licence(r: &PgRow) -> Result<StoredLicence, StoreError> {
    let until: Option<String> = r.try_get("valid_until").map_err(db_err)?;
    Ok(StoredLicence {
        seq: r.try_get("seq").map_err(db_err)?,
        id: r.try_get("id").map_err(db_err)?,
        type_code: r.try_get("type_code").map_err(db_err)?,
        type_name: r.try_get("type_name").map_err(db_err)?,
        holder_user_id: r.try_get("holder_user_id").map_err(db_err)?,
        holder_name: r.try_get("holder_name").map_err(db_err)?,
        holder_is_person: r.try_get("holder_is_person").map_err(db_err)?,
        case_id: r.try_get("case_id").map_err(db_err)?,
        item_code: r.try_get("item_code").map_err(db_err)?,
        supervising_department: r.try_get("supervising_department").map_err(db_err)?,
        issued_on: date(&r.try_get::<String, _>("issued_on").map_err(db_err)?)?,
        valid_until: until.as_deref().map(date).transpose()?,
        canonical: r.try_get("canonical").map_err(db_err)?,
        signature: r.try_get("signature").map_err(db_err)?,
        key_id: r.try_get("key_id").map_err(db_err)?,
        status: from_json(&r.try_get::<String, _>("status_detail").map_err(db_err)?)?,
    })
}

/// Inserts a licence inside the caller's transaction.
pub async fn insert(conn: &mut PgConnection, l: &StoredLicence) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO licences (id, type_code, type_name, holder_user_id, holder_name, holder_is_person, case_id,
             item_code, supervising_department, issued_on, valid_until, canonical, signature, key_id, status, status_detail)
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
    .bind(l.issued_on.format("%Y-%m-%d").to_string())
    .bind(l.valid_until.map(|d| d.format("%Y-%m-%d").to_string()))
    .bind(&l.canonical)
    .bind(&l.signature)
    .bind(&l.key_id)
    .bind(l.status.as_str())
    .bind(json(&l.status)?)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

pub async fn next_serial(pool: &PgPool, type_code: &str, year: i32) -> Result<u32, StoreError> {
    let n: i64 = sqlx::query(
        "INSERT INTO licence_serials (type_code, year, last) VALUES ($1, $2, 1)
         ON CONFLICT (type_code, year) DO UPDATE SET last = licence_serials.last + 1 RETURNING last",
    )
    .bind(type_code)
    .bind(i64::from(year))
    .fetch_one(pool)
    .await
    .map_err(db_err)?
    .try_get(0)
    .map_err(db_err)?;
    u32::try_from(n).map_err(|_| StoreError::Corrupt("licence serial overflow".into()))
}

pub async fn seal_keys(pool: &PgPool) -> Result<Vec<(String, String)>, StoreError> {
    let rows = sqlx::query("SELECT key_id, public_key_hex FROM seal_keys ORDER BY created_at")
        .fetch_all(pool)
        .await
        .map_err(db_err)?;
    rows.iter()
        .map(|r| Ok((r.try_get(0).map_err(db_err)?, r.try_get(1).map_err(db_err)?)))
        .collect()
}

pub async fn register_key(
    pool: &PgPool,
    key_id: &str,
    hex: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO seal_keys (key_id, public_key_hex, created_at) VALUES ($1, $2, $3) ON CONFLICT (key_id) DO NOTHING")
        .bind(key_id)
        .bind(hex)
        .bind(millis(at))
        .execute(pool)
        .await
        .map_err(db_err)?;
    Ok(())
}

pub async fn by_id(pool: &PgPool, id: &str) -> Result<Option<StoredLicence>, StoreError> {
    let sql = format!("{COLUMNS} WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(db_err)?;
    row.as_ref().map(licence).transpose()
}

pub async fn of_case(pool: &PgPool, case_id: i64) -> Result<Option<StoredLicence>, StoreError> {
    let sql = format!("{COLUMNS} WHERE case_id = $1 ORDER BY seq DESC LIMIT 1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(case_id)
        .fetch_optional(pool)
        .await
        .map_err(db_err)?;
    row.as_ref().map(licence).transpose()
}

pub async fn list(pool: &PgPool, q: &LicenceQuery) -> Result<Vec<StoredLicence>, StoreError> {
    let mut b: QueryBuilder<Postgres> = QueryBuilder::new(COLUMNS);
    b.push(" WHERE 1 = 1");
    if let Some(h) = q.holder {
        b.push(" AND holder_user_id = ").push_bind(h);
    }
    if let Some(deps) = &q.departments
        && !deps.iter().any(|d| d == "*")
    {
        b.push(" AND supervising_department IN (");
        let mut sep = b.separated(", ");
        sep.push_bind("");
        for d in deps {
            sep.push_bind(d.clone());
        }
        b.push(")");
    }
    if let Some(s) = &q.search {
        b.push(" AND (id = ").push_bind(s.clone());
        b.push(" OR strpos(holder_name, ")
            .push_bind(s.clone())
            .push(") > 0)");
    }
    if let Some(t) = &q.type_code {
        b.push(" AND type_code = ").push_bind(t.clone());
    }
    if let Some(st) = &q.only_status {
        b.push(" AND status = ").push_bind(st.clone());
    }
    if let Some(before) = q.before_seq {
        b.push(" AND seq < ").push_bind(before);
    }
    b.push(" ORDER BY seq DESC LIMIT ")
        .push_bind(i64::from(q.limit));
    let rows = b.build().fetch_all(pool).await.map_err(db_err)?;
    rows.iter().map(licence).collect()
}

pub async fn change(
    pool: &PgPool,
    id: &str,
    status: &LicenceStatus,
    new: Option<StoredLicence>,
    audit: AuditFact,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    let done = sqlx::query(
        "UPDATE licences SET status = $1, status_detail = $2 WHERE id = $3 AND status = 'valid'",
    )
    .bind(status.as_str())
    .bind(json(status)?)
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    if done.rows_affected() != 1 {
        return Err(StoreError::VersionConflict {
            given: 0,
            current: 1,
        });
    }
    if let Some(n) = &new {
        insert(&mut tx, n).await?;
    }
    let mut head = AuditHead::lock(&mut tx).await?;
    head.append(&mut tx, Utc::now(), &audit).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(())
}

pub async fn remind_expiring(
    pool: &PgPool,
    until: NaiveDate,
    now: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<StoredLicence>, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    // Claims the due licences and flips their flag in one statement; rows that
    // another process is reminding right now are skipped, not waited for.
    let sql = format!(
        "UPDATE licences SET reminded = TRUE
         WHERE seq IN (SELECT seq FROM licences WHERE NOT reminded AND status = 'valid'
             AND valid_until IS NOT NULL AND valid_until <= $1 ORDER BY valid_until LIMIT $2
             FOR UPDATE SKIP LOCKED)
         {RETURNING}"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(until.format("%Y-%m-%d").to_string())
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?;
    let mut due: Vec<StoredLicence> = rows.iter().map(licence).collect::<Result<_, _>>()?;
    due.sort_by_key(|l| (l.valid_until, l.seq));
    let mut reminded = Vec::new();
    for l in due {
        let until = l
            .valid_until
            .map(|d| d.format("%Y年%m月%d日").to_string())
            .unwrap_or_default();
        sqlx::query(
            "INSERT INTO notifications (user_id, kind, subject, body, created_at, dedup_key)
             VALUES ($1, 'licence_expiring', $2, $3, $4, $5) ON CONFLICT (dedup_key) DO NOTHING",
        )
        .bind(l.holder_user_id)
        .bind(format!("{}即将到期", l.type_name))
        .bind(format!(
            "您的{}（编号 {}）将于 {until} 到期，如需继续经营请及时办理延续。",
            l.type_name, l.id
        ))
        .bind(millis(now))
        .bind(format!("expiring:{}", l.id))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        reminded.push(l);
    }
    tx.commit().await.map_err(db_err)?;
    Ok(reminded)
}

pub async fn notifications(
    pool: &PgPool,
    user: UserId,
    limit: u32,
) -> Result<Vec<Notification>, StoreError> {
    let rows = sqlx::query("SELECT id, kind, subject, body, created_at FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2")
        .bind(user)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(db_err)?;
    rows.iter()
        .map(|r| {
            Ok(Notification {
                id: r.try_get(0).map_err(db_err)?,
                kind: r.try_get(1).map_err(db_err)?,
                subject: r.try_get(2).map_err(db_err)?,
                body: r.try_get(3).map_err(db_err)?,
                created_at: instant(r.try_get(4).map_err(db_err)?)?,
            })
        })
        .collect()
}

pub async fn report(
    pool: &PgPool,
    l: &StoredLicence,
    text: &str,
    at: DateTime<Utc>,
    audit: AuditFact,
) -> Result<i64, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    let number: String = sqlx::query("SELECT number FROM cases WHERE id = $1")
        .bind(l.case_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?
        .try_get(0)
        .map_err(db_err)?;
    let id: i64 = sqlx::query(
        "INSERT INTO alerts (case_id, case_number, kind, stage, responsible, deadline, raised_at, dedup_key, note)
         VALUES ($1, $2, 'public_report', NULL, NULL, $3, $4, 'report:' || gen_random_uuid(), $5) RETURNING id",
    )
    .bind(l.case_id)
    .bind(&number)
    .bind(millis(at))
    .bind(millis(at))
    .bind(text)
    .fetch_one(&mut *tx)
    .await
    .map_err(db_err)?
    .try_get(0)
    .map_err(db_err)?;
    let mut head = AuditHead::lock(&mut tx).await?;
    head.append(&mut tx, at, &audit).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(id)
}

fn material(r: &PgRow) -> Result<MaterialFile, StoreError> {
    Ok(MaterialFile {
        hash: r.try_get("hash").map_err(db_err)?,
        owner: r.try_get("owner").map_err(db_err)?,
        name: r.try_get("name").map_err(db_err)?,
        content_type: r.try_get("content_type").map_err(db_err)?,
        size: r.try_get("size").map_err(db_err)?,
        uploaded_at: instant(r.try_get("uploaded_at").map_err(db_err)?)?,
    })
}

pub async fn save_material(pool: &PgPool, f: &MaterialFile) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO materials (hash, owner, name, content_type, size, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (owner, hash) DO NOTHING",
    )
    .bind(&f.hash)
    .bind(f.owner)
    .bind(&f.name)
    .bind(&f.content_type)
    .bind(f.size)
    .bind(millis(f.uploaded_at))
    .execute(pool)
    .await
    .map_err(db_err)?;
    Ok(())
}

pub async fn material_of(
    pool: &PgPool,
    owner: UserId,
    hash: &str,
) -> Result<Option<MaterialFile>, StoreError> {
    let row = sqlx::query("SELECT hash, owner, name, content_type, size, uploaded_at FROM materials WHERE owner = $1 AND hash = $2")
        .bind(owner)
        .bind(hash)
        .fetch_optional(pool)
        .await
        .map_err(db_err)?;
    row.as_ref().map(material).transpose()
}

pub async fn materials_of(
    pool: &PgPool,
    owner: UserId,
    limit: u32,
) -> Result<Vec<MaterialFile>, StoreError> {
    let rows = sqlx::query(
        "SELECT hash, owner, name, content_type, size, uploaded_at FROM materials WHERE owner = $1 ORDER BY uploaded_at DESC LIMIT $2",
    )
    .bind(owner)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    rows.iter().map(material).collect()
}
