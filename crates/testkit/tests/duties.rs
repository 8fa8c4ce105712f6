//! Random assignment, separation of duties, double blind, data isolation,
//! reassignment, quality review, login hardening and the audit chain.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use std::collections::{BTreeMap, BTreeSet};

use onestamp_app::auth::Session;
use onestamp_app::cases::Application;
use onestamp_app::store::User;
use onestamp_domain::assignment::StaffProfile;
use onestamp_domain::case::{Action, Channel, Command, Stage};
use onestamp_domain::role::Role;
use onestamp_testkit::fixtures::{BOOKS, SOLE_TRADER, books_form, sole_trader_form};
use onestamp_testkit::reqwest::{Method, StatusCode};
use onestamp_testkit::{TestApp, assert_error, json};

fn all_departments() -> StaffProfile {
    StaffProfile {
        available: true,
        departments: vec!["*".into()],
        items: vec![],
        certificates: vec!["出版物经营许可审查员".into(), "市场主体登记审核员".into()],
    }
}

async fn staff(t: &TestApp, name: &str, roles: Vec<Role>, profile: StaffProfile) -> User {
    let user = t
        .app
        .save_user(
            None,
            onestamp_app::users::UserForm {
                username: name.into(),
                display_name: name.into(),
                roles,
                identity: String::new(),
                identity_kind: None,
                mobile: String::new(),
                password: "demo-password".into(),
            },
        )
        .await
        .unwrap();
    t.app
        .set_staff_profile(None, user.id, profile)
        .await
        .unwrap();
    user
}

fn session(user: &User) -> Session {
    Session::of(user.clone())
}

#[tokio::test]
async fn assignment_spreads_1000_cases_evenly_and_never_puts_one_person_on_two_separated_stages() {
    let t = TestApp::start().await;
    // The demo's one-per-role staff go on leave; a new team takes over.
    for u in ["clerk", "reviewer", "approver", "officer"] {
        let id = t.store.user_credentials(u).await.unwrap().unwrap().0.id;
        t.app
            .set_staff_profile(
                None,
                id,
                StaffProfile {
                    available: false,
                    ..all_departments()
                },
            )
            .await
            .unwrap();
    }
    let mut team: BTreeMap<Role, Vec<User>> = BTreeMap::new();
    for (role, n) in [
        (Role::Clerk, 4),
        (Role::Reviewer, 4),
        (Role::Approver, 4),
        (Role::Officer, 4),
    ] {
        for i in 0..n {
            let u = staff(
                &t,
                &format!("{}{i}", role.as_str()),
                vec![role],
                all_departments(),
            )
            .await;
            team.entry(role).or_default().push(u);
        }
    }
    // Two people hold two roles each: separation of duties must keep them to one per case.
    let dual_a = staff(
        &t,
        "dual_a",
        vec![Role::Clerk, Role::Approver],
        all_departments(),
    )
    .await;
    let dual_b = staff(
        &t,
        "dual_b",
        vec![Role::Reviewer, Role::Officer],
        all_departments(),
    )
    .await;
    team.entry(Role::Clerk).or_default().push(dual_a.clone());
    team.entry(Role::Approver).or_default().push(dual_a.clone());
    team.entry(Role::Reviewer).or_default().push(dual_b.clone());
    team.entry(Role::Officer).or_default().push(dual_b.clone());
    // Never drawn: on leave, or not qualified for the item.
    let on_leave = staff(
        &t,
        "on_leave",
        vec![Role::Reviewer],
        StaffProfile {
            available: false,
            ..all_departments()
        },
    )
    .await;
    let unqualified = staff(
        &t,
        "other_dept",
        vec![Role::Reviewer],
        StaffProfile {
            departments: vec!["zjj".into()],
            ..all_departments()
        },
    )
    .await;
    let uncertified = staff(
        &t,
        "other_item",
        vec![Role::Approver],
        StaffProfile {
            departments: vec![],
            items: vec!["510107-ZJJ-001".into()],
            ..all_departments()
        },
    )
    .await;

    let applicant = session(
        &t.store
            .user_credentials("jinjiang_books")
            .await
            .unwrap()
            .unwrap()
            .0,
    );
    let everyone: BTreeMap<i64, User> =
        team.values().flatten().map(|u| (u.id, u.clone())).collect();
    let supervisor = session(
        &t.store
            .user_credentials("supervisor")
            .await
            .unwrap()
            .unwrap()
            .0,
    );
    let mut per_stage: BTreeMap<Stage, BTreeMap<i64, u32>> = BTreeMap::new();
    for _ in 0..1000 {
        let submitted = t
            .app
            .submit_application(
                &applicant,
                Application {
                    item_code: BOOKS.into(),
                    channel: Channel::Counter,
                    form: books_form().as_object().unwrap().clone(),
                    materials: Default::default(),
                    applicant: None,
                },
            )
            .await
            .unwrap();
        // The applicant's view hides the handlers (双盲); look as a supervisor.
        let mut view = t
            .app
            .get_case(&supervisor, submitted.case.id)
            .await
            .unwrap();
        while let Some(task) = view.task.clone() {
            let assignee = task.assignee.expect("staff see who holds the task");
            *per_stage
                .entry(task.stage)
                .or_default()
                .entry(assignee)
                .or_default() += 1;
            let holder = everyone
                .get(&assignee)
                .unwrap_or_else(|| panic!("task given to {assignee} outside the team"));
            let action = onestamp_domain::case::forward_action(task.stage);
            view = t
                .app
                .act_on_case(
                    &session(holder),
                    view.case.id,
                    Command {
                        action,
                        opinion: Some("同意".into()),
                        version: view.case.version,
                    },
                )
                .await
                .unwrap();
        }
        assert_eq!(view.case.status.as_str(), "issued");
        // 接不管审、审不管核、核不管发: one person, one duty per case.
        let mut duty_of: BTreeMap<i64, BTreeSet<&str>> = BTreeMap::new();
        for (stage, who) in &view.case.handlers {
            let duty = match stage {
                Stage::PreReview | Stage::Intake => "intake",
                Stage::Production | Stage::Issuance => "production",
                s => s.as_str(),
            };
            duty_of.entry(*who).or_default().insert(duty);
        }
        assert!(
            duty_of.values().all(|d| d.len() == 1),
            "case {} handlers {:?}",
            view.case.number,
            view.case.handlers
        );
    }
    for never in [&on_leave, &unqualified, &uncertified] {
        assert!(
            per_stage.values().all(|m| !m.contains_key(&never.id)),
            "{} was drawn",
            never.username
        );
    }
    for (stage, counts) in &per_stage {
        let total: u32 = counts.values().sum();
        assert_eq!(total, 1000, "{stage:?}");
        let mean = total as f64 / counts.len() as f64;
        for (who, n) in counts {
            let share = *n as f64 / mean;
            assert!(
                (0.6..=1.4).contains(&share),
                "{stage:?}: user {who} got {n} of {total} (mean {mean:.0}): {counts:?}"
            );
        }
        assert!(counts.len() >= 4, "{stage:?} spread over {counts:?}");
    }
}

#[tokio::test]
async fn a_person_on_two_separated_stages_is_refused_with_a_clear_code() {
    let t = TestApp::start().await;
    let dual = staff(
        &t,
        "dual",
        vec![Role::Clerk, Role::Approver],
        all_departments(),
    )
    .await;
    for u in ["clerk", "approver"] {
        let id = t.store.user_credentials(u).await.unwrap().unwrap().0.id;
        t.app
            .set_staff_profile(
                None,
                id,
                StaffProfile {
                    available: false,
                    ..all_departments()
                },
            )
            .await
            .unwrap();
    }
    let applicant = t.login("zhangsan").await;
    let r = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": SOLE_TRADER, "channel": "counter", "form": sole_trader_form()}),
        )
        .await;
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body["status"], "intake");
    let token = t
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "dual", "password": "demo-password"})),
        )
        .await
        .body["token"]
        .as_str()
        .unwrap()
        .to_string();
    // The only approver on duty did intake: nobody can be drawn for approval.
    let accepted = t.act(id, &token, "accept", Some("受理")).await;
    assert_error(&accepted, StatusCode::CONFLICT, "no_assignee");
    // A supervisor cannot hand the approval to them either.
    let approver_id = t
        .store
        .user_credentials("approver")
        .await
        .unwrap()
        .unwrap()
        .0
        .id;
    t.app
        .set_staff_profile(None, approver_id, all_departments())
        .await
        .unwrap();
    let ok = t.act(id, &token, "accept", Some("受理")).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    let supervisor = t.login("supervisor").await;
    let version = ok.body["version"].clone();
    let r = t
        .post(
            &format!("/api/v1/cases/{id}/reassign"),
            &supervisor,
            json!({"assignee": dual.id, "reason": "人手调整", "version": version}),
        )
        .await;
    assert_error(&r, StatusCode::FORBIDDEN, "separation_of_duties");
    let _ = Action::Approve;
}

#[tokio::test]
async fn a_supervisor_reassigns_with_a_reason_and_nobody_reassigns_to_themselves() {
    let t = TestApp::start().await;
    let second = staff(&t, "clerk2", vec![Role::Clerk], all_departments()).await;
    let stranger = staff(
        &t,
        "clerk_zjj",
        vec![Role::Clerk],
        StaffProfile {
            departments: vec!["zjj".into()],
            ..all_departments()
        },
    )
    .await;
    let applicant = t.login("zhangsan").await;
    let case = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": SOLE_TRADER, "form": sole_trader_form()}),
        )
        .await
        .body;
    let id = case["id"].as_i64().unwrap();
    let path = format!("/api/v1/cases/{id}/reassign");
    let supervisor = t.login("supervisor").await;
    let clerk = t.login("clerk").await;
    let v = t
        .get(&format!("/api/v1/cases/{id}"), &supervisor)
        .await
        .body["version"]
        .clone();
    assert_error(
        &t.post(
            &path,
            &clerk,
            json!({"assignee": second.id, "reason": "x", "version": v}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_error(
        &t.post(
            &path,
            &supervisor,
            json!({"assignee": second.id, "reason": "  ", "version": v}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    assert_error(
        &t.post(
            &path,
            &supervisor,
            json!({"assignee": stranger.id, "reason": "x", "version": v}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "assignee_unfit",
    );
    let sup_id = t.get("/api/v1/me", &supervisor).await.body["id"].clone();
    assert_error(
        &t.post(
            &path,
            &supervisor,
            json!({"assignee": sup_id, "reason": "x", "version": v}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "assignee_unfit",
    );
    let r = t
        .post(
            &path,
            &supervisor,
            json!({"assignee": second.id, "reason": "原受理员请假", "version": v}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["task"]["assignee"], second.id);
    let last = r.body["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "reassign");
    assert_eq!(last["opinion"], "原受理员请假");
    assert_error(
        &t.act(id, &clerk, "accept", None).await,
        StatusCode::FORBIDDEN,
        "not_assignee",
    );
}

#[tokio::test]
async fn reviewers_see_identity_numbers_masked_where_the_item_allows_and_applicants_see_no_names() {
    let t = TestApp::start().await;
    let applicant = t.login("zhangsan").await;
    let r = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": SOLE_TRADER, "channel": "counter", "form": sole_trader_form()}),
        )
        .await;
    let id = r.body["id"].as_i64().unwrap();
    let clerk = t.login("clerk").await;
    assert_eq!(
        t.get(&format!("/api/v1/cases/{id}"), &clerk).await.body["form"]["operator_id"],
        "510107199003071236",
        "intake checks the original"
    );
    t.act(id, &clerk, "accept", Some("受理")).await;
    let approver = t.login("approver").await;
    let seen = t.get(&format!("/api/v1/cases/{id}"), &approver).await.body;
    assert_eq!(seen["form"]["operator_id"], "5101**********1236");
    assert_eq!(seen["applicant"]["identity"], "5101**********1236");
    let mine = t.get(&format!("/api/v1/cases/{id}"), &applicant).await.body;
    assert_eq!(
        mine["task"]["assignee"],
        serde_json::Value::Null,
        "hidden, not the system's id 0"
    );
    assert!(
        mine["task"]["stage"].is_string(),
        "the task itself is shown"
    );
    assert_eq!(mine["handlers"], json!({}));
}

#[tokio::test]
async fn every_case_route_refuses_another_applicant_and_the_wrong_role() {
    let t = TestApp::start().await;
    let owner = t.login("zhangsan").await;
    let other = t.login("lisi").await;
    let regulator = t.login("regulator").await;
    let r = t
        .post(
            "/api/v1/cases",
            &owner,
            json!({"item": SOLE_TRADER, "form": sole_trader_form()}),
        )
        .await;
    let id = r.body["id"].as_i64().unwrap();
    let v = r.body["version"].clone();
    let attempts: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::GET, format!("/api/v1/cases/{id}"), None),
        (
            Method::POST,
            format!("/api/v1/cases/{id}/actions"),
            Some(json!({"action": "withdraw", "version": v})),
        ),
        (
            Method::POST,
            format!("/api/v1/cases/{id}/actions"),
            Some(json!({"action": "accept", "version": v})),
        ),
        (
            Method::POST,
            format!("/api/v1/cases/{id}/reassign"),
            Some(json!({"reason": "x", "version": v})),
        ),
        (
            Method::POST,
            format!("/api/v1/cases/{id}/priority"),
            Some(json!({"priority": true, "reason": "x", "version": v})),
        ),
    ];
    for (method, path, body) in &attempts {
        let r = t
            .call(method.clone(), path, Some(&other), body.clone())
            .await;
        assert!(
            matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
            "other applicant {method} {path}: {:?}",
            r.body
        );
        let r = t
            .call(method.clone(), path, Some(&regulator), body.clone())
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "regulator {method} {path}: {:?}",
            r.body
        );
    }
    for path in [
        "/api/v1/tasks",
        "/api/v1/users",
        "/api/v1/alerts",
        "/api/v1/supervision/tasks",
        "/api/v1/quality/samples/1",
        "/api/v1/users/1/profile",
    ] {
        assert_eq!(
            t.get(path, &other).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let list = t.get("/api/v1/cases", &other).await;
    assert_eq!(list.body["cases"], json!([]));
    let by_number = t
        .get(
            &format!(
                "/api/v1/cases?number={}",
                r.body["number"].as_str().unwrap()
            ),
            &other,
        )
        .await;
    assert_eq!(
        by_number.body["cases"],
        json!([]),
        "search by number stays within one's own cases"
    );
    let still = t.get(&format!("/api/v1/cases/{id}"), &owner).await;
    assert_eq!(still.body["status"], "pre_review", "nothing changed");
}

#[tokio::test]
async fn a_supervisor_samples_finished_cases_and_records_findings() {
    let t = TestApp::start().await;
    let applicant = t.login("jinjiang_books").await;
    let supervisor = t.login("supervisor").await;
    let none = t
        .post("/api/v1/quality/samples", &supervisor, json!({"size": 3}))
        .await;
    assert_error(&none, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    let mut ids = vec![];
    for _ in 0..4 {
        let r = t
            .post(
                "/api/v1/cases",
                &applicant,
                json!({"item": BOOKS, "form": books_form()}),
            )
            .await;
        let id = r.body["id"].as_i64().unwrap();
        let clerk = t.login("clerk").await;
        t.act(id, &clerk, "not_accept", Some("不属于本局受理范围"))
            .await;
        ids.push(id);
    }
    let r = t
        .post("/api/v1/quality/samples", &supervisor, json!({"size": 3}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let sample_id = r.body["id"].as_i64().unwrap();
    let cases = r.body["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    let case_id = cases[0]["case_id"].as_i64().unwrap();
    let path = format!("/api/v1/quality/samples/{sample_id}/findings");
    assert_error(
        &t.post(
            &path,
            &supervisor,
            json!({"case_id": case_id, "verdict": "defect"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    assert_error(
        &t.post(
            &path,
            &supervisor,
            json!({"case_id": case_id, "verdict": "maybe", "notes": "?"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    let missing = ids
        .iter()
        .find(|i| !cases.iter().any(|c| c["case_id"] == **i))
        .unwrap();
    assert_error(
        &t.post(
            &path,
            &supervisor,
            json!({"case_id": missing, "verdict": "compliant"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let r = t.post(&path, &supervisor, json!({"case_id": case_id, "verdict": "defect", "notes": "不予受理告知书未载明申请人享有的救济途径"})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        r.body["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["case_id"] == case_id)
            .unwrap()["verdict"],
        "defect"
    );
    let entries = t.store.audit_entries(0, 10_000).await.unwrap();
    assert!(entries.iter().any(|e| e.kind == "quality.sample"));
    assert!(entries.iter().any(|e| e.kind == "quality.finding"));
}

#[tokio::test]
async fn repeated_failed_logins_are_slowed_then_locked_for_a_while() {
    let t = TestApp::start().await;
    let wrong = json!({"username": "clerk", "password": "guess"});
    let started = std::time::Instant::now();
    for i in 1..=4 {
        let r = t
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(wrong.clone()),
            )
            .await;
        assert_error(&r, StatusCode::UNAUTHORIZED, "bad_credentials");
        let _ = i;
    }
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(200 + 400 + 600 + 800),
        "failures are slowed"
    );
    let r = t
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(wrong.clone()),
        )
        .await;
    assert_error(&r, StatusCode::TOO_MANY_REQUESTS, "login_locked");
    let right = json!({"username": "clerk", "password": "demo"});
    assert_error(
        &t.call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(right.clone()),
        )
        .await,
        StatusCode::TOO_MANY_REQUESTS,
        "login_locked",
    );
    t.clock.advance(chrono::Duration::minutes(16));
    let r = t
        .call(Method::POST, "/api/v1/auth/login", None, Some(right))
        .await;
    assert_eq!(r.status, StatusCode::OK, "unlocked after a while");
    // Other users were never affected.
    t.login("reviewer").await;
}

#[tokio::test]
async fn a_stranger_guessing_locks_out_only_themself() {
    let t = TestApp::start().await;
    // The stranger calls from another loopback address than the owner.
    let stranger = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let url = format!("{}/api/v1/auth/login", t.base);
    let attempt = |password: &'static str| {
        stranger
            .post(&url)
            .json(&json!({"username": "admin", "password": password}))
            .send()
    };
    let mut locked = false;
    for _ in 0..6 {
        locked = attempt("guess").await.unwrap().status() == StatusCode::TOO_MANY_REQUESTS;
    }
    assert!(locked, "the stranger is locked out after repeated failures");
    let r = attempt("demo").await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even with the right password"
    );
    // The owner, from their own address, is not.
    t.login("admin").await;
}
