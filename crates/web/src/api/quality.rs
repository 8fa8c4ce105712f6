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
    /// How many finished cases to draw (1-200).
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
    responses((status = 201, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
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
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
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
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
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
