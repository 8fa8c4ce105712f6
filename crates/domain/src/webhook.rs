//! Signed webhooks (Standard Webhooks): the secret, the signature of one
//! attempt, the body a receiver gets, and what a registration must say.
//!
//! Pure: the random bytes of a secret, the attempt's time and the message come
//! in as arguments. A receiver checks `webhook-signature` as
//! `v1,base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}"))`,
//! the key being the base64-decoded secret after `whsec_`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};

use crate::error::FieldProblem;
use crate::message::Event;

/// What every secret begins with.
pub const SECRET_PREFIX: &str = "whsec_";
/// How many random bytes a secret holds.
pub const SECRET_BYTES: usize = 24;
/// The longest description, in characters.
pub const DESCRIPTION_MAX: usize = 200;
/// The longest address, in characters.
pub const URL_MAX: usize = 2_000;
/// The event pattern that matches every event.
pub const ALL_EVENTS: &str = "*";

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// A new secret from `bytes` (random, drawn by the caller).
pub fn new_secret(bytes: &[u8; SECRET_BYTES]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The key a secret stands for; `None` when it is not `whsec_` and base64 of
/// at least one byte.
fn key_of(secret: &str) -> Option<Vec<u8>> {
    let encoded = secret.strip_prefix(SECRET_PREFIX)?;
    STANDARD.decode(encoded).ok().filter(|k| !k.is_empty())
}

/// The `webhook-id` of every attempt to deliver outbox message `message_id`.
pub fn message_id(message_id: i64) -> String {
    format!("msg_{message_id}")
}

/// The `webhook-signature` of one attempt: `v1,<base64 HMAC-SHA256>`; `None`
/// when the secret is not a valid one.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = key_of(secret)?;
    let mut mac = HmacSha256::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// Whether `signatures` (a `webhook-signature` header: space-separated
/// `v1,<sig>` entries) holds a valid signature of `body` for `id` and
/// `timestamp`. Compared in constant time.
pub fn verify(secret: &str, id: &str, timestamp: i64, body: &str, signatures: &str) -> bool {
    let Some(key) = key_of(secret) else {
        return false;
    };
    signatures.split(' ').any(|entry| {
        let Some(sig) = entry.strip_prefix("v1,") else {
            return false;
        };
        let Ok(sig) = STANDARD.decode(sig) else {
            return false;
        };
        let Ok(mut mac) = HmacSha256::new_from_slice(&key) else {
            return false;
        };
        mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
        mac.verify_slice(&sig).is_ok()
    })
}

/// What a message says, as a webhook body carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope<'a> {
    pub event: &'a str,
    pub message_id: i64,
    pub case_number: Option<&'a str>,
    pub stage_word: &'a str,
    pub text: &'a str,
    pub subject: &'a str,
    /// The message's link on this installation, a path (`/cases/12`) or empty.
    pub link: &'a str,
    /// The message's own data (case, item, licence…), an object or null.
    pub data: &'a Value,
    pub occurred_at: DateTime<Utc>,
}

/// The JSON body of a delivery: `{"type", "timestamp", "data": {...}}`, `data`
/// holding the message's words, its absolute link and lookup address (from
/// `public_url`) and everything of the message's own data besides.
pub fn body(e: &Envelope<'_>, public_url: &str) -> Value {
    let base = public_url.trim_end_matches('/');
    let mut data = serde_json::Map::new();
    if let Value::Object(extra) = e.data {
        data.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    let link = if e.link.is_empty() {
        String::new()
    } else {
        format!("{base}{}", e.link)
    };
    data.insert("message_id".into(), json!(e.message_id));
    data.insert("case_number".into(), json!(e.case_number));
    data.insert("stage_word".into(), json!(e.stage_word));
    data.insert("text".into(), json!(e.text));
    data.insert("subject".into(), json!(e.subject));
    data.insert("link".into(), json!(link));
    data.insert("lookup_url".into(), json!(format!("{base}/lookup")));
    json!({
        "type": e.event,
        "timestamp": e.occurred_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "data": Value::Object(data),
    })
}

/// A registration as the administrator gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub url: String,
    pub events: Vec<String>,
    pub description: String,
    pub department: Option<String>,
}

/// Every problem of a registration, each naming its field; empty when it may
/// be saved. `department_known` says whether a department code is in the
/// catalogue.
pub fn check_registration(
    r: &Registration,
    department_known: impl Fn(&str) -> bool,
) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    let mut problem = |field: &str, message: String| {
        problems.push(FieldProblem {
            field: field.into(),
            message,
        });
    };
    if let Some(why) = url_problem(&r.url) {
        problem("url", why);
    }
    if r.events.is_empty() {
        problem("events", "请至少选择一个事件（或 * 表示全部事件）".into());
    }
    for e in &r.events {
        if e != ALL_EVENTS && Event::parse(e).is_none() {
            problem("events", format!("未知的事件：{e}"));
        }
    }
    let len = r.description.chars().count();
    if len > DESCRIPTION_MAX {
        problem(
            "description",
            format!("说明不能超过 {DESCRIPTION_MAX} 个字（现为 {len} 个字）"),
        );
    }
    if let Some(why) = crate::text::forbidden(&r.description, crate::text::Lines::One) {
        problem("description", format!("说明{why}"));
    }
    if let Some(d) = &r.department
        && !department_known(d)
    {
        problem("department", format!("未知的部门：{d}"));
    }
    problems
}

/// Why `url` cannot take deliveries, if it cannot: an http or https address
/// with a host, no credentials and no fragment.
fn url_problem(url: &str) -> Option<String> {
    if url.trim().is_empty() {
        return Some("请填写接收地址".into());
    }
    if url.chars().count() > URL_MAX {
        return Some(format!("接收地址不能超过 {URL_MAX} 个字符"));
    }
    let Ok(parsed) = url::Url::parse(url) else {
        return Some(format!("接收地址不是有效的网址：{url}"));
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return Some("接收地址须以 http:// 或 https:// 开头".into());
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Some("接收地址须包含主机名".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Some("接收地址不能包含用户名或密码".into());
    }
    if parsed.fragment().is_some() {
        return Some("接收地址不能包含 # 片段".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks reference vector.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1_614_265_330;
    const BODY: &str = r#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn signs_the_reference_vector() {
        assert_eq!(sign(SECRET, ID, TS, BODY).as_deref(), Some(SIGNATURE));
        assert!(verify(SECRET, ID, TS, BODY, SIGNATURE));
        assert!(verify(
            SECRET,
            ID,
            TS,
            BODY,
            &format!("v1,bm90IHRoaXM= {SIGNATURE}")
        ));
    }

    #[test]
    fn refuses_what_was_changed() {
        assert!(!verify(
            SECRET,
            ID,
            TS,
            r#"{"test": 2432232315}"#,
            SIGNATURE
        ));
        assert!(!verify(SECRET, ID, TS + 1, BODY, SIGNATURE));
        assert!(!verify(SECRET, "msg_other", TS, BODY, SIGNATURE));
        assert!(!verify("whsec_AAAA", ID, TS, BODY, SIGNATURE));
        assert!(!verify(SECRET, ID, TS, BODY, "v2,g0hM9SsE"));
        assert!(!verify(SECRET, ID, TS, BODY, ""));
        assert_eq!(sign("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", ID, TS, BODY), None);
        assert_eq!(sign("whsec_!!", ID, TS, BODY), None);
    }

    #[test]
    fn a_new_secret_is_prefixed_base64_of_its_bytes() {
        let s = new_secret(&[7; SECRET_BYTES]);
        assert!(s.starts_with(SECRET_PREFIX));
        assert_eq!(key_of(&s), Some(vec![7; SECRET_BYTES]));
        assert!(sign(&s, "msg_1", 1, "{}").is_some());
    }

    #[test]
    fn the_body_carries_the_words_and_absolute_links() {
        let data = json!({"item_name": "个体工商户登记", "case_number": "ignored"});
        let at = DateTime::parse_from_rfc3339("2026-03-02T01:30:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        let b = body(
            &Envelope {
                event: "case.accepted",
                message_id: 9,
                case_number: Some("510107-20260302-0001"),
                stage_word: "已受理",
                text: "您申请的事项已受理。",
                subject: "申请已受理",
                link: "/cases/3",
                data: &data,
                occurred_at: at,
            },
            "https://zwfw.example.cn/",
        );
        assert_eq!(b["type"], "case.accepted");
        assert_eq!(b["timestamp"], "2026-03-02T01:30:00Z");
        let d = &b["data"];
        assert_eq!(d["message_id"], 9);
        assert_eq!(d["case_number"], "510107-20260302-0001");
        assert_eq!(d["stage_word"], "已受理");
        assert_eq!(d["link"], "https://zwfw.example.cn/cases/3");
        assert_eq!(d["lookup_url"], "https://zwfw.example.cn/lookup");
        assert_eq!(d["item_name"], "个体工商户登记");
    }

    #[test]
    fn a_registration_names_each_problem() {
        let ok = Registration {
            url: "https://sms.example.cn/hook?x=1".into(),
            events: vec!["case.accepted".into(), "*".into()],
            description: "短信网关".into(),
            department: Some("SCJG".into()),
        };
        assert!(check_registration(&ok, |d| d == "SCJG").is_empty());
        let bad = Registration {
            url: "ftp://x".into(),
            events: vec!["case.nothing".into()],
            description: "长".repeat(201),
            department: Some("NONE".into()),
        };
        let fields: Vec<String> = check_registration(&bad, |_| false)
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["url", "events", "description", "department"]);
        for url in [
            "",
            "not a url",
            "http://",
            "https://u:p@host/",
            "http://h/#f",
        ] {
            let r = Registration {
                url: url.into(),
                ..ok.clone()
            };
            let problems = check_registration(&r, |_| true);
            assert_eq!(problems.len(), 1, "{url}: {problems:?}");
        }
        let none = Registration {
            events: Vec::new(),
            ..ok.clone()
        };
        assert_eq!(check_registration(&none, |_| true).len(), 1);
    }
}
