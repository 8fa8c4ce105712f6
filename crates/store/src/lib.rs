//! Storage for onestamp: implementations of [`onestamp_app::Store`].
//!
//! SQLite is the embedded default (one file in the data directory, WAL,
//! `synchronous=FULL`: an action is acknowledged only after its commit is on
//! disk). Migrations are plain SQL per backend under `migrations/`, applied at
//! start. No SQL lives outside this crate.

mod codec;
mod sqlite;

use std::path::Path;
use std::sync::Arc;

pub use sqlite::SqliteStore;

use onestamp_app::Store;
use onestamp_app::store::StoreError;

/// Opens the store a database URL names: `sqlite://<path>` (or a bare path).
/// An empty URL means `onestamp.db` in `data_dir`.
pub async fn open(database_url: &str, data_dir: &Path) -> Result<Arc<dyn Store>, StoreError> {
    let url = database_url.trim();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(StoreError::Database(
            "PostgreSQL support is not built into this version; use a SQLite path".into(),
        ));
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

pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}
