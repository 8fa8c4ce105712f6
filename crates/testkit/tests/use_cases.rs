//! The use cases called directly, without HTTP: `App` over a SQLite store with
//! the test clock and a seal (as [`TestApp`] builds it), sessions from the
//! login use case, and outcomes and refusals checked as the app's and the
//! domain's error variants rather than as status codes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use std::collections::BTreeMap;

use onestamp_app::AppError;
use onestamp_app::auth::Session;
use onestamp_app::cases::{Application, CaseView};
use onestamp_app::materials::MaterialChoice;
use onestamp_app::store::{CaseQuery, User};
use onestamp_app::users::UserForm;
use onestamp_domain::DomainError;
use onestamp_domain::assignment::StaffProfile;
use onestamp_domain::case::{Action, CaseStatus, Channel, Command, Hand, Stage};
use onestamp_domain::licence::Standing;
use onestamp_domain::role::Role;
use onestamp_testkit::TestApp;
use onestamp_testkit::fixtures::{
    BOOKS, FOOD, NAME_CHANGE, SOLE_TRADER, books_form, food_form, sole_trader_form,
};

/// Logs a demo user in through the login use case and authenticates the token.
async fn session(t: &TestApp, username: &str) -> Session {
    let (token, _) = t.app.login(username, "demo", None).await.unwrap();
    t.app.authenticate(&token).await.unwrap()
}

fn form(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    match value {
        serde_json::Value::Object(map) => map,
        other => panic!("a form is an object: {other}"),
    }
}

fn application(item: &str, value: serde_json::Value) -> Application {
    Application {
        item_code: item.into(),
        channel: Channel::Counter,
        form: form(value),
        materials: BTreeMap::new(),
    }
}

async fn submit(t: &TestApp, who: &str, item: &str, value: serde_json::Value) -> CaseView {
    let s = session(t, who).await;
    t.app
        .submit_application(&s, application(item, value))
        .await
        .unwrap()
}

/// `action` on case `id` at the version `s` sees now.
async fn act(
    t: &TestApp,
    s: &Session,
    id: i64,
    action: Action,
    opinion: Option<&str>,
) -> Result<CaseView, AppError> {
    let version = t.app.get_case(s, id).await?.case.version;
    let command = Command {
        action,
        opinion: opinion.map(str::to_string),
        version,
    };
    t.app.act_on_case(s, id, command).await
}

/// The rule the domain gave for refusing, or a panic if it was not the domain.
fn domain(r: Result<CaseView, AppError>) -> DomainError {
    match r {
        Err(AppError::Domain(e)) => e,
        other => panic!("expected a refusal by the domain, got {other:?}"),
    }
}

/// A member of staff with `roles`, on duty for every department and item.
async fn staff(t: &TestApp, username: &str, roles: Vec<Role>) -> (User, Session) {
    let user = t
        .app
        .save_user(
            None,
            UserForm {
                username: username.into(),
                display_name: username.into(),
                roles,
                identity: String::new(),
                identity_kind: None,
                password: "demo".into(),
            },
        )
        .await
        .unwrap();
    let profile = StaffProfile {
        available: true,
        departments: vec!["*".into()],
        items: vec![],
        certificates: vec![
            "市场主体登记审核员".into(),
            "出版物经营许可审查员".into(),
            "食品经营许可审查员".into(),
        ],
    };
    t.app
        .set_staff_profile(None, user.id, profile)
        .await
        .unwrap();
    let s = session(t, username).await;
    (user, s)
}

/// zhangsan's sole-trader registration from submission to issue; the case and
/// the licence id.
async fn issue_sole_trader(t: &TestApp) -> (CaseView, String) {
    let submitted = submit(t, "zhangsan", SOLE_TRADER, sole_trader_form()).await;
    let id = submitted.case.id;
    for (who, action) in [
        ("clerk", Action::Accept),
        ("approver", Action::Approve),
        ("officer", Action::Produce),
        ("officer", Action::Issue),
    ] {
        let s = session(t, who).await;
        act(t, &s, id, action, Some("同意"))
            .await
            .unwrap_or_else(|e| panic!("{who} {action}: {e}"));
    }
    let done = t
        .app
        .get_case(&session(t, "zhangsan").await, id)
        .await
        .unwrap();
    let licence = done
        .licence_id
        .clone()
        .expect("the issued case has a licence");
    (done, licence)
}

#[tokio::test]
async fn a_food_licence_goes_through_every_stage_and_is_sealed() {
    let t = TestApp::start().await;
    let view = submit(&t, "jinjiang_books", FOOD, food_form()).await;
    assert_eq!(view.case.status, CaseStatus::Intake);
    assert_eq!(view.case.version, 1);
    let id = view.case.id;
    for (who, action, to) in [
        ("clerk", Action::Accept, CaseStatus::Review),
        ("reviewer", Action::Review, CaseStatus::Inspection),
        ("inspector", Action::Inspect, CaseStatus::Approval),
        ("approver", Action::Approve, CaseStatus::Production),
        ("officer", Action::Produce, CaseStatus::Issuance),
        ("officer", Action::Issue, CaseStatus::Issued),
    ] {
        let s = session(&t, who).await;
        let v = act(&t, &s, id, action, Some("同意")).await.unwrap();
        assert_eq!(v.case.status, to, "{who} {action}");
    }
    let owner = session(&t, "jinjiang_books").await;
    let done = t.app.get_case(&owner, id).await.unwrap();
    assert_eq!(done.case.version, 7);
    assert_eq!(done.task, None);
    assert_eq!(done.actions, vec![]);
    let actions: Vec<&str> = done.events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "submit", "accept", "review", "inspect", "approve", "produce", "issue"
        ]
    );
    // 双盲: the applicant sees that staff acted, never who.
    assert!(
        done.events[1..]
            .iter()
            .all(|e| e.actor_id.is_none() && e.by == Hand::Staff)
    );
    let licence = done.licence_id.expect("a licence was sealed");
    let v = t.app.verify_licence(&licence).await.unwrap();
    assert_eq!(v.standing, Standing::Valid);
    assert_eq!(v.licence.unwrap().holder_name, "成都锦江书香文化有限公司");
}

#[tokio::test]
async fn login_refuses_a_wrong_password_and_an_unknown_token() {
    let t = TestApp::start().await;
    assert!(matches!(
        t.app.login("clerk", "not-demo", None).await,
        Err(AppError::BadCredentials)
    ));
    assert!(matches!(
        t.app.authenticate("no-such-token").await,
        Err(AppError::Unauthenticated)
    ));
    let (token, user) = t.app.login("clerk", "demo", None).await.unwrap();
    assert_eq!(t.app.authenticate(&token).await.unwrap().user.id, user.id);
    t.app.logout(&token).await.unwrap();
    assert!(matches!(
        t.app.authenticate(&token).await,
        Err(AppError::Unauthenticated)
    ));
}

#[tokio::test]
async fn an_action_needs_the_stage_role_the_task_and_the_current_version() {
    let t = TestApp::start().await;
    let id = submit(&t, "zhangsan", BOOKS, books_form()).await.case.id;
    let reviewer = session(&t, "reviewer").await;
    assert_eq!(
        domain(act(&t, &reviewer, id, Action::Accept, None).await),
        DomainError::WrongRole {
            action: Action::Accept,
            needed: Role::Clerk
        }
    );
    assert_eq!(
        domain(act(&t, &reviewer, id, Action::Review, None).await),
        DomainError::TransitionNotAllowed {
            action: Action::Review,
            status: CaseStatus::Intake
        }
    );
    // A second clerk, added after the task was drawn, does not hold it.
    let (_, clerk_2) = staff(&t, "clerk2", vec![Role::Clerk]).await;
    assert_eq!(
        domain(act(&t, &clerk_2, id, Action::Accept, None).await),
        DomainError::NotAssignee
    );
    let clerk = session(&t, "clerk").await;
    let stale = Command {
        action: Action::Accept,
        opinion: None,
        version: 0,
    };
    assert_eq!(
        domain(t.app.act_on_case(&clerk, id, stale).await),
        DomainError::VersionConflict {
            given: 0,
            current: 1
        }
    );
    let unchanged = t.app.get_case(&clerk, id).await.unwrap();
    assert_eq!(
        (unchanged.case.status, unchanged.case.version),
        (CaseStatus::Intake, 1)
    );
    assert_eq!(
        unchanged.actions,
        [Action::Accept, Action::NotAccept, Action::RequestCorrection]
    );
}

#[tokio::test]
async fn a_refusal_needs_an_opinion_and_closes_the_case() {
    let t = TestApp::start().await;
    let id = submit(&t, "zhangsan", BOOKS, books_form()).await.case.id;
    let clerk = session(&t, "clerk").await;
    assert_eq!(
        domain(act(&t, &clerk, id, Action::NotAccept, Some("  ")).await),
        DomainError::OpinionRequired(Action::NotAccept)
    );
    let v = act(
        &t,
        &clerk,
        id,
        Action::NotAccept,
        Some("不属于本机关职权范围"),
    )
    .await
    .unwrap();
    assert_eq!(v.case.status, CaseStatus::NotAccepted);
    assert_eq!(v.task, None);
    assert!(t.app.my_tasks(&clerk, None, 50).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_corrected_case_returns_to_the_stage_that_asked_and_only_its_applicant_resubmits() {
    let t = TestApp::start().await;
    let id = submit(&t, "zhangsan", BOOKS, books_form()).await.case.id;
    let clerk = session(&t, "clerk").await;
    act(&t, &clerk, id, Action::Accept, Some("予以受理"))
        .await
        .unwrap();
    let reviewer = session(&t, "reviewer").await;
    let v = act(
        &t,
        &reviewer,
        id,
        Action::RequestCorrection,
        Some("请补正场所证明"),
    )
    .await
    .unwrap();
    assert_eq!(v.case.status, CaseStatus::Correction);
    assert_eq!(v.case.correction_return, Some(Stage::Review));
    assert!(v.case.suspended_since.is_some(), "the clock stands");
    // Another applicant does not even see the case; staff may not resubmit.
    let lisi = session(&t, "lisi").await;
    assert!(matches!(
        act(&t, &lisi, id, Action::Resubmit, None).await,
        Err(AppError::NotFound(_))
    ));
    assert_eq!(
        domain(act(&t, &clerk, id, Action::Resubmit, None).await),
        DomainError::WrongRole {
            action: Action::Resubmit,
            needed: Role::Applicant
        }
    );
    let owner = session(&t, "zhangsan").await;
    let v = act(&t, &owner, id, Action::Resubmit, None).await.unwrap();
    assert_eq!(v.case.status, CaseStatus::Review);
    assert_eq!(v.case.suspended_since, None);
    let tasks = t.app.my_tasks(&reviewer, None, 50).await.unwrap();
    assert_eq!(tasks.iter().map(|c| c.id).collect::<Vec<_>>(), [id]);
}

#[tokio::test]
async fn my_tasks_are_the_holders_open_tasks_and_only_staff_have_any() {
    let t = TestApp::start().await;
    let first = submit(&t, "zhangsan", BOOKS, books_form()).await.case.id;
    let second = submit(&t, "jinjiang_books", FOOD, food_form())
        .await
        .case
        .id;
    let clerk = session(&t, "clerk").await;
    let reviewer = session(&t, "reviewer").await;
    let mut held: Vec<i64> = t
        .app
        .my_tasks(&clerk, None, 50)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    held.sort();
    assert_eq!(held, [first, second]);
    assert!(
        t.app
            .my_tasks(&reviewer, None, 50)
            .await
            .unwrap()
            .is_empty()
    );
    act(&t, &clerk, first, Action::Accept, None).await.unwrap();
    let clerks = t.app.my_tasks(&clerk, None, 50).await.unwrap();
    assert_eq!(clerks.iter().map(|c| c.id).collect::<Vec<_>>(), [second]);
    let reviewers = t.app.my_tasks(&reviewer, None, 50).await.unwrap();
    assert_eq!(reviewers.len(), 1);
    assert_eq!(reviewers[0].id, first);
    assert_eq!(reviewers[0].task_stage, Some(Stage::Review));
    let owner = session(&t, "zhangsan").await;
    assert!(matches!(
        t.app.my_tasks(&owner, None, 50).await,
        Err(AppError::Forbidden(_))
    ));
}

#[tokio::test]
async fn case_lists_filter_and_keep_applicants_and_identity_searches_apart() {
    let t = TestApp::start().await;
    let books = submit(&t, "zhangsan", BOOKS, books_form()).await.case.id;
    let food = submit(&t, "jinjiang_books", FOOD, food_form())
        .await
        .case
        .id;
    let clerk = session(&t, "clerk").await;
    act(&t, &clerk, food, Action::Accept, None).await.unwrap();
    let ids = |list: Vec<onestamp_app::store::CaseSummary>| -> Vec<i64> {
        list.iter().map(|c| c.id).collect()
    };
    let all = |q: CaseQuery| CaseQuery { limit: 50, ..q };
    assert_eq!(
        ids(t
            .app
            .list_cases(&clerk, all(CaseQuery::default()))
            .await
            .unwrap()),
        [food, books],
        "newest first"
    );
    let in_review = CaseQuery {
        status: Some(CaseStatus::Review),
        ..CaseQuery::default()
    };
    assert_eq!(
        ids(t.app.list_cases(&clerk, all(in_review)).await.unwrap()),
        [food]
    );
    let of_books = CaseQuery {
        item_code: Some(BOOKS.into()),
        ..CaseQuery::default()
    };
    assert_eq!(
        ids(t.app.list_cases(&clerk, all(of_books)).await.unwrap()),
        [books]
    );
    // An applicant's list holds only their own cases, whatever they ask for.
    let lisi = session(&t, "lisi").await;
    assert!(
        t.app
            .list_cases(&lisi, all(CaseQuery::default()))
            .await
            .unwrap()
            .is_empty()
    );
    let owner = session(&t, "zhangsan").await;
    assert_eq!(
        ids(t
            .app
            .list_cases(&owner, all(CaseQuery::default()))
            .await
            .unwrap()),
        [books]
    );
    assert!(matches!(
        t.app.get_case(&lisi, books).await,
        Err(AppError::NotFound(_))
    ));
    // 双盲: only some staff may search by identity number; a regulator sees no case.
    let by_identity = CaseQuery {
        identity: Some("510107199003071236".into()),
        ..CaseQuery::default()
    };
    assert_eq!(
        ids(t
            .app
            .list_cases(&clerk, all(by_identity.clone()))
            .await
            .unwrap()),
        [books]
    );
    let reviewer = session(&t, "reviewer").await;
    assert!(matches!(
        t.app.list_cases(&reviewer, all(by_identity)).await,
        Err(AppError::Forbidden(_))
    ));
    let regulator = session(&t, "regulator").await;
    assert!(matches!(
        t.app
            .list_cases(&regulator, all(CaseQuery::default()))
            .await,
        Err(AppError::Forbidden(_))
    ));
}

#[tokio::test]
async fn a_supervisor_reassigns_a_task_with_a_reason_to_someone_fit_for_it() {
    let t = TestApp::start().await;
    let id = submit(&t, "zhangsan", BOOKS, books_form()).await.case.id;
    let supervisor = session(&t, "supervisor").await;
    let clerk = session(&t, "clerk").await;
    let (clerk_2, clerk_2_session) = staff(&t, "clerk2", vec![Role::Clerk]).await;
    assert!(matches!(
        t.app
            .reassign(&clerk, id, Some(clerk_2.id), "休假", 1)
            .await,
        Err(AppError::Forbidden(_))
    ));
    assert_eq!(
        domain(
            t.app
                .reassign(&supervisor, id, Some(clerk_2.id), "  ", 1)
                .await
        ),
        DomainError::ReasonRequired("改派")
    );
    assert_eq!(
        domain(
            t.app
                .reassign(&supervisor, id, Some(clerk_2.id), "休假", 0)
                .await
        ),
        DomainError::VersionConflict {
            given: 0,
            current: 1
        }
    );
    assert_eq!(
        domain(
            t.app
                .reassign(&supervisor, id, Some(supervisor.user.id), "休假", 1)
                .await
        ),
        DomainError::SelfAssignment
    );
    let reviewer = session(&t, "reviewer").await;
    assert!(matches!(
        t.app
            .reassign(&supervisor, id, Some(reviewer.user.id), "休假", 1)
            .await,
        Err(AppError::AssigneeUnfit { .. })
    ));
    let v = t
        .app
        .reassign(&supervisor, id, Some(clerk_2.id), " 原承办人休假 ", 1)
        .await
        .unwrap();
    assert_eq!(v.case.version, 2);
    assert_eq!(v.case.status, CaseStatus::Intake);
    assert_eq!(v.task.as_ref().and_then(|t| t.assignee), Some(clerk_2.id));
    let last = v.events.last().unwrap();
    assert_eq!(last.action, "reassign");
    assert_eq!(last.opinion.as_deref(), Some("原承办人休假"));
    assert!(t.app.my_tasks(&clerk, None, 50).await.unwrap().is_empty());
    assert_eq!(
        domain(act(&t, &clerk, id, Action::Accept, None).await),
        DomainError::NotAssignee
    );
    act(&t, &clerk_2_session, id, Action::Accept, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn separation_of_duties_keeps_whoever_took_intake_off_the_review() {
    let t = TestApp::start().await;
    let (both, both_session) = staff(&t, "both", vec![Role::Clerk, Role::Reviewer]).await;
    let id = submit(&t, "zhangsan", BOOKS, books_form()).await.case.id;
    let supervisor = session(&t, "supervisor").await;
    t.app
        .reassign(&supervisor, id, Some(both.id), "由综合窗口受理", 1)
        .await
        .unwrap();
    let v = act(&t, &both_session, id, Action::Accept, None)
        .await
        .unwrap();
    // Drawn among reviewers, the review never goes to whoever took intake.
    let reviewer = session(&t, "reviewer").await;
    assert_eq!(
        v.task.as_ref().and_then(|t| t.assignee),
        Some(reviewer.user.id)
    );
    assert!(matches!(
        domain(
            t.app
                .reassign(&supervisor, id, Some(both.id), "人手不足", 3)
                .await
        ),
        DomainError::SeparationOfDuties(_)
    ));
    assert_eq!(
        domain(act(&t, &both_session, id, Action::Review, None).await),
        DomainError::NotAssignee
    );
}

#[tokio::test]
async fn the_green_channel_shortens_an_open_case_and_is_refused_on_a_closed_one() {
    let t = TestApp::start().await;
    let view = submit(&t, "jinjiang_books", FOOD, food_form()).await;
    let id = view.case.id;
    let committed = view.case.deadline.unwrap();
    let supervisor = session(&t, "supervisor").await;
    let clerk = session(&t, "clerk").await;
    assert!(matches!(
        t.app.set_priority(&clerk, id, true, "重点项目", 1).await,
        Err(AppError::Forbidden(_))
    ));
    assert_eq!(
        domain(t.app.set_priority(&supervisor, id, true, "", 1).await),
        DomainError::ReasonRequired("设置绿色通道")
    );
    let v = t
        .app
        .set_priority(&supervisor, id, true, "区重点项目", 1)
        .await
        .unwrap();
    assert!(v.case.priority);
    assert!(v.case.deadline.unwrap() < committed, "three days, not five");
    assert_eq!(v.events.last().unwrap().action, "priority_on");
    let v = t
        .app
        .set_priority(&supervisor, id, false, "不再列为重点项目", 2)
        .await
        .unwrap();
    assert!(!v.case.priority);
    assert_eq!(v.case.deadline, Some(committed));
    act(&t, &clerk, id, Action::NotAccept, Some("材料不全"))
        .await
        .unwrap();
    assert_eq!(
        domain(
            t.app
                .set_priority(&supervisor, id, true, "重点项目", 4)
                .await
        ),
        DomainError::CaseClosed
    );
}

#[tokio::test]
async fn a_revoked_licence_verifies_as_revoked_and_a_replaced_one_names_its_successor() {
    let t = TestApp::start().await;
    let (_, id) = issue_sole_trader(&t).await;
    let officer = session(&t, "officer").await;
    let clerk = session(&t, "clerk").await;
    assert!(matches!(
        t.app.revoke_licence(&clerk, &id, "吊销").await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        t.app
            .replace_licence(&officer, &id, " ", BTreeMap::new())
            .await,
        Err(AppError::Invalid { .. })
    ));
    let changes = BTreeMap::from([("经营范围".to_string(), "小吃服务".to_string())]);
    let new = t
        .app
        .replace_licence(&officer, &id, "经营范围变更", changes)
        .await
        .unwrap();
    assert_ne!(new.stored.id, id);
    assert_eq!(new.standing, Standing::Valid);
    let old = t.app.verify_licence(&id).await.unwrap();
    assert_eq!(old.standing, Standing::Revoked);
    assert_eq!(old.replaced_by.as_deref(), Some(new.stored.id.as_str()));
    assert_eq!(old.reason.as_deref(), Some("经营范围变更"));
    assert!(matches!(
        t.app.revoke_licence(&officer, &new.stored.id, "").await,
        Err(AppError::Invalid { .. })
    ));
    t.app
        .revoke_licence(&officer, &new.stored.id, "以欺骗手段取得许可")
        .await
        .unwrap();
    let revoked = t.app.verify_licence(&new.stored.id).await.unwrap();
    assert_eq!(revoked.standing, Standing::Revoked);
    assert_eq!(revoked.replaced_by, None);
    assert_eq!(
        t.app
            .verify_licence("not-a-licence")
            .await
            .unwrap()
            .standing,
        Standing::NotGenuine
    );
}

#[tokio::test]
async fn an_instant_item_is_issued_by_the_system_within_the_submission() {
    let t = TestApp::start().await;
    let (_, business_licence) = issue_sole_trader(&t).await;
    let owner = session(&t, "zhangsan").await;
    let mut app = application(NAME_CHANGE, onestamp_testkit::fixtures::name_change_form());
    app.materials.insert(
        "M02".into(),
        MaterialChoice {
            licence: Some(business_licence),
            file: None,
        },
    );
    let v = t.app.submit_application(&owner, app).await.unwrap();
    assert_eq!(
        v.case.status,
        CaseStatus::Issued,
        "{:?}",
        v.case.machine_review
    );
    assert!(v.case.machine_review.as_ref().unwrap().passed);
    let by: Vec<(&str, Hand)> = v.events.iter().map(|e| (e.action.as_str(), e.by)).collect();
    assert_eq!(
        by,
        [
            ("submit", Hand::Applicant),
            ("accept", Hand::System),
            ("approve", Hand::System),
            ("produce", Hand::System),
            ("issue", Hand::System),
        ]
    );
    let licence = v.licence_id.expect("sealed in the same submission");
    assert_eq!(
        t.app.verify_licence(&licence).await.unwrap().standing,
        Standing::Valid
    );
}

#[tokio::test]
async fn the_audit_chain_replays_every_case_and_licence_the_use_cases_wrote() {
    let t = TestApp::start().await;
    issue_sole_trader(&t).await;
    let id = submit(&t, "jinjiang_books", FOOD, food_form())
        .await
        .case
        .id;
    let supervisor = session(&t, "supervisor").await;
    t.app
        .set_priority(&supervisor, id, true, "区重点项目", 1)
        .await
        .unwrap();
    let owner = session(&t, "jinjiang_books").await;
    act(&t, &owner, id, Action::Withdraw, Some("暂不经营"))
        .await
        .unwrap();
    let mut walked = 0;
    let report = t.app.verify_audit(&[], |n| walked = n).await.unwrap();
    assert!(report.intact(), "{:?}", report.findings);
    assert_eq!((report.cases, report.licences), (2, 1));
    assert_eq!(walked, report.entries);
}
