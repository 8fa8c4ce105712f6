//! Self-service kiosks (admin): register a device (its token is answered
//! once), list them, enable or disable one; and the simulated SMS outbox the
//! kiosks' sign-in codes go to on an installation without an SMS gateway.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::App;
use onestamp_app::store::{Kiosk, StoredSms};

use crate::api::schema;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Caller, path_id};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_kiosks, register_kiosk))
        .routes(routes!(patch_kiosk))
        .routes(routes!(simulated_sms))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterKiosk {
    /// 1-60 characters, e.g. `武侯区政务服务中心 自助终端01`.
    pub name: String,
    /// 1-60 characters: where it stands.
    pub location: String,
}

#[derive(Serialize)]
pub struct Registered {
    #[serde(flatten)]
    kiosk: Kiosk,
    token: String,
    setup_path: &'static str,
}

/// Every kiosk, oldest first (admin).
#[utoipa::path(get, path = "/api/v1/kiosks", tag = "kiosks", security(("bearer" = [])),
    responses(
        (status = 200, description = "Every kiosk", body = Vec<schema::Kiosk>),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: admin only", body = ErrorBody)))]
async fn list_kiosks(
    State(app): State<App>,
    Caller(s): Caller,
) -> Result<Json<Vec<Kiosk>>, ApiError> {
    Ok(Json(app.list_kiosks(&s).await?))
}

/// Registers a kiosk (admin). The answer holds the device token, shown only
/// here: open `/kiosk/setup` on the device and enter it to bind the device.
#[utoipa::path(post, path = "/api/v1/kiosks", tag = "kiosks", security(("bearer" = [])),
    request_body = RegisterKiosk,
    responses(
        (status = 201, description = "Registered, with its token", body = schema::RegisteredKiosk),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: admin only", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`", body = ErrorBody)))]
async fn register_kiosk(
    State(app): State<App>,
    Caller(s): Caller,
    ApiJson(req): ApiJson<RegisterKiosk>,
) -> Result<(StatusCode, Json<Registered>), ApiError> {
    let (kiosk, token) = app.register_kiosk(&s, &req.name, &req.location).await?;
    Ok((
        StatusCode::CREATED,
        Json(Registered {
            kiosk,
            token,
            setup_path: "/kiosk/setup",
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchKiosk {
    /// `false` disables the kiosk and signs its user out; `true` enables it again.
    pub enabled: bool,
}

/// Enables or disables a kiosk (admin).
#[utoipa::path(patch, path = "/api/v1/kiosks/{id}", tag = "kiosks", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The kiosk")),
    request_body = PatchKiosk,
    responses(
        (status = 200, description = "The kiosk as it is now", body = schema::Kiosk),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: admin only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_body`", body = ErrorBody)))]
async fn patch_kiosk(
    State(app): State<App>,
    Caller(s): Caller,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<PatchKiosk>,
) -> Result<Json<Kiosk>, ApiError> {
    let id = path_id(&raw, "自助终端")?;
    Ok(Json(app.set_kiosk_enabled(&s, id, req.enabled).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SmsQuery {
    /// The mobile number the texts went to.
    pub mobile: String,
}

/// The simulated SMS channel's latest texts to a mobile, newest first (admin):
/// where the kiosks' sign-in codes go on an installation without a gateway.
#[utoipa::path(get, path = "/api/v1/kiosks/sms", tag = "kiosks", security(("bearer" = [])),
    params(SmsQuery),
    responses(
        (status = 200, description = "At most 20 texts", body = Vec<schema::Sms>),
        (status = 400, description = "`bad_query`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: admin only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody)))]
async fn simulated_sms(
    State(app): State<App>,
    Caller(s): Caller,
    ApiQuery(q): ApiQuery<SmsQuery>,
) -> Result<Json<Vec<StoredSms>>, ApiError> {
    Ok(Json(app.simulated_sms(&s, q.mobile.trim()).await?))
}
