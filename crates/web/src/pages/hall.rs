//! 办事大厅 for the hall and its clerks: the display (`/hall/display`: the
//! numbers being called and at which window, live through server-sent events
//! read from the store's call log, so every node's display sees every call),
//! and the clerk's window page (`/hall/window/{id}`: 上岗, 叫号, 重呼, 过号,
//! 转窗口, and 受理 — counter intake with the ticket's applicant and item).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use onestamp_app::App;
use onestamp_app::hall::{GroupQueue, TicketView, WindowBoard, WindowNow, WindowView};
use onestamp_app::store::StoredCall;
use onestamp_domain::role::Role;

use super::session::PageUser;
use super::{Chrome, PageQuery, Template, error_page, render};

/// How often each open display stream reads the call log.
const POLL: Duration = Duration::from_millis(250);

/// A call as the display shows it.
pub struct CallLine {
    pub label: String,
    pub window: String,
    pub voice: String,
    pub time: String,
    pub recall: bool,
}

fn line(app: &App, c: &StoredCall) -> CallLine {
    CallLine {
        label: c.label.clone(),
        window: c.window_number.clone(),
        voice: c.voice.clone(),
        time: app.local_time(c.at).chars().skip(11).collect(),
        recall: c.kind == "recall",
    }
}

#[derive(Template)]
#[template(path = "hall_display.html")]
struct DisplayPage {
    chrome: Chrome,
    calls: Vec<CallLine>,
    groups: Vec<GroupQueue>,
    windows: Vec<WindowNow>,
    /// The last call shown: the stream goes on from here.
    after: i64,
}

/// `GET /hall/display`: the hall's big screen (public, nothing personal).
pub async fn display(State(app): State<App>) -> Response {
    let chrome = Chrome::public(&app);
    let latest = match app.latest_hall_calls(10).await {
        Ok(c) => c,
        Err(e) => return error_page(chrome, e, None),
    };
    let summary = match app.hall_summary().await {
        Ok(s) => s,
        Err(e) => return error_page(chrome, e, None),
    };
    render(
        DisplayPage {
            after: latest.first().map_or(0, |c| c.id),
            calls: latest.iter().map(|c| line(&app, c)).collect(),
            groups: summary.groups,
            windows: summary.windows,
            chrome,
        },
        StatusCode::OK,
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct StreamQuery {
    /// The last call the display has; none: only calls from now on.
    after: Option<i64>,
}

/// `GET /hall/display/stream`: server-sent events, one `call` event per call
/// or recall (JSON: label, window_number, kind, voice, at, ticket_id), its id
/// the call's, read from the store's call log every 250 ms; a reconnecting
/// client's `Last-Event-ID` resumes after the last it had.
pub async fn stream(
    State(app): State<App>,
    headers: HeaderMap,
    PageQuery(q): PageQuery<StreamQuery>,
) -> Response {
    let resumed = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok());
    let after = match resumed.or(q.after) {
        Some(a) => a.max(0),
        None => match app.latest_hall_calls(1).await {
            Ok(c) => c.first().map_or(0, |c| c.id),
            Err(e) => return error_page(Chrome::public(&app), e, None),
        },
    };
    let events = futures::stream::unfold((app, after), |(app, mut after)| async move {
        loop {
            match app.hall_calls(after, 50).await {
                Ok(calls) if !calls.is_empty() => {
                    let mut out = Vec::with_capacity(calls.len());
                    for c in calls {
                        after = c.id;
                        let data = serde_json::to_string(&c).unwrap_or_default();
                        out.push(Ok::<Event, Infallible>(
                            Event::default()
                                .event("call")
                                .id(c.id.to_string())
                                .data(data),
                        ));
                    }
                    return Some((futures::stream::iter(out), (app, after)));
                }
                Ok(_) => tokio::time::sleep(POLL).await,
                Err(e) => {
                    tracing::warn!(error = %e, "the hall display stream cannot read the call log");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
    let events = futures::StreamExt::flatten(events);
    (
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Sse::new(events).keep_alive(KeepAlive::default()),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "hall_windows.html")]
struct WindowsPage {
    chrome: Chrome,
    windows: Vec<WindowView>,
    me: i64,
}

fn clerk_only(app: &App, user: &PageUser) -> Option<Response> {
    user.refuse_unless(app, &[Role::Clerk])
}

/// `GET /hall/window`: the windows, to take one (上岗).
pub async fn windows(State(app): State<App>, user: PageUser) -> Response {
    if let Some(refused) = clerk_only(&app, &user) {
        return refused;
    }
    match app.hall_windows(&user.session).await {
        Ok(windows) => render(
            WindowsPage {
                chrome: user.chrome(&app),
                windows,
                me: user.session.user.id,
            },
            StatusCode::OK,
        ),
        Err(e) => error_page(user.chrome(&app), e, None),
    }
}

#[derive(Template)]
#[template(path = "hall_window.html")]
struct WindowPage {
    chrome: Chrome,
    board: WindowBoard,
    mine: bool,
    current: Option<Current>,
}

/// The ticket in hand as the clerk sees it.
struct Current {
    view: TicketView,
    applicant: Option<String>,
    item: Option<String>,
    /// Counter intake with the ticket's applicant and item.
    intake: String,
    waited: String,
}

fn minutes(d: Option<chrono::Duration>) -> String {
    d.map_or_else(|| "—".into(), |d| format!("{} 分钟", d.num_minutes()))
}

/// `GET /hall/window/{id}`: the clerk's window.
pub async fn window(State(app): State<App>, user: PageUser, Path(id): Path<String>) -> Response {
    if let Some(refused) = clerk_only(&app, &user) {
        return refused;
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(
            user.chrome(&app),
            onestamp_app::AppError::NotFound("窗口".into()),
            Some("/hall/window".into()),
        );
    };
    let board = match app.window_board(&user.session, id).await {
        Ok(b) => b,
        Err(e) => return error_page(user.chrome(&app), e, Some("/hall/window".into())),
    };
    let current = match &board.current {
        None => None,
        Some(v) => {
            let applicant = match v.ticket.applicant {
                Some(a) => app.window_applicant(&user.session, a).await.ok(),
                None => None,
            };
            let item = match &v.ticket.item_code {
                Some(code) => app.get_item(code).await.ok().map(|i| i.item.name),
                None => None,
            };
            let intake = match (&applicant, &v.ticket.item_code) {
                (Some(a), Some(code)) => format!(
                    "/counter/apply/{code}?applicant={}&ticket={}",
                    a.id, v.ticket.id
                ),
                (Some(a), None) => format!("/counter?applicant={}&ticket={}", a.id, v.ticket.id),
                _ => format!("/counter?ticket={}", v.ticket.id),
            };
            Some(Current {
                applicant: applicant.map(|a| a.display_name),
                item,
                intake,
                waited: minutes(v.ticket.waited()),
                view: v.clone(),
            })
        }
    };
    render(
        WindowPage {
            chrome: user.chrome(&app),
            mine: board.window.window.staff == Some(user.session.user.id),
            board,
            current,
        },
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct StepForm {
    csrf: Option<String>,
    /// 上岗, 叫号: the window; the other steps: the ticket.
    #[serde(default)]
    ticket: Option<i64>,
    /// 转窗口: the window to send it to.
    #[serde(default)]
    to: Option<i64>,
}

/// `POST /hall/window/{id}/{step}`: sit, call, recall, no_show, transfer.
pub async fn step(
    State(app): State<App>,
    user: PageUser,
    Path((id, step)): Path<(String, String)>,
    form: Result<Form<StepForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if let Some(refused) = clerk_only(&app, &user) {
        return refused;
    }
    let Ok(Form(f)) = form else {
        return super::incomplete(&app, &user);
    };
    if let Some(refused) = user.csrf_refusal(&app, f.csrf.as_deref()) {
        return refused;
    }
    let back = format!("/hall/window/{id}");
    let Ok(window) = id.parse::<i64>() else {
        return error_page(
            user.chrome(&app),
            onestamp_app::AppError::NotFound("窗口".into()),
            Some("/hall/window".into()),
        );
    };
    let s = &user.session;
    let ticket = || {
        f.ticket
            .ok_or_else(|| onestamp_app::AppError::invalid("请先叫号"))
    };
    let done = match step.as_str() {
        "sit" => app.sit_at_window(s, window).await.map(|_| ()),
        "call" => app.call_next(s, window).await.map(|_| ()),
        "recall" => match ticket() {
            Ok(t) => app.recall_ticket(s, t).await.map(|_| ()),
            Err(e) => Err(e),
        },
        "no_show" => match ticket() {
            Ok(t) => app.no_show(s, t).await.map(|_| ()),
            Err(e) => Err(e),
        },
        "transfer" => match (ticket(), f.to) {
            (Ok(t), Some(to)) => app.transfer_ticket(s, t, to).await.map(|_| ()),
            (Err(e), _) => Err(e),
            (_, None) => Err(onestamp_app::AppError::invalid("请选择要转去的窗口")),
        },
        _ => Err(onestamp_app::AppError::NotFound("该操作".into())),
    };
    match done {
        Ok(()) => Redirect::to(&back).into_response(),
        Err(e) => error_page(user.chrome(&app), e, Some(back)),
    }
}
