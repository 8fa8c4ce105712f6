//! 办事大厅: tickets, groups, windows and calls as the API answers them.

use super::*;

/// Where a ticket was taken.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketSource {
    Web,
    Mobile,
    Hall,
}

/// Where a ticket stands.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Taken,
    Waiting,
    Called,
    Done,
    NoShow,
    Cancelled,
}

/// A queue ticket (排队号).
#[derive(Serialize, ToSchema)]
pub struct HallTicket {
    pub id: i64,
    pub day: NaiveDate,
    /// The group's code, the label's prefix.
    pub group: String,
    pub number: u32,
    /// `A012`.
    pub label: String,
    pub item_code: Option<String>,
    pub applicant: Option<i64>,
    pub source: TicketSource,
    pub appointment_at: Option<DateTime<Utc>>,
    pub status: TicketStatus,
    /// 待签到, 排队中, 已叫号, 已办结, 已过号, 已取消.
    pub status_label: String,
    pub taken_at: DateTime<Utc>,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub called_at: Option<DateTime<Utc>>,
    pub last_called_at: Option<DateTime<Utc>>,
    pub recalls: u32,
    pub window_id: Option<i64>,
    /// Sent to the window `window_id` by a transfer.
    pub transferred: bool,
    pub ended_at: Option<DateTime<Utc>>,
    pub case_id: Option<i64>,
    pub group_name: String,
    pub window_number: Option<String>,
    /// Waiting tickets of its queue before it (前面还有 N 人).
    pub ahead: u32,
    /// The expected wait in minutes while it waits.
    pub estimate_minutes: Option<i64>,
    /// The key of its follow page `/tickets/{token}` and of check-in.
    pub token: String,
}

/// A group of items served at the same windows.
#[derive(Serialize, ToSchema)]
pub struct HallGroup {
    /// One or two capital letters: the tickets' prefix.
    pub code: String,
    pub name: String,
    pub items: Vec<String>,
    pub per_slot: u32,
}

/// A window as saved.
#[derive(Serialize, ToSchema)]
pub struct HallWindowSaved {
    pub id: i64,
    pub number: String,
    pub groups: Vec<String>,
    /// The clerk on it.
    pub staff: Option<i64>,
    pub open: bool,
}

/// A window with who is on it.
#[derive(Serialize, ToSchema)]
pub struct HallWindow {
    pub id: i64,
    pub number: String,
    pub groups: Vec<String>,
    pub staff: Option<i64>,
    pub open: bool,
    pub staff_name: Option<String>,
    /// Tickets waiting for it now.
    pub waiting: u32,
}

/// A call or recall of the log: nothing personal.
#[derive(Serialize, ToSchema)]
pub struct HallCall {
    pub id: i64,
    pub ticket_id: i64,
    pub label: String,
    pub window_number: String,
    /// `call` or `recall`.
    pub kind: String,
    /// The line a speaker reads: 请A012号到3号窗口办理.
    pub voice: String,
    pub at: DateTime<Utc>,
}

/// Today's check-in code.
#[derive(Serialize, ToSchema)]
pub struct CheckInCode {
    pub code: String,
}

/// An appointment slot with the places left.
#[derive(Serialize, ToSchema)]
pub struct HallSlot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub capacity: u32,
    pub free: u32,
}

/// Where an appointment stands.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Held,
    Confirmed,
    Cancelled,
}

/// An appointment (预约).
#[derive(Serialize, ToSchema)]
pub struct HallBooking {
    pub id: i64,
    pub group: String,
    pub group_name: String,
    /// The item chosen, if any.
    pub item_code: Option<String>,
    pub slot_start: DateTime<Utc>,
    pub slot_end: DateTime<Utc>,
    pub applicant: i64,
    pub status: BookingStatus,
    /// 待确认, 已预约, 已取号, 已取消, 已失效 (not confirmed in time), 已过期.
    pub status_label: String,
    /// The slot in local words: 2026年3月3日 周二 09:00–09:30.
    pub when: String,
    /// Why it was cancelled: 本人取消, or 节假日调整 when the calendar closed its day.
    pub cancel_reason: Option<String>,
    /// The ticket taken for it on its day.
    pub ticket_id: Option<i64>,
    /// When its reminder (the working day before) was written.
    pub reminded_at: Option<DateTime<Utc>>,
    pub confirmable: bool,
    pub cancellable: bool,
    /// Whether its ticket may be taken now.
    pub ticket_due: bool,
    /// Until when a held booking waits to be confirmed.
    pub held_until: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
}
