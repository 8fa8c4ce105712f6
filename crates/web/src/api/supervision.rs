//! Supervision: alerts, yellow and red tasks, the green channel.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::App;
use onestamp_app::cases::CaseView;
use onestamp_app::store::Alert;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Caller, TaskPage, path_id, task_page};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_alerts))
        .routes(routes!(late_tasks))
        .routes(routes!(set_priority))
        .routes(routes!(reassign))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertParams {
    /// Keyset pagination: alerts with an id below this.
    pub before: Option<i64>,
    /// Page size (1-200, default 50).
    pub limit: Option<u32>,
}

/// Overdue alerts (超时追责), newest first, each naming the person responsible.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "supervision", security(("bearer" = [])), params(AlertParams),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_alerts(
    State(app): State<App>,
    Caller(s): Caller,
    ApiQuery(p): ApiQuery<AlertParams>,
) -> Result<Json<Vec<Alert>>, ApiError> {
    Ok(Json(
        app.list_alerts(&s, p.before, p.limit.unwrap_or(50)).await?,
    ))
}

/// Open tasks that are yellow or red now, green channel first, then earliest
/// deadline. A full page carries `Link: <…?after=…>; rel="next"` (keyset paging).
#[utoipa::path(get, path = "/api/v1/supervision/tasks", tag = "supervision", security(("bearer" = [])), params(TaskPage),
    responses((status = 200, body = Vec<Object>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn late_tasks(
    State(app): State<App>,
    Caller(s): Caller,
    ApiQuery(page): ApiQuery<TaskPage>,
) -> Result<axum::response::Response, ApiError> {
    let list = app.late_tasks(&s, page.key()?, page.limit()).await?;
    Ok(task_page("/api/v1/supervision/tasks", &page, list))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityRequest {
    pub priority: bool,
    pub reason: String,
    pub version: i64,
}

/// Put a case on (or off) the green channel (绿色通道), with a reason.
#[utoipa::path(post, path = "/api/v1/cases/{id}/priority", tag = "supervision", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = PriorityRequest,
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_priority(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<PriorityRequest>,
) -> Result<Json<CaseView>, ApiError> {
    let id = path_id(&id, "办件")?;
    Ok(Json(
        app.set_priority(&s, id, req.priority, &req.reason, req.version)
            .await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassignRequest {
    /// The new holder; absent to draw one at random.
    #[serde(default)]
    pub assignee: Option<i64>,
    pub reason: String,
    pub version: i64,
}

/// Reassign a case's open task (supervisors, with a reason).
#[utoipa::path(post, path = "/api/v1/cases/{id}/reassign", tag = "supervision", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ReassignRequest,
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reassign(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ReassignRequest>,
) -> Result<Json<CaseView>, ApiError> {
    let id = path_id(&id, "办件")?;
    Ok(Json(
        app.reassign(&s, id, req.assignee, &req.reason, req.version)
            .await?,
    ))
}
