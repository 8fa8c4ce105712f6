//! Storage for onestamp: implementations of [`onestamp_app::Store`].
//!
//! SQLite is the embedded default (one file in the data directory, WAL,
//! `synchronous=FULL`: an action is acknowledged only after its commit is on
//! disk). PostgreSQL serves any number of server processes sharing one
//! database (`synchronous_commit=on`, the same guarantee). Both pass one
//! conformance suite (`tests/conformance.rs`). Migrations are plain SQL per
//! backend under `migrations/`, applied at start and kept at the same version.
//! No SQL lives outside this crate.

mod codec;
mod keyset;
mod postgres;
pub mod scratch;
mod sqlite;

use std::path::Path;
use std::sync::Arc;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use onestamp_app::Store;
use onestamp_app::store::StoreError;

/// Opens the store a database URL names: `postgres://` or `postgresql://` for
/// PostgreSQL (the database must exist), `sqlite://<path>` or a bare path for
/// SQLite. An empty URL means `onestamp.db` in `data_dir`.
pub async fn open(database_url: &str, data_dir: &Path) -> Result<Arc<dyn Store>, StoreError> {
    let url = database_url.trim();
    if is_postgres(url) {
        return Ok(Arc::new(PgStore::connect(url).await?));
    }
    let path = if url.is_empty() {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Database(format!(
                "cannot create data directory {}: {e}",
                data_dir.display()
            ))
        })?;
        data_dir.join("onestamp.db")
    } else {
        let p = url.strip_prefix("sqlite://").unwrap_or(url);
        Path::new(p).to_path_buf()
    };
    Ok(Arc::new(SqliteStore::open(&path).await?))
}

/// Whether a database URL names a PostgreSQL database.
pub fn is_postgres(database_url: &str) -> bool {
    let url = database_url.trim();
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}
