//! Licences: the library, PDFs, revocation and replacement, public verification
//! and disclosure, reports from the public; notifications.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::App;
use onestamp_app::licences::{LicenceView, PublicLicence, Verification};
use onestamp_app::store::{LicenceQuery, Notification};

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Caller, ClientAddr};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_licences))
        .routes(routes!(get_licence))
        .routes(routes!(licence_pdf))
        .routes(routes!(revoke))
        .routes(routes!(replace))
        .routes(routes!(verify))
        .routes(routes!(report))
        .routes(routes!(public_list))
        .routes(routes!(notifications))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LicenceParams {
    /// Holder name contains, or the licence id.
    pub q: Option<String>,
    /// Licence type code.
    pub r#type: Option<String>,
    /// Keyset pagination: licences listed after this `seq`.
    pub before: Option<i64>,
    /// Page size (1-200, default 50).
    pub limit: Option<u32>,
}

/// Licences the caller may see: an applicant's own, a regulator's domain (审管分离), all for staff.
#[utoipa::path(get, path = "/api/v1/licences", tag = "licences", security(("bearer" = [])), params(LicenceParams),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_licences(
    State(app): State<App>,
    Caller(s): Caller,
    ApiQuery(p): ApiQuery<LicenceParams>,
) -> Result<Json<Vec<LicenceView>>, ApiError> {
    let query = LicenceQuery {
        search: p.q.filter(|q| !q.trim().is_empty()),
        type_code: p.r#type.filter(|t| !t.is_empty()),
        before_seq: p.before,
        limit: p.limit.unwrap_or(50),
        ..Default::default()
    };
    Ok(Json(app.list_licences(&s, query).await?))
}

/// One licence with its signed content, standing and verification address.
#[utoipa::path(get, path = "/api/v1/licences/{id}", tag = "licences", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_licence(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Result<Json<LicenceView>, ApiError> {
    Ok(Json(app.get_licence(&s, &id).await?))
}

/// The licence as a printable PDF (Chinese text, the bureau's seal, a QR code of its verification page).
#[utoipa::path(get, path = "/api/v1/licences/{id}/pdf", tag = "licences", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn licence_pdf(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let pdf = app.licence_pdf(&s, &id).await?;
    let name = format!(
        "attachment; filename=\"licence-{}.pdf\"",
        id.replace(|c: char| !c.is_ascii_alphanumeric() && c != '.', "_")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        pdf,
    )
        .into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    pub reason: String,
}

/// Revoke a licence (officers), with a reason.
#[utoipa::path(post, path = "/api/v1/licences/{id}/revoke", tag = "licences", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = RevokeRequest,
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn revoke(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RevokeRequest>,
) -> Result<Json<LicenceView>, ApiError> {
    Ok(Json(app.revoke_licence(&s, &id, &req.reason).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceRequest {
    pub reason: String,
    /// Changed data items, by the label printed on the licence (变更); none for a re-issue (补证).
    #[serde(default)]
    pub changes: BTreeMap<String, String>,
}

/// Replace a licence by its next version (变更/补证; officers). Returns the new licence.
#[utoipa::path(post, path = "/api/v1/licences/{id}/replace", tag = "licences", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = ReplaceRequest,
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn replace(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ReplaceRequest>,
) -> Result<Json<LicenceView>, ApiError> {
    Ok(Json(
        app.replace_licence(&s, &id, &req.reason, req.changes)
            .await?,
    ))
}

/// Public verification (no login): valid, expired, revoked or not genuine — from the SM2 signature.
#[utoipa::path(get, path = "/api/v1/verify/{id}", tag = "public", params(("id" = String, Path)),
    responses((status = 200, body = Object)))]
async fn verify(
    State(app): State<App>,
    Path(id): Path<String>,
) -> Result<Json<Verification>, ApiError> {
    Ok(Json(app.verify_licence(&id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// What is wrong (扫码举报), up to 1000 characters.
    pub text: String,
}

/// Report a problem with a licence (public, no login); it reaches the supervisors.
#[utoipa::path(post, path = "/api/v1/verify/{id}/reports", tag = "public", params(("id" = String, Path)), request_body = ReportRequest,
    responses((status = 202, body = Object), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn report(
    State(app): State<App>,
    ClientAddr(source): ClientAddr,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ReportRequest>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    app.report_licence(&id, &req.text, source).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({"received": true})),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicList {
    #[schema(value_type = Vec<Object>)]
    pub licences: Vec<PublicLicence>,
    /// Pass as `before` for the next page.
    pub next_before: Option<i64>,
}

/// Public disclosure of issued licences (证照公示): no identity numbers, persons' names masked.
#[utoipa::path(get, path = "/api/v1/public/licences", tag = "public", params(LicenceParams),
    responses((status = 200, body = PublicList), (status = 400, body = ErrorBody)))]
async fn public_list(
    State(app): State<App>,
    ApiQuery(p): ApiQuery<LicenceParams>,
) -> Result<Json<PublicList>, ApiError> {
    let limit = p.limit.unwrap_or(50).clamp(1, 100);
    let rows = app
        .public_licences(p.q, p.r#type.filter(|t| !t.is_empty()), p.before, limit)
        .await?;
    let next_before = (rows.len() as u32 >= limit)
        .then(|| rows.last().map(|(seq, _)| *seq))
        .flatten();
    Ok(Json(PublicList {
        licences: rows.into_iter().map(|(_, l)| l).collect(),
        next_before,
    }))
}

/// My in-app inbox (e.g. 临期提醒).
#[utoipa::path(get, path = "/api/v1/notifications", tag = "licences", security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody)))]
async fn notifications(
    State(app): State<App>,
    Caller(s): Caller,
) -> Result<Json<Vec<Notification>>, ApiError> {
    Ok(Json(app.my_notifications(&s).await?))
}
