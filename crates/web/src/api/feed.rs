//! 审管分离: the supervision feed to regulators (records and claims) and the
//! supervision results they send back about licences.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::App;
use onestamp_app::feed::{FEED_PAGE_MAX, FeedEntry, FeedPage, ResultView};

use crate::api::schema;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Caller, page_size, path_id};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(feed))
        .routes(routes!(claim))
        .routes(routes!(send_result, results))
        .routes(routes!(handled))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// The cursor: records after this id (the `next` of the previous page).
    pub after: Option<i64>,
    /// Page size (default 100).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// The supervision feed (审批信息推送), oldest first after the cursor: every
/// approval, denial, revocation and replacement of an item with a supervising
/// department, each with its claim deadline and light. Regulators read their
/// departments' records; supervisors and administrators every record.
#[utoipa::path(get, path = "/api/v1/supervision/feed", tag = "supervision", security(("bearer" = [])),
    params(FeedParams),
    responses(
        (status = 200, description = "A page of the feed", body = schema::FeedPage),
        (status = 400, description = "`bad_query`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: regulators, supervisors and administrators only", body = ErrorBody)))]
async fn feed(
    State(app): State<App>,
    Caller(s): Caller,
    ApiQuery(p): ApiQuery<FeedParams>,
) -> Result<Json<FeedPage>, ApiError> {
    let limit = page_size(p.limit, 100, FEED_PAGE_MAX)?;
    Ok(Json(app.supervision_feed(&s, p.after, limit).await?))
}

/// Claim a record (认领) for my department, once.
#[utoipa::path(post, path = "/api/v1/supervision/feed/{id}/claim", tag = "supervision", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The record")),
    responses(
        (status = 200, description = "The record, claimed", body = schema::FeedEntry),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: regulators only", body = ErrorBody),
        (status = 404, description = "`not_found`: no such record, or another department's", body = ErrorBody),
        (status = 409, description = "`supervision_step`: claimed already", body = ErrorBody)))]
async fn claim(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Result<Json<FeedEntry>, ApiError> {
    let id = path_id(&id, "审批信息推送记录")?;
    Ok(Json(app.claim_feed_record(&s, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultRequest {
    /// `inspection_passed`, `rectification_ordered`, `penalty` or
    /// `revocation_requested`.
    pub kind: String,
    /// What was found and done: 1 to 1000 characters.
    pub note: String,
}

/// Send back a supervision result (监管结果) about a licence of my department;
/// the bureau's officers and supervisors are told.
#[utoipa::path(post, path = "/api/v1/licences/{id}/supervision-results", tag = "supervision", security(("bearer" = [])),
    params(("id" = String, Path, description = "The licence")), request_body = ResultRequest,
    responses(
        (status = 201, description = "The result", body = schema::SupervisionResult),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: regulators of the licence's department only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`: an unknown kind, no note or a note over 1000 characters", body = ErrorBody)))]
async fn send_result(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ResultRequest>,
) -> Result<(StatusCode, Json<ResultView>), ApiError> {
    let view = app
        .send_supervision_result(&s, &id, &req.kind, &req.note)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The supervision results about a licence, oldest first (staff and the
/// regulators of its department).
#[utoipa::path(get, path = "/api/v1/licences/{id}/supervision-results", tag = "supervision", security(("bearer" = [])),
    params(("id" = String, Path, description = "The licence")),
    responses(
        (status = 200, description = "The results", body = Vec<schema::SupervisionResult>),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody)))]
async fn results(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<ResultView>>, ApiError> {
    Ok(Json(app.supervision_results(&s, &id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandledRequest {
    /// What the bureau did (e.g. revoked the licence): 1 to 1000 characters.
    pub note: String,
}

/// Mark a supervision result handled (已处理; officers), once.
#[utoipa::path(post, path = "/api/v1/supervision-results/{id}/handled", tag = "supervision", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The result")), request_body = HandledRequest,
    responses(
        (status = 200, description = "The result, handled", body = schema::SupervisionResult),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: officers only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`supervision_step`: handled already", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`: no note or a note over 1000 characters", body = ErrorBody)))]
async fn handled(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<HandledRequest>,
) -> Result<Json<ResultView>, ApiError> {
    let id = path_id(&id, "监管结果")?;
    Ok(Json(
        app.handle_supervision_result(&s, id, &req.note).await?,
    ))
}
