//! Applicants register themselves (注册): a person or an organisation.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::App;
use onestamp_app::register::{Registered, Registration};
use onestamp_domain::case::ApplicantKind;

use crate::api::schema;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ClientAddr};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(register))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfRegistration {
    /// `person` (citizen ID) or `organisation` (unified social credit code).
    #[schema(value_type = schema::ApplicantKind)]
    pub kind: ApplicantKind,
    /// 4-32 letters, digits, `.`, `_` or `-`, starting with a letter.
    pub username: String,
    /// At least 8 characters with letters and digits, not holding the identity
    /// number, the mobile or the user name.
    pub password: String,
    /// The person's name or the organisation's registered name.
    pub name: String,
    /// Citizen ID (GB 11643) or unified social credit code (GB 32100), as `kind` says.
    pub identity: String,
    /// Mainland mobile number: the person's, or the organisation's contact's.
    pub mobile: String,
    /// Organisations: the legal representative (法定代表人).
    #[serde(default)]
    pub legal_rep: Option<String>,
    /// Organisations: the contact person (联系人).
    #[serde(default)]
    pub contact_name: Option<String>,
}

/// The answer to a registration.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationAnswer {
    #[schema(value_type = schema::Registered)]
    pub account: Registered,
    /// What to do next, in words.
    pub message: String,
}

/// Register as an applicant (no login): a person with name, citizen ID and
/// mobile, or an organisation with name, credit code, legal representative,
/// contact and mobile; then log in with `POST /api/v1/auth/login`. Real-name
/// verification against national registers is not connected here: the answer's
/// `verified_externally` says whether it was.
#[utoipa::path(post, path = "/api/v1/register", tag = "public", request_body = SelfRegistration,
    responses(
        (status = 201, description = "Registered; log in with the user name and password", body = RegistrationAnswer),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 409, description = "`duplicate`: the identity number or the user name is already registered", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`: a bad citizen ID or credit code, mobile, name or user name, or a weak password, and why", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many registrations from this address", body = ErrorBody)))]
async fn register(
    State(app): State<App>,
    ClientAddr(source): ClientAddr,
    ApiJson(req): ApiJson<SelfRegistration>,
) -> Result<(StatusCode, Json<RegistrationAnswer>), ApiError> {
    let account = app
        .register(
            Registration {
                kind: req.kind,
                username: req.username,
                password: req.password,
                name: req.name,
                identity: req.identity,
                mobile: req.mobile,
                legal_rep: req.legal_rep.unwrap_or_default(),
                contact_name: req.contact_name.unwrap_or_default(),
            },
            source,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(RegistrationAnswer {
            message: format!("注册成功，请使用用户名 {} 和密码登录", account.username),
            account,
        }),
    ))
}
