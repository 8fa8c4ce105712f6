//! Validators for the identifiers and values that applicants type into forms:
//! citizen ID (居民身份证号码), unified social credit code (统一社会信用代码),
//! e-licence identifier (电子证照标识), mobile number, postal code, date range,
//! "address in the bureau's district" and email address.
//!
//! Each validated value is a newtype with a parsing constructor ([`CitizenId::parse`],
//! [`CreditCode::parse`], [`LicenceId::parse`], …): holding one means the value passed
//! every check, so later code never re-validates. Failures are a [`ValidationError`]
//! whose `Display` is the concise Chinese reason shown to applicants ("校验码错误，应为 X").
//!
//! [`validate`] is the dispatcher behind the public `GET /api/v1/validate/{kind}/{value}`
//! (DESIGN §9) that the forms use for live checks; the rule engine of machine review
//! (DESIGN §5) calls the constructors directly.
//!
//! Everything here is pure: no I/O; "today" is an argument; the district's street list
//! is embedded at compile time from `data/district_510107.json`.

mod citizen_id;
mod contact;
mod credit_code;
mod district;
mod email;
pub mod iso7064;
mod licence_id;
mod password;

pub use citizen_id::{CitizenId, Sex, age_from_citizen_id};
pub use contact::{DateRange, MobileNumber, PostalCode, parse_date};
pub use credit_code::CreditCode;
pub use district::{District, Street, address_in_district, home_district};
pub use email::EmailAddress;
pub use licence_id::{LicenceId, LicenceSerial, LicenceTypeCode, LicenceVersion};
pub use password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, password_problem};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Why a value is not valid. `Display` is the reason in Chinese, fit to show an
/// applicant next to the field; [`ValidationError::code`] is a stable machine code.
///
/// Positions are 1-based character positions within the value (or within the
/// segment the variant names).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("长度应为 {expected} 位，实为 {actual} 位")]
    Length { expected: usize, actual: usize },
    #[error("第 {position} 位“{found}”不合法，应为{expected}")]
    Character {
        position: usize,
        found: char,
        expected: &'static str,
    },
    #[error("校验码错误，应为 {expected}")]
    CheckCharacter { expected: char },
    #[error("地址码前两位 {code} 不是省级行政区划代码")]
    Province { code: String },
    #[error("出生日期不存在")]
    BirthDateNonexistent,
    #[error("出生日期晚于今天")]
    BirthDateInFuture,
    #[error("出生日期早于 1900 年")]
    BirthDateTooEarly,
    #[error("手机号码应以 13–19 开头")]
    MobilePrefix,
    #[error("日期格式应为 YYYY-MM-DD")]
    DateFormat,
    #[error("日期 {date} 不存在")]
    DateNonexistent { date: String },
    #[error("日期范围格式应为 YYYY-MM-DD..YYYY-MM-DD")]
    DateRangeFormat,
    #[error("起始日期晚于结束日期")]
    DateRangeReversed,
    #[error("电子证照标识应以 1.2.156.3005.2. 开头")]
    LicencePrefix,
    #[error(
        "电子证照标识应为 类型代码.颁发机构代码.流水号.版本号.校验位 共 5 段，实为 {actual} 段"
    )]
    LicenceSegments { actual: usize },
    #[error("{segment}不能为空")]
    EmptySegment { segment: &'static str },
    #[error("{segment}最长 {max} 位，实为 {actual} 位")]
    SegmentTooLong {
        segment: &'static str,
        max: usize,
        actual: usize,
    },
    #[error("{segment}第 {position} 位“{found}”不合法，应为数字或大写字母")]
    SegmentCharacter {
        segment: &'static str,
        position: usize,
        found: char,
    },
    #[error("版本号应为 3 位数字（001–999）")]
    LicenceVersion,
    #[error("颁发机构代码有误：{0}")]
    Issuer(Box<ValidationError>),
    #[error("地址不能为空")]
    EmptyAddress,
    #[error("地址不在{district}：应写明“{district}”或其所辖街道")]
    OutsideDistrict { district: String },
    #[error("电子邮箱地址无效：{0}")]
    Email(&'static str),
}

impl ValidationError {
    /// A stable, English snake_case code for API bodies and logs.
    pub fn code(&self) -> &'static str {
        match self {
            ValidationError::Length { .. } => "length",
            ValidationError::Character { .. } => "character",
            ValidationError::CheckCharacter { .. } => "check_character",
            ValidationError::Province { .. } => "province",
            ValidationError::BirthDateNonexistent => "birth_date_nonexistent",
            ValidationError::BirthDateInFuture => "birth_date_in_future",
            ValidationError::BirthDateTooEarly => "birth_date_too_early",
            ValidationError::MobilePrefix => "mobile_prefix",
            ValidationError::DateFormat => "date_format",
            ValidationError::DateNonexistent { .. } => "date_nonexistent",
            ValidationError::DateRangeFormat => "date_range_format",
            ValidationError::DateRangeReversed => "date_range_reversed",
            ValidationError::LicencePrefix => "licence_prefix",
            ValidationError::LicenceSegments { .. } => "licence_segments",
            ValidationError::EmptySegment { .. } => "empty_segment",
            ValidationError::SegmentTooLong { .. } => "segment_too_long",
            ValidationError::SegmentCharacter { .. } => "segment_character",
            ValidationError::LicenceVersion => "licence_version",
            ValidationError::Issuer(_) => "issuer",
            ValidationError::EmptyAddress => "empty_address",
            ValidationError::OutsideDistrict { .. } => "outside_district",
            ValidationError::Email(_) => "email",
        }
    }
}

/// The answer of `GET /api/v1/validate/{kind}/{value}`:
/// `{"valid": true, "reason": null}` or `{"valid": false, "reason": "校验码错误，应为 X"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validation {
    pub valid: bool,
    pub reason: Option<String>,
}

impl From<Result<(), ValidationError>> for Validation {
    fn from(outcome: Result<(), ValidationError>) -> Self {
        match outcome {
            Ok(()) => Validation {
                valid: true,
                reason: None,
            },
            Err(e) => Validation {
                valid: false,
                reason: Some(e.to_string()),
            },
        }
    }
}

/// The `{kind}` of a validate request names no validator (the web layer answers 404).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("未知的校验类型：{0}")]
pub struct UnknownKind(pub String);

/// The kinds [`validate`] understands, in the order the API documents them.
pub const KINDS: &[&str] = &[
    "citizen_id",
    "credit_code",
    "mobile",
    "postal_code",
    "licence_id",
    "date_range",
    "district_address",
    "email",
];

/// Validates `value` as `kind` (one of [`KINDS`]). `today` bounds citizen ID birth
/// dates. A `date_range` value is written `YYYY-MM-DD..YYYY-MM-DD`.
pub fn validate(kind: &str, value: &str, today: NaiveDate) -> Result<Validation, UnknownKind> {
    let outcome = match kind {
        "citizen_id" => CitizenId::parse(value, today).map(drop),
        "credit_code" => CreditCode::parse(value).map(drop),
        "mobile" => MobileNumber::parse(value).map(drop),
        "postal_code" => PostalCode::parse(value).map(drop),
        "licence_id" => LicenceId::parse(value).map(drop),
        "date_range" => DateRange::parse(value).map(drop),
        "district_address" => district::check_address(value),
        "email" => EmailAddress::parse(value).map(drop),
        _ => return Err(UnknownKind(kind.to_owned())),
    };
    Ok(Validation::from(outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 6, 1).unwrap_or_default()
    }

    /// The dispatcher's answer; an unknown kind becomes an answer no test expects.
    fn check(kind: &str, value: &str) -> Validation {
        validate(kind, value, today()).unwrap_or_else(|e| Validation {
            valid: false,
            reason: Some(format!("test bug: {e}")),
        })
    }

    #[test]
    fn every_listed_kind_is_dispatched() {
        for kind in KINDS {
            assert!(validate(kind, "", today()).is_ok(), "{kind}");
        }
    }

    #[test]
    fn an_unknown_kind_is_an_error_not_an_invalid_value() {
        assert_eq!(
            validate("passport", "E12345678", today()),
            Err(UnknownKind("passport".to_owned()))
        );
    }

    #[test]
    fn a_valid_value_has_no_reason_and_serialises_as_the_contract_says() {
        let v = check("citizen_id", "11010519491231002X");
        assert_eq!(
            v,
            Validation {
                valid: true,
                reason: None
            }
        );
        let json = serde_json::to_string(&v).unwrap_or_default();
        assert_eq!(json, r#"{"valid":true,"reason":null}"#);
    }

    #[test]
    fn a_wrong_check_character_names_the_right_one() {
        let v = check("citizen_id", "110105194912310021");
        assert!(!v.valid);
        assert_eq!(v.reason.as_deref(), Some("校验码错误，应为 X"));
    }

    #[test]
    fn a_nonexistent_birth_date_says_so() {
        let v = check("citizen_id", "110105190002290011");
        assert_eq!(v.reason.as_deref(), Some("出生日期不存在"));
    }

    #[test]
    fn each_kind_accepts_a_good_value_and_refuses_a_bad_one_with_a_reason() {
        let cases = [
            ("citizen_id", "11010519491231002X", "11010519491231002"),
            ("credit_code", "91350100M000100Y43", "91350100M000100Y44"),
            ("mobile", "13800138000", "12800138000"),
            ("postal_code", "610041", "61004"),
            ("email", "zhangsan@example.com", "zhangsan@example"),
            (
                "date_range",
                "2024-01-01..2024-12-31",
                "2024-12-31..2024-01-01",
            ),
            (
                "district_address",
                "四川省成都市武侯区武侯祠大街264号",
                "成都市锦江区红星路三段1号",
            ),
        ];
        for (kind, good, bad) in cases {
            let good_answer = check(kind, good);
            assert!(good_answer.valid, "{kind} {good}: {:?}", good_answer.reason);
            let bad_answer = check(kind, bad);
            assert!(!bad_answer.valid, "{kind} {bad}");
            assert!(bad_answer.reason.is_some());
        }
    }

    #[test]
    fn a_licence_id_built_by_the_bureau_validates_through_the_dispatcher()
    -> Result<(), ValidationError> {
        let id = LicenceId::new(
            &LicenceTypeCode::parse("11100000000013338W001")?,
            &CreditCode::parse("91350100M000100Y43")?,
            &LicenceSerial::parse("000123")?,
            LicenceVersion::FIRST,
        );
        assert!(check("licence_id", &id.to_string()).valid);
        assert!(!check("licence_id", "1.2.156.3005.2.X.91350100M000100Y43.1.001").valid);
        Ok(())
    }

    #[test]
    fn error_codes_are_snake_case_words() {
        let e = ValidationError::CheckCharacter { expected: 'X' };
        assert_eq!(e.code(), "check_character");
        let nested = ValidationError::Issuer(Box::new(e));
        assert_eq!(nested.to_string(), "颁发机构代码有误：校验码错误，应为 X");
    }
}
