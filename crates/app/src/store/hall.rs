//! The service hall (办事大厅): groups, windows, queue tickets, the call log
//! the display follows, and the day's check-in code.

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use onestamp_domain::case::UserId;
use onestamp_domain::hall::{Group, Ticket, TicketSource, TicketStatus, Window};

use onestamp_domain::analytics::Tally;
use onestamp_domain::audit::AuditFact;

use super::{NewMessage, StoreError};

/// A ticket to take: the store gives it the group's next number of the day.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTicket {
    pub day: NaiveDate,
    pub group: String,
    pub item_code: Option<String>,
    pub applicant: Option<UserId>,
    pub source: TicketSource,
    pub appointment_at: Option<DateTime<Utc>>,
    /// `Taken` (remote) or `Waiting` (at the hall, checked in at once).
    pub status: TicketStatus,
    pub at: DateTime<Utc>,
    /// The unguessable key of the ticket's follow page.
    pub token: String,
    /// The confirmed booking the ticket is taken for: linked in the same
    /// transaction, once (a second ticket for it is `Duplicate`).
    pub booking: Option<i64>,
    /// The take's audit fact; the store names the ticket in its subject and
    /// detail once numbered.
    pub audit: AuditFact,
    /// The hall's counts: the ticket taken, and its booking kept.
    pub tally: Tally,
}

/// A window to save: a new one (`id` none) or a change.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowChange {
    pub id: Option<i64>,
    pub number: String,
    pub groups: Vec<String>,
    pub staff: Option<UserId>,
    pub open: bool,
}

/// A call or recall, for the display.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCall {
    pub window_number: String,
    /// `call` or `recall`.
    pub kind: &'static str,
    pub voice: String,
    pub at: DateTime<Utc>,
    /// The call's audit fact, appended in its transaction.
    pub audit: AuditFact,
    /// The hall's counts of a first call (its wait): written only if the call
    /// is the ticket's first, whatever the caller read before.
    pub tally: Tally,
}

/// A call as the log holds it: nothing personal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredCall {
    pub id: i64,
    pub ticket_id: i64,
    pub label: String,
    pub window_number: String,
    pub kind: String,
    pub voice: String,
    pub at: DateTime<Utc>,
}

#[async_trait]
pub trait HallStore: Send + Sync {
    async fn hall_groups(&self) -> Result<Vec<Group>, StoreError>;
    /// Creates or replaces the group of `group.code`.
    async fn save_hall_group(&self, group: Group) -> Result<(), StoreError>;
    async fn hall_windows(&self) -> Result<Vec<Window>, StoreError>;
    /// Creates or changes a window; a number taken by another is `Duplicate`.
    async fn save_hall_window(&self, change: WindowChange) -> Result<Window, StoreError>;
    /// Takes the group's next number of the day and writes the ticket.
    async fn take_ticket(&self, new: NewTicket) -> Result<Ticket, StoreError>;
    async fn ticket(&self, id: i64) -> Result<Option<Ticket>, StoreError>;
    /// The key of a ticket's follow page.
    async fn ticket_token(&self, id: i64) -> Result<Option<String>, StoreError>;
    async fn ticket_by_token(&self, token: &str) -> Result<Option<Ticket>, StoreError>;
    /// The day's tickets not yet over (taken, waiting, called).
    async fn open_tickets(&self, day: NaiveDate) -> Result<Vec<Ticket>, StoreError>;
    /// An applicant's tickets of a day, oldest first.
    async fn tickets_of(
        &self,
        applicant: UserId,
        day: NaiveDate,
    ) -> Result<Vec<Ticket>, StoreError>;
    /// `taken` → `waiting`; whether this call did it.
    async fn check_in_ticket(
        &self,
        id: i64,
        at: DateTime<Utc>,
        audit: AuditFact,
    ) -> Result<bool, StoreError>;
    /// `waiting` → `called` to `window`, with the call in the log; `None` when
    /// the ticket was no longer waiting (another window called it).
    async fn call_ticket(
        &self,
        id: i64,
        window: i64,
        call: NewCall,
    ) -> Result<Option<StoredCall>, StoreError>;
    /// Calls the ticket again at its window if it was called `recalls` times
    /// again so far; `None` otherwise.
    async fn recall_ticket(
        &self,
        id: i64,
        window: i64,
        recalls: u32,
        call: NewCall,
    ) -> Result<Option<StoredCall>, StoreError>;
    /// `from` → `to` (no-show, cancel), with the hall's counts `tally`;
    /// whether this call did it.
    async fn set_ticket_status(
        &self,
        id: i64,
        from: TicketStatus,
        to: TicketStatus,
        at: DateTime<Utc>,
        audit: AuditFact,
        tally: Tally,
    ) -> Result<bool, StoreError>;
    /// A called ticket back to waiting, for the window `to` only.
    async fn transfer_ticket(
        &self,
        id: i64,
        from: i64,
        to: i64,
        audit: AuditFact,
    ) -> Result<bool, StoreError>;
    /// A called ticket ends with the case it created, with the hall's counts
    /// `tally` (its handling time).
    async fn end_ticket(
        &self,
        id: i64,
        case_id: i64,
        at: DateTime<Utc>,
        audit: AuditFact,
        tally: Tally,
    ) -> Result<bool, StoreError>;
    /// Tickets of every day after the id `after`, by id (a rebuild's pages).
    async fn tickets_after(&self, after: i64, limit: u32) -> Result<Vec<Ticket>, StoreError>;
    /// The calls after the id `after`, oldest first.
    async fn hall_calls(&self, after: i64, limit: u32) -> Result<Vec<StoredCall>, StoreError>;
    /// The latest calls, newest first.
    async fn latest_hall_calls(&self, limit: u32) -> Result<Vec<StoredCall>, StoreError>;
    /// How long the group's last `limit` ended tickets took from call to end.
    async fn handling_times(&self, group: &str, limit: u32) -> Result<Vec<Duration>, StoreError>;
    /// The day's check-in code: `fresh` if the day has none yet, else the
    /// one every node already gives.
    async fn checkin_code(&self, day: NaiveDate, fresh: &str) -> Result<String, StoreError>;
}

/// An appointment to book in a slot holding at most `capacity`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewBooking {
    pub group: String,
    /// The item to be handled, if the applicant chose one.
    pub item_code: Option<String>,
    pub slot_start: DateTime<Utc>,
    pub slot_end: DateTime<Utc>,
    pub applicant: UserId,
    pub capacity: u32,
    pub held_until: DateTime<Utc>,
    pub at: DateTime<Utc>,
}

/// An appointment (预约) as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Booking {
    pub id: i64,
    pub group: String,
    pub item_code: Option<String>,
    pub slot_start: DateTime<Utc>,
    pub slot_end: DateTime<Utc>,
    pub applicant: UserId,
    pub status: onestamp_domain::hall::BookingStatus,
    pub held_until: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Why it was cancelled: 本人取消, 节假日调整…
    pub cancel_reason: Option<String>,
    /// The ticket taken for it on its day.
    pub ticket_id: Option<i64>,
    /// When its reminder was written.
    pub reminded_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait BookingStore: Send + Sync {
    /// Books the slot if fewer than `capacity` live bookings (confirmed, or
    /// held and not yet lapsed) hold it; `None` when it is full. Bookings of
    /// one slot are serialised on its `hall_slot_counts` row.
    async fn book_slot(&self, new: NewBooking) -> Result<Option<Booking>, StoreError>;
    async fn booking(&self, id: i64) -> Result<Option<Booking>, StoreError>;
    /// An applicant's live bookings of slots ending after `after`, by slot.
    async fn bookings_of(
        &self,
        applicant: UserId,
        after: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Booking>, StoreError>;
    /// Live bookings per slot start of a group between two instants.
    async fn slot_bookings(
        &self,
        group: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, u32)>, StoreError>;
    /// `held` (not lapsed at `at`) → `confirmed`, with its message and the
    /// hall's counts in the same transaction; whether this call did it.
    async fn confirm_booking(
        &self,
        id: i64,
        at: DateTime<Utc>,
        message: Option<NewMessage>,
        tally: Tally,
    ) -> Result<bool, StoreError>;
    /// A held or confirmed booking without a ticket → `cancelled` for
    /// `reason`, with its message in the same transaction, and the hall's
    /// counts `tally` if it had been confirmed (a hold cancelled counts
    /// nothing); whether this call did it.
    async fn cancel_booking(
        &self,
        id: i64,
        at: DateTime<Utc>,
        reason: &str,
        message: Option<NewMessage>,
        tally: Tally,
    ) -> Result<bool, StoreError>;
    /// Bookings of every status after the id `after`, by id (a rebuild's pages).
    async fn bookings_after(&self, after: i64, limit: u32) -> Result<Vec<Booking>, StoreError>;
    /// An applicant's bookings, newest slot first (any status).
    async fn booking_history(
        &self,
        applicant: UserId,
        limit: u32,
    ) -> Result<Vec<Booking>, StoreError>;
    /// Live bookings (confirmed, or held and not lapsed at `now`) without a
    /// ticket whose slot starts at or after `from` and before `to`, by slot.
    async fn live_bookings(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Booking>, StoreError>;
    /// Marks a confirmed booking reminded and writes its reminder in the same
    /// transaction, if it was not reminded yet; whether this call did it.
    async fn remind_booking(
        &self,
        id: i64,
        at: DateTime<Utc>,
        message: NewMessage,
    ) -> Result<bool, StoreError>;
}
