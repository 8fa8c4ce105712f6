//! Citizen identity number (公民身份号码) of GB 11643-1999: 18 characters —
//! a 6-digit address code, the birth date `YYYYMMDD`, a 3-digit sequence whose
//! last digit is odd for men and even for women, and an ISO 7064 MOD 11-2 check
//! character (`0`–`9` or `X`).
//!
//! What is checked: length, characters, that the first two digits name a real
//! province-level division (including 81/82/83 of the residence permits of Hong Kong,
//! Macao and Taiwan residents), that the birth date exists and lies between
//! 1900-01-01 and today, and the check character. The county part of the address
//! code is deliberately not checked against a list: codes change when counties are
//! renamed or merged (双流县 510122 became 双流区 510116 in 2015), and a number keeps
//! the code of the holder's birth place at the time. The old 15-digit numbers are
//! refused: they stopped being valid documents in 2013.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::ValidationError;
use super::iso7064::mod_11_2_check;

/// Province-level codes (first two digits of the address code) per GB/T 2260,
/// plus 81/82/83 used by residence permits of Hong Kong, Macao and Taiwan residents.
#[rustfmt::skip]
const PROVINCES: &[&str] = &[
    "11", "12", "13", "14", "15", // 北京 天津 河北 山西 内蒙古
    "21", "22", "23", // 辽宁 吉林 黑龙江
    "31", "32", "33", "34", "35", "36", "37", // 上海 江苏 浙江 安徽 福建 江西 山东
    "41", "42", "43", "44", "45", "46", // 河南 湖北 湖南 广东 广西 海南
    "50", "51", "52", "53", "54", // 重庆 四川 贵州 云南 西藏
    "61", "62", "63", "64", "65", // 陕西 甘肃 青海 宁夏 新疆
    "71", // 台湾
    "81", "82", "83", // 香港 澳门 台湾居民居住证
];

/// Sex as encoded by the 17th digit: odd is male, even is female.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

/// A citizen identity number that passed every check of GB 11643-1999.
///
/// Always 18 ASCII characters with an upper-case `X` if any. `Display` and
/// [`CitizenId::as_str`] give the full number; `Debug` gives only the
/// [masked](CitizenId::masked) form, so a stray `{:?}` in a log line does not leak
/// personal information.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub struct CitizenId {
    value: String,
    birth_date: NaiveDate,
}

impl CitizenId {
    /// Parses a citizen ID. Surrounding whitespace is ignored and a lower-case `x`
    /// is normalised to `X`. `today` is the latest birth date accepted.
    pub fn parse(s: &str, today: NaiveDate) -> Result<CitizenId, ValidationError> {
        let value = s.trim().to_ascii_uppercase();
        let length = value.chars().count();
        if length != 18 {
            return Err(ValidationError::Length {
                expected: 18,
                actual: length,
            });
        }
        for (i, c) in value.chars().enumerate() {
            let ok = c.is_ascii_digit() || (i == 17 && c == 'X');
            if !ok {
                return Err(ValidationError::Character {
                    position: i + 1,
                    found: c,
                    expected: if i == 17 { "数字或 X" } else { "数字" },
                });
            }
        }
        // All 18 characters are ASCII from here on, so byte slicing is safe.
        let province = &value[0..2];
        if !PROVINCES.contains(&province) {
            return Err(ValidationError::Province {
                code: province.to_owned(),
            });
        }
        let birth_date = birth_date_of(&value[6..14])?;
        if birth_date.year() < 1900 {
            return Err(ValidationError::BirthDateTooEarly);
        }
        if birth_date > today {
            return Err(ValidationError::BirthDateInFuture);
        }
        let expected = mod_11_2_check(&value[..17]).unwrap_or('?');
        if !value.ends_with(expected) {
            return Err(ValidationError::CheckCharacter { expected });
        }
        Ok(CitizenId { value, birth_date })
    }

    /// The full 18-character number.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The 6-digit address code (the holder's registered place at issue).
    pub fn region_code(&self) -> &str {
        &self.value[0..6]
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// From the 17th digit: odd is male, even is female.
    pub fn sex(&self) -> Sex {
        let odd = self
            .value
            .as_bytes()
            .get(16)
            .is_some_and(|b| (b - b'0') % 2 == 1);
        if odd { Sex::Male } else { Sex::Female }
    }

    /// Age in whole years (周岁) on `date`: one more on each birthday. Someone born
    /// on 29 February becomes a year older on 1 March in common years. Dates before
    /// the birth date give 0.
    pub fn age_on(&self, date: NaiveDate) -> u32 {
        let birth = self.birth_date;
        let mut years = date.year() - birth.year();
        if (date.month(), date.day()) < (birth.month(), birth.day()) {
            years -= 1;
        }
        u32::try_from(years).unwrap_or(0)
    }

    /// The number with the middle ten characters hidden: the first four (province
    /// and city) and the last four (end of the sequence and the check character) are
    /// kept, e.g. `5101**********123X`. For display on receipts, lists and logs.
    pub fn masked(&self) -> String {
        format!("{}**********{}", &self.value[..4], &self.value[14..])
    }
}

/// The age in whole years on `today` of the holder of citizen ID `id`.
pub fn age_from_citizen_id(id: &str, today: NaiveDate) -> Result<u32, ValidationError> {
    Ok(CitizenId::parse(id, today)?.age_on(today))
}

fn birth_date_of(yyyymmdd: &str) -> Result<NaiveDate, ValidationError> {
    let number = |range: std::ops::Range<usize>| {
        yyyymmdd
            .get(range)
            .and_then(|s| s.parse::<u32>().ok())
            .ok_or(ValidationError::BirthDateNonexistent)
    };
    let year = i32::try_from(number(0..4)?).map_err(|_| ValidationError::BirthDateNonexistent)?;
    NaiveDate::from_ymd_opt(year, number(4..6)?, number(6..8)?)
        .ok_or(ValidationError::BirthDateNonexistent)
}

impl fmt::Display for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

impl fmt::Debug for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CitizenId").field(&self.masked()).finish()
    }
}

impl From<CitizenId> for String {
    fn from(id: CitizenId) -> String {
        id.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn today() -> NaiveDate {
        date(2024, 6, 1)
    }

    /// Appends the correct check character to 17 digits.
    fn with_check(first17: &str) -> String {
        format!("{first17}{}", mod_11_2_check(first17).unwrap_or('?'))
    }

    fn parse(s: &str) -> Result<CitizenId, ValidationError> {
        CitizenId::parse(s, today())
    }

    #[test]
    fn the_published_vector_is_valid() -> Result<(), ValidationError> {
        let id = parse("11010519491231002X")?;
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.region_code(), "110105");
        assert_eq!(id.birth_date(), date(1949, 12, 31));
        assert_eq!(id.sex(), Sex::Female);
        Ok(())
    }

    #[test]
    fn a_wrong_check_character_is_refused_naming_the_right_one() {
        let err = parse("110105194912310021").err();
        assert_eq!(err, Some(ValidationError::CheckCharacter { expected: 'X' }));
        assert_eq!(
            err.map(|e| e.to_string()).as_deref(),
            Some("校验码错误，应为 X")
        );
    }

    #[test]
    fn a_lower_case_x_is_accepted_and_normalised() -> Result<(), ValidationError> {
        assert_eq!(
            parse(" 11010519491231002x ")?.as_str(),
            "11010519491231002X"
        );
        Ok(())
    }

    #[test]
    fn every_single_digit_substitution_is_detected() {
        let valid = "11010519491231002X";
        for i in 0..17 {
            for d in '0'..='9' {
                let mut changed: Vec<char> = valid.chars().collect();
                if changed[i] == d {
                    continue;
                }
                changed[i] = d;
                let changed: String = changed.into_iter().collect();
                assert!(parse(&changed).is_err(), "{changed}");
            }
        }
    }

    #[test]
    fn thirtieth_february_does_not_exist() {
        let id = with_check("51010720000230001");
        assert_eq!(
            parse(&id).err(),
            Some(ValidationError::BirthDateNonexistent)
        );
    }

    #[test]
    fn twenty_ninth_february_1900_does_not_exist_because_1900_was_not_a_leap_year() {
        let id = with_check("51010719000229001");
        assert_eq!(
            parse(&id).err(),
            Some(ValidationError::BirthDateNonexistent)
        );
    }

    #[test]
    fn twenty_ninth_february_2000_exists_because_2000_was_a_leap_year()
    -> Result<(), ValidationError> {
        let id = parse(&with_check("51010720000229001"))?;
        assert_eq!(id.birth_date(), date(2000, 2, 29));
        Ok(())
    }

    #[test]
    fn month_thirteen_and_day_zero_do_not_exist() {
        for first17 in ["51010719901301001", "51010719900100001"] {
            let id = with_check(first17);
            assert_eq!(
                parse(&id).err(),
                Some(ValidationError::BirthDateNonexistent),
                "{id}"
            );
        }
    }

    #[test]
    fn a_birth_date_after_today_is_refused_and_today_is_accepted() {
        assert_eq!(
            parse(&with_check("51010720240602001")).err(),
            Some(ValidationError::BirthDateInFuture)
        );
        assert!(parse(&with_check("51010720240601001")).is_ok());
    }

    #[test]
    fn a_birth_date_before_1900_is_refused() {
        assert_eq!(
            parse(&with_check("51010718991231001")).err(),
            Some(ValidationError::BirthDateTooEarly)
        );
        assert!(parse(&with_check("51010719000101001")).is_ok());
    }

    #[test]
    fn an_address_code_outside_every_province_is_refused() {
        for prefix in [
            "00", "10", "16", "20", "30", "47", "55", "66", "72", "84", "99",
        ] {
            let id = with_check(&format!("{prefix}010719900307001"));
            assert_eq!(
                parse(&id).err(),
                Some(ValidationError::Province {
                    code: prefix.to_owned()
                }),
                "{id}"
            );
        }
    }

    #[test]
    fn a_county_code_renamed_after_the_holders_birth_is_still_valid() {
        // 510122 was 双流县 until it became 双流区 (510116) in 2015.
        assert!(parse(&with_check("51012219800101001")).is_ok());
    }

    #[test]
    fn residence_permits_of_hong_kong_macao_and_taiwan_residents_are_accepted() {
        for prefix in ["81", "82", "83"] {
            let id = with_check(&format!("{prefix}000019900307001"));
            assert!(parse(&id).is_ok(), "{id}");
        }
    }

    #[test]
    fn a_wrong_length_is_refused_with_both_lengths() {
        assert_eq!(
            parse("11010519491231002").err(),
            Some(ValidationError::Length {
                expected: 18,
                actual: 17
            })
        );
        // The old 15-digit form.
        assert_eq!(
            parse("110105491231002").err(),
            Some(ValidationError::Length {
                expected: 18,
                actual: 15
            })
        );
        assert_eq!(
            parse("").err(),
            Some(ValidationError::Length {
                expected: 18,
                actual: 0
            })
        );
    }

    #[test]
    fn a_non_digit_is_refused_with_its_position() {
        let err = parse("1101051949123100X2").err();
        assert_eq!(
            err,
            Some(ValidationError::Character {
                position: 17,
                found: 'X',
                expected: "数字"
            })
        );
        // A full-width digit counts as one character, not three bytes.
        assert_eq!(
            parse("１1010519491231002X").err(),
            Some(ValidationError::Character {
                position: 1,
                found: '１',
                expected: "数字"
            })
        );
    }

    #[test]
    fn an_odd_seventeenth_digit_means_male_and_an_even_one_female() -> Result<(), ValidationError> {
        assert_eq!(parse(&with_check("51010719900307011"))?.sex(), Sex::Male);
        assert_eq!(parse(&with_check("51010719900307020"))?.sex(), Sex::Female);
        Ok(())
    }

    #[test]
    fn age_counts_whole_years_and_goes_up_on_the_birthday() -> Result<(), ValidationError> {
        let id = parse(&with_check("51010720060601001"))?;
        assert_eq!(id.age_on(date(2024, 5, 31)), 17);
        assert_eq!(id.age_on(date(2024, 6, 1)), 18);
        assert_eq!(id.age_on(date(2006, 6, 1)), 0);
        assert_eq!(id.age_on(date(2000, 1, 1)), 0);
        Ok(())
    }

    #[test]
    fn someone_born_on_29_february_is_a_year_older_on_1_march_in_common_years()
    -> Result<(), ValidationError> {
        let id = parse(&with_check("51010720000229001"))?;
        assert_eq!(id.age_on(date(2023, 2, 28)), 22);
        assert_eq!(id.age_on(date(2023, 3, 1)), 23);
        assert_eq!(id.age_on(date(2024, 2, 29)), 24);
        Ok(())
    }

    #[test]
    fn age_from_citizen_id_parses_then_counts() {
        assert_eq!(age_from_citizen_id("11010519491231002X", today()), Ok(74));
        assert!(age_from_citizen_id("110105194912310021", today()).is_err());
    }

    #[test]
    fn masked_keeps_the_first_four_and_the_last_four() -> Result<(), ValidationError> {
        let id = parse("11010519491231002X")?;
        assert_eq!(id.masked(), "1101**********002X");
        assert_eq!(id.masked().chars().count(), 18);
        Ok(())
    }

    #[test]
    fn debug_shows_only_the_masked_number_and_display_the_full_one() -> Result<(), ValidationError>
    {
        let id = parse("11010519491231002X")?;
        assert_eq!(format!("{id:?}"), r#"CitizenId("1101**********002X")"#);
        assert_eq!(id.to_string(), "11010519491231002X");
        Ok(())
    }

    #[test]
    fn it_serialises_as_the_plain_number() -> Result<(), ValidationError> {
        let id = parse("11010519491231002X")?;
        assert_eq!(
            serde_json::to_string(&id).ok().as_deref(),
            Some(r#""11010519491231002X""#)
        );
        Ok(())
    }
}
