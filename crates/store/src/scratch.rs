//! Throw-away PostgreSQL databases, for benchmarks and tests that need a fresh
//! database of their own on a shared server.

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};

use onestamp_app::store::StoreError;

/// A database created through an admin URL; [`ScratchDatabase::drop_now`] removes it.
pub struct ScratchDatabase {
    admin: String,
    pub name: String,
    /// The URL of the new database: the admin URL with its database replaced.
    pub url: String,
}

impl ScratchDatabase {
    /// Creates a database named `<prefix>_<pid>_<nanos>_<n>` on the server `admin_url` names.
    pub async fn create(admin_url: &str, prefix: &str) -> Result<ScratchDatabase, StoreError> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let prefix: String = prefix
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let name = format!(
            "{prefix}_{}_{nanos}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let url = with_database(admin_url, &name)?;
        let mut conn = PgConnection::connect(admin_url)
            .await
            .map_err(|e| StoreError::database(format!("cannot connect to PostgreSQL: {e}")))?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .map_err(|e| StoreError::database(format!("cannot create database {name}: {e}")))?;
        Ok(ScratchDatabase {
            admin: admin_url.to_string(),
            name,
            url,
        })
    }

    /// Drops the database, ending connections still open to it.
    pub async fn drop_now(self) -> Result<(), StoreError> {
        let mut conn = PgConnection::connect(&self.admin)
            .await
            .map_err(|e| StoreError::database(format!("cannot connect to PostgreSQL: {e}")))?;
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .map_err(|e| StoreError::database(format!("cannot drop {}: {e}", self.name)))?;
        Ok(())
    }
}

/// `url` with its database replaced by `name`, keeping user, host and parameters.
pub fn with_database(url: &str, name: &str) -> Result<String, StoreError> {
    PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::database(format!("bad PostgreSQL URL: {e}")))?;
    let (base, params) = match url.split_once('?') {
        Some((b, p)) => (b, Some(p)),
        None => (url, None),
    };
    let host_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[host_start..].find('/') {
        Some(i) => &base[..host_start + i],
        None => base,
    };
    Ok(match params {
        Some(p) => format!("{base}/{name}?{p}"),
        None => format!("{base}/{name}"),
    })
}

/// How many fully synced single-row commits per second the disk under a store
/// takes: the yardstick a bench prints beside its own figures. SQLite: a fresh
/// file in `dir` (WAL, `synchronous=FULL`, one connection). PostgreSQL: the
/// database `url` names (`synchronous_commit=on`), one scratch table, `clients`
/// connections committing at once. Runs for about `time`.
pub async fn commit_rate(
    url: Option<&str>,
    dir: &std::path::Path,
    clients: u32,
    time: std::time::Duration,
) -> Result<f64, StoreError> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    let fail = |e: sqlx::Error| StoreError::database(format!("commit rate: {e}"));
    let start = std::time::Instant::now();
    let mut commits = 0u64;
    match url {
        None => {
            let options = SqliteConnectOptions::new()
                .filename(dir.join("commit-rate.db"))
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full);
            let mut conn = sqlx::SqliteConnection::connect_with(&options)
                .await
                .map_err(fail)?;
            sqlx::query("CREATE TABLE IF NOT EXISTS commits (n INTEGER)")
                .execute(&mut conn)
                .await
                .map_err(fail)?;
            while start.elapsed() < time {
                sqlx::query("INSERT INTO commits (n) VALUES ($1)")
                    .bind(commits as i64)
                    .execute(&mut conn)
                    .await
                    .map_err(fail)?;
                commits += 1;
            }
        }
        Some(url) => {
            let options = PgConnectOptions::from_str(url)
                .map_err(|e| StoreError::database(format!("bad PostgreSQL URL: {e}")))?
                .options([("synchronous_commit", "on")]);
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(clients.max(1))
                .connect_with(options)
                .await
                .map_err(fail)?;
            sqlx::query("CREATE TABLE IF NOT EXISTS bench_commits (n BIGINT)")
                .execute(&pool)
                .await
                .map_err(fail)?;
            let mut each = Vec::new();
            for _ in 0..clients.max(1) {
                let pool = pool.clone();
                each.push(tokio::spawn(async move {
                    let mut n = 0u64;
                    while start.elapsed() < time {
                        sqlx::query("INSERT INTO bench_commits (n) VALUES ($1)")
                            .bind(n as i64)
                            .execute(&pool)
                            .await?;
                        n += 1;
                    }
                    Ok::<u64, sqlx::Error>(n)
                }));
            }
            for one in each {
                commits += one
                    .await
                    .map_err(|e| StoreError::database(e.to_string()))?
                    .map_err(fail)?;
            }
            sqlx::query("DROP TABLE bench_commits")
                .execute(&pool)
                .await
                .map_err(fail)?;
            pool.close().await;
        }
    }
    Ok(commits as f64 / start.elapsed().as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_is_replaced_and_the_rest_kept() {
        let u = |s| with_database(s, "fresh").ok();
        assert_eq!(
            u("postgres://postgres@127.0.0.1:5432/test").as_deref(),
            Some("postgres://postgres@127.0.0.1:5432/fresh")
        );
        assert_eq!(
            u("postgres://u:p@db/test?sslmode=disable").as_deref(),
            Some("postgres://u:p@db/fresh?sslmode=disable")
        );
        assert_eq!(
            u("postgresql://db:5432").as_deref(),
            Some("postgresql://db:5432/fresh")
        );
    }
}
