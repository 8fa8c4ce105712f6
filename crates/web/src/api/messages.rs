//! The in-app inbox (站内消息): my messages, the unread count, marking read.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::App;
use onestamp_app::store::Notification;

use crate::api::schema;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiQuery, Caller, MAX_PAGE, page_size, path_id};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(notifications))
        .routes(routes!(unread))
        .routes(routes!(read_one))
        .routes(routes!(read_all))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxParams {
    /// Only unread messages.
    pub unread: Option<bool>,
    /// Keyset pagination: messages with an id below this.
    pub before: Option<i64>,
    /// Page size (default 100).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// My in-app inbox, newest first: a message for every stage of my cases (受理,
/// 补正, 审查, 核准, 制证, 出证…), for staff every task given to them and every
/// alert, and reminders of expiring licences. Messages arrive within a second
/// or two of the change that caused them (they go through the outbox).
#[utoipa::path(get, path = "/api/v1/notifications", tag = "messages", security(("bearer" = [])),
    params(InboxParams),
    responses(
        (status = 200, description = "My messages, newest first", body = Vec<schema::Notification>),
        (status = 400, description = "`bad_query`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody)))]
async fn notifications(
    State(app): State<App>,
    Caller(s): Caller,
    ApiQuery(p): ApiQuery<InboxParams>,
) -> Result<Json<Vec<Notification>>, ApiError> {
    let limit = page_size(p.limit, 100, MAX_PAGE)?;
    let inbox = app
        .inbox(&s, p.before, limit, p.unread.unwrap_or(false))
        .await?;
    Ok(Json(inbox.items))
}

/// How many of my messages are unread.
#[derive(Debug, Serialize, ToSchema)]
pub struct Unread {
    pub unread: i64,
}

/// How many of my messages are unread (the badge beside 消息).
#[utoipa::path(get, path = "/api/v1/notifications/unread", tag = "messages", security(("bearer" = [])),
    responses(
        (status = 200, description = "The unread count", body = Unread),
        (status = 401, description = "`unauthenticated`", body = ErrorBody)))]
async fn unread(State(app): State<App>, Caller(s): Caller) -> Result<Json<Unread>, ApiError> {
    Ok(Json(Unread {
        unread: app.unread_messages(&s).await?,
    }))
}

/// How many messages a call marked read, and how many are still unread.
#[derive(Debug, Serialize, ToSchema)]
pub struct Marked {
    pub marked: u64,
    pub unread: i64,
}

/// Marks one of my messages read. A message already read, or not mine, is
/// left as it is (`marked: 0`).
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "messages", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The message")),
    responses(
        (status = 200, description = "Marked", body = Marked),
        (status = 404, description = "`not_found`: not a message id", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody)))]
async fn read_one(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Result<Json<Marked>, ApiError> {
    let id = path_id(&id, "消息")?;
    let marked = app.mark_read(&s, Some(id)).await?;
    Ok(Json(Marked {
        marked,
        unread: app.unread_messages(&s).await?,
    }))
}

/// Marks all my messages read.
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "messages", security(("bearer" = [])),
    responses(
        (status = 200, description = "Marked", body = Marked),
        (status = 401, description = "`unauthenticated`", body = ErrorBody)))]
async fn read_all(State(app): State<App>, Caller(s): Caller) -> Result<Json<Marked>, ApiError> {
    let marked = app.mark_read(&s, None).await?;
    Ok(Json(Marked {
        marked,
        unread: app.unread_messages(&s).await?,
    }))
}
