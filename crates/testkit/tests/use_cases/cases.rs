//! Submission to issue, login, the refusals of an action, correction, my
//! tasks and case lists.

use super::*;
use onestamp_app::cases::ActionInput;
use onestamp_domain::case::correction::{CorrectionList, FieldDefect};

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
    let version = t.app.get_case(&reviewer, id).await.unwrap().case.version;
    let list = CorrectionList {
        fields: vec![FieldDefect {
            key: "area".into(),
            reason: "请按场所证明填写实际面积".into(),
        }],
        materials: Vec::new(),
    };
    let v = t
        .app
        .act_on_case_with(
            &reviewer,
            id,
            Command {
                action: Action::RequestCorrection,
                opinion: Some("请补正场所证明".into()),
                version,
            },
            ActionInput {
                correction: Some(list),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(v.case.correction.as_ref().is_some_and(|c| !c.late));
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
    let version = t.app.get_case(&owner, id).await.unwrap().case.version;
    let mut form = serde_json::Map::new();
    form.insert("area".into(), serde_json::json!(130.0));
    let v = t
        .app
        .act_on_case_with(
            &owner,
            id,
            Command {
                action: Action::Resubmit,
                opinion: None,
                version,
            },
            ActionInput {
                form: Some(form),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(v.case.form["area"], serde_json::json!(130.0));
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
