//! Webhooks (Standard Webhooks) registered by administrators: each a receiver
//! of the outbox's messages through the `webhook` delivery channel.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use onestamp_domain::case::UserId;

use super::{AuditFact, StoreError};

/// A webhook as stored. `secret` is shown to the administrator once, when it
/// is registered; the lists leave it out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    /// Event names, or `*` for every event.
    pub events: Vec<String>,
    pub description: String,
    /// Only messages of this department, when set.
    pub department: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub enabled: bool,
    /// Why it was switched off (410 Gone, its deliveries kept failing, an
    /// administrator).
    pub disabled_reason: Option<String>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

impl Webhook {
    /// The webhook without its secret.
    pub fn without_secret(mut self) -> Webhook {
        self.secret = None;
        self
    }
}

/// A webhook to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    pub url: String,
    pub events: Vec<String>,
    pub description: String,
    pub department: Option<String>,
    pub secret: String,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Registers a webhook (enabled) with its audit fact, whose subject the
    /// store fills in with the new id. The webhook as stored, secret included.
    async fn create_webhook(
        &self,
        new: NewWebhook,
        audit: AuditFact,
    ) -> Result<Webhook, StoreError>;
    /// Every webhook, oldest first, secrets included.
    async fn webhooks(&self) -> Result<Vec<Webhook>, StoreError>;
    /// One webhook, secret included.
    async fn webhook(&self, id: i64) -> Result<Option<Webhook>, StoreError>;
    /// Switches a webhook on (clearing the reason) or off (with `reason`).
    /// Whether it existed and its state changed.
    async fn set_webhook_enabled(
        &self,
        id: i64,
        enabled: bool,
        reason: Option<String>,
        audit: AuditFact,
    ) -> Result<bool, StoreError>;
    /// Removes a webhook; its pending deliveries are skipped, its delivery
    /// history is kept. Whether it existed.
    async fn delete_webhook(
        &self,
        id: i64,
        at: DateTime<Utc>,
        audit: AuditFact,
    ) -> Result<bool, StoreError>;
    /// Puts a failed or skipped delivery back in the queue, due at `now` with
    /// its schedule started again, recording `audit` with it. Whether it was one.
    async fn requeue_delivery(
        &self,
        id: i64,
        now: DateTime<Utc>,
        audit: AuditFact,
    ) -> Result<bool, StoreError>;
}
