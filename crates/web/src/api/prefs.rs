//! 消息设置: my contacts and which events reach my inbox and my email.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::App;
use onestamp_app::prefs::{EventSwitch, NotificationSettings, SettingsChange};

use crate::api::schema;
use crate::error::{ApiError, Code, ErrorBody};
use crate::extract::{ApiJson, Caller};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(settings, save_settings))
}

/// One event's switches.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventSwitchRequest {
    /// An event of `GET /api/v1/me/notification-settings` (`case.accepted`…).
    pub event: String,
    /// Whether it reaches my in-app inbox.
    pub inbox: bool,
    /// Whether it reaches my email.
    pub email: bool,
    /// Ignored: the label is the server's (so that the answer of `GET` can be
    /// sent back as it is).
    #[serde(default, rename = "label")]
    pub _label: Option<String>,
}

/// My notification settings to save: a contact left out stays as it is (an
/// empty one clears it); an event left out keeps its switches.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationSettingsRequest {
    /// My email address (`name@example.com`), or empty for none.
    pub email: Option<String>,
    /// My mainland mobile number, or empty for none.
    pub mobile: Option<String>,
    #[serde(default)]
    pub events: Vec<EventSwitchRequest>,
}

/// My notification settings (消息设置): my contacts and, for every event my
/// roles may receive, whether it reaches my inbox and my email. Every event
/// reaches both unless I switched it off; email goes only to an address given
/// here.
#[utoipa::path(get, path = "/api/v1/me/notification-settings", tag = "messages", security(("bearer" = [])),
    responses(
        (status = 200, description = "My settings", body = schema::NotificationSettings),
        (status = 401, description = "`unauthenticated`", body = ErrorBody)))]
async fn settings(
    State(app): State<App>,
    Caller(s): Caller,
) -> Result<Json<NotificationSettings>, ApiError> {
    Ok(Json(app.notification_settings(&s).await?))
}

/// Changes my notification settings: my email and mobile (each optional) and
/// the switches of the events named. An event my roles do not receive, or
/// not known, is refused naming it.
#[utoipa::path(put, path = "/api/v1/me/notification-settings", tag = "messages", security(("bearer" = [])),
    request_body = NotificationSettingsRequest,
    responses(
        (status = 200, description = "My settings as saved", body = schema::NotificationSettings),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`: an invalid email or mobile, an unknown event (named), an event twice", body = ErrorBody)))]
async fn save_settings(
    State(app): State<App>,
    Caller(s): Caller,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<NotificationSettings>, ApiError> {
    // `ApiJson` takes only an object; its fields are read here to say in
    // words what is wrong.
    let req: NotificationSettingsRequest = serde_json::from_value(body).map_err(|_| {
        ApiError::new(
            Code::InvalidBody,
            "请求体格式不对：email、mobile 须为文本，events 须为数组，每项含 event、inbox、email，不得有其他字段",
        )
    })?;
    let change = SettingsChange {
        email: req.email,
        mobile: req.mobile,
        events: req
            .events
            .into_iter()
            .map(|e| EventSwitch {
                event: e.event,
                inbox: e.inbox,
                email: e.email,
            })
            .collect(),
    };
    Ok(Json(app.save_notification_settings(&s, change).await?))
}
