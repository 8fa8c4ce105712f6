//! The one error type of the app layer. Variants are nouns of what went wrong;
//! the web layer maps each to an HTTP status and a stable public code once.

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
    #[error("登录失败次数过多，账号已锁定至 {until}")]
    LoginLocked { until: String },
    #[error("内部错误")]
    Store(#[source] StoreError),
}

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
    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::Invalid {
            message: message.into(),
            problems: Vec::new(),
        }
    }
}
