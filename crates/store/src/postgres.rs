//! What is PostgreSQL's own: connecting, and linking the audit chain.
//!
//! Any number of `onestamp serve` processes may share one database. Every write
//! is its own transaction with `synchronous_commit=on`: an answer means the
//! commit record is flushed. A change only queues its audit facts (see
//! `audit.rs`), so commits share no row and PostgreSQL flushes them together.
//! The [`Sequencer`] of each process links queued facts into the one chain
//! shortly after they commit, holding a transaction-scoped advisory lock so
//! that one process at a time links; the chain is also linked before it is read.

use std::str::FromStr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AnyPool, ConnectOptions};
use tokio::sync::Notify;

use onestamp_app::store::StoreError;

use crate::db::{Db, Dialect, Fault, R, Work, Writer};

/// Connections per process: enough for a busy node, small enough that a few
/// nodes stay well under PostgreSQL's default `max_connections` of 100.
const POOL_SIZE: u32 = 16;
/// How long a linker waits after a commit before linking, to link many at once.
const LINK_DELAY: Duration = Duration::from_millis(20);
/// How often a linker looks for facts other processes left pending.
const LINK_EVERY: Duration = Duration::from_millis(500);
/// The advisory lock key of the linker ("onestamp" in ASCII, folded to 63 bits).
const LINK_LOCK: i64 = 0x6f6e_6573_7461_6d70;

/// Connects to an existing database and applies migrations; it creates no
/// database. Migrations take an advisory lock, so several processes may start
/// at once.
pub(crate) async fn connect(url: &str) -> R<Db> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| Fault(StoreError::database(format!("bad PostgreSQL URL: {e}"))))?
        .application_name("onestamp")
        // The server default, stated so that a server-wide `off` cannot silently
        // weaken what an acknowledged action means.
        .options([("synchronous_commit", "on")]);
    let cannot = |e: sqlx::Error| {
        Fault(StoreError::Database(
            format!("cannot connect to PostgreSQL: {e}").into(),
        ))
    };
    let setup = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options.clone())
        .await
        .map_err(cannot)?;
    sqlx::migrate!("./migrations/postgres")
        .run(&setup)
        .await
        .map_err(|e| Fault(StoreError::database(format!("migration failed: {e}"))))?;
    setup.close().await;
    sqlx::any::install_default_drivers();
    let any = AnyConnectOptions::from_url(&options.to_url_lossy())?;
    let pool = AnyPoolOptions::new()
        .max_connections(POOL_SIZE)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(any)
        .await
        .map_err(cannot)?;
    Ok(Db {
        dialect: Dialect::Postgres,
        read: pool.clone(),
        writer: Writer::Postgres(Sequencer::start(pool)),
        tokens: Default::default(),
    })
}

/// Runs write transactions and links the audit chain behind them.
pub(crate) struct Sequencer {
    pub pool: AnyPool,
    wake: Arc<Notify>,
}

impl Sequencer {
    fn start(pool: AnyPool) -> Sequencer {
        let wake = Arc::new(Notify::new());
        tokio::spawn(linker(pool.clone(), Arc::downgrade(&wake)));
        Sequencer { pool, wake }
    }

    /// Runs `work` in a transaction of its own and commits it.
    pub async fn write<T: Send + 'static>(&self, work: Work<T>) -> R<T> {
        let mut tx = self.pool.begin().await?;
        let done = work(&mut tx).await?;
        tx.commit().await?;
        self.wake.notify_one();
        Ok(done)
    }

    /// Links every committed fact now (waits for another process's linker).
    pub async fn link_now(&self) -> R<u64> {
        link(&self.pool, true).await
    }
}

/// One linking round under the advisory lock; with `wait` false a round that
/// finds another process linking leaves the work to it.
async fn link(pool: &AnyPool, wait: bool) -> R<u64> {
    let mut tx = pool.begin().await?;
    let locked: bool = if wait {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(LINK_LOCK)
            .execute(&mut *tx)
            .await?;
        true
    } else {
        let row: (bool,) = sqlx::query_as("SELECT pg_try_advisory_xact_lock($1)")
            .bind(LINK_LOCK)
            .fetch_one(&mut *tx)
            .await?;
        row.0
    };
    if !locked {
        return Ok(0);
    }
    let linked = crate::audit::link(&mut tx, Dialect::Postgres).await?;
    tx.commit().await?;
    Ok(linked)
}

/// Links after local commits (a moment later, to take many at once) and every
/// [`LINK_EVERY`] for what other processes left; ends with the store.
async fn linker(pool: AnyPool, wake: Weak<Notify>) {
    loop {
        let Some(woken) = wake.upgrade() else { return };
        let _ = tokio::time::timeout(LINK_EVERY, woken.notified()).await;
        drop(woken);
        tokio::time::sleep(LINK_DELAY).await;
        if pool.is_closed() || wake.strong_count() == 0 {
            return;
        }
        if let Err(e) = link(&pool, false).await {
            tracing::warn!(error = %e.0, "linking the audit chain failed; retrying");
        }
    }
}
