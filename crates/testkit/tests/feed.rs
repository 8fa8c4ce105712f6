//! 审管分离: an approval of an item with a supervising department is pushed to
//! that department's regulators with a claim deadline in working days, claimed
//! once; an unclaimed record turns overdue and alerts the supervisors; a
//! regulator's supervision result reaches the officer, who marks it handled.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use chrono::{DateTime, Utc};

use onestamp_app::users::UserForm;
use onestamp_domain::assignment::StaffProfile;
use onestamp_domain::role::Role;
use onestamp_testkit::fixtures::{SOLE_TRADER, sole_trader_form};
use onestamp_testkit::reqwest::StatusCode;
use onestamp_testkit::{TestApp, assert_error, json};

fn instant(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A regulator of the health commission only.
async fn health_regulator(t: &TestApp) -> String {
    let user = t
        .app
        .save_user(
            None,
            UserForm {
                username: "wjj_regulator".into(),
                display_name: "区卫健局 监管员".into(),
                roles: vec![Role::Regulator],
                identity: String::new(),
                identity_kind: None,
                mobile: String::new(),
                password: "demo".into(),
            },
        )
        .await
        .unwrap();
    t.app
        .set_staff_profile(
            None,
            user.id,
            StaffProfile {
                available: true,
                departments: vec!["wjj".into()],
                items: Vec::new(),
                certificates: Vec::new(),
            },
        )
        .await
        .unwrap();
    t.login("wjj_regulator").await
}

async fn approved(t: &TestApp, steps: &[(&str, &str)]) -> (i64, Option<String>) {
    let (id, _, licence) = t
        .file_through(
            "zhangsan",
            json!({"item": SOLE_TRADER, "channel": "web", "form": sole_trader_form()}),
            steps,
        )
        .await;
    (id, licence)
}

#[tokio::test]
async fn an_approval_reaches_the_regulators_feed_and_is_claimed_once() {
    // Friday 10:00 in Chengdu: two working days run to Tuesday's close.
    let t = TestApp::start_at(instant("2026-03-06T10:00:00+08:00")).await;
    let (case_id, _) = approved(&t, &[("clerk", "accept"), ("approver", "approve")]).await;
    let regulator = t.login("regulator").await;
    let page = t.get("/api/v1/supervision/feed", &regulator).await;
    assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
    let records = page.body["records"].as_array().unwrap();
    assert_eq!(records.len(), 1, "{:?}", page.body);
    let r = &records[0];
    assert_eq!(r["kind"], "approved");
    assert_eq!(r["department"], "scjg");
    assert_eq!(r["case_id"], case_id);
    assert_eq!(r["claimed"], false);
    assert_eq!(r["light"], "green");
    let due = instant(r["claim_due"].as_str().unwrap());
    assert_eq!(due, instant("2026-03-10T17:00:00+08:00"), "{r:?}");
    assert_eq!(r["summary"]["item_code"], SOLE_TRADER);
    assert_eq!(r["summary"]["opinion"], "同意");
    assert_eq!(r["summary"]["applicant_name"], "张三");
    let identity = r["summary"]["holder"]["identity"].as_str().unwrap();
    assert!(identity.contains('*'), "masked for a regulator: {identity}");
    let next = page.body["next"].as_i64().unwrap();
    let after = t
        .get(
            &format!("/api/v1/supervision/feed?after={next}"),
            &regulator,
        )
        .await;
    assert_eq!(after.body["records"], json!([]));
    assert_eq!(after.body["next"], next);
    let bad = t.get("/api/v1/supervision/feed?limit=0", &regulator).await;
    assert_error(&bad, StatusCode::BAD_REQUEST, "bad_query");

    // The record's message went to the regulators, not to applicants.
    let messages = t.store.case_messages(case_id).await.unwrap();
    let pushed = messages
        .iter()
        .find(|m| m.event == "supervision.record")
        .expect("a supervision.record message");
    assert_eq!(pushed.department.as_deref(), Some("scjg"));

    // Another department's regulator sees nothing and cannot claim it.
    let other = health_regulator(&t).await;
    let theirs = t.get("/api/v1/supervision/feed", &other).await;
    assert_eq!(theirs.body["records"], json!([]), "{:?}", theirs.body);
    let id = r["id"].as_i64().unwrap();
    let claim = format!("/api/v1/supervision/feed/{id}/claim");
    assert_error(
        &t.post(&claim, &other, json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    // Applicants and clerks have no feed.
    let zhangsan = t.login("zhangsan").await;
    assert_error(
        &t.get("/api/v1/supervision/feed", &zhangsan).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );

    // Claimed once.
    let first = t.post(&claim, &regulator, json!({})).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(first.body["claimed"], true);
    assert_eq!(first.body["light"], json!(null));
    let again = t.post(&claim, &regulator, json!({})).await;
    assert_error(&again, StatusCode::CONFLICT, "supervision_step");
    assert!(
        again.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("已认领")
    );

    // The supervisor sees every record.
    let supervisor = t.login("supervisor").await;
    let all = t.get("/api/v1/supervision/feed", &supervisor).await;
    assert_eq!(all.body["records"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_unclaimed_record_turns_overdue_and_alerts_the_supervisors_once() {
    let t = TestApp::start_at(instant("2026-03-06T10:00:00+08:00")).await;
    let (case_id, _) = approved(&t, &[("clerk", "accept"), ("approver", "approve")]).await;
    assert!(
        !t.app
            .run_due_timers()
            .await
            .unwrap()
            .iter()
            .any(|a| a.kind == "claim_overdue")
    );
    // Tuesday 16:00: yellow, not yet overdue.
    t.clock.set(instant("2026-03-10T16:00:00+08:00"));
    let regulator = t.login("regulator").await;
    let page = t.get("/api/v1/supervision/feed", &regulator).await;
    assert_eq!(
        page.body["records"][0]["light"], "yellow",
        "{:?}",
        page.body
    );
    // Past Tuesday's close: red, and alerted once.
    t.clock.set(instant("2026-03-11T09:00:00+08:00"));
    let regulator = t.login("regulator").await;
    let page = t.get("/api/v1/supervision/feed", &regulator).await;
    assert_eq!(page.body["records"][0]["light"], "red");
    let raised = t.app.run_due_timers().await.unwrap();
    let overdue: Vec<_> = raised
        .iter()
        .filter(|a| a.kind == "claim_overdue")
        .collect();
    assert_eq!(overdue.len(), 1, "{raised:?}");
    assert_eq!(overdue[0].case_id, case_id);
    assert!(
        !t.app
            .run_due_timers()
            .await
            .unwrap()
            .iter()
            .any(|a| a.kind == "claim_overdue"),
        "once"
    );
    t.app.deliver_inbox().await.unwrap();
    let supervisor = t.login("supervisor").await;
    let inbox = t.get("/api/v1/notifications", &supervisor).await;
    assert!(
        inbox
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "supervision.claim_overdue"),
        "{:?}",
        inbox.body
    );
    let alerts = t.get("/api/v1/alerts", &supervisor).await;
    assert!(
        alerts
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "claim_overdue"),
        "{:?}",
        alerts.body
    );
}

#[tokio::test]
async fn a_supervision_result_reaches_the_officer_who_marks_it_handled() {
    let t = TestApp::start().await;
    let (_, licence) = approved(
        &t,
        &[
            ("clerk", "accept"),
            ("approver", "approve"),
            ("officer", "produce"),
            ("officer", "issue"),
        ],
    )
    .await;
    let licence = licence.unwrap();
    let regulator = t.login("regulator").await;
    let officer = t.login("officer").await;
    let path = format!("/api/v1/licences/{licence}/supervision-results");

    // Bad input: 422 with Chinese messages.
    for body in [
        json!({"kind": "fine", "note": "罚款"}),
        json!({"kind": "penalty", "note": "  "}),
        json!({"kind": "penalty", "note": "长".repeat(1001)}),
    ] {
        let r = t.post(&path, &regulator, body.clone()).await;
        assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
        let message = r.body["error"]["message"].as_str().unwrap();
        assert!(
            message
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{message}"
        );
    }
    let wrong_shape = t.post(&path, &regulator, json!({"kind": "penalty"})).await;
    assert_eq!(wrong_shape.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Only regulators send results back; another department's is refused.
    assert_error(
        &t.post(&path, &officer, json!({"kind": "penalty", "note": "x"}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let other = health_regulator(&t).await;
    assert_error(
        &t.post(&path, &other, json!({"kind": "penalty", "note": "x"}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );

    let sent = t
        .post(
            &path,
            &regulator,
            json!({"kind": "revocation_requested", "note": "现场检查发现无证经营扩大范围，建议撤销许可"}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
    assert_eq!(sent.body["kind_label"], "建议撤销许可");
    assert_eq!(sent.body["handled"], false);
    let result = sent.body["id"].as_i64().unwrap();

    // The officer is told and sees it on the licence.
    t.app.deliver_inbox().await.unwrap();
    let inbox = t.get("/api/v1/notifications", &officer).await;
    assert!(
        inbox
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "supervision.result"),
        "{:?}",
        inbox.body
    );
    let listed = t.get(&path, &officer).await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.body);
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    let zhangsan = t.login("zhangsan").await;
    assert_error(
        &t.get(&path, &zhangsan).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );

    // The bureau revokes the licence, which is pushed to the feed too, then
    // marks the result handled, once.
    let revoked = t
        .post(
            &format!("/api/v1/licences/{licence}/revoke"),
            &officer,
            json!({"reason": "监管部门建议撤销：超范围经营"}),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{:?}", revoked.body);
    let feed = t.get("/api/v1/supervision/feed", &regulator).await;
    let kinds: Vec<&str> = feed.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["approved", "revoked"]);
    assert_eq!(feed.body["records"][1]["licence_id"], licence.as_str());

    let handled = format!("/api/v1/supervision-results/{result}/handled");
    assert_error(
        &t.post(&handled, &officer, json!({"note": ""})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    assert_error(
        &t.post(&handled, &regulator, json!({"note": "x"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let done = t
        .post(&handled, &officer, json!({"note": "已撤销许可"}))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
    assert_eq!(done.body["handled"], true);
    assert_eq!(done.body["handled_note"], "已撤销许可");
    assert_error(
        &t.post(&handled, &officer, json!({"note": "再次"})).await,
        StatusCode::CONFLICT,
        "supervision_step",
    );
    // The regulator reads the outcome.
    let theirs = t.get(&path, &regulator).await;
    assert_eq!(theirs.body[0]["handled"], true);
}
