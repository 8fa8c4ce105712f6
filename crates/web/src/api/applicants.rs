//! Applicants at the window (一窗受理): clerks find a walk-in applicant by
//! identity number or register a new one, then file for them through
//! `POST /api/v1/cases` with `applicant`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::App;
use onestamp_app::users::{ApplicantSummary, NewApplicant};
use onestamp_domain::case::ApplicantKind;

use crate::api::schema;
use crate::error::{ApiError, Code, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, Caller};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(find, register))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FindParams {
    /// Citizen ID (18 digits, GB 11643) or unified social credit code (18
    /// characters, GB 32100).
    pub identity: String,
}

/// Find an applicant by citizen ID or unified social credit code (clerks,
/// supervisors, admins). The identity is shown whole: the window has the
/// applicant in front of it.
#[utoipa::path(get, path = "/api/v1/applicants", tag = "applicants", security(("bearer" = [])), params(FindParams),
    responses(
        (status = 200, description = "The applicant holding the number", body = schema::ApplicantSummary),
        (status = 400, description = "`bad_query`: no `identity`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: clerks, supervisors and admins only", body = ErrorBody),
        (status = 404, description = "`not_found`: nobody is registered with the number", body = ErrorBody),
        (status = 422, description = "`invalid_input`: the number is neither a valid citizen ID nor a valid credit code, and why", body = ErrorBody)))]
async fn find(
    State(app): State<App>,
    Caller(s): Caller,
    ApiQuery(p): ApiQuery<FindParams>,
) -> Result<Json<ApplicantSummary>, ApiError> {
    match app.find_applicant(&s, &p.identity).await? {
        Some(found) => Ok(Json(found)),
        None => Err(ApiError::new(
            Code::NotFound,
            format!(
                "没有证件号码为 {} 的申请人，可为其登记",
                p.identity.trim().to_uppercase()
            ),
        )),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// The person's name or the organisation's registered name.
    pub name: String,
    /// `person` (citizen ID) or `organisation` (unified social credit code).
    #[schema(value_type = schema::ApplicantKind)]
    pub kind: ApplicantKind,
    /// The citizen ID or credit code, as `kind` says.
    pub identity: String,
    /// Mainland mobile number (11 digits, 1 then 3-9).
    pub mobile: String,
}

/// Register a walk-in applicant at the window (clerks, admins). The account is
/// an applicant's, with a generated user name and no password.
#[utoipa::path(post, path = "/api/v1/applicants", tag = "applicants", security(("bearer" = [])), request_body = RegisterRequest,
    responses(
        (status = 201, description = "The applicant as registered", body = schema::ApplicantSummary),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: clerks and admins only", body = ErrorBody),
        (status = 409, description = "`duplicate`: the identity is registered already; the message names the account", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`: a bad identity for the kind, mobile number or name, named in `problems`", body = ErrorBody)))]
async fn register(
    State(app): State<App>,
    Caller(s): Caller,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> Result<(StatusCode, Json<ApplicantSummary>), ApiError> {
    let registered = app
        .register_applicant(
            &s,
            NewApplicant {
                name: req.name,
                kind: req.kind,
                identity: req.identity,
                mobile: req.mobile,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(registered)))
}
