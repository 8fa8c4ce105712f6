//! Users and staff (admin).

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::App;
use onestamp_app::store::User;
use onestamp_app::users::UserForm;
use onestamp_domain::assignment::StaffProfile;
use onestamp_domain::case::ApplicantKind;
use onestamp_domain::role::Role;

use crate::api::schema;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, Caller, path_id};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_users, save_user))
        .routes(routes!(get_profile, set_profile))
}

/// Every user with their roles (admin only).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    responses(
        (status = 200, description = "Every user", body = Vec<schema::User>),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: admin only", body = ErrorBody)))]
async fn list_users(
    State(app): State<App>,
    Caller(s): Caller,
) -> Result<Json<Vec<User>>, ApiError> {
    Ok(Json(app.list_users(&s).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveUserRequest {
    pub username: String,
    pub display_name: String,
    /// Role names: applicant, clerk, reviewer, inspector, approver, officer, supervisor, regulator, admin.
    #[schema(value_type = Vec<schema::Role>)]
    pub roles: Vec<Role>,
    /// Citizen ID or credit code (applicants).
    #[serde(default)]
    pub identity: String,
    /// What an applicant registers as: `person` (citizen ID) or `organisation`
    /// (unified social credit code). Required for applicants.
    #[serde(default)]
    #[schema(value_type = Option<schema::ApplicantKind>)]
    pub identity_kind: Option<ApplicantKind>,
    /// Applicants: a mainland mobile number (optional).
    #[serde(default)]
    pub mobile: String,
    pub password: String,
    /// Qualifications and availability (staff).
    #[serde(default)]
    #[schema(value_type = Option<schema::StaffProfile>)]
    pub profile: Option<StaffProfile>,
}

/// Create or update a user (admin). Staff may be given their qualifications at once.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])), request_body = SaveUserRequest,
    responses(
        (status = 200, description = "The user as saved", body = schema::User),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: admin only", body = ErrorBody),
        (status = 409, description = "`duplicate`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`", body = ErrorBody)))]
async fn save_user(
    State(app): State<App>,
    Caller(s): Caller,
    ApiJson(req): ApiJson<SaveUserRequest>,
) -> Result<Json<User>, ApiError> {
    let user = app
        .save_user(
            Some(&s),
            UserForm {
                username: req.username,
                display_name: req.display_name,
                roles: req.roles,
                identity: req.identity,
                identity_kind: req.identity_kind,
                mobile: req.mobile,
                password: req.password,
            },
        )
        .await?;
    if let Some(profile) = req.profile {
        app.set_staff_profile(Some(&s), user.id, profile).await?;
    }
    Ok(Json(user))
}

/// A member of staff's qualifications (持证上岗) and availability.
#[utoipa::path(get, path = "/api/v1/users/{id}/profile", tag = "users", security(("bearer" = [])), params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The profile", body = schema::StaffProfile),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody)))]
async fn get_profile(
    State(app): State<App>,
    Caller(s): Caller,
    Path(raw): Path<String>,
) -> Result<Json<StaffProfile>, ApiError> {
    Ok(Json(app.staff_profile(&s, path_id(&raw, "用户")?).await?))
}

/// Set a member of staff's qualifications and availability (admin); checked at every assignment.
#[utoipa::path(put, path = "/api/v1/users/{id}/profile", tag = "users", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = schema::StaffProfile,
    responses(
        (status = 200, description = "The profile as saved", body = schema::StaffProfile),
        (status = 400, description = "`malformed_json`, `bad_request`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: admin only", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_body`, `invalid_input`", body = ErrorBody)))]
async fn set_profile(
    State(app): State<App>,
    Caller(s): Caller,
    Path(raw): Path<String>,
    ApiJson(profile): ApiJson<StaffProfile>,
) -> Result<Json<StaffProfile>, ApiError> {
    let id = path_id(&raw, "用户")?;
    app.set_staff_profile(Some(&s), id, profile).await?;
    Ok(Json(app.staff_profile(&s, id).await?))
}
