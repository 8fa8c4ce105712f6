//! Group commit: case submissions and case actions that arrive while the writer
//! is busy share one transaction, and so one fsync, each inside a savepoint of
//! its own.
//!
//! With `synchronous=FULL` every commit waits for the disk, and the one writer
//! connection commits one transaction at a time; under load that wait, not the
//! work, bounds how many actions a second the store can take. Here a single task
//! owns the turn at the writer: it takes the first waiting change, then every
//! change already queued behind it (up to [`MOST`]), runs each in a savepoint,
//! commits once, and only then answers each caller. A change that fails is
//! rolled back to its savepoint and answered with its error at once; the others
//! go on. If the commit itself fails, every change of the batch gets the error,
//! and none of them is stored. An answer therefore still means: committed and on
//! disk. Nothing waits for company: a change that arrives alone is committed
//! alone, as before.

use std::future::Future;
use std::pin::Pin;

use sqlx::{Connection, SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use onestamp_app::store::StoreError;
use onestamp_domain::case::Case;

use crate::db_err;

/// Most changes in one transaction.
const MOST: usize = 64;
/// Changes that may wait for their turn before callers wait to enqueue.
const QUEUE: usize = 1024;

/// What a change gives back once committed.
pub enum Done {
    Created(Box<Case>),
    Committed,
}

type Work = Box<
    dyn for<'c> FnOnce(
            &'c mut SqliteConnection,
        )
            -> Pin<Box<dyn Future<Output = Result<Done, StoreError>> + Send + 'c>>
        + Send,
>;

struct Job {
    work: Work,
    answer: oneshot::Sender<Result<Done, StoreError>>,
}

/// The queue in front of the writer.
#[derive(Clone)]
pub struct GroupCommit {
    jobs: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Starts the task that commits for everyone; it ends when the store is dropped.
    pub fn start(writer: SqlitePool) -> GroupCommit {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(writer, queue));
        GroupCommit { jobs }
    }

    /// Runs `work` in a savepoint of the next group transaction; answers once
    /// that transaction is committed (or with the error that stopped it).
    pub async fn submit<F>(&self, work: F) -> Result<Done, StoreError>
    where
        F: for<'c> FnOnce(
                &'c mut SqliteConnection,
            )
                -> Pin<Box<dyn Future<Output = Result<Done, StoreError>> + Send + 'c>>
            + Send
            + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job = Job {
            work: Box::new(work),
            answer,
        };
        self.jobs
            .send(job)
            .await
            .map_err(|_| StoreError::Database("the database writer has stopped".into()))?;
        answered.await.map_err(|_| {
            StoreError::Database("the database writer stopped before committing".into())
        })?
    }
}

async fn run(writer: SqlitePool, mut queue: mpsc::Receiver<Job>) {
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

async fn commit_batch(writer: &SqlitePool, batch: Vec<Job>) {
    let mut tx = match writer.begin().await {
        Ok(tx) => tx,
        Err(e) => {
            let why = e.to_string();
            for job in batch {
                let _ = job.answer.send(Err(StoreError::Database(why.clone())));
            }
            return;
        }
    };
    let mut stored = Vec::with_capacity(batch.len());
    for job in batch {
        let outcome = match Connection::begin(&mut *tx).await {
            Ok(mut savepoint) => match (job.work)(&mut savepoint).await {
                Ok(done) => savepoint.commit().await.map(|()| done).map_err(db_err),
                Err(e) => {
                    // Undo this change only; the batch goes on.
                    if let Err(undo) = savepoint.rollback().await {
                        tracing::error!(error = %undo, "rolling back to a savepoint failed");
                    }
                    Err(e)
                }
            },
            Err(e) => Err(db_err(e)),
        };
        match outcome {
            Ok(done) => stored.push((job.answer, done)),
            Err(e) => {
                let _ = job.answer.send(Err(e));
            }
        }
    }
    let committed = tx.commit().await.map_err(|e| e.to_string());
    match committed {
        Ok(()) => {
            for (answer, done) in stored {
                let _ = answer.send(Ok(done));
            }
        }
        Err(why) => {
            tracing::error!(error = %why, changes = stored.len(), "group commit failed");
            for (answer, _) in stored {
                let _ = answer.send(Err(StoreError::Database(why.clone())));
            }
        }
    }
}
