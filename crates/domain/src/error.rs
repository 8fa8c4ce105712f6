//! The one error type of the domain: named rule violations, each with a reason.

use crate::case::{Action, CaseStatus, Channel, Stage};
use crate::role::Role;

/// Why the domain refused a command. Variants are nouns of what went wrong;
/// the web layer maps each to a stable public code and an HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("办件当前为「{}」，不能办理「{}」", .status.label_zh(), .action.label_zh())]
    TransitionNotAllowed { action: Action, status: CaseStatus },
    #[error("「{}」须由{}办理", .action.label_zh(), .needed.label_zh())]
    WrongRole { action: Action, needed: Role },
    #[error("该任务未分派给您")]
    NotAssignee,
    #[error("只有申请人本人可以对自己的办件执行此动作")]
    NotOwnCase,
    #[error("办件已被他人更新（您提交的版本 {given}，当前版本 {current}），请刷新后重试")]
    VersionConflict { given: i64, current: i64 },
    #[error("「{}」须填写意见", .0.label_zh())]
    OpinionRequired(Action),
    #[error("意见过长（最多 {max} 字）")]
    OpinionTooLong { max: usize },
    #[error("意见{0}")]
    OpinionUnprintable(String),
    #[error("违反岗位分离：同一人不得在同一办件中承担{0}")]
    SeparationOfDuties(String),
    #[error("{0}须填写理由")]
    ReasonRequired(&'static str),
    #[error("该办件当前没有待办任务")]
    NoOpenTask,
    #[error("办件已办结")]
    CaseClosed,
    #[error("不能把任务改派给自己")]
    SelfAssignment,
    #[error("窗口代为提交的申请，渠道只能是「窗口」，不能是「{}」", .0.label_zh())]
    CounterChannelOnly(Channel),
    #[error("申请表填写有误：{}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("；"))]
    InvalidForm(Vec<FieldProblem>),
    #[error("补正告知填写有误：{}", .0.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join("；"))]
    InvalidCorrection(Vec<FieldProblem>),
    #[error("补正材料不符合补正告知：{}", .0.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join("；"))]
    InvalidResubmission(Vec<FieldProblem>),
    #[error("{}环节已一次性告知补正，不能再次要求补正；确需再次补正的，须由督办人员批准并写明理由", .0.label_zh())]
    CorrectionAlreadyRequested(Stage),
    #[error("{}环节尚未要求过补正，无需批准再次补正", .0.label_zh())]
    NoCorrectionToRepeat(Stage),
    /// 好差评: only a case that ended may be rated.
    #[error("办件尚未办结，办结后才能评价")]
    CaseNotEnded,
    #[error("该办件已评价，每件只能评价一次")]
    AlreadyRated,
    /// A rating, call-back, outcome or appeal whose content is not acceptable.
    #[error("{0}")]
    InvalidRating(String),
    /// A rectification step out of its order (call back, then outcome, once each).
    #[error("{0}")]
    RectificationStep(String),
    /// An appeal that may not be filed or decided now.
    #[error("{0}")]
    AppealNotAllowed(String),
    /// 审管分离: a supervision result or its handling whose content is not acceptable.
    #[error("{0}")]
    InvalidSupervision(String),
    /// 审管分离: a record claimed again, a result handled again.
    #[error("{0}")]
    SupervisionStep(String),
    /// 办事大厅: a group, window, ticket or booking whose content is not acceptable.
    #[error("{0}")]
    InvalidHall(String),
    /// 办事大厅: a ticket or booking step out of its order (called twice, recalled too often…).
    #[error("{0}")]
    HallStep(String),
    /// 自助终端: a one-time sign-in code not accepted (wrong, expired, used up).
    #[error("{0}")]
    KioskCode(crate::kiosk::CodeRefusal),
    /// 自助终端: the kiosk session ended (signed out, idle, or another kiosk's).
    #[error("自助终端登录已超时或已退出，请重新登录")]
    KioskSessionEnded,
}

/// A problem with one field of an application form.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}：{}", self.field, self.message)
    }
}
