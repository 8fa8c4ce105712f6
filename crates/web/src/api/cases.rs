//! Cases, case actions and my tasks.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use chrono::NaiveDate;
use onestamp_app::App;

use onestamp_app::cases::{ActionInput, Application, CaseView};
use onestamp_app::store::{CaseQuery, CaseSummary};
use onestamp_domain::case::{Action, CaseStatus, Channel, Command};
use onestamp_domain::validate::parse_date;

use crate::api::schema;
use crate::error::{ApiError, Code, ErrorBody};
use crate::extract::{
    ApiJson, ApiQuery, Caller, MAX_PAGE, TaskPage, page_size, path_id, task_page,
};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_cases, submit))
        .routes(routes!(get_case))
        .routes(routes!(act))
        .routes(routes!(my_tasks))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// Item code (实施编码).
    pub item: String,
    /// counter, web, mobile or kiosk (default web).
    #[serde(default)]
    #[schema(value_type = Option<schema::Channel>)]
    pub channel: Option<Channel>,
    /// The application form, by field key.
    #[serde(default)]
    #[schema(value_type = std::collections::BTreeMap<String, serde_json::Value>)]
    pub form: serde_json::Map<String, serde_json::Value>,
    /// Materials given by reference, by material code: `{"licence": "<licence id>"}`
    /// (a valid licence of yours stands in, 免提交) or `{"file": "<hash>"}` (a file
    /// of your materials library).
    #[serde(default)]
    #[schema(value_type = std::collections::BTreeMap<String, schema::MaterialChoice>)]
    pub materials: std::collections::BTreeMap<String, onestamp_app::materials::MaterialChoice>,
    /// Clerks at the window (一窗受理): the applicant's user id (from
    /// `GET /api/v1/applicants` or `POST /api/v1/applicants`). The channel is then
    /// `counter` (the default); materials are the applicant's. Required of
    /// clerks, refused from anyone else.
    #[serde(default)]
    pub applicant: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// accept, not_accept, request_correction, resubmit, review, inspect,
    /// approve, deny, produce, issue, withdraw.
    #[schema(value_type = schema::Action)]
    pub action: Action,
    #[serde(default)]
    pub opinion: Option<String>,
    /// The version of the case the caller saw.
    pub version: i64,
    /// With `inspect` only: the record of the site inspection (踏勘记录).
    #[serde(default)]
    #[schema(value_type = Option<schema::InspectionInput>)]
    pub inspection: Option<onestamp_domain::document::InspectionInput>,
    /// With `request_correction` (required): what to correct, item by item
    /// (一次性告知). At most one request per stage.
    #[serde(default)]
    #[schema(value_type = Option<schema::CorrectionList>)]
    pub correction: Option<onestamp_domain::case::correction::CorrectionList>,
    /// With `resubmit`: the new values of the fields the request named (and
    /// only those), by field key.
    #[serde(default)]
    #[schema(value_type = Option<std::collections::BTreeMap<String, serde_json::Value>>)]
    pub form: Option<serde_json::Map<String, serde_json::Value>>,
    /// With `resubmit`: every material the request named, given anew
    /// (`{"file": "<hash>"}`, `{"files": [...]}` or `{"licence": "<id>"}`).
    #[serde(default)]
    #[schema(value_type = Option<std::collections::BTreeMap<String, schema::MaterialChoice>>)]
    pub materials:
        Option<std::collections::BTreeMap<String, onestamp_app::materials::MaterialChoice>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Filter by status.
    #[param(value_type = Option<schema::CaseStatus>)]
    pub status: Option<String>,
    /// Filter by item code.
    pub item: Option<String>,
    /// Find by case number.
    pub number: Option<String>,
    /// The applicant's citizen ID or unified social credit code.
    pub identity: Option<String>,
    /// Submitted on or after this day (YYYY-MM-DD, bureau time).
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
    /// Submitted on or before this day (YYYY-MM-DD, bureau time); not before `from`.
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
    /// Keyset pagination: cases with an id below this.
    pub before: Option<i64>,
    /// Page size (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseList {
    #[schema(value_type = Vec<schema::CaseSummary>)]
    pub cases: Vec<CaseSummary>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_before: Option<i64>,
}

/// Cases the caller may see: an applicant's own, or all for staff. Newest first.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])), params(ListParams),
    responses(
        (status = 200, description = "A page of cases", body = CaseList),
        (status = 400, description = "`bad_query`: an unknown status, a bad date or range, a limit outside 1-200", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody)))]
async fn list_cases(
    State(app): State<App>,
    Caller(s): Caller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<CaseList>, ApiError> {
    // An empty value is no status either: the document allows only the names.
    let status = match p.status.as_deref() {
        None => None,
        Some(v) => Some(
            CaseStatus::parse(v)
                .ok_or_else(|| ApiError::new(Code::BadQuery, format!("未知的办件状态 {v}")))?,
        ),
    };
    let from = day_param(p.from.as_deref(), "from")?;
    let to = day_param(p.to.as_deref(), "to")?;
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(ApiError::new(
            Code::BadQuery,
            format!("日期范围有误：结束日期 {t} 早于开始日期 {f}"),
        ));
    }
    let limit = page_size(p.limit, 50, MAX_PAGE)?;
    let cases = app
        .list_cases(
            &s,
            CaseQuery {
                applicant: None,
                status,
                item_code: p.item.filter(|v| !v.is_empty()),
                number: p.number.filter(|v| !v.is_empty()),
                identity: p
                    .identity
                    .map(|v| v.trim().to_uppercase())
                    .filter(|v| !v.is_empty()),
                submitted_from: from.map(|d| app.day_start(d)),
                submitted_to: to.and_then(|d| d.succ_opt()).map(|d| app.day_start(d)),
                before_id: p.before,
                limit,
            },
        )
        .await?;
    let next_before = (cases.len() as u32 >= limit)
        .then(|| cases.last().map(|c| c.id))
        .flatten();
    Ok(Json(CaseList { cases, next_before }))
}

/// A `YYYY-MM-DD` query parameter, or a 400 naming it (an empty one too: the
/// document says `format: date`).
fn day_param(value: Option<&str>, name: &str) -> Result<Option<NaiveDate>, ApiError> {
    match value {
        None => Ok(None),
        Some(v) => parse_date(v).map(Some).map_err(|e| {
            ApiError::new(
                Code::BadQuery,
                format!("参数 {name} 不是有效日期（YYYY-MM-DD）：{e}"),
            )
        }),
    }
}

/// Submit an application: an applicant for themselves, or a clerk at the window
/// for the applicant named in `applicant` (一窗受理). The case starts at
/// pre-review (online channels) or intake (counter) and its first task is
/// assigned at once; at the window the filing clerk takes the intake when on
/// duty and qualified for the item, otherwise it is drawn.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])), request_body = SubmitRequest,
    responses(
        (status = 201, description = "The new case", body = schema::Case),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: applicants, or clerks naming `applicant` (a clerk without it is refused)", body = ErrorBody),
        (status = 404, description = "`not_found`: no such item, licence, file or applicant", body = ErrorBody),
        (status = 409, description = "`no_assignee`: nobody can take the first task; `duplicate`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input` (a clerk on a channel other than `counter`, or naming a user who is no applicant), `invalid_form`", body = ErrorBody)))]
async fn submit(
    State(app): State<App>,
    Caller(s): Caller,
    ApiJson(req): ApiJson<SubmitRequest>,
) -> Result<(StatusCode, Json<CaseView>), ApiError> {
    let view = app
        .submit_application(
            &s,
            Application {
                item_code: req.item,
                // At the window the channel is the counter unless the request says otherwise.
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

/// One case with its timeline and the actions the caller may take now.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", security(("bearer" = [])), params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The case", body = schema::Case),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `not_own_case`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody)))]
async fn get_case(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Result<Json<CaseView>, ApiError> {
    Ok(Json(app.get_case(&s, path_id(&id, "办件")?).await?))
}

/// Take an action on a case. `version` must be the case's current version,
/// otherwise 409 `version_conflict`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", tag = "cases", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ActionRequest,
    responses(
        (status = 200, description = "The case after the action", body = schema::Case),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`, `not_assignee`, `not_own_case`, `separation_of_duties`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`version_conflict`, `transition_not_allowed`, `no_assignee`, `correction_already_requested`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`, `opinion_required`, `opinion_too_long`, `invalid_correction`, `invalid_resubmission`, `invalid_form`", body = ErrorBody)))]
async fn act(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ActionRequest>,
) -> Result<Json<CaseView>, ApiError> {
    let id = path_id(&id, "办件")?;
    let view = app
        .act_on_case_with(
            &s,
            id,
            Command {
                action: req.action,
                opinion: req.opinion,
                version: req.version,
            },
            ActionInput {
                inspection: req.inspection,
                correction: req.correction,
                form: req.form,
                materials: req.materials,
            },
        )
        .await?;
    Ok(Json(view))
}

/// My open tasks, green channel first, then earliest deadline. A full page carries
/// `Link: </api/v1/tasks?after=…>; rel="next"` (keyset paging).
#[utoipa::path(get, path = "/api/v1/tasks", tag = "cases", security(("bearer" = [])), params(TaskPage),
    responses(
        (status = 200, description = "A page of my open tasks", body = Vec<schema::CaseSummary>,
            headers(("Link" = String, description = "`<…?after=…&limit=…>; rel=\"next\"` when the page is full"))),
        (status = 400, description = "`bad_query`: a bad cursor, a limit outside 1-200", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: staff only", body = ErrorBody)))]
async fn my_tasks(
    State(app): State<App>,
    Caller(s): Caller,
    ApiQuery(page): ApiQuery<TaskPage>,
) -> Result<axum::response::Response, ApiError> {
    let limit = page.limit()?;
    let list = app.my_tasks(&s, page.key()?, limit).await?;
    Ok(task_page("/api/v1/tasks", limit, list))
}
