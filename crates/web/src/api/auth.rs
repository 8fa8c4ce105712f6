//! Log in and out; who am I.

use axum::Json;
use axum::extract::State;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::App;

use crate::api::schema;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Caller, ClientAddr};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Bearer token for `Authorization: Bearer <token>`.
    pub token: String,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<String>,
}

/// Log in with a user name and password; returns a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = LoginResponse),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 401, description = "`bad_credentials`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not `application/json`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`", body = ErrorBody),
        (status = 429, description = "`login_locked`: too many failed logins", body = ErrorBody)))]
async fn login(
    State(app): State<App>,
    ClientAddr(from): ClientAddr,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let (token, user) = app.login(&req.username, &req.password, from).await?;
    Ok(Json(LoginResponse {
        token,
        username: user.username,
        display_name: user.display_name,
        roles: user.roles.iter().map(|r| r.as_str().to_string()).collect(),
    }))
}

/// Revoke the bearer token of this request.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 204, description = "The token is revoked"),
        (status = 401, description = "`unauthenticated`", body = ErrorBody)))]
async fn logout(
    State(app): State<App>,
    _caller: Caller,
    parts: Parts,
) -> Result<axum::http::StatusCode, ApiError> {
    if let Some(token) = crate::extract::bearer(&parts) {
        app.logout(token).await?;
    }
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The logged-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "The logged-in user", body = schema::User),
        (status = 401, description = "`unauthenticated`", body = ErrorBody)))]
async fn me(Caller(session): Caller) -> Json<onestamp_app::store::User> {
    Json(session.user)
}
