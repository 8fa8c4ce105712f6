//! The Store trait: what the use cases need from persistence, shaped by use case.
//! Implementations live in the `onestamp-store` crate (SQLite, PostgreSQL); every
//! method that changes state is one transaction and appends its audit facts to
//! the SM3 chain in that same transaction.

mod alerts;
mod analytics;
mod bulk;
mod bundles;
mod core;
mod counts;
mod documents;
mod feed;
mod hall;
mod integrity;
mod kiosks;
mod licences;
mod messages;
mod prefs;
mod quality;
mod ratings;
mod staff;
mod switches;
mod webhooks;

pub use self::alerts::{Alert, AlertStore, NewAlert};
pub use self::analytics::{
    AnalyticsFilter, AnalyticsStore, HallRow, HallTimeRow, KeyedCount, LicenceCounts, RatedCase,
    RatingRow, TimeRow, VolumeRow,
};
pub use self::bulk::{BulkStore, ImportedCase, day_serials, split_number};
pub use self::bundles::{
    BundleBody, BundleStep, BundleStore, NewBundle, PendingChild, StoredBundle, StoredChild,
};
pub use self::core::CoreStore;
pub use self::counts::{CountStore, OpsCounts};
pub use self::documents::{DocumentStore, DraftDocuments, PendingDocuments, StoredDocument};
pub use self::feed::{
    FeedQuery, FeedStore, NewFeedRecord, NewSupervisionResult, PendingFeed, StoredFeedRecord,
    StoredSupervisionResult,
};
pub use self::hall::{
    Booking, BookingStore, HallStore, NewBooking, NewCall, NewTicket, StoredCall, WindowChange,
};
pub use self::integrity::{CaseRecord, IntegrityStore};
pub use self::kiosks::{Kiosk, KioskSessionRow, KioskStore, NewKioskCode, StoredSms};
pub use self::licences::{LicenceQuery, LicenceStore, MaterialFile, StoredLicence};
pub use self::messages::{
    CHANNELS, ChannelBacklog, Claimed, Delivery, DeliveryState, DraftMessages, Finish,
    MessageStore, NewMessage, Notification, PendingMessages, StoredMessage,
};
pub use self::prefs::{PREF_CHANNELS, PrefStore, PrefsChange, SwitchedOff};
pub use self::quality::{QualitySample, QualityStore, SampleCase, SampleCriteria};
pub use self::ratings::{
    NewRating, RatingQuery, RatingStore, RatingTally, Rectification, StoredAppeal, StoredRating,
};
pub use self::staff::{LoginFailures, StaffMember, StaffStore};
pub use self::switches::SwitchStore;
pub use self::webhooks::{NewWebhook, Webhook, WebhookStore};

use chrono::{DateTime, Utc};
use serde::Serialize;

use onestamp_domain::case::{Case, CaseEvent, CaseStatus, Stage, UserId};
use onestamp_domain::catalogue::Item;
use onestamp_domain::role::Role;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("version conflict: given {given}, current {current}")]
    VersionConflict { given: i64, current: i64 },
    /// A unique key is taken: the row named already exists.
    #[error("{0} already exists")]
    Duplicate(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// The database failed or refused; the cause is kept for the log.
    #[error("database: {0}")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// A database fault described in words (no underlying error value).
    pub fn database(what: impl Into<String>) -> StoreError {
        StoreError::Database(what.into().into())
    }
}

/// A user as the app sees it (no password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    /// Applicants: citizen ID or credit code; staff: empty.
    pub identity: String,
    /// What the applicant registered as, which says which of the two
    /// `identity` is; `None` for staff.
    pub identity_kind: Option<onestamp_domain::case::ApplicantKind>,
    /// Applicants: a mainland mobile number, when one was given; otherwise empty.
    pub mobile: String,
    /// Where email messages go; empty when none was given.
    pub email: String,
    pub active: bool,
}

/// A user to create or update (by user name).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub identity: String,
    pub identity_kind: Option<onestamp_domain::case::ApplicantKind>,
    /// Applicants: a mainland mobile number or empty.
    pub mobile: String,
    pub password_hash: String,
}

/// What an applicant registering themselves gives beyond the user: for an
/// organisation its legal representative and contact person (empty for a person).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrationDetails {
    pub legal_rep: String,
    pub contact_name: String,
}

/// A fact to append to the audit chain with a change, at the time of the decision.
pub use onestamp_domain::audit::AuditFact;

/// An item as stored: its definition and version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredItem {
    pub version: i64,
    #[serde(flatten)]
    pub item: Item,
}

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub departments: usize,
    pub items_new: usize,
    pub items_changed: usize,
    pub items_unchanged: usize,
    pub themes: usize,
}

/// A new case to store: the store assigns its id and number.
#[derive(Debug, Clone)]
pub struct NewCase {
    /// The case with id 0 and an empty number.
    pub case: Case,
    /// `<district>-<YYYYMMDD>`: the store appends the day's next 6-digit serial.
    pub number_prefix: String,
    /// The submission event, and for instant decisions every step after it.
    pub events: Vec<CaseEvent>,
    /// Audit facts; the store sets an empty subject to the new case number.
    pub audit: Vec<AuditFact>,
    /// The licence an instant decision issued (its `case_id` is set by the store).
    pub licence: Option<StoredLicence>,
    /// A licence the issued one renews, with the status it takes (replaced), in
    /// the same transaction; refused if it is no longer valid.
    pub retire: Option<(String, onestamp_domain::licence::LicenceStatus)>,
    /// The query code and the documents of the submission (受理回执, and 受理通知书
    /// when the case starts accepted), sealed once the case is numbered.
    pub documents: PendingDocuments,
    /// The messages of the submission (and of an instant decision's outcome),
    /// rendered once the case is numbered.
    pub messages: PendingMessages,
    /// The regulators' records of an instant decision and of a renewal's
    /// replaced licence, made once the case is numbered.
    pub feed: PendingFeed,
    /// The analytics counts the submission (and an instant decision) adds.
    pub tally: onestamp_domain::analytics::Tally,
    /// The hall ticket (called to a window) the counter filing serves: it ends
    /// with the case in the same transaction, and if it is no longer called the
    /// case is not written either (`Duplicate` of [`TICKET_ENDED`]).
    pub ticket: Option<i64>,
}

/// What a refused ticket end of [`NewCase::ticket`] is `Duplicate` of.
pub const TICKET_ENDED: &str = "hall ticket ended";

/// A change to an existing case, accepted only if the stored version is still `expected_version`.
#[derive(Debug, Clone)]
pub struct CaseChange {
    pub case: Case,
    pub expected_version: i64,
    pub event: CaseEvent,
    /// The event's fact, and the licence's if one is issued.
    pub audit: Vec<AuditFact>,
    /// The licence issued by this change, stored in the same transaction.
    pub licence: Option<StoredLicence>,
    /// A licence the issued one renews, with the status it takes (replaced).
    pub retire: Option<(String, onestamp_domain::licence::LicenceStatus)>,
    /// Documents the change writes (their facts are in `audit`).
    pub documents: Vec<StoredDocument>,
    /// Alerts the change raises (each with its message).
    pub alerts: Vec<NewAlert>,
    /// The messages of the change, written to the outbox in its transaction.
    pub messages: Vec<NewMessage>,
    /// The supervision feed's records of the change (审管分离).
    pub feed: Vec<NewFeedRecord>,
    /// What closing a child of a bundle does to the bundle (联审联办).
    pub bundle: Option<BundleStep>,
    /// The analytics counts the change adds.
    pub tally: onestamp_domain::analytics::Tally,
}

/// Filters for case lists; the permission filter is part of the query.
#[derive(Debug, Clone, Default)]
pub struct CaseQuery {
    /// Only this applicant's cases.
    pub applicant: Option<UserId>,
    pub status: Option<CaseStatus>,
    pub item_code: Option<String>,
    pub number: Option<String>,
    /// Only cases of the applicant with this citizen ID or credit code.
    pub identity: Option<String>,
    /// Only cases submitted at or after this instant.
    pub submitted_from: Option<DateTime<Utc>>,
    /// Only cases submitted before this instant.
    pub submitted_to: Option<DateTime<Utc>>,
    /// Keyset pagination: cases with id below this.
    pub before_id: Option<i64>,
    pub limit: u32,
}

/// A line of a case list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseSummary {
    pub id: i64,
    pub number: String,
    pub item_code: String,
    pub applicant_name: String,
    pub status: CaseStatus,
    pub priority: bool,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub task_stage: Option<Stage>,
    pub task_deadline: Option<DateTime<Utc>>,
    pub task_warn_at: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    /// The task's traffic light now (filled in by the app, not stored).
    pub light: Option<onestamp_domain::timing::Light>,
}

/// Which of a person's open tasks a list shows: all by default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskFilter {
    pub stage: Option<Stage>,
    pub item_code: Option<String>,
    /// Only tasks showing this light at this instant.
    pub light: Option<(onestamp_domain::timing::Light, DateTime<Utc>)>,
}

/// Where a page of a task list ends, in the lists' urgency order (green channel
/// first, then earliest task deadline, open-ended last, then id): the next page
/// starts after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskKey {
    pub priority: bool,
    pub deadline: Option<DateTime<Utc>>,
    pub id: i64,
}

impl TaskKey {
    /// The key of a list line.
    pub fn of(line: &CaseSummary) -> TaskKey {
        TaskKey {
            priority: line.priority,
            deadline: line.task_deadline,
            id: line.id,
        }
    }

    /// `<0|1>.<deadline ms or ->.<id>`, for a query parameter.
    pub fn encode(&self) -> String {
        let deadline = self
            .deadline
            .map_or_else(|| "-".to_string(), |d| d.timestamp_millis().to_string());
        format!("{}.{deadline}.{}", u8::from(self.priority), self.id)
    }

    pub fn parse(s: &str) -> Option<TaskKey> {
        let mut parts = s.trim().split('.');
        let priority = match parts.next()? {
            "0" => false,
            "1" => true,
            _ => return None,
        };
        let deadline = match parts.next()? {
            "-" => None,
            ms => Some(DateTime::<Utc>::from_timestamp_millis(ms.parse().ok()?)?),
        };
        let id = parts.next()?.parse().ok()?;
        parts.next().is_none().then_some(TaskKey {
            priority,
            deadline,
            id,
        })
    }
}

/// Everything the use cases need from persistence: one sub-trait per area, each
/// in its own file, so that an area and its implementations grow together.
pub trait Store:
    CoreStore
    + AlertStore
    + StaffStore
    + QualityStore
    + LicenceStore
    + SwitchStore
    + BulkStore
    + CountStore
    + IntegrityStore
    + DocumentStore
    + RatingStore
    + MessageStore
    + PrefStore
    + WebhookStore
    + FeedStore
    + BundleStore
    + HallStore
    + BookingStore
    + AnalyticsStore
    + KioskStore
{
}

impl<
    T: CoreStore
        + AlertStore
        + StaffStore
        + QualityStore
        + LicenceStore
        + SwitchStore
        + BulkStore
        + CountStore
        + IntegrityStore
        + DocumentStore
        + RatingStore
        + MessageStore
        + PrefStore
        + WebhookStore
        + FeedStore
        + BundleStore
        + HallStore
        + BookingStore
        + AnalyticsStore
        + KioskStore,
> Store for T
{
}
