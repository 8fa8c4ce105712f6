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
