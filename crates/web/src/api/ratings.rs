//! 好差评: the applicant's rating of an ended case, the supervisors' ratings
//! with statistics, rectifications (call back, outcome) and appeals.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::App;
use onestamp_app::ratings::{RatingList, RatingView, ShownRating};
use onestamp_app::store::{RatingQuery, Rectification, StoredAppeal};
use onestamp_domain::case::Channel;
use onestamp_domain::rating::{AppealStatus, RatingLevel, RectificationStatus};

use crate::api::schema;
use crate::error::{ApiError, Code, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Caller, MAX_PAGE, page_size, path_id};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(rate_case, case_rating))
        .routes(routes!(list_ratings))
        .routes(routes!(list_rectifications))
        .routes(routes!(record_callback))
        .routes(routes!(record_outcome))
        .routes(routes!(appeal_rating))
        .routes(routes!(list_appeals))
        .routes(routes!(decide_appeal))
}

fn bad_query(what: &str, v: &str) -> ApiError {
    ApiError::new(Code::BadQuery, format!("未知的{what} {v}"))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    /// `very_satisfied`, `satisfied`, `basically_satisfied`, `dissatisfied`,
    /// `very_dissatisfied`.
    pub level: String,
    /// Reason codes of the level (at least one for the two bad levels).
    #[serde(default)]
    pub reasons: Vec<String>,
    /// At most 500 characters.
    #[serde(default)]
    pub comment: String,
}

/// Rate an ended case (its applicant, once). A 不满意 or 非常不满意 opens a
/// rectification for the supervisors.
#[utoipa::path(post, path = "/api/v1/cases/{id}/rating", tag = "ratings", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = RatingRequest,
    responses(
        (status = 201, description = "The rating as the applicant sees it", body = schema::RatingView),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`not_own_case`: only the case's applicant rates it", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`case_not_ended`, `already_rated`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`: an unknown level, a reason of another level, no reason for a bad level, a comment too long", body = ErrorBody)))]
async fn rate_case(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RatingRequest>,
) -> Result<(StatusCode, Json<RatingView>), ApiError> {
    let id = path_id(&id, "办件")?;
    let view = app
        .rate_case(&s, id, &req.level, &req.reasons, &req.comment)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The rating of a case: for its applicant their rating and the rectification's
/// outcome without any person of staff; for staff who was rated and the appeal.
#[utoipa::path(get, path = "/api/v1/cases/{id}/rating", tag = "ratings", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The rating, or `rating: null` and whether the caller may rate", body = schema::RatingView),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody)))]
async fn case_rating(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Result<Json<RatingView>, ApiError> {
    let id = path_id(&id, "办件")?;
    Ok(Json(app.case_rating(&s, id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RatingParams {
    /// Only this item's ratings.
    pub item: Option<String>,
    /// Only this level.
    pub level: Option<String>,
    /// Only this channel (`counter`, `web`, `mobile`, `kiosk`).
    pub channel: Option<String>,
    /// Only ratings of this member of staff.
    #[param(minimum = 1)]
    pub staff: Option<i64>,
    /// Only ratings whose appeal is `pending`, `upheld` or `rejected`.
    pub appeal: Option<String>,
    /// Keyset pagination: ratings with an id below this.
    pub before: Option<i64>,
    /// Page size (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Ratings newest first with the statistics (好评率, 差评率, 未评价率) in total
/// and per item, department, staff and channel; supervisors and administrators.
/// The filters apply to the list, not to the statistics.
#[utoipa::path(get, path = "/api/v1/ratings", tag = "ratings", security(("bearer" = [])), params(RatingParams),
    responses(
        (status = 200, description = "Ratings and statistics", body = schema::RatingList),
        (status = 400, description = "`bad_query`: an unknown level, channel or appeal status, a staff id below 1, a limit outside 1-200", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`", body = ErrorBody)))]
async fn list_ratings(
    State(app): State<App>,
    Caller(s): Caller,
    ApiQuery(p): ApiQuery<RatingParams>,
) -> Result<Json<RatingList>, ApiError> {
    let level = match p.level.as_deref() {
        None => None,
        Some(v) => Some(RatingLevel::parse(v).ok_or_else(|| bad_query("评价等级", v))?),
    };
    let channel = match p.channel.as_deref() {
        None => None,
        Some(v) => Some(Channel::parse(v).ok_or_else(|| bad_query("渠道", v))?),
    };
    let appeal = match p.appeal.as_deref() {
        None => None,
        Some(v) => Some(AppealStatus::parse(v).ok_or_else(|| bad_query("申诉状态", v))?),
    };
    if let Some(staff) = p.staff.filter(|id| *id < 1) {
        return Err(bad_query("承办人", &staff.to_string()));
    }
    let query = RatingQuery {
        item_code: p.item.filter(|s| !s.trim().is_empty()),
        level,
        channel,
        staff_id: p.staff,
        appeal,
        before_id: p.before,
        limit: page_size(p.limit, 50, MAX_PAGE)?,
    };
    Ok(Json(app.list_ratings(&s, query).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RectificationParams {
    /// `awaiting_callback`, `rectifying` or `closed`: by rectify deadline.
    /// Without it, every rectification newest first.
    pub status: Option<String>,
    /// Keyset pagination: rectifications with an id below this.
    pub before: Option<i64>,
    /// Page size (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Rectifications (整改) with their two deadlines and lights; supervisors and
/// administrators.
#[utoipa::path(get, path = "/api/v1/rectifications", tag = "ratings", security(("bearer" = [])), params(RectificationParams),
    responses(
        (status = 200, description = "A page of rectifications", body = Vec<schema::Rectification>),
        (status = 400, description = "`bad_query`: an unknown status, a limit outside 1-200", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`", body = ErrorBody)))]
async fn list_rectifications(
    State(app): State<App>,
    Caller(s): Caller,
    ApiQuery(p): ApiQuery<RectificationParams>,
) -> Result<Json<Vec<Rectification>>, ApiError> {
    let status = match p.status.as_deref() {
        None => None,
        Some(v) => Some(RectificationStatus::parse(v).ok_or_else(|| bad_query("整改状态", v))?),
    };
    let limit = page_size(p.limit, 50, MAX_PAGE)?;
    Ok(Json(
        app.list_rectifications(&s, status, p.before, limit).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallbackRequest {
    /// What the applicant said when called back (at most 500 characters).
    pub note: String,
}

/// Record the call back (回访) of a rectification (supervisors).
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/callback", tag = "ratings", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CallbackRequest,
    responses(
        (status = 200, description = "The rectification after it", body = schema::Rectification),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: supervisors", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`rectification_step`: already called back", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`", body = ErrorBody)))]
async fn record_callback(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CallbackRequest>,
) -> Result<Json<Rectification>, ApiError> {
    let id = path_id(&id, "整改任务")?;
    Ok(Json(
        app.record_rectification_callback(&s, id, &req.note).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    /// `rectified` (已整改) or `explained` (已解释说明).
    pub kind: String,
    /// What was done, shown to the applicant (at most 500 characters).
    pub outcome: String,
}

/// Record the outcome of a rectification after its call back (supervisors).
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/outcome", tag = "ratings", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = OutcomeRequest,
    responses(
        (status = 200, description = "The rectification, closed", body = schema::Rectification),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: supervisors", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`rectification_step`: not called back yet, or closed", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`", body = ErrorBody)))]
async fn record_outcome(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<OutcomeRequest>,
) -> Result<Json<Rectification>, ApiError> {
    let id = path_id(&id, "整改任务")?;
    Ok(Json(
        app.record_rectification_outcome(&s, id, &req.kind, &req.outcome)
            .await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealRequest {
    /// `malicious` (恶意差评) or `mistaken` (误评).
    pub ground: String,
    /// Why (at most 500 characters).
    pub reason: String,
}

/// Appeal a bad rating as malicious or mistaken (bureau staff), once. The
/// rating is kept whatever the decision.
#[utoipa::path(post, path = "/api/v1/ratings/{id}/appeal", tag = "ratings", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = AppealRequest,
    responses(
        (status = 201, description = "The appeal, pending", body = schema::Appeal),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: bureau staff", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`appeal_not_allowed`: not a bad rating, or appealed already", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`", body = ErrorBody)))]
async fn appeal_rating(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AppealRequest>,
) -> Result<(StatusCode, Json<StoredAppeal>), ApiError> {
    let id = path_id(&id, "评价")?;
    let appeal = app.appeal_rating(&s, id, &req.ground, &req.reason).await?;
    Ok((StatusCode::CREATED, Json(appeal)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AppealParams {
    /// `pending` (oldest first), `upheld` or `rejected`; all newest first without it.
    pub status: Option<String>,
    /// Page size (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// An appeal with the rating it is about.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppealLine {
    #[schema(value_type = schema::Appeal)]
    pub appeal: StoredAppeal,
    #[schema(value_type = schema::ShownRating)]
    pub rating: ShownRating,
}

/// Appeals with their ratings (supervisors and administrators).
#[utoipa::path(get, path = "/api/v1/appeals", tag = "ratings", security(("bearer" = [])), params(AppealParams),
    responses(
        (status = 200, description = "Appeals", body = Vec<AppealLine>),
        (status = 400, description = "`bad_query`: an unknown status, a limit outside 1-200", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`", body = ErrorBody)))]
async fn list_appeals(
    State(app): State<App>,
    Caller(s): Caller,
    ApiQuery(p): ApiQuery<AppealParams>,
) -> Result<Json<Vec<AppealLine>>, ApiError> {
    let status = match p.status.as_deref() {
        None => None,
        Some(v) => Some(AppealStatus::parse(v).ok_or_else(|| bad_query("申诉状态", v))?),
    };
    let limit = page_size(p.limit, 50, MAX_PAGE)?;
    Ok(Json(
        app.list_appeals(&s, status, limit)
            .await?
            .into_iter()
            .map(|(appeal, rating)| AppealLine { appeal, rating })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// True: the appeal is upheld and the rating leaves the statistics (it is kept).
    pub upheld: bool,
    /// The decision's grounds (at most 500 characters).
    pub note: String,
}

/// Decide an appeal (a supervisor other than the one who filed it).
#[utoipa::path(post, path = "/api/v1/appeals/{id}/decision", tag = "ratings", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = DecisionRequest,
    responses(
        (status = 200, description = "The appeal, decided", body = schema::Appeal),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: supervisors; `separation_of_duties`: the one who filed it", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`appeal_not_allowed`: decided already", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`", body = ErrorBody)))]
async fn decide_appeal(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<DecisionRequest>,
) -> Result<Json<StoredAppeal>, ApiError> {
    let id = path_id(&id, "申诉")?;
    Ok(Json(
        app.decide_appeal(&s, id, req.upheld, &req.note).await?,
    ))
}
