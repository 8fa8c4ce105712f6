//! Signed webhooks (Standard Webhooks): the `webhook` delivery channel, and the
//! administrator's use cases — register, list, switch on and off, remove, see a
//! webhook's deliveries and put a failed one back in the queue.
//!
//! Each attempt is a `POST` of the message as JSON with `webhook-id`
//! (`msg_<outbox id>`, the same on every retry), `webhook-timestamp` and
//! `webhook-signature` (see [`onestamp_domain::webhook`]). A 2xx answer
//! delivers it; 410 Gone refuses it for good and switches the webhook off;
//! anything else is retried on the schedule of
//! [`onestamp_domain::message::retry_delay`], and a delivery that runs out of
//! it switches the webhook off too.

use std::time::Duration;

use async_trait::async_trait;
use rand::RngCore;

use onestamp_domain::message::retry_delay;
use onestamp_domain::role::Role;
use onestamp_domain::webhook::{self, Envelope, Registration};

use crate::auth::Session;
use crate::cases::MAX_PAGE;
use crate::delivery::{Attempt, Channel, clip_answer};
use crate::store::{AuditFact, Claimed, Delivery, NewWebhook, Webhook};
use crate::{App, AppError};

/// How long one attempt may take, connection and answer together.
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// The most of an answer read (its first 500 characters are kept).
const ANSWER_BYTES: usize = 4_096;

/// The `webhook` channel: posts each claimed delivery to its webhook.
pub struct WebhookChannel {
    client: reqwest::Client,
}

impl WebhookChannel {
    /// A channel whose requests time out after [`TIMEOUT`] and follow no
    /// redirect (a 3xx is a failed attempt).
    pub fn new() -> Result<WebhookChannel, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("onestamp-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(WebhookChannel { client })
    }
}

/// The start of an answer's body, at most [`ANSWER_BYTES`] read.
async fn answer_of(mut resp: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < ANSWER_BYTES {
        match resp.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    bytes.truncate(ANSWER_BYTES);
    clip_answer(&String::from_utf8_lossy(&bytes))
}

/// Why an attempt got no answer, in words for the administrator.
fn connection_error(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!("接收方超时（{} 秒内未应答）", TIMEOUT.as_secs())
    } else if e.is_connect() {
        format!("无法连接接收方：{e}")
    } else {
        format!("请求失败：{e}")
    }
}

#[async_trait]
impl Channel for WebhookChannel {
    fn name(&self) -> &'static str {
        "webhook"
    }

    async fn deliver(&self, app: &App, d: &Claimed) -> Attempt {
        let Ok(id) = d.target.parse::<i64>() else {
            return Attempt::Skipped(format!("投递目标不是 Webhook：{}", d.target));
        };
        let hook = match app.store.webhook(id).await {
            Ok(Some(h)) => h,
            Ok(None) => return Attempt::Skipped("Webhook 已删除".into()),
            Err(e) => {
                tracing::error!(error = %e, webhook = id, "webhook could not be read");
                return Attempt::Failed {
                    status: None,
                    answer: None,
                    error: "系统内部错误，稍后重试".into(),
                };
            }
        };
        if !hook.enabled {
            return Attempt::Skipped("Webhook 已停用".into());
        }
        let m = &d.message;
        let body = webhook::body(
            &Envelope {
                event: &m.event,
                message_id: m.id,
                case_number: m.case_number.as_deref(),
                stage_word: &m.stage_word,
                text: &m.text,
                subject: &m.subject,
                link: &m.link,
                data: &m.data,
                occurred_at: m.created_at,
            },
            &app.settings.public_url,
        )
        .to_string();
        let msg_id = webhook::message_id(m.id);
        let timestamp = app.clock.now().timestamp();
        let secret = hook.secret.as_deref().unwrap_or_default();
        let Some(signature) = webhook::sign(secret, &msg_id, timestamp, &body) else {
            return Attempt::Skipped("Webhook 密钥无效，无法签名".into());
        };
        let sent = self
            .client
            .post(&hook.url)
            .header("content-type", "application/json")
            .header("webhook-id", &msg_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Failed {
                    status: None,
                    answer: None,
                    error: connection_error(&e),
                };
            }
        };
        let status = resp.status();
        let code = Some(i64::from(status.as_u16()));
        let answer = Some(answer_of(resp).await);
        if status.is_success() {
            Attempt::Delivered {
                status: code,
                answer,
            }
        } else if status == reqwest::StatusCode::GONE {
            Attempt::Refused {
                status: code,
                answer,
                error: "接收方返回 410 Gone：不再接收".into(),
            }
        } else {
            Attempt::Failed {
                status: code,
                answer,
                error: format!("接收方返回 HTTP {}", status.as_u16()),
            }
        }
    }

    async fn after(&self, app: &App, d: &Claimed, attempt: &Attempt) {
        let reason = match attempt {
            Attempt::Refused { .. } => "接收方返回 410 Gone，已自动停用".to_string(),
            Attempt::Failed { .. } if retry_delay(d.attempts).is_none() => {
                format!("连续投递失败（{} 次），已自动停用", d.attempts)
            }
            _ => return,
        };
        let Ok(id) = d.target.parse::<i64>() else {
            return;
        };
        let audit = AuditFact {
            at: app.clock.now(),
            actor_id: None,
            kind: "webhook.disable".into(),
            subject: format!("webhook:{id}"),
            detail: serde_json::json!({"reason": reason, "delivery": d.id}),
        };
        match app
            .store
            .set_webhook_enabled(id, false, Some(reason.clone()), audit)
            .await
        {
            Ok(true) => {
                tracing::warn!(webhook = id, delivery = d.id, reason = %reason, "webhook disabled")
            }
            Ok(false) => {}
            Err(e) => tracing::error!(error = %e, webhook = id, "webhook could not be disabled"),
        }
    }
}

/// A webhook to register, as the administrator gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookForm {
    pub url: String,
    pub events: Vec<String>,
    pub description: String,
    pub department: Option<String>,
}

impl App {
    /// Registers a webhook (admin) and gives it a new secret, which this answer
    /// alone shows.
    pub async fn register_webhook(
        &self,
        session: &Session,
        form: WebhookForm,
    ) -> Result<Webhook, AppError> {
        session.require(&[Role::Admin])?;
        let mut events: Vec<String> = Vec::new();
        for e in form.events {
            let e = e.trim().to_string();
            if !events.contains(&e) {
                events.push(e);
            }
        }
        let registration = Registration {
            url: form.url.trim().to_string(),
            events,
            description: form.description.trim().to_string(),
            department: form
                .department
                .map(|d| d.trim().to_string())
                .filter(|d| !d.is_empty()),
        };
        let departments = self.store.departments().await?;
        let problems = webhook::check_registration(&registration, |code| {
            departments.iter().any(|d| d.code == code)
        });
        if !problems.is_empty() {
            let all: Vec<String> = problems.iter().map(|p| p.message.clone()).collect();
            return Err(AppError::Invalid {
                message: format!("Webhook 登记有误：{}", all.join("；")),
                problems,
            });
        }
        let mut bytes = [0u8; webhook::SECRET_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        let now = self.clock.now();
        let audit = AuditFact {
            at: now,
            actor_id: Some(session.user.id),
            kind: "webhook.create".into(),
            subject: String::new(),
            detail: serde_json::json!({
                "url": registration.url,
                "events": registration.events,
                "description": registration.description,
                "department": registration.department,
            }),
        };
        let hook = self
            .store
            .create_webhook(
                NewWebhook {
                    url: registration.url,
                    events: registration.events,
                    description: registration.description,
                    department: registration.department,
                    secret: webhook::new_secret(&bytes),
                    created_by: session.user.id,
                    created_at: now,
                },
                audit,
            )
            .await?;
        tracing::info!(webhook = hook.id, url = %hook.url, actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "webhook registered");
        Ok(hook)
    }

    /// Every webhook, without secrets (admin).
    pub async fn webhooks(&self, session: &Session) -> Result<Vec<Webhook>, AppError> {
        session.require(&[Role::Admin])?;
        Ok(self
            .store
            .webhooks()
            .await?
            .into_iter()
            .map(Webhook::without_secret)
            .collect())
    }

    /// One webhook, without its secret (admin).
    pub async fn webhook(&self, session: &Session, id: i64) -> Result<Webhook, AppError> {
        session.require(&[Role::Admin])?;
        self.store
            .webhook(id)
            .await?
            .map(Webhook::without_secret)
            .ok_or_else(|| AppError::NotFound("Webhook".into()))
    }

    /// Switches a webhook on (its reason cleared) or off (admin). Deliveries
    /// are fanned out to it only while it is on.
    pub async fn set_webhook_enabled(
        &self,
        session: &Session,
        id: i64,
        enabled: bool,
    ) -> Result<Webhook, AppError> {
        let hook = self.webhook(session, id).await?;
        if hook.enabled == enabled {
            return Ok(hook);
        }
        let reason = (!enabled).then(|| format!("管理员 {} 停用", session.user.display_name));
        let audit = AuditFact {
            at: self.clock.now(),
            actor_id: Some(session.user.id),
            kind: if enabled {
                "webhook.enable"
            } else {
                "webhook.disable"
            }
            .into(),
            subject: format!("webhook:{id}"),
            detail: serde_json::json!({"reason": reason}),
        };
        self.store
            .set_webhook_enabled(id, enabled, reason, audit)
            .await?;
        tracing::warn!(webhook = id, enabled, actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "webhook switched");
        self.webhook(session, id).await
    }

    /// Removes a webhook (admin): its pending deliveries are skipped, its
    /// delivery history stays.
    pub async fn delete_webhook(&self, session: &Session, id: i64) -> Result<(), AppError> {
        let hook = self.webhook(session, id).await?;
        let now = self.clock.now();
        let audit = AuditFact {
            at: now,
            actor_id: Some(session.user.id),
            kind: "webhook.delete".into(),
            subject: format!("webhook:{id}"),
            detail: serde_json::json!({"url": hook.url}),
        };
        if !self.store.delete_webhook(id, now, audit).await? {
            return Err(AppError::NotFound("Webhook".into()));
        }
        tracing::warn!(webhook = id, actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "webhook deleted");
        Ok(())
    }

    /// A webhook's deliveries, newest first, keyset-paginated by id (admin).
    pub async fn webhook_deliveries(
        &self,
        session: &Session,
        id: i64,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Delivery>, AppError> {
        self.webhook(session, id).await?;
        Ok(self
            .store
            .deliveries(
                Some("webhook"),
                Some(&id.to_string()),
                before,
                limit.clamp(1, MAX_PAGE),
            )
            .await?)
    }

    /// Puts a failed or skipped delivery back in the queue, due now with its
    /// schedule started again (admin). A delivery in any other state is a
    /// conflict.
    pub async fn retry_delivery(&self, session: &Session, id: i64) -> Result<Delivery, AppError> {
        session.require(&[Role::Admin])?;
        let delivery = self
            .store
            .delivery(id)
            .await?
            .ok_or_else(|| AppError::NotFound("投递记录".into()))?;
        let now = self.clock.now();
        let audit = AuditFact {
            at: now,
            actor_id: Some(session.user.id),
            kind: "delivery.retry".into(),
            subject: format!("delivery:{id}"),
            detail: serde_json::json!({
                "channel": delivery.channel,
                "target": delivery.target,
                "state": delivery.state.as_str(),
            }),
        };
        if !self.store.requeue_delivery(id, now, audit).await? {
            return Err(AppError::NotRetryable(delivery.state.label_zh()));
        }
        tracing::info!(delivery = id, channel = %delivery.channel, actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "delivery put back in the queue");
        self.store
            .delivery(id)
            .await?
            .ok_or_else(|| AppError::NotFound("投递记录".into()))
    }
}
