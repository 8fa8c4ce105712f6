//! Messages (消息推送): the outbox, written in the transaction of the change
//! that causes each message, its deliveries per channel and target, and the
//! in-app inbox they end in.
//!
//! A message is written with its change (a [`NewMessage`] in a `CaseChange`, a
//! `NewCase`, an alert, a licence change), and in the same transaction one
//! delivery per channel and target: the inbox and email of each recipient
//! (unless they switched the event off, and email only when they have an
//! address) and each enabled webhook whose events and department match. A
//! delivery worker claims due deliveries of its channel with a lease (on
//! PostgreSQL `FOR UPDATE SKIP LOCKED`), delivers, and records the outcome
//! while its lease still holds; a claim whose worker died is claimed again once
//! the lease runs out, which is the only way a message is delivered twice (and
//! then with the same message id).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use onestamp_domain::case::UserId;
use onestamp_domain::message::Message;

use super::StoreError;

/// The channels deliveries go out on.
pub const CHANNELS: [&str; 3] = ["inbox", "email", "webhook"];

/// A message to write with the change that causes it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    pub message: Message,
    pub case_id: Option<i64>,
    pub case_number: Option<String>,
    pub licence_id: Option<String>,
    /// The department the message belongs to (webhooks may be limited to one).
    pub department: Option<String>,
    /// What a webhook receiver gets besides the words: the item, the licence…
    pub data: serde_json::Value,
}

/// A message as the outbox holds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredMessage {
    pub id: i64,
    pub event: String,
    pub case_id: Option<i64>,
    pub case_number: Option<String>,
    pub licence_id: Option<String>,
    pub department: Option<String>,
    /// The people it is addressed to (roles expanded when it was written).
    pub recipients: Vec<UserId>,
    pub subject: String,
    pub text: String,
    pub stage_word: String,
    pub link: String,
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Delivered,
    /// Its retry schedule ran out, or the target refused it for good.
    Failed,
    /// There was nowhere to deliver it (no address, no mail server).
    Skipped,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
            DeliveryState::Skipped => "skipped",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryState> {
        [
            DeliveryState::Pending,
            DeliveryState::Delivered,
            DeliveryState::Failed,
            DeliveryState::Skipped,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            DeliveryState::Pending => "待发送",
            DeliveryState::Delivered => "已送达",
            DeliveryState::Failed => "发送失败",
            DeliveryState::Skipped => "未发送",
        }
    }
}

/// A delivery a worker claimed: it holds it until `lease_until`.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    pub id: i64,
    pub channel: String,
    /// A user id (inbox, email) or a webhook id.
    pub target: String,
    /// Attempts so far, this one included.
    pub attempts: u32,
    pub lease_until: DateTime<Utc>,
    pub message: StoredMessage,
}

/// The outcome of one attempt, to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Finish {
    pub state: DeliveryState,
    /// When a pending delivery is tried again.
    pub due_at: DateTime<Utc>,
    /// The receiver's status code (HTTP, SMTP), when it answered.
    pub status: Option<i64>,
    /// The start of the receiver's answer.
    pub answer: Option<String>,
    pub error: Option<String>,
    pub at: DateTime<Utc>,
}

/// A delivery as the administrator's lists show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    pub id: i64,
    pub message_id: i64,
    pub event: String,
    pub case_number: Option<String>,
    pub channel: String,
    pub target: String,
    pub state: DeliveryState,
    pub attempts: u32,
    pub due_at: DateTime<Utc>,
    pub last_status: Option<i64>,
    pub last_answer: Option<String>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Deliveries of one channel by state: the `/metrics` backlog.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChannelBacklog {
    pub channel: String,
    pub pending: i64,
    pub failed: i64,
}

/// A message in a user's in-app inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub id: i64,
    /// The event (`case.accepted`…), or `licence_expiring` for reminders
    /// written before the outbox.
    pub kind: String,
    pub subject: String,
    pub body: String,
    /// Where to follow it up on this installation (a path), or empty.
    pub link: String,
    pub case_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait MessageStore: Send + Sync {
    /// Claims up to `limit` pending deliveries of `channel` due by `now` whose
    /// lease has run out, oldest first, counting the attempt and holding each
    /// until `lease_until`.
    async fn claim_deliveries(
        &self,
        channel: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Claimed>, StoreError>;
    /// Records an attempt's outcome, only while the claim's lease is still the
    /// row's (a worker whose lease ran out records nothing). Whether it did.
    async fn finish_delivery(
        &self,
        id: i64,
        lease_until: DateTime<Utc>,
        finish: Finish,
    ) -> Result<bool, StoreError>;
    /// Delivers up to `limit` due inbox deliveries into the inbox: claim,
    /// inbox entry and outcome in one transaction, so each exactly once.
    async fn deliver_inbox(&self, now: DateTime<Utc>, limit: u32) -> Result<u32, StoreError>;
    /// A user's inbox, newest first, keyset-paginated by id.
    async fn inbox(
        &self,
        user: UserId,
        before_id: Option<i64>,
        limit: u32,
        unread_only: bool,
    ) -> Result<Vec<Notification>, StoreError>;
    async fn unread_count(&self, user: UserId) -> Result<i64, StoreError>;
    /// Marks one of the user's messages (or, with `None`, all of them) read.
    /// How many changed.
    async fn mark_read(
        &self,
        user: UserId,
        id: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
    /// Pending and failed deliveries per channel.
    async fn delivery_backlog(&self) -> Result<Vec<ChannelBacklog>, StoreError>;
    /// Deliveries newest first, of one channel and target when given.
    async fn deliveries(
        &self,
        channel: Option<&str>,
        target: Option<&str>,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError>;
    async fn delivery(&self, id: i64) -> Result<Option<Delivery>, StoreError>;
    /// Puts a failed or skipped delivery back in the queue, due at `now`, with
    /// its schedule started again. Whether it was one.
    async fn retry_delivery(&self, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError>;
    /// The messages written about a case, in order.
    async fn case_messages(&self, case_id: i64) -> Result<Vec<StoredMessage>, StoreError>;
}

/// Renders a new case's messages once the store has numbered it.
pub type DraftMessages = dyn Fn(&onestamp_domain::case::Case) -> Vec<NewMessage> + Send + Sync;

/// What a new case's messages need: their words name the case's number, so
/// they are rendered inside the transaction that gives it.
#[derive(Clone, Default)]
pub struct PendingMessages {
    pub draft: Option<std::sync::Arc<DraftMessages>>,
}

impl std::fmt::Debug for PendingMessages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingMessages")
            .field("draft", &self.draft.is_some())
            .finish()
    }
}

impl PendingMessages {
    /// The messages of `case`, as numbered by the store.
    pub fn finish(&self, case: &onestamp_domain::case::Case) -> Vec<NewMessage> {
        self.draft.as_ref().map(|d| d(case)).unwrap_or_default()
    }
}
