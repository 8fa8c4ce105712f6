//! The public error codes: one table of every `"code"` an error response of the
//! API can carry, each with its HTTP status. The codes are stable public API —
//! clients branch on them — so a code is added here, never renamed; the test
//! below pins every name and status. The JSON errors ([`crate::error`]) and the
//! error pages take their status from this table alike.

use axum::http::StatusCode;

/// A public error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    // Who is asking.
    Unauthenticated,
    BadCredentials,
    LoginLocked,
    Forbidden,
    WrongRole,
    NotAssignee,
    NotOwnCase,
    SeparationOfDuties,
    // What is asked for.
    NotFound,
    UnknownKind,
    // The request itself.
    BadRequest,
    MalformedJson,
    InvalidBody,
    BadQuery,
    UnsupportedMediaType,
    PayloadTooLarge,
    // What the request says.
    InvalidInput,
    InvalidForm,
    InvalidCatalogue,
    OpinionRequired,
    OpinionTooLong,
    AssigneeUnfit,
    InvalidCorrection,
    InvalidResubmission,
    // The state it meets.
    VersionConflict,
    TransitionNotAllowed,
    Duplicate,
    NoAssignee,
    CorrectionAlreadyRequested,
    /// 好差评: the case has not ended yet.
    CaseNotEnded,
    /// 好差评: the case is rated already (once only).
    AlreadyRated,
    /// A rectification step out of order or repeated.
    RectificationStep,
    /// An appeal that may not be filed or decided (not a bad rating, once only).
    AppealNotAllowed,
    /// 审管分离: a record claimed again, a supervision result handled again.
    SupervisionStep,
    /// 办事大厅: a ticket or booking step out of its order (called twice, recalled too often…).
    HallStep,
    /// Too many of an action in a short time (public reports).
    RateLimited,
    /// A delivery that is neither failed nor skipped cannot be retried.
    NotRetryable,
    /// 自助终端: a one-time sign-in code not accepted (wrong, expired, used up).
    KioskCodeRefused,
    /// 自助终端: the kiosk session ended (signed out or idle).
    KioskSessionEnded,
    // A fault of the server (storage, sealing, rendering): never the caller's doing.
    Internal,
}

impl Code {
    /// Every code, for the table test and for documentation.
    pub const ALL: [Code; 40] = [
        Code::Unauthenticated,
        Code::BadCredentials,
        Code::LoginLocked,
        Code::Forbidden,
        Code::WrongRole,
        Code::NotAssignee,
        Code::NotOwnCase,
        Code::SeparationOfDuties,
        Code::NotFound,
        Code::UnknownKind,
        Code::BadRequest,
        Code::MalformedJson,
        Code::InvalidBody,
        Code::BadQuery,
        Code::UnsupportedMediaType,
        Code::PayloadTooLarge,
        Code::InvalidInput,
        Code::InvalidForm,
        Code::InvalidCatalogue,
        Code::OpinionRequired,
        Code::OpinionTooLong,
        Code::AssigneeUnfit,
        Code::InvalidCorrection,
        Code::InvalidResubmission,
        Code::VersionConflict,
        Code::TransitionNotAllowed,
        Code::Duplicate,
        Code::NoAssignee,
        Code::CorrectionAlreadyRequested,
        Code::CaseNotEnded,
        Code::AlreadyRated,
        Code::RectificationStep,
        Code::AppealNotAllowed,
        Code::SupervisionStep,
        Code::HallStep,
        Code::RateLimited,
        Code::NotRetryable,
        Code::KioskCodeRefused,
        Code::KioskSessionEnded,
        Code::Internal,
    ];

    /// The code as it appears in `{"error": {"code": …}}`.
    pub fn name(self) -> &'static str {
        match self {
            Code::Unauthenticated => "unauthenticated",
            Code::BadCredentials => "bad_credentials",
            Code::LoginLocked => "login_locked",
            Code::Forbidden => "forbidden",
            Code::WrongRole => "wrong_role",
            Code::NotAssignee => "not_assignee",
            Code::NotOwnCase => "not_own_case",
            Code::SeparationOfDuties => "separation_of_duties",
            Code::NotFound => "not_found",
            Code::UnknownKind => "unknown_kind",
            Code::BadRequest => "bad_request",
            Code::MalformedJson => "malformed_json",
            Code::InvalidBody => "invalid_body",
            Code::BadQuery => "bad_query",
            Code::UnsupportedMediaType => "unsupported_media_type",
            Code::PayloadTooLarge => "payload_too_large",
            Code::InvalidInput => "invalid_input",
            Code::InvalidForm => "invalid_form",
            Code::InvalidCatalogue => "invalid_catalogue",
            Code::OpinionRequired => "opinion_required",
            Code::OpinionTooLong => "opinion_too_long",
            Code::AssigneeUnfit => "assignee_unfit",
            Code::InvalidCorrection => "invalid_correction",
            Code::InvalidResubmission => "invalid_resubmission",
            Code::VersionConflict => "version_conflict",
            Code::TransitionNotAllowed => "transition_not_allowed",
            Code::Duplicate => "duplicate",
            Code::NoAssignee => "no_assignee",
            Code::CorrectionAlreadyRequested => "correction_already_requested",
            Code::CaseNotEnded => "case_not_ended",
            Code::AlreadyRated => "already_rated",
            Code::RectificationStep => "rectification_step",
            Code::AppealNotAllowed => "appeal_not_allowed",
            Code::SupervisionStep => "supervision_step",
            Code::HallStep => "hall_step",
            Code::RateLimited => "rate_limited",
            Code::NotRetryable => "not_retryable",
            Code::KioskCodeRefused => "kiosk_code_refused",
            Code::KioskSessionEnded => "kiosk_session_ended",
            Code::Internal => "internal",
        }
    }

    /// The HTTP status every response with this code has.
    pub fn status(self) -> StatusCode {
        use StatusCode as S;
        match self {
            Code::Unauthenticated
            | Code::BadCredentials
            | Code::KioskCodeRefused
            | Code::KioskSessionEnded => S::UNAUTHORIZED,
            Code::LoginLocked | Code::RateLimited => S::TOO_MANY_REQUESTS,
            Code::Forbidden
            | Code::WrongRole
            | Code::NotAssignee
            | Code::NotOwnCase
            | Code::SeparationOfDuties => S::FORBIDDEN,
            Code::NotFound | Code::UnknownKind => S::NOT_FOUND,
            Code::BadRequest | Code::MalformedJson | Code::BadQuery => S::BAD_REQUEST,
            Code::UnsupportedMediaType => S::UNSUPPORTED_MEDIA_TYPE,
            Code::PayloadTooLarge => S::PAYLOAD_TOO_LARGE,
            Code::InvalidBody
            | Code::InvalidInput
            | Code::InvalidForm
            | Code::InvalidCatalogue
            | Code::OpinionRequired
            | Code::OpinionTooLong
            | Code::AssigneeUnfit
            | Code::InvalidCorrection
            | Code::InvalidResubmission => S::UNPROCESSABLE_ENTITY,
            Code::VersionConflict
            | Code::TransitionNotAllowed
            | Code::Duplicate
            | Code::NoAssignee
            | Code::CorrectionAlreadyRequested
            | Code::CaseNotEnded
            | Code::AlreadyRated
            | Code::RectificationStep
            | Code::AppealNotAllowed
            | Code::NotRetryable
            | Code::SupervisionStep
            | Code::HallStep => S::CONFLICT,
            Code::Internal => S::INTERNAL_SERVER_ERROR,
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published table. A failure here means a public code or its status
    /// changed: clients depend on both, so change a code only on purpose and
    /// say so in the README's API section.
    const PUBLISHED: [(Code, &str, u16); 40] = [
        (Code::Unauthenticated, "unauthenticated", 401),
        (Code::BadCredentials, "bad_credentials", 401),
        (Code::LoginLocked, "login_locked", 429),
        (Code::Forbidden, "forbidden", 403),
        (Code::WrongRole, "wrong_role", 403),
        (Code::NotAssignee, "not_assignee", 403),
        (Code::NotOwnCase, "not_own_case", 403),
        (Code::SeparationOfDuties, "separation_of_duties", 403),
        (Code::NotFound, "not_found", 404),
        (Code::UnknownKind, "unknown_kind", 404),
        (Code::BadRequest, "bad_request", 400),
        (Code::MalformedJson, "malformed_json", 400),
        (Code::InvalidBody, "invalid_body", 422),
        (Code::BadQuery, "bad_query", 400),
        (Code::UnsupportedMediaType, "unsupported_media_type", 415),
        (Code::PayloadTooLarge, "payload_too_large", 413),
        (Code::InvalidInput, "invalid_input", 422),
        (Code::InvalidForm, "invalid_form", 422),
        (Code::InvalidCatalogue, "invalid_catalogue", 422),
        (Code::OpinionRequired, "opinion_required", 422),
        (Code::OpinionTooLong, "opinion_too_long", 422),
        (Code::AssigneeUnfit, "assignee_unfit", 422),
        (Code::InvalidCorrection, "invalid_correction", 422),
        (Code::InvalidResubmission, "invalid_resubmission", 422),
        (Code::VersionConflict, "version_conflict", 409),
        (Code::TransitionNotAllowed, "transition_not_allowed", 409),
        (Code::Duplicate, "duplicate", 409),
        (Code::NoAssignee, "no_assignee", 409),
        (
            Code::CorrectionAlreadyRequested,
            "correction_already_requested",
            409,
        ),
        (Code::CaseNotEnded, "case_not_ended", 409),
        (Code::AlreadyRated, "already_rated", 409),
        (Code::RectificationStep, "rectification_step", 409),
        (Code::AppealNotAllowed, "appeal_not_allowed", 409),
        (Code::SupervisionStep, "supervision_step", 409),
        (Code::HallStep, "hall_step", 409),
        (Code::RateLimited, "rate_limited", 429),
        (Code::NotRetryable, "not_retryable", 409),
        (Code::KioskCodeRefused, "kiosk_code_refused", 401),
        (Code::KioskSessionEnded, "kiosk_session_ended", 401),
        (Code::Internal, "internal", 500),
    ];

    #[test]
    fn every_public_code_keeps_its_name_and_status() {
        for (code, name, status) in PUBLISHED {
            assert_eq!(code.name(), name, "{code:?}");
            assert_eq!(code.status().as_u16(), status, "{code:?}");
        }
    }

    #[test]
    fn the_published_table_lists_every_code_once_in_order() {
        let published: Vec<Code> = PUBLISHED.iter().map(|(c, _, _)| *c).collect();
        assert_eq!(published, Code::ALL);
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len(), "two codes share a name");
    }
}
