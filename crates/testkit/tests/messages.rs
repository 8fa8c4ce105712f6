//! Messages at every stage (消息推送): a case walked from submission to issue
//! leaves one outbox message per step, the applicant's inbox holds each stage,
//! staff are told of every task given to them, and the inbox counts and marks
//! what was read.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use onestamp_testkit::fixtures::{SOLE_TRADER, sole_trader_form};
use onestamp_testkit::reqwest::StatusCode;
use onestamp_testkit::{TestApp, json};

async fn walk(t: &TestApp) -> i64 {
    let (id, _, licence) = t
        .file_through(
            "zhangsan",
            json!({"item": SOLE_TRADER, "channel": "web", "form": sole_trader_form()}),
            &[
                ("clerk", "accept"),
                ("approver", "approve"),
                ("officer", "produce"),
                ("officer", "issue"),
            ],
        )
        .await;
    assert!(licence.is_some());
    id
}

#[tokio::test]
async fn every_stage_of_a_case_reaches_the_applicants_inbox_once() {
    let t = TestApp::start().await;
    let id = walk(&t).await;
    let messages = t.store.case_messages(id).await.unwrap();
    let events: Vec<&str> = messages.iter().map(|m| m.event.as_str()).collect();
    for e in [
        "case.submitted",
        "case.accepted",
        "case.approved",
        "case.stage_passed",
        "case.issued",
        "task.assigned",
    ] {
        assert!(events.contains(&e), "{e} missing from {events:?}");
    }
    for m in &messages {
        assert!(m.text.chars().count() <= 70, "{}", m.text);
        assert!(m.stage_word.chars().count() <= 5, "{}", m.stage_word);
        assert_eq!(m.case_id, Some(id));
    }
    let issued = messages.iter().find(|m| m.event == "case.issued").unwrap();
    assert!(
        issued.data["licence"]["id"].is_string(),
        "{:?}",
        issued.data
    );
    assert!(
        issued.data["lookup_url"]
            .as_str()
            .unwrap()
            .ends_with("/lookup")
    );

    // Nothing is in the inbox until the inbox worker has run; then exactly once.
    let zhangsan = t.login("zhangsan").await;
    let before = t.get("/api/v1/notifications/unread", &zhangsan).await;
    assert_eq!(before.body["unread"], 0, "{:?}", before.body);
    let delivered = t.app.deliver_inbox().await.unwrap();
    assert!(delivered >= 5, "{delivered}");
    assert_eq!(t.app.deliver_inbox().await.unwrap(), 0);

    let inbox = t.get("/api/v1/notifications", &zhangsan).await;
    assert_eq!(inbox.status, StatusCode::OK);
    let list = inbox.body.as_array().unwrap();
    let kinds: Vec<&str> = list.iter().map(|n| n["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "case.issued",
            "case.stage_passed",
            "case.approved",
            "case.accepted",
            "case.submitted"
        ],
        "newest first, one per stage, nothing meant for staff"
    );
    assert!(list.iter().all(|n| n["link"] == format!("/cases/{id}")));
    assert!(list[0]["body"].as_str().unwrap().contains("已办结出证"));

    // Staff: the approver was given the approval task.
    let approver = t.login("approver").await;
    let theirs = t.get("/api/v1/notifications", &approver).await;
    let tasks: Vec<&serde_json::Value> = theirs
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "task.assigned")
        .collect();
    assert_eq!(tasks.len(), 1, "{:?}", theirs.body);
    assert!(tasks[0]["body"].as_str().unwrap().contains("核准"));

    // Read one, then all; someone else's message cannot be marked.
    let first = list[0]["id"].as_i64().unwrap();
    let other = t
        .post(
            &format!("/api/v1/notifications/{first}/read"),
            &approver,
            json!({}),
        )
        .await;
    assert_eq!(other.body["marked"], 0);
    let one = t
        .post(
            &format!("/api/v1/notifications/{first}/read"),
            &zhangsan,
            json!({}),
        )
        .await;
    assert_eq!(
        (one.body["marked"].as_i64(), one.body["unread"].as_i64()),
        (Some(1), Some(4))
    );
    let unread = t.get("/api/v1/notifications?unread=true", &zhangsan).await;
    assert_eq!(unread.body.as_array().unwrap().len(), 4);
    let all = t
        .post("/api/v1/notifications/read-all", &zhangsan, json!({}))
        .await;
    assert_eq!(
        (all.body["marked"].as_i64(), all.body["unread"].as_i64()),
        (Some(4), Some(0))
    );
    let bad = t.get("/api/v1/notifications?limit=0", &zhangsan).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let bad = t
        .post("/api/v1/notifications/x/read", &zhangsan, json!({}))
        .await;
    assert_eq!(bad.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_refused_step_writes_no_message() {
    let t = TestApp::start().await;
    let token = t.login("zhangsan").await;
    let r = t
        .post(
            "/api/v1/cases",
            &token,
            json!({"item": SOLE_TRADER, "channel": "web", "form": sole_trader_form()}),
        )
        .await;
    let id = r.body["id"].as_i64().unwrap();
    let before = t.store.case_messages(id).await.unwrap().len();
    // The applicant may not accept their own case; a stale version conflicts.
    let refused = t.act(id, &token, "accept", Some("同意")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let clerk = t.login("clerk").await;
    let stale = t
        .post(
            &format!("/api/v1/cases/{id}/actions"),
            &clerk,
            json!({"action": "accept", "opinion": "同意", "version": 99}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(t.store.case_messages(id).await.unwrap().len(), before);
}
