//! Users, roles and login tokens.

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};

use onestamp_app::store::{AuditFact, NewUser, StoreError, User};
use onestamp_domain::case::UserId;

use super::append_audit;
use crate::codec::{millis, roles};
use crate::db_err;

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.identity, u.active,
    (SELECT group_concat(role) FROM user_roles r WHERE r.user_id = u.id) AS roles";

fn user(r: &SqliteRow) -> Result<User, StoreError> {
    let list: Option<String> = r.try_get("roles").map_err(db_err)?;
    Ok(User {
        id: r.try_get("id").map_err(db_err)?,
        username: r.try_get("username").map_err(db_err)?,
        display_name: r.try_get("display_name").map_err(db_err)?,
        identity: r.try_get("identity").map_err(db_err)?,
        active: r.try_get::<i64, _>("active").map_err(db_err)? != 0,
        roles: roles(list.as_deref().unwrap_or("")),
    })
}

pub async fn upsert(pool: &SqlitePool, new: NewUser, audit: AuditFact) -> Result<User, StoreError> {
    let now = Utc::now();
    let mut tx = pool.begin().await.map_err(db_err)?;
    let id: i64 = sqlx::query(
        "INSERT INTO users (username, display_name, identity, password_hash, created_at)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name,
             identity = excluded.identity, password_hash = excluded.password_hash
         RETURNING id",
    )
    .bind(&new.username)
    .bind(&new.display_name)
    .bind(&new.identity)
    .bind(&new.password_hash)
    .bind(millis(now))
    .fetch_one(&mut *tx)
    .await
    .map_err(db_err)?
    .try_get(0)
    .map_err(db_err)?;
    sqlx::query("DELETE FROM user_roles WHERE user_id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    for role in &new.roles {
        sqlx::query("INSERT OR IGNORE INTO user_roles (user_id, role) VALUES (?, ?)")
            .bind(id)
            .bind(role.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
    }
    append_audit(&mut tx, now, &audit).await?;
    tx.commit().await.map_err(db_err)?;
    let mut roles = new.roles;
    roles.sort();
    roles.dedup();
    Ok(User {
        id,
        username: new.username,
        display_name: new.display_name,
        roles,
        identity: new.identity,
        active: true,
    })
}

pub async fn credentials(
    pool: &SqlitePool,
    username: &str,
) -> Result<Option<(User, String)>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.username = ?");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(username)
        .fetch_optional(pool)
        .await
        .map_err(db_err)?;
    row.map(|r| Ok((user(&r)?, r.try_get("password_hash").map_err(db_err)?)))
        .transpose()
}

pub async fn by_id(pool: &SqlitePool, id: UserId) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(db_err)?;
    row.as_ref().map(user).transpose()
}

pub async fn all(pool: &SqlitePool) -> Result<Vec<User>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await
        .map_err(db_err)?;
    rows.iter().map(user).collect()
}

pub async fn create_token(
    pool: &SqlitePool,
    hash: &str,
    user: UserId,
    expires: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO tokens (token_hash, user_id, expires_at) VALUES (?, ?, ?)")
        .bind(hash)
        .bind(user)
        .bind(millis(expires))
        .execute(pool)
        .await
        .map_err(db_err)?;
    Ok(())
}

pub async fn token_user(
    pool: &SqlitePool,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<User>, StoreError> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = ? AND t.revoked = 0 AND t.expires_at > ?"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(hash)
        .bind(millis(now))
        .fetch_optional(pool)
        .await
        .map_err(db_err)?;
    row.as_ref().map(user).transpose()
}

pub async fn revoke_token(pool: &SqlitePool, hash: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE tokens SET revoked = 1 WHERE token_hash = ?")
        .bind(hash)
        .execute(pool)
        .await
        .map_err(db_err)?;
    Ok(())
}
