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

/// The applicant's inbox kinds and bodies, newest first, after the inbox
/// worker has run.
async fn inbox(t: &TestApp, token: &str) -> Vec<(String, String)> {
    t.app.deliver_inbox().await.unwrap();
    let r = t.get("/api/v1/notifications", token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["kind"].as_str().unwrap().to_string(),
                n["body"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_refusal_a_denial_a_withdrawal_and_a_correction_each_reach_the_applicant() {
    let t = TestApp::start().await;
    let zhangsan = t.login("zhangsan").await;
    let clerk = t.login("clerk").await;
    let approver = t.login("approver").await;
    let file = || async {
        let r = t
            .post(
                "/api/v1/cases",
                &zhangsan,
                json!({"item": SOLE_TRADER, "channel": "web", "form": sole_trader_form()}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        let id = r.body["id"].as_i64().unwrap();
        let number = r.body["number"].as_str().unwrap().to_string();
        (id, number)
    };
    let ok = |r: onestamp_testkit::Reply| assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);

    // 不予受理 at intake.
    let (refused, refused_no) = file().await;
    ok(
        t.act(refused, &clerk, "not_accept", Some("经营场所不符合要求"))
            .await,
    );
    let seen = inbox(&t, &zhangsan).await;
    assert_eq!(seen[0].0, "case.not_accepted", "{seen:?}");
    assert!(seen[0].1.contains("不予受理") && seen[0].1.contains(&refused_no));

    // 不予许可 at approval.
    let (denied, denied_no) = file().await;
    ok(t.act(denied, &clerk, "accept", Some("同意")).await);
    ok(t.act(denied, &approver, "deny", Some("经营范围不符合规定"))
        .await);
    let seen = inbox(&t, &zhangsan).await;
    assert_eq!(seen[0].0, "case.denied", "{seen:?}");
    assert!(seen[0].1.contains("不予许可") && seen[0].1.contains(&denied_no));

    // 撤回 by the applicant.
    let (withdrawn, withdrawn_no) = file().await;
    ok(t.act(withdrawn, &zhangsan, "withdraw", Some("暂不办理"))
        .await);
    let seen = inbox(&t, &zhangsan).await;
    assert_eq!(seen[0].0, "case.withdrawn", "{seen:?}");
    assert!(seen[0].1.contains("已撤回") && seen[0].1.contains(&withdrawn_no));

    // 补正: asked once, answered once; the clerk holding the task again is told.
    let (corrected, corrected_no) = file().await;
    ok(t.act_with(
        corrected,
        &clerk,
        "request_correction",
        json!({
            "opinion": "请补正经营场所地址",
            "correction": {"fields": [{"key": "address", "reason": "地址缺门牌号"}]}
        }),
    )
    .await);
    let seen = inbox(&t, &zhangsan).await;
    assert_eq!(seen[0].0, "case.correction_requested", "{seen:?}");
    assert!(seen[0].1.contains("补正") && seen[0].1.contains(&corrected_no));
    ok(t.act_with(
        corrected,
        &zhangsan,
        "resubmit",
        json!({"form": {"address": "成都市武侯区玉林街道玉林北路12号附1号"}}),
    )
    .await);
    let seen = inbox(&t, &zhangsan).await;
    assert_eq!(seen[0].0, "case.resubmitted", "{seen:?}");
    assert!(seen[0].1.contains(&corrected_no));

    // Each ending once, in the case's own outbox, and nothing for the others.
    for (id, event) in [
        (refused, "case.not_accepted"),
        (denied, "case.denied"),
        (withdrawn, "case.withdrawn"),
        (corrected, "case.resubmitted"),
    ] {
        let events: Vec<String> = t
            .store
            .case_messages(id)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.event)
            .collect();
        assert_eq!(
            events.iter().filter(|e| e.as_str() == event).count(),
            1,
            "{id}: {events:?}"
        );
    }
    let lisi = t.login("lisi").await;
    assert!(
        inbox(&t, &lisi)
            .await
            .iter()
            .all(|(kind, _)| !kind.starts_with("case.")),
        "another applicant hears nothing of these cases"
    );
}
