//! The working-day calendar (工作日历): which days the bureau works, and how statutory
//! time limits run over them.
//!
//! A day is a working day when it is an adjusted working day (调休上班) of its year's
//! official schedule, or a Monday–Friday that is not one of the schedule's holidays.
//! Schedules are data, not code: 2025 and 2026 are embedded from
//! `crates/domain/calendar/*.json` and more years are added with [`Calendar::with_year`]
//! after [`YearSchedule::parse`] has checked them.
//!
//! Guarantees:
//! - Pure: no I/O, no clock, no global state; every instant is an argument.
//! - Total: no function panics. A date in a year without a schedule falls back to plain
//!   weekends ([`Calendar::covers`] tells the caller so it can warn); a result beyond
//!   chrono's range saturates at its maximum (or minimum).
//! - Limits in days follow 行政许可法 Art. 82: the start day is not counted and the limit
//!   ends when office hours close on the last working day.
//! - Limits in hours, and working minutes, count only the minutes inside office sessions
//!   ([`OfficeHours`]) of working days, in the calendar's time zone (wall clock).

mod arithmetic;
mod office_hours;
mod schedule;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use chrono_tz::Tz;

pub use office_hours::{OfficeHours, Session};
pub use schedule::{AdjustedWorkingDay, Holiday, YearSchedule};

/// Why a holiday schedule or office hours were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("the holiday schedule is not JSON in the documented format: {0}")]
    Malformed(String),
    #[error("year {0} is not a plausible schedule year")]
    YearOutOfRange(i32),
    #[error("`{value}` ({field} of {entry}) is not a real date written as YYYY-MM-DD")]
    BadDate {
        field: &'static str,
        entry: String,
        value: String,
    },
    #[error("{date} ({field} of {entry}) is not in the schedule's year {year}")]
    DateOutsideYear {
        field: &'static str,
        entry: String,
        date: NaiveDate,
        year: i32,
    },
    #[error("holiday {name} runs from {from} to {to}: it ends before it starts")]
    RangeReversed {
        name: String,
        from: NaiveDate,
        to: NaiveDate,
    },
    #[error("{date} is in two holidays, {first} and {second}")]
    HolidaysOverlap {
        date: NaiveDate,
        first: String,
        second: String,
    },
    #[error("{date} is both a holiday ({holiday}) and an adjusted working day")]
    HolidayAndWorkingDay { date: NaiveDate, holiday: String },
    #[error(
        "adjusted working day {date} is a {weekday}, a working day anyway; only a Saturday or Sunday can be one"
    )]
    WorkingDayNotOnWeekend { date: NaiveDate, weekday: Weekday },
    #[error("{date} is listed twice as an adjusted working day")]
    DuplicateWorkingDay { date: NaiveDate },
    #[error("{field} is empty")]
    EmptyName { field: &'static str },
    #[error("office hours need at least one session")]
    NoSessions,
    #[error("`{0}` is not an office session written as HH:MM-HH:MM")]
    BadSession(String),
    #[error("office session {0} ends before or when it starts")]
    EmptySession(String),
    #[error("office sessions {first} and {second} overlap or are out of order")]
    SessionsOverlap { first: String, second: String },
}

/// The embedded official schedules, as `(year, JSON text)`.
const EMBEDDED: [(i32, &str); 2] = [
    (2025, include_str!("../../calendar/2025.json")),
    (2026, include_str!("../../calendar/2026.json")),
];

/// Parses the schedules embedded in the binary (2025, 2026). They are checked by the
/// tests, so this only fails if a data file was broken without running them.
pub fn embedded_schedules() -> Result<Vec<YearSchedule>, CalendarError> {
    EMBEDDED
        .iter()
        .map(|(_, text)| YearSchedule::parse(text))
        .collect()
}

/// What kind of day a date is for the bureau.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind<'a> {
    /// An ordinary Monday–Friday.
    Workday,
    /// An ordinary Saturday or Sunday.
    Weekend,
    /// A day off of the named holiday.
    Holiday(&'a str),
    /// A Saturday or Sunday worked for the named holiday (调休上班).
    AdjustedWorkingDay(&'a str),
}

impl DayKind<'_> {
    /// Whether the bureau works that day.
    pub fn is_working(self) -> bool {
        matches!(self, DayKind::Workday | DayKind::AdjustedWorkingDay(_))
    }
}

/// Holiday schedules by year, office hours and the time zone they are read in.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    years: BTreeMap<i32, YearSchedule>,
    office_hours: OfficeHours,
    tz: Tz,
}

impl Calendar {
    /// A calendar with no holiday schedule (plain weekends), the given hours and zone.
    pub fn new(office_hours: OfficeHours, tz: Tz) -> Self {
        Self {
            years: BTreeMap::new(),
            office_hours,
            tz,
        }
    }

    /// The embedded 2025 and 2026 schedules, default office hours, Asia/Shanghai.
    pub fn china_default() -> Self {
        let mut calendar = Self::new(OfficeHours::default(), chrono_tz::Asia::Shanghai);
        // A broken embedded file is caught by the tests; should one slip through, its
        // year is simply not covered and `covers` lets the app warn about it.
        for schedule in EMBEDDED
            .iter()
            .filter_map(|(_, text)| YearSchedule::parse(text).ok())
        {
            calendar.years.insert(schedule.year(), schedule);
        }
        calendar
    }

    /// Adds (or replaces) one year's schedule.
    #[must_use]
    pub fn with_year(mut self, schedule: YearSchedule) -> Self {
        self.years.insert(schedule.year(), schedule);
        self
    }

    /// Replaces the office hours.
    #[must_use]
    pub fn with_office_hours(mut self, office_hours: OfficeHours) -> Self {
        self.office_hours = office_hours;
        self
    }

    /// Replaces the time zone in which dates and office hours are read.
    #[must_use]
    pub fn with_tz(mut self, tz: Tz) -> Self {
        self.tz = tz;
        self
    }

    /// Whether an official schedule is loaded for `year`. When it is not, that year's
    /// holidays are unknown and only weekends are days off.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// The years with a schedule, ascending.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.keys().copied()
    }

    /// The schedule of `year`, if loaded.
    pub fn schedule(&self, year: i32) -> Option<&YearSchedule> {
        self.years.get(&year)
    }

    /// The office hours.
    pub fn office_hours(&self) -> &OfficeHours {
        &self.office_hours
    }

    /// The time zone in which dates and office hours are read.
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// What kind of day `date` is.
    pub fn day_kind(&self, date: NaiveDate) -> DayKind<'_> {
        if let Some(schedule) = self.years.get(&date.year()) {
            if let Some(holiday) = schedule.holiday_on(date) {
                return DayKind::Holiday(holiday.name());
            }
            if let Some(day) = schedule.adjusted_working_day_on(date) {
                return DayKind::AdjustedWorkingDay(day.for_holiday());
            }
        }
        if schedule::is_weekend(date) {
            DayKind::Weekend
        } else {
            DayKind::Workday
        }
    }

    /// Whether the bureau works on `date`.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.day_kind(date).is_working()
    }

    /// The name of the holiday `date` falls in, if any.
    pub fn holiday_name(&self, date: NaiveDate) -> Option<&str> {
        match self.day_kind(date) {
            DayKind::Holiday(name) => Some(name),
            _ => None,
        }
    }

    /// The holidays of `year` in date order; empty when the year is not covered.
    pub fn holidays_of(&self, year: i32) -> &[Holiday] {
        self.years.get(&year).map_or(&[], |s| s.holidays())
    }

    /// The adjusted working days of `year` in date order; empty when not covered.
    pub fn adjusted_working_days_of(&self, year: i32) -> &[AdjustedWorkingDay] {
        self.years
            .get(&year)
            .map_or(&[], |s| s.adjusted_working_days())
    }

    /// Number of working days in `year` (248 in 2025 and in 2026).
    pub fn working_days_in(&self, year: i32) -> u32 {
        match (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) {
            (Some(first), Some(last)) => first
                .pred_opt()
                .map_or(0, |before| self.working_days_between(before, last)),
            _ => 0,
        }
    }
}
