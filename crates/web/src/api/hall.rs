//! 办事大厅: queue tickets (取号, 签到, 取消), the clerk's window (上岗, 叫号,
//! 重呼, 过号, 转窗口, 办结), the hall's groups and windows, and the call log the
//! display follows.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::App;
use onestamp_app::hall::{CALLS_PAGE_MAX, TicketRequest, TicketView, WindowInput, WindowView};
use onestamp_app::store::StoredCall;
use onestamp_domain::hall::{Group, TicketSource, Window};

use crate::api::schema;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Caller, page_size, path_id};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(take, mine))
        .routes(routes!(one))
        .routes(routes!(check_in))
        .routes(routes!(cancel))
        .routes(routes!(groups))
        .routes(routes!(save_group))
        .routes(routes!(windows, save_window))
        .routes(routes!(change_window))
        .routes(routes!(sit))
        .routes(routes!(call_next))
        .routes(routes!(recall))
        .routes(routes!(no_show))
        .routes(routes!(transfer))
        .routes(routes!(end))
        .routes(routes!(calls))
        .routes(routes!(checkin_code))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TakeRequest {
    /// The item to be handled; its group gives the ticket's prefix. Needed
    /// unless `booking` is given.
    pub item_code: Option<String>,
    /// My confirmed booking of today: the ticket carries its time
    /// (`appointment_at`) and goes ahead from it once checked in. One ticket
    /// per booking.
    pub booking: Option<i64>,
    /// `web` (default) or `mobile`.
    pub source: Option<String>,
}

/// Take a ticket for an item, or for my booking of today (网上/手机取号;
/// applicants). It joins the queue once checked in at the hall; at most three
/// open tickets a day.
#[utoipa::path(post, path = "/api/v1/tickets", tag = "hall", security(("bearer" = [])),
    request_body = TakeRequest,
    responses(
        (status = 201, description = "The ticket", body = schema::HallTicket),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: applicants only", body = ErrorBody),
        (status = 404, description = "`not_found`: no such item or booking", body = ErrorBody),
        (status = 409, description = "`hall_step`: a day off, three open tickets already; a booking not confirmed, not today's, or taken already", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`: an item without hall tickets, an unknown source", body = ErrorBody)))]
async fn take(
    State(app): State<App>,
    Caller(s): Caller,
    ApiJson(req): ApiJson<TakeRequest>,
) -> Result<(StatusCode, Json<TicketView>), ApiError> {
    let source = match req.source.as_deref() {
        None | Some("web") => TicketSource::Web,
        Some("mobile") => TicketSource::Mobile,
        Some(_) => {
            return Err(onestamp_app::AppError::invalid("取号渠道只能是 web 或 mobile").into());
        }
    };
    let view = match (req.booking, req.item_code) {
        (Some(booking), _) => app.ticket_for_booking(&s, booking, source).await?,
        (None, Some(item)) => {
            let request = TicketRequest {
                item_code: Some(item),
                ..TicketRequest::default()
            };
            app.take_ticket(Some(&s), source, request, None).await?
        }
        (None, None) => {
            return Err(onestamp_app::AppError::invalid("请选择要办理的事项或预约").into());
        }
    };
    Ok((StatusCode::CREATED, Json(view)))
}

/// My tickets of today.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "hall", security(("bearer" = [])),
    responses(
        (status = 200, description = "The tickets, oldest first", body = Vec<schema::HallTicket>),
        (status = 401, description = "`unauthenticated`", body = ErrorBody)))]
async fn mine(
    State(app): State<App>,
    Caller(s): Caller,
) -> Result<Json<Vec<TicketView>>, ApiError> {
    Ok(Json(app.my_tickets(&s).await?))
}

/// A ticket: its holder's, or any for staff; with 前面还有 N 人 and the wait estimate.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The ticket")),
    responses(
        (status = 200, description = "The ticket", body = schema::HallTicket),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody)))]
async fn one(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Result<Json<TicketView>, ApiError> {
    let id = path_id(&id, "该号")?;
    Ok(Json(app.ticket(&s, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInRequest {
    /// The ticket's follow key (`token`).
    pub token: String,
    /// The code of the hall's check-in QR code today.
    pub code: String,
}

/// Check in at the hall (扫码签到) with the day's code: the ticket joins the queue.
#[utoipa::path(post, path = "/api/v1/tickets/check-in", tag = "hall",
    request_body = CheckInRequest,
    responses(
        (status = 200, description = "The ticket, waiting", body = schema::HallTicket),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such ticket", body = ErrorBody),
        (status = 409, description = "`hall_step`: checked in already, another day's, over", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`: a wrong code", body = ErrorBody)))]
async fn check_in(
    State(app): State<App>,
    ApiJson(req): ApiJson<CheckInRequest>,
) -> Result<Json<TicketView>, ApiError> {
    Ok(Json(app.check_in(&req.token, &req.code).await?))
}

/// Give up my ticket before it is called.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/cancel", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The ticket")),
    responses(
        (status = 200, description = "The ticket, cancelled", body = schema::HallTicket),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`hall_step`: called or over already", body = ErrorBody)))]
async fn cancel(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Result<Json<TicketView>, ApiError> {
    let id = path_id(&id, "该号")?;
    Ok(Json(app.cancel_ticket(&s, id).await?))
}

/// The hall's groups of items, each with its ticket prefix.
#[utoipa::path(get, path = "/api/v1/hall/groups", tag = "hall",
    responses((status = 200, description = "The groups", body = Vec<schema::HallGroup>)))]
async fn groups(State(app): State<App>) -> Result<Json<Vec<Group>>, ApiError> {
    Ok(Json(app.hall_groups().await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupRequest {
    pub name: String,
    /// Item codes.
    pub items: Vec<String>,
    /// Appointments each serving window takes per slot (1-50).
    pub per_slot: u32,
}

/// Create or replace a group (administrators); `code` is its ticket prefix, one or two capital letters.
#[utoipa::path(put, path = "/api/v1/hall/groups/{code}", tag = "hall", security(("bearer" = [])),
    params(("code" = String, Path, description = "The group's prefix")), request_body = GroupRequest,
    responses(
        (status = 200, description = "The group", body = schema::HallGroup),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: administrators only", body = ErrorBody),
        (status = 404, description = "`not_found`: an unknown item", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`: a bad prefix or name", body = ErrorBody)))]
async fn save_group(
    State(app): State<App>,
    Caller(s): Caller,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<GroupRequest>,
) -> Result<Json<Group>, ApiError> {
    let group = Group {
        code,
        name: req.name,
        items: req.items,
        per_slot: req.per_slot,
    };
    Ok(Json(app.save_hall_group(&s, group).await?))
}

/// The windows with who is on them and how many wait for each (staff).
#[utoipa::path(get, path = "/api/v1/hall/windows", tag = "hall", security(("bearer" = [])),
    responses(
        (status = 200, description = "The windows", body = Vec<schema::HallWindow>),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: staff only", body = ErrorBody)))]
async fn windows(
    State(app): State<App>,
    Caller(s): Caller,
) -> Result<Json<Vec<WindowView>>, ApiError> {
    Ok(Json(app.hall_windows(&s).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowRequest {
    /// 1 to 8 letters or digits: what the hall calls it (号窗口).
    pub number: String,
    /// The group codes it serves.
    pub groups: Vec<String>,
    pub open: bool,
}

/// Create a window (administrators).
#[utoipa::path(post, path = "/api/v1/hall/windows", tag = "hall", security(("bearer" = [])),
    request_body = WindowRequest,
    responses(
        (status = 201, description = "The window", body = schema::HallWindowSaved),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: administrators only", body = ErrorBody),
        (status = 409, description = "`duplicate`: the number is taken", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`: a bad number, no or unknown groups", body = ErrorBody)))]
async fn save_window(
    State(app): State<App>,
    Caller(s): Caller,
    ApiJson(req): ApiJson<WindowRequest>,
) -> Result<(StatusCode, Json<Window>), ApiError> {
    let input = WindowInput {
        id: None,
        number: req.number,
        groups: req.groups,
        open: req.open,
    };
    Ok((
        StatusCode::CREATED,
        Json(app.save_hall_window(&s, input).await?),
    ))
}

/// Change a window (administrators).
#[utoipa::path(put, path = "/api/v1/hall/windows/{id}", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The window")), request_body = WindowRequest,
    responses(
        (status = 200, description = "The window", body = schema::HallWindowSaved),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: administrators only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`duplicate`: the number is taken", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`: a bad number, no or unknown groups", body = ErrorBody)))]
async fn change_window(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<WindowRequest>,
) -> Result<Json<Window>, ApiError> {
    let id = path_id(&id, "窗口")?;
    let input = WindowInput {
        id: Some(id),
        number: req.number,
        groups: req.groups,
        open: req.open,
    };
    Ok(Json(app.save_hall_window(&s, input).await?))
}

/// Take the window (上岗; clerks): its calls are mine until another clerk takes it.
#[utoipa::path(post, path = "/api/v1/hall/windows/{id}/staff", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The window")),
    responses(
        (status = 200, description = "The window", body = schema::HallWindowSaved),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: clerks only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody)))]
async fn sit(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Result<Json<Window>, ApiError> {
    let id = path_id(&id, "窗口")?;
    Ok(Json(app.sit_at_window(&s, id).await?))
}

/// Call the next ticket to my window (叫号): transferred tickets first, then
/// appointments whose time has come, then by check-in.
#[utoipa::path(post, path = "/api/v1/hall/windows/{id}/call", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The window")),
    responses(
        (status = 200, description = "The ticket called", body = schema::HallTicket),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: the clerk on the window only", body = ErrorBody),
        (status = 404, description = "`not_found`: no such window, or nobody waiting", body = ErrorBody),
        (status = 409, description = "`hall_step`: a ticket is still in hand", body = ErrorBody)))]
async fn call_next(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Result<Json<TicketView>, ApiError> {
    let id = path_id(&id, "窗口")?;
    Ok(Json(app.call_next(&s, id).await?))
}

/// Call the ticket in hand again (重呼): at most three times, not sooner than
/// the recall interval (`hall_recall_secs`).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/recall", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The ticket")),
    responses(
        (status = 200, description = "The ticket", body = schema::HallTicket),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: the clerk on its window only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`hall_step`: not called, recalled three times, too soon", body = ErrorBody)))]
async fn recall(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Result<Json<TicketView>, ApiError> {
    let id = path_id(&id, "该号")?;
    Ok(Json(app.recall_ticket(&s, id).await?))
}

/// Mark the ticket in hand a no-show (过号).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/no-show", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The ticket")),
    responses(
        (status = 200, description = "The ticket", body = schema::HallTicket),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: the clerk on its window only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`hall_step`: not called", body = ErrorBody)))]
async fn no_show(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Result<Json<TicketView>, ApiError> {
    let id = path_id(&id, "该号")?;
    Ok(Json(app.no_show(&s, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// The window to send it to.
    pub window: i64,
}

/// Send the ticket in hand to another window (转窗口): it waits there first.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/transfer", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The ticket")), request_body = TransferRequest,
    responses(
        (status = 200, description = "The ticket, waiting at the other window", body = schema::HallTicket),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: the clerk on its window only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`hall_step`: not called, the same or a closed window", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_body`", body = ErrorBody)))]
async fn transfer(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<TransferRequest>,
) -> Result<Json<TicketView>, ApiError> {
    let id = path_id(&id, "该号")?;
    Ok(Json(app.transfer_ticket(&s, id, req.window).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndRequest {
    /// The counter case the ticket created.
    pub case_id: i64,
}

/// End the ticket in hand with the case it created (办结): its waiting and
/// handling times are measured.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/end", tag = "hall", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The ticket")), request_body = EndRequest,
    responses(
        (status = 200, description = "The ticket, done", body = schema::HallTicket),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: the clerk on its window only", body = ErrorBody),
        (status = 404, description = "`not_found`: no such ticket or case", body = ErrorBody),
        (status = 409, description = "`hall_step`: not called", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`: another applicant's case", body = ErrorBody)))]
async fn end(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<EndRequest>,
) -> Result<Json<TicketView>, ApiError> {
    let id = path_id(&id, "该号")?;
    Ok(Json(app.end_ticket(&s, id, req.case_id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallParams {
    /// Calls after this id (0: from the first).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// Page size (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// The call log (叫号记录) after a call, oldest first: numbers and windows
/// only, nothing personal. The display follows it through
/// `/hall/display/stream` (server-sent events).
#[utoipa::path(get, path = "/api/v1/hall/calls", tag = "hall",
    params(CallParams),
    responses(
        (status = 200, description = "The calls", body = Vec<schema::HallCall>),
        (status = 400, description = "`bad_query`", body = ErrorBody)))]
async fn calls(
    State(app): State<App>,
    ApiQuery(p): ApiQuery<CallParams>,
) -> Result<Json<Vec<StoredCall>>, ApiError> {
    let limit = page_size(p.limit, 50, CALLS_PAGE_MAX)?;
    let after = p.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::new(
            crate::error::Code::BadQuery,
            "参数 after 不能为负数".to_string(),
        ));
    }
    Ok(Json(app.hall_calls(after, limit).await?))
}

/// Today's check-in code (staff): the hall shows it as a QR code.
#[utoipa::path(get, path = "/api/v1/hall/checkin-code", tag = "hall", security(("bearer" = [])),
    responses(
        (status = 200, description = "The code", body = schema::CheckInCode),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: staff only", body = ErrorBody)))]
async fn checkin_code(
    State(app): State<App>,
    Caller(s): Caller,
) -> Result<Json<serde_json::Value>, ApiError> {
    let code = app.hall_checkin_code(&s).await?;
    Ok(Json(serde_json::json!({ "code": code })))
}
