//! The clock of a case (分段计时): deadlines of tasks and cases, the working time
//! each stage used, suspension while a correction is with the applicant or a
//! special procedure runs that the item says does not count (行政许可法 Art. 45),
//! and the traffic light (green, yellow at a share of the time used, red when overdue).
//!
//! All counting is in working minutes of the bureau's [`Calendar`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::case::{Case, CaseStatus, Stage};
use crate::catalogue::{Item, TimeLimit};

/// The default share of a limit after which a task or case turns yellow.
pub const DEFAULT_WARN_SHARE: f64 = 0.75;

/// Traffic light of a task or case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    Green,
    Yellow,
    Red,
}

impl Light {
    pub fn as_str(self) -> &'static str {
        match self {
            Light::Green => "green",
            Light::Yellow => "yellow",
            Light::Red => "red",
        }
    }

    pub fn parse(s: &str) -> Option<Light> {
        [Light::Green, Light::Yellow, Light::Red]
            .into_iter()
            .find(|l| l.as_str() == s)
    }
}

/// The instant a limit from `start` to `deadline` reaches `share` of its working time.
pub fn warn_at(
    calendar: &Calendar,
    start: DateTime<Utc>,
    deadline: DateTime<Utc>,
    share: f64,
) -> DateTime<Utc> {
    let total = calendar.working_minutes_between(start, deadline);
    let share = share.clamp(0.0, 1.0);
    // Rounded down to the minute; shares are configuration, never user input.
    let used = (total as f64 * share).floor() as i64;
    if used <= 0 {
        return start;
    }
    calendar.shift_by_working_minutes(start, used).min(deadline)
}

/// Working minutes from `now` to `deadline`; negative by the working minutes
/// past it once it has passed.
pub fn working_minutes_left(
    calendar: &Calendar,
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> i64 {
    if deadline >= now {
        calendar.working_minutes_between(now, deadline)
    } else {
        -calendar.working_minutes_between(deadline, now)
    }
}

/// Working time left as a clerk reads it: "剩余 2 个工作日 3 小时", "剩余 40 分钟",
/// "已超时 1 小时 20 分钟"; a working day is `minutes_per_day` office minutes.
pub fn working_time_zh(minutes_left: i64, minutes_per_day: i64) -> String {
    if minutes_left < 0 {
        format!(
            "已超时 {}",
            duration_zh(minutes_left.saturating_neg(), minutes_per_day)
        )
    } else {
        format!("剩余 {}", duration_zh(minutes_left, minutes_per_day))
    }
}

/// A span of working minutes in words: "2 个工作日 3 小时", "40 分钟" (minutes
/// only below a day), "不足 1 分钟".
pub fn duration_zh(minutes: i64, minutes_per_day: i64) -> String {
    let m = minutes.max(0);
    let per_day = minutes_per_day.max(1);
    let (days, rest) = (m / per_day, m % per_day);
    let (hours, mins) = (rest / 60, rest % 60);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days} 个工作日"));
    }
    if hours > 0 {
        parts.push(format!("{hours} 小时"));
    }
    if mins > 0 && days == 0 {
        parts.push(format!("{mins} 分钟"));
    }
    if parts.is_empty() {
        "不足 1 分钟".into()
    } else {
        parts.join(" ")
    }
}

/// The light of something due at `deadline` that turns yellow at `warn`.
pub fn light(
    now: DateTime<Utc>,
    warn: Option<DateTime<Utc>>,
    deadline: Option<DateTime<Utc>>,
) -> Light {
    match (warn, deadline) {
        (_, Some(d)) if now > d => Light::Red,
        (Some(w), _) if now >= w => Light::Yellow,
        _ => Light::Green,
    }
}

/// Deadline and warning instant of `stage`'s task starting at `now`. Pre-review runs
/// on the intake stage's limit. Green-channel cases get half the stage's time
/// (at least one working hour) when the item has a green-channel limit.
pub fn task_due(
    calendar: &Calendar,
    item: &Item,
    stage: Stage,
    priority: bool,
    now: DateTime<Utc>,
    warn_share: f64,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let planned = item
        .stage_entry(stage)
        .or_else(|| item.stage_entry(Stage::Intake));
    let Some(entry) = planned else {
        return (None, None);
    };
    let limit = if priority && item.green_channel_limit.is_some() {
        halve(entry.limit)
    } else {
        entry.limit
    };
    let deadline = limit.due_from(calendar, now);
    (
        Some(deadline),
        Some(warn_at(calendar, now, deadline, warn_share)),
    )
}

fn halve(limit: TimeLimit) -> TimeLimit {
    let hours = (limit.approx_hours() / 2).max(1);
    TimeLimit::Hours(hours)
}

/// The committed and legal deadlines of a case submitted at `start`.
pub fn case_due(
    calendar: &Calendar,
    item: &Item,
    priority: bool,
    start: DateTime<Utc>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let committed = match (priority, item.green_channel_limit) {
        (true, Some(green)) => green,
        _ => item.committed_limit,
    };
    (
        committed.due_from(calendar, start),
        item.legal_limit.due_from(calendar, start),
    )
}

/// Whether the clock of a case in `status` stands still.
pub fn is_suspended(item: &Item, status: CaseStatus) -> bool {
    match status {
        CaseStatus::Correction => true,
        other => other
            .stage()
            .and_then(|s| item.stage_entry(s))
            .is_some_and(|e| e.clock_stops),
    }
}

/// Books the time of a transition from `before` to `after` at `now`: the working
/// time the ended task used goes to its stage; a suspension that ends moves the
/// case's deadlines later by the working time it lasted; one that starts is noted.
pub fn account(
    calendar: &Calendar,
    item: &Item,
    before: &Case,
    after: &mut Case,
    now: DateTime<Utc>,
) {
    if let Some(task) = &before.task {
        let used = calendar.working_minutes_between(task.started_at, now);
        *after.stage_minutes.entry(task.stage).or_insert(0) += used;
    }
    let was = is_suspended(item, before.status);
    let is = is_suspended(item, after.status) && !after.status.is_closed();
    if was && let Some(since) = before.suspended_since {
        let paused = calendar.working_minutes_between(since, now);
        after.suspended_minutes += paused;
        after.deadline = after
            .deadline
            .map(|d| calendar.shift_by_working_minutes(d, paused));
        after.legal_deadline = after
            .legal_deadline
            .map(|d| calendar.shift_by_working_minutes(d, paused));
        after.suspended_since = None;
    }
    if is {
        after.suspended_since = Some(now);
    }
}

/// Working minutes the clock has been stopped, including a suspension still running.
pub fn suspended_minutes(calendar: &Calendar, case: &Case, now: DateTime<Utc>) -> i64 {
    case.suspended_minutes
        + case
            .suspended_since
            .map(|s| calendar.working_minutes_between(s, now))
            .unwrap_or(0)
}

/// The light of the whole case against its committed deadline. Closed cases and
/// suspended ones (the clock stands) are green.
pub fn case_light(calendar: &Calendar, case: &Case, now: DateTime<Utc>, warn_share: f64) -> Light {
    if case.status.is_closed() || case.suspended_since.is_some() {
        return Light::Green;
    }
    let Some(deadline) = case.deadline else {
        return Light::Green;
    };
    // The deadline already includes past suspensions, so measure from a start
    // moved by the same amount.
    let start = calendar.shift_by_working_minutes(case.submitted_at, case.suspended_minutes);
    light(
        now,
        Some(warn_at(calendar, start, deadline, warn_share)),
        Some(deadline),
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::TimeZone;

    use super::*;
    use crate::case::{Applicant, ApplicantKind, Channel, Task};
    use crate::catalogue::tests::sample_item;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn case(status: CaseStatus, submitted: DateTime<Utc>) -> Case {
        Case {
            id: 1,
            number: "510107-20260302-000001".into(),
            item_code: "X".into(),
            item_version: 1,
            applicant: Applicant {
                user_id: 1,
                kind: ApplicantKind::Person,
                name: "张三".into(),
                identity: String::new(),
            },
            channel: Channel::Counter,
            form: serde_json::Map::new(),
            status,
            correction_return: None,
            priority: false,
            deadline: None,
            legal_deadline: None,
            version: 1,
            submitted_at: submitted,
            updated_at: submitted,
            task: None,
            handlers: BTreeMap::new(),
            machine_review: None,
            suspended_since: None,
            suspended_minutes: 0,
            stage_minutes: BTreeMap::new(),
            materials: BTreeMap::new(),
            correction: None,
            corrected_stages: Vec::new(),
            correction_allowance: None,
        }
    }

    #[test]
    fn a_task_turns_yellow_at_the_warning_share_and_red_past_its_deadline() {
        let cal = Calendar::china_default();
        let start = at("2026-03-02T09:00:00+08:00");
        let deadline = cal.add_working_hours(start, 4); // 14:00 (lunch off)
        assert_eq!(deadline, at("2026-03-02T14:00:00+08:00"));
        let warn = warn_at(&cal, start, deadline, 0.75); // 3 of 4 hours: the morning session's close
        assert_eq!(warn, at("2026-03-02T12:00:00+08:00"));
        assert_eq!(
            light(at("2026-03-02T11:00:00+08:00"), Some(warn), Some(deadline)),
            Light::Green
        );
        assert_eq!(
            light(at("2026-03-02T13:30:00+08:00"), Some(warn), Some(deadline)),
            Light::Yellow
        );
        assert_eq!(
            light(at("2026-03-02T14:01:00+08:00"), Some(warn), Some(deadline)),
            Light::Red
        );
    }

    #[test]
    fn a_correction_stops_the_clock_and_moves_the_deadline_by_the_time_it_took() {
        let cal = Calendar::china_default();
        let item = sample_item(true);
        let submitted = at("2026-03-02T09:00:00+08:00");
        let mut before = case(CaseStatus::Intake, submitted);
        before.deadline = Some(cal.add_working_days(submitted, 5));
        before.task = Some(Task {
            stage: Stage::Intake,
            assignee: 10,
            started_at: submitted,
            deadline: None,
            warn_at: None,
        });
        let asked = at("2026-03-02T10:00:00+08:00");
        let mut corr = before.clone();
        corr.status = CaseStatus::Correction;
        corr.task = None;
        account(&cal, &item, &before, &mut corr, asked);
        assert_eq!(corr.stage_minutes.get(&Stage::Intake), Some(&60));
        assert_eq!(corr.suspended_since, Some(asked));
        // The applicant answers two working days later (a weekend in between costs nothing).
        let answered = at("2026-03-04T10:00:00+08:00");
        let mut back = corr.clone();
        back.status = CaseStatus::Intake;
        account(&cal, &item, &corr, &mut back, answered);
        assert_eq!(back.suspended_minutes, 2 * 420);
        assert_eq!(back.suspended_since, None);
        assert_eq!(back.deadline, Some(cal.add_working_days(submitted, 7)));
    }

    #[test]
    fn an_inspection_that_does_not_count_is_suspended_time() {
        let cal = Calendar::china_default();
        let item = sample_item(true); // inspection has clock_stops
        assert!(is_suspended(&item, CaseStatus::Inspection));
        assert!(!is_suspended(&item, CaseStatus::Review));
        let mut item2 = item.clone();
        for s in &mut item2.stages {
            s.clock_stops = false;
        }
        assert!(!is_suspended(&item2, CaseStatus::Inspection));
        let _ = cal;
    }

    #[test]
    fn the_green_channel_uses_the_shorter_limits() {
        let cal = Calendar::china_default();
        let mut item = sample_item(false);
        item.green_channel_limit = Some(TimeLimit::Days(2));
        let start = at("2026-03-02T09:00:00+08:00");
        let (normal, _) = case_due(&cal, &item, false, start);
        let (green, _) = case_due(&cal, &item, true, start);
        assert!(green < normal);
        let (t_normal, _) = task_due(&cal, &item, Stage::Review, false, start, 0.75);
        let (t_green, _) = task_due(&cal, &item, Stage::Review, true, start, 0.75);
        assert!(t_green < t_normal);
        let _ = Utc.timestamp_opt(0, 0);
    }

    #[test]
    fn working_time_reads_in_days_hours_and_minutes_and_says_when_it_is_past() {
        assert_eq!(
            working_time_zh(2 * 480 + 3 * 60 + 5, 480),
            "剩余 2 个工作日 3 小时"
        );
        assert_eq!(working_time_zh(40, 480), "剩余 40 分钟");
        assert_eq!(working_time_zh(-80, 480), "已超时 1 小时 20 分钟");
        assert_eq!(working_time_zh(480, 480), "剩余 1 个工作日");
        assert_eq!(working_time_zh(0, 480), "剩余 不足 1 分钟");
        assert!(working_time_zh(i64::MIN, 0).starts_with("已超时"));
    }
}
