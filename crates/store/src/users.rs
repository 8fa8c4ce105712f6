//! Users, roles and login tokens.
//!
//! A token's user is remembered for at most [`TOKEN_MEMORY`]: most requests then
//! need no query to know who is calling, and a revocation, a role change or a
//! deactivation reaches every process within that time (at once on the process
//! that made it).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use onestamp_app::store::{AuditFact, NewUser, RegistrationDetails, StoreError, User};
use onestamp_domain::case::{ApplicantKind, UserId};

use crate::codec::{millis, roles};
use crate::db::{Db, Fault, Flag, R, Sql, work};

/// How long a looked-up token is trusted without asking the database again.
pub(crate) const TOKEN_MEMORY: Duration = Duration::from_millis(900);
/// Tokens remembered at most; beyond, the memory starts afresh.
const TOKENS_REMEMBERED: usize = 100_000;

pub(crate) const USER_COLUMNS: &str =
    "u.id, u.username, u.display_name, u.identity, u.identity_kind, u.mobile, u.email, u.active,
    (SELECT string_agg(role, ',') FROM user_roles r WHERE r.user_id = u.id) AS roles";

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    identity: String,
    identity_kind: String,
    mobile: String,
    email: String,
    #[sqlx(try_from = "Flag")]
    active: bool,
    roles: Option<String>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> User {
        User {
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            identity: r.identity,
            identity_kind: identity_kind(&r.identity_kind),
            mobile: r.mobile,
            email: r.email,
            active: r.active,
            roles: roles(r.roles.as_deref().unwrap_or("")),
        }
    }
}

#[derive(sqlx::FromRow)]
struct Credentials {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: String,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    #[sqlx(flatten)]
    user: UserRow,
    expires_at: i64,
}

/// Tokens recently looked up: hash → (user, expiry, when looked up).
#[derive(Default)]
pub(crate) struct TokenMemory(Mutex<HashMap<String, (User, i64, Instant)>>);

impl TokenMemory {
    fn recall(&self, hash: &str, now: DateTime<Utc>) -> Option<Option<User>> {
        let memory = self.0.lock().ok()?;
        let (user, expires, at) = memory.get(hash)?;
        (at.elapsed() < TOKEN_MEMORY).then(|| (*expires > millis(now)).then(|| user.clone()))
    }

    fn keep(&self, hash: &str, user: &User, expires: i64) {
        if let Ok(mut memory) = self.0.lock() {
            if memory.len() >= TOKENS_REMEMBERED {
                memory.clear();
            }
            memory.insert(hash.to_string(), (user.clone(), expires, Instant::now()));
        }
    }

    fn forget(&self, hash: &str) {
        if let Ok(mut memory) = self.0.lock() {
            memory.remove(hash);
        }
    }

    pub(crate) fn forget_all(&self) {
        if let Ok(mut memory) = self.0.lock() {
            memory.clear();
        }
    }
}

fn identity_kind(stored: &str) -> Option<ApplicantKind> {
    match stored {
        "person" => Some(ApplicantKind::Person),
        "organisation" => Some(ApplicantKind::Organisation),
        _ => None,
    }
}

fn identity_kind_name(kind: Option<ApplicantKind>) -> &'static str {
    match kind {
        Some(ApplicantKind::Person) => "person",
        Some(ApplicantKind::Organisation) => "organisation",
        None => "",
    }
}

pub(crate) async fn upsert(db: &Db, new: NewUser, audit: AuditFact) -> R<User> {
    let (username, display_name, identity, identity_kind, mobile) = (
        new.username.clone(),
        new.display_name.clone(),
        new.identity.clone(),
        new.identity_kind,
        new.mobile.clone(),
    );
    let mut roles = new.roles.clone();
    let id = db
        .write(work(move |c| {
            Box::pin(async move {
                let now = Utc::now();
                let (id, email): (i64, String) = sqlx::query_as(
                    "INSERT INTO users (username, display_name, identity, identity_kind, password_hash, created_at, mobile)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name,
                         identity = excluded.identity, identity_kind = excluded.identity_kind,
                         password_hash = excluded.password_hash, mobile = excluded.mobile
                     RETURNING id, email",
                )
                .bind(&new.username)
                .bind(&new.display_name)
                .bind(&new.identity)
                .bind(identity_kind_name(new.identity_kind))
                .bind(&new.password_hash)
                .bind(millis(now))
                .bind(&new.mobile)
                .fetch_one(&mut *c)
                .await?;
                sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *c)
                    .await?;
                for role in &new.roles {
                    sqlx::query(
                        "INSERT INTO user_roles (user_id, role) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    )
                    .bind(id)
                    .bind(role.as_str())
                    .execute(&mut *c)
                    .await?;
                }
                crate::audit::append(c, &audit).await?;
                Ok((id, email))
            })
        }))
        .await?;
    let (id, email) = id;
    // Roles may have changed: sessions of this user are looked up afresh.
    db.tokens.forget_all();
    roles.sort();
    roles.dedup();
    Ok(User {
        id,
        username,
        display_name,
        roles,
        identity,
        identity_kind,
        mobile,
        email,
        active: true,
    })
}

/// An applicant registering themselves: one transaction that refuses a taken
/// user name or an identity number any user holds, then writes the user, the
/// applicant role, the registration (whose key is the identity number) and the
/// audit fact.
pub(crate) async fn register(
    db: &Db,
    new: NewUser,
    details: RegistrationDetails,
    audit: AuditFact,
) -> R<User> {
    let user = User {
        id: 0,
        username: new.username.clone(),
        display_name: new.display_name.clone(),
        roles: new.roles.clone(),
        identity: new.identity.clone(),
        identity_kind: new.identity_kind,
        mobile: new.mobile.clone(),
        email: String::new(),
        active: true,
    };
    let id = db
        .write(work(move |c| {
            Box::pin(async move {
                let (taken,): (i64,) =
                    sqlx::query_as("SELECT COUNT(*) FROM users WHERE username = $1")
                        .bind(&new.username)
                        .fetch_one(&mut *c)
                        .await?;
                if taken > 0 {
                    return Err(Fault(StoreError::Duplicate("username".into())));
                }
                let (held,): (i64,) = sqlx::query_as(
                    "SELECT (SELECT COUNT(*) FROM users WHERE identity = $1)
                          + (SELECT COUNT(*) FROM applicant_registrations WHERE identity = $1)",
                )
                .bind(&new.identity)
                .fetch_one(&mut *c)
                .await?;
                if held > 0 {
                    return Err(Fault(StoreError::Duplicate("identity".into())));
                }
                let now = millis(Utc::now());
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO users (username, display_name, identity, identity_kind, password_hash, created_at, mobile)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(&new.username)
                .bind(&new.display_name)
                .bind(&new.identity)
                .bind(identity_kind_name(new.identity_kind))
                .bind(&new.password_hash)
                .bind(now)
                .bind(&new.mobile)
                .fetch_one(&mut *c)
                .await?;
                for role in &new.roles {
                    sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                        .bind(id)
                        .bind(role.as_str())
                        .execute(&mut *c)
                        .await?;
                }
                sqlx::query(
                    "INSERT INTO applicant_registrations (identity, user_id, kind, legal_rep, contact_name, registered_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&new.identity)
                .bind(id)
                .bind(identity_kind_name(new.identity_kind))
                .bind(&details.legal_rep)
                .bind(&details.contact_name)
                .bind(now)
                .execute(&mut *c)
                .await
                .map_err(|e| {
                    // Two registrations of one number at the same moment: the
                    // second meets the key of the first.
                    match Fault::from(e) {
                        Fault(StoreError::Duplicate(_)) => {
                            Fault(StoreError::Duplicate("identity".into()))
                        }
                        other => other,
                    }
                })?;
                crate::audit::append(c, &audit).await?;
                Ok(id)
            })
        }))
        .await?;
    Ok(User { id, ..user })
}

pub(crate) async fn credentials(db: &Db, username: &str) -> R<Option<(User, String)>> {
    let sql = format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.username = $1");
    let row: Option<Credentials> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(username)
        .fetch_optional(&db.read)
        .await?;
    Ok(row.map(|r| (r.user.into(), r.password_hash)))
}

pub(crate) async fn by_id(db: &Db, id: UserId) -> R<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
    let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&db.read)
        .await?;
    Ok(row.map(User::from))
}

pub(crate) async fn all(db: &Db) -> R<Vec<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.id");
    let rows: Vec<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&db.read)
        .await?;
    Ok(rows.into_iter().map(User::from).collect())
}

/// Applicants by identity number, through the `users_by_identity` index.
pub(crate) async fn applicants_by_identity(db: &Db, identity: &str) -> R<Vec<User>> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users u
         WHERE u.identity = $1 AND u.identity <> '' AND u.identity_kind <> '' ORDER BY u.id"
    );
    let rows: Vec<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(identity)
        .fetch_all(&db.read)
        .await?;
    Ok(rows.into_iter().map(User::from).collect())
}

pub(crate) async fn create_token(
    db: &Db,
    hash: &str,
    user: UserId,
    expires: DateTime<Utc>,
) -> R<()> {
    let sql = Sql::new("INSERT INTO tokens (token_hash, user_id, expires_at) VALUES ($1, $2, $3)");
    db.execute(sql.arg(hash).arg(user).arg(millis(expires)))
        .await
        .map(drop)
}

pub(crate) async fn token_user(db: &Db, hash: &str, now: DateTime<Utc>) -> R<Option<User>> {
    if let Some(known) = db.tokens.recall(hash, now) {
        return Ok(known);
    }
    let sql = format!(
        "SELECT {USER_COLUMNS}, t.expires_at FROM tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND NOT t.revoked AND t.expires_at > $2"
    );
    let row: Option<TokenRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(hash)
        .bind(millis(now))
        .fetch_optional(&db.read)
        .await?;
    Ok(row.map(|r| {
        let user = User::from(r.user);
        db.tokens.keep(hash, &user, r.expires_at);
        user
    }))
}

pub(crate) async fn revoke_token(db: &Db, hash: &str) -> R<()> {
    db.execute(Sql::new("UPDATE tokens SET revoked = TRUE WHERE token_hash = $1").arg(hash))
        .await?;
    db.tokens.forget(hash);
    Ok(())
}
