//! Appointment slots (预约时段): on working days only (a holiday has none, an
//! adjusted working day — 调休 — has the usual ones), inside the office hours'
//! sessions, each taking the windows serving the group times their
//! appointments per window.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::calendar::Calendar;

/// One appointment slot of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Slot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// How many appointments it takes.
    pub capacity: u32,
}

/// The slots of `date`, `minutes` long, for a group served by `windows`
/// windows taking `per_slot` appointments each. None on a day off, none
/// without a serving window.
pub fn slots_of_day(
    calendar: &Calendar,
    date: NaiveDate,
    minutes: u32,
    windows: u32,
    per_slot: u32,
) -> Vec<Slot> {
    let capacity = windows.saturating_mul(per_slot);
    if !calendar.is_working_day(date) || capacity == 0 || minutes == 0 {
        return Vec::new();
    }
    let length = Duration::minutes(i64::from(minutes));
    let midnight = calendar.day_start(date);
    let mut slots = Vec::new();
    for session in calendar.office_hours().sessions() {
        let mut start = midnight + (session.start() - chrono::NaiveTime::MIN);
        let end = midnight + (session.end() - chrono::NaiveTime::MIN);
        while start + length <= end {
            slots.push(Slot {
                start,
                end: start + length,
                capacity,
            });
            start += length;
        }
    }
    slots
}
