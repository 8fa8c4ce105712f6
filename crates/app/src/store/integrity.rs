//! What `audit verify` and public verification read to check the rows against
//! the audit chain: the chain's head, its sealed checkpoints, the audited
//! history of one subject, and every case with its events.

use async_trait::async_trait;

use onestamp_domain::audit::Checkpoint;
use onestamp_domain::case::{Case, CaseEvent};

use super::StoreError;

/// A stored case as `audit verify` compares it: the indexed columns, the
/// whole case in its body and its events in order.
#[derive(Debug, Clone)]
pub struct CaseRecord {
    pub id: i64,
    pub number: String,
    /// The `status` and `version` columns, which lists and searches read.
    pub status: String,
    pub version: i64,
    /// The case as the body holds it; `None` if the body cannot be read.
    pub body: Option<Case>,
    pub events: Vec<CaseEvent>,
}

#[async_trait]
pub trait IntegrityStore: Send + Sync {
    /// The head of the chain as its own row keeps it: (sequence number, hash).
    async fn audit_head(&self) -> Result<(i64, String), StoreError>;
    /// Stores a sealed checkpoint; a second one for the same sequence number
    /// is a duplicate.
    async fn add_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), StoreError>;
    /// Checkpoints in sequence order.
    async fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError>;
    /// The audited history of one subject (a licence id or a case number), in
    /// order, including facts not linked into the chain yet: (kind, detail).
    async fn audit_trail(&self, subject: &str) -> Result<Vec<(String, String)>, StoreError>;
    /// Cases with an id above `after`, in id order, each with its events.
    async fn case_records(&self, after: i64, limit: u32) -> Result<Vec<CaseRecord>, StoreError>;
}
