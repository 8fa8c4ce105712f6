//! Bundles (主题式服务, 联审联办): one application for a theme.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::App;
use onestamp_app::bundles::{BundleApplication, BundleSummary, BundleView, MAX_BUNDLES};
use onestamp_app::materials::MaterialChoice;
use onestamp_domain::case::Channel;

use crate::api::schema;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Caller, page_size, path_id};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_bundles, submit_bundle))
        .routes(routes!(get_bundle))
        .routes(routes!(resubmit_bundle))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleRequest {
    /// The theme's code (`GET /api/v1/themes`).
    pub theme: String,
    /// counter, web, mobile or kiosk (default web; counter when a clerk names
    /// the applicant).
    #[serde(default)]
    #[schema(value_type = Option<schema::Channel>)]
    pub channel: Option<Channel>,
    /// The theme's one shared form, by field key (`plan.fields` of
    /// `GET /api/v1/themes/{code}`): each key once, for every item it feeds.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, serde_json::Value>)]
    pub form: serde_json::Map<String, serde_json::Value>,
    /// The theme's one set of materials, by shared key (`S01`, …), each given
    /// as for a case: `{"file": "<hash>"}`, `{"files": [...]}` or
    /// `{"licence": "<id>"}`. A material a prerequisite's licence stands in for
    /// (`plan.inherited`) is not asked: it is cited when that item starts.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, schema::MaterialChoice>)]
    pub materials: BTreeMap<String, MaterialChoice>,
    /// Clerks at the window (一窗受理): the applicant's user id.
    #[serde(default)]
    pub applicant: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleResubmission {
    /// The new values of the fields the corrections named, by field key.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, serde_json::Value>)]
    pub form: serde_json::Map<String, serde_json::Value>,
    /// The materials the corrections named, given anew, by shared key.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, schema::MaterialChoice>)]
    pub materials: BTreeMap<String, MaterialChoice>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BundleParams {
    /// Keyset pagination: bundles with an id below this.
    pub before: Option<i64>,
    /// Page size (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BundleList {
    #[schema(value_type = Vec<schema::themes::BundleSummary>)]
    pub bundles: Vec<BundleSummary>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_before: Option<i64>,
}

/// Apply for a theme (一件事一次办): one bundle, and one case for each item
/// that waits for nothing, each with its own department, staff, clocks and
/// audit, in one transaction. Items that wait for another start, with their
/// clocks, when it is issued.
#[utoipa::path(post, path = "/api/v1/bundles", tag = "bundles", security(("bearer" = [])), request_body = BundleRequest,
    responses(
        (status = 201, description = "The new bundle", body = schema::themes::Bundle),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: applicants, or clerks naming `applicant`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such theme, item, licence, file or applicant", body = ErrorBody),
        (status = 409, description = "`no_assignee`, `duplicate`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input` (a field or material the theme has not; an item's form or materials refused, the item named), `invalid_form`", body = ErrorBody)))]
async fn submit_bundle(
    State(app): State<App>,
    Caller(s): Caller,
    ApiJson(req): ApiJson<BundleRequest>,
) -> Result<(StatusCode, Json<BundleView>), ApiError> {
    let view = app
        .submit_bundle(
            &s,
            BundleApplication {
                theme: req.theme,
                channel: req.channel.unwrap_or(match req.applicant {
                    Some(_) => Channel::Counter,
                    None => Channel::Web,
                }),
                form: req.form,
                materials: req.materials,
                applicant: req.applicant,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// My bundles, newest first.
#[utoipa::path(get, path = "/api/v1/bundles", tag = "bundles", security(("bearer" = [])), params(BundleParams),
    responses(
        (status = 200, description = "A page of my bundles", body = BundleList),
        (status = 400, description = "`bad_query`: a limit outside 1-100", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: applicants only", body = ErrorBody)))]
async fn list_bundles(
    State(app): State<App>,
    Caller(s): Caller,
    ApiQuery(p): ApiQuery<BundleParams>,
) -> Result<Json<BundleList>, ApiError> {
    let limit = page_size(p.limit, 20, MAX_BUNDLES)?;
    let bundles = app.my_bundles(&s, p.before, limit).await?;
    let next_before = (bundles.len() as u32 >= limit)
        .then(|| bundles.last().map(|b| b.id))
        .flatten();
    Ok(Json(BundleList {
        bundles,
        next_before,
    }))
}

/// One bundle: its one status and light, each child with its case, every
/// correction asked, and one timeline of every child's steps.
#[utoipa::path(get, path = "/api/v1/bundles/{id}", tag = "bundles", security(("bearer" = [])), params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The bundle", body = schema::themes::Bundle),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such bundle, or not yours", body = ErrorBody)))]
async fn get_bundle(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Result<Json<BundleView>, ApiError> {
    Ok(Json(app.get_bundle(&s, path_id(&id, "主题申请")?).await?))
}

/// Answer the bundle's corrections at once: the fields and materials go to
/// every child that asked, each child getting only what it named.
#[utoipa::path(post, path = "/api/v1/bundles/{id}/resubmit", tag = "bundles", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = BundleResubmission,
    responses(
        (status = 200, description = "The bundle after the resubmission", body = schema::themes::Bundle),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: the bundle's applicant", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`version_conflict`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input` (nothing to correct; a field or material not asked for), `invalid_form`, `invalid_transition`", body = ErrorBody)))]
async fn resubmit_bundle(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<BundleResubmission>,
) -> Result<Json<BundleView>, ApiError> {
    Ok(Json(
        app.resubmit_bundle(&s, path_id(&id, "主题申请")?, req.form, req.materials)
            .await?,
    ))
}
