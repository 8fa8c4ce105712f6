//! 好差评 over HTTP: an ended case is rated once by its applicant; a bad rating
//! opens a rectification with two working-day clocks, alerts when they run out,
//! and its outcome reaches the applicant, who never sees who handled the case;
//! an appeal is decided by a supervisor and the rating is kept; the statistics
//! count per item, department, staff and channel.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use chrono::{DateTime, Duration, Utc};
use onestamp_testkit::fixtures::{FOOD, food_form};
use onestamp_testkit::reqwest::StatusCode;
use onestamp_testkit::visitor::Visitor;
use onestamp_testkit::{TestApp, assert_error, json};

/// A food case filed by jinjiang_books on `channel` and refused at pre-review
/// by the clerk (ended: 不予受理).
async fn ended_case(t: &TestApp, channel: &str) -> i64 {
    let (id, _, _) = t
        .file_through(
            "jinjiang_books",
            json!({"item": FOOD, "channel": channel, "form": food_form()}),
            &[],
        )
        .await;
    let clerk = t.login("clerk").await;
    let r = t
        .act(id, &clerk, "not_accept", Some("申请材料不属于本局受理范围"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    id
}

fn at(v: &serde_json::Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn an_ended_case_is_rated_once_by_its_applicant() {
    let t = TestApp::start().await;
    let applicant = t.login("jinjiang_books").await;
    let r = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": FOOD, "form": food_form()}),
        )
        .await;
    let running = r.body["id"].as_i64().unwrap();
    let good = json!({"level": "satisfied", "reasons": ["fast"], "comment": "很快"});
    let refused = t
        .post(
            &format!("/api/v1/cases/{running}/rating"),
            &applicant,
            good.clone(),
        )
        .await;
    assert_error(&refused, StatusCode::CONFLICT, "case_not_ended");

    let id = ended_case(&t, "web").await;
    let path = format!("/api/v1/cases/{id}/rating");
    let before = t.get(&path, &applicant).await;
    assert_eq!(before.status, StatusCode::OK);
    assert_eq!(before.body["may_rate"], true);
    assert!(before.body["rating"].is_null());

    let clerk = t.login("clerk").await;
    assert_error(
        &t.post(&path, &clerk, good.clone()).await,
        StatusCode::FORBIDDEN,
        "not_own_case",
    );
    let other = t.login("zhangsan").await;
    assert_error(
        &t.post(&path, &other, good.clone()).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    for bad in [
        json!({"level": "great"}),
        json!({"level": "satisfied", "reasons": ["slow"]}),
        json!({"level": "very_dissatisfied", "reasons": []}),
        json!({"level": "satisfied", "comment": "好".repeat(501)}),
    ] {
        let r = t.post(&path, &applicant, bad.clone()).await;
        assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    }

    let rated = t.post(&path, &applicant, good.clone()).await;
    assert_eq!(rated.status, StatusCode::CREATED, "{:?}", rated.body);
    assert_eq!(rated.body["rating"]["level"], "satisfied");
    assert_eq!(rated.body["rating"]["level_label"], "满意");
    assert_eq!(rated.body["rating"]["reasons"][0]["label"], "办理速度快");
    assert_eq!(rated.body["may_rate"], false);
    assert!(
        rated.body["rectification"].is_null(),
        "a good rating opens none"
    );
    assert_error(
        &t.post(&path, &applicant, good).await,
        StatusCode::CONFLICT,
        "already_rated",
    );
}

#[tokio::test]
async fn a_bad_rating_opens_a_rectification_whose_outcome_reaches_the_applicant() {
    let t = TestApp::start().await;
    let id = ended_case(&t, "web").await;
    let applicant = t.login("jinjiang_books").await;
    let supervisor = t.login("supervisor").await;
    let clerk = t.login("clerk").await;
    let rated_at = t.clock_now();
    let r = t
        .post(
            &format!("/api/v1/cases/{id}/rating"),
            &applicant,
            json!({"level": "dissatisfied", "reasons": ["unfriendly", "slow"], "comment": "窗口答复不清楚"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let x = &r.body["rectification"];
    assert_eq!(x["status"], "awaiting_callback");
    let calendar = &t.app.settings().calendar;
    assert_eq!(
        at(&x["callback_due"]),
        calendar.add_working_days(rated_at, 1)
    );
    assert_eq!(
        at(&x["rectify_due"]),
        calendar.add_working_days(rated_at, 15)
    );
    // Monday 09:30: the call back is due at Tuesday's close, the rectification
    // fifteen working days on.
    assert_eq!(t.app.local_time(at(&x["callback_due"])), "2026-03-03 17:00");
    assert_eq!(t.app.local_time(at(&x["rectify_due"])), "2026-03-23 17:00");
    assert!(
        r.body["rating"]["staff_id"].is_null(),
        "hidden from the applicant"
    );

    let list = t.get("/api/v1/rectifications", &supervisor).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    let rid = list.body[0]["id"].as_i64().unwrap();
    assert_eq!(list.body[0]["callback_light"], "green");
    assert_eq!(list.body[0]["rectify_light"], "green");
    let clerk_id = t.get("/api/v1/me", &clerk).await.body["id"].clone();
    let seen = t
        .get(&format!("/api/v1/cases/{id}/rating"), &supervisor)
        .await;
    assert_eq!(
        seen.body["rating"]["staff_id"], clerk_id,
        "the clerk took it in"
    );

    // The call back is not recorded in time: one alert, then a red light.
    t.clock.advance(Duration::days(2));
    let raised = t.app.run_due_timers().await.unwrap();
    let kinds: Vec<&str> = raised.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(kinds, ["rectification_callback_overdue"]);
    assert!(t.app.run_due_timers().await.unwrap().is_empty(), "once");
    // Tokens live 12 hours: log in again after the days passed.
    let supervisor = t.login("supervisor").await;
    let clerk = t.login("clerk").await;
    let alerts = t.get("/api/v1/alerts", &supervisor).await;
    assert_eq!(alerts.body[0]["kind"], "rectification_callback_overdue");
    assert_eq!(alerts.body[0]["case_id"], id);
    let list = t.get("/api/v1/rectifications", &supervisor).await;
    assert_eq!(list.body[0]["callback_light"], "red");

    let outcome = format!("/api/v1/rectifications/{rid}/outcome");
    let callback = format!("/api/v1/rectifications/{rid}/callback");
    let done =
        json!({"kind": "rectified", "outcome": "已对窗口人员开展业务培训，并重新解释了受理范围"});
    assert_error(
        &t.post(&outcome, &supervisor, done.clone()).await,
        StatusCode::CONFLICT,
        "rectification_step",
    );
    assert_error(
        &t.post(&callback, &clerk, json!({"note": "已回访"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_error(
        &t.post(&callback, &supervisor, json!({"note": "  "})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    let called = t
        .post(
            &callback,
            &supervisor,
            json!({"note": "已电话回访申请人，了解不满原因"}),
        )
        .await;
    assert_eq!(called.status, StatusCode::OK, "{:?}", called.body);
    assert_eq!(called.body["status"], "rectifying");
    assert!(called.body["callback_light"].is_null());
    assert_error(
        &t.post(&callback, &supervisor, json!({"note": "再次回访"}))
            .await,
        StatusCode::CONFLICT,
        "rectification_step",
    );
    let closed = t.post(&outcome, &supervisor, done).await;
    assert_eq!(closed.status, StatusCode::OK, "{:?}", closed.body);
    assert_eq!(closed.body["status"], "closed");

    // The rectification clock stopped with the outcome: no second alert.
    t.clock.advance(Duration::days(30));
    assert!(t.app.run_due_timers().await.unwrap().is_empty());

    let applicant = t.login("jinjiang_books").await;
    let mine = t
        .get(&format!("/api/v1/cases/{id}/rating"), &applicant)
        .await;
    assert_eq!(mine.body["rectification"]["status"], "closed");
    assert_eq!(mine.body["rectification"]["outcome_kind"], "rectified");
    assert!(
        mine.body["rectification"]["outcome"]
            .as_str()
            .unwrap()
            .contains("业务培训")
    );
    for hidden in [
        "callback_by",
        "outcome_by",
        "callback_light",
        "rectify_light",
    ] {
        assert!(mine.body["rectification"][hidden].is_null(), "{hidden}");
    }
    assert!(mine.body["rating"]["staff_id"].is_null());
    assert!(mine.body["rating"]["appeal"].is_null());

    // The applicant's page shows the outcome and no person of staff.
    let page = Visitor::logged_in(&t, "jinjiang_books")
        .await
        .get(&format!("/cases/{id}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("id=\"rating-given\""));
    assert!(page.html.contains("业务培训"));
    for name in ["王敏", "周涛"] {
        assert!(!page.html.contains(name), "{name} on the applicant's page");
    }
}

#[tokio::test]
async fn an_appeal_is_decided_by_a_supervisor_and_the_rating_is_kept() {
    let t = TestApp::start().await;
    let id = ended_case(&t, "web").await;
    let applicant = t.login("jinjiang_books").await;
    let clerk = t.login("clerk").await;
    let supervisor = t.login("supervisor").await;
    let r = t
        .post(
            &format!("/api/v1/cases/{id}/rating"),
            &applicant,
            json!({"level": "very_dissatisfied", "reasons": ["unfriendly"], "comment": "骂人"}),
        )
        .await;
    let rating = r.body["rating"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/ratings/{rating}/appeal");
    assert_error(
        &t.post(
            &path,
            &applicant,
            json!({"ground": "malicious", "reason": "x"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_error(
        &t.post(&path, &clerk, json!({"ground": "other", "reason": "x"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    let filed = t
        .post(
            &path,
            &clerk,
            json!({"ground": "malicious", "reason": "评价内容与办件无关，含辱骂"}),
        )
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{:?}", filed.body);
    assert_eq!(filed.body["status"], "pending");
    let appeal = filed.body["id"].as_i64().unwrap();
    assert_error(
        &t.post(
            &path,
            &clerk,
            json!({"ground": "mistaken", "reason": "再次申诉"}),
        )
        .await,
        StatusCode::CONFLICT,
        "appeal_not_allowed",
    );

    let stats = t.get("/api/v1/ratings", &supervisor).await;
    assert_eq!(stats.body["statistics"]["total"]["bad"], 1);

    let decision = format!("/api/v1/appeals/{appeal}/decision");
    assert_error(
        &t.post(&decision, &clerk, json!({"upheld": true, "note": "x"}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let pending = t.get("/api/v1/appeals?status=pending", &supervisor).await;
    assert_eq!(pending.body[0]["appeal"]["id"], appeal);
    assert_eq!(pending.body[0]["rating"]["case_id"], id);
    let decided = t
        .post(
            &decision,
            &supervisor,
            json!({"upheld": true, "note": "经核实属恶意差评"}),
        )
        .await;
    assert_eq!(decided.status, StatusCode::OK, "{:?}", decided.body);
    assert_eq!(decided.body["status"], "upheld");
    assert_error(
        &t.post(
            &decision,
            &supervisor,
            json!({"upheld": false, "note": "改判"}),
        )
        .await,
        StatusCode::CONFLICT,
        "appeal_not_allowed",
    );

    // Kept, marked, and out of the statistics.
    let seen = t
        .get(&format!("/api/v1/cases/{id}/rating"), &supervisor)
        .await;
    assert_eq!(seen.body["rating"]["level"], "very_dissatisfied");
    assert_eq!(seen.body["rating"]["appeal"]["status"], "upheld");
    let mine = t
        .get(&format!("/api/v1/cases/{id}/rating"), &applicant)
        .await;
    assert_eq!(mine.body["rating"]["level"], "very_dissatisfied");
    let stats = t.get("/api/v1/ratings", &supervisor).await;
    let total = &stats.body["statistics"]["total"];
    assert_eq!(total["rated"], 1);
    assert_eq!(total["bad"], 0);
    assert_eq!(total["voided"], 1);
    let upheld = t.get("/api/v1/ratings?appeal=upheld", &supervisor).await;
    assert_eq!(upheld.body["ratings"].as_array().unwrap().len(), 1);
    let nobody = t.get("/api/v1/ratings?staff=0", &supervisor).await;
    assert_eq!(nobody.status.as_u16(), 400, "{:?}", nobody.body);
    assert_eq!(nobody.body["error"]["code"], "bad_query");

    // Every step went into the audit chain, which still verifies whole.
    let report = t.app.verify_audit(&[], |_| {}).await.unwrap();
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}

#[tokio::test]
async fn the_statistics_count_per_item_department_staff_and_channel() {
    let t = TestApp::start().await;
    let applicant = t.login("jinjiang_books").await;
    let supervisor = t.login("supervisor").await;
    let web = [ended_case(&t, "web").await, ended_case(&t, "web").await];
    let counter = [
        ended_case(&t, "counter").await,
        ended_case(&t, "counter").await,
    ];
    for (id, level, reasons) in [
        (web[0], "very_satisfied", json!([])),
        (web[1], "dissatisfied", json!(["slow"])),
        (counter[0], "basically_satisfied", json!(["service_ok"])),
    ] {
        let r = t
            .post(
                &format!("/api/v1/cases/{id}/rating"),
                &applicant,
                json!({"level": level, "reasons": reasons}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    }
    let r = t.get("/api/v1/ratings", &supervisor).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let s = &r.body["statistics"];
    assert_eq!(s["total"]["ended"], 4);
    assert_eq!(s["total"]["rated"], 3);
    assert_eq!(s["total"]["good"], 2);
    assert_eq!(s["total"]["bad"], 1);
    assert_eq!(s["total"]["good_rate"], 66.7);
    assert_eq!(s["total"]["bad_rate"], 33.3);
    assert_eq!(s["total"]["unrated_rate"], 25.0);
    let line = |table: &str, key: &str| {
        s[table]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["key"] == key)
            .cloned()
            .unwrap_or_else(|| panic!("no {key} in {table}: {s}"))
    };
    let web_line = line("by_channel", "web");
    assert_eq!(web_line["label"], "网上");
    assert_eq!(web_line["ended"], 2);
    assert_eq!(web_line["bad_rate"], 50.0);
    let counter_line = line("by_channel", "counter");
    assert_eq!(counter_line["unrated_rate"], 50.0);
    assert_eq!(line("by_item", FOOD)["rated"], 3);
    assert_eq!(s["by_department"].as_array().unwrap().len(), 1);
    assert_eq!(s["by_department"][0]["ended"], 4);
    let clerk_id = t.get("/api/v1/me", &t.login("clerk").await).await.body["id"]
        .as_i64()
        .unwrap();
    let staff = line("by_staff", &clerk_id.to_string());
    assert_eq!(staff["label"], "受理员 王敏");
    assert_eq!(staff["ended"], 4);
    assert_eq!(r.body["ratings"].as_array().unwrap().len(), 3);

    let bad = t
        .get("/api/v1/ratings?level=dissatisfied", &supervisor)
        .await;
    assert_eq!(bad.body["ratings"][0]["case_id"], web[1]);
    assert_error(
        &t.get("/api/v1/ratings?level=great", &supervisor).await,
        StatusCode::BAD_REQUEST,
        "bad_query",
    );
    assert_error(
        &t.get("/api/v1/ratings", &applicant).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );

    let page = Visitor::logged_in(&t, "supervisor")
        .await
        .get("/supervision/ratings")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("id=\"stats-staff\""));
    assert!(page.html.contains("66.7%"));
}

#[tokio::test]
async fn the_pages_rate_a_case_and_record_its_rectification() {
    let t = TestApp::start().await;
    let id = ended_case(&t, "web").await;
    let applicant = Visitor::logged_in(&t, "jinjiang_books").await;
    let page = applicant.get(&format!("/cases/{id}")).await;
    assert!(page.html.contains("id=\"rating-form\""), "{}", page.html);
    let csrf = applicant.csrf().await;
    let wrong = applicant
        .post(
            &format!("/cases/{id}/rating"),
            &[("csrf", &csrf), ("level", "dissatisfied")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.html.contains("至少选择一项原因"));
    let done = applicant
        .post(
            &format!("/cases/{id}/rating"),
            &[
                ("csrf", &csrf),
                ("level", "dissatisfied"),
                ("reason_many_trips", "on"),
                ("comment", "跑了三次"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let page = applicant.get(&format!("/cases/{id}")).await;
    assert!(page.html.contains("id=\"rating-given\""));
    assert!(page.html.contains("多次跑动"));
    assert!(!page.html.contains("id=\"rating-form\""));

    let supervisor = Visitor::logged_in(&t, "supervisor").await;
    let list = supervisor.get("/supervision/rectifications").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.html.contains("class=\"finding callback-form\""));
    let rid = t
        .get("/api/v1/rectifications", &t.login("supervisor").await)
        .await
        .body[0]["id"]
        .as_i64()
        .unwrap();
    let csrf = supervisor.csrf().await;
    let r = supervisor
        .post(
            &format!("/supervision/rectifications/{rid}/callback"),
            &[("csrf", &csrf), ("note", "已电话回访")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    let r = supervisor
        .post(
            &format!("/supervision/rectifications/{rid}/outcome"),
            &[
                ("csrf", &csrf),
                ("kind", "explained"),
                ("outcome", "已向申请人说明一次告知制度"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    let page = applicant.get(&format!("/cases/{id}")).await;
    assert!(page.html.contains("已解释说明"));
    assert!(page.html.contains("一次告知制度"));

    // Staff appeal from the case page; the supervisor decides on the appeals page.
    let clerk = Visitor::logged_in(&t, "clerk").await;
    let case_page = clerk.get(&format!("/cases/{id}")).await;
    assert!(case_page.html.contains("id=\"appeal-form\""));
    let csrf = clerk.csrf().await;
    let r = clerk
        .post(
            &format!("/cases/{id}/rating/appeal"),
            &[
                ("csrf", &csrf),
                ("ground", "mistaken"),
                ("reason", "申请人误选等级"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    let appeals = supervisor.get("/supervision/appeals").await;
    assert!(appeals.html.contains("申请人误选等级"));
    let aid = t
        .get(
            "/api/v1/appeals?status=pending",
            &t.login("supervisor").await,
        )
        .await
        .body[0]["appeal"]["id"]
        .as_i64()
        .unwrap();
    let csrf = supervisor.csrf().await;
    let r = supervisor
        .post(
            &format!("/supervision/appeals/{aid}/decision"),
            &[
                ("csrf", &csrf),
                ("decision", "rejected"),
                ("note", "评价真实"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    let appeals = supervisor.get("/supervision/appeals").await;
    assert!(appeals.html.contains("申诉驳回"));
}

#[tokio::test]
async fn ratings_and_rectifications_work_on_postgres() {
    let Some(t) = TestApp::start_on_postgres().await else {
        return;
    };
    let id = ended_case(&t, "counter").await;
    let applicant = t.login("jinjiang_books").await;
    let supervisor = t.login("supervisor").await;
    let r = t
        .post(
            &format!("/api/v1/cases/{id}/rating"),
            &applicant,
            json!({"level": "very_dissatisfied", "reasons": ["many_trips"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_error(
        &t.post(
            &format!("/api/v1/cases/{id}/rating"),
            &applicant,
            json!({"level": "satisfied"}),
        )
        .await,
        StatusCode::CONFLICT,
        "already_rated",
    );
    let stats = t.get("/api/v1/ratings", &supervisor).await;
    assert_eq!(stats.status, StatusCode::OK, "{:?}", stats.body);
    assert_eq!(stats.body["statistics"]["by_channel"][0]["key"], "counter");
    assert_eq!(stats.body["statistics"]["total"]["bad"], 1);
    let clerk_id = t.get("/api/v1/me", &t.login("clerk").await).await.body["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        stats.body["statistics"]["by_staff"][0]["key"],
        clerk_id.to_string()
    );
    t.clock.advance(Duration::days(40));
    let raised = t.app.run_due_timers().await.unwrap();
    let mut kinds: Vec<&str> = raised.iter().map(|a| a.kind.as_str()).collect();
    kinds.sort_unstable();
    assert!(
        kinds.contains(&"rectification_callback_overdue"),
        "{kinds:?}"
    );
    assert!(kinds.contains(&"rectification_overdue"), "{kinds:?}");
    let supervisor = t.login("supervisor").await;
    let rid = t.get("/api/v1/rectifications", &supervisor).await.body[0]["id"]
        .as_i64()
        .unwrap();
    let r = t
        .post(
            &format!("/api/v1/rectifications/{rid}/callback"),
            &supervisor,
            json!({"note": "已回访"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["rectify_light"], "red");
    t.finish().await;
}
