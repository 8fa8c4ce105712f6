//! The one mapping from app errors to HTTP: a status and a JSON body
//! `{"error": {"code", "message"}}` with a stable code. Internal causes are
//! logged here and never shown.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use onestamp_app::AppError;
use onestamp_domain::DomainError;
use onestamp_domain::error::FieldProblem;

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `version_conflict`.
    pub code: String,
    /// Human-readable message (Chinese).
    pub message: String,
    /// Field-level problems, where there are any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub problems: Vec<FieldProblem>,
}

/// An error response of the API.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub problems: Vec<FieldProblem>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            problems: Vec::new(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                problems: self.problems,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        use StatusCode as S;
        let message = e.to_string();
        let (status, code, problems) = match e {
            AppError::Unauthenticated => (S::UNAUTHORIZED, "unauthenticated", vec![]),
            AppError::BadCredentials => (S::UNAUTHORIZED, "bad_credentials", vec![]),
            AppError::Forbidden(_) => (S::FORBIDDEN, "forbidden", vec![]),
            AppError::NotFound(_) => (S::NOT_FOUND, "not_found", vec![]),
            AppError::Invalid { problems, .. } => {
                (S::UNPROCESSABLE_ENTITY, "invalid_input", problems)
            }
            AppError::Catalogue(problems) => (
                S::UNPROCESSABLE_ENTITY,
                "invalid_catalogue",
                problems
                    .into_iter()
                    .map(|p| FieldProblem {
                        field: p.entry,
                        message: p.problem,
                    })
                    .collect(),
            ),
            AppError::Duplicate(_) => (S::CONFLICT, "duplicate", vec![]),
            AppError::NoAssignee(_) => (S::CONFLICT, "no_assignee", vec![]),
            AppError::AssigneeUnfit { .. } => (S::UNPROCESSABLE_ENTITY, "assignee_unfit", vec![]),
            AppError::LoginLocked { .. } => (S::TOO_MANY_REQUESTS, "login_locked", vec![]),
            AppError::Domain(d) => match d {
                DomainError::TransitionNotAllowed { .. } => {
                    (S::CONFLICT, "transition_not_allowed", vec![])
                }
                DomainError::WrongRole { .. } => (S::FORBIDDEN, "wrong_role", vec![]),
                DomainError::NotAssignee => (S::FORBIDDEN, "not_assignee", vec![]),
                DomainError::NotOwnCase => (S::FORBIDDEN, "not_own_case", vec![]),
                DomainError::VersionConflict { .. } => (S::CONFLICT, "version_conflict", vec![]),
                DomainError::OpinionRequired(_) => {
                    (S::UNPROCESSABLE_ENTITY, "opinion_required", vec![])
                }
                DomainError::OpinionTooLong { .. } => {
                    (S::UNPROCESSABLE_ENTITY, "opinion_too_long", vec![])
                }
                DomainError::SeparationOfDuties(_) => {
                    (S::FORBIDDEN, "separation_of_duties", vec![])
                }
                DomainError::InvalidForm(p) => (S::UNPROCESSABLE_ENTITY, "invalid_form", p),
            },
            AppError::Store(cause) => {
                tracing::error!(error = %cause, "store failure");
                (S::INTERNAL_SERVER_ERROR, "internal", vec![])
            }
        };
        ApiError {
            status,
            code,
            message,
            problems,
        }
    }
}

/// The answer to any path the API does not have.
pub async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "没有这个地址")
}
