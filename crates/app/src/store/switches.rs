//! Switches an admin flips at run time: instant decisions per item.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use onestamp_domain::case::UserId;

use super::{AuditFact, StoreError};

#[async_trait]
pub trait SwitchStore: Send + Sync {
    /// Whether instant decisions are on for an item (on unless switched off).
    async fn instant_enabled(&self, item_code: &str) -> Result<bool, StoreError>;
    async fn set_instant_enabled(
        &self,
        item_code: &str,
        enabled: bool,
        by: UserId,
        at: DateTime<Utc>,
        reason: &str,
        audit: AuditFact,
    ) -> Result<(), StoreError>;
}
