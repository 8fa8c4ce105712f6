//! The email channel (邮件通知): each claimed delivery is one mail, sent over
//! SMTP to the user's current address. The SMTP server is named by
//! [`Settings::smtp_url`](crate::Settings::smtp_url) (`smtp://host:port`,
//! `smtps://…`, `smtp://…?tls=required`, with `user:password@` when the
//! server wants a login), parsed once when the channel is made; without one
//! every delivery is skipped.
//!
//! A mail carries a `Message-ID` made of the outbox message and the user
//! (`<msg-{id}-{user}@onestamp>`), so a delivery sent twice (a lease that ran
//! out mid-send) is recognisable as the same mail. An SMTP 4xx answer, a
//! refused or broken connection or a timeout is a failure tried again later; a
//! 5xx answer is a refusal for good.

use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message as Mail};
use lettre::transport::smtp::Error as SmtpError;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use onestamp_domain::message::{Event, Message};

use crate::delivery::{Attempt, Channel, clip_answer};
use crate::store::{Claimed, StoredMessage};
use crate::{App, Settings};

/// The longest an attempt may take, whatever the lease.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);

/// Why the mail settings cannot be used; the message names the setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailSettingsError {
    #[error(
        "smtp_url '{url}' is not a usable SMTP address ({reason}); use smtp://host:port, smtps://host:port or smtp://host:port?tls=required, or leave it empty for no email"
    )]
    SmtpUrl { url: String, reason: String },
    #[error(
        "mail_from '{value}' is not a mailbox ({reason}); use an address such as 审批局 <noreply@example.cn>"
    )]
    MailFrom { value: String, reason: String },
}

/// The SMTP URL with any password hidden, for messages and logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// Checks the mail settings as [`EmailChannel::new`] reads them: an empty
/// `smtp_url` (no email) or one that names an SMTP server, and a sender that
/// is a mailbox.
pub fn check_mail_settings(smtp_url: &str, mail_from: &str) -> Result<(), MailSettingsError> {
    parse_transport(smtp_url, Duration::from_secs(1))?;
    parse_sender(mail_from)?;
    Ok(())
}

fn parse_sender(mail_from: &str) -> Result<Mailbox, MailSettingsError> {
    mail_from
        .trim()
        .parse::<Mailbox>()
        .map_err(|e| MailSettingsError::MailFrom {
            value: mail_from.to_string(),
            reason: e.to_string(),
        })
}

fn parse_transport(
    smtp_url: &str,
    timeout: Duration,
) -> Result<Option<AsyncSmtpTransport<Tokio1Executor>>, MailSettingsError> {
    let url = smtp_url.trim();
    if url.is_empty() {
        return Ok(None);
    }
    let refuse = |reason: String| MailSettingsError::SmtpUrl {
        url: redact(url),
        reason,
    };
    if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
        return Err(refuse("the scheme must be smtp or smtps".into()));
    }
    let builder =
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| refuse(e.to_string()))?;
    Ok(Some(builder.timeout(Some(timeout)).build()))
}

/// The email channel.
#[derive(Debug, Clone)]
pub struct EmailChannel {
    /// `None`: no SMTP server is configured.
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    public_url: String,
    /// How long one attempt may take: under the lease, at most [`SEND_TIMEOUT`].
    timeout: Duration,
}

impl EmailChannel {
    /// The channel of `settings`: its SMTP server, sender and public address.
    pub fn new(settings: &Settings) -> Result<EmailChannel, MailSettingsError> {
        let lease = settings
            .delivery_lease
            .to_std()
            .unwrap_or(SEND_TIMEOUT)
            .mul_f64(0.5);
        let timeout = SEND_TIMEOUT.min(lease).max(Duration::from_millis(500));
        Ok(EmailChannel {
            transport: parse_transport(&settings.smtp_url, timeout)?,
            from: parse_sender(&settings.mail_from)?,
            public_url: settings.public_url.clone(),
            timeout,
        })
    }

    /// Whether an SMTP server is configured.
    pub fn configured(&self) -> bool {
        self.transport.is_some()
    }

    /// The mail of `message` to `to` (user `user`).
    fn mail(&self, message: &StoredMessage, user: i64, to: Mailbox) -> Result<Mail, String> {
        let event = Event::parse(&message.event)
            .ok_or_else(|| format!("unknown event {}", message.event))?;
        let words = Message {
            event,
            audience: Vec::new(),
            subject: message.subject.clone(),
            text: message.text.clone(),
            stage_word: message.stage_word.clone(),
            link: message.link.clone(),
            occurred_at: message.created_at,
            dedup_key: String::new(),
        };
        let body = words.email_body(message.case_number.as_deref(), &self.public_url);
        Mail::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone())
            .message_id(Some(message_id(message.id, user)))
            .date(message.created_at.into())
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| e.to_string())
    }
}

/// The `Message-ID` of the mail of outbox message `message` to `user`.
pub fn message_id(message: i64, user: i64) -> String {
    format!("<msg-{message}-{user}@onestamp>")
}

/// What an SMTP error comes to: a 5xx answer is for good, anything else
/// (4xx, connection, timeout, TLS) may pass.
fn failed(e: &SmtpError) -> Attempt {
    let status = e.status().map(|c| i64::from(u16::from(c)));
    let error = clip_answer(&format!("SMTP: {e}"));
    if e.is_permanent() {
        Attempt::Refused {
            status,
            answer: None,
            error,
        }
    } else {
        Attempt::Failed {
            status,
            answer: None,
            error,
        }
    }
}

#[async_trait]
impl Channel for EmailChannel {
    fn name(&self) -> &'static str {
        "email"
    }

    async fn deliver(&self, app: &App, delivery: &Claimed) -> Attempt {
        let Some(transport) = &self.transport else {
            return Attempt::Skipped("未配置邮件服务器".into());
        };
        let Ok(user_id) = delivery.target.parse::<i64>() else {
            return Attempt::Refused {
                status: None,
                answer: None,
                error: format!("邮件投递目标不是用户：{}", delivery.target),
            };
        };
        let user = match app.store.user(user_id).await {
            Ok(Some(u)) => u,
            Ok(None) => return Attempt::Skipped("用户不存在".into()),
            Err(e) => {
                return Attempt::Failed {
                    status: None,
                    answer: None,
                    error: format!("读取用户失败：{e}"),
                };
            }
        };
        if !user.active {
            return Attempt::Skipped("用户已停用".into());
        }
        if user.email.is_empty() {
            return Attempt::Skipped("用户未填写电子邮箱".into());
        }
        let to = match user.email.parse::<lettre::Address>() {
            Ok(address) => Mailbox::new(Some(user.display_name.clone()), address),
            Err(e) => return Attempt::Skipped(format!("电子邮箱地址无效：{e}")),
        };
        let mail = match self.mail(&delivery.message, user_id, to) {
            Ok(m) => m,
            Err(e) => {
                return Attempt::Refused {
                    status: None,
                    answer: None,
                    error: format!("邮件无法生成：{e}"),
                };
            }
        };
        match tokio::time::timeout(self.timeout, transport.send(mail)).await {
            Ok(Ok(response)) => Attempt::Delivered {
                status: Some(i64::from(u16::from(response.code()))),
                answer: Some(clip_answer(
                    &response.message().collect::<Vec<_>>().join(" "),
                )),
            },
            Ok(Err(e)) => failed(&e),
            Err(_) => Attempt::Failed {
                status: None,
                answer: None,
                error: format!("SMTP: no answer within {} s", self.timeout.as_secs_f32()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_url_means_no_server() {
        assert_eq!(
            check_mail_settings("", "审批局 <noreply@example.cn>"),
            Ok(())
        );
        let channel = EmailChannel::new(&Settings::default());
        assert!(channel.is_ok_and(|c| !c.configured()));
    }

    #[test]
    fn smtp_urls_parse_and_bad_ones_name_the_setting() {
        for ok in [
            "smtp://127.0.0.1:2525",
            "smtp://mail.example.cn:587?tls=required",
            "smtps://user:secret@mail.example.cn",
        ] {
            assert_eq!(
                check_mail_settings(ok, "noreply@example.cn"),
                Ok(()),
                "{ok}"
            );
        }
        for bad in [
            "http://mail.example.cn",
            "mail.example.cn:25",
            "smtp://",
            "smtp://h:notaport",
        ] {
            let e = check_mail_settings(bad, "noreply@example.cn");
            let Err(e) = e else {
                unreachable!("{bad} accepted")
            };
            assert!(e.to_string().starts_with("smtp_url '"), "{e}");
        }
    }

    #[test]
    fn a_password_in_the_url_is_not_repeated() {
        let e = check_mail_settings("ftp://user:secret@mail.example.cn", "noreply@example.cn");
        assert!(e.is_err_and(|e| !e.to_string().contains("secret")));
    }

    #[test]
    fn the_sender_must_be_a_mailbox() {
        let e = check_mail_settings("", "not an address");
        assert!(e.is_err_and(|e| e.to_string().starts_with("mail_from '")));
    }

    #[test]
    fn the_message_id_names_the_message_and_user() {
        assert_eq!(message_id(12, 3), "<msg-12-3@onestamp>");
    }
}
