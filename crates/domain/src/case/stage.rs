//! Stages, statuses, channels and actions of the pipeline, with their names.

use serde::{Deserialize, Serialize};

use crate::role::Role;

/// A handling stage, in pipeline order (the derive of `Ord` is the order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 预审: online submissions only.
    PreReview,
    /// 受理
    Intake,
    /// 审查
    Review,
    /// 踏勘
    Inspection,
    /// 核准
    Approval,
    /// 制证
    Production,
    /// 出证/送达
    Issuance,
}

/// The four duties that separation of duties keeps apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    Intake,
    Review,
    Approval,
    Production,
}

impl Duty {
    pub fn label_zh(self) -> &'static str {
        match self {
            Duty::Intake => "受理",
            Duty::Review => "审查",
            Duty::Approval => "核准",
            Duty::Production => "制证",
        }
    }
}

impl Stage {
    pub const ALL: [Stage; 7] = [
        Stage::PreReview,
        Stage::Intake,
        Stage::Review,
        Stage::Inspection,
        Stage::Approval,
        Stage::Production,
        Stage::Issuance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::PreReview => "pre_review",
            Stage::Intake => "intake",
            Stage::Review => "review",
            Stage::Inspection => "inspection",
            Stage::Approval => "approval",
            Stage::Production => "production",
            Stage::Issuance => "issuance",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Stage::PreReview => "预审",
            Stage::Intake => "受理",
            Stage::Review => "审查",
            Stage::Inspection => "踏勘",
            Stage::Approval => "核准",
            Stage::Production => "制证",
            Stage::Issuance => "出证",
        }
    }

    /// The staff role that holds this stage's task.
    pub fn role(self) -> Role {
        match self {
            Stage::PreReview | Stage::Intake => Role::Clerk,
            Stage::Review => Role::Reviewer,
            Stage::Inspection => Role::Inspector,
            Stage::Approval => Role::Approver,
            Stage::Production | Stage::Issuance => Role::Officer,
        }
    }

    /// The duty this stage belongs to, if separation of duties covers it.
    pub fn duty(self) -> Option<Duty> {
        match self {
            Stage::PreReview | Stage::Intake => Some(Duty::Intake),
            Stage::Review => Some(Duty::Review),
            Stage::Inspection => None,
            Stage::Approval => Some(Duty::Approval),
            Stage::Production | Stage::Issuance => Some(Duty::Production),
        }
    }
}

/// Where a case stands. Open statuses are the stages plus `correction`; the
/// other four are closed outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    PreReview,
    Intake,
    Review,
    Inspection,
    Approval,
    Production,
    Issuance,
    /// 补正: with the applicant; the clock stops.
    Correction,
    /// 已办结（出证）
    Issued,
    /// 不予受理
    NotAccepted,
    /// 不予许可
    Denied,
    /// 已撤回
    Withdrawn,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 12] = [
        CaseStatus::PreReview,
        CaseStatus::Intake,
        CaseStatus::Review,
        CaseStatus::Inspection,
        CaseStatus::Approval,
        CaseStatus::Production,
        CaseStatus::Issuance,
        CaseStatus::Correction,
        CaseStatus::Issued,
        CaseStatus::NotAccepted,
        CaseStatus::Denied,
        CaseStatus::Withdrawn,
    ];

    /// The status of a case at `stage`.
    pub fn at(stage: Stage) -> CaseStatus {
        match stage {
            Stage::PreReview => CaseStatus::PreReview,
            Stage::Intake => CaseStatus::Intake,
            Stage::Review => CaseStatus::Review,
            Stage::Inspection => CaseStatus::Inspection,
            Stage::Approval => CaseStatus::Approval,
            Stage::Production => CaseStatus::Production,
            Stage::Issuance => CaseStatus::Issuance,
        }
    }

    /// The staff stage in hand, if any.
    pub fn stage(self) -> Option<Stage> {
        match self {
            CaseStatus::PreReview => Some(Stage::PreReview),
            CaseStatus::Intake => Some(Stage::Intake),
            CaseStatus::Review => Some(Stage::Review),
            CaseStatus::Inspection => Some(Stage::Inspection),
            CaseStatus::Approval => Some(Stage::Approval),
            CaseStatus::Production => Some(Stage::Production),
            CaseStatus::Issuance => Some(Stage::Issuance),
            _ => None,
        }
    }

    pub fn is_closed(self) -> bool {
        matches!(
            self,
            CaseStatus::Issued
                | CaseStatus::NotAccepted
                | CaseStatus::Denied
                | CaseStatus::Withdrawn
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Correction => "correction",
            CaseStatus::Issued => "issued",
            CaseStatus::NotAccepted => "not_accepted",
            CaseStatus::Denied => "denied",
            CaseStatus::Withdrawn => "withdrawn",
            other => other.stage().map(Stage::as_str).unwrap_or("unknown"),
        }
    }

    pub fn parse(s: &str) -> Option<CaseStatus> {
        CaseStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            CaseStatus::Correction => "待补正",
            CaseStatus::Issued => "已出证办结",
            CaseStatus::NotAccepted => "不予受理",
            CaseStatus::Denied => "不予许可",
            CaseStatus::Withdrawn => "已撤回",
            other => other.stage().map(Stage::label_zh).unwrap_or("未知"),
        }
    }
}

impl std::fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the application came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 窗口
    Counter,
    /// 网上
    Web,
    /// 移动端
    Mobile,
    /// 自助终端
    Kiosk,
}

impl Channel {
    pub const ALL: [Channel; 4] = [
        Channel::Counter,
        Channel::Web,
        Channel::Mobile,
        Channel::Kiosk,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Counter => "counter",
            Channel::Web => "web",
            Channel::Mobile => "mobile",
            Channel::Kiosk => "kiosk",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Channel::Counter => "窗口",
            Channel::Web => "网上",
            Channel::Mobile => "移动端",
            Channel::Kiosk => "自助终端",
        }
    }

    /// Submissions not made at the counter get an online pre-review first.
    pub fn first_stage(self) -> Stage {
        match self {
            Channel::Counter => Stage::Intake,
            Channel::Web | Channel::Mobile | Channel::Kiosk => Stage::PreReview,
        }
    }
}

/// An action on an existing case (the API's action names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Accept,
    NotAccept,
    RequestCorrection,
    Resubmit,
    Review,
    Inspect,
    Approve,
    Deny,
    Produce,
    Issue,
    Withdraw,
}

impl Action {
    pub const ALL: [Action; 11] = [
        Action::Accept,
        Action::NotAccept,
        Action::RequestCorrection,
        Action::Resubmit,
        Action::Review,
        Action::Inspect,
        Action::Approve,
        Action::Deny,
        Action::Produce,
        Action::Issue,
        Action::Withdraw,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::NotAccept => "not_accept",
            Action::RequestCorrection => "request_correction",
            Action::Resubmit => "resubmit",
            Action::Review => "review",
            Action::Inspect => "inspect",
            Action::Approve => "approve",
            Action::Deny => "deny",
            Action::Produce => "produce",
            Action::Issue => "issue",
            Action::Withdraw => "withdraw",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Action::Accept => "受理",
            Action::NotAccept => "不予受理",
            Action::RequestCorrection => "一次性告知补正",
            Action::Resubmit => "补正后重新提交",
            Action::Review => "审查通过",
            Action::Inspect => "踏勘完成",
            Action::Approve => "核准",
            Action::Deny => "不予许可",
            Action::Produce => "制证",
            Action::Issue => "出证送达",
            Action::Withdraw => "撤回申请",
        }
    }

    /// Actions that refuse, send back or end the application: they look
    /// different on the pages and ask for a confirmation.
    pub fn is_negative(self) -> bool {
        matches!(
            self,
            Action::NotAccept | Action::RequestCorrection | Action::Deny | Action::Withdraw
        )
    }

    /// The bureau's common opinions (常用意见) for an action that moves a case on;
    /// refusals give their own reasons.
    pub fn common_opinions(self) -> &'static [&'static str] {
        match self {
            Action::Accept => &[
                "申请材料齐全，符合法定形式，予以受理。",
                "材料齐全，同意受理。",
            ],
            Action::Review => &["经审查，申请材料真实、完整，符合许可条件，同意提交核准。"],
            Action::Inspect => &["经现场踏勘，经营场所与申请材料一致，符合许可条件。"],
            Action::Approve => &["经审核，符合法定条件和标准，准予许可。"],
            Action::Produce => &["证照信息核对无误，已制证。"],
            Action::Issue => &["已出证送达。"],
            _ => &[],
        }
    }

    /// Refusals and correction requests must say why (一次性告知).
    pub fn needs_opinion(self) -> bool {
        matches!(
            self,
            Action::NotAccept | Action::RequestCorrection | Action::Deny
        )
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
