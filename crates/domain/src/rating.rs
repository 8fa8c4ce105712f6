//! 好差评 (GB/T 39734/39735, 国办发〔2019〕51号): the applicant's rating of an
//! ended case on five levels with reasons from a fixed list per level, the
//! rectification (整改) a bad rating opens — a call back within a number of
//! working days and a rectification or explanation within more —, and the
//! bureau's appeal (申诉) of a malicious or mistaken rating, decided by a
//! supervisor. A rating is never deleted: an upheld appeal only takes it out of
//! the statistics.
//!
//! Everything here is pure: the app loads, asks these functions, and stores.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::calendar::Calendar;
use crate::case::{Case, CaseStatus, SYSTEM_ACTOR, Stage, UserId};
use crate::timing::{self, Light};

/// Longest comment of a rating, a call-back note, an outcome or an appeal.
pub const MAX_COMMENT_CHARS: usize = 500;

/// The five levels of GB/T 39735, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingLevel {
    VerySatisfied,
    Satisfied,
    BasicallySatisfied,
    Dissatisfied,
    VeryDissatisfied,
}

/// A reason an applicant may tick, from the fixed list of its level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RatingReason {
    pub code: &'static str,
    pub label_zh: &'static str,
}

const fn reason(code: &'static str, label_zh: &'static str) -> RatingReason {
    RatingReason { code, label_zh }
}

/// Reasons of 非常满意 and 满意.
const GOOD_REASONS: [RatingReason; 6] = [
    reason("simple_procedure", "办事流程简便"),
    reason("fast", "办理速度快"),
    reason("friendly", "服务态度好"),
    reason("once", "一次办成、少跑腿"),
    reason("few_materials", "材料精简"),
    reason("clear_guide", "办事指南清晰"),
];

/// Reasons of 基本满意.
const FAIR_REASONS: [RatingReason; 4] = [
    reason("mostly_on_time", "基本按时办结"),
    reason("service_ok", "服务尚可"),
    reason("procedure_improvable", "流程仍可精简"),
    reason("guide_improvable", "指引仍需改进"),
];

/// Reasons of 不满意 and 非常不满意.
const BAD_REASONS: [RatingReason; 7] = [
    reason("complex_procedure", "办事流程繁琐"),
    reason("slow", "办理时间过长"),
    reason("unfriendly", "服务态度差"),
    reason("many_trips", "多次跑动"),
    reason("many_materials", "材料要求多"),
    reason("unclear_policy", "政策解释不清"),
    reason("system_trouble", "线上系统不好用"),
];

impl RatingLevel {
    pub const ALL: [RatingLevel; 5] = [
        RatingLevel::VerySatisfied,
        RatingLevel::Satisfied,
        RatingLevel::BasicallySatisfied,
        RatingLevel::Dissatisfied,
        RatingLevel::VeryDissatisfied,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RatingLevel::VerySatisfied => "very_satisfied",
            RatingLevel::Satisfied => "satisfied",
            RatingLevel::BasicallySatisfied => "basically_satisfied",
            RatingLevel::Dissatisfied => "dissatisfied",
            RatingLevel::VeryDissatisfied => "very_dissatisfied",
        }
    }

    pub fn parse(s: &str) -> Option<RatingLevel> {
        RatingLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RatingLevel::VerySatisfied => "非常满意",
            RatingLevel::Satisfied => "满意",
            RatingLevel::BasicallySatisfied => "基本满意",
            RatingLevel::Dissatisfied => "不满意",
            RatingLevel::VeryDissatisfied => "非常不满意",
        }
    }

    /// 好评: the three upper levels (GB/T 39735).
    pub fn is_good(self) -> bool {
        !self.is_bad()
    }

    /// 差评: 不满意 and 非常不满意; it opens a rectification.
    pub fn is_bad(self) -> bool {
        matches!(
            self,
            RatingLevel::Dissatisfied | RatingLevel::VeryDissatisfied
        )
    }

    /// The reasons an applicant may tick at this level.
    pub fn reasons(self) -> &'static [RatingReason] {
        match self {
            RatingLevel::VerySatisfied | RatingLevel::Satisfied => &GOOD_REASONS,
            RatingLevel::BasicallySatisfied => &FAIR_REASONS,
            RatingLevel::Dissatisfied | RatingLevel::VeryDissatisfied => &BAD_REASONS,
        }
    }

    /// The label of a reason code of this level.
    pub fn reason_label(self, code: &str) -> Option<&'static str> {
        self.reasons()
            .iter()
            .find(|r| r.code == code)
            .map(|r| r.label_zh)
    }
}

/// A rating as the applicant gave it, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckedRating {
    pub level: RatingLevel,
    /// Reason codes of the level, each once, in the list's order.
    pub reasons: Vec<String>,
    /// Trimmed; may be empty.
    pub comment: String,
}

fn text_of(text: &str, what: &str, required: bool) -> Result<String, DomainError> {
    let text = text.trim();
    if required && text.is_empty() {
        return Err(DomainError::InvalidRating(format!("须填写{what}")));
    }
    if text.chars().count() > MAX_COMMENT_CHARS {
        return Err(DomainError::InvalidRating(format!(
            "{what}过长（最多 {MAX_COMMENT_CHARS} 字）"
        )));
    }
    if let Some(why) = crate::text::forbidden(text, crate::text::Lines::Many) {
        return Err(DomainError::InvalidRating(format!("{what}{why}")));
    }
    Ok(text.to_string())
}

/// Whether a case in `status` may be rated: it has ended (issued, denied, not
/// accepted, withdrawn).
pub fn may_be_rated(status: CaseStatus) -> bool {
    status.is_closed()
}

/// Checks a rating of a case in `status`: the case must have ended and not be
/// rated yet; the level must be one of the five; each reason must belong to it;
/// a bad rating names at least one reason; the comment is at most
/// [`MAX_COMMENT_CHARS`] printable characters.
pub fn check_rating(
    status: CaseStatus,
    already_rated: bool,
    level: &str,
    reasons: &[String],
    comment: &str,
) -> Result<CheckedRating, DomainError> {
    if !may_be_rated(status) {
        return Err(DomainError::CaseNotEnded);
    }
    if already_rated {
        return Err(DomainError::AlreadyRated);
    }
    let level = RatingLevel::parse(level.trim()).ok_or_else(|| {
        DomainError::InvalidRating(
            "评价等级须为非常满意、满意、基本满意、不满意或非常不满意之一".into(),
        )
    })?;
    let mut picked = Vec::new();
    for r in reasons {
        let code = r.trim();
        if level.reason_label(code).is_none() {
            return Err(DomainError::InvalidRating(format!(
                "所选原因不属于「{}」的可选原因",
                level.label_zh()
            )));
        }
        if !picked.iter().any(|p: &String| p == code) {
            picked.push(code.to_string());
        }
    }
    picked.sort_by_key(|c| level.reasons().iter().position(|r| r.code == c));
    if level.is_bad() && picked.is_empty() {
        return Err(DomainError::InvalidRating(format!(
            "评价「{}」须至少选择一项原因",
            level.label_zh()
        )));
    }
    Ok(CheckedRating {
        level,
        reasons: picked,
        comment: text_of(comment, "评价内容", false)?,
    })
}

/// The member of staff a rating is recorded against: the person who took the
/// case in (受理人, the window or the online pre-review), the one the applicant
/// met; `None` when no person did (秒批, withdrawn before anyone took it).
pub fn rated_staff(case: &Case) -> Option<UserId> {
    [Stage::Intake, Stage::PreReview]
        .into_iter()
        .filter_map(|s| case.handlers.get(&s).copied())
        .find(|id| *id != SYSTEM_ACTOR)
}

/// Where a rectification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RectificationStatus {
    /// 待回访: the applicant is to be called back.
    AwaitingCallback,
    /// 整改中: called back; the rectification or explanation is due.
    Rectifying,
    /// 已办结: its outcome is recorded.
    Closed,
}

impl RectificationStatus {
    pub const ALL: [RectificationStatus; 3] = [
        RectificationStatus::AwaitingCallback,
        RectificationStatus::Rectifying,
        RectificationStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RectificationStatus::AwaitingCallback => "awaiting_callback",
            RectificationStatus::Rectifying => "rectifying",
            RectificationStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<RectificationStatus> {
        RectificationStatus::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RectificationStatus::AwaitingCallback => "待回访",
            RectificationStatus::Rectifying => "整改中",
            RectificationStatus::Closed => "已办结",
        }
    }
}

/// How a rectification ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    /// 已整改: the problem was put right.
    Rectified,
    /// 已解释说明: explained to the applicant (nothing to put right).
    Explained,
}

impl OutcomeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Rectified => "rectified",
            OutcomeKind::Explained => "explained",
        }
    }

    pub fn parse(s: &str) -> Option<OutcomeKind> {
        [OutcomeKind::Rectified, OutcomeKind::Explained]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            OutcomeKind::Rectified => "已整改",
            OutcomeKind::Explained => "已解释说明",
        }
    }
}

/// The two deadlines of a rectification and the instants they turn yellow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RectificationDue {
    pub callback_due: DateTime<Utc>,
    pub callback_warn: DateTime<Utc>,
    pub rectify_due: DateTime<Utc>,
    pub rectify_warn: DateTime<Utc>,
}

/// The deadlines of a rectification opened at `opened`: the call back within
/// `callback_days` working days, the rectification or explanation within
/// `rectify_days`, counted on the calendar the case clocks use (the opening day
/// is not counted; each ends when office hours close).
pub fn rectification_due(
    calendar: &Calendar,
    opened: DateTime<Utc>,
    callback_days: u32,
    rectify_days: u32,
    warn_share: f64,
) -> RectificationDue {
    let callback_due = calendar.add_working_days(opened, callback_days);
    let rectify_due = calendar.add_working_days(opened, rectify_days);
    RectificationDue {
        callback_due,
        callback_warn: timing::warn_at(calendar, opened, callback_due, warn_share),
        rectify_due,
        rectify_warn: timing::warn_at(calendar, opened, rectify_due, warn_share),
    }
}

/// The light of one of a rectification's clocks: `None` once its step is done.
pub fn step_light(
    now: DateTime<Utc>,
    done: bool,
    warn: DateTime<Utc>,
    due: DateTime<Utc>,
) -> Option<Light> {
    (!done).then(|| timing::light(now, Some(warn), Some(due)))
}

/// Checks a call-back record (回访记录) of a rectification in `status`.
pub fn check_callback(status: RectificationStatus, note: &str) -> Result<String, DomainError> {
    if status != RectificationStatus::AwaitingCallback {
        return Err(DomainError::RectificationStep(
            "该整改已记录回访，不能重复记录".into(),
        ));
    }
    text_of(note, "回访记录", true)
}

/// Checks the outcome of a rectification in `status`: only after the call back,
/// once.
pub fn check_outcome(
    status: RectificationStatus,
    kind: &str,
    text: &str,
) -> Result<(OutcomeKind, String), DomainError> {
    match status {
        RectificationStatus::AwaitingCallback => {
            return Err(DomainError::RectificationStep(
                "须先记录回访，再记录整改结果".into(),
            ));
        }
        RectificationStatus::Closed => {
            return Err(DomainError::RectificationStep(
                "该整改已办结，不能重复记录结果".into(),
            ));
        }
        RectificationStatus::Rectifying => {}
    }
    let kind = OutcomeKind::parse(kind.trim()).ok_or_else(|| {
        DomainError::InvalidRating("整改结果须为「已整改」或「已解释说明」".into())
    })?;
    Ok((kind, text_of(text, "整改情况", true)?))
}

/// Why the bureau appeals a rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealGround {
    /// 恶意差评.
    Malicious,
    /// 误评 (the applicant meant another level or another case).
    Mistaken,
}

impl AppealGround {
    pub fn as_str(self) -> &'static str {
        match self {
            AppealGround::Malicious => "malicious",
            AppealGround::Mistaken => "mistaken",
        }
    }

    pub fn parse(s: &str) -> Option<AppealGround> {
        [AppealGround::Malicious, AppealGround::Mistaken]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            AppealGround::Malicious => "恶意差评",
            AppealGround::Mistaken => "误评",
        }
    }
}

/// Where a rating's appeal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealStatus {
    /// 待裁定.
    Pending,
    /// 申诉成立: the rating stays, out of the statistics.
    Upheld,
    /// 申诉驳回: the rating counts as given.
    Rejected,
}

impl AppealStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AppealStatus::Pending => "pending",
            AppealStatus::Upheld => "upheld",
            AppealStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<AppealStatus> {
        [
            AppealStatus::Pending,
            AppealStatus::Upheld,
            AppealStatus::Rejected,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            AppealStatus::Pending => "待裁定",
            AppealStatus::Upheld => "申诉成立",
            AppealStatus::Rejected => "申诉驳回",
        }
    }
}

/// Checks an appeal of a rating at `level` whose appeal stands at `appeal`:
/// only a bad rating may be appealed, and only once.
pub fn check_appeal(
    level: RatingLevel,
    appeal: Option<AppealStatus>,
    ground: &str,
    reason: &str,
) -> Result<(AppealGround, String), DomainError> {
    if !level.is_bad() {
        return Err(DomainError::AppealNotAllowed(
            "只有不满意、非常不满意的评价可以申诉".into(),
        ));
    }
    if appeal.is_some() {
        return Err(DomainError::AppealNotAllowed(
            "该评价已申诉过，不能再次申诉".into(),
        ));
    }
    let ground = AppealGround::parse(ground.trim()).ok_or_else(|| {
        DomainError::InvalidRating("申诉理由类型须为「恶意差评」或「误评」".into())
    })?;
    Ok((ground, text_of(reason, "申诉理由", true)?))
}

/// Checks a supervisor's decision of an appeal in `status` filed by `filed_by`:
/// only a pending appeal, never by the person who filed it.
pub fn check_appeal_decision(
    status: AppealStatus,
    filed_by: UserId,
    decided_by: UserId,
    upheld: bool,
    note: &str,
) -> Result<(AppealStatus, String), DomainError> {
    if status != AppealStatus::Pending {
        return Err(DomainError::AppealNotAllowed("该申诉已裁定".into()));
    }
    if filed_by == decided_by {
        return Err(DomainError::SeparationOfDuties("申诉的提出和裁定".into()));
    }
    let decided = if upheld {
        AppealStatus::Upheld
    } else {
        AppealStatus::Rejected
    };
    Ok((decided, text_of(note, "裁定意见", true)?))
}

/// Counts of one line of the statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RatingCounts {
    /// Cases that ended.
    pub ended: u64,
    /// Of them, rated.
    pub rated: u64,
    /// 好评 among the ratings that count (no upheld appeal).
    pub good: u64,
    /// 差评 among the ratings that count.
    pub bad: u64,
    /// Ratings out of the statistics by an upheld appeal.
    pub voided: u64,
}

impl RatingCounts {
    pub fn add(&mut self, other: &RatingCounts) {
        self.ended += other.ended;
        self.rated += other.rated;
        self.good += other.good;
        self.bad += other.bad;
        self.voided += other.voided;
    }

    /// 好评率: 好评 / ratings that count, in per cent, one decimal; `None` without any.
    pub fn good_rate(&self) -> Option<f64> {
        percent(self.good, self.good + self.bad)
    }

    /// 差评率: 差评 / ratings that count.
    pub fn bad_rate(&self) -> Option<f64> {
        percent(self.bad, self.good + self.bad)
    }

    /// 未评价率: ended cases without a rating / ended cases.
    pub fn unrated_rate(&self) -> Option<f64> {
        percent(self.ended.saturating_sub(self.rated), self.ended)
    }
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use chrono::TimeZone;

    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn only_an_ended_case_may_be_rated_and_only_once() {
        for status in CaseStatus::ALL {
            let r = check_rating(status, false, "satisfied", &[], "");
            assert_eq!(r.is_ok(), status.is_closed(), "{status:?}");
        }
        assert_eq!(
            check_rating(CaseStatus::Review, false, "satisfied", &[], ""),
            Err(DomainError::CaseNotEnded)
        );
        assert_eq!(
            check_rating(CaseStatus::Issued, true, "satisfied", &[], ""),
            Err(DomainError::AlreadyRated)
        );
    }

    #[test]
    fn reasons_must_belong_to_the_level_and_bad_ratings_name_one() {
        let ok = check_rating(
            CaseStatus::Denied,
            false,
            "dissatisfied",
            &s(&["unfriendly", "slow", "slow"]),
            "  窗口人员态度冷淡 ",
        )
        .unwrap();
        assert_eq!(ok.level, RatingLevel::Dissatisfied);
        assert_eq!(
            ok.reasons,
            s(&["slow", "unfriendly"]),
            "once, in list order"
        );
        assert_eq!(ok.comment, "窗口人员态度冷淡");
        assert!(matches!(
            check_rating(CaseStatus::Issued, false, "satisfied", &s(&["slow"]), ""),
            Err(DomainError::InvalidRating(_))
        ));
        assert!(matches!(
            check_rating(CaseStatus::Issued, false, "very_dissatisfied", &[], "差"),
            Err(DomainError::InvalidRating(_))
        ));
        assert!(matches!(
            check_rating(CaseStatus::Issued, false, "great", &[], ""),
            Err(DomainError::InvalidRating(_))
        ));
    }

    #[test]
    fn a_comment_is_bounded_and_printable() {
        let long = "好".repeat(MAX_COMMENT_CHARS + 1);
        assert!(check_rating(CaseStatus::Issued, false, "satisfied", &[], &long).is_err());
        let fits = "好".repeat(MAX_COMMENT_CHARS);
        assert!(check_rating(CaseStatus::Issued, false, "satisfied", &[], &fits).is_ok());
        assert!(check_rating(CaseStatus::Issued, false, "satisfied", &[], "a\u{202e}b").is_err());
    }

    #[test]
    fn every_level_has_reasons_with_distinct_codes() {
        for level in RatingLevel::ALL {
            assert!(!level.reasons().is_empty());
            let mut codes: Vec<_> = level.reasons().iter().map(|r| r.code).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), level.reasons().len());
            assert_eq!(RatingLevel::parse(level.as_str()), Some(level));
        }
        let bad: Vec<_> = RatingLevel::ALL
            .into_iter()
            .filter(|l| l.is_bad())
            .collect();
        assert_eq!(
            bad,
            [RatingLevel::Dissatisfied, RatingLevel::VeryDissatisfied]
        );
    }

    #[test]
    fn rectification_deadlines_count_working_days() {
        let cal = Calendar::china_default();
        // Friday 2026-03-06 10:00 in Beijing: one working day is Monday's close,
        // fifteen is the close of Friday 2026-03-27.
        let opened = chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(2026, 3, 6, 10, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        let due = rectification_due(&cal, opened, 1, 15, 0.75);
        let local = |t: DateTime<Utc>| cal.wall_clock(t).format("%Y-%m-%d %H:%M").to_string();
        assert_eq!(local(due.callback_due), "2026-03-09 17:00");
        assert_eq!(local(due.rectify_due), "2026-03-27 17:00");
        assert!(due.callback_warn < due.callback_due && due.callback_warn > opened);
        assert_eq!(
            step_light(
                due.callback_due + chrono::Duration::minutes(1),
                false,
                due.callback_warn,
                due.callback_due
            ),
            Some(Light::Red)
        );
        assert_eq!(
            step_light(opened, false, due.callback_warn, due.callback_due),
            Some(Light::Green)
        );
        assert_eq!(
            step_light(opened, true, due.callback_warn, due.callback_due),
            None
        );
    }

    #[test]
    fn a_rectification_is_called_back_then_closed_once() {
        assert!(check_callback(RectificationStatus::AwaitingCallback, "已电话联系申请人").is_ok());
        assert!(check_callback(RectificationStatus::AwaitingCallback, "  ").is_err());
        assert!(check_callback(RectificationStatus::Rectifying, "再次回访").is_err());
        assert!(check_outcome(RectificationStatus::AwaitingCallback, "rectified", "x").is_err());
        assert_eq!(
            check_outcome(RectificationStatus::Rectifying, "explained", " 已说明政策 ").unwrap(),
            (OutcomeKind::Explained, "已说明政策".to_string())
        );
        assert!(check_outcome(RectificationStatus::Rectifying, "ignored", "x").is_err());
        assert!(check_outcome(RectificationStatus::Closed, "rectified", "x").is_err());
    }

    #[test]
    fn only_a_bad_rating_is_appealed_once_and_decided_by_another() {
        assert!(check_appeal(RatingLevel::Satisfied, None, "mistaken", "x").is_err());
        assert!(check_appeal(RatingLevel::Dissatisfied, None, "malicious", "辱骂工作人员").is_ok());
        assert!(
            check_appeal(
                RatingLevel::Dissatisfied,
                Some(AppealStatus::Rejected),
                "malicious",
                "x"
            )
            .is_err()
        );
        assert!(check_appeal(RatingLevel::Dissatisfied, None, "other", "x").is_err());
        assert!(check_appeal_decision(AppealStatus::Pending, 5, 5, true, "x").is_err());
        assert_eq!(
            check_appeal_decision(AppealStatus::Pending, 5, 6, true, "核实")
                .unwrap()
                .0,
            AppealStatus::Upheld
        );
        assert!(check_appeal_decision(AppealStatus::Upheld, 5, 6, false, "x").is_err());
    }

    #[test]
    fn rates_are_per_cent_of_what_counts() {
        let c = RatingCounts {
            ended: 8,
            rated: 4,
            good: 2,
            bad: 1,
            voided: 1,
        };
        assert_eq!(c.good_rate(), Some(66.7));
        assert_eq!(c.bad_rate(), Some(33.3));
        assert_eq!(c.unrated_rate(), Some(50.0));
        assert_eq!(RatingCounts::default().good_rate(), None);
    }
}
