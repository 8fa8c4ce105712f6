//! Office hours (办公时间): the sessions of a working day during which limits given in
//! hours run ("3 小时办结"). A valid [`OfficeHours`] has at least one session, every
//! session is non-empty and in whole minutes, and sessions are in order without
//! overlapping. The default is 09:00–12:00 and 13:00–17:00.
//!
//! In configuration it is written as a list of `"HH:MM-HH:MM"` strings, e.g.
//! `office_hours = ["09:00-12:00", "13:00-17:00"]`, or as one string with the sessions
//! separated by commas (`OfficeHours::parse`).

use std::fmt;

use chrono::{NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

use super::CalendarError;

/// One session of the office day, from `start` (inclusive) to `end` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    start: NaiveTime,
    end: NaiveTime,
}

impl Session {
    /// A session in whole minutes that ends after it starts.
    pub fn new(start: NaiveTime, end: NaiveTime) -> Result<Self, CalendarError> {
        let whole_minutes = |t: NaiveTime| t.second() == 0 && t.nanosecond() == 0;
        if !whole_minutes(start) || !whole_minutes(end) {
            return Err(CalendarError::BadSession(format!("{start}-{end}")));
        }
        if end <= start {
            return Err(CalendarError::EmptySession(format!(
                "{}-{}",
                start.format("%H:%M"),
                end.format("%H:%M")
            )));
        }
        Ok(Self { start, end })
    }

    /// Parses `"HH:MM-HH:MM"` (an en dash `–` or `~` is accepted too).
    pub fn parse(text: &str) -> Result<Self, CalendarError> {
        let bad = || CalendarError::BadSession(text.trim().to_owned());
        let (start, end) = text.split_once(['-', '–', '~']).ok_or_else(bad)?;
        let time = |s: &str| NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| bad());
        Self::new(time(start)?, time(end)?)
    }

    /// When the session opens.
    pub fn start(&self) -> NaiveTime {
        self.start
    }

    /// When the session closes.
    pub fn end(&self) -> NaiveTime {
        self.end
    }

    /// Length of the session in minutes.
    pub fn minutes(&self) -> i64 {
        (self.end - self.start).num_minutes()
    }
}

impl fmt::Display for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}",
            self.start.format("%H:%M"),
            self.end.format("%H:%M")
        )
    }
}

/// The sessions of a working day, validated. See the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct OfficeHours {
    /// Non-empty, ordered, non-overlapping.
    sessions: Vec<Session>,
}

impl OfficeHours {
    /// Office hours from sessions given in order of the day.
    pub fn new(sessions: Vec<Session>) -> Result<Self, CalendarError> {
        if sessions.is_empty() {
            return Err(CalendarError::NoSessions);
        }
        for (first, second) in sessions.iter().zip(sessions.iter().skip(1)) {
            if second.start < first.end {
                return Err(CalendarError::SessionsOverlap {
                    first: first.to_string(),
                    second: second.to_string(),
                });
            }
        }
        Ok(Self { sessions })
    }

    /// Parses sessions separated by commas: `"09:00-12:00, 13:00-17:00"`.
    pub fn parse(text: &str) -> Result<Self, CalendarError> {
        let sessions = text
            .split([',', '，', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Session::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(sessions)
    }

    /// The sessions, in order of the day.
    pub fn sessions(&self) -> &[Session] {
        &self.sessions
    }

    /// When the first session opens.
    pub fn opening(&self) -> NaiveTime {
        self.sessions.first().map_or(NaiveTime::MIN, |s| s.start)
    }

    /// When the last session closes: the deadline time of a limit in days.
    pub fn closing(&self) -> NaiveTime {
        self.sessions.last().map_or(NaiveTime::MIN, |s| s.end)
    }

    /// Office minutes in one working day (420 by default: 3 h + 4 h).
    pub fn minutes_per_day(&self) -> i64 {
        self.sessions.iter().map(Session::minutes).sum()
    }

    /// Whether `time` falls inside a session.
    pub fn is_open_at(&self, time: NaiveTime) -> bool {
        self.sessions
            .iter()
            .any(|s| s.start <= time && time < s.end)
    }
}

impl Default for OfficeHours {
    /// 09:00–12:00 and 13:00–17:00.
    fn default() -> Self {
        let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN);
        Self {
            sessions: vec![
                Session {
                    start: hm(9, 0),
                    end: hm(12, 0),
                },
                Session {
                    start: hm(13, 0),
                    end: hm(17, 0),
                },
            ],
        }
    }
}

impl fmt::Display for OfficeHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.sessions.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{s}")?;
        }
        Ok(())
    }
}

impl TryFrom<Vec<String>> for OfficeHours {
    type Error = CalendarError;

    fn try_from(sessions: Vec<String>) -> Result<Self, Self::Error> {
        Self::new(
            sessions
                .iter()
                .map(|s| Session::parse(s))
                .collect::<Result<Vec<_>, _>>()?,
        )
    }
}

impl From<OfficeHours> for Vec<String> {
    fn from(hours: OfficeHours) -> Self {
        hours.sessions.iter().map(Session::to_string).collect()
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test should fail loudly on a bad fixture"
)]
mod tests {
    use super::*;

    #[test]
    fn the_default_day_is_nine_to_twelve_and_one_to_five() {
        let hours = OfficeHours::default();
        assert_eq!(hours.to_string(), "09:00-12:00, 13:00-17:00");
        assert_eq!(hours.minutes_per_day(), 420);
        assert_eq!(hours.opening(), NaiveTime::from_hms_opt(9, 0, 0).unwrap());
        assert_eq!(hours.closing(), NaiveTime::from_hms_opt(17, 0, 0).unwrap());
        assert_eq!(
            OfficeHours::parse("09:00-12:00, 13:00-17:00").unwrap(),
            hours
        );
    }

    #[test]
    fn office_hours_are_configurable_and_round_trip_through_json() {
        let hours = OfficeHours::parse("08:30-12:00，14:30–18:00").unwrap();
        assert_eq!(hours.minutes_per_day(), 210 + 210);
        let json = serde_json::to_string(&hours).unwrap();
        assert_eq!(json, r#"["08:30-12:00","14:30-18:00"]"#);
        assert_eq!(serde_json::from_str::<OfficeHours>(&json).unwrap(), hours);
    }

    #[test]
    fn the_office_is_open_inside_a_session_only() {
        let hours = OfficeHours::default();
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert!(hours.is_open_at(t(9, 0)));
        assert!(hours.is_open_at(t(11, 59)));
        assert!(!hours.is_open_at(t(12, 30)));
        assert!(!hours.is_open_at(t(17, 0)));
    }

    #[test]
    fn office_hours_without_a_session_are_refused() {
        assert_eq!(
            OfficeHours::parse(" ").unwrap_err(),
            CalendarError::NoSessions
        );
        assert_eq!(
            OfficeHours::new(vec![]).unwrap_err(),
            CalendarError::NoSessions
        );
    }

    #[test]
    fn an_empty_or_backwards_session_is_refused() {
        assert_eq!(
            OfficeHours::parse("12:00-09:00").unwrap_err(),
            CalendarError::EmptySession("12:00-09:00".into())
        );
        assert_eq!(
            OfficeHours::parse("09:00-09:00").unwrap_err(),
            CalendarError::EmptySession("09:00-09:00".into())
        );
    }

    #[test]
    fn overlapping_or_unordered_sessions_are_refused() {
        assert_eq!(
            OfficeHours::parse("09:00-12:30, 12:00-17:00").unwrap_err(),
            CalendarError::SessionsOverlap {
                first: "09:00-12:30".into(),
                second: "12:00-17:00".into()
            }
        );
        assert!(matches!(
            OfficeHours::parse("13:00-17:00, 09:00-12:00").unwrap_err(),
            CalendarError::SessionsOverlap { .. }
        ));
        assert!(
            OfficeHours::parse("09:00-12:00, 12:00-17:00").is_ok(),
            "touching sessions are fine"
        );
    }

    #[test]
    fn a_session_that_is_not_hh_mm_is_refused() {
        for bad in ["9-12", "09:00", "25:00-26:00", "morning"] {
            assert_eq!(
                OfficeHours::parse(bad).unwrap_err(),
                CalendarError::BadSession(bad.into())
            );
        }
        let with_seconds = NaiveTime::from_hms_opt(9, 0, 30).unwrap();
        let noon = NaiveTime::from_hms_opt(12, 0, 0).unwrap();
        assert!(matches!(
            Session::new(with_seconds, noon),
            Err(CalendarError::BadSession(_))
        ));
    }
}
