//! Public live checks of identity numbers and other values.

use axum::Json;
use axum::extract::{Path, State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::App;
use onestamp_domain::validate::{self, Validation};

use crate::api::schema;
use crate::error::{ApiError, Code, ErrorBody};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(check))
}

/// Checks a value of a kind (citizen_id, credit_code, mobile, postal_code,
/// licence_id, date_range, district_address, email). Public.
#[utoipa::path(get, path = "/api/v1/validate/{kind}/{value}", tag = "validate",
    params(("kind" = String, Path), ("value" = String, Path)),
    responses(
        (status = 200, description = "Whether the value is valid, and why not",
            body = schema::Validation, example = json!({"valid": false, "reason": "校验码错误"})),
        (status = 404, description = "`unknown_kind`", body = ErrorBody)))]
async fn check(
    State(app): State<App>,
    Path((kind, value)): Path<(String, String)>,
) -> Result<Json<Validation>, ApiError> {
    let today = app.today();
    validate::validate(&kind, &value, today)
        .map(Json)
        .map_err(|_| {
            ApiError::new(
                Code::UnknownKind,
                format!(
                    "不支持的校验类型 {kind}，可用：{}",
                    validate::KINDS.join(", ")
                ),
            )
        })
}
