//! Appointments (预约办事): the slots of a group's day, booking (held, then
//! confirmed), cancelling, my appointments.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::App;
use onestamp_app::appointments::{BookingView, SlotView};

use crate::api::schema;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Caller, path_id};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(slots))
        .routes(routes!(book, mine))
        .routes(routes!(confirm))
        .routes(routes!(cancel))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlotParams {
    /// The group's code.
    pub group: String,
    /// The day, `YYYY-MM-DD`.
    pub date: NaiveDate,
}

/// The appointment slots of a group's day with the places left: none on a
/// holiday or weekend, the usual ones on an adjusted working day (调休).
#[utoipa::path(get, path = "/api/v1/hall/slots", tag = "hall",
    params(SlotParams),
    responses(
        (status = 200, description = "The slots", body = Vec<schema::HallSlot>),
        (status = 400, description = "`bad_query`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such group", body = ErrorBody)))]
async fn slots(
    State(app): State<App>,
    ApiQuery(p): ApiQuery<SlotParams>,
) -> Result<Json<Vec<SlotView>>, ApiError> {
    Ok(Json(app.hall_slots(&p.group, p.date).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookRequest {
    pub group: String,
    /// One of the group's items, if the applicant chose one.
    pub item_code: Option<String>,
    /// The slot's start.
    pub start: DateTime<Utc>,
}

/// Book a slot (applicants): held for 15 minutes, to be confirmed; at most two live bookings.
#[utoipa::path(post, path = "/api/v1/appointments", tag = "hall", security(("bearer" = [])),
    request_body = BookRequest,
    responses(
        (status = 201, description = "The booking, held", body = schema::HallBooking),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: applicants only", body = ErrorBody),
        (status = 404, description = "`not_found`: no such group", body = ErrorBody),
        (status = 409, description = "`hall_step`: the slot is full, booked already, two bookings held", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`: not a slot, past, too far ahead, an item of another group", body = ErrorBody)))]
async fn book(
    State(app): State<App>,
    Caller(s): Caller,
    ApiJson(req): ApiJson<BookRequest>,
) -> Result<(StatusCode, Json<BookingView>), ApiError> {
    let view = app
        .book_appointment(&s, &req.group, req.item_code.as_deref(), req.start)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// My live appointments still to come.
#[utoipa::path(get, path = "/api/v1/appointments", tag = "hall", security(("bearer" = [])),
    responses(
        (status = 200, description = "The bookings", body = Vec<schema::HallBooking>),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: applicants only", body = ErrorBody)))]
async fn mine(
    State(app): State<App>,
    Caller(s): Caller,
) -> Result<Json<Vec<BookingView>>, ApiError> {
    Ok(Json(app.my_appointments(&s).await?))
}

/// Confirm my held booking before its hold lapses; an `appointment.confirmed`
/// message goes to my inbox and email (as my settings say).
#[utoipa::path(post, path = "/api/v1/appointments/{id}/confirm", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The booking")),
    responses(
        (status = 200, description = "The booking, confirmed", body = schema::HallBooking),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: applicants only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`hall_step`: not held, or the hold lapsed", body = ErrorBody)))]
async fn confirm(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Result<Json<BookingView>, ApiError> {
    let id = path_id(&id, "该预约")?;
    Ok(Json(app.confirm_appointment(&s, id).await?))
}

/// Cancel my booking (not one whose ticket is taken, nor one gone by); an
/// `appointment.cancelled` message follows.
#[utoipa::path(post, path = "/api/v1/appointments/{id}/cancel", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The booking")),
    responses(
        (status = 200, description = "The booking, cancelled", body = schema::HallBooking),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: applicants only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`hall_step`: cancelled already, its ticket taken, gone by", body = ErrorBody)))]
async fn cancel(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Result<Json<BookingView>, ApiError> {
    let id = path_id(&id, "该预约")?;
    Ok(Json(app.cancel_appointment(&s, id).await?))
}
