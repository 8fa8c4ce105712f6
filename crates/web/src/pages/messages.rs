//! `/messages`: the in-app inbox (站内消息) of any logged-in user — every stage
//! of their cases, for staff every task given to them and every alert — with
//! unread ones marked, opening a message marks it read and follows its link;
//! "全部标为已读" marks all.

use std::collections::HashMap;

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use onestamp_app::App;

use super::session::PageUser;
use super::{Chrome, PageQuery, Template, error_page, render};

/// A message as the page shows it.
pub struct Line {
    pub id: i64,
    pub subject: String,
    pub body: String,
    pub at: String,
    pub link: String,
    pub unread: bool,
    pub kind_label: &'static str,
}

#[derive(Template)]
#[template(path = "messages.html")]
struct InboxPage {
    chrome: Chrome,
    lines: Vec<Line>,
    unread: i64,
    only_unread: bool,
    /// The next page: messages before this id.
    more: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct InboxQuery {
    unread: Option<String>,
    before: Option<i64>,
}

const PAGE: u32 = 50;

pub async fn inbox(
    State(app): State<App>,
    user: PageUser,
    PageQuery(q): PageQuery<InboxQuery>,
) -> Response {
    let only_unread = q.unread.as_deref() == Some("1");
    let inbox = match app.inbox(&user.session, q.before, PAGE, only_unread).await {
        Ok(i) => i,
        Err(e) => return error_page(user.chrome(&app), e, Some("/".into())),
    };
    let more = (inbox.items.len() as u32 == PAGE)
        .then(|| inbox.items.last().map(|n| n.id))
        .flatten();
    let lines = inbox
        .items
        .into_iter()
        .map(|n| Line {
            id: n.id,
            kind_label: onestamp_domain::message::Event::parse(&n.kind)
                .map_or("证照提醒", |e| e.label_zh()),
            subject: n.subject,
            body: n.body,
            at: app.local_time(n.created_at),
            link: n.link,
            unread: n.read_at.is_none(),
        })
        .collect();
    let mut chrome = user.chrome(&app);
    chrome.unread = inbox.unread;
    render(
        InboxPage {
            chrome,
            lines,
            unread: inbox.unread,
            only_unread,
            more,
        },
        StatusCode::OK,
    )
}

/// Marks one message read and follows its link (`id`, `go`), or all of them
/// (`all`) and comes back.
pub async fn read(
    State(app): State<App>,
    user: PageUser,
    form: Result<Form<HashMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return Redirect::to("/messages").into_response();
    };
    if let Some(refused) = user.csrf_refusal(&app, form.get("csrf").map(String::as_str)) {
        return refused;
    }
    let id = match form.get("id").map(|v| v.trim().parse::<i64>()) {
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            return error_page(
                user.chrome(&app),
                onestamp_app::AppError::NotFound("该消息".into()),
                Some("/messages".into()),
            );
        }
        None => None,
    };
    if id.is_none() && !form.contains_key("all") {
        return Redirect::to("/messages").into_response();
    }
    if let Err(e) = app.mark_read(&user.session, id).await {
        return error_page(user.chrome(&app), e, Some("/messages".into()));
    }
    // Only a path of this site is followed.
    let go = form
        .get("go")
        .filter(|g| g.starts_with('/') && !g.starts_with("//") && g.is_ascii())
        .cloned()
        .unwrap_or_else(|| "/messages".into());
    Redirect::to(&go).into_response()
}
