//! Users, sessions, the catalogue, cases and the audit log.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use onestamp_domain::audit::AuditEntry;
use onestamp_domain::case::{Case, CaseEvent, UserId};
use onestamp_domain::catalogue::{Catalogue, Department, Theme};

use super::*;

#[async_trait]
pub trait CoreStore: Send + Sync {
    // Users and sessions.
    /// Creates the user, or updates roles, name and password of an existing one.
    async fn upsert_user(&self, user: NewUser, audit: AuditFact) -> Result<User, StoreError>;
    /// Creates an applicant who registers themselves: never updates. A user name
    /// already taken is `Duplicate("username")`, an identity number any user
    /// already holds `Duplicate("identity")`, checked in the same transaction.
    async fn register_applicant(
        &self,
        user: NewUser,
        details: RegistrationDetails,
        audit: AuditFact,
    ) -> Result<User, StoreError>;
    /// The user and their password hash.
    async fn user_credentials(&self, username: &str) -> Result<Option<(User, String)>, StoreError>;
    async fn user(&self, id: UserId) -> Result<Option<User>, StoreError>;
    async fn users(&self) -> Result<Vec<User>, StoreError>;
    /// The applicants registered with this identity number (stored trimmed and
    /// upper case), oldest first.
    async fn applicants_by_identity(&self, identity: &str) -> Result<Vec<User>, StoreError>;
    async fn create_token(
        &self,
        token_hash: &str,
        user: UserId,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn token_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError>;
    async fn revoke_token(&self, token_hash: &str) -> Result<(), StoreError>;

    // Catalogue.
    /// Stores a validated catalogue whole: a new version for every changed item.
    async fn import_catalogue(
        &self,
        catalogue: &Catalogue,
        audit: AuditFact,
    ) -> Result<ImportSummary, StoreError>;
    async fn departments(&self) -> Result<Vec<Department>, StoreError>;
    /// Current version of every item, by code.
    async fn items(&self) -> Result<Vec<StoredItem>, StoreError>;
    async fn item(&self, code: &str) -> Result<Option<StoredItem>, StoreError>;
    async fn item_version(
        &self,
        code: &str,
        version: i64,
    ) -> Result<Option<StoredItem>, StoreError>;
    async fn themes(&self) -> Result<Vec<Theme>, StoreError>;

    // Cases.
    /// Stores a new case with its first event; assigns id and the day's case number.
    async fn create_case(&self, new: NewCase) -> Result<Case, StoreError>;
    async fn case(&self, id: i64) -> Result<Option<Case>, StoreError>;
    async fn case_events(&self, id: i64) -> Result<Vec<CaseEvent>, StoreError>;
    /// Applies a change if the stored version is still the expected one.
    async fn commit_case(&self, change: CaseChange) -> Result<(), StoreError>;
    async fn cases(&self, query: &CaseQuery) -> Result<Vec<CaseSummary>, StoreError>;
    /// Open tasks assigned to `user` in urgency order, after `after` when given.
    async fn tasks_of(
        &self,
        user: UserId,
        filter: &TaskFilter,
        after: Option<TaskKey>,
        limit: u32,
    ) -> Result<Vec<CaseSummary>, StoreError>;

    // Audit.
    /// Audit entries with `seq` above `after`, in order.
    async fn audit_entries(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>, StoreError>;

    /// Writes a consistent copy of the whole store to a new file while it keeps
    /// serving (the embedded store); a server store answers with how to back it up.
    async fn backup(&self, to: &std::path::Path) -> Result<(), StoreError>;
}
