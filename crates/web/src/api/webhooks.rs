//! Signed webhooks (admin): register, list, switch on and off, remove, a
//! webhook's deliveries, and putting a failed delivery back in the queue.
//!
//! `DELETE` removes the webhook: its pending deliveries are skipped and its
//! delivery history is kept in the outbox. To stop deliveries for a while,
//! switch it off with `PATCH {"enabled": false}` instead.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::App;
use onestamp_app::store::{Delivery, Webhook};
use onestamp_app::webhooks::WebhookForm;

use crate::api::schema;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Caller, MAX_PAGE, page_size, path_id};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_webhooks, register_webhook))
        .routes(routes!(get_webhook, patch_webhook, delete_webhook))
        .routes(routes!(webhook_deliveries))
        .routes(routes!(retry_delivery))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterWebhook {
    /// An http or https address with a host.
    pub url: String,
    /// Event names (`case.submitted`, `case.accepted`, `case.issued`…), or `*`
    /// for every event; at least one.
    pub events: Vec<String>,
    /// At most 200 characters.
    #[serde(default)]
    pub description: String,
    /// Only messages of this department (a catalogue department code).
    #[serde(default)]
    pub department: Option<String>,
}

/// Every webhook, oldest first, without secrets (admin).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = [])),
    responses(
        (status = 200, description = "Every webhook", body = Vec<schema::Webhook>),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: admin only", body = ErrorBody)))]
async fn list_webhooks(
    State(app): State<App>,
    Caller(s): Caller,
) -> Result<Json<Vec<Webhook>>, ApiError> {
    Ok(Json(app.webhooks(&s).await?))
}

/// Registers a webhook (admin). Every new message of its events (and
/// department) is posted to it, signed after Standard Webhooks: headers
/// `webhook-id` (`msg_<message id>`, the same on every retry),
/// `webhook-timestamp` (Unix seconds) and `webhook-signature` (`v1,<base64
/// HMAC-SHA256>` of `{id}.{timestamp}.{body}`). The body is `{"type",
/// "timestamp", "data": {"message_id", "case_number", "stage_word" (≤ 5
/// characters), "text" (≤ 70), "subject", "link", "lookup_url", …}}`.
/// A 2xx answer delivers it; 410 switches the webhook off; anything else is
/// retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, after which
/// the webhook is switched off. The answer holds the secret, shown only here.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = [])),
    request_body = RegisterWebhook,
    responses(
        (status = 201, description = "Registered, with its secret", body = schema::RegisteredWebhook),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: admin only", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`: each problem named in `problems`", body = ErrorBody)))]
async fn register_webhook(
    State(app): State<App>,
    Caller(s): Caller,
    ApiJson(req): ApiJson<RegisterWebhook>,
) -> Result<(StatusCode, Json<Webhook>), ApiError> {
    let hook = app
        .register_webhook(
            &s,
            WebhookForm {
                url: req.url,
                events: req.events,
                description: req.description,
                department: req.department,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(hook)))
}

/// One webhook, without its secret (admin).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The webhook")),
    responses(
        (status = 200, description = "The webhook", body = schema::Webhook),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: admin only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody)))]
async fn get_webhook(
    State(app): State<App>,
    Caller(s): Caller,
    Path(raw): Path<String>,
) -> Result<Json<Webhook>, ApiError> {
    Ok(Json(app.webhook(&s, path_id(&raw, "Webhook")?).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchWebhook {
    /// `true` switches it on again (the reason it was switched off is
    /// cleared); `false` switches it off: no new deliveries are made to it.
    pub enabled: bool,
}

/// Switches a webhook on or off (admin).
#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The webhook")),
    request_body = PatchWebhook,
    responses(
        (status = 200, description = "The webhook as it is now", body = schema::Webhook),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: admin only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_body`", body = ErrorBody)))]
async fn patch_webhook(
    State(app): State<App>,
    Caller(s): Caller,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<PatchWebhook>,
) -> Result<Json<Webhook>, ApiError> {
    let id = path_id(&raw, "Webhook")?;
    Ok(Json(app.set_webhook_enabled(&s, id, req.enabled).await?))
}

/// Removes a webhook (admin): its pending deliveries are skipped, its
/// delivery history is kept. To stop it for a while, switch it off instead.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The webhook")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: admin only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody)))]
async fn delete_webhook(
    State(app): State<App>,
    Caller(s): Caller,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    app.delete_webhook(&s, path_id(&raw, "Webhook")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// Keyset pagination: deliveries with an id below this.
    pub before: Option<i64>,
    /// Page size (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// A webhook's deliveries, newest first (admin): state, attempts, the last
/// answer's status and first 500 characters, the last error and the times.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The webhook"), DeliveryParams),
    responses(
        (status = 200, description = "Its deliveries, newest first", body = Vec<schema::Delivery>),
        (status = 400, description = "`bad_query`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: admin only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody)))]
async fn webhook_deliveries(
    State(app): State<App>,
    Caller(s): Caller,
    Path(raw): Path<String>,
    ApiQuery(p): ApiQuery<DeliveryParams>,
) -> Result<Json<Vec<Delivery>>, ApiError> {
    let id = path_id(&raw, "Webhook")?;
    let limit = page_size(p.limit, 50, MAX_PAGE)?;
    Ok(Json(app.webhook_deliveries(&s, id, p.before, limit).await?))
}

/// Puts a failed or skipped delivery back in the queue, due now, with its
/// retry schedule started again (admin). 409 `not_retryable` for a delivery
/// that is pending or delivered.
#[utoipa::path(post, path = "/api/v1/deliveries/{id}/retry", tag = "webhooks", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The delivery")),
    responses(
        (status = 200, description = "The delivery, pending again", body = schema::Delivery),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: admin only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`not_retryable`: neither failed nor skipped", body = ErrorBody)))]
async fn retry_delivery(
    State(app): State<App>,
    Caller(s): Caller,
    Path(raw): Path<String>,
) -> Result<Json<Delivery>, ApiError> {
    Ok(Json(
        app.retry_delivery(&s, path_id(&raw, "投递记录")?).await?,
    ))
}
