//! Self-service kiosks (自助终端): the rules of signing in at a kiosk with an
//! identity number and a one-time code sent to the registered mobile, and of
//! the kiosk session's idle end. Pure: the time, the code drawn and what the
//! store counted come in as arguments.
//!
//! A code has six digits, lives [`CODE_TTL_SECS`], takes at most
//! [`MAX_TRIES`] wrong tries and is kept only as an SM3 hash bound to the
//! identity number it was sent for. Sending is throttled per identity and per
//! kiosk over [`THROTTLE_WINDOW_SECS`], and not sooner than
//! [`RESEND_AFTER_SECS`] after the last code for the same identity.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sm3::{Digest, Sm3};

use crate::case::ApplicantKind;
use crate::validate::{CitizenId, CreditCode};

/// How long a one-time code is accepted.
pub const CODE_TTL_SECS: i64 = 300;
/// Wrong tries a code takes before it is used up.
pub const MAX_TRIES: u32 = 5;
/// No second code for the same identity number sooner than this.
pub const RESEND_AFTER_SECS: i64 = 60;
/// The window the sending limits count over.
pub const THROTTLE_WINDOW_SECS: i64 = 15 * 60;
/// Codes sent for one identity number within the window.
pub const PER_IDENTITY: u32 = 5;
/// Codes one kiosk sends within the window (whoever asks).
pub const PER_KIOSK: u32 = 60;

/// An identity number as typed at the kiosk: an 18-character citizen ID
/// (公民身份号码) or unified social credit code (统一社会信用代码), checked
/// with the project's validators; upper case.
pub fn parse_identity(raw: &str, today: NaiveDate) -> Result<(String, ApplicantKind), String> {
    let s: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if s.is_empty() {
        return Err("请输入身份证号码或统一社会信用代码".into());
    }
    let person = CitizenId::parse(&s, today);
    if person.is_ok() {
        return Ok((s, ApplicantKind::Person));
    }
    if CreditCode::parse(&s).is_ok() {
        return Ok((s, ApplicantKind::Organisation));
    }
    match person {
        Err(e) => Err(format!("证件号码有误：{e}")),
        Ok(_) => Err("证件号码有误".into()),
    }
}

/// Whether `s` looks like a code at all (six ASCII digits).
pub fn is_code(s: &str) -> bool {
    s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A six-digit code from a random number.
pub fn code_from(random: u32) -> String {
    format!("{:06}", random % 1_000_000)
}

/// The stored form of a code: SM3 over a fixed label, the identity number and
/// the code, so a leaked row reveals neither and fits no other identity.
pub fn code_hash(identity: &str, code: &str) -> String {
    let mut h = Sm3::new();
    h.update(b"onestamp kiosk code v1\0");
    h.update(identity.as_bytes());
    h.update(b"\0");
    h.update(code.as_bytes());
    hex::encode(h.finalize())
}

/// A code as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCode {
    pub id: i64,
    pub identity: String,
    pub code_hash: String,
    pub expires_at: DateTime<Utc>,
    pub tries: u32,
    pub used: bool,
}

/// Why a code is not accepted; the text is what the kiosk shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeRefusal {
    #[error("验证码错误，还可再试 {left} 次")]
    Wrong { left: u32 },
    #[error("验证码错误次数过多，请重新获取验证码")]
    Exhausted,
    #[error("验证码已过期，请重新获取验证码")]
    Expired,
    #[error("尚未获取验证码或验证码已使用，请重新获取")]
    Missing,
    #[error("验证码应为 6 位数字")]
    Malformed,
}

/// What a code entered means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeCheck {
    /// Right, in time and not used up: sign the person in (once).
    Accepted,
    /// Wrong: count a try (the store's guarded UPDATE decides the count).
    Wrong,
    Refused(CodeRefusal),
}

/// Checks `given` against the latest code sent for its identity.
pub fn check_code(code: Option<&PendingCode>, given: &str, now: DateTime<Utc>) -> CodeCheck {
    if !is_code(given) {
        return CodeCheck::Refused(CodeRefusal::Malformed);
    }
    let Some(code) = code.filter(|c| !c.used) else {
        return CodeCheck::Refused(CodeRefusal::Missing);
    };
    if code.tries >= MAX_TRIES {
        return CodeCheck::Refused(CodeRefusal::Exhausted);
    }
    if now >= code.expires_at {
        return CodeCheck::Refused(CodeRefusal::Expired);
    }
    if constant_eq(&code_hash(&code.identity, given), &code.code_hash) {
        CodeCheck::Accepted
    } else {
        CodeCheck::Wrong
    }
}

/// The refusal of a wrong try after the store counted it (`tries` now).
pub fn after_wrong_try(tries: u32) -> CodeRefusal {
    if tries >= MAX_TRIES {
        CodeRefusal::Exhausted
    } else {
        CodeRefusal::Wrong {
            left: MAX_TRIES - tries,
        }
    }
}

fn constant_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What the store counted of recent codes, for the sending limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sent {
    /// Codes for the identity number within the window.
    pub by_identity: u32,
    /// Codes from the kiosk within the window.
    pub by_kiosk: u32,
    /// When the last code for the identity number was sent.
    pub last_for_identity: Option<DateTime<Utc>>,
}

/// Whether another code may be sent now: `Ok`, or the instant to try again.
pub fn may_send(sent: Sent, now: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
    if let Some(last) = sent.last_for_identity {
        let next = last + Duration::seconds(RESEND_AFTER_SECS);
        if now < next {
            return Err(next);
        }
    }
    if sent.by_identity >= PER_IDENTITY || sent.by_kiosk >= PER_KIOSK {
        return Err(now + Duration::seconds(THROTTLE_WINDOW_SECS));
    }
    Ok(())
}

/// The text of the code's SMS.
pub fn sms_text(bureau: &str, code: &str) -> String {
    format!(
        "【{bureau}】您正在自助终端登录，验证码 {code}，{} 分钟内有效。如非本人操作请忽略。",
        CODE_TTL_SECS / 60
    )
}

/// A mobile number as the kiosk shows it: 138****1234.
pub fn mask_mobile(mobile: &str) -> String {
    let chars: Vec<char> = mobile.chars().collect();
    if chars.len() < 7 {
        return "***".into();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// Whether a kiosk session last used at `last_seen` has ended by idleness.
pub fn idle_ended(last_seen: DateTime<Utc>, now: DateTime<Utc>, idle_secs: u32) -> bool {
    now >= last_seen + Duration::seconds(i64::from(idle_secs))
}

/// A kiosk's name or location: trimmed, 1 to 60 characters, printable.
pub fn kiosk_text(raw: &str, what: &str) -> Result<String, String> {
    let s = raw.trim();
    let n = s.chars().count();
    if n == 0 {
        return Err(format!("请填写终端{what}"));
    }
    if n > 60 {
        return Err(format!("终端{what}最多 60 个字"));
    }
    if s.chars().any(char::is_control) {
        return Err(format!("终端{what}含有不可打印的字符"));
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_772_400_000 + secs, 0).unwrap_or_default()
    }

    fn pending(code: &str) -> PendingCode {
        PendingCode {
            id: 1,
            identity: "510107199003071236".into(),
            code_hash: code_hash("510107199003071236", code),
            expires_at: at(CODE_TTL_SECS),
            tries: 0,
            used: false,
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default()
    }

    #[test]
    fn a_citizen_id_or_a_credit_code_signs_in_and_anything_else_is_refused() {
        assert_eq!(
            parse_identity(" 510107199003071236 ", today()),
            Ok(("510107199003071236".into(), ApplicantKind::Person))
        );
        assert_eq!(
            parse_identity("91510107ma6c11110g", today()),
            Ok(("91510107MA6C11110G".into(), ApplicantKind::Organisation))
        );
        assert!(parse_identity("510107199003071235", today()).is_err());
        assert!(parse_identity("", today()).is_err());
    }

    #[test]
    fn the_right_code_in_time_is_accepted() {
        let c = pending("123456");
        assert_eq!(check_code(Some(&c), "123456", at(10)), CodeCheck::Accepted);
    }

    #[test]
    fn a_wrong_code_counts_a_try_and_says_how_many_are_left() {
        let c = pending("123456");
        assert_eq!(check_code(Some(&c), "654321", at(10)), CodeCheck::Wrong);
        assert_eq!(after_wrong_try(1), CodeRefusal::Wrong { left: 4 });
        assert_eq!(after_wrong_try(5), CodeRefusal::Exhausted);
        assert_eq!(
            CodeRefusal::Wrong { left: 4 }.to_string(),
            "验证码错误，还可再试 4 次"
        );
    }

    #[test]
    fn a_code_after_five_wrong_tries_is_refused_even_when_right() {
        let mut c = pending("123456");
        c.tries = MAX_TRIES;
        assert_eq!(
            check_code(Some(&c), "123456", at(10)),
            CodeCheck::Refused(CodeRefusal::Exhausted)
        );
    }

    #[test]
    fn a_code_lives_five_minutes() {
        let c = pending("123456");
        assert_eq!(
            check_code(Some(&c), "123456", at(CODE_TTL_SECS - 1)),
            CodeCheck::Accepted
        );
        assert_eq!(
            check_code(Some(&c), "123456", at(CODE_TTL_SECS)),
            CodeCheck::Refused(CodeRefusal::Expired)
        );
    }

    #[test]
    fn a_used_or_missing_or_malformed_code_is_refused() {
        let mut c = pending("123456");
        c.used = true;
        assert_eq!(
            check_code(Some(&c), "123456", at(1)),
            CodeCheck::Refused(CodeRefusal::Missing)
        );
        assert_eq!(
            check_code(None, "123456", at(1)),
            CodeCheck::Refused(CodeRefusal::Missing)
        );
        assert_eq!(
            check_code(Some(&pending("123456")), "12345a", at(1)),
            CodeCheck::Refused(CodeRefusal::Malformed)
        );
    }

    #[test]
    fn the_hash_binds_the_code_to_its_identity() {
        assert_ne!(
            code_hash("510107199003071236", "123456"),
            code_hash("510107198511122242", "123456")
        );
        assert_eq!(code_from(42), "000042");
        assert_eq!(code_from(1_234_567), "234567");
    }

    #[test]
    fn sending_is_throttled_per_identity_and_per_kiosk() {
        assert_eq!(may_send(Sent::default(), at(0)), Ok(()));
        let soon = Sent {
            last_for_identity: Some(at(0)),
            ..Sent::default()
        };
        assert_eq!(may_send(soon, at(30)), Err(at(RESEND_AFTER_SECS)));
        assert_eq!(may_send(soon, at(RESEND_AFTER_SECS)), Ok(()));
        let many = Sent {
            by_identity: PER_IDENTITY,
            ..Sent::default()
        };
        assert!(may_send(many, at(0)).is_err());
        let busy = Sent {
            by_kiosk: PER_KIOSK,
            ..Sent::default()
        };
        assert!(may_send(busy, at(0)).is_err());
    }

    #[test]
    fn a_session_ends_after_the_idle_time() {
        assert!(!idle_ended(at(0), at(119), 120));
        assert!(idle_ended(at(0), at(120), 120));
    }

    #[test]
    fn mobiles_are_masked_and_kiosk_names_checked() {
        assert_eq!(mask_mobile("13800281234"), "138****1234");
        assert!(kiosk_text("  ", "名称").is_err());
        assert_eq!(
            kiosk_text(" 自助终端01 ", "名称").as_deref(),
            Ok("自助终端01")
        );
        assert!(kiosk_text(&"长".repeat(61), "名称").is_err());
    }
}
