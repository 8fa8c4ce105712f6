//! The one error type of the app layer. Variants are nouns of what went wrong;
//! the web layer maps each to an HTTP status and a stable public code once.
//! Faults of the server — storage, sealing, rendering — are variants of their
//! own whose message is generic; their cause is kept for the log, never shown.

use onestamp_domain::DomainError;
use onestamp_domain::catalogue::CatalogueProblem;
use onestamp_domain::error::FieldProblem;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No valid credentials or token.
    #[error("请先登录")]
    Unauthenticated,
    #[error("用户名或密码错误")]
    BadCredentials,
    /// The actor's roles do not allow this.
    #[error("无权执行此操作：{0}")]
    Forbidden(String),
    #[error("{0}不存在")]
    NotFound(String),
    /// Input that is well-formed JSON but not acceptable.
    #[error("{message}")]
    Invalid {
        message: String,
        problems: Vec<FieldProblem>,
    },
    #[error("目录文件有 {} 处错误：{}", .0.len(), .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("；"))]
    Catalogue(Vec<CatalogueProblem>),
    /// Already exists (e.g. a user name).
    #[error("{0}已存在")]
    Duplicate(String),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("暂无可分派的{0}，请联系管理员")]
    NoAssignee(String),
    #[error("该用户 {who} {reason}，不能承担此任务")]
    AssigneeUnfit { who: String, reason: &'static str },
    /// `until` is the bureau's wall-clock time, to the minute.
    #[error("登录失败次数过多，账号已锁定至 {until}")]
    LoginLocked { until: String },
    /// Too many of an action without an account in a short time.
    #[error("{what}过于频繁，请于 {retry_at} 后再试")]
    RateLimited {
        what: &'static str,
        retry_at: String,
    },
    /// A delivery that is not failed or skipped cannot be put back in the
    /// queue; the state it is in.
    #[error("只有发送失败或未发送的投递可以重新投递（当前：{0}）")]
    NotRetryable(&'static str),
    /// The store failed (disk, database, a broken invariant): a fault of the
    /// server, never the caller's doing. The cause is for the log only.
    #[error("系统内部错误，请稍后再试")]
    Store(#[source] StoreError),
    /// A licence could not be sealed: no seal configured, a catalogue or setting
    /// that does not make a valid licence identifier, or the signature failed.
    /// A fault of the installation, not of the request.
    #[error("证照签章失败，请稍后再试或联系管理员")]
    Sealing(#[source] Cause),
    /// A licence PDF could not be rendered (no font, a layout that does not fit).
    #[error("证照文件生成失败，请稍后再试或联系管理员")]
    Rendering(#[source] Cause),
}

/// The underlying cause of a fault, for the log.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::VersionConflict { given, current } => {
                AppError::Domain(DomainError::VersionConflict { given, current })
            }
            StoreError::Duplicate(what) => AppError::Duplicate(what),
            other => AppError::Store(other),
        }
    }
}

impl AppError {
    /// A fault of sealing, with its cause.
    pub fn sealing(cause: impl Into<Cause>) -> AppError {
        AppError::Sealing(cause.into())
    }

    /// A fault of rendering, with its cause.
    pub fn rendering(cause: impl Into<Cause>) -> AppError {
        AppError::Rendering(cause.into())
    }

    /// Whether this is a fault of the server rather than a refusal of the request.
    pub fn is_fault(&self) -> bool {
        matches!(
            self,
            AppError::Store(_) | AppError::Sealing(_) | AppError::Rendering(_)
        )
    }

    /// Bad input: a message for the caller and no field problems.
    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::Invalid {
            message: message.into(),
            problems: Vec::new(),
        }
    }
}
