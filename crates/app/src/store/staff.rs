//! Staff qualifications and availability, and login throttling.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use onestamp_domain::assignment::StaffProfile;
use onestamp_domain::case::UserId;
use onestamp_domain::role::Role;

use super::{AuditFact, StoreError, User};

/// A member of staff who holds a role, with profile and open task count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub user: User,
    pub profile: StaffProfile,
    pub load: u32,
}

/// Failed logins of a user name in the current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    pub failures: u32,
    pub locked_until: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait StaffStore: Send + Sync {
    /// Active users holding `role`, with profile and open task count.
    async fn staff_of_role(&self, role: Role) -> Result<Vec<StaffMember>, StoreError>;
    async fn staff_profile(&self, user: UserId) -> Result<Option<StaffProfile>, StoreError>;
    async fn set_staff_profile(
        &self,
        user: UserId,
        profile: &StaffProfile,
        audit: AuditFact,
    ) -> Result<(), StoreError>;
    async fn login_failures(&self, username: &str) -> Result<Option<LoginFailures>, StoreError>;
    /// Counts a failure; a window older than `window` starts again; at `lock_after`
    /// failures the name is locked until `now + lock_for`.
    async fn record_login_failure(
        &self,
        username: &str,
        now: DateTime<Utc>,
        window: chrono::Duration,
        lock_after: u32,
        lock_for: chrono::Duration,
    ) -> Result<LoginFailures, StoreError>;
    async fn clear_login_failures(&self, username: &str) -> Result<(), StoreError>;
    /// A person's saved workbench views (name, filter as JSON), oldest first.
    async fn saved_views(&self, user: UserId) -> Result<Vec<(String, String)>, StoreError>;
    /// Saves a view under `name`, replacing one of the same name.
    async fn save_view(
        &self,
        user: UserId,
        name: &str,
        filter: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Removes a saved view; `false` when there was none of that name.
    async fn delete_view(&self, user: UserId, name: &str) -> Result<bool, StoreError>;
}
