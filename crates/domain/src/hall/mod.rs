//! The service hall (办事大厅): item groups and the windows serving them, queue
//! tickets (取号) with their numbering, the order of the queue, the clerk's
//! calls, recalls, no-shows and transfers, the wait estimate, and appointment
//! slots from the working-day calendar.
//!
//! A ticket taken remotely (on the web or a phone) waits only once its holder
//! checks in at the hall; one taken at the hall's ticket page waits at once.
//! Each step is an `UPDATE … WHERE status = …` in the store, so two clerks
//! never call the same ticket: the functions here say whether a step may be
//! taken and what it leaves.

pub mod notice;
mod queue;
mod slots;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::case::UserId;
use crate::error::DomainError;

pub use queue::{DEFAULT_HANDLING, ahead_of, estimate_wait, next_ticket, queue_for, queue_order};
pub use slots::{Slot, slots_of_day};

/// How often a called ticket may be called again (重新呼叫).
pub const MAX_RECALLS: u32 = 3;

/// A group of items served at the same windows, with the prefix of its
/// tickets (A, B, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// One or two capital letters, the tickets' prefix and the group's key.
    pub code: String,
    pub name: String,
    /// The item codes of the group.
    pub items: Vec<String>,
    /// Appointments (预约) each serving window takes per slot.
    #[serde(default = "one")]
    pub per_slot: u32,
}

fn one() -> u32 {
    1
}

/// A window (counter) of the hall, the groups it serves and who is on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub id: i64,
    /// What the hall calls it: `"1"`, `"12"` (号窗口).
    pub number: String,
    pub groups: Vec<String>,
    /// The clerk on the window now.
    pub staff: Option<UserId>,
    pub open: bool,
}

impl Window {
    /// Whether the window serves the group `code`.
    pub fn serves(&self, code: &str) -> bool {
        self.groups.iter().any(|g| g == code)
    }
}

/// Where a ticket was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketSource {
    /// 网上取号 (PC).
    Web,
    /// 微信/手机取号.
    Mobile,
    /// At the hall's ticket page (现场取号).
    Hall,
}

impl TicketSource {
    pub const ALL: [TicketSource; 3] =
        [TicketSource::Web, TicketSource::Mobile, TicketSource::Hall];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketSource::Web => "web",
            TicketSource::Mobile => "mobile",
            TicketSource::Hall => "hall",
        }
    }

    pub fn parse(s: &str) -> Option<TicketSource> {
        TicketSource::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            TicketSource::Web => "网上取号",
            TicketSource::Mobile => "手机取号",
            TicketSource::Hall => "现场取号",
        }
    }

    /// Whether the holder must check in at the hall before the ticket waits.
    pub fn is_remote(self) -> bool {
        self != TicketSource::Hall
    }
}

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// Taken remotely, not yet checked in (未签到).
    Taken,
    /// In the queue (排队中).
    Waiting,
    /// Called to a window (已叫号, 办理中).
    Called,
    /// Ended with the case it created (已办结).
    Done,
    /// Called and never came (过号).
    NoShow,
    /// Given up by its holder (已取消).
    Cancelled,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 6] = [
        TicketStatus::Taken,
        TicketStatus::Waiting,
        TicketStatus::Called,
        TicketStatus::Done,
        TicketStatus::NoShow,
        TicketStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Taken => "taken",
            TicketStatus::Waiting => "waiting",
            TicketStatus::Called => "called",
            TicketStatus::Done => "done",
            TicketStatus::NoShow => "no_show",
            TicketStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<TicketStatus> {
        TicketStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            TicketStatus::Taken => "待签到",
            TicketStatus::Waiting => "排队中",
            TicketStatus::Called => "已叫号",
            TicketStatus::Done => "已办结",
            TicketStatus::NoShow => "已过号",
            TicketStatus::Cancelled => "已取消",
        }
    }

    /// Whether the ticket is over.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TicketStatus::Done | TicketStatus::NoShow | TicketStatus::Cancelled
        )
    }
}

/// A queue ticket as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: i64,
    /// The hall's day the ticket belongs to (numbers restart each day).
    pub day: NaiveDate,
    pub group: String,
    pub number: u32,
    /// `A012`: the group's prefix and the number.
    pub label: String,
    pub item_code: Option<String>,
    /// The applicant it was taken for (none for an anonymous hall ticket).
    pub applicant: Option<UserId>,
    pub source: TicketSource,
    /// The appointment slot it was taken for: it jumps ahead at that time.
    pub appointment_at: Option<DateTime<Utc>>,
    pub status: TicketStatus,
    pub taken_at: DateTime<Utc>,
    pub checked_in_at: Option<DateTime<Utc>>,
    /// The first call.
    pub called_at: Option<DateTime<Utc>>,
    /// The latest call or recall.
    pub last_called_at: Option<DateTime<Utc>>,
    pub recalls: u32,
    /// The window it was called to, or transferred to.
    pub window_id: Option<i64>,
    /// Set by a transfer: only that window calls it, before its own queue.
    pub transferred: bool,
    pub ended_at: Option<DateTime<Utc>>,
    pub case_id: Option<i64>,
}

impl Ticket {
    /// The time it waited from checking in to its first call.
    pub fn waited(&self) -> Option<Duration> {
        Some(self.called_at? - self.checked_in_at?)
    }

    /// The time it was handled, from its first call to its end.
    pub fn handled(&self) -> Option<Duration> {
        Some(self.ended_at? - self.called_at?)
    }
}

/// The label of ticket `number` of group `prefix`: `A001`.
pub fn label(prefix: &str, number: u32) -> String {
    format!("{prefix}{number:03}")
}

/// Checks a group before it is saved: a prefix of one or two capital
/// letters, a name, items given by code, at least one appointment per slot.
pub fn check_group(group: &Group) -> Result<(), DomainError> {
    let bad = |m: &str| Err(DomainError::InvalidHall(m.to_string()));
    let code_ok =
        (1..=2).contains(&group.code.len()) && group.code.chars().all(|c| c.is_ascii_uppercase());
    if !code_ok {
        return bad("分组代码须为一至两个大写字母（即号码前缀，如 A）");
    }
    let name = group.name.trim();
    if name.is_empty() || name.chars().count() > 30 {
        return bad("分组名称须为 1 至 30 个字");
    }
    if crate::text::forbidden(name, crate::text::Lines::One).is_some() {
        return bad("分组名称含有不可显示的字符");
    }
    if group.items.len() > 200 {
        return bad("一个分组最多 200 个事项");
    }
    if !(1..=50).contains(&group.per_slot) {
        return bad("每个时段每窗口预约数须在 1 至 50 之间");
    }
    Ok(())
}

/// Checks a window before it is saved: a number of 1 to 8 letters or
/// digits, at least one group.
pub fn check_window(number: &str, groups: &[String]) -> Result<(), DomainError> {
    let bad = |m: &str| Err(DomainError::InvalidHall(m.to_string()));
    if !(1..=8).contains(&number.chars().count())
        || !number.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return bad("窗口号须为 1 至 8 位字母或数字");
    }
    if groups.is_empty() {
        return bad("窗口至少服务一个分组");
    }
    Ok(())
}

fn step(message: impl Into<String>) -> DomainError {
    DomainError::HallStep(message.into())
}

/// Checks in a remotely taken ticket of `today`.
pub fn check_in(ticket: &Ticket, today: NaiveDate) -> Result<(), DomainError> {
    if ticket.day != today {
        return Err(step(format!(
            "该号为 {} 的号，只能当天签到",
            ticket.day.format("%Y-%m-%d")
        )));
    }
    match ticket.status {
        TicketStatus::Taken => Ok(()),
        TicketStatus::Waiting | TicketStatus::Called => Err(step("该号已签到，无需重复签到")),
        s => Err(step(format!("该号{}，不能签到", s.label_zh()))),
    }
}

/// Whether the called ticket may be called again now: at most
/// [`MAX_RECALLS`] times, and not sooner than `interval` after its last call.
pub fn check_recall(
    ticket: &Ticket,
    now: DateTime<Utc>,
    interval: Duration,
) -> Result<(), DomainError> {
    if ticket.status != TicketStatus::Called {
        return Err(step(format!(
            "该号{}，只能重呼已叫到的号",
            ticket.status.label_zh()
        )));
    }
    if ticket.recalls >= MAX_RECALLS {
        return Err(step(format!(
            "该号已重呼 {MAX_RECALLS} 次，不能再重呼，可标记过号"
        )));
    }
    if let Some(last) = ticket.last_called_at {
        let wait = last + interval - now;
        if wait > Duration::zero() {
            return Err(step(format!(
                "刚刚呼叫过，请 {} 秒后再重呼",
                (wait.num_milliseconds() + 999) / 1000
            )));
        }
    }
    Ok(())
}

/// Whether the ticket may be marked a no-show (过号): only once called.
pub fn check_no_show(ticket: &Ticket) -> Result<(), DomainError> {
    if ticket.status != TicketStatus::Called {
        return Err(step(format!(
            "该号{}，只能对已叫到的号标记过号",
            ticket.status.label_zh()
        )));
    }
    Ok(())
}

/// Whether the called ticket may go to the window `to` (转窗口): another open
/// window.
pub fn check_transfer(ticket: &Ticket, from: &Window, to: &Window) -> Result<(), DomainError> {
    if ticket.status != TicketStatus::Called {
        return Err(step(format!(
            "该号{}，只能转移已叫到的号",
            ticket.status.label_zh()
        )));
    }
    if from.id == to.id {
        return Err(step("不能转到本窗口"));
    }
    if !to.open {
        return Err(step(format!("{} 号窗口未开放", to.number)));
    }
    Ok(())
}

/// Whether the ticket may end with a case: called to the clerk's window.
pub fn check_end(ticket: &Ticket) -> Result<(), DomainError> {
    if ticket.status != TicketStatus::Called {
        return Err(step(format!(
            "该号{}，只能对已叫到的号办结",
            ticket.status.label_zh()
        )));
    }
    Ok(())
}

/// Whether the holder may give up the ticket: before it is called.
pub fn check_cancel(ticket: &Ticket) -> Result<(), DomainError> {
    match ticket.status {
        TicketStatus::Taken | TicketStatus::Waiting => Ok(()),
        s => Err(step(format!("该号{}，不能取消", s.label_zh()))),
    }
}

/// The line a speaker reads for a call: `请A012号到3号窗口办理`.
/// Never anything personal.
pub fn voice_line(label: &str, window: &str) -> String {
    format!("请{label}号到{window}号窗口办理")
}

/// Where an appointment (预约) stands: held for a short while, then
/// confirmed by its applicant, or cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Held,
    Confirmed,
    Cancelled,
}

impl BookingStatus {
    pub const ALL: [BookingStatus; 3] = [
        BookingStatus::Held,
        BookingStatus::Confirmed,
        BookingStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BookingStatus::Held => "held",
            BookingStatus::Confirmed => "confirmed",
            BookingStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<BookingStatus> {
        BookingStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            BookingStatus::Held => "待确认",
            BookingStatus::Confirmed => "已预约",
            BookingStatus::Cancelled => "已取消",
        }
    }
}
