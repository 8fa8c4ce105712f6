//! National e-licence identifier (电子证照标识) in the form of GB/T 36904:
//!
//! ```text
//! 1.2.156.3005.2.<licence type code>.<issuer's credit code>.<serial>.<version>.<check>
//! ```
//!
//! `1.2.156.3005.2` is the fixed object-identifier root. The check character is
//! ISO 7064 MOD 37,36 over type code + issuer code + serial + version concatenated
//! without dots. The bureau mints identifiers with [`LicenceId::new`] when it issues a
//! certificate; [`LicenceId::parse`] checks one typed in or read from a QR code.
//!
//! The type code and the serial are 1 to 32 characters of `0`–`9A`–`Z` (a bound of
//! ours, so identifiers stay printable); the version is 3 digits; the issuer code
//! must be a valid [`CreditCode`]. Lower-case input is normalised to upper case.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::iso7064::{alphanumeric_value, mod_37_36_check};
use super::{CreditCode, ValidationError};

/// The object-identifier root shared by all national e-licence identifiers.
pub const ROOT: &str = "1.2.156.3005.2";

const MAX_SEGMENT: usize = 32;

/// Parses a type code or serial: 1–32 characters of `0`–`9A`–`Z`, normalised to
/// upper case.
fn parse_segment(s: &str, segment: &'static str) -> Result<String, ValidationError> {
    let value = s.trim().to_ascii_uppercase();
    let length = value.chars().count();
    if length == 0 {
        return Err(ValidationError::EmptySegment { segment });
    }
    if length > MAX_SEGMENT {
        return Err(ValidationError::SegmentTooLong {
            segment,
            max: MAX_SEGMENT,
            actual: length,
        });
    }
    if let Some((i, c)) = value
        .chars()
        .enumerate()
        .find(|(_, c)| alphanumeric_value(*c).is_none())
    {
        return Err(ValidationError::SegmentCharacter {
            segment,
            position: i + 1,
            found: c,
        });
    }
    Ok(value)
}

/// The licence type code (证照类型代码) of an e-licence identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LicenceTypeCode(String);

impl LicenceTypeCode {
    pub fn parse(s: &str) -> Result<LicenceTypeCode, ValidationError> {
        parse_segment(s, "证照类型代码").map(LicenceTypeCode)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The issuer's serial number (流水号) of an e-licence identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LicenceSerial(String);

impl LicenceSerial {
    pub fn parse(s: &str) -> Result<LicenceSerial, ValidationError> {
        parse_segment(s, "流水号").map(LicenceSerial)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The version (版本号) of an e-licence identifier: 1–999, written with 3 digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct LicenceVersion(u16);

impl LicenceVersion {
    /// Version `001`, that of a first issue.
    pub const FIRST: LicenceVersion = LicenceVersion(1);

    pub fn new(n: u16) -> Result<LicenceVersion, ValidationError> {
        if (1..=999).contains(&n) {
            Ok(LicenceVersion(n))
        } else {
            Err(ValidationError::LicenceVersion)
        }
    }

    /// Parses exactly three digits, `001` to `999`.
    pub fn parse(s: &str) -> Result<LicenceVersion, ValidationError> {
        let s = s.trim();
        if s.len() != 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValidationError::LicenceVersion);
        }
        s.parse::<u16>()
            .map_err(|_| ValidationError::LicenceVersion)
            .and_then(LicenceVersion::new)
    }

    pub fn get(self) -> u16 {
        self.0
    }

    /// The version after this one (a re-issue), or `None` after 999.
    pub fn next(self) -> Option<LicenceVersion> {
        LicenceVersion::new(self.0 + 1).ok()
    }
}

impl fmt::Display for LicenceVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}", self.0)
    }
}

impl TryFrom<u16> for LicenceVersion {
    type Error = ValidationError;
    fn try_from(n: u16) -> Result<Self, Self::Error> {
        LicenceVersion::new(n)
    }
}

impl From<LicenceVersion> for u16 {
    fn from(v: LicenceVersion) -> u16 {
        v.0
    }
}

/// A national e-licence identifier whose check character is right.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LicenceId {
    type_code: LicenceTypeCode,
    issuer: CreditCode,
    serial: LicenceSerial,
    version: LicenceVersion,
    check: char,
}

impl LicenceId {
    /// Mints the identifier of a licence, computing its check character.
    pub fn new(
        type_code: &LicenceTypeCode,
        issuer: &CreditCode,
        serial: &LicenceSerial,
        version: LicenceVersion,
    ) -> LicenceId {
        let check = check_character(type_code, issuer, serial, version);
        LicenceId {
            type_code: type_code.clone(),
            issuer: issuer.clone(),
            serial: serial.clone(),
            version,
            check,
        }
    }

    /// Parses and checks an identifier: the root, five dot-separated segments, a
    /// valid issuer credit code, a 3-digit version and the check character.
    pub fn parse(s: &str) -> Result<LicenceId, ValidationError> {
        let value = s.trim().to_ascii_uppercase();
        if let Some((i, c)) = value
            .chars()
            .enumerate()
            .find(|(_, c)| *c != '.' && alphanumeric_value(*c).is_none())
        {
            return Err(ValidationError::Character {
                position: i + 1,
                found: c,
                expected: "数字、大写字母或点",
            });
        }
        let rest = value
            .strip_prefix(ROOT)
            .and_then(|r| r.strip_prefix('.'))
            .ok_or(ValidationError::LicencePrefix)?;
        let segments: Vec<&str> = rest.split('.').collect();
        let [type_code, issuer, serial, version, check] = segments.as_slice() else {
            return Err(ValidationError::LicenceSegments {
                actual: segments.len(),
            });
        };
        let type_code = LicenceTypeCode::parse(type_code)?;
        let issuer = CreditCode::parse(issuer).map_err(|e| ValidationError::Issuer(Box::new(e)))?;
        let serial = LicenceSerial::parse(serial)?;
        let version = LicenceVersion::parse(version)?;
        let expected = check_character(&type_code, &issuer, &serial, version);
        let mut check_chars = check.chars();
        match (check_chars.next(), check_chars.next()) {
            (Some(c), None) if c == expected => Ok(LicenceId {
                type_code,
                issuer,
                serial,
                version,
                check: c,
            }),
            _ => Err(ValidationError::CheckCharacter { expected }),
        }
    }

    pub fn type_code(&self) -> &LicenceTypeCode {
        &self.type_code
    }

    pub fn issuer(&self) -> &CreditCode {
        &self.issuer
    }

    pub fn serial(&self) -> &LicenceSerial {
        &self.serial
    }

    pub fn version(&self) -> LicenceVersion {
        self.version
    }

    pub fn check_character(&self) -> char {
        self.check
    }
}

/// MOD 37,36 over type code + issuer + serial + version. Every character of the
/// inputs is in `0`–`9A`–`Z` by construction, so the `'0'` fallback is unreachable.
fn check_character(
    type_code: &LicenceTypeCode,
    issuer: &CreditCode,
    serial: &LicenceSerial,
    version: LicenceVersion,
) -> char {
    let body = format!(
        "{}{}{}{}",
        type_code.as_str(),
        issuer.as_str(),
        serial.as_str(),
        version
    );
    mod_37_36_check(&body).unwrap_or('0')
}

impl fmt::Display for LicenceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{ROOT}.{}.{}.{}.{}.{}",
            self.type_code.as_str(),
            self.issuer,
            self.serial.as_str(),
            self.version,
            self.check
        )
    }
}

impl FromStr for LicenceId {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LicenceId::parse(s)
    }
}

impl TryFrom<String> for LicenceId {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        LicenceId::parse(&s)
    }
}

impl From<LicenceId> for String {
    fn from(id: LicenceId) -> String {
        id.to_string()
    }
}

impl TryFrom<String> for LicenceTypeCode {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        LicenceTypeCode::parse(&s)
    }
}

impl From<LicenceTypeCode> for String {
    fn from(v: LicenceTypeCode) -> String {
        v.0
    }
}

impl TryFrom<String> for LicenceSerial {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        LicenceSerial::parse(&s)
    }
}

impl From<LicenceSerial> for String {
    fn from(v: LicenceSerial) -> String {
        v.0
    }
}

#[cfg(test)]
mod tests {
    use super::super::iso7064::mod_37_36_is_valid;
    use super::*;

    const ISSUER: &str = "91350100M000100Y43";

    fn sample() -> Result<LicenceId, ValidationError> {
        Ok(LicenceId::new(
            &LicenceTypeCode::parse("11100000000013338W001")?,
            &CreditCode::parse(ISSUER)?,
            &LicenceSerial::parse("2024000123")?,
            LicenceVersion::FIRST,
        ))
    }

    #[test]
    fn a_minted_identifier_has_the_root_dots_and_a_three_digit_version()
    -> Result<(), ValidationError> {
        let id = sample()?.to_string();
        let prefix = format!("{ROOT}.11100000000013338W001.{ISSUER}.2024000123.001.");
        assert!(id.starts_with(&prefix), "{id}");
        assert_eq!(id.len(), prefix.len() + 1);
        Ok(())
    }

    #[test]
    fn the_check_character_is_mod_37_36_over_the_segments_without_dots()
    -> Result<(), ValidationError> {
        let id = sample()?;
        let body = format!("11100000000013338W001{ISSUER}2024000123001");
        assert_eq!(Some(id.check_character()), mod_37_36_check(&body));
        assert!(mod_37_36_is_valid(&format!(
            "{body}{}",
            id.check_character()
        )));
        Ok(())
    }

    #[test]
    fn a_minted_identifier_parses_back_to_itself() -> Result<(), ValidationError> {
        let id = sample()?;
        let parsed = LicenceId::parse(&id.to_string())?;
        assert_eq!(parsed, id);
        assert_eq!(parsed.issuer().as_str(), ISSUER);
        assert_eq!(parsed.version(), LicenceVersion::FIRST);
        Ok(())
    }

    #[test]
    fn changing_any_single_character_is_detected() -> Result<(), ValidationError> {
        let valid = sample()?.to_string();
        let replacements: Vec<char> = ('0'..='9').chain('A'..='Z').chain(['.']).collect();
        for (i, original) in valid.char_indices() {
            for &replacement in &replacements {
                if replacement == original {
                    continue;
                }
                let mut changed = valid.clone();
                changed.replace_range(i..i + 1, &replacement.to_string());
                assert!(LicenceId::parse(&changed).is_err(), "{changed}");
            }
        }
        Ok(())
    }

    #[test]
    fn a_wrong_check_character_is_refused_naming_the_right_one() -> Result<(), ValidationError> {
        let id = sample()?;
        let right = id.check_character();
        let wrong = if right == 'A' { 'B' } else { 'A' };
        let mut text = id.to_string();
        text.pop();
        text.push(wrong);
        assert_eq!(
            LicenceId::parse(&text).err(),
            Some(ValidationError::CheckCharacter { expected: right })
        );
        Ok(())
    }

    #[test]
    fn lower_case_is_normalised() -> Result<(), ValidationError> {
        let id = sample()?;
        assert_eq!(LicenceId::parse(&id.to_string().to_lowercase())?, id);
        Ok(())
    }

    #[test]
    fn a_foreign_root_or_a_wrong_number_of_segments_is_refused() {
        assert_eq!(
            LicenceId::parse("1.2.156.3005.3.X.91350100M000100Y43.1.001.A").err(),
            Some(ValidationError::LicencePrefix)
        );
        assert_eq!(
            LicenceId::parse("1.2.156.3005.2.X.91350100M000100Y43.1.001").err(),
            Some(ValidationError::LicenceSegments { actual: 4 })
        );
        assert_eq!(
            LicenceId::parse("").err(),
            Some(ValidationError::LicencePrefix)
        );
    }

    #[test]
    fn whitespace_or_punctuation_inside_is_refused_with_its_position() {
        assert_eq!(
            LicenceId::parse("1.2.156.3005.2. X.91350100M000100Y43.1.001.A").err(),
            Some(ValidationError::Character {
                position: 16,
                found: ' ',
                expected: "数字、大写字母或点"
            })
        );
        assert!(matches!(
            LicenceId::parse("1.2.156.3005.2.X-1.91350100M000100Y43.1.001.A"),
            Err(ValidationError::Character {
                position: 17,
                found: '-',
                ..
            })
        ));
    }

    #[test]
    fn an_invalid_issuer_code_is_reported_as_the_issuers() {
        let err = LicenceId::parse("1.2.156.3005.2.X.91350100M000100Y44.1.001.A").err();
        assert_eq!(
            err.map(|e| e.to_string()).as_deref(),
            Some("颁发机构代码有误：校验码错误，应为 3")
        );
    }

    #[test]
    fn the_version_must_be_three_digits_from_001() {
        for bad in ["1", "01", "0001", "00A", "000"] {
            assert_eq!(
                LicenceVersion::parse(bad),
                Err(ValidationError::LicenceVersion),
                "{bad}"
            );
        }
        assert_eq!(
            LicenceVersion::parse("042").map(LicenceVersion::get),
            Ok(42)
        );
        assert_eq!(
            LicenceVersion::new(999).map(|v| v.to_string()).as_deref(),
            Ok("999")
        );
        assert_eq!(
            LicenceVersion::new(999).ok().and_then(LicenceVersion::next),
            None
        );
        assert_eq!(
            LicenceVersion::FIRST.next().map(LicenceVersion::get),
            Some(2)
        );
    }

    #[test]
    fn type_codes_and_serials_are_bounded_alphanumerics() {
        assert_eq!(
            LicenceSerial::parse("").err(),
            Some(ValidationError::EmptySegment {
                segment: "流水号"
            })
        );
        assert!(matches!(
            LicenceTypeCode::parse(&"A".repeat(33)),
            Err(ValidationError::SegmentTooLong { actual: 33, .. })
        ));
        assert_eq!(
            LicenceSerial::parse("12-3").err(),
            Some(ValidationError::SegmentCharacter {
                segment: "流水号",
                position: 3,
                found: '-'
            })
        );
    }

    #[test]
    fn it_serialises_as_its_text_and_deserialises_with_the_checks() -> Result<(), ValidationError> {
        let id = sample()?;
        let json = serde_json::to_string(&id).unwrap_or_default();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<LicenceId>(&json).ok(), Some(id));
        assert!(serde_json::from_str::<LicenceId>(r#""1.2.156.3005.2.X.Y.1.001.A""#).is_err());
        Ok(())
    }
}
