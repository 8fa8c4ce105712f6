//! Staff profiles and login throttling.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Row};

use onestamp_app::store::{AuditFact, LoginFailures, StaffMember, StoreError, User};
use onestamp_domain::assignment::StaffProfile;
use onestamp_domain::case::UserId;
use onestamp_domain::role::Role;

use super::AuditHead;
use crate::codec::{from_json, instant, json, millis, roles};
use crate::db_err;

pub async fn staff_of_role(pool: &PgPool, role: Role) -> Result<Vec<StaffMember>, StoreError> {
    let rows = sqlx::query(
        "SELECT u.id, u.username, u.display_name, u.identity, u.active, u.profile,
                (SELECT string_agg(role, ',') FROM user_roles x WHERE x.user_id = u.id) AS roles,
                (SELECT count(*) FROM cases c WHERE c.task_assignee = u.id) AS load
         FROM users u JOIN user_roles r ON r.user_id = u.id
         WHERE r.role = $1 AND u.active ORDER BY u.id",
    )
    .bind(role.as_str())
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    rows.iter()
        .map(|r| {
            let list: Option<String> = r.try_get("roles").map_err(db_err)?;
            let load: i64 = r.try_get("load").map_err(db_err)?;
            Ok(StaffMember {
                user: User {
                    id: r.try_get("id").map_err(db_err)?,
                    username: r.try_get("username").map_err(db_err)?,
                    display_name: r.try_get("display_name").map_err(db_err)?,
                    identity: r.try_get("identity").map_err(db_err)?,
                    active: r.try_get("active").map_err(db_err)?,
                    roles: roles(list.as_deref().unwrap_or("")),
                },
                profile: from_json(&r.try_get::<String, _>("profile").map_err(db_err)?)?,
                load: u32::try_from(load).unwrap_or(u32::MAX),
            })
        })
        .collect()
}

pub async fn profile(pool: &PgPool, user: UserId) -> Result<Option<StaffProfile>, StoreError> {
    let row = sqlx::query("SELECT profile FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(pool)
        .await
        .map_err(db_err)?;
    row.map(|r| from_json(&r.try_get::<String, _>(0).map_err(db_err)?))
        .transpose()
}

pub async fn set_profile(
    pool: &PgPool,
    user: UserId,
    profile: &StaffProfile,
    audit: AuditFact,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    sqlx::query("UPDATE users SET profile = $1 WHERE id = $2")
        .bind(json(profile)?)
        .bind(user)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    let mut head = AuditHead::lock(&mut tx).await?;
    head.append(&mut tx, Utc::now(), &audit).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(())
}

pub async fn failures(pool: &PgPool, username: &str) -> Result<Option<LoginFailures>, StoreError> {
    let row = sqlx::query("SELECT failures, locked_until FROM login_failures WHERE username = $1")
        .bind(username)
        .fetch_optional(pool)
        .await
        .map_err(db_err)?;
    row.map(|r| {
        let locked: Option<i64> = r.try_get(1).map_err(db_err)?;
        Ok(LoginFailures {
            failures: u32::try_from(r.try_get::<i64, _>(0).map_err(db_err)?).unwrap_or(u32::MAX),
            locked_until: locked.map(instant).transpose()?,
        })
    })
    .transpose()
}

/// One upsert counts the failure (restarting the count when the window since
/// the first failure has passed) and sets the lock once the count reaches
/// `lock_after`; the row lock of the upsert serialises concurrent failures.
pub async fn record_failure(
    pool: &PgPool,
    username: &str,
    now: DateTime<Utc>,
    window: chrono::Duration,
    lock_after: u32,
    lock_for: chrono::Duration,
) -> Result<LoginFailures, StoreError> {
    let now_ms = millis(now);
    let until = now + lock_for;
    let row = sqlx::query(
        "INSERT INTO login_failures AS f (username, failures, first_at, locked_until)
         VALUES ($1, 1, $2, CASE WHEN 1 >= $4 THEN $5 END)
         ON CONFLICT (username) DO UPDATE SET
             failures = CASE WHEN f.first_at < $3 THEN 1 ELSE f.failures + 1 END,
             first_at = CASE WHEN f.first_at < $3 THEN excluded.first_at ELSE f.first_at END,
             locked_until = CASE
                 WHEN (CASE WHEN f.first_at < $3 THEN 1 ELSE f.failures + 1 END) >= $4 THEN $5
                 WHEN f.first_at < $3 THEN NULL
                 ELSE f.locked_until END
         RETURNING failures, locked_until",
    )
    .bind(username)
    .bind(now_ms)
    .bind(now_ms - window.num_milliseconds())
    .bind(i64::from(lock_after))
    .bind(millis(until))
    .fetch_one(pool)
    .await
    .map_err(db_err)?;
    let count = u32::try_from(row.try_get::<i64, _>(0).map_err(db_err)?).unwrap_or(u32::MAX);
    Ok(LoginFailures {
        failures: count,
        locked_until: (count >= lock_after).then_some(until),
    })
}

pub async fn clear_failures(pool: &PgPool, username: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM login_failures WHERE username = $1")
        .bind(username)
        .execute(pool)
        .await
        .map_err(db_err)?;
    Ok(())
}
