//! 消息设置: a user's own contacts (email, mobile) and, for each event their
//! roles may receive, whether it reaches their in-app inbox and their email.

use serde::Serialize;

use onestamp_domain::error::FieldProblem;
use onestamp_domain::message::Event;
use onestamp_domain::validate::{EmailAddress, MobileNumber};

use crate::auth::Session;
use crate::store::{AuditFact, PrefsChange, SwitchedOff};
use crate::{App, AppError};

/// One event of the settings and where it goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventSetting {
    /// `case.accepted`, `task.assigned`…
    pub event: String,
    /// Its name in Chinese.
    pub label: String,
    pub inbox: bool,
    pub email: bool,
}

/// A user's notification settings (消息设置).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationSettings {
    /// Empty when none was given.
    pub email: String,
    pub mobile: String,
    /// Every event the user's roles may receive, in the order of [`Event::ALL`].
    pub events: Vec<EventSetting>,
}

/// One event's switches as a user sets them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSwitch {
    pub event: String,
    pub inbox: bool,
    pub email: bool,
}

/// A change of the settings: contacts left out stay as they are (an empty
/// one clears it), events left out keep their switches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsChange {
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub events: Vec<EventSwitch>,
}

fn problem(field: &str, message: String) -> FieldProblem {
    FieldProblem {
        field: field.to_string(),
        message,
    }
}

impl App {
    /// The caller's notification settings.
    pub async fn notification_settings(
        &self,
        s: &Session,
    ) -> Result<NotificationSettings, AppError> {
        // Read afresh: the session's user may be a moment old.
        let user = self
            .store
            .user(s.user.id)
            .await?
            .unwrap_or_else(|| s.user.clone());
        let off = self.store.switched_off(user.id).await?;
        let is_off =
            |e: Event, channel: &str| off.iter().any(|o| o.event == e && o.channel == channel);
        let events = Event::for_roles(&user.roles)
            .into_iter()
            .map(|e| EventSetting {
                event: e.as_str().to_string(),
                label: e.label_zh().to_string(),
                inbox: !is_off(e, "inbox"),
                email: !is_off(e, "email"),
            })
            .collect();
        Ok(NotificationSettings {
            email: user.email,
            mobile: user.mobile,
            events,
        })
    }

    /// Changes the caller's notification settings: checks the contacts and
    /// that every event named is one their roles receive (422 naming those
    /// that are not), then writes them in one transaction.
    pub async fn save_notification_settings(
        &self,
        s: &Session,
        change: SettingsChange,
    ) -> Result<NotificationSettings, AppError> {
        let mut problems = Vec::new();
        let email = match change.email.as_deref().map(str::trim) {
            None => None,
            Some("") => Some(String::new()),
            Some(e) => match EmailAddress::parse(e) {
                Ok(e) => Some(e.as_str().to_string()),
                Err(err) => {
                    problems.push(problem("email", err.to_string()));
                    None
                }
            },
        };
        let mobile = match change.mobile.as_deref().map(str::trim) {
            None => None,
            Some("") => Some(String::new()),
            Some(m) => match MobileNumber::parse(m) {
                Ok(m) => Some(m.as_str().to_string()),
                Err(err) => {
                    problems.push(problem("mobile", format!("手机号码无效：{err}")));
                    None
                }
            },
        };
        let theirs = Event::for_roles(&s.user.roles);
        let mut unknown = Vec::new();
        let mut events = Vec::new();
        let mut off = Vec::new();
        for sw in &change.events {
            let Some(event) = Event::parse(sw.event.trim()).filter(|e| theirs.contains(e)) else {
                unknown.push(sw.event.clone());
                continue;
            };
            if events.contains(&event) {
                problems.push(problem(
                    "events",
                    format!("事件 {} 重复出现", event.as_str()),
                ));
                continue;
            }
            events.push(event);
            for (channel, on) in [("inbox", sw.inbox), ("email", sw.email)] {
                if !on {
                    off.push(SwitchedOff {
                        event,
                        channel: channel.to_string(),
                    });
                }
            }
        }
        if !unknown.is_empty() {
            problems.push(problem(
                "events",
                format!("未知或不适用于您的事件：{}", unknown.join("、")),
            ));
        }
        if !problems.is_empty() {
            let message = problems
                .iter()
                .map(|p| p.message.clone())
                .collect::<Vec<_>>()
                .join("；");
            return Err(AppError::Invalid { message, problems });
        }
        let audit = AuditFact {
            at: self.clock.now(),
            actor_id: Some(s.user.id),
            kind: "user.notification_settings".into(),
            subject: s.user.username.clone(),
            // Which contacts changed, never the addresses themselves.
            detail: serde_json::json!({
                "email_set": email.is_some(),
                "mobile_set": mobile.is_some(),
                "events": events.len(),
                "switched_off": off.len(),
            }),
        };
        self.store
            .save_prefs(
                PrefsChange {
                    user: s.user.id,
                    email,
                    mobile,
                    events,
                    off,
                },
                audit,
            )
            .await?;
        tracing::info!(user = %s.user.username, user_id = s.user.id, actor_id = s.user.id, actor = %s.user.username, "notification settings saved");
        self.notification_settings(s).await
    }

    /// Gives the demo user `user` the address `<username>@example.com`, so
    /// that the demo's messages reach an inbox of a mail server under test.
    pub(crate) async fn give_demo_email(&self, user: &crate::store::User) -> Result<(), AppError> {
        let email = format!("{}@example.com", user.username);
        if user.email == email {
            return Ok(());
        }
        let audit = AuditFact {
            at: self.clock.now(),
            actor_id: None,
            kind: "user.notification_settings".into(),
            subject: user.username.clone(),
            detail: serde_json::json!({"email_set": true, "demo": true}),
        };
        self.store
            .save_prefs(
                PrefsChange {
                    user: user.id,
                    email: Some(email),
                    mobile: None,
                    events: Vec::new(),
                    off: Vec::new(),
                },
                audit,
            )
            .await?;
        Ok(())
    }
}
