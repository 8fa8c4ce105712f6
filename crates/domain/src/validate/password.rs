//! The strength an applicant's own password must have when they register
//! (注册): at least [`MIN_PASSWORD_CHARS`] characters with both letters and
//! digits, and not built on what others may know of them — their identity
//! number, mobile number or user name.

/// Fewest characters of a password.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Most characters of a password (argon2 hashes any length; this bounds the work).
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Why `password` is too weak, in words for the applicant; `None` when it will do.
/// `known`: values the password must not contain (identity, mobile, user name);
/// empty ones are ignored, letters compared without case.
pub fn password_problem(password: &str, known: &[&str]) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Some(format!("密码至少 {MIN_PASSWORD_CHARS} 位"));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Some(format!("密码最多 {MAX_PASSWORD_CHARS} 位"));
    }
    if password.chars().any(char::is_control) {
        return Some("密码不能含有控制字符".into());
    }
    let letters = password.chars().any(|c| c.is_ascii_alphabetic());
    let digits = password.chars().any(|c| c.is_ascii_digit());
    if !letters || !digits {
        return Some("密码须同时包含字母和数字".into());
    }
    let lower = password.to_lowercase();
    let names = ["证件号码", "手机号码", "用户名"];
    for (value, name) in known
        .iter()
        .zip(names.iter().chain(std::iter::repeat(&"个人信息")))
    {
        let value = value.trim().to_lowercase();
        if value.chars().count() >= 4 && lower.contains(&value) {
            return Some(format!("密码不能包含{name}"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_needs_length_letters_and_digits() {
        assert_eq!(
            password_problem("ab12", &[]).as_deref(),
            Some("密码至少 8 位")
        );
        assert_eq!(
            password_problem("abcdefgh", &[]).as_deref(),
            Some("密码须同时包含字母和数字")
        );
        assert_eq!(
            password_problem("12345678", &[]).as_deref(),
            Some("密码须同时包含字母和数字")
        );
        assert_eq!(password_problem("chengdu2026", &[]), None);
    }

    #[test]
    fn a_password_may_not_hold_the_identity_or_the_mobile() {
        let id = "11010519491231002X";
        assert_eq!(
            password_problem("11010519491231002x", &[id, "13800138000"]).as_deref(),
            Some("密码不能包含证件号码")
        );
        assert_eq!(
            password_problem("a13800138000", &[id, "13800138000"]).as_deref(),
            Some("密码不能包含手机号码")
        );
        assert_eq!(
            password_problem("zhangsan2026", &[id, "13800138000", "zhangsan"]).as_deref(),
            Some("密码不能包含用户名")
        );
        assert_eq!(
            password_problem("Wuhou2026x", &[id, "13800138000", ""]),
            None
        );
    }
}
