//! Time limits over the API: lights, suspension during correction, overdue
//! alerts raised exactly once and recorded against the person responsible,
//! and the green channel — with a test clock driven past the deadlines.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use std::sync::Arc;

use chrono::Duration;
use onestamp_app::clock::TestClock;
use onestamp_app::{App, Settings};
use onestamp_testkit::fixtures::{FOOD, food_form};
use onestamp_testkit::reqwest::StatusCode;
use onestamp_testkit::{TestApp, json};

async fn submit(t: &TestApp) -> i64 {
    let applicant = t.login("jinjiang_books").await;
    let r = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": FOOD, "form": food_form()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_task_past_its_deadline_turns_red_and_alerts_the_supervisor_once() {
    let t = TestApp::start().await; // Monday 09:30; intake has 4 working hours → 14:30
    let id = submit(&t).await;
    let clerk = t.login("clerk").await;
    let supervisor = t.login("supervisor").await;
    assert_eq!(
        t.get(&format!("/api/v1/cases/{id}"), &clerk).await.body["task_light"],
        "green"
    );

    t.clock.advance(Duration::hours(3) + Duration::minutes(30)); // 13:00: 2.5 of 4 hours
    assert_eq!(
        t.get(&format!("/api/v1/cases/{id}"), &clerk).await.body["task_light"],
        "green"
    );
    t.clock.advance(Duration::minutes(45)); // 13:45: past 3 of 4 hours
    assert_eq!(
        t.get(&format!("/api/v1/cases/{id}"), &clerk).await.body["task_light"],
        "yellow"
    );
    let late = t.get("/api/v1/supervision/tasks", &supervisor).await;
    assert_eq!(late.body[0]["id"], id);
    assert_eq!(late.body[0]["light"], "yellow");
    assert!(
        t.app.run_due_timers().await.unwrap().is_empty(),
        "yellow raises no alert"
    );

    t.clock.advance(Duration::hours(1)); // 14:45: overdue
    let tasks = t.get("/api/v1/tasks", &clerk).await;
    assert_eq!(tasks.body[0]["light"], "red");
    let raised = t.app.run_due_timers().await.unwrap();
    assert_eq!(raised.len(), 1);
    assert!(
        t.app.run_due_timers().await.unwrap().is_empty(),
        "raised exactly once"
    );

    let alerts = t.get("/api/v1/alerts", &supervisor).await;
    assert_eq!(alerts.status, StatusCode::OK);
    let list = alerts.body.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["kind"], "task_overdue");
    assert_eq!(list[0]["stage"], "pre_review");
    let clerk_id = t.get("/api/v1/me", &clerk).await.body["id"].clone();
    assert_eq!(
        list[0]["responsible"], clerk_id,
        "recorded against the clerk"
    );
    assert_eq!(
        t.get("/api/v1/alerts", &clerk).await.status,
        StatusCode::FORBIDDEN
    );

    // Months later the case itself is overdue too: one more alert, once.
    t.clock.advance(Duration::days(60));
    let raised = t.app.run_due_timers().await.unwrap();
    assert_eq!(
        raised.iter().map(|a| a.kind.as_str()).collect::<Vec<_>>(),
        ["case_overdue"]
    );
    assert_eq!(
        t.get(&format!("/api/v1/cases/{id}"), &clerk).await.status,
        StatusCode::UNAUTHORIZED,
        "tokens expire"
    );
    let clerk = t.login("clerk").await;
    assert_eq!(
        t.get(&format!("/api/v1/cases/{id}"), &clerk).await.body["light"],
        "red"
    );
}

#[tokio::test]
async fn two_server_processes_sharing_the_database_raise_each_alert_once() {
    let t = TestApp::start().await;
    for _ in 0..5 {
        submit(&t).await;
    }
    t.clock.advance(Duration::days(30));
    let second_store = onestamp_store::open("", t.dir.path()).await.unwrap();
    let second = App::new(
        second_store,
        Arc::new(TestClock::at(t.clock_now())),
        Settings::default(),
    );
    let (a, b) = tokio::join!(t.app.run_due_timers(), second.run_due_timers());
    let total = a.unwrap().len() + b.unwrap().len();
    assert_eq!(total, 10, "5 task alerts and 5 case alerts, none twice");
    let supervisor = t.login("supervisor").await;
    assert_eq!(
        t.get("/api/v1/alerts?limit=200", &supervisor)
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        10
    );
}

#[tokio::test]
async fn a_correction_stops_the_case_clock_and_shows_the_suspended_time() {
    let t = TestApp::start().await;
    let id = submit(&t).await;
    let clerk = t.login("clerk").await;
    let before = t.get(&format!("/api/v1/cases/{id}"), &clerk).await.body["deadline"].clone();
    let asked = t
        .act_with(
            id,
            &clerk,
            "request_correction",
            json!({"correction": {"fields": [{"key": "area", "reason": "请按平面图填写实际面积"}]}}),
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{:?}", asked.body);
    t.clock.advance(Duration::days(2)); // Wednesday 09:30: two working days with the applicant
    let applicant = t.login("jinjiang_books").await;
    let r = t.get(&format!("/api/v1/cases/{id}"), &applicant).await;
    assert_eq!(r.body["suspended_minutes_total"], 2 * 420);
    assert_eq!(r.body["light"], "green", "the clock stands");
    let back = t
        .act_with(id, &applicant, "resubmit", json!({"form": {"area": 92.0}}))
        .await;
    assert_eq!(back.status, StatusCode::OK, "{:?}", back.body);
    assert_eq!(back.body["suspended_minutes"], 2 * 420);
    assert_eq!(before, "2026-03-09T09:00:00Z");
    assert_eq!(
        back.body["deadline"], "2026-03-11T09:00:00Z",
        "moved two working days later"
    );
    assert_eq!(back.body["stage_minutes"]["pre_review"], 0, "asked at once");
}

#[tokio::test]
async fn the_green_channel_shortens_the_limit_and_lists_the_case_first() {
    let t = TestApp::start().await;
    let first = submit(&t).await;
    let second = submit(&t).await;
    let supervisor = t.login("supervisor").await;
    let clerk = t.login("clerk").await;
    let normal = t.get(&format!("/api/v1/cases/{second}"), &clerk).await.body;
    let r = t
        .post(
            &format!("/api/v1/cases/{second}/priority"),
            &supervisor,
            json!({"priority": true, "reason": "市级重点项目", "version": normal["version"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["priority"], true);
    assert!(r.body["deadline"].as_str().unwrap() < normal["deadline"].as_str().unwrap());
    let tasks = t.get("/api/v1/tasks", &clerk).await;
    assert_eq!(tasks.body[0]["id"], second, "priority first");
    assert_eq!(tasks.body[1]["id"], first);
    let no_reason = t
        .post(
            &format!("/api/v1/cases/{first}/priority"),
            &supervisor,
            json!({"priority": true, "reason": " ", "version": 1}),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let by_clerk = t
        .post(
            &format!("/api/v1/cases/{first}/priority"),
            &clerk,
            json!({"priority": true, "reason": "x", "version": 1}),
        )
        .await;
    assert_eq!(by_clerk.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_correction_asked_after_five_working_days_is_flagged_to_the_supervisor() {
    let t = TestApp::start().await; // Monday 2026-03-02 09:30
    let early = submit(&t).await;
    let clerk = t.login("clerk").await;
    let list = json!({"correction": {"fields": [{"key": "area", "reason": "面积与平面图不符"}]}});
    let r = t
        .act_with(early, &clerk, "request_correction", list.clone())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["correction"]["late"], false);

    let late = submit(&t).await;
    t.clock.advance(Duration::days(8)); // Tuesday 2026-03-10: six working days on
    let clerk = t.login("clerk").await; // a new day's session
    let r = t.act_with(late, &clerk, "request_correction", list).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["correction"]["late"], true);
    let supervisor = t.login("supervisor").await;
    let alerts = t.get("/api/v1/alerts", &supervisor).await.body;
    let flagged: Vec<i64> = alerts
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "late_correction")
        .map(|a| a["case_id"].as_i64().unwrap())
        .collect();
    assert_eq!(flagged, [late], "{alerts:?}");
    let applicant = t.login("jinjiang_books").await;
    let mine = t
        .get(&format!("/api/v1/cases/{late}"), &applicant)
        .await
        .body;
    assert_eq!(
        mine["correction"]["fields"][0]["reason"],
        "面积与平面图不符"
    );
}
