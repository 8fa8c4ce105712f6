//! Progress lookup without login (办件进度查询): a case number and its query code.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::App;
use onestamp_domain::case::Progress;

use crate::api::schema;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiQuery, ClientAddr};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(lookup))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupParams {
    /// The query code (查询码) printed on the receipt, 8 letters or digits.
    pub code: Option<String>,
}

/// The public progress of a case (no login): status, item, stages with dates
/// and lights, and its steps — no names, identities, handlers or opinions. A
/// wrong code and an unknown number get the same 422; wrong lookups are limited
/// per client address (10 in 15 minutes) and per case number (20 an hour).
#[utoipa::path(get, path = "/api/v1/public/cases/{number}", tag = "public",
    params(("number" = String, Path, description = "The case number, e.g. 510107-20261122-000123"), LookupParams),
    responses(
        (status = 200, description = "The case's public progress", body = schema::Progress),
        (status = 400, description = "`bad_query`", body = ErrorBody),
        (status = 404, description = "`not_found`: the case went missing while it was read", body = ErrorBody),
        (status = 422, description = "`invalid_input`: a missing or malformed number or code, or a number and code that do not match", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many wrong codes from this address or for this case", body = ErrorBody)))]
async fn lookup(
    State(app): State<App>,
    ClientAddr(source): ClientAddr,
    Path(number): Path<String>,
    ApiQuery(p): ApiQuery<LookupParams>,
) -> Result<Json<Progress>, ApiError> {
    Ok(Json(
        app.lookup_progress(&number, p.code.as_deref().unwrap_or(""), source)
            .await?,
    ))
}
