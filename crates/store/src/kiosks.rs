//! Self-service kiosks (migration 0020): devices, one-time codes, kiosk
//! sessions and the simulated SMS outbox. A try is counted, a code used and a
//! session touched or ended each by one `UPDATE … WHERE` that only the first
//! of two racing nodes satisfies.

use chrono::{DateTime, Utc};

use onestamp_app::store::{AuditFact, Kiosk, KioskSessionRow, NewKioskCode, StoredSms};
use onestamp_domain::case::UserId;
use onestamp_domain::kiosk::{PendingCode, Sent};

use crate::codec::{instant, millis};
use crate::db::{Db, R, corrupt, work};

#[derive(sqlx::FromRow)]
struct KioskRow {
    id: i64,
    name: String,
    location: String,
    enabled: i64,
    created_at: i64,
}

impl KioskRow {
    fn kiosk(self) -> R<Kiosk> {
        Ok(Kiosk {
            id: self.id,
            name: self.name,
            location: self.location,
            enabled: self.enabled != 0,
            created_at: instant(self.created_at)?,
        })
    }
}

fn count(n: i64) -> R<u32> {
    u32::try_from(n).map_err(|_| corrupt(format!("count {n} out of range")))
}

pub(crate) async fn create(
    db: &Db,
    name: &str,
    location: &str,
    token_hash: &str,
    at: DateTime<Utc>,
    audit: AuditFact,
) -> R<Kiosk> {
    let (name, location, token_hash) = (
        name.to_string(),
        location.to_string(),
        token_hash.to_string(),
    );
    db.write(work(move |c| {
        Box::pin(async move {
            let row: KioskRow = sqlx::query_as(
                "INSERT INTO kiosks (name, location, token_hash, enabled, created_at)
                 VALUES ($1, $2, $3, 1, $4)
                 RETURNING id, name, location, enabled, created_at",
            )
            .bind(&name)
            .bind(&location)
            .bind(&token_hash)
            .bind(millis(at))
            .fetch_one(&mut *c)
            .await?;
            let kiosk = row.kiosk()?;
            let mut audit = audit;
            audit.subject = format!("kiosk:{}", kiosk.id);
            crate::audit::append(c, &audit).await?;
            Ok(kiosk)
        })
    }))
    .await
}

pub(crate) async fn all(db: &Db) -> R<Vec<Kiosk>> {
    let rows: Vec<KioskRow> =
        sqlx::query_as("SELECT id, name, location, enabled, created_at FROM kiosks ORDER BY id")
            .fetch_all(&db.read)
            .await?;
    rows.into_iter().map(KioskRow::kiosk).collect()
}

pub(crate) async fn by_id(db: &Db, id: i64) -> R<Option<Kiosk>> {
    let row: Option<KioskRow> =
        sqlx::query_as("SELECT id, name, location, enabled, created_at FROM kiosks WHERE id = $1")
            .bind(id)
            .fetch_optional(&db.read)
            .await?;
    row.map(KioskRow::kiosk).transpose()
}

pub(crate) async fn by_token(db: &Db, token_hash: &str) -> R<Option<Kiosk>> {
    let row: Option<KioskRow> = sqlx::query_as(
        "SELECT id, name, location, enabled, created_at FROM kiosks WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(&db.read)
    .await?;
    row.map(KioskRow::kiosk).transpose()
}

pub(crate) async fn set_enabled(
    db: &Db,
    id: i64,
    enabled: bool,
    at: DateTime<Utc>,
    audit: AuditFact,
) -> R<Option<Kiosk>> {
    db.write(work(move |c| {
        Box::pin(async move {
            let row: Option<KioskRow> = sqlx::query_as(
                "UPDATE kiosks SET enabled = $1 WHERE id = $2
                 RETURNING id, name, location, enabled, created_at",
            )
            .bind(i64::from(enabled))
            .bind(id)
            .fetch_optional(&mut *c)
            .await?;
            let Some(row) = row else {
                return Ok(None);
            };
            if !enabled {
                sqlx::query(
                    "UPDATE kiosk_sessions SET ended_at = $1
                     WHERE kiosk_id = $2 AND ended_at IS NULL",
                )
                .bind(millis(at))
                .bind(id)
                .execute(&mut *c)
                .await?;
            }
            crate::audit::append(c, &audit).await?;
            Ok(Some(row.kiosk()?))
        })
    }))
    .await
}

pub(crate) async fn codes_sent(
    db: &Db,
    kiosk_id: i64,
    identity: &str,
    since: DateTime<Utc>,
) -> R<Sent> {
    let (by_identity, last): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MAX(created_at) FROM kiosk_codes WHERE identity = $1 AND created_at >= $2",
    )
    .bind(identity)
    .bind(millis(since))
    .fetch_one(&db.read)
    .await?;
    let (by_kiosk,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM kiosk_codes WHERE kiosk_id = $1 AND created_at >= $2")
            .bind(kiosk_id)
            .bind(millis(since))
            .fetch_one(&db.read)
            .await?;
    Ok(Sent {
        by_identity: count(by_identity)?,
        by_kiosk: count(by_kiosk)?,
        last_for_identity: last.map(instant).transpose()?,
    })
}

pub(crate) async fn store_code(db: &Db, new: NewKioskCode, audit: AuditFact) -> R<i64> {
    db.write(work(move |c| {
        Box::pin(async move {
            sqlx::query(
                "UPDATE kiosk_codes SET used_at = $1
                 WHERE kiosk_id = $2 AND identity = $3 AND used_at IS NULL",
            )
            .bind(millis(new.at))
            .bind(new.kiosk_id)
            .bind(&new.identity)
            .execute(&mut *c)
            .await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO kiosk_codes (kiosk_id, identity, user_id, code_hash, created_at,
                     expires_at, tries)
                 VALUES ($1, $2, $3, $4, $5, $6, 0) RETURNING id",
            )
            .bind(new.kiosk_id)
            .bind(&new.identity)
            .bind(new.user_id)
            .bind(&new.code_hash)
            .bind(millis(new.at))
            .bind(millis(new.expires_at))
            .fetch_one(&mut *c)
            .await?;
            crate::audit::append(c, &audit).await?;
            Ok(id)
        })
    }))
    .await
}

#[derive(sqlx::FromRow)]
struct CodeRow {
    id: i64,
    identity: String,
    code_hash: String,
    expires_at: i64,
    tries: i64,
    used_at: Option<i64>,
}

pub(crate) async fn latest_code(db: &Db, kiosk_id: i64, identity: &str) -> R<Option<PendingCode>> {
    let row: Option<CodeRow> = sqlx::query_as(
        "SELECT id, identity, code_hash, expires_at, tries, used_at FROM kiosk_codes
         WHERE kiosk_id = $1 AND identity = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(kiosk_id)
    .bind(identity)
    .fetch_optional(&db.read)
    .await?;
    row.map(|r| {
        Ok(PendingCode {
            id: r.id,
            identity: r.identity,
            code_hash: r.code_hash,
            expires_at: instant(r.expires_at)?,
            tries: count(r.tries)?,
            used: r.used_at.is_some(),
        })
    })
    .transpose()
}

pub(crate) async fn fail_code(db: &Db, id: i64, max_tries: u32) -> R<Option<u32>> {
    db.write(work(move |c| {
        Box::pin(async move {
            let row: Option<(i64,)> = sqlx::query_as(
                "UPDATE kiosk_codes SET tries = tries + 1
                 WHERE id = $1 AND used_at IS NULL AND tries < $2 RETURNING tries",
            )
            .bind(id)
            .bind(i64::from(max_tries))
            .fetch_optional(&mut *c)
            .await?;
            row.map(|(n,)| count(n)).transpose()
        })
    }))
    .await
}

pub(crate) async fn redeem_code(
    db: &Db,
    id: i64,
    max_tries: u32,
    session_hash: &str,
    user_id: UserId,
    at: DateTime<Utc>,
    audit: AuditFact,
) -> R<bool> {
    let session_hash = session_hash.to_string();
    db.write(work(move |c| {
        Box::pin(async move {
            let row: Option<(i64,)> = sqlx::query_as(
                "UPDATE kiosk_codes SET used_at = $1
                 WHERE id = $2 AND used_at IS NULL AND tries < $3 RETURNING kiosk_id",
            )
            .bind(millis(at))
            .bind(id)
            .bind(i64::from(max_tries))
            .fetch_optional(&mut *c)
            .await?;
            let Some((kiosk_id,)) = row else {
                return Ok(false);
            };
            sqlx::query(
                "INSERT INTO kiosk_sessions (token_hash, kiosk_id, user_id, created_at, last_seen)
                 VALUES ($1, $2, $3, $4, $4)",
            )
            .bind(&session_hash)
            .bind(kiosk_id)
            .bind(user_id)
            .bind(millis(at))
            .execute(&mut *c)
            .await?;
            crate::audit::append(c, &audit).await?;
            Ok(true)
        })
    }))
    .await
}

pub(crate) async fn session(db: &Db, token_hash: &str) -> R<Option<KioskSessionRow>> {
    let row: Option<(i64, i64, i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT kiosk_id, user_id, created_at, last_seen, ended_at FROM kiosk_sessions
         WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(&db.read)
    .await?;
    row.map(|(kiosk_id, user_id, created, seen, ended)| {
        Ok(KioskSessionRow {
            kiosk_id,
            user_id,
            created_at: instant(created)?,
            last_seen: instant(seen)?,
            ended: ended.is_some(),
        })
    })
    .transpose()
}

pub(crate) async fn touch_session(
    db: &Db,
    token_hash: &str,
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
) -> R<bool> {
    let token_hash = token_hash.to_string();
    db.write(work(move |c| {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE kiosk_sessions SET last_seen = $1
                 WHERE token_hash = $2 AND ended_at IS NULL AND last_seen > $3",
            )
            .bind(millis(now))
            .bind(&token_hash)
            .bind(millis(idle_since))
            .execute(&mut *c)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }))
    .await
}

pub(crate) async fn end_session(
    db: &Db,
    token_hash: &str,
    at: DateTime<Utc>,
    audit: AuditFact,
) -> R<bool> {
    let token_hash = token_hash.to_string();
    db.write(work(move |c| {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE kiosk_sessions SET ended_at = $1 WHERE token_hash = $2 AND ended_at IS NULL",
            )
            .bind(millis(at))
            .bind(&token_hash)
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

pub(crate) async fn record_action(db: &Db, audit: AuditFact) -> R<()> {
    db.write(work(move |c| {
        Box::pin(async move {
            crate::audit::append(c, &audit).await?;
            Ok(())
        })
    }))
    .await
}

pub(crate) async fn send_sms(db: &Db, mobile: &str, text: &str, at: DateTime<Utc>) -> R<i64> {
    let (mobile, text) = (mobile.to_string(), text.to_string());
    db.write(work(move |c| {
        Box::pin(async move {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO sms_outbox (mobile, text, sent_at) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(&mobile)
            .bind(&text)
            .bind(millis(at))
            .fetch_one(&mut *c)
            .await?;
            Ok(id)
        })
    }))
    .await
}

pub(crate) async fn sms_to(db: &Db, mobile: &str, limit: u32) -> R<Vec<StoredSms>> {
    let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT id, mobile, text, sent_at FROM sms_outbox WHERE mobile = $1
         ORDER BY id DESC LIMIT $2",
    )
    .bind(mobile)
    .bind(i64::from(limit))
    .fetch_all(&db.read)
    .await?;
    rows.into_iter()
        .map(|(id, mobile, text, at)| {
            Ok(StoredSms {
                id,
                mobile,
                text,
                sent_at: instant(at)?,
            })
        })
        .collect()
}
