//! Items, themes and the catalogue as a whole.

use axum::Json;
use axum::extract::{Path, State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::App;
use onestamp_app::store::{ImportSummary, StoredItem};
use onestamp_domain::catalogue::{Catalogue, Theme};

use crate::api::schema;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Caller};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_items))
        .routes(routes!(get_item))
        .routes(routes!(list_themes))
        .routes(routes!(get_theme))
        .routes(routes!(export_catalogue, import_catalogue))
        .routes(routes!(get_instant, set_instant))
}

/// Every item's current version: the public service guide (办事指南).
#[utoipa::path(get, path = "/api/v1/items", tag = "catalogue",
    responses((status = 200, description = "Every item", body = Vec<schema::StoredItem>)))]
async fn list_items(State(app): State<App>) -> Result<Json<Vec<StoredItem>>, ApiError> {
    Ok(Json(app.list_items().await?))
}

/// One item with its stage plan, limits, materials and form fields.
#[utoipa::path(get, path = "/api/v1/items/{code}", tag = "catalogue", params(("code" = String, Path)),
    responses(
        (status = 200, description = "The item", body = schema::StoredItem),
        (status = 404, description = "`not_found`", body = ErrorBody)))]
async fn get_item(
    State(app): State<App>,
    Path(code): Path<String>,
) -> Result<Json<StoredItem>, ApiError> {
    Ok(Json(app.get_item(&code).await?))
}

/// Themes (主题式服务): bundles of items applied for together.
#[utoipa::path(get, path = "/api/v1/themes", tag = "catalogue",
    responses((status = 200, description = "Every theme", body = Vec<schema::Theme>)))]
async fn list_themes(State(app): State<App>) -> Result<Json<Vec<Theme>>, ApiError> {
    Ok(Json(app.list_themes().await?))
}

/// One theme (一件事一次办) and what applying for it asks: one shared form (each
/// field once, with the items it feeds), one set of materials (a material
/// several items need once; what a prerequisite's licence stands in for not at
/// all), the waves its items run in (`waits_for`), and the comparison with
/// applying item by item.
#[utoipa::path(get, path = "/api/v1/themes/{code}", tag = "catalogue", params(("code" = String, Path)),
    responses(
        (status = 200, description = "The theme and its plan", body = schema::themes::ThemeView),
        (status = 404, description = "`not_found`", body = ErrorBody)))]
async fn get_theme(
    State(app): State<App>,
    Path(code): Path<String>,
) -> Result<Json<onestamp_app::themes::ThemeView>, ApiError> {
    Ok(Json(app.theme_view(&code).await?))
}

/// The whole catalogue, in the import format.
#[utoipa::path(get, path = "/api/v1/catalogue", tag = "catalogue",
    responses((status = 200, description = "The catalogue", body = schema::Catalogue)))]
async fn export_catalogue(State(app): State<App>) -> Result<Json<Catalogue>, ApiError> {
    Ok(Json(app.export_catalogue().await?))
}

/// Imports a catalogue (admin); a catalogue with any problem is refused whole.
#[utoipa::path(post, path = "/api/v1/catalogue", tag = "catalogue", security(("bearer" = [])),
    request_body = schema::Catalogue,
    responses(
        (status = 200, description = "What the import changed", body = schema::ImportSummary),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: admin only", body = ErrorBody),
        (status = 409, description = "`duplicate`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_catalogue` with a problem per entry", body = ErrorBody)))]
async fn import_catalogue(
    State(app): State<App>,
    Caller(s): Caller,
    ApiJson(catalogue): ApiJson<Catalogue>,
) -> Result<Json<ImportSummary>, ApiError> {
    Ok(Json(app.import_catalogue(Some(&s), &catalogue).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstantSwitch {
    pub enabled: bool,
    pub reason: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct InstantState {
    pub item: String,
    /// Whether a passing application is decided instantly now.
    pub instant: bool,
}

/// Whether instant decisions (秒批) are on for an item.
#[utoipa::path(get, path = "/api/v1/items/{code}/instant", tag = "catalogue", params(("code" = String, Path)),
    responses(
        (status = 200, description = "Whether instant decisions are on", body = InstantState),
        (status = 404, description = "`not_found`", body = ErrorBody)))]
async fn get_instant(
    State(app): State<App>,
    Path(code): Path<String>,
) -> Result<Json<InstantState>, ApiError> {
    let instant = app.instant_enabled(&code).await?;
    Ok(Json(InstantState {
        item: code,
        instant,
    }))
}

/// The safety valve: switch an item's instant decisions on or off at once (admin).
#[utoipa::path(put, path = "/api/v1/items/{code}/instant", tag = "catalogue", security(("bearer" = [])), params(("code" = String, Path)),
    request_body = InstantSwitch,
    responses(
        (status = 200, description = "Whether instant decisions are on now", body = InstantState),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: admin only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`: e.g. no reason", body = ErrorBody)))]
async fn set_instant(
    State(app): State<App>,
    Caller(s): Caller,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<InstantSwitch>,
) -> Result<Json<InstantState>, ApiError> {
    let instant = app.set_instant(&s, &code, req.enabled, &req.reason).await?;
    Ok(Json(InstantState {
        item: code,
        instant,
    }))
}
