//! Messages (消息推送): which events a change of state raises, whom each is
//! addressed to, and its words — a subject, a short text of at most
//! [`TEXT_MAX`] characters and a stage word of at most [`WORD_MAX`] that an
//! SMS or WeChat gateway can send as they are, and a longer body for email.
//!
//! Pure: the app turns a [`Message`] into an outbox row written in the
//! transaction of the change, and the delivery workers take it from there.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::case::{Case, CaseStatus, SYSTEM_ACTOR, Stage, UserId};
use crate::role::Role;

/// The longest short text, in characters (one SMS of Chinese text).
pub const TEXT_MAX: usize = 70;
/// The longest stage word, in characters.
pub const WORD_MAX: usize = 5;

/// What happened: the events a message can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Event {
    #[serde(rename = "case.submitted")]
    CaseSubmitted,
    #[serde(rename = "case.accepted")]
    CaseAccepted,
    #[serde(rename = "case.not_accepted")]
    CaseNotAccepted,
    #[serde(rename = "case.correction_requested")]
    CorrectionRequested,
    #[serde(rename = "case.resubmitted")]
    CaseResubmitted,
    #[serde(rename = "case.stage_passed")]
    StagePassed,
    #[serde(rename = "case.approved")]
    CaseApproved,
    #[serde(rename = "case.denied")]
    CaseDenied,
    #[serde(rename = "case.issued")]
    CaseIssued,
    #[serde(rename = "case.withdrawn")]
    CaseWithdrawn,
    #[serde(rename = "task.assigned")]
    TaskAssigned,
    #[serde(rename = "task.yellow")]
    TaskYellow,
    #[serde(rename = "task.overdue")]
    TaskOverdue,
    #[serde(rename = "case.overdue")]
    CaseOverdue,
    #[serde(rename = "case.late_correction")]
    LateCorrection,
    #[serde(rename = "public.report")]
    PublicReport,
    #[serde(rename = "rectification.due")]
    RectificationDue,
    #[serde(rename = "licence.expiring")]
    LicenceExpiring,
    #[serde(rename = "licence.revoked")]
    LicenceRevoked,
    #[serde(rename = "licence.replaced")]
    LicenceReplaced,
    #[serde(rename = "supervision.record")]
    SupervisionRecord,
    #[serde(rename = "supervision.claim_overdue")]
    ClaimOverdue,
    #[serde(rename = "supervision.result")]
    SupervisionResult,
    #[serde(rename = "appointment.confirmed")]
    AppointmentConfirmed,
    #[serde(rename = "appointment.cancelled")]
    AppointmentCancelled,
    #[serde(rename = "appointment.reminder")]
    AppointmentReminder,
}

/// Who an event is mainly for: the preferences page groups them so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reader {
    Applicant,
    Staff,
    Regulator,
}

impl Event {
    pub const ALL: [Event; 26] = [
        Event::CaseSubmitted,
        Event::CaseAccepted,
        Event::CaseNotAccepted,
        Event::CorrectionRequested,
        Event::CaseResubmitted,
        Event::StagePassed,
        Event::CaseApproved,
        Event::CaseDenied,
        Event::CaseIssued,
        Event::CaseWithdrawn,
        Event::TaskAssigned,
        Event::TaskYellow,
        Event::TaskOverdue,
        Event::CaseOverdue,
        Event::LateCorrection,
        Event::PublicReport,
        Event::RectificationDue,
        Event::LicenceExpiring,
        Event::LicenceRevoked,
        Event::LicenceReplaced,
        Event::SupervisionRecord,
        Event::ClaimOverdue,
        Event::SupervisionResult,
        Event::AppointmentConfirmed,
        Event::AppointmentCancelled,
        Event::AppointmentReminder,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Event::CaseSubmitted => "case.submitted",
            Event::CaseAccepted => "case.accepted",
            Event::CaseNotAccepted => "case.not_accepted",
            Event::CorrectionRequested => "case.correction_requested",
            Event::CaseResubmitted => "case.resubmitted",
            Event::StagePassed => "case.stage_passed",
            Event::CaseApproved => "case.approved",
            Event::CaseDenied => "case.denied",
            Event::CaseIssued => "case.issued",
            Event::CaseWithdrawn => "case.withdrawn",
            Event::TaskAssigned => "task.assigned",
            Event::TaskYellow => "task.yellow",
            Event::TaskOverdue => "task.overdue",
            Event::CaseOverdue => "case.overdue",
            Event::LateCorrection => "case.late_correction",
            Event::PublicReport => "public.report",
            Event::RectificationDue => "rectification.due",
            Event::LicenceExpiring => "licence.expiring",
            Event::LicenceRevoked => "licence.revoked",
            Event::LicenceReplaced => "licence.replaced",
            Event::SupervisionRecord => "supervision.record",
            Event::ClaimOverdue => "supervision.claim_overdue",
            Event::SupervisionResult => "supervision.result",
            Event::AppointmentConfirmed => "appointment.confirmed",
            Event::AppointmentCancelled => "appointment.cancelled",
            Event::AppointmentReminder => "appointment.reminder",
        }
    }

    pub fn parse(s: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// The event's name in Chinese, for preferences and lists.
    pub fn label_zh(self) -> &'static str {
        match self {
            Event::CaseSubmitted => "申请已提交",
            Event::CaseAccepted => "申请已受理",
            Event::CaseNotAccepted => "不予受理",
            Event::CorrectionRequested => "需要补正材料",
            Event::CaseResubmitted => "补正已提交",
            Event::StagePassed => "环节办理完成",
            Event::CaseApproved => "审批已核准",
            Event::CaseDenied => "不予许可",
            Event::CaseIssued => "证照已发放",
            Event::CaseWithdrawn => "申请已撤回",
            Event::TaskAssigned => "新任务分派",
            Event::TaskYellow => "任务即将超时（黄灯）",
            Event::TaskOverdue => "任务已超时（红灯）",
            Event::CaseOverdue => "办件超承诺时限",
            Event::LateCorrection => "补正告知超过5个工作日",
            Event::PublicReport => "群众举报",
            Event::RectificationDue => "差评整改到期",
            Event::LicenceExpiring => "证照即将到期",
            Event::LicenceRevoked => "证照已注销",
            Event::LicenceReplaced => "证照已换发",
            Event::SupervisionRecord => "审批信息推送（审管分离）",
            Event::ClaimOverdue => "监管认领超时",
            Event::SupervisionResult => "监管结果反馈",
            Event::AppointmentConfirmed => "预约成功",
            Event::AppointmentCancelled => "预约已取消",
            Event::AppointmentReminder => "预约办事提醒",
        }
    }

    /// Who the event is mainly for.
    pub fn reader(self) -> Reader {
        match self {
            Event::CaseSubmitted
            | Event::CaseAccepted
            | Event::CaseNotAccepted
            | Event::CorrectionRequested
            | Event::CaseResubmitted
            | Event::StagePassed
            | Event::CaseApproved
            | Event::CaseDenied
            | Event::CaseIssued
            | Event::CaseWithdrawn
            | Event::LicenceExpiring
            | Event::LicenceRevoked
            | Event::LicenceReplaced
            | Event::AppointmentConfirmed
            | Event::AppointmentCancelled
            | Event::AppointmentReminder => Reader::Applicant,
            Event::TaskAssigned
            | Event::TaskYellow
            | Event::TaskOverdue
            | Event::CaseOverdue
            | Event::LateCorrection
            | Event::PublicReport
            | Event::RectificationDue
            | Event::ClaimOverdue
            | Event::SupervisionResult => Reader::Staff,
            Event::SupervisionRecord => Reader::Regulator,
        }
    }

    /// The events a holder of `roles` may receive and so may switch on or off.
    pub fn for_roles(roles: &[Role]) -> Vec<Event> {
        let applicant = roles.contains(&Role::Applicant);
        let regulator = roles.contains(&Role::Regulator);
        let staff = roles
            .iter()
            .any(|r| !matches!(r, Role::Applicant | Role::Regulator));
        Event::ALL
            .into_iter()
            .filter(|e| match e.reader() {
                Reader::Applicant => applicant,
                Reader::Staff => staff,
                Reader::Regulator => regulator,
            })
            .collect()
    }
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whom a message is addressed to: a person, or everyone holding a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Audience {
    User(UserId),
    Role(Role),
}

/// One message, rendered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub event: Event,
    pub audience: Vec<Audience>,
    /// The email subject and inbox title.
    pub subject: String,
    /// At most [`TEXT_MAX`] characters: the SMS text and the inbox line.
    pub text: String,
    /// At most [`WORD_MAX`] characters: 已受理, 待补正, 已核准…
    pub stage_word: String,
    /// Where the reader follows it up on this installation: a path (`/cases/12`).
    pub link: String,
    /// When the change happened.
    pub occurred_at: DateTime<Utc>,
    /// Makes the message unique: a message with a key already in the outbox is
    /// not written twice.
    pub dedup_key: String,
}

impl Message {
    /// The email body: the text, then the case number, the link and the
    /// progress lookup address, each on its own line.
    pub fn email_body(&self, case_number: Option<&str>, public_url: &str) -> String {
        let base = public_url.trim_end_matches('/');
        let mut body = format!("{}\n\n", self.text);
        if let Some(n) = case_number {
            body.push_str(&format!("办件编号：{n}\n"));
        }
        body.push_str(&format!("事项状态：{}\n", self.stage_word));
        if !self.link.is_empty() {
            body.push_str(&format!("查看详情：{base}{}\n", self.link));
        }
        if case_number.is_some() && self.event.reader() == Reader::Applicant {
            body.push_str(&format!("进度查询：{base}/lookup （凭办件编号和查询码）\n"));
        }
        body.push_str(
            "\n本邮件由系统自动发送，请勿直接回复。如不想再收到此类邮件，可在“消息设置”中关闭。\n",
        );
        body
    }
}

/// `template` with `{}` replaced by `name`, the name shortened with "…" so
/// that the whole stays within [`TEXT_MAX`] characters.
pub(crate) fn fit(template: &str, name: &str) -> String {
    let whole = template.replacen("{}", name, 1);
    let over = whole.chars().count().saturating_sub(TEXT_MAX);
    if over == 0 {
        return whole;
    }
    let keep = name.chars().count().saturating_sub(over + 1);
    let short: String = name.chars().take(keep).chain(['…']).collect();
    let text = template.replacen("{}", &short, 1);
    // A template too long for any name: cut the text itself.
    clip(&text)
}

/// `text` cut to [`TEXT_MAX`] characters, ending in "…" when cut.
fn clip(text: &str) -> String {
    if text.chars().count() <= TEXT_MAX {
        return text.to_string();
    }
    text.chars().take(TEXT_MAX - 1).chain(['…']).collect()
}

/// The applicant's message about one step of their case: `action` is `submit`
/// or an action's name, `case` the case after it. `None` for steps the
/// applicant is not told about (a reassignment, the green channel).
pub fn case_step(action: &str, case: &Case, item_name: &str, at: DateTime<Utc>) -> Option<Message> {
    let n = &case.number;
    let (event, word, template) = match action {
        "submit" => (
            Event::CaseSubmitted,
            "已提交",
            format!("您申请的“{{}}”已提交（{n}），我们将尽快预审受理。"),
        ),
        "accept" => (
            Event::CaseAccepted,
            "已受理",
            format!("您申请的“{{}}”已受理（{n}），可凭查询码查询进度。"),
        ),
        "not_accept" => (
            Event::CaseNotAccepted,
            "不予受理",
            format!("您申请的“{{}}”不予受理（{n}），原因见不予受理通知书。"),
        ),
        "request_correction" => (
            Event::CorrectionRequested,
            "待补正",
            format!("您申请的“{{}}”需补正材料（{n}），请按补正告知书一次补齐。"),
        ),
        "resubmit" => (
            Event::CaseResubmitted,
            "已补正",
            format!("您对“{{}}”的补正已提交（{n}），审批继续进行。"),
        ),
        "review" => (
            Event::StagePassed,
            "审查通过",
            format!("您申请的“{{}}”已通过审查（{n}），进入下一环节。"),
        ),
        "inspect" => (
            Event::StagePassed,
            "踏勘完成",
            format!("您申请的“{{}}”已完成现场踏勘（{n}），进入下一环节。"),
        ),
        "approve" => (
            Event::CaseApproved,
            "已核准",
            format!("您申请的“{{}}”已核准（{n}），正在制证。"),
        ),
        "deny" => (
            Event::CaseDenied,
            "不予许可",
            format!("您申请的“{{}}”不予许可（{n}），原因见决定书。"),
        ),
        "produce" => (
            Event::StagePassed,
            "已制证",
            format!("您申请的“{{}}”证照已制作（{n}），即将发放。"),
        ),
        "issue" => (
            Event::CaseIssued,
            "已出证",
            format!("您申请的“{{}}”已办结出证（{n}），电子证照已入证照库。"),
        ),
        "withdraw" => (
            Event::CaseWithdrawn,
            "已撤回",
            format!("您申请的“{{}}”已撤回（{n}）。"),
        ),
        _ => return None,
    };
    Some(Message {
        event,
        audience: vec![Audience::User(case.applicant.user_id)],
        subject: format!("{}：{item_name}（{n}）", event.label_zh()),
        text: fit(&template, item_name),
        stage_word: word.to_string(),
        link: format!("/cases/{}", case.id),
        occurred_at: at,
        dedup_key: format!("case:{}:v{}:{}", case.id, case.version, event.as_str()),
    })
}

/// The applicant's one correction request for a bundle (联审联办): every item
/// of it that now waits for a correction, to be answered on the bundle's page.
/// It stands for the child's own `case.correction_requested` message, whose
/// dedup key it keeps.
pub fn bundle_correction(
    child: &Message,
    bundle: (i64, &str),
    theme_name: &str,
    items: &[String],
) -> Message {
    let (id, number) = bundle;
    let names = items.join("、");
    let template = format!(
        "您的主题申请“{{}}”有{}个事项需补正：{names}，请在一页内一次补齐。",
        items.len()
    );
    Message {
        subject: format!(
            "{}：{theme_name}（{number}）",
            Event::CorrectionRequested.label_zh()
        ),
        text: fit(&template, theme_name),
        link: format!("/bundles/{id}"),
        ..child.clone()
    }
}

/// The message to the member of staff who now holds the case's task, when the
/// step gave the task to someone new (not the system, not the same person at
/// the same stage).
pub fn task_assigned(
    before: Option<&Case>,
    case: &Case,
    item_name: &str,
    due_text: Option<&str>,
    at: DateTime<Utc>,
) -> Option<Message> {
    let task = case.task.as_ref()?;
    if task.assignee == SYSTEM_ACTOR {
        return None;
    }
    let same = before
        .and_then(|b| b.task.as_ref())
        .is_some_and(|t| t.assignee == task.assignee && t.stage == task.stage);
    if same {
        return None;
    }
    let stage = task.stage.label_zh();
    let n = &case.number;
    let template = match due_text {
        Some(due) => format!("新的{stage}任务：“{{}}”（{n}），请于{due}前办理。"),
        None => format!("新的{stage}任务：“{{}}”（{n}），请及时办理。"),
    };
    Some(Message {
        event: Event::TaskAssigned,
        audience: vec![Audience::User(task.assignee)],
        subject: format!("新的{stage}任务：{item_name}（{n}）"),
        text: fit(&template, item_name),
        stage_word: "新任务".into(),
        link: format!("/cases/{}", case.id),
        occurred_at: at,
        dedup_key: format!("case:{}:v{}:task.assigned", case.id, case.version),
    })
}

/// The message an alert of `kind` raises, to the person responsible (when
/// there is one) and every supervisor. `None` for a kind that sends none.
pub fn alert(
    kind: &str,
    case_id: i64,
    case_number: &str,
    stage: Option<Stage>,
    responsible: Option<UserId>,
    dedup_key: &str,
    at: DateTime<Utc>,
) -> Option<Message> {
    let stage_zh = stage.map_or("", Stage::label_zh);
    let (event, word, text) = match kind {
        "task_overdue" => (
            Event::TaskOverdue,
            "已超时",
            format!("办件{case_number}的{stage_zh}任务已超过时限（红灯），请立即处理。"),
        ),
        "task_yellow" => (
            Event::TaskYellow,
            "即将超时",
            format!("办件{case_number}的{stage_zh}任务即将超时（黄灯），请抓紧办理。"),
        ),
        "case_overdue" => (
            Event::CaseOverdue,
            "已超时",
            format!("办件{case_number}已超过承诺办结时限，请督办。"),
        ),
        "late_correction" => (
            Event::LateCorrection,
            "补正超期",
            format!("办件{case_number}在受理5个工作日后才告知补正，请核查。"),
        ),
        "public_report" => (
            Event::PublicReport,
            "投诉举报",
            format!("收到群众对证照的举报（{case_number}），请及时核查处理。"),
        ),
        "rectification_callback_overdue" => (
            Event::RectificationDue,
            "整改到期",
            format!("办件{case_number}的差评未按时回访，请督办。"),
        ),
        "rectification_overdue" => (
            Event::RectificationDue,
            "整改到期",
            format!("办件{case_number}的差评整改已到期未完成，请督办。"),
        ),
        "claim_overdue" => (
            Event::ClaimOverdue,
            "认领超时",
            format!("推送给监管部门的审批信息（{case_number}）超时未认领，请督促。"),
        ),
        _ => return None,
    };
    let mut audience = Vec::new();
    if let Some(r) = responsible.filter(|r| *r != SYSTEM_ACTOR) {
        audience.push(Audience::User(r));
    }
    audience.push(Audience::Role(Role::Supervisor));
    let link = if kind == "public_report" || kind == "claim_overdue" {
        "/supervision/alerts".to_string()
    } else if case_id > 0 {
        format!("/cases/{case_id}")
    } else {
        "/supervision/alerts".to_string()
    };
    Some(Message {
        event,
        audience,
        subject: format!("{}：{case_number}", event.label_zh()),
        text: clip(&text),
        stage_word: word.into(),
        link,
        occurred_at: at,
        dedup_key: format!("alert:{dedup_key}"),
    })
}

/// The holder's message about their licence: it expires soon, was revoked,
/// or was replaced by a new one.
pub fn licence_notice(
    event: Event,
    holder: UserId,
    type_name: &str,
    licence_id: &str,
    detail: &str,
    at: DateTime<Utc>,
) -> Option<Message> {
    let (word, template) = match event {
        Event::LicenceExpiring => (
            "证照将到期",
            format!("您的“{{}}”（{licence_id}）将于{detail}到期，请及时办理延续。"),
        ),
        Event::LicenceRevoked => (
            "证照已注销",
            format!("您的“{{}}”（{licence_id}）已注销：{detail}"),
        ),
        Event::LicenceReplaced => (
            "证照已换发",
            format!("您的“{{}}”（{licence_id}）已由新证照{detail}替代。"),
        ),
        _ => return None,
    };
    Some(Message {
        event,
        audience: vec![Audience::User(holder)],
        subject: format!("{}：{type_name}", event.label_zh()),
        text: fit(&template, type_name),
        stage_word: word.into(),
        link: format!("/licences/{licence_id}"),
        occurred_at: at,
        dedup_key: format!("licence:{licence_id}:{}", event.as_str()),
    })
}

/// The message a supervision feed record sends its department's regulators
/// (`audience`): a decision or a licence's change to claim (认领).
pub fn supervision_record(
    audience: Vec<Audience>,
    kind_zh: &str,
    item_name: &str,
    case_number: &str,
    claim_by: &str,
    at: DateTime<Utc>,
) -> Message {
    let template =
        format!("审批信息推送：“{{}}”{kind_zh}（{case_number}），请于{claim_by}前认领。");
    Message {
        event: Event::SupervisionRecord,
        audience,
        subject: format!("审批信息推送：{item_name}{kind_zh}（{case_number}）"),
        text: fit(&template, item_name),
        stage_word: "待认领".into(),
        link: "/regulation/feed".into(),
        occurred_at: at,
        dedup_key: format!("feed:{case_number}:{kind_zh}:{}", at.timestamp_millis()),
    }
}

/// The message a supervision result sends the bureau's officers and
/// supervisors; its key is completed with the result's id when stored.
pub fn supervision_result(
    result_zh: &str,
    type_name: &str,
    licence_id: &str,
    at: DateTime<Utc>,
) -> Message {
    let template = format!("监管部门反馈“{{}}”（{licence_id}）：{result_zh}，请及时处理。");
    Message {
        event: Event::SupervisionResult,
        audience: vec![
            Audience::Role(Role::Officer),
            Audience::Role(Role::Supervisor),
        ],
        subject: format!("监管结果反馈：{type_name}（{licence_id}）{result_zh}"),
        text: fit(&template, type_name),
        stage_word: "待处理".into(),
        link: format!("/admin/licences/{licence_id}"),
        occurred_at: at,
        dedup_key: format!("supervision_result:{licence_id}"),
    }
}

/// How long after `attempts` failed attempts a delivery is tried again:
/// immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (the
/// Standard Webhooks schedule, about 28 hours in all); `None` once the
/// schedule is spent and the delivery has failed.
pub fn retry_delay(attempts: u32) -> Option<chrono::Duration> {
    const SECONDS: [i64; 8] = [0, 5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];
    SECONDS
        .get(usize::try_from(attempts).ok()?)
        .map(|s| chrono::Duration::seconds(*s))
}

/// The case statuses after which the applicant has an outcome.
pub fn is_outcome(status: CaseStatus) -> bool {
    matches!(
        status,
        CaseStatus::Issued | CaseStatus::NotAccepted | CaseStatus::Denied | CaseStatus::Withdrawn
    )
}

#[cfg(test)]
mod bundle_tests {
    use super::*;

    #[test]
    fn a_bundles_correction_names_every_item_within_the_text_limit() {
        let child = Message {
            event: Event::CorrectionRequested,
            audience: vec![Audience::User(7)],
            subject: String::new(),
            text: String::new(),
            stage_word: "待补正".into(),
            link: "/cases/3".into(),
            occurred_at: DateTime::<Utc>::UNIX_EPOCH,
            dedup_key: "case:3:v4:case.correction_requested".into(),
        };
        let items = vec![
            "企业设立登记".to_string(),
            "食品经营许可（新办）".to_string(),
        ];
        let m = bundle_correction(&child, (9, "510107-20260302-ZT0001"), "我要开餐馆", &items);
        assert_eq!(m.link, "/bundles/9");
        assert!(
            m.text.contains("2个事项") && m.text.contains("食品经营许可"),
            "{}",
            m.text
        );
        assert!(m.text.chars().count() <= TEXT_MAX);
        assert_eq!(m.dedup_key, child.dedup_key);
        assert_eq!(m.audience, child.audience);
        let many: Vec<String> = (0..9)
            .map(|i| format!("很长很长的事项名称第{i}项"))
            .collect();
        let m = bundle_correction(&child, (9, "n"), "我要开餐馆", &many);
        assert!(m.text.chars().count() <= TEXT_MAX, "{}", m.text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Action, Task};

    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-03T02:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn case(task: Option<(Stage, UserId)>) -> Case {
        let mut c = crate::case::tests::case_in(CaseStatus::Review);
        c.id = 42;
        c.number = "510107-20261203-000001".into();
        c.applicant.user_id = 7;
        c.version = 3;
        c.task = task.map(|(stage, assignee)| Task {
            stage,
            assignee,
            started_at: at(),
            deadline: None,
            warn_at: None,
        });
        c
    }

    #[test]
    fn every_event_name_parses_back_and_every_word_is_short() {
        for e in Event::ALL {
            assert_eq!(Event::parse(e.as_str()), Some(e));
            assert_eq!(
                serde_json::to_value(e).ok(),
                Some(serde_json::Value::String(e.as_str().into()))
            );
        }
        let c = case(None);
        for a in Action::ALL {
            let m = case_step(a.as_str(), &c, "食品经营许可证核发", at());
            let m = m.unwrap_or_else(|| panic!("{a:?} sends no message"));
            assert!(m.stage_word.chars().count() <= WORD_MAX, "{}", m.stage_word);
            assert!(m.text.chars().count() <= TEXT_MAX, "{}", m.text);
            assert_eq!(m.audience, vec![Audience::User(7)]);
        }
    }

    #[test]
    fn a_long_item_name_is_shortened_so_the_text_fits_an_sms() {
        let c = case(None);
        let name = "公共场所卫生许可证（新办、延续、变更、注销）含住宿场所、沐浴场所、美容美发场所及游泳场所";
        let m = case_step("accept", &c, name, at()).unwrap_or_else(|| panic!("no message"));
        assert_eq!(m.text.chars().count(), TEXT_MAX);
        assert!(m.text.contains('…'));
        assert!(
            m.text.contains("510107-20261203-000001"),
            "the number is kept"
        );
        assert!(m.subject.contains(name), "the subject keeps the whole name");
    }

    #[test]
    fn each_change_of_a_case_has_its_own_key() {
        let mut c = case(None);
        let a = case_step("accept", &c, "x", at()).map(|m| m.dedup_key);
        c.version += 1;
        let b = case_step("accept", &c, "x", at()).map(|m| m.dedup_key);
        assert_ne!(a, b);
    }

    #[test]
    fn the_new_holder_of_a_task_is_told_but_not_the_system_or_the_same_person() {
        let before = case(Some((Stage::Intake, 5)));
        let after = case(Some((Stage::Review, 6)));
        let m = task_assigned(Some(&before), &after, "x", Some("12月8日17:00"), at());
        let m = m.unwrap_or_else(|| panic!("no message"));
        assert_eq!(m.audience, vec![Audience::User(6)]);
        assert!(
            m.text.contains("审查") && m.text.contains("12月8日17:00"),
            "{}",
            m.text
        );
        assert_eq!(task_assigned(Some(&after), &after, "x", None, at()), None);
        let system = case(Some((Stage::Review, SYSTEM_ACTOR)));
        assert_eq!(task_assigned(None, &system, "x", None, at()), None);
        assert_eq!(
            task_assigned(Some(&after), &case(None), "x", None, at()),
            None
        );
    }

    #[test]
    fn an_alert_reaches_the_responsible_person_and_the_supervisors() {
        let m = alert(
            "task_overdue",
            42,
            "510107-20261203-000001",
            Some(Stage::Review),
            Some(6),
            "task:42:3",
            at(),
        );
        let m = m.unwrap_or_else(|| panic!("no message"));
        assert_eq!(
            m.audience,
            vec![Audience::User(6), Audience::Role(Role::Supervisor)]
        );
        assert!(m.text.chars().count() <= TEXT_MAX);
        assert_eq!(m.dedup_key, "alert:task:42:3");
        let none = alert("case_overdue", 42, "n", None, None, "k", at());
        assert_eq!(
            none.map(|m| m.audience),
            Some(vec![Audience::Role(Role::Supervisor)])
        );
        assert_eq!(alert("no_such_kind", 1, "n", None, None, "k", at()), None);
    }

    #[test]
    fn the_email_body_names_the_case_and_where_to_look_it_up() {
        let m = case_step("request_correction", &case(None), "x", at());
        let body =
            m.map(|m| m.email_body(Some("510107-20261203-000001"), "https://zwfw.example.cn/"));
        let body = body.unwrap_or_default();
        assert!(body.contains("办件编号：510107-20261203-000001"));
        assert!(body.contains("https://zwfw.example.cn/cases/42"));
        assert!(body.contains("https://zwfw.example.cn/lookup"));
    }

    #[test]
    fn a_failing_delivery_is_tried_eight_times_over_about_a_day() {
        assert_eq!(retry_delay(0), Some(chrono::Duration::zero()));
        assert_eq!(retry_delay(1), Some(chrono::Duration::seconds(5)));
        assert_eq!(retry_delay(7), Some(chrono::Duration::hours(10)));
        assert_eq!(retry_delay(8), None);
        let total: i64 = (1..8)
            .filter_map(retry_delay)
            .map(|d| d.num_seconds())
            .sum();
        assert_eq!(total, 5 + 300 + 1_800 + 7_200 + 18_000 + 36_000 + 36_000);
    }

    #[test]
    fn preferences_offer_only_the_events_a_role_receives() {
        let applicant = Event::for_roles(&[Role::Applicant]);
        assert!(applicant.contains(&Event::CaseAccepted));
        assert!(!applicant.contains(&Event::TaskAssigned));
        let clerk = Event::for_roles(&[Role::Clerk]);
        assert!(clerk.contains(&Event::TaskAssigned) && !clerk.contains(&Event::CaseAccepted));
        let regulator = Event::for_roles(&[Role::Regulator]);
        assert_eq!(regulator, vec![Event::SupervisionRecord]);
    }
}
