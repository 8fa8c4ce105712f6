//! One year's official holiday schedule (节假日安排): the named holidays and the
//! weekend days worked in exchange (调休上班), parsed and checked from the JSON format
//! described in `crates/domain/calendar/README.md`:
//!
//! ```json
//! {"year": 2027,
//!  "source": "国务院办公厅关于2027年部分节假日安排的通知",
//!  "holidays": [{"name": "春节", "from": "2027-02-06", "to": "2027-02-12"}],
//!  "working_days": [{"date": "2027-02-14", "for": "春节"}]}
//! ```
//!
//! A parsed [`YearSchedule`] is consistent: every date is in its year, holiday ranges
//! are ordered and do not overlap, an adjusted working day is a Saturday or Sunday and
//! never also a holiday.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::CalendarError;

/// A named run of days off, both ends included (e.g. 春节 2026-02-15 to 2026-02-23).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holiday {
    name: String,
    from: NaiveDate,
    to: NaiveDate,
}

impl Holiday {
    /// The holiday's name as the notice gives it (元旦, 春节, 国庆节 …).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// First day off.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// Last day off (inclusive).
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// Number of days off, both ends included.
    pub fn days(&self) -> u32 {
        u32::try_from((self.to - self.from).num_days() + 1).unwrap_or(0)
    }

    /// Whether `date` is one of the days off.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }
}

/// A Saturday or Sunday worked in exchange for a holiday (调休上班).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdjustedWorkingDay {
    date: NaiveDate,
    #[serde(rename = "for")]
    for_holiday: String,
}

impl AdjustedWorkingDay {
    /// The day worked.
    pub fn date(&self) -> NaiveDate {
        self.date
    }

    /// The holiday it makes up for.
    pub fn for_holiday(&self) -> &str {
        &self.for_holiday
    }
}

/// One year's holidays and adjusted working days, validated. Build it with
/// [`YearSchedule::parse`]; the embedded years come from
/// [`super::embedded_schedules`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearSchedule {
    year: i32,
    source: Option<String>,
    /// Ordered by `from`, non-overlapping.
    holidays: Vec<Holiday>,
    /// Ordered by date, no duplicates.
    working_days: Vec<AdjustedWorkingDay>,
    /// Every day off → index into `holidays`.
    days_off: BTreeMap<NaiveDate, usize>,
}

/// Earliest and latest year a schedule may describe; outside this a year number is
/// almost certainly a typo.
const YEARS: std::ops::RangeInclusive<i32> = 1949..=9999;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    year: i32,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    holidays: Vec<RawHoliday>,
    #[serde(default)]
    working_days: Vec<RawWorkingDay>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    name: String,
    from: String,
    #[serde(default)]
    to: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkingDay {
    date: String,
    #[serde(rename = "for")]
    for_holiday: String,
}

impl YearSchedule {
    /// Parses and checks one year's schedule written in the documented JSON format.
    pub fn parse(text: &str) -> Result<Self, CalendarError> {
        let raw: RawSchedule =
            serde_json::from_str(text).map_err(|e| CalendarError::Malformed(e.to_string()))?;
        let year = raw.year;
        if !YEARS.contains(&year) {
            return Err(CalendarError::YearOutOfRange(year));
        }

        let mut holidays = Vec::with_capacity(raw.holidays.len());
        for h in raw.holidays {
            let name = h.name.trim().to_owned();
            if name.is_empty() {
                return Err(CalendarError::EmptyName {
                    field: "holidays[].name",
                });
            }
            let from = date_in_year(&h.from, year, "from", &name)?;
            let to = match &h.to {
                Some(to) => date_in_year(to, year, "to", &name)?,
                None => from,
            };
            if from > to {
                return Err(CalendarError::RangeReversed { name, from, to });
            }
            holidays.push(Holiday { name, from, to });
        }
        holidays.sort_by_key(|h| h.from);

        let mut days_off = BTreeMap::new();
        for (i, h) in holidays.iter().enumerate() {
            for date in h.from.iter_days().take_while(|d| *d <= h.to) {
                if let Some(&j) = days_off.get(&date) {
                    return Err(CalendarError::HolidaysOverlap {
                        date,
                        first: holidays
                            .get(j)
                            .map(|o: &Holiday| o.name.clone())
                            .unwrap_or_default(),
                        second: h.name.clone(),
                    });
                }
                days_off.insert(date, i);
            }
        }

        let mut working_days: Vec<AdjustedWorkingDay> = Vec::with_capacity(raw.working_days.len());
        for w in raw.working_days {
            let for_holiday = w.for_holiday.trim().to_owned();
            if for_holiday.is_empty() {
                return Err(CalendarError::EmptyName {
                    field: "working_days[].for",
                });
            }
            let date = date_in_year(&w.date, year, "date", &for_holiday)?;
            if let Some(holiday) = days_off.get(&date).and_then(|&i| holidays.get(i)) {
                return Err(CalendarError::HolidayAndWorkingDay {
                    date,
                    holiday: holiday.name.clone(),
                });
            }
            if !is_weekend(date) {
                return Err(CalendarError::WorkingDayNotOnWeekend {
                    date,
                    weekday: date.weekday(),
                });
            }
            if working_days.iter().any(|o| o.date == date) {
                return Err(CalendarError::DuplicateWorkingDay { date });
            }
            working_days.push(AdjustedWorkingDay { date, for_holiday });
        }
        working_days.sort_by_key(|w| w.date);

        Ok(Self {
            year,
            source: raw
                .source
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
            holidays,
            working_days,
            days_off,
        })
    }

    /// The calendar year described.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// Where the schedule comes from, if the file says.
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// The holidays, in date order.
    pub fn holidays(&self) -> &[Holiday] {
        &self.holidays
    }

    /// The adjusted working days (调休上班), in date order.
    pub fn adjusted_working_days(&self) -> &[AdjustedWorkingDay] {
        &self.working_days
    }

    /// The holiday `date` falls in, if any.
    pub fn holiday_on(&self, date: NaiveDate) -> Option<&Holiday> {
        self.days_off.get(&date).and_then(|&i| self.holidays.get(i))
    }

    /// The adjusted working day on `date`, if it is one.
    pub fn adjusted_working_day_on(&self, date: NaiveDate) -> Option<&AdjustedWorkingDay> {
        self.working_days
            .binary_search_by_key(&date, |w| w.date)
            .ok()
            .and_then(|i| self.working_days.get(i))
    }
}

/// Saturday or Sunday.
pub(super) fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Parses a strict `YYYY-MM-DD` date and checks it lies in `year`.
fn date_in_year(
    text: &str,
    year: i32,
    field: &'static str,
    entry: &str,
) -> Result<NaiveDate, CalendarError> {
    let bad = || CalendarError::BadDate {
        field,
        entry: entry.to_owned(),
        value: text.to_owned(),
    };
    let well_formed = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !well_formed {
        return Err(bad());
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad())?;
    if date.year() != year {
        return Err(CalendarError::DateOutsideYear {
            field,
            entry: entry.to_owned(),
            date,
            year,
        });
    }
    Ok(date)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test should fail loudly on a bad fixture"
)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn an_operator_can_write_a_new_year_in_the_documented_format() {
        let s = YearSchedule::parse(
            r#"{"year":2027,"holidays":[{"name":"春节","from":"2027-02-06","to":"2027-02-12"},
                {"name":"元旦","from":"2027-01-01"}],
                "working_days":[{"date":"2027-02-14","for":"春节"}]}"#,
        )
        .unwrap();
        assert_eq!(s.year(), 2027);
        assert_eq!(s.source(), None);
        let names: Vec<_> = s.holidays().iter().map(Holiday::name).collect();
        assert_eq!(names, ["元旦", "春节"], "holidays come back in date order");
        assert_eq!(
            s.holidays()[0].days(),
            1,
            "a missing `to` means a single day"
        );
        assert_eq!(s.holidays()[1].days(), 7);
        assert_eq!(
            s.holiday_on(date("2027-02-10")).map(Holiday::name),
            Some("春节")
        );
        assert_eq!(s.holiday_on(date("2027-02-13")), None);
        assert_eq!(
            s.adjusted_working_day_on(date("2027-02-14"))
                .map(AdjustedWorkingDay::for_holiday),
            Some("春节")
        );
    }

    #[test]
    fn a_schedule_with_no_holidays_is_a_plain_year() {
        let s = YearSchedule::parse(r#"{"year":2030}"#).unwrap();
        assert!(s.holidays().is_empty() && s.adjusted_working_days().is_empty());
    }

    #[test]
    fn a_file_that_is_not_json_is_refused_as_malformed() {
        let err = YearSchedule::parse("year = 2027").unwrap_err();
        assert!(matches!(err, CalendarError::Malformed(_)), "{err}");
    }

    #[test]
    fn a_misspelt_field_is_refused_rather_than_ignored() {
        let err = YearSchedule::parse(
            r#"{"year":2027,"workingdays":[{"date":"2027-02-14","for":"春节"}]}"#,
        )
        .unwrap_err();
        assert!(
            matches!(err, CalendarError::Malformed(ref m) if m.contains("workingdays")),
            "{err}"
        );
    }

    #[test]
    fn a_bad_date_is_refused_naming_the_entry_and_the_value() {
        for bad in ["2027-02-30", "2027/02/06", "2027-2-6", "next friday"] {
            let text = format!(r#"{{"year":2027,"holidays":[{{"name":"春节","from":"{bad}"}}]}}"#);
            let err = YearSchedule::parse(&text).unwrap_err();
            assert_eq!(
                err,
                CalendarError::BadDate {
                    field: "from",
                    entry: "春节".into(),
                    value: bad.into()
                }
            );
            assert!(err.to_string().contains(bad), "{err}");
        }
    }

    #[test]
    fn a_date_outside_the_schedules_year_is_refused() {
        let err = YearSchedule::parse(
            r#"{"year":2027,"holidays":[{"name":"元旦","from":"2026-12-31","to":"2027-01-01"}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            err,
            CalendarError::DateOutsideYear {
                field: "from",
                entry: "元旦".into(),
                date: date("2026-12-31"),
                year: 2027
            }
        );
        let err = YearSchedule::parse(
            r#"{"year":2027,"working_days":[{"date":"2028-01-02","for":"元旦"}]}"#,
        )
        .unwrap_err();
        assert!(
            matches!(err, CalendarError::DateOutsideYear { year: 2027, .. }),
            "{err}"
        );
    }

    #[test]
    fn a_holiday_that_ends_before_it_starts_is_refused() {
        let err = YearSchedule::parse(
            r#"{"year":2027,"holidays":[{"name":"春节","from":"2027-02-12","to":"2027-02-06"}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            err,
            CalendarError::RangeReversed {
                name: "春节".into(),
                from: date("2027-02-12"),
                to: date("2027-02-06")
            }
        );
    }

    #[test]
    fn a_day_both_off_and_worked_is_refused() {
        let err = YearSchedule::parse(
            r#"{"year":2027,"holidays":[{"name":"春节","from":"2027-02-06","to":"2027-02-12"}],
                "working_days":[{"date":"2027-02-06","for":"春节"}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            err,
            CalendarError::HolidayAndWorkingDay {
                date: date("2027-02-06"),
                holiday: "春节".into()
            }
        );
    }

    #[test]
    fn overlapping_holidays_are_refused() {
        let err = YearSchedule::parse(
            r#"{"year":2027,"holidays":[{"name":"国庆节","from":"2027-10-01","to":"2027-10-07"},
                {"name":"中秋节","from":"2027-09-30","to":"2027-10-01"}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            err,
            CalendarError::HolidaysOverlap {
                date: date("2027-10-01"),
                first: "中秋节".into(),
                second: "国庆节".into()
            }
        );
    }

    #[test]
    fn an_adjusted_working_day_must_be_a_weekend_day_listed_once() {
        let err = YearSchedule::parse(
            r#"{"year":2027,"working_days":[{"date":"2027-02-15","for":"春节"}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            err,
            CalendarError::WorkingDayNotOnWeekend {
                date: date("2027-02-15"),
                weekday: Weekday::Mon
            }
        );
        let err = YearSchedule::parse(
            r#"{"year":2027,"working_days":[{"date":"2027-02-14","for":"春节"},{"date":"2027-02-14","for":"春节"}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            err,
            CalendarError::DuplicateWorkingDay {
                date: date("2027-02-14")
            }
        );
    }

    #[test]
    fn names_and_years_must_be_plausible() {
        let err =
            YearSchedule::parse(r#"{"year":2027,"holidays":[{"name":" ","from":"2027-01-01"}]}"#)
                .unwrap_err();
        assert_eq!(
            err,
            CalendarError::EmptyName {
                field: "holidays[].name"
            }
        );
        let err =
            YearSchedule::parse(r#"{"year":2027,"working_days":[{"date":"2027-02-14","for":""}]}"#)
                .unwrap_err();
        assert_eq!(
            err,
            CalendarError::EmptyName {
                field: "working_days[].for"
            }
        );
        let err = YearSchedule::parse(r#"{"year":27}"#).unwrap_err();
        assert_eq!(err, CalendarError::YearOutOfRange(27));
    }
}
