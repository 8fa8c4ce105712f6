//! Quality review (质量评查) samples and findings.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::App;
use onestamp_app::store::{QualitySample, SampleCriteria};

use crate::api::schema;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Caller, path_id};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(draw))
        .routes(routes!(get_sample))
        .routes(routes!(finding))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SampleRequest {
    /// How many finished cases to draw.
    #[schema(minimum = 1, maximum = 200)]
    pub size: u32,
    /// Only this item's cases.
    #[serde(default)]
    pub item: Option<String>,
    /// Only instant decisions (秒批).
    #[serde(default)]
    pub instant_only: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingRequest {
    pub case_id: i64,
    /// `compliant` or `defect`.
    pub verdict: String,
    #[serde(default)]
    pub notes: String,
}

/// Draw a random sample of finished cases for quality review (supervisors).
#[utoipa::path(post, path = "/api/v1/quality/samples", tag = "quality", security(("bearer" = [])), request_body = SampleRequest,
    responses(
        (status = 201, description = "The sample drawn", body = schema::QualitySample),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: supervisors only", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`: e.g. a size outside 1-200", body = ErrorBody)))]
async fn draw(
    State(app): State<App>,
    Caller(s): Caller,
    ApiJson(req): ApiJson<SampleRequest>,
) -> Result<(StatusCode, Json<QualitySample>), ApiError> {
    let criteria = SampleCriteria {
        item_code: req.item,
        instant_only: req.instant_only,
        size: req.size,
    };
    Ok((
        StatusCode::CREATED,
        Json(app.draw_quality_sample(&s, criteria).await?),
    ))
}

/// A sample with its cases and findings.
#[utoipa::path(get, path = "/api/v1/quality/samples/{id}", tag = "quality", security(("bearer" = [])), params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The sample", body = schema::QualitySample),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody)))]
async fn get_sample(
    State(app): State<App>,
    Caller(s): Caller,
    Path(raw): Path<String>,
) -> Result<Json<QualitySample>, ApiError> {
    Ok(Json(app.quality_sample(&s, path_id(&raw, "抽样")?).await?))
}

/// Record the finding on one case of a sample.
#[utoipa::path(post, path = "/api/v1/quality/samples/{id}/findings", tag = "quality", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = FindingRequest,
    responses(
        (status = 200, description = "The sample with the finding", body = schema::QualitySample),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: supervisors only", body = ErrorBody),
        (status = 404, description = "`not_found`: no such sample, or the case is not in it", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`: e.g. an unknown verdict", body = ErrorBody)))]
async fn finding(
    State(app): State<App>,
    Caller(s): Caller,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<FindingRequest>,
) -> Result<Json<QualitySample>, ApiError> {
    Ok(Json(
        app.record_quality_finding(
            &s,
            path_id(&raw, "抽样")?,
            req.case_id,
            &req.verdict,
            &req.notes,
        )
        .await?,
    ))
}
