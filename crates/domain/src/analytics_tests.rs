#![allow(clippy::unwrap_used, reason = "tests")]

use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::case::correction::{CorrectionList, CorrectionRequest, Defect, MaterialDefect};
use crate::case::tests::case_in;
use crate::role::Role;

fn cal() -> Calendar {
    Calendar::china_default()
}

fn event(action: &str, from: Option<CaseStatus>, to: CaseStatus, at: DateTime<Utc>) -> CaseEvent {
    CaseEvent {
        at,
        actor_id: 10,
        actor_role: Role::Clerk,
        action: action.into(),
        opinion: Some("材料不全".into()),
        from_status: from,
        to_status: to,
        version: 1,
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn a_submission_counts_on_the_bureau_day() {
    // 2026-03-01 17:00 UTC is 2026-03-02 01:00 in Chengdu.
    let at = Utc.with_ymd_and_hms(2026, 3, 1, 17, 0, 0).unwrap();
    let case = case_in(CaseStatus::PreReview);
    let t = of_step(
        &case,
        &event(SUBMIT, None, CaseStatus::PreReview, at),
        &cal(),
    );
    let key = (day(2026, 3, 2), case.item_code.clone(), "web".to_string());
    assert_eq!(t.volume[&key].submitted, 1);
    assert_eq!(t.volume.len(), 1);
    assert!(t.times.is_empty() && t.ratings.is_empty());
}

#[test]
fn an_issue_counts_same_day_instant_on_time_and_stage_times() {
    let mut case = case_in(CaseStatus::Issued);
    let at = case.submitted_at + Duration::hours(1);
    case.updated_at = at;
    case.deadline = Some(at + Duration::hours(1));
    case.legal_deadline = Some(at - Duration::minutes(1));
    case.handlers.insert(Stage::PreReview, SYSTEM_ACTOR);
    case.handlers.insert(Stage::Issuance, SYSTEM_ACTOR);
    case.stage_minutes.insert(Stage::PreReview, 10);
    case.stage_minutes.insert(Stage::Review, 500);
    let t = of_step(
        &case,
        &event("issue", Some(CaseStatus::Issuance), CaseStatus::Issued, at),
        &cal(),
    );
    let c = t.volume.values().next().unwrap();
    assert_eq!(
        (c.ended, c.issued, c.same_day, c.instant),
        (1, 1, 1, 1),
        "{c:?}"
    );
    assert_eq!((c.on_time_committed, c.on_time_legal), (1, 0));
    let d = day(2026, 3, 2);
    let item = case.item_code.clone();
    assert_eq!(t.times[&(d, item.clone(), "pre_review".into(), 1)], 1);
    assert_eq!(t.times[&(d, item.clone(), "review".into(), 7)], 1);
    assert_eq!(t.times[&(d, item.clone(), TOTAL.into(), 7)], 1);
    assert_eq!(t.ratings[&(d, item, "web".into(), 0)].ended, 1);
}

#[test]
fn a_refusal_keeps_its_reason_and_a_withdrawal_is_not_decided() {
    let case = case_in(CaseStatus::NotAccepted);
    let at = case.submitted_at;
    let t = of_step(
        &case,
        &event(
            "not_accept",
            Some(CaseStatus::Intake),
            CaseStatus::NotAccepted,
            at,
        ),
        &cal(),
    );
    let c = t.volume.values().next().unwrap();
    assert_eq!((c.not_accepted, c.on_time_committed), (1, 1));
    let (key, n) = t.refusals.iter().next().unwrap();
    assert_eq!(
        (key.2.as_str(), key.3.as_str(), *n),
        ("not_accepted", "材料不全", 1)
    );
    let w = of_step(
        &case_in(CaseStatus::Withdrawn),
        &event(
            "withdraw",
            Some(CaseStatus::Review),
            CaseStatus::Withdrawn,
            at,
        ),
        &cal(),
    );
    let c = w.volume.values().next().unwrap();
    assert_eq!((c.withdrawn, c.decided(), c.on_time_committed), (1, 0, 0));
}

#[test]
fn a_correction_counts_each_material_named() {
    let mut case = case_in(CaseStatus::Correction);
    let at = case.submitted_at + Duration::hours(2);
    case.correction = Some(CorrectionRequest {
        stage: Stage::Intake,
        requested_at: at,
        requested_by: Some(10),
        list: CorrectionList {
            materials: vec![MaterialDefect {
                code: "M03".into(),
                defect: Defect::Missing,
                reason: String::new(),
            }],
            fields: Vec::new(),
        },
        late: false,
    });
    let e = event(
        "request_correction",
        Some(CaseStatus::Intake),
        CaseStatus::Correction,
        at,
    );
    let t = of_step(&case, &e, &cal());
    assert_eq!(t.volume.values().next().unwrap().corrections, 1);
    let (key, n) = t.corrections.iter().next().unwrap();
    assert_eq!((key.2.as_str(), key.3.as_str(), *n), ("M03", "missing", 1));
    // An earlier request replayed later no longer names materials.
    let earlier = CaseEvent {
        at: at - Duration::hours(1),
        ..e
    };
    assert!(of_step(&case, &earlier, &cal()).corrections.is_empty());
}

#[test]
fn a_history_is_the_sum_of_its_steps() {
    let mut case = case_in(CaseStatus::Issued);
    let at = case.submitted_at;
    case.updated_at = at + Duration::days(2);
    let events = [
        event(SUBMIT, None, CaseStatus::PreReview, at),
        event(
            "accept",
            Some(CaseStatus::PreReview),
            CaseStatus::Review,
            at,
        ),
        event(
            "issue",
            Some(CaseStatus::Issuance),
            CaseStatus::Issued,
            case.updated_at,
        ),
    ];
    let t = of_history(&case, &events, &cal());
    let mut total = Counters::default();
    for c in t.volume.values() {
        total.add(c);
    }
    assert_eq!((total.submitted, total.issued, total.same_day), (1, 1, 0));
    assert_eq!(t.volume.len(), 2, "two days");
}

#[test]
fn ratings_and_upheld_appeals_move_the_rating_row() {
    let mut case = case_in(CaseStatus::Issued);
    case.handlers.insert(Stage::Intake, 10);
    let mut t = of_rating(&case, RatingLevel::Dissatisfied, &cal());
    t.merge(of_upheld_appeal(&case, RatingLevel::Dissatisfied, &cal()));
    let r = t.ratings.values().next().unwrap();
    assert_eq!((r.rated, r.good, r.bad, r.voided), (1, 0, 0, 1));
    assert_eq!(t.ratings.keys().next().unwrap().3, 10);
    let g = of_rating(&case, RatingLevel::Satisfied, &cal());
    assert_eq!(g.ratings.values().next().unwrap().good, 1);
}

#[test]
fn buckets_and_quantiles() {
    assert_eq!(bucket(0), 0);
    assert_eq!(bucket(1), 1);
    assert_eq!(bucket(15), 1);
    assert_eq!(bucket(16), 2);
    assert_eq!(bucket(100_000), BUCKET_BOUNDS.len());
    let mut b = [0i64; BUCKETS];
    assert_eq!(quantile(&b, 0.5), None);
    // 10 values in (60, 120], 10 in (240, 480].
    b[4] = 10;
    b[6] = 10;
    assert_eq!(quantile(&b, 0.5), Some(120.0));
    assert_eq!(quantile(&b, 0.9), Some(240.0 + 240.0 * 0.8));
    assert_eq!(quantile(&b, 0.1), Some(72.0));
    let mut open = [0i64; BUCKETS];
    open[BUCKETS - 1] = 3;
    assert_eq!(quantile(&open, 0.9), Some(28800.0));
}

#[test]
fn shares_and_rates() {
    let c = Counters {
        issued: 3,
        same_day: 2,
        instant: 1,
        denied: 1,
        on_time_committed: 4,
        on_time_legal: 3,
        ..Counters::default()
    };
    assert_eq!(c.same_day_share(), Some(66.7));
    assert_eq!(c.instant_share(), Some(33.3));
    assert_eq!(c.on_time_committed_rate(), Some(100.0));
    assert_eq!(c.on_time_legal_rate(), Some(75.0));
    assert_eq!(Counters::default().same_day_share(), None);
    assert_eq!(Counters::from_values(c.values()), c);
}
