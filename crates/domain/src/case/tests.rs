//! The state machine, both ways: every allowed transition succeeds and every
//! other (status, action) pair is refused; the wrong role, someone else's task,
//! a stale version and a missing opinion are refused too.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};

use super::*;
use crate::catalogue::tests::sample_item;

const APPLICANT: UserId = 1;
const STAFF: UserId = 10;

pub(crate) fn case_in(status: CaseStatus) -> Case {
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap();
    Case {
        id: 1,
        number: "510107-20260302-000001".into(),
        item_code: "510107-WH-001".into(),
        item_version: 1,
        applicant: Applicant {
            user_id: APPLICANT,
            kind: ApplicantKind::Person,
            name: "张三".into(),
            identity: "11010519491231002X".into(),
        },
        channel: Channel::Web,
        form: serde_json::Map::new(),
        status,
        correction_return: (status == CaseStatus::Correction).then_some(Stage::Intake),
        priority: false,
        deadline: None,
        legal_deadline: None,
        version: 3,
        submitted_at: at,
        updated_at: at,
        task: status.stage().map(|stage| Task {
            stage,
            assignee: STAFF,
            started_at: at,
            deadline: None,
            warn_at: None,
        }),
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

/// The expected table, written out independently of the implementation:
/// (status, action) → status after, for an item with an inspection stage.
fn expected(status: CaseStatus, action: Action) -> Option<CaseStatus> {
    use Action as A;
    use CaseStatus as S;
    Some(match (status, action) {
        (S::PreReview | S::Intake, A::Accept) => S::Review,
        (S::PreReview | S::Intake, A::NotAccept) => S::NotAccepted,
        (S::PreReview | S::Intake | S::Review, A::RequestCorrection) => S::Correction,
        (S::Correction, A::Resubmit) => S::Intake,
        (S::Review, A::Review) => S::Inspection,
        (S::Inspection, A::Inspect) => S::Approval,
        (S::Approval, A::Approve) => S::Production,
        (S::Approval, A::Deny) => S::Denied,
        (S::Production, A::Produce) => S::Issuance,
        (S::Issuance, A::Issue) => S::Issued,
        (
            S::PreReview | S::Intake | S::Review | S::Inspection | S::Approval | S::Correction,
            A::Withdraw,
        ) => S::Withdrawn,
        _ => return None,
    })
}

fn actor_for(action: Action, status: CaseStatus) -> Actor {
    let role = role_for(action, status);
    Actor {
        user_id: if role == Role::Applicant {
            APPLICANT
        } else {
            STAFF
        },
        roles: vec![role],
    }
}

/// The particulars an action needs: a correction request names the missing
/// application form (M01).
fn detail_for(action: Action) -> Detail {
    match action {
        Action::RequestCorrection => Detail::Correction {
            list: correction::CorrectionList {
                materials: vec![correction::MaterialDefect {
                    code: "M01".into(),
                    defect: correction::Defect::Missing,
                    reason: String::new(),
                }],
                fields: vec![],
            },
            late: false,
        },
        _ => Detail::None,
    }
}

fn command(action: Action) -> Command {
    Command {
        action,
        opinion: Some("材料齐全，符合法定形式".into()),
        version: 3,
    }
}

#[test]
fn every_status_and_action_pair_is_allowed_exactly_as_the_table_says() {
    let item = sample_item(true);
    let now = Utc.with_ymd_and_hms(2026, 3, 3, 2, 0, 0).unwrap();
    let mut allowed = 0;
    for status in CaseStatus::ALL {
        for action in Action::ALL {
            let case = case_in(status);
            let got = decide_with(
                &case,
                &item,
                &actor_for(action, status),
                &command(action),
                &detail_for(action),
                now,
            );
            match expected(status, action) {
                Some(to) => {
                    allowed += 1;
                    let d = got.unwrap_or_else(|e| panic!("{status} {action}: {e}"));
                    assert_eq!(d.case.status, to, "{status} {action}");
                    assert_eq!(d.case.version, 4);
                    assert_eq!(d.case.task, None);
                    assert_eq!(d.event.from_status, Some(status));
                    assert_eq!(d.event.to_status, to);
                    assert_eq!(d.event.version, 3);
                    assert_eq!(d.assign, to.stage());
                }
                None => assert_eq!(
                    got.unwrap_err(),
                    DomainError::TransitionNotAllowed { action, status },
                    "{status} {action} must be refused"
                ),
            }
        }
    }
    assert_eq!(allowed, 20);
}

#[test]
fn without_an_inspection_stage_review_leads_to_approval() {
    let item = sample_item(false);
    let case = case_in(CaseStatus::Review);
    let d = decide(
        &case,
        &item,
        &actor_for(Action::Review, case.status),
        &command(Action::Review),
        case.updated_at,
    )
    .unwrap();
    assert_eq!(d.case.status, CaseStatus::Approval);
    let inspecting = case_in(CaseStatus::Inspection);
    assert!(
        allowed_actions(
            &inspecting,
            &item,
            &actor_for(Action::Inspect, inspecting.status)
        )
        .is_empty()
    );
}

#[test]
fn every_other_role_is_refused_for_every_allowed_transition() {
    let item = sample_item(true);
    for status in CaseStatus::ALL {
        for action in Action::ALL {
            if expected(status, action).is_none() {
                continue;
            }
            let needed = role_for(action, status);
            for role in Role::ALL.into_iter().filter(|r| *r != needed) {
                let actor = Actor {
                    user_id: if needed == Role::Applicant {
                        APPLICANT
                    } else {
                        STAFF
                    },
                    roles: vec![role],
                };
                let err = decide(
                    &case_in(status),
                    &item,
                    &actor,
                    &command(action),
                    Utc::now(),
                )
                .unwrap_err();
                assert_eq!(
                    err,
                    DomainError::WrongRole { action, needed },
                    "{role:?} {status} {action}"
                );
            }
        }
    }
}

#[test]
fn a_clerk_cannot_accept_a_case_assigned_to_another_clerk() {
    let item = sample_item(true);
    let case = case_in(CaseStatus::Intake);
    let other = Actor {
        user_id: STAFF + 1,
        roles: vec![Role::Clerk],
    };
    assert_eq!(
        decide(&case, &item, &other, &command(Action::Accept), Utc::now()).unwrap_err(),
        DomainError::NotAssignee
    );
    assert!(allowed_actions(&case, &item, &other).is_empty());
}

#[test]
fn an_applicant_cannot_withdraw_someone_elses_case() {
    let item = sample_item(true);
    let case = case_in(CaseStatus::Review);
    let stranger = Actor {
        user_id: APPLICANT + 1,
        roles: vec![Role::Applicant],
    };
    assert_eq!(
        decide(
            &case,
            &item,
            &stranger,
            &command(Action::Withdraw),
            Utc::now()
        )
        .unwrap_err(),
        DomainError::NotOwnCase
    );
}

#[test]
fn a_stale_version_is_a_conflict() {
    let item = sample_item(true);
    let case = case_in(CaseStatus::Intake);
    let mut cmd = command(Action::Accept);
    cmd.version = 2;
    assert_eq!(
        decide(
            &case,
            &item,
            &actor_for(Action::Accept, case.status),
            &cmd,
            Utc::now()
        )
        .unwrap_err(),
        DomainError::VersionConflict {
            given: 2,
            current: 3
        }
    );
}

#[test]
fn refusals_and_corrections_must_say_why() {
    let item = sample_item(true);
    for (status, action) in [
        (CaseStatus::Intake, Action::NotAccept),
        (CaseStatus::Approval, Action::Deny),
    ] {
        let case = case_in(status);
        let cmd = Command {
            action,
            opinion: Some("   ".into()),
            version: 3,
        };
        assert_eq!(
            decide(&case, &item, &actor_for(action, status), &cmd, Utc::now()).unwrap_err(),
            DomainError::OpinionRequired(action)
        );
    }
}

#[test]
fn an_opinion_of_control_characters_is_refused_not_taken_for_text() {
    let item = sample_item(true);
    let (status, action) = (CaseStatus::Intake, Action::NotAccept);
    let case = case_in(status);
    for opinion in ["\0", "材料不全\0", "\u{1b}[31m"] {
        let cmd = Command {
            action,
            opinion: Some(opinion.into()),
            version: 3,
        };
        assert!(matches!(
            decide(&case, &item, &actor_for(action, status), &cmd, Utc::now()).unwrap_err(),
            DomainError::OpinionUnprintable(_)
        ));
    }
    let cmd = Command {
        action,
        opinion: Some("材料不全：\n1. 缺少租赁合同".into()),
        version: 3,
    };
    assert!(decide(&case, &item, &actor_for(action, status), &cmd, Utc::now()).is_ok());
}

#[test]
fn a_correction_returns_the_case_to_the_stage_that_asked_for_it() {
    let item = sample_item(true);
    let mut case = case_in(CaseStatus::Review);
    case.form.insert("venue_name".into(), "玉林小酒馆".into());
    let d = decide_with(
        &case,
        &item,
        &actor_for(Action::RequestCorrection, case.status),
        &command(Action::RequestCorrection),
        &detail_for(Action::RequestCorrection),
        Utc::now(),
    )
    .unwrap();
    assert_eq!(d.case.status, CaseStatus::Correction);
    assert_eq!(d.case.correction_return, Some(Stage::Review));
    assert_eq!(d.assign, None);
    assert_eq!(d.case.corrected_stages, vec![Stage::Review]);
    let opinion = d.event.opinion.clone().unwrap();
    assert!(
        opinion.starts_with("1. 材料「卫生许可证申请表」缺少")
            && opinion.ends_with("材料齐全，符合法定形式"),
        "{opinion}"
    );
    let resubmit = Command {
        action: Action::Resubmit,
        opinion: None,
        version: 4,
    };
    let applicant = actor_for(Action::Resubmit, d.case.status);
    // Without the named material the resubmission is refused.
    assert!(matches!(
        decide(&d.case, &item, &applicant, &resubmit, Utc::now()),
        Err(DomainError::InvalidResubmission(_))
    ));
    let mut given = correction::Resubmission {
        today: Utc::now().date_naive(),
        ..Default::default()
    };
    given.materials.insert(
        "M01".into(),
        MaterialRef::File {
            hash: "c".repeat(64),
            name: "申请表.pdf".into(),
        },
    );
    let back = decide_with(
        &d.case,
        &item,
        &applicant,
        &resubmit,
        &Detail::Resubmission(given),
        Utc::now(),
    )
    .unwrap();
    assert_eq!(back.case.status, CaseStatus::Review);
    assert_eq!(back.case.correction_return, None);
    assert!(back.case.materials.contains_key("M01"));

    // The review stage asked once: a second request there is refused.
    let mut again = back.case.clone();
    again.task = case_in(CaseStatus::Review).task;
    let second = decide_with(
        &again,
        &item,
        &actor_for(Action::RequestCorrection, again.status),
        &Command {
            version: again.version,
            ..command(Action::RequestCorrection)
        },
        &detail_for(Action::RequestCorrection),
        Utc::now(),
    );
    assert_eq!(
        second.unwrap_err(),
        DomainError::CorrectionAlreadyRequested(Stage::Review)
    );
    // Unless a supervisor allows it, with a reason; the allowance is used up.
    let allowed = allow_correction(
        &again,
        42,
        "申请人补正材料出现新的问题",
        again.version,
        Utc::now(),
    )
    .unwrap()
    .case;
    let mut allowed = allowed;
    allowed.task = again.task.clone();
    let d2 = decide_with(
        &allowed,
        &item,
        &actor_for(Action::RequestCorrection, allowed.status),
        &Command {
            version: allowed.version,
            ..command(Action::RequestCorrection)
        },
        &detail_for(Action::RequestCorrection),
        Utc::now(),
    )
    .unwrap();
    assert_eq!(d2.case.correction_allowance, None);
}

#[test]
fn a_correction_request_without_a_list_is_refused() {
    let item = sample_item(true);
    let case = case_in(CaseStatus::Intake);
    assert!(matches!(
        decide(
            &case,
            &item,
            &actor_for(Action::RequestCorrection, case.status),
            &command(Action::RequestCorrection),
            Utc::now()
        ),
        Err(DomainError::InvalidCorrection(_))
    ));
}

#[test]
fn a_supervisor_allows_a_second_request_only_where_one_was_made() {
    let case = case_in(CaseStatus::Intake);
    assert_eq!(
        allow_correction(&case, 42, "理由", 3, Utc::now()).unwrap_err(),
        DomainError::NoCorrectionToRepeat(Stage::Intake)
    );
    assert!(matches!(
        allow_correction(&case, 42, "  ", 3, Utc::now()),
        Err(DomainError::ReasonRequired(_))
    ));
}

#[test]
fn the_person_who_accepted_a_case_cannot_approve_it() {
    let item = sample_item(true);
    let mut case = case_in(CaseStatus::Approval);
    case.handlers.insert(Stage::Intake, STAFF);
    let actor = Actor {
        user_id: STAFF,
        roles: vec![Role::Clerk, Role::Approver],
    };
    assert!(matches!(
        decide(&case, &item, &actor, &command(Action::Approve), Utc::now()),
        Err(DomainError::SeparationOfDuties(_))
    ));
}

#[test]
fn an_online_application_opens_at_pre_review_and_a_counter_one_at_intake() {
    let item = sample_item(true);
    let mut form = serde_json::Map::new();
    form.insert("venue_name".into(), "玉林小酒馆".into());
    let applicant = case_in(CaseStatus::Intake).applicant;
    let now = Utc::now();
    let today = now.date_naive();
    let (web, ev) = open_case(
        &item,
        2,
        applicant.clone(),
        Channel::Web,
        form.clone(),
        false,
        now,
        today,
    )
    .unwrap();
    assert_eq!(web.status, CaseStatus::PreReview);
    assert_eq!(web.item_version, 2);
    assert_eq!(ev.action, SUBMIT);
    let (counter, _) = open_case(
        &item,
        2,
        applicant.clone(),
        Channel::Counter,
        form,
        false,
        now,
        today,
    )
    .unwrap();
    assert_eq!(counter.status, CaseStatus::Intake);
    let err = open_case(
        &item,
        2,
        applicant,
        Channel::Web,
        serde_json::Map::new(),
        false,
        now,
        today,
    )
    .unwrap_err();
    assert!(matches!(err, DomainError::InvalidForm(p) if p[0].field == "venue_name"));
}

#[test]
fn closed_cases_allow_nothing() {
    let item = sample_item(true);
    for status in CaseStatus::ALL.into_iter().filter(|s| s.is_closed()) {
        for role in Role::ALL {
            let actor = Actor {
                user_id: STAFF,
                roles: vec![role],
            };
            assert!(allowed_actions(&case_in(status), &item, &actor).is_empty());
        }
    }
}

#[test]
fn status_action_and_channel_names_round_trip() {
    for s in CaseStatus::ALL {
        assert_eq!(CaseStatus::parse(s.as_str()), Some(s));
        assert_eq!(
            serde_json::to_value(s).unwrap(),
            serde_json::Value::String(s.as_str().into())
        );
    }
    for a in Action::ALL {
        assert_eq!(Action::parse(a.as_str()), Some(a));
        assert_eq!(
            serde_json::to_value(a).unwrap(),
            serde_json::Value::String(a.as_str().into())
        );
    }
    for c in Channel::ALL {
        assert_eq!(Channel::parse(c.as_str()), Some(c));
    }
}

#[test]
fn an_instant_item_whose_rules_passed_is_issued_by_the_system_in_one_go() {
    let mut item = sample_item(false);
    item.instant = true;
    let mut case = case_in(CaseStatus::PreReview);
    case.version = 1;
    case.task = None;
    assert_eq!(
        decide_instantly(&case, &item, Utc::now()).unwrap(),
        None,
        "no review, no instant decision"
    );
    case.machine_review = Some(crate::rules::RuleReport {
        passed: true,
        results: vec![],
    });
    let (done, events) = decide_instantly(&case, &item, Utc::now()).unwrap().unwrap();
    assert_eq!(done.status, CaseStatus::Issued);
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["accept", "review", "approve", "produce", "issue"]);
    assert!(events.iter().all(|e| e.actor_id == SYSTEM_ACTOR));
    case.machine_review = Some(crate::rules::RuleReport {
        passed: false,
        results: vec![],
    });
    assert_eq!(decide_instantly(&case, &item, Utc::now()).unwrap(), None);
}

/// An issued instant case's log: the submission, the system's steps, then a
/// person's act (a supervisor's green channel, say) — and a human-handled task.
fn log_with_system_and_staff() -> Vec<CaseEvent> {
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap();
    let event = |actor_id, actor_role, action: &str| CaseEvent {
        at,
        actor_id,
        actor_role,
        action: action.into(),
        opinion: None,
        from_status: None,
        to_status: CaseStatus::Review,
        version: 1,
    };
    vec![
        event(APPLICANT, Role::Applicant, SUBMIT),
        event(SYSTEM_ACTOR, Role::Clerk, "accept"),
        event(STAFF, Role::Reviewer, "review"),
    ]
}

#[test]
fn the_applicant_sees_a_hidden_act_of_staff_apart_from_an_instant_decision() {
    let item = sample_item(false);
    let mut case = case_in(CaseStatus::Review);
    case.handlers.insert(Stage::Intake, STAFF);
    let shown = disclose(case, log_with_system_and_staff(), &item, &[Role::Applicant]);
    let by: Vec<(Option<UserId>, Hand)> = shown.events.iter().map(|e| (e.actor_id, e.by)).collect();
    assert_eq!(
        by,
        [
            (Some(APPLICANT), Hand::Applicant),
            (Some(SYSTEM_ACTOR), Hand::System),
            (None, Hand::Staff),
        ]
    );
    assert_eq!(shown.events[2].by.label_zh(), "工作人员");
    let task = shown.task.unwrap();
    assert_eq!(
        task.assignee, None,
        "who holds the task is hidden, not the system"
    );
    assert_eq!(task.stage, Stage::Review);
    assert!(shown.case.handlers.is_empty());
    assert_eq!(shown.case.task, None);
}

#[test]
fn staff_see_every_person_of_a_case() {
    let item = sample_item(false);
    let mut case = case_in(CaseStatus::Review);
    case.handlers.insert(Stage::Intake, STAFF);
    let shown = disclose(case, log_with_system_and_staff(), &item, &[Role::Reviewer]);
    let ids: Vec<Option<UserId>> = shown.events.iter().map(|e| e.actor_id).collect();
    assert_eq!(ids, [Some(APPLICANT), Some(SYSTEM_ACTOR), Some(STAFF)]);
    assert_eq!(shown.task.unwrap().assignee, Some(STAFF));
    assert_eq!(shown.case.handlers.get(&Stage::Intake), Some(&STAFF));
}

#[test]
fn on_a_masking_item_only_intake_sees_the_identity_number_in_full() {
    let mut item = sample_item(false);
    item.mask_identity = true;
    let full = "11010519491231002X";
    for (roles, identity) in [
        (&[Role::Clerk][..], full),
        (&[Role::Applicant][..], full),
        (&[Role::Reviewer][..], "1101**********002X"),
        (&[Role::Supervisor][..], "1101**********002X"),
        (&[Role::Reviewer, Role::Clerk][..], full),
    ] {
        let shown = disclose(case_in(CaseStatus::Review), vec![], &item, roles);
        assert_eq!(shown.case.applicant.identity, identity, "{roles:?}");
    }
    item.mask_identity = false;
    let shown = disclose(
        case_in(CaseStatus::Review),
        vec![],
        &item,
        &[Role::Reviewer],
    );
    assert_eq!(shown.case.applicant.identity, full);
}

#[test]
fn an_identity_number_keeps_its_first_and_last_four_characters() {
    assert_eq!(
        mask_identity_number("11010519491231002X"),
        "1101**********002X"
    );
    assert_eq!(mask_identity_number("12345678"), "********");
}
