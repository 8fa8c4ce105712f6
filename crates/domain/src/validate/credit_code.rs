//! Unified social credit code (统一社会信用代码) of GB 32100-2015: 18 characters
//! from the 31-character alphabet `0`–`9` and `A`–`Z` without `I`, `O`, `Z`, `S`, `V`.
//!
//! | positions | meaning                                                        |
//! |-----------|----------------------------------------------------------------|
//! | 1         | registering authority (登记管理部门): 1 机构编制, 5 民政, 9 工商, Y 其他, and codes assigned since (N, A, …) |
//! | 2         | kind of organisation (机构类别)                                 |
//! | 3–8       | registering authority's administrative division code (digits)  |
//! | 9–17      | organisation code (主体标识码, GB 11714)                        |
//! | 18        | check character                                                |
//!
//! Any alphabet character is accepted at positions 1 and 2, because authorities
//! have been added since 2015; the check character catches every single-character
//! error anyway. The GB 11714 check inside positions 9–17 is not enforced: the
//! standard does not require it of the credit code, and the whole-code check already
//! covers those positions.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::ValidationError;

/// The alphabet in value order: `0`–`9` are 0–9, then `A` = 10 … `Y` = 30.
const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

const CHARACTER_RULE: &str = "数字或除 I、O、Z、S、V 外的大写字母";

/// A unified social credit code that passed the checks of GB 32100-2015.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

impl CreditCode {
    /// Parses a credit code. Surrounding whitespace is ignored and lower-case
    /// letters are normalised to upper case.
    pub fn parse(s: &str) -> Result<CreditCode, ValidationError> {
        let value = s.trim().to_ascii_uppercase();
        let length = value.chars().count();
        if length != 18 {
            return Err(ValidationError::Length {
                expected: 18,
                actual: length,
            });
        }
        let mut sum = 0;
        for (i, c) in value.chars().enumerate() {
            let Some(v) = value_of(c) else {
                return Err(ValidationError::Character {
                    position: i + 1,
                    found: c,
                    expected: CHARACTER_RULE,
                });
            };
            if (2..8).contains(&i) && !c.is_ascii_digit() {
                return Err(ValidationError::Character {
                    position: i + 1,
                    found: c,
                    expected: "数字（登记管理机关行政区划码）",
                });
            }
            if let Some(w) = WEIGHTS.get(i) {
                sum += v * w;
            }
        }
        let expected = check_character_for(sum);
        if !value.ends_with(expected) {
            return Err(ValidationError::CheckCharacter { expected });
        }
        Ok(CreditCode(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Position 1: the registering authority (登记管理部门), e.g. `9` for 工商.
    pub fn registering_authority(&self) -> char {
        self.char_at(0)
    }

    /// Position 2: the kind of organisation (机构类别) within that authority.
    pub fn kind(&self) -> char {
        self.char_at(1)
    }

    /// Positions 3–8: the administrative division code of the registering office.
    pub fn region_code(&self) -> &str {
        &self.0[2..8]
    }

    /// Positions 9–17: the organisation code (主体标识码).
    pub fn organisation_code(&self) -> &str {
        &self.0[8..17]
    }

    /// Position 18.
    pub fn check_character(&self) -> char {
        self.char_at(17)
    }

    fn char_at(&self, i: usize) -> char {
        self.0.as_bytes().get(i).map_or('?', |b| char::from(*b))
    }
}

/// The value of `c` in the credit-code alphabet, `None` outside it.
fn value_of(c: char) -> Option<u32> {
    ALPHABET.find(c).and_then(|i| u32::try_from(i).ok())
}

/// 31 − (sum mod 31), where 31 is written as 0.
fn check_character_for(weighted_sum: u32) -> char {
    let value = (31 - weighted_sum % 31) % 31;
    ALPHABET.chars().nth(value as usize).unwrap_or('?')
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CreditCode {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CreditCode::parse(s)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        CreditCode::parse(&s)
    }
}

impl From<CreditCode> for String {
    fn from(code: CreditCode) -> String {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Appends the computed check character to 17 characters.
    fn with_check(first17: &str) -> String {
        let sum: u32 = first17
            .chars()
            .zip(WEIGHTS)
            .map(|(c, w)| value_of(c).unwrap_or(0) * w)
            .sum();
        format!("{first17}{}", check_character_for(sum))
    }

    #[test]
    fn the_example_of_the_standard_is_valid() -> Result<(), ValidationError> {
        let code = CreditCode::parse("91350100M000100Y43")?;
        assert_eq!(code.registering_authority(), '9');
        assert_eq!(code.kind(), '1');
        assert_eq!(code.region_code(), "350100");
        assert_eq!(code.organisation_code(), "M000100Y4");
        assert_eq!(code.check_character(), '3');
        Ok(())
    }

    #[test]
    fn another_published_code_is_valid() {
        // Used in python-stdnum's documentation of cn.uscc; recomputed here.
        assert!(CreditCode::parse("91110000600037341L").is_ok());
    }

    #[test]
    fn a_code_of_the_agriculture_authority_validates() -> Result<(), ValidationError> {
        // Hand check: values N=22 2 5 1 0 1 0 7 M=21 A=10 6 C=12 X=29 1 J=18 K=19 0,
        // weighted sum 2267 = 73 × 31 + 4, so the check value is 31 − 4 = 27 = U.
        assert_eq!(with_check("N2510107MA6CX1JK0"), "N2510107MA6CX1JK0U");
        assert_eq!(
            CreditCode::parse("N2510107MA6CX1JK0U")?.registering_authority(),
            'N'
        );
        Ok(())
    }

    #[test]
    fn a_remainder_of_zero_gives_check_character_zero() -> Result<(), ValidationError> {
        // Hand check: weighted sum of Y1510107MA6C3W8Q1 is 2790 = 90 × 31, and
        // 31 − 0 = 31 is written 0.
        assert_eq!(with_check("Y1510107MA6C3W8Q1"), "Y1510107MA6C3W8Q10");
        assert_eq!(
            CreditCode::parse("Y1510107MA6C3W8Q10")?.registering_authority(),
            'Y'
        );
        Ok(())
    }

    #[test]
    fn codes_of_every_authority_character_validate_when_their_check_is_right() {
        for authority in ALPHABET.chars() {
            let code = with_check(&format!("{authority}1510107MA6C3W8Q1"));
            assert!(CreditCode::parse(&code).is_ok(), "{code}");
        }
    }

    #[test]
    fn a_wrong_check_character_is_refused_naming_the_right_one() {
        assert_eq!(
            CreditCode::parse("91350100M000100Y44").err(),
            Some(ValidationError::CheckCharacter { expected: '3' })
        );
    }

    #[test]
    fn every_single_character_substitution_is_detected() {
        let valid = "91350100M000100Y43";
        for i in 0..18 {
            for replacement in ALPHABET.chars() {
                let mut changed: Vec<char> = valid.chars().collect();
                if changed[i] == replacement {
                    continue;
                }
                changed[i] = replacement;
                let changed: String = changed.into_iter().collect();
                assert!(CreditCode::parse(&changed).is_err(), "{changed}");
            }
        }
    }

    #[test]
    fn the_excluded_letters_are_refused_wherever_they_appear() {
        for letter in ['I', 'O', 'Z', 'S', 'V'] {
            for position in [1, 9, 18] {
                let mut code: Vec<char> = "91350100M000100Y43".chars().collect();
                code[position - 1] = letter;
                let code: String = code.into_iter().collect();
                assert_eq!(
                    CreditCode::parse(&code).err(),
                    Some(ValidationError::Character {
                        position,
                        found: letter,
                        expected: CHARACTER_RULE
                    }),
                    "{code}"
                );
            }
        }
    }

    #[test]
    fn the_region_code_must_be_digits() {
        let code = with_check("91350A00M000100Y4");
        assert!(matches!(
            CreditCode::parse(&code),
            Err(ValidationError::Character {
                position: 6,
                found: 'A',
                ..
            })
        ));
    }

    #[test]
    fn lower_case_is_normalised_and_whitespace_trimmed() -> Result<(), ValidationError> {
        assert_eq!(
            CreditCode::parse(" 91350100m000100y43\n")?.as_str(),
            "91350100M000100Y43"
        );
        Ok(())
    }

    #[test]
    fn a_wrong_length_is_refused() {
        assert_eq!(
            CreditCode::parse("91350100M000100Y4").err(),
            Some(ValidationError::Length {
                expected: 18,
                actual: 17
            })
        );
    }

    #[test]
    fn it_round_trips_through_json_and_refuses_invalid_json_values() {
        let code = CreditCode::parse("91350100M000100Y43").ok();
        let json = serde_json::to_string(&code).unwrap_or_default();
        assert_eq!(json, r#""91350100M000100Y43""#);
        assert_eq!(serde_json::from_str::<CreditCode>(&json).ok(), code);
        assert!(serde_json::from_str::<CreditCode>(r#""91350100M000100Y44""#).is_err());
    }
}
