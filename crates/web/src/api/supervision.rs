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

use crate::api::schema;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{
    ApiJson, ApiQuery, Caller, MAX_PAGE, TaskPage, page_size, path_id, task_page,
};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_alerts))
        .routes(routes!(late_tasks))
        .routes(routes!(set_priority))
        .routes(routes!(allow_correction))
        .routes(routes!(reassign))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertParams {
    /// Keyset pagination: alerts with an id below this.
    pub before: Option<i64>,
    /// Page size (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Overdue alerts (超时追责), newest first, each naming the person responsible.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "supervision", security(("bearer" = [])), params(AlertParams),
    responses(
        (status = 200, description = "A page of alerts", body = Vec<schema::Alert>),
        (status = 400, description = "`bad_query`: e.g. a limit outside 1-200", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: supervisors", body = ErrorBody)))]
async fn list_alerts(
    State(app): State<App>,
    Caller(s): Caller,
    ApiQuery(p): ApiQuery<AlertParams>,
) -> Result<Json<Vec<Alert>>, ApiError> {
    Ok(Json(
        app.list_alerts(&s, p.before, page_size(p.limit, 50, MAX_PAGE)?)
            .await?,
    ))
}

/// Open tasks that are yellow or red now, green channel first, then earliest
/// deadline. A full page carries `Link: <…?after=…>; rel="next"` (keyset paging).
#[utoipa::path(get, path = "/api/v1/supervision/tasks", tag = "supervision", security(("bearer" = [])), params(TaskPage),
    responses(
        (status = 200, description = "A page of late tasks", body = Vec<schema::CaseSummary>,
            headers(("Link" = String, description = "`<…?after=…&limit=…>; rel=\"next\"` when the page is full"))),
        (status = 400, description = "`bad_query`: a bad cursor, a limit outside 1-200", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: supervisors", body = ErrorBody)))]
async fn late_tasks(
    State(app): State<App>,
    Caller(s): Caller,
    ApiQuery(page): ApiQuery<TaskPage>,
) -> Result<axum::response::Response, ApiError> {
    let limit = page.limit()?;
    let list = app.late_tasks(&s, page.key()?, limit).await?;
    Ok(task_page("/api/v1/supervision/tasks", limit, list))
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
    responses(
        (status = 200, description = "The case after the change", body = schema::Case),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: supervisors only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`version_conflict`, `transition_not_allowed`, `no_assignee`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`, `assignee_unfit`", body = ErrorBody)))]
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
pub struct AllowCorrectionRequest {
    /// Why the stage may ask a second time (recorded).
    pub reason: String,
    pub version: i64,
}

/// Allow the stage the case is at one more correction request. The law asks
/// for one complete notice (一次性告知); a second needs a supervisor's reason.
#[utoipa::path(post, path = "/api/v1/cases/{id}/correction-allowance", tag = "supervision", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = AllowCorrectionRequest,
    responses(
        (status = 200, description = "The case after the change", body = schema::Case),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: supervisors only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`version_conflict`, `transition_not_allowed`, `case_closed`, `no_correction_to_repeat`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `reason_required`, `opinion_too_long`", body = ErrorBody)))]
async fn allow_correction(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AllowCorrectionRequest>,
) -> Result<Json<CaseView>, ApiError> {
    let id = path_id(&id, "办件")?;
    Ok(Json(
        app.allow_correction(&s, id, &req.reason, req.version)
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
    responses(
        (status = 200, description = "The case after the change", body = schema::Case),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: supervisors only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`version_conflict`, `transition_not_allowed`, `no_assignee`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`, `assignee_unfit`", body = ErrorBody)))]
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
