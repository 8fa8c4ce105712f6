//! Staff profiles and login throttling.

use chrono::{DateTime, Utc};
use sqlx::{Row, SqlitePool};

use onestamp_app::store::{AuditFact, LoginFailures, StaffMember, StoreError, User};
use onestamp_domain::assignment::StaffProfile;
use onestamp_domain::case::UserId;
use onestamp_domain::role::Role;

use super::append_audit;
use crate::codec::{from_json, instant, json, millis, roles};
use crate::db_err;

pub async fn staff_of_role(pool: &SqlitePool, role: Role) -> Result<Vec<StaffMember>, StoreError> {
    let rows = sqlx::query(
        "SELECT u.id, u.username, u.display_name, u.identity, u.active, u.profile,
                (SELECT group_concat(role) FROM user_roles x WHERE x.user_id = u.id) AS roles,
                (SELECT count(*) FROM cases c WHERE c.task_assignee = u.id) AS load
         FROM users u JOIN user_roles r ON r.user_id = u.id
         WHERE r.role = ? AND u.active = 1 ORDER BY u.id",
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
                    active: r.try_get::<i64, _>("active").map_err(db_err)? != 0,
                    roles: roles(list.as_deref().unwrap_or("")),
                },
                profile: from_json(&r.try_get::<String, _>("profile").map_err(db_err)?)?,
                load: u32::try_from(load).unwrap_or(u32::MAX),
            })
        })
        .collect()
}

pub async fn profile(pool: &SqlitePool, user: UserId) -> Result<Option<StaffProfile>, StoreError> {
    let row = sqlx::query("SELECT profile FROM users WHERE id = ?")
        .bind(user)
        .fetch_optional(pool)
        .await
        .map_err(db_err)?;
    row.map(|r| from_json(&r.try_get::<String, _>(0).map_err(db_err)?))
        .transpose()
}

pub async fn set_profile(
    pool: &SqlitePool,
    user: UserId,
    profile: &StaffProfile,
    audit: AuditFact,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    sqlx::query("UPDATE users SET profile = ? WHERE id = ?")
        .bind(json(profile)?)
        .bind(user)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    append_audit(&mut tx, Utc::now(), &audit).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(())
}

pub async fn failures(
    pool: &SqlitePool,
    username: &str,
) -> Result<Option<LoginFailures>, StoreError> {
    let row = sqlx::query("SELECT failures, locked_until FROM login_failures WHERE username = ?")
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

pub async fn record_failure(
    pool: &SqlitePool,
    username: &str,
    now: DateTime<Utc>,
    window: chrono::Duration,
    lock_after: u32,
    lock_for: chrono::Duration,
) -> Result<LoginFailures, StoreError> {
    let now_ms = millis(now);
    let row = sqlx::query(
        "INSERT INTO login_failures (username, failures, first_at) VALUES (?, 1, ?)
         ON CONFLICT (username) DO UPDATE SET
             failures = CASE WHEN first_at < ? THEN 1 ELSE failures + 1 END,
             first_at = CASE WHEN first_at < ? THEN excluded.first_at ELSE first_at END,
             locked_until = CASE WHEN first_at < ? THEN NULL ELSE locked_until END
         RETURNING failures",
    )
    .bind(username)
    .bind(now_ms)
    .bind(now_ms - window.num_milliseconds())
    .bind(now_ms - window.num_milliseconds())
    .bind(now_ms - window.num_milliseconds())
    .fetch_one(pool)
    .await
    .map_err(db_err)?;
    let count = u32::try_from(row.try_get::<i64, _>(0).map_err(db_err)?).unwrap_or(u32::MAX);
    let mut locked_until = None;
    if count >= lock_after {
        let until = now + lock_for;
        sqlx::query("UPDATE login_failures SET locked_until = ? WHERE username = ?")
            .bind(millis(until))
            .bind(username)
            .execute(pool)
            .await
            .map_err(db_err)?;
        locked_until = Some(until);
    }
    Ok(LoginFailures {
        failures: count,
        locked_until,
    })
}

pub async fn clear_failures(pool: &SqlitePool, username: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM login_failures WHERE username = ?")
        .bind(username)
        .execute(pool)
        .await
        .map_err(db_err)?;
    Ok(())
}
