//! What is SQLite's own: opening the file, and the one writer with group commit.
//!
//! The database is one file in WAL mode with `synchronous=FULL`: an answer means
//! the commit is on disk. There is one writer connection (SQLite has one writer
//! anyway; this keeps writers from failing with SQLITE_BUSY) and a pool of
//! read-only connections.
//!
//! Group commit: every write transaction is queued at the writer. One task owns
//! the writer; it takes the first waiting change and every change already queued
//! behind it (up to [`MOST`]), runs each in a savepoint of one transaction, links
//! their audit facts into the chain, commits once — one fsync for all — and only
//! then answers each caller. A change that fails is rolled back to its savepoint
//! and answered with its error; the others go on. If the commit fails, every
//! change of the group gets the error and none is stored. Nothing waits for
//! company: a change that arrives alone is committed alone.

use std::any::Any as Boxed;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AnyPool, ConnectOptions, Connection};
use tokio::sync::{mpsc, oneshot};

use onestamp_app::store::StoreError;

use crate::db::{Db, Dialect, Fault, R, Work, Writer, corrupt};

/// Most changes in one transaction.
const MOST: usize = 64;
/// Changes that may wait for their turn before callers wait to enqueue.
const QUEUE: usize = 1024;

/// Set on every connection. The first 64 MiB of the file (the schema, the
/// small tables and the analytics rows written first) are read through a
/// memory map and each connection keeps 16 MiB of pages: at a million cases a
/// request's reads cost few system calls once the pages are warm. The map is
/// kept small because its pages count in the server's resident memory: at
/// 256 MiB the server's peak reached 347 MiB.
const PRAGMAS: &str = "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
    PRAGMA busy_timeout = 10000; PRAGMA mmap_size = 67108864; PRAGMA cache_size = -16384;";

/// Opens (creating if needed) the database file and applies migrations.
pub(crate) async fn open(path: &Path) -> R<Db> {
    let path = std::path::absolute(path)
        .map_err(|e| Fault(StoreError::database(format!("{}: {e}", path.display()))))?;
    let cannot_open = |e: sqlx::Error| {
        Fault(StoreError::Database(
            format!("cannot open {}: {e}", path.display()).into(),
        ))
    };
    let options = SqliteConnectOptions::from_str("sqlite://")?
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    // Migrations run on a plain SQLite connection; the store then works through
    // the Any driver like the PostgreSQL store.
    let setup = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options.clone())
        .await
        .map_err(cannot_open)?;
    sqlx::migrate!("./migrations/sqlite")
        .run(&setup)
        .await
        .map_err(|e| Fault(StoreError::database(format!("migration failed: {e}"))))?;
    setup.close().await;
    let url = options.to_url_lossy();
    let writer = pool(url.as_str(), 1).await.map_err(cannot_open)?;
    let read_url = options
        .create_if_missing(false)
        .read_only(true)
        .to_url_lossy();
    let read = pool(read_url.as_str(), 8).await.map_err(cannot_open)?;
    Ok(Db {
        dialect: Dialect::Sqlite,
        read,
        writer: Writer::Sqlite(GroupCommit::start(writer)),
        tokens: Default::default(),
    })
}

/// Writes a consistent copy of the database to a new file while it serves:
/// VACUUM INTO reads one snapshot and writes it, compacted; writers go on (WAL).
pub(crate) async fn backup(db: &Db, to: &Path) -> R<()> {
    if db.dialect == Dialect::Postgres {
        return Err(Fault(StoreError::database(
            "a PostgreSQL store is backed up with pg_dump, e.g. pg_dump -Fc -f onestamp.dump <database url>",
        )));
    }
    let target = to
        .to_str()
        .ok_or_else(|| Fault(StoreError::database("backup path is not UTF-8")))?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(&db.read)
        .await
        .map_err(|e| {
            Fault(StoreError::database(format!(
                "backup to {}: {e}",
                to.display()
            )))
        })?;
    Ok(())
}

async fn pool(url: &str, size: u32) -> Result<AnyPool, sqlx::Error> {
    sqlx::any::install_default_drivers();
    AnyPoolOptions::new()
        .max_connections(size)
        .after_connect(|conn, _| {
            Box::pin(async move {
                sqlx::raw_sql(PRAGMAS).execute(conn).await?;
                Ok(())
            })
        })
        .connect(url)
        .await
}

type Answer = oneshot::Sender<R<Box<dyn Boxed + Send>>>;

struct Job {
    work: Work<Box<dyn Boxed + Send>>,
    answer: Answer,
}

/// The queue in front of the writer.
pub(crate) struct GroupCommit {
    jobs: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Starts the task that commits for everyone; it ends when the store is dropped.
    fn start(writer: AnyPool) -> GroupCommit {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(writer, queue));
        GroupCommit { jobs }
    }

    /// Runs `work` in a savepoint of the next group transaction; answers once
    /// that transaction is committed (or with the error that stopped it).
    pub async fn submit<T: Send + 'static>(&self, work: Work<T>) -> R<T> {
        let (answer, answered) = oneshot::channel();
        let work: Work<Box<dyn Boxed + Send>> = Box::new(move |conn| {
            Box::pin(async move {
                work(conn)
                    .await
                    .map(|t| Box::new(t) as Box<dyn Boxed + Send>)
            })
        });
        self.jobs
            .send(Job { work, answer })
            .await
            .map_err(|_| Fault(StoreError::database("the database writer has stopped")))?;
        let done = answered.await.map_err(|_| {
            Fault(StoreError::database(
                "the database writer stopped before committing",
            ))
        })??;
        done.downcast::<T>()
            .map(|t| *t)
            .map_err(|_| corrupt("the writer answered with another type"))
    }
}

async fn run(writer: AnyPool, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MOST {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_batch(&writer, batch).await;
    }
}

/// The error of a failed group, given to each of its changes.
fn shared(why: &str) -> Fault {
    Fault(StoreError::database(why.to_string()))
}

async fn commit_batch(writer: &AnyPool, batch: Vec<Job>) {
    let mut tx = match writer.begin().await {
        Ok(tx) => tx,
        Err(e) => {
            let why = e.to_string();
            for job in batch {
                let _ = job.answer.send(Err(shared(&why)));
            }
            return;
        }
    };
    let mut stored = Vec::with_capacity(batch.len());
    let alone = batch.len() == 1;
    for job in batch {
        if alone {
            // Alone in its transaction, a change needs no savepoint: when it
            // fails, the whole transaction is rolled back (dropped) instead.
            match (job.work)(&mut tx).await {
                Ok(done) => stored.push((job.answer, done)),
                Err(e) => {
                    let _ = job.answer.send(Err(e));
                    return;
                }
            }
            continue;
        }
        let outcome = match Connection::begin(&mut *tx).await {
            Ok(mut savepoint) => match (job.work)(&mut savepoint).await {
                Ok(done) => savepoint.commit().await.map(|()| done).map_err(Fault::from),
                Err(e) => {
                    // Undo this change only; the group goes on.
                    if let Err(undo) = savepoint.rollback().await {
                        tracing::error!(error = %undo, "rolling back to a savepoint failed");
                    }
                    Err(e)
                }
            },
            Err(e) => Err(Fault::from(e)),
        };
        match outcome {
            Ok(done) => stored.push((job.answer, done)),
            Err(e) => {
                let _ = job.answer.send(Err(e));
            }
        }
    }
    let linked = crate::audit::link(&mut tx, Dialect::Sqlite)
        .await
        .map_err(|e| e.0.to_string());
    let committed = match linked {
        Ok(_) => tx.commit().await.map_err(|e| e.to_string()),
        Err(why) => Err(why),
    };
    match committed {
        Ok(()) => {
            for (answer, done) in stored {
                let _ = answer.send(Ok(done));
            }
        }
        Err(why) => {
            tracing::error!(error = %why, changes = stored.len(), "group commit failed");
            for (answer, _) in stored {
                let _ = answer.send(Err(shared(&why)));
            }
        }
    }
}
