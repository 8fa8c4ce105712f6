//! Contact details and dates on application forms: mainland mobile number, postal
//! code, calendar date `YYYY-MM-DD` and date range.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::ValidationError;

/// A mainland China mobile number: 11 digits, `1` then `3`–`9`.
///
/// Parsing accepts a leading `+86` or `0086` and spaces or hyphens between digit
/// groups (`+86 138-0013-8000`); the stored form is the bare 11 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MobileNumber(String);

impl MobileNumber {
    pub fn parse(s: &str) -> Result<MobileNumber, ValidationError> {
        let compact: String = s
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '\t'))
            .collect();
        let digits = compact
            .strip_prefix("+86")
            .or_else(|| compact.strip_prefix("0086"))
            .unwrap_or(&compact);
        all_digits(digits, 11)?;
        let second = digits.as_bytes().get(1).copied().unwrap_or(b'0');
        if !digits.starts_with('1') || !(b'3'..=b'9').contains(&second) {
            return Err(ValidationError::MobilePrefix);
        }
        Ok(MobileNumber(digits.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A postal code (邮政编码): 6 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PostalCode(String);

impl PostalCode {
    pub fn parse(s: &str) -> Result<PostalCode, ValidationError> {
        let digits = s.trim();
        all_digits(digits, 6)?;
        Ok(PostalCode(digits.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks that `s` is exactly `expected` ASCII digits.
fn all_digits(s: &str, expected: usize) -> Result<(), ValidationError> {
    let actual = s.chars().count();
    if actual != expected {
        return Err(ValidationError::Length { expected, actual });
    }
    match s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, c)) => Err(ValidationError::Character {
            position: i + 1,
            found: c,
            expected: "数字",
        }),
        None => Ok(()),
    }
}

/// Parses a date written exactly `YYYY-MM-DD` (zero-padded, ASCII) that exists in
/// the calendar.
pub fn parse_date(s: &str) -> Result<NaiveDate, ValidationError> {
    let s = s.trim();
    let shape_ok = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(ValidationError::DateFormat);
    }
    let field = |range: std::ops::Range<usize>| s.get(range).and_then(|f| f.parse::<u32>().ok());
    let nonexistent = || ValidationError::DateNonexistent { date: s.to_owned() };
    let (Some(year), Some(month), Some(day)) = (field(0..4), field(5..7), field(8..10)) else {
        return Err(ValidationError::DateFormat);
    };
    let year = i32::try_from(year).map_err(|_| nonexistent())?;
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(nonexistent)
}

/// A closed range of dates, `from` ≤ `to` (both days included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DateRange {
    from: NaiveDate,
    to: NaiveDate,
}

impl DateRange {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<DateRange, ValidationError> {
        if from > to {
            return Err(ValidationError::DateRangeReversed);
        }
        Ok(DateRange { from, to })
    }

    /// Parses `YYYY-MM-DD..YYYY-MM-DD`, the form used in query strings and by the
    /// validate API.
    pub fn parse(s: &str) -> Result<DateRange, ValidationError> {
        let (from, to) = s
            .trim()
            .split_once("..")
            .ok_or(ValidationError::DateRangeFormat)?;
        DateRange::new(parse_date(from)?, parse_date(to)?)
    }

    pub fn from(&self) -> NaiveDate {
        self.from
    }

    pub fn to(&self) -> NaiveDate {
        self.to
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }

    /// Number of calendar days, both ends included (a one-day range has 1).
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

impl fmt::Display for DateRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}..{}",
            self.from.format("%Y-%m-%d"),
            self.to.format("%Y-%m-%d")
        )
    }
}

impl fmt::Display for MobileNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for MobileNumber {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MobileNumber::parse(s)
    }
}

impl TryFrom<String> for MobileNumber {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        MobileNumber::parse(&s)
    }
}

impl From<MobileNumber> for String {
    fn from(v: MobileNumber) -> String {
        v.0
    }
}

impl fmt::Display for PostalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for PostalCode {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PostalCode::parse(s)
    }
}

impl TryFrom<String> for PostalCode {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PostalCode::parse(&s)
    }
}

impl From<PostalCode> for String {
    fn from(v: PostalCode) -> String {
        v.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn a_mobile_number_is_eleven_digits_starting_13_to_19() {
        for good in ["13800138000", "15912345678", "19912345678", "16612345678"] {
            assert!(MobileNumber::parse(good).is_ok(), "{good}");
        }
        for bad in ["10012345678", "11012345678", "12812345678", "23800138000"] {
            assert_eq!(
                MobileNumber::parse(bad).err(),
                Some(ValidationError::MobilePrefix),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_mobile_number_may_carry_the_country_code_and_separators() -> Result<(), ValidationError> {
        for written in ["+86 138-0013-8000", "008613800138000", " 138 0013 8000 "] {
            assert_eq!(MobileNumber::parse(written)?.as_str(), "13800138000");
        }
        Ok(())
    }

    #[test]
    fn a_mobile_number_of_the_wrong_length_or_with_letters_is_refused() {
        assert_eq!(
            MobileNumber::parse("1380013800").err(),
            Some(ValidationError::Length {
                expected: 11,
                actual: 10
            })
        );
        assert!(matches!(
            MobileNumber::parse("1380013800O"),
            Err(ValidationError::Character {
                position: 11,
                found: 'O',
                ..
            })
        ));
        assert!(MobileNumber::parse("").is_err());
    }

    #[test]
    fn a_postal_code_is_six_digits() {
        assert!(PostalCode::parse("610041").is_ok());
        assert_eq!(
            PostalCode::parse("61004").err(),
            Some(ValidationError::Length {
                expected: 6,
                actual: 5
            })
        );
        assert!(matches!(
            PostalCode::parse("61004a"),
            Err(ValidationError::Character {
                position: 6,
                found: 'a',
                ..
            })
        ));
    }

    #[test]
    fn a_date_must_be_written_yyyy_mm_dd() {
        assert_eq!(parse_date("2024-02-29"), Ok(date(2024, 2, 29)));
        for bad in [
            "2024-2-29",
            "2024/02/29",
            "20240229",
            "24-02-29",
            "2024-02-29T00",
            "",
        ] {
            assert_eq!(parse_date(bad), Err(ValidationError::DateFormat), "{bad}");
        }
    }

    #[test]
    fn a_date_that_does_not_exist_is_named_in_the_reason() {
        let err = parse_date("2023-02-29").err();
        assert_eq!(
            err.map(|e| e.to_string()).as_deref(),
            Some("日期 2023-02-29 不存在")
        );
        assert!(parse_date("2024-13-01").is_err());
        assert!(parse_date("2024-04-31").is_err());
    }

    #[test]
    fn a_date_range_runs_forwards_and_may_be_one_day() -> Result<(), ValidationError> {
        let year = DateRange::parse("2024-01-01..2024-12-31")?;
        assert_eq!(year.days(), 366);
        assert!(year.contains(date(2024, 2, 29)));
        assert!(!year.contains(date(2025, 1, 1)));
        assert_eq!(year.to_string(), "2024-01-01..2024-12-31");
        assert_eq!(DateRange::parse("2024-06-01..2024-06-01")?.days(), 1);
        Ok(())
    }

    #[test]
    fn a_reversed_or_malformed_date_range_is_refused() {
        assert_eq!(
            DateRange::parse("2024-12-31..2024-01-01"),
            Err(ValidationError::DateRangeReversed)
        );
        assert_eq!(
            DateRange::parse("2024-01-01"),
            Err(ValidationError::DateRangeFormat)
        );
        assert_eq!(
            DateRange::parse("2024-01-01..2024-1-31"),
            Err(ValidationError::DateFormat)
        );
        assert!(matches!(
            DateRange::parse("2023-02-29..2023-03-01"),
            Err(ValidationError::DateNonexistent { .. })
        ));
    }
}
