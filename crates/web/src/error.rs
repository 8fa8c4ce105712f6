//! The one mapping from app errors to HTTP: a public [`Code`] (which gives the
//! status) and a JSON body `{"error": {"code", "message"}}`. Faults of the server
//! are logged here, once, with their cause, and never shown.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use onestamp_app::AppError;
use onestamp_domain::DomainError;
use onestamp_domain::error::FieldProblem;

pub use crate::code::Code;

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
    #[schema(value_type = Vec<crate::api::schema::FieldProblem>)]
    pub problems: Vec<FieldProblem>,
}

/// An error response of the API: a public code (which gives the status), a
/// message, and field problems where there are any.
#[derive(Debug)]
pub struct ApiError {
    pub code: Code,
    pub message: String,
    pub problems: Vec<FieldProblem>,
}

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            problems: Vec::new(),
        }
    }

    pub fn status(&self) -> StatusCode {
        self.code.status()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.name().to_string(),
                message: self.message,
                problems: self.problems,
            },
        };
        (status, Json(body)).into_response()
    }
}

/// The public code of an app error: the one mapping, used by the API and the pages.
pub fn code_of(e: &AppError) -> Code {
    match e {
        AppError::Unauthenticated => Code::Unauthenticated,
        AppError::BadCredentials => Code::BadCredentials,
        AppError::Forbidden(_) => Code::Forbidden,
        AppError::NotFound(_) => Code::NotFound,
        AppError::Invalid { .. } => Code::InvalidInput,
        AppError::Catalogue(_) => Code::InvalidCatalogue,
        AppError::Duplicate(_) => Code::Duplicate,
        AppError::NoAssignee(_) => Code::NoAssignee,
        AppError::AssigneeUnfit { .. } => Code::AssigneeUnfit,
        AppError::LoginLocked { .. } => Code::LoginLocked,
        AppError::RateLimited { .. } => Code::RateLimited,
        AppError::NotRetryable(_) => Code::NotRetryable,
        AppError::Domain(d) => match d {
            DomainError::TransitionNotAllowed { .. } => Code::TransitionNotAllowed,
            DomainError::WrongRole { .. } => Code::WrongRole,
            DomainError::NotAssignee => Code::NotAssignee,
            DomainError::NotOwnCase => Code::NotOwnCase,
            DomainError::VersionConflict { .. } => Code::VersionConflict,
            DomainError::OpinionRequired(_) => Code::OpinionRequired,
            DomainError::OpinionTooLong { .. } => Code::OpinionTooLong,
            DomainError::OpinionUnprintable(_) | DomainError::CounterChannelOnly(_) => {
                Code::InvalidInput
            }
            DomainError::SeparationOfDuties(_) => Code::SeparationOfDuties,
            DomainError::InvalidForm(_) => Code::InvalidForm,
            DomainError::ReasonRequired(_) | DomainError::NoOpenTask | DomainError::CaseClosed => {
                Code::InvalidInput
            }
            DomainError::SelfAssignment => Code::AssigneeUnfit,
            DomainError::InvalidCorrection(_) => Code::InvalidCorrection,
            DomainError::InvalidResubmission(_) => Code::InvalidResubmission,
            DomainError::CorrectionAlreadyRequested(_) => Code::CorrectionAlreadyRequested,
            DomainError::NoCorrectionToRepeat(_) => Code::TransitionNotAllowed,
            DomainError::CaseNotEnded => Code::CaseNotEnded,
            DomainError::AlreadyRated => Code::AlreadyRated,
            DomainError::InvalidRating(_) => Code::InvalidInput,
            DomainError::RectificationStep(_) => Code::RectificationStep,
            DomainError::AppealNotAllowed(_) => Code::AppealNotAllowed,
            DomainError::InvalidSupervision(_) => Code::InvalidInput,
            DomainError::SupervisionStep(_) => Code::SupervisionStep,
            DomainError::InvalidHall(_) => Code::InvalidInput,
            DomainError::HallStep(_) => Code::HallStep,
            DomainError::KioskCode(_) => Code::KioskCodeRefused,
            DomainError::KioskSessionEnded => Code::KioskSessionEnded,
        },
        AppError::Store(_) | AppError::Sealing(_) | AppError::Rendering(_) => Code::Internal,
    }
}

/// Logs a fault of the server once, with its whole chain of causes; the caller
/// sees only the variant's generic message.
fn log_fault(e: &AppError) {
    let what = match e {
        AppError::Store(_) => "store failure",
        AppError::Sealing(_) => "sealing failure",
        AppError::Rendering(_) => "rendering failure",
        _ => return,
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if !cause.is_empty() {
            cause.push_str(": ");
        }
        cause.push_str(&s.to_string());
        source = s.source();
    }
    tracing::error!(error = %cause, "{what}");
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        let code = code_of(&e);
        log_fault(&e);
        let message = e.to_string();
        let problems = match e {
            AppError::Invalid { problems, .. } => problems,
            AppError::Domain(
                DomainError::InvalidForm(problems)
                | DomainError::InvalidCorrection(problems)
                | DomainError::InvalidResubmission(problems),
            ) => problems,
            AppError::Catalogue(problems) => problems
                .into_iter()
                .map(|p| FieldProblem {
                    field: p.entry,
                    message: p.problem,
                })
                .collect(),
            _ => Vec::new(),
        };
        ApiError {
            code,
            message,
            problems,
        }
    }
}

/// The answer to any path the API does not have.
pub async fn not_found() -> ApiError {
    ApiError::new(Code::NotFound, "没有这个地址")
}
