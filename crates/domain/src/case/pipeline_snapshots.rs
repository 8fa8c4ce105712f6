//! Snapshots of a case and its audit fact after each transition, taken with the
//! pure domain functions in the order the app calls them: `open_case` or
//! `decide` (or a supervisor's command), `timing::account`, the next task with
//! `timing::task_due`, and `audit::case_fact` with the same extra fields the
//! app adds. At the end of each run the facts are replayed (`CaseTrail`)
//! against the events.
//!
//! Each snapshot is `{event, fact, case}` as JSON under
//! `snapshots/onestamp_domain__case__pipeline_snapshots__<run>_<step>_<action>.snap`.
//! A change of behaviour shows as a diff there: review it with
//! `cargo insta review`, or rewrite them with `INSTA_UPDATE=always`.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use super::*;
use crate::audit::{AuditFact, CaseTrail, case_fact};
use crate::calendar::Calendar;
use crate::catalogue::TimeLimit;
use crate::catalogue::tests::sample_item;
use crate::rules::RuleReport;
use crate::timing;

const APPLICANT: UserId = 1;
const CLERK: UserId = 11;
const REVIEWER: UserId = 12;
const INSPECTOR: UserId = 13;
const APPROVER: UserId = 14;
const OFFICER: UserId = 15;
const SUPERVISOR: UserId = 16;
/// A second reviewer, to whom a supervisor hands a review task.
const REVIEWER_2: UserId = 17;

/// The one person of staff holding each role in these runs.
fn staff_of(role: Role) -> UserId {
    match role {
        Role::Clerk => CLERK,
        Role::Reviewer => REVIEWER,
        Role::Inspector => INSPECTOR,
        Role::Approver => APPROVER,
        Role::Officer => OFFICER,
        Role::Supervisor => SUPERVISOR,
        Role::Applicant | Role::Regulator | Role::Admin => unreachable!("not a case role"),
    }
}

/// Monday 2 March 2026, 09:30 in the bureau's zone: a working morning.
fn monday_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 30, 0).unwrap()
}

/// One case taken through the pipeline, with its events and audit facts so far.
struct Run {
    name: &'static str,
    item: Item,
    calendar: Calendar,
    now: DateTime<Utc>,
    case: Case,
    events: Vec<CaseEvent>,
    facts: Vec<AuditFact>,
    /// The particulars the next action carries (taken by it).
    detail: Detail,
}

impl Run {
    /// Submits an application at a fixed instant; the case gets its id and
    /// number as the store would give them, and its first task.
    fn open(name: &'static str, item: Item, channel: Channel) -> Run {
        let now = monday_morning();
        let calendar = Calendar::china_default();
        let applicant = Applicant {
            user_id: APPLICANT,
            kind: ApplicantKind::Person,
            name: "张三".into(),
            identity: "11010519491231002X".into(),
        };
        let mut form = serde_json::Map::new();
        form.insert("venue_name".into(), json!("玉林小面馆"));
        let (mut case, event) = open_case(
            &item,
            1,
            applicant,
            channel,
            form,
            false,
            now,
            calendar.date_of(now),
        )
        .unwrap();
        let (deadline, legal) = timing::case_due(&calendar, &item, case.priority, now);
        case.deadline = Some(deadline);
        case.legal_deadline = Some(legal);
        case.id = 1;
        case.number = "510107-20260302-000001".into();
        if item.instant {
            case.machine_review = Some(RuleReport {
                passed: true,
                results: vec![],
            });
        }
        let mut run = Run {
            name,
            item,
            calendar,
            now,
            case,
            events: Vec::new(),
            facts: Vec::new(),
            detail: Detail::None,
        };
        // The store fills in the number of a case being opened.
        let fact = case_fact(
            "",
            &event,
            json!({
                "item": run.item.code,
                "item_version": 1,
                "channel": channel,
                "machine_review": run.case.machine_review,
            }),
        );
        if !run.item.instant
            && let Some(stage) = run.case.status.stage()
        {
            run.case.task = Some(run.task(stage, staff_of(stage.role())));
        }
        run.record(event, fact);
        run
    }

    /// The task of `stage` starting now, held by `assignee`.
    fn task(&self, stage: Stage, assignee: UserId) -> Task {
        let (deadline, warn_at) = timing::task_due(
            &self.calendar,
            &self.item,
            stage,
            self.case.priority,
            self.now,
            timing::DEFAULT_WARN_SHARE,
        );
        Task {
            stage,
            assignee,
            started_at: self.now,
            deadline,
            warn_at,
        }
    }

    /// Lets `minutes` pass on the clock.
    fn later(&mut self, minutes: i64) -> &mut Run {
        self.now += Duration::minutes(minutes);
        self
    }

    /// Keeps the event and its fact, and snapshots them with the case.
    fn record(&mut self, event: CaseEvent, fact: AuditFact) {
        let case = serde_json::to_value(&self.case).unwrap();
        self.record_showing(event, fact, case);
    }

    /// Keeps the event and its fact, and snapshots them with `case` (`null`
    /// for a step after which no case is stored).
    fn record_showing(&mut self, event: CaseEvent, fact: AuditFact, case: Value) {
        let step = self.events.len();
        let snapshot = json!({
            "event": event,
            "fact": fact_json(&fact),
            "case": case,
        });
        insta::assert_json_snapshot!(
            format!("{}_{step:02}_{}", self.name, event.action),
            snapshot
        );
        self.events.push(event);
        self.facts.push(fact);
    }

    /// `action` by whoever must take it now (the applicant for their own
    /// actions, else the holder of the open task), as `act_on_case` does it.
    fn act(&mut self, action: Action, opinion: Option<&str>) -> &mut Run {
        let role = role_for(action, self.case.status);
        let user_id = match role {
            Role::Applicant => APPLICANT,
            _ => self.case.task.as_ref().map(|t| t.assignee).unwrap(),
        };
        let actor = Actor {
            user_id,
            roles: vec![role],
        };
        let command = Command {
            action,
            opinion: opinion.map(str::to_string),
            version: self.case.version,
        };
        let detail = std::mem::take(&mut self.detail);
        let d = decide_with(&self.case, &self.item, &actor, &command, &detail, self.now)
            .unwrap_or_else(|e| panic!("{action} in {}: {e}", self.case.status));
        let mut next = d.case;
        timing::account(&self.calendar, &self.item, &self.case, &mut next, self.now);
        if let Some(stage) = d.assign {
            next.task = Some(self.task(stage, staff_of(stage.role())));
        }
        let fact = case_fact(
            &self.case.number,
            &d.event,
            json!({"assignee": next.task.as_ref().map(|t| t.assignee)}),
        );
        self.case = next;
        self.record(d.event, fact);
        self
    }

    /// The supervisor hands the open task to `to`, as the app's `reassign` does.
    fn reassign(&mut self, to: UserId, reason: &str) -> &mut Run {
        let from = open_task(&self.case).unwrap().clone();
        let d = reassign(
            &self.case,
            SUPERVISOR,
            to,
            reason,
            self.case.version,
            self.now,
        )
        .unwrap();
        let fact = case_fact(
            &self.case.number,
            &d.event,
            json!({"stage": from.stage, "assignee_from": from.assignee, "assignee": to}),
        );
        self.case = d.case;
        self.record(d.event, fact);
        self
    }

    /// The supervisor sets or clears the green channel, as the app's
    /// `set_priority` does (the new deadline from the submission, pushed back by
    /// the time the case was suspended).
    fn set_priority(&mut self, priority: bool, reason: &str) -> &mut Run {
        let (due, _) =
            timing::case_due(&self.calendar, &self.item, priority, self.case.submitted_at);
        let due = self
            .calendar
            .shift_by_working_minutes(due, self.case.suspended_minutes);
        let d = set_priority(
            &self.case,
            SUPERVISOR,
            priority,
            due,
            reason,
            self.case.version,
            self.now,
        )
        .unwrap();
        let fact = case_fact(&self.case.number, &d.event, json!({"priority": priority}));
        self.case = d.case;
        self.record(d.event, fact);
        self
    }

    /// 秒批 on the just-opened case, as `submit_application` does it.
    fn decide_instantly(&mut self) -> &mut Run {
        let (done, steps) = decide_instantly(&self.case, &self.item, self.now)
            .unwrap()
            .expect("an instant item whose review passed");
        // The steps are taken in one go: only the case as the last one leaves
        // it is stored, so only that step's snapshot shows a case.
        let last = steps.len() - 1;
        for (i, e) in steps.into_iter().enumerate() {
            let fact = case_fact("", &e, json!({"instant": true}));
            if i == last {
                self.case = done.clone();
                self.record(e, fact);
            } else {
                self.record_showing(e, fact, Value::Null);
            }
        }
        self
    }

    /// Replays the facts and checks that they lead to the case and its events.
    fn replays(&mut self) {
        let mut trail = CaseTrail::default();
        for f in &self.facts {
            trail.follow(&f.kind, &f.detail).unwrap();
        }
        assert_eq!(
            trail.check(self.case.status.as_str(), self.case.version, &self.events),
            Ok(()),
            "{}: the facts lead to the case",
            self.name
        );
        // And they would not lead to a case with one event less.
        let fewer = &self.events[..self.events.len() - 1];
        assert!(
            trail
                .check(self.case.status.as_str(), self.case.version, fewer)
                .is_err()
        );
        // Every fact of a person names them; a fact of the system names nobody.
        for (e, f) in self.events.iter().zip(&self.facts) {
            let expected = (e.actor_id != SYSTEM_ACTOR).then_some(e.actor_id);
            assert_eq!(f.actor_id, expected, "{}: {}", self.name, f.kind);
            assert_eq!(f.at, e.at);
        }
    }
}

fn fact_json(f: &AuditFact) -> Value {
    json!({
        "at": f.at,
        "actor_id": f.actor_id,
        "kind": f.kind,
        "subject": f.subject,
        "detail": f.detail,
    })
}

#[test]
fn the_standard_pipeline_from_intake_to_issue() {
    let mut run = Run::open("standard", sample_item(true), Channel::Counter);
    run.later(30)
        .act(Action::Accept, Some("材料齐全，予以受理"));
    run.later(60).act(Action::Review, Some("符合条件"));
    // The inspection's hour stops the clock: the deadlines move an hour later.
    run.later(60).act(Action::Inspect, Some("现场核查合格"));
    // Approval runs through the lunch break, which is no working time.
    run.later(60).act(Action::Approve, Some("同意许可"));
    run.later(30).act(Action::Produce, None);
    run.later(30).act(Action::Issue, None);
    assert_eq!(run.case.status, CaseStatus::Issued);
    assert_eq!(run.case.version, 7);
    assert_eq!(
        run.case.handlers.values().copied().collect::<Vec<_>>(),
        [CLERK, REVIEWER, INSPECTOR, APPROVER, OFFICER, OFFICER]
    );
    run.replays();
}

#[test]
fn a_correction_round_trip_returns_to_pre_review_and_stops_the_clock() {
    let mut run = Run::open("correction", sample_item(true), Channel::Web);
    run.detail = Detail::Correction {
        list: correction::CorrectionList {
            materials: vec![correction::MaterialDefect {
                code: "M01".into(),
                defect: correction::Defect::Missing,
                reason: "须加盖公章".into(),
            }],
            fields: vec![],
        },
        late: false,
    };
    run.later(30)
        .act(Action::RequestCorrection, Some("请补正场所平面图"));
    assert_eq!(run.case.correction_return, Some(Stage::PreReview));
    assert!(run.case.suspended_since.is_some());
    // A day later the applicant sends the missing material.
    let mut given = correction::Resubmission {
        today: run.now.date_naive(),
        ..Default::default()
    };
    given.materials.insert(
        "M01".into(),
        MaterialRef::File {
            hash: "d".repeat(64),
            name: "申请表（盖章）.pdf".into(),
        },
    );
    run.detail = Detail::Resubmission(given);
    run.later(24 * 60).act(Action::Resubmit, None);
    assert_eq!(run.case.status, CaseStatus::PreReview);
    assert!(run.case.suspended_minutes > 0);
    run.later(30).act(Action::Accept, Some("补正后材料齐全"));
    assert_eq!(run.case.status, CaseStatus::Review);
    run.replays();
}

#[test]
fn a_case_not_accepted_is_closed_with_the_reason() {
    let mut run = Run::open("not_accept", sample_item(true), Channel::Counter);
    run.later(30)
        .act(Action::NotAccept, Some("不属于本机关职权范围"));
    assert_eq!(run.case.status, CaseStatus::NotAccepted);
    assert_eq!(run.case.task, None);
    run.replays();
}

#[test]
fn a_denied_case_stops_at_approval() {
    let mut run = Run::open("deny", sample_item(false), Channel::Counter);
    run.later(30).act(Action::Accept, Some("予以受理"));
    run.later(60).act(Action::Review, Some("建议不予许可"));
    run.later(60)
        .act(Action::Deny, Some("选址不符合卫生要求，不予许可"));
    assert_eq!(run.case.status, CaseStatus::Denied);
    run.replays();
}

#[test]
fn the_applicant_withdraws_a_case_in_review() {
    let mut run = Run::open("withdraw", sample_item(true), Channel::Counter);
    run.later(30).act(Action::Accept, Some("予以受理"));
    run.later(60).act(Action::Withdraw, Some("暂不经营"));
    assert_eq!(run.case.status, CaseStatus::Withdrawn);
    assert_eq!(run.events[2].actor_id, APPLICANT);
    run.replays();
}

#[test]
fn an_instant_case_is_issued_by_the_system_with_nobody_in_its_facts() {
    let mut item = sample_item(false);
    item.instant = true;
    let mut run = Run::open("instant", item, Channel::Web);
    run.decide_instantly();
    assert_eq!(run.case.status, CaseStatus::Issued);
    assert!(run.facts[1..].iter().all(|f| f.actor_id.is_none()));
    run.replays();
}

#[test]
fn a_supervisor_reassigns_a_review_and_sets_the_green_channel() {
    let mut item = sample_item(true);
    item.green_channel_limit = Some(TimeLimit::Days(2));
    let mut run = Run::open("supervision", item, Channel::Counter);
    run.later(30).act(Action::Accept, Some("予以受理"));
    let committed = run.case.deadline;
    run.later(60).reassign(REVIEWER_2, "原承办人休假");
    assert_eq!(run.case.status, CaseStatus::Review);
    run.later(10).set_priority(true, "区重点项目");
    assert!(
        run.case.deadline < committed,
        "the green channel is shorter"
    );
    // The new holder of the task reviews it.
    run.later(60).act(Action::Review, Some("符合条件"));
    assert_eq!(run.case.handlers.get(&Stage::Review), Some(&REVIEWER_2));
    run.replays();
}
