//! Messages (消息推送): the messages each change writes to the outbox, and the
//! in-app inbox (站内消息) they end in.

use std::sync::Arc;

use onestamp_domain::case::{Case, CaseEvent};
use onestamp_domain::catalogue::Item;
use onestamp_domain::message::{self, Message};

use crate::auth::Session;
use crate::cases::MAX_PAGE;
use crate::store::{NewMessage, Notification, PendingMessages, StoredLicence};
use crate::{App, AppError};

/// A page of a user's inbox and how many of their messages are unread.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Inbox {
    pub items: Vec<Notification>,
    pub unread: i64,
}

/// What a message about a case carries for webhook receivers (and SMS or
/// WeChat gateways behind them): the case, its item, the lookup address and,
/// once issued, the licence.
fn case_data(
    case: &Case,
    item: &Item,
    lookup_url: &str,
    licence: Option<&serde_json::Value>,
) -> serde_json::Value {
    let mut data = serde_json::json!({
        "case_id": case.id,
        "case_number": case.number,
        "item_code": item.code,
        "item_name": item.name,
        "department": item.department,
        "channel": case.channel.as_str(),
        "status": case.status.as_str(),
        "status_label": case.status.label_zh(),
        "lookup_url": lookup_url,
    });
    if let Some(l) = licence {
        data["licence"] = l.clone();
    }
    data
}

/// The licence as a message carries it: what the holder and a regulator need.
pub(crate) fn licence_data(l: &StoredLicence) -> serde_json::Value {
    serde_json::json!({
        "id": l.id,
        "type_code": l.type_code,
        "type_name": l.type_name,
        "holder_name": l.holder_name,
        "issued_on": l.issued_on,
        "supervising_department": l.supervising_department,
        "valid_until": l.valid_until,
        "status": l.status.as_str(),
        "verify_path": format!("/verify/{}", l.id),
    })
}

fn wrap(m: Message, case: &Case, item: &Item, data: serde_json::Value) -> NewMessage {
    NewMessage {
        message: m,
        case_id: Some(case.id),
        case_number: Some(case.number.clone()),
        licence_id: data
            .get("licence")
            .and_then(|l| l.get("id"))
            .and_then(|v| v.as_str())
            .map(str::to_string),
        department: Some(item.department.clone()),
        data,
    }
}

impl App {
    fn lookup_url(&self) -> String {
        format!("{}/lookup", self.settings.public_url.trim_end_matches('/'))
    }

    /// When the task of `case` falls due, as its holder reads it.
    fn due_text(&self, case: &Case) -> Option<String> {
        let due = case.task.as_ref()?.deadline?;
        Some(
            self.settings
                .calendar
                .wall_clock(due)
                .format("%m月%d日%H:%M")
                .to_string(),
        )
    }

    /// The messages of one step of a case: the applicant's, and the new task
    /// holder's.
    pub(crate) fn step_messages(
        &self,
        before: &Case,
        after: &Case,
        event: &CaseEvent,
        item: &Item,
        licence: Option<&StoredLicence>,
    ) -> Vec<NewMessage> {
        let licence = licence.map(licence_data);
        let data = case_data(after, item, &self.lookup_url(), licence.as_ref());
        let mut out = Vec::new();
        if let Some(m) = message::case_step(&event.action, after, &item.name, event.at) {
            out.push(wrap(m, after, item, data.clone()));
        }
        let due = self.due_text(after);
        if let Some(m) =
            message::task_assigned(Some(before), after, &item.name, due.as_deref(), event.at)
        {
            out.push(wrap(m, after, item, data));
        }
        out
    }

    /// The messages of a submission, rendered once the store has numbered the
    /// case: that it was submitted, its outcome if the system decided it at
    /// once (秒批), and the first task's holder.
    pub(crate) fn submission_messages(
        &self,
        item: &Item,
        events: &[CaseEvent],
        licence: Option<&StoredLicence>,
    ) -> PendingMessages {
        let item = item.clone();
        let licence = licence.map(licence_data);
        let lookup = self.lookup_url();
        let first = events.first().cloned();
        let last = events.last().filter(|_| events.len() > 1).cloned();
        let app = self.clone();
        PendingMessages {
            draft: Some(Arc::new(move |case: &Case| {
                let data = case_data(case, &item, &lookup, licence.as_ref());
                let mut out = Vec::new();
                for e in first.iter().chain(last.iter()) {
                    if let Some(m) = message::case_step(&e.action, case, &item.name, e.at) {
                        out.push(wrap(m, case, &item, data.clone()));
                    }
                }
                let at = first.as_ref().map_or(case.submitted_at, |e| e.at);
                let due = app.due_text(case);
                if let Some(m) = message::task_assigned(None, case, &item.name, due.as_deref(), at)
                {
                    out.push(wrap(m, case, &item, data.clone()));
                }
                out
            })),
        }
    }

    /// The message telling the new holder of a reassigned task (改派).
    pub(crate) fn reassigned_messages(
        &self,
        before: &Case,
        after: &Case,
        item: &Item,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Vec<NewMessage> {
        let due = self.due_text(after);
        message::task_assigned(Some(before), after, &item.name, due.as_deref(), at)
            .map(|m| {
                let data = case_data(after, item, &self.lookup_url(), None);
                vec![wrap(m, after, item, data)]
            })
            .unwrap_or_default()
    }

    /// My inbox, newest first: a page before `before`, all or only unread.
    pub async fn inbox(
        &self,
        session: &Session,
        before: Option<i64>,
        limit: u32,
        unread_only: bool,
    ) -> Result<Inbox, AppError> {
        let uid = session.user.id;
        let items = self
            .store
            .inbox(uid, before, limit.clamp(1, MAX_PAGE), unread_only)
            .await?;
        let unread = self.store.unread_count(uid).await?;
        Ok(Inbox { items, unread })
    }

    /// How many of my messages are unread (the badge beside 消息).
    pub async fn unread_messages(&self, session: &Session) -> Result<i64, AppError> {
        Ok(self.store.unread_count(session.user.id).await?)
    }

    /// Marks one of my messages read, or all of them with `None`; a message
    /// that is not mine (or already read) is left alone. How many changed.
    pub async fn mark_read(&self, session: &Session, id: Option<i64>) -> Result<u64, AppError> {
        Ok(self
            .store
            .mark_read(session.user.id, id, self.clock.now())
            .await?)
    }
}
