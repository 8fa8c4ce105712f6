//! The written documents of a case (办件文书) and its query code (查询码).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use onestamp_domain::case::{Case, UserId};
use onestamp_domain::document::DocumentKind;

use super::{AuditFact, StoreError};

/// A sealed document as stored: the signed canonical content with its
/// signature and the key that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredDocument {
    /// Given by the store.
    pub id: i64,
    /// Set by the store for a new case.
    pub case_id: i64,
    pub number: String,
    pub kind: DocumentKind,
    pub issued_at: DateTime<Utc>,
    /// Who wrote it; `None` for the system (秒批).
    pub actor_id: Option<UserId>,
    pub canonical: String,
    pub signature: String,
    pub key_id: String,
}

/// Writes the sealed documents (and their audit facts) of a case that has just
/// been given its number and id.
pub type DraftDocuments =
    dyn Fn(&Case) -> Result<(Vec<StoredDocument>, Vec<AuditFact>), StoreError> + Send + Sync;

/// What a new case's documents need: its query code, and the documents written
/// once the store has numbered the case — their content names that number, so
/// they are sealed inside the transaction that gives it.
#[derive(Clone, Default)]
pub struct PendingDocuments {
    pub query_code: String,
    pub draft: Option<Arc<DraftDocuments>>,
}

impl std::fmt::Debug for PendingDocuments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingDocuments")
            .field("query_code", &"…")
            .field("draft", &self.draft.is_some())
            .finish()
    }
}

impl PendingDocuments {
    /// The documents and facts of `case`, as numbered by the store.
    pub fn finish(&self, case: &Case) -> Result<(Vec<StoredDocument>, Vec<AuditFact>), StoreError> {
        match &self.draft {
            Some(draft) => draft(case),
            None => Ok((Vec::new(), Vec::new())),
        }
    }
}

#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// The documents of a case, oldest first.
    async fn case_documents(&self, case_id: i64) -> Result<Vec<StoredDocument>, StoreError>;
    /// The case's query code, if it was given one.
    async fn query_code(&self, case_id: i64) -> Result<Option<String>, StoreError>;
}
