//! Signed webhooks (Standard Webhooks) and their deliveries as the API answers
//! them.

use super::*;

/// A webhook registered by an administrator.
#[derive(Serialize, ToSchema)]
pub struct Webhook {
    pub id: i64,
    /// Where each message is posted (http or https).
    pub url: String,
    /// Event names (`case.accepted`…), or `*` for every event.
    pub events: Vec<String>,
    pub description: String,
    /// Only messages of this department, when set.
    pub department: Option<String>,
    pub enabled: bool,
    /// Why it was switched off: a 410 Gone answer, a delivery that ran out of
    /// retries (连续投递失败), or an administrator.
    pub disabled_reason: Option<String>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
}

/// A webhook just registered, with its secret: shown in this answer only.
#[derive(Serialize, ToSchema)]
pub struct RegisteredWebhook {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    pub description: String,
    pub department: Option<String>,
    /// `whsec_` and the base64 of 24 random bytes: the key of every
    /// `webhook-signature` (HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}`
    /// with the base64-decoded part after `whsec_`). Store it now: it is
    /// never shown again.
    pub secret: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
}

/// Where a delivery stands.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its (next) attempt at `due_at`.
    Pending,
    Delivered,
    /// Its retries ran out, or the receiver answered 410 Gone.
    Failed,
    /// Nowhere to deliver it (the webhook was switched off or removed).
    Skipped,
}

/// One delivery of a message to one target.
#[derive(Serialize, ToSchema)]
pub struct Delivery {
    pub id: i64,
    /// The outbox message; a webhook gets it as `webhook-id: msg_<message_id>`.
    pub message_id: i64,
    pub event: String,
    pub case_number: Option<String>,
    /// `webhook`, `email` or `inbox`.
    pub channel: String,
    /// The webhook id (or user id for email and inbox).
    pub target: String,
    pub state: DeliveryState,
    /// Attempts so far.
    pub attempts: u32,
    /// When a pending delivery is tried (again).
    pub due_at: DateTime<Utc>,
    /// The receiver's HTTP status at the last attempt, when it answered.
    pub last_status: Option<i64>,
    /// The first 500 characters of its answer.
    pub last_answer: Option<String>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}
