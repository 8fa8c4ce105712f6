//! Self-service kiosks (自助终端): the registered devices, the one-time sign-in
//! codes, the kiosk sessions and the simulated SMS outbox. Every step that
//! decides (a try counted, a code used, a session touched or ended) is one
//! guarded `UPDATE`, so two nodes never both accept the same code.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use onestamp_domain::case::UserId;
use onestamp_domain::kiosk::{PendingCode, Sent};

use super::{AuditFact, StoreError};

/// A registered kiosk (its token only as a hash, never shown again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kiosk {
    pub id: i64,
    pub name: String,
    pub location: String,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
}

/// A one-time code to store with the SMS that carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewKioskCode {
    pub kiosk_id: i64,
    pub identity: String,
    pub user_id: Option<UserId>,
    pub code_hash: String,
    pub at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A kiosk session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskSessionRow {
    pub kiosk_id: i64,
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub ended: bool,
}

/// A text in the simulated SMS outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredSms {
    pub id: i64,
    pub mobile: String,
    pub text: String,
    pub sent_at: DateTime<Utc>,
}

#[async_trait]
pub trait KioskStore: Send + Sync {
    /// Registers a kiosk with the hash of its device token; audited.
    async fn create_kiosk(
        &self,
        name: &str,
        location: &str,
        token_hash: &str,
        at: DateTime<Utc>,
        audit: AuditFact,
    ) -> Result<Kiosk, StoreError>;
    async fn kiosks(&self) -> Result<Vec<Kiosk>, StoreError>;
    async fn kiosk(&self, id: i64) -> Result<Option<Kiosk>, StoreError>;
    async fn kiosk_by_token(&self, token_hash: &str) -> Result<Option<Kiosk>, StoreError>;
    /// Enables or disables a kiosk (disabling ends its sessions); audited.
    async fn set_kiosk_enabled(
        &self,
        id: i64,
        enabled: bool,
        at: DateTime<Utc>,
        audit: AuditFact,
    ) -> Result<Option<Kiosk>, StoreError>;
    /// What was sent since `since`, for the sending limits.
    async fn kiosk_codes_sent(
        &self,
        kiosk_id: i64,
        identity: &str,
        since: DateTime<Utc>,
    ) -> Result<Sent, StoreError>;
    /// Stores a code (earlier unused codes of the identity at the kiosk are
    /// used up) and audits its sending, in one transaction.
    async fn store_kiosk_code(
        &self,
        new: NewKioskCode,
        audit: AuditFact,
    ) -> Result<i64, StoreError>;
    /// The latest code for the identity at the kiosk.
    async fn latest_kiosk_code(
        &self,
        kiosk_id: i64,
        identity: &str,
    ) -> Result<Option<PendingCode>, StoreError>;
    /// Counts a wrong try unless the code is used or used up: the tries after
    /// it, or `None` when nothing was counted.
    async fn fail_kiosk_code(&self, id: i64, max_tries: u32) -> Result<Option<u32>, StoreError>;
    /// Uses the code (once, if still unused and not used up) and opens the
    /// session with the hash of its token; `false` when another try used it
    /// first.
    async fn redeem_kiosk_code(
        &self,
        id: i64,
        max_tries: u32,
        session_hash: &str,
        user_id: UserId,
        at: DateTime<Utc>,
        audit: AuditFact,
    ) -> Result<bool, StoreError>;
    async fn kiosk_session(&self, token_hash: &str) -> Result<Option<KioskSessionRow>, StoreError>;
    /// Marks the session used now, unless it ended or was idle since before
    /// `idle_since`; `false` then.
    async fn touch_kiosk_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Ends the session (once) with its fact; `false` when it had ended.
    async fn end_kiosk_session(
        &self,
        token_hash: &str,
        at: DateTime<Utc>,
        audit: AuditFact,
    ) -> Result<bool, StoreError>;
    /// Appends a fact of a kiosk action that changes nothing else (a print).
    async fn record_kiosk_action(&self, audit: AuditFact) -> Result<(), StoreError>;
    /// Writes a text to the simulated SMS outbox.
    async fn send_sms(
        &self,
        mobile: &str,
        text: &str,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
    /// The latest texts sent to a mobile, newest first.
    async fn sms_to(&self, mobile: &str, limit: u32) -> Result<Vec<StoredSms>, StoreError>;
}
