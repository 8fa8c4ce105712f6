//! Notification preferences (消息设置): which events reach a user by which
//! channel, and the user's contacts (email, mobile). Only switched-off pairs
//! are stored: every event reaches every channel unless its holder said no.

use async_trait::async_trait;

use onestamp_domain::case::UserId;
use onestamp_domain::message::Event;

use super::{AuditFact, StoreError};

/// The channels a user may switch an event off for (webhooks are the
/// administrator's).
pub const PREF_CHANNELS: [&str; 2] = ["inbox", "email"];

/// An event switched off for one channel.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SwitchedOff {
    pub event: Event,
    /// One of [`PREF_CHANNELS`].
    pub channel: String,
}

/// A change of a user's notification settings, written in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefsChange {
    pub user: UserId,
    /// The new email address, checked (empty: none); `None` leaves it.
    pub email: Option<String>,
    /// The new mobile number, checked (empty: none); `None` leaves it.
    pub mobile: Option<String>,
    /// The events whose switches this change sets: their rows are replaced by
    /// `off`; the switches of other events stay as they are.
    pub events: Vec<Event>,
    /// The pairs switched off, each of an event in `events`.
    pub off: Vec<SwitchedOff>,
}

#[async_trait]
pub trait PrefStore: Send + Sync {
    /// The pairs the user switched off, by event and channel. Rows naming an
    /// event this version does not know are left out.
    async fn switched_off(&self, user: UserId) -> Result<Vec<SwitchedOff>, StoreError>;
    /// Sets the user's contacts and switches as `change` says, with the audit
    /// fact, in one transaction.
    async fn save_prefs(&self, change: PrefsChange, audit: AuditFact) -> Result<(), StoreError>;
}
