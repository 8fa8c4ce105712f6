//! Users (admin).

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::App;
use onestamp_app::store::User;

use crate::error::{ApiError, ErrorBody};
use crate::extract::Caller;

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(list_users))
}

/// Every user with their roles (admin only).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_users(
    State(app): State<App>,
    Caller(s): Caller,
) -> Result<Json<Vec<User>>, ApiError> {
    Ok(Json(app.list_users(&s).await?))
}
