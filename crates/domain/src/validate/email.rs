//! Email addresses (电子邮箱) of users, for message delivery: a simple, strict
//! check of the common form `name@example.com`, ASCII only.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ValidationError;

/// The longest address (RFC 5321's path limit less the brackets).
const MAX_LEN: usize = 254;
/// The longest local part (before `@`).
const MAX_LOCAL: usize = 64;
/// The longest label of the domain.
const MAX_LABEL: usize = 63;

/// An email address that passed [`EmailAddress::parse`]: one `@`, a local part
/// of letters, digits and `.!#$%&'*+/=?^_\`{|}~-` without a leading, trailing
/// or doubled dot, and a domain of at least two labels (letters, digits and
/// inner hyphens) whose last is at least two letters. Stored trimmed, the
/// domain in lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

fn local_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-.".contains(c)
}

impl EmailAddress {
    pub fn parse(s: &str) -> Result<EmailAddress, ValidationError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(ValidationError::Email("不能为空"));
        }
        if s.chars().count() > MAX_LEN {
            return Err(ValidationError::Email("最长 254 个字符"));
        }
        let mut parts = s.split('@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(ValidationError::Email(
                "应为“名称@域名”的形式，且只有一个 @",
            ));
        };
        if local.is_empty() || local.chars().count() > MAX_LOCAL {
            return Err(ValidationError::Email("@ 前的名称应为 1–64 个字符"));
        }
        if !local.chars().all(local_char) {
            return Err(ValidationError::Email(
                "@ 前的名称只能含字母、数字和 . _ - + 等符号",
            ));
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(ValidationError::Email(
                "@ 前的名称不能以点开头或结尾，也不能有连续的点",
            ));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return Err(ValidationError::Email("域名应含点，如 example.com"));
        }
        for label in &labels {
            let fine = !label.is_empty()
                && label.len() <= MAX_LABEL
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-');
            if !fine {
                return Err(ValidationError::Email(
                    "域名每段应为字母、数字或中间的连字符，且不能为空",
                ));
            }
        }
        let top = labels.last().copied().unwrap_or_default();
        if top.len() < 2 || !top.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(ValidationError::Email("顶级域名应为至少两个字母"));
        }
        Ok(EmailAddress(format!(
            "{local}@{}",
            domain.to_ascii_lowercase()
        )))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        EmailAddress::parse(&s)
    }
}

impl From<EmailAddress> for String {
    fn from(e: EmailAddress) -> String {
        e.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_addresses_pass_and_keep_their_form() {
        for ok in [
            "zhangsan@example.com",
            "li.si+cases@mail.example.com.cn",
            "a_b-c@x-y.org",
            "O'Brien@example.ie",
        ] {
            assert_eq!(
                EmailAddress::parse(ok).map(String::from),
                Ok(ok.to_string())
            );
        }
    }

    #[test]
    fn it_is_trimmed_and_the_domain_lower_cased() {
        let e = EmailAddress::parse("  ZhangSan@Example.COM ");
        assert_eq!(e.map(String::from), Ok("ZhangSan@example.com".to_string()));
    }

    #[test]
    fn malformed_addresses_are_refused_with_a_reason() {
        for bad in [
            "",
            "zhangsan",
            "zhangsan@",
            "@example.com",
            "a@b@example.com",
            "zhang san@example.com",
            "张三@example.com",
            ".zhangsan@example.com",
            "zhangsan.@example.com",
            "zhang..san@example.com",
            "zhangsan@localhost",
            "zhangsan@example..com",
            "zhangsan@-example.com",
            "zhangsan@example-.com",
            "zhangsan@example.c",
            "zhangsan@example.123",
            "zhangsan@exa_mple.com",
            "zhangsan@例子.公司",
            "zhang\nsan@example.com",
            "zhangsan@exam\tple.com",
            "\"quoted\"@example.com",
        ] {
            let e = EmailAddress::parse(bad);
            assert!(
                matches!(e, Err(ValidationError::Email(_))),
                "{bad:?}: {e:?}"
            );
        }
    }

    #[test]
    fn lengths_are_bounded() {
        let local = "a".repeat(65);
        assert!(EmailAddress::parse(&format!("{local}@example.com")).is_err());
        let label = "a".repeat(64);
        assert!(EmailAddress::parse(&format!("a@{label}.com")).is_err());
        let long = format!("a@{}.com", vec!["b".repeat(60); 5].join("."));
        assert!(long.len() > 254);
        assert!(EmailAddress::parse(&long).is_err());
        let fits = format!("{}@{}.com", "a".repeat(64), "b".repeat(63));
        assert!(EmailAddress::parse(&fits).is_ok());
    }

    #[test]
    fn the_reason_reads_in_chinese() {
        let e = EmailAddress::parse("zhangsan").err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("电子邮箱地址无效：应为“名称@域名”的形式，且只有一个 @")
        );
    }
}
