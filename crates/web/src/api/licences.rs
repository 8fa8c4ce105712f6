//! Licences: the library, PDFs, revocation and replacement, public verification
//! and disclosure, reports from the public.

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
use onestamp_app::store::LicenceQuery;

use crate::api::schema;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Caller, ClientAddr, MAX_PAGE, page_size};

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
    /// Page size (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// The most licences one page of the public disclosure shows.
const PUBLIC_PAGE: u32 = 100;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicParams {
    /// Holder name contains, or the licence id.
    pub q: Option<String>,
    /// Licence type code.
    pub r#type: Option<String>,
    /// Keyset pagination: pass the previous page's `next_before`.
    pub before: Option<i64>,
    /// Page size (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// Licences the caller may see: an applicant's own, a regulator's domain (审管分离), all for staff.
#[utoipa::path(get, path = "/api/v1/licences", tag = "licences", security(("bearer" = [])), params(LicenceParams),
    responses(
        (status = 200, description = "A page of licences, newest first", body = Vec<schema::Licence>),
        (status = 400, description = "`bad_query`: e.g. a limit outside 1-200", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody)))]
async fn list_licences(
    State(app): State<App>,
    Caller(s): Caller,
    ApiQuery(p): ApiQuery<LicenceParams>,
) -> Result<Json<Vec<LicenceView>>, ApiError> {
    let query = LicenceQuery {
        search: p.q.filter(|q| !q.trim().is_empty()),
        type_code: p.r#type.filter(|t| !t.is_empty()),
        before_seq: p.before,
        limit: page_size(p.limit, 50, MAX_PAGE)?,
        ..Default::default()
    };
    Ok(Json(app.list_licences(&s, query).await?))
}

/// One licence with its signed content, standing and verification address.
#[utoipa::path(get, path = "/api/v1/licences/{id}", tag = "licences", security(("bearer" = [])), params(("id" = String, Path)),
    responses(
        (status = 200, description = "The licence", body = schema::Licence),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody)))]
async fn get_licence(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Result<Json<LicenceView>, ApiError> {
    Ok(Json(app.get_licence(&s, &id).await?))
}

/// The licence as a printable PDF (Chinese text, the bureau's seal, a QR code of its verification page).
#[utoipa::path(get, path = "/api/v1/licences/{id}/pdf", tag = "licences", security(("bearer" = [])), params(("id" = String, Path)),
    responses(
        (status = 200, description = "The PDF, as an attachment", content_type = "application/pdf", body = Vec<u8>),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody)))]
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
    responses(
        (status = 200, description = "The licence, revoked", body = schema::Licence),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: officers only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`: no reason, or already revoked or replaced", body = ErrorBody)))]
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
    responses(
        (status = 200, description = "The new licence", body = schema::Licence),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: officers only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`: no reason, an unknown data item, or already revoked or replaced", body = ErrorBody)))]
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
    responses(
        (status = 200, description = "The licence's standing; an unknown id is `not_genuine`", body = schema::Verification)))]
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
    responses(
        (status = 202, description = "The report is received", body = ReportReceipt),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`: empty or too long", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many reports from this address or on this licence", body = ErrorBody)))]
async fn report(
    State(app): State<App>,
    ClientAddr(source): ClientAddr,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ReportRequest>,
) -> Result<(StatusCode, Json<ReportReceipt>), ApiError> {
    app.report_licence(&id, &req.text, source).await?;
    Ok((StatusCode::ACCEPTED, Json(ReportReceipt { received: true })))
}

/// The answer to a report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportReceipt {
    /// Always true: the report reached the supervisors.
    pub received: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicList {
    #[schema(value_type = Vec<schema::PublicLicence>)]
    pub licences: Vec<PublicLicence>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_before: Option<i64>,
}

/// Public disclosure of issued licences (证照公示): no identity numbers, persons' names masked.
#[utoipa::path(get, path = "/api/v1/public/licences", tag = "public", params(PublicParams),
    responses(
        (status = 200, description = "A page of issued licences", body = PublicList),
        (status = 400, description = "`bad_query`: e.g. a limit outside 1-100", body = ErrorBody)))]
async fn public_list(
    State(app): State<App>,
    ApiQuery(p): ApiQuery<PublicParams>,
) -> Result<Json<PublicList>, ApiError> {
    let limit = page_size(p.limit, 50, PUBLIC_PAGE)?;
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
