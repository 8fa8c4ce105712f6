//! `/settings/messages` (消息设置): any signed-in user's contacts and, for each
//! event their roles receive, whether it reaches their inbox and their email.
//! One form posted back to the same address, through
//! `App::save_notification_settings`.

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use onestamp_app::App;
use onestamp_app::prefs::{EventSwitch, NotificationSettings, SettingsChange};

use super::session::PageUser;
use super::{Chrome, Template, error_page, render};
use crate::error::ApiError;

#[derive(Template)]
#[template(path = "settings_messages.html")]
struct SettingsPage {
    chrome: Chrome,
    csrf: String,
    settings: NotificationSettings,
    saved: bool,
    error: Option<String>,
    /// The field the error is about (`email`, `mobile`, `events`), or empty.
    error_field: String,
}

fn page(
    app: &App,
    user: &PageUser,
    settings: NotificationSettings,
    saved: bool,
    error: Option<ApiError>,
) -> Response {
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.code.status());
    let error_field = error
        .as_ref()
        .and_then(|e| e.problems.first())
        .map(|p| p.field.clone())
        .unwrap_or_default();
    render(
        SettingsPage {
            chrome: user.chrome(app),
            csrf: user.csrf(),
            settings,
            saved,
            error: error.map(|e| e.message),
            error_field,
        },
        status,
    )
}

/// `GET /settings/messages`; `?saved=1` after a save.
pub async fn form(
    State(app): State<App>,
    user: PageUser,
    query: axum::extract::RawQuery,
) -> Response {
    let saved = query.0.as_deref() == Some("saved=1");
    match app.notification_settings(&user.session).await {
        Ok(settings) => page(&app, &user, settings, saved, None),
        Err(e) => error_page(user.chrome(&app), e, Some("/".into())),
    }
}

/// `POST /settings/messages`: `email`, `mobile`, and `inbox.<event>` /
/// `email.<event>` checkboxes for every event the page listed (`event` fields
/// name them); an unticked box switches its pair off.
pub async fn save(
    State(app): State<App>,
    user: PageUser,
    form: Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(pairs)) = form else {
        return super::incomplete(&app, &user);
    };
    let one = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if let Some(refused) = user.csrf_refusal(&app, one("csrf")) {
        return refused;
    }
    let ticked = |name: String| pairs.iter().any(|(k, v)| *k == name && v == "on");
    let events = pairs
        .iter()
        .filter(|(k, _)| k == "event")
        .map(|(_, event)| EventSwitch {
            event: event.clone(),
            inbox: ticked(format!("inbox.{event}")),
            email: ticked(format!("email.{event}")),
        })
        .collect::<Vec<_>>();
    let change = SettingsChange {
        email: one("email").map(str::to_string),
        mobile: one("mobile").map(str::to_string),
        events: events.clone(),
    };
    match app.save_notification_settings(&user.session, change).await {
        Ok(_) => Redirect::to("/settings/messages?saved=1").into_response(),
        Err(e) if !e.is_fault() => {
            // The form again with what was typed and ticked, and the problem.
            let Ok(mut settings) = app.notification_settings(&user.session).await else {
                return error_page(user.chrome(&app), e, Some("/settings/messages".into()));
            };
            settings.email = one("email").unwrap_or_default().to_string();
            settings.mobile = one("mobile").unwrap_or_default().to_string();
            for s in &mut settings.events {
                if let Some(sw) = events.iter().find(|sw| sw.event == s.event) {
                    s.inbox = sw.inbox;
                    s.email = sw.email;
                }
            }
            page(&app, &user, settings, false, Some(ApiError::from(e)))
        }
        Err(e) => error_page(user.chrome(&app), e, Some("/settings/messages".into())),
    }
}
