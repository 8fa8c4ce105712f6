//! 大数据决策分析 over HTTP: demo cases walked through the pipeline (issued,
//! refused, corrected, rated) show in every figure of the month, filtered by
//! department; a rebuild from the cases gives the same figures; bad periods are
//! 400 in Chinese; only supervisors, administrators and regulators read them;
//! the hall display is public.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use onestamp_testkit::fixtures::{BOOKS, FOOD, books_form, food_form};
use onestamp_testkit::reqwest::{Method, StatusCode};
use onestamp_testkit::{TestApp, assert_error, json};

const PIPELINE: [(&str, &str); 6] = [
    ("clerk", "accept"),
    ("reviewer", "review"),
    ("inspector", "inspect"),
    ("approver", "approve"),
    ("officer", "produce"),
    ("officer", "issue"),
];

const MONTH: &str = "month=2026-03";

fn line<'a>(lines: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    lines
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["key"] == key)
        .unwrap_or_else(|| panic!("no line {key} in {lines}"))
}

#[tokio::test]
async fn demo_cases_show_in_every_figure_and_a_rebuild_agrees() {
    let t = TestApp::start().await;
    let supervisor = t.login("supervisor").await;
    let empty = t
        .get(&format!("/api/v1/analytics/volumes?{MONTH}"), &supervisor)
        .await;
    assert_eq!(empty.status, StatusCode::OK, "{:?}", empty.body);
    assert_eq!(empty.body["total"]["submitted"], 0);
    assert_eq!(empty.body["scope"]["label"], "2026-03-01 至 2026-03-31");

    // Issued: a food licence through every stage, on the web.
    let food = json!({"item": FOOD, "channel": "web", "form": food_form()});
    t.file_through("jinjiang_books", food.clone(), &PIPELINE)
        .await;
    // Refused at pre-review, with its reason, then rated 不满意.
    let (refused, _, _) = t.file_through("jinjiang_books", food.clone(), &[]).await;
    let clerk = t.login("clerk").await;
    let r = t
        .act(
            refused,
            &clerk,
            "not_accept",
            Some("申请材料不属于本局受理范围"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let applicant = t.login("jinjiang_books").await;
    let r = t
        .post(
            &format!("/api/v1/cases/{refused}/rating"),
            &applicant,
            json!({"level": "dissatisfied", "reasons": ["slow"], "comment": "太慢"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    // A correction naming a missing material, at the counter of another department.
    let (corrected, _, _) = t
        .file_through(
            "jinjiang_books",
            json!({"item": BOOKS, "channel": "mobile", "form": books_form()}),
            &[],
        )
        .await;
    let r = t
        .act_with(
            corrected,
            &clerk,
            "request_correction",
            json!({"opinion": "请补正", "correction": {"materials": [{"code": "M02", "defect": "missing"}]}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);

    let figure = |name: &str, query: &str| {
        let path = format!("/api/v1/analytics/{name}?{query}");
        let token = supervisor.clone();
        let t = &t;
        async move {
            let r = t.get(&path, &token).await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {:?}", r.body);
            r.body
        }
    };
    let v = figure("volumes", MONTH).await;
    let total = &v["total"];
    assert_eq!(total["submitted"], 3, "{total}");
    assert_eq!(total["issued"], 1);
    assert_eq!(total["not_accepted"], 1);
    assert_eq!(total["ended"], 2);
    assert_eq!(total["corrections"], 1);
    assert_eq!(total["same_day"], 1, "issued the day it came in");
    assert_eq!(total["same_day_share"], 100.0);
    assert_eq!(total["on_time_committed_rate"], 100.0);
    assert_eq!(line(&v["by_item"], FOOD)["submitted"], 2);
    assert_eq!(line(&v["by_item"], FOOD)["label"], "食品经营许可（新办）");
    assert_eq!(line(&v["by_channel"], "web")["label"], "网上");
    assert_eq!(line(&v["by_channel"], "mobile")["submitted"], 1);
    assert_eq!(line(&v["by_department"], "scjg")["submitted"], 2);
    assert_eq!(line(&v["by_day"], "2026-03-02")["submitted"], 3);

    // One department, and an earlier month, narrow the figures.
    let scjg = figure("volumes", &format!("{MONTH}&department=scjg")).await;
    assert_eq!(scjg["total"]["submitted"], 2);
    assert_eq!(
        scjg["scope"]["department_name"],
        "成都市武侯区市场监督管理局"
    );
    let feb = figure("volumes", "month=2026-02").await;
    assert_eq!(feb["total"]["submitted"], 0);
    let days = figure("volumes", "from=2026-03-02&to=2026-03-02").await;
    assert_eq!(days["total"]["submitted"], 3);

    let times = figure("times", MONTH).await;
    assert_eq!(line(&times["by_stage"], "total")["cases"], 1);
    assert_eq!(line(&times["by_stage"], "total")["label"], "全程");
    assert_eq!(line(&times["by_item"], FOOD)["cases"], 1);
    let refusals = figure("refusals", MONTH).await;
    assert_eq!(refusals["not_accepted"], 1);
    assert_eq!(
        refusals["reasons"][0]["reason"],
        "申请材料不属于本局受理范围"
    );
    assert_eq!(refusals["reasons"][0]["kind_label"], "不予受理");
    let corrections = figure("corrections", MONTH).await;
    let m = &corrections["materials"][0];
    assert_eq!(
        (
            m["item_code"].as_str(),
            m["material"].as_str(),
            m["defect_label"].as_str(),
            m["times"].as_i64()
        ),
        (Some(BOOKS), Some("M02"), Some("缺少"), Some(1)),
        "{m}"
    );
    let ratings = figure("ratings", MONTH).await;
    assert_eq!(ratings["total"]["ended"], 2);
    assert_eq!(ratings["total"]["rated"], 1);
    assert_eq!(ratings["total"]["bad_rate"], 100.0);
    assert_eq!(ratings["total"]["unrated_rate"], 50.0);
    assert_eq!(line(&ratings["by_channel"], "web")["bad"], 1);
    let licences = figure("licences", MONTH).await;
    assert_eq!(
        (licences["issued"].as_i64(), licences["valid"].as_i64()),
        (Some(1), Some(1))
    );
    let overdue = figure("overdue", MONTH).await;
    assert_eq!(overdue["total"], 0);

    // The hall display is public and names nobody.
    let d = t
        .call(Method::GET, "/api/v1/analytics/display", None, None)
        .await;
    assert_eq!(d.status, StatusCode::OK, "{:?}", d.body);
    assert_eq!(d.body["intake_today"], 3);
    assert_eq!(d.body["issued_today"], 1);
    assert_eq!(d.body["in_progress"], 1);
    assert_eq!(d.body["on_time_rate"], 100.0);

    // A rebuild from the stored cases gives the same figures.
    let before = [
        figure("volumes", MONTH).await,
        figure("times", MONTH).await,
        figure("refusals", MONTH).await,
        figure("corrections", MONTH).await,
        figure("ratings", MONTH).await,
    ];
    let summary = t.app.rebuild_analytics(2, |_| {}).await.unwrap();
    assert_eq!((summary.cases, summary.ratings), (3, 1));
    let after = [
        figure("volumes", MONTH).await,
        figure("times", MONTH).await,
        figure("refusals", MONTH).await,
        figure("corrections", MONTH).await,
        figure("ratings", MONTH).await,
    ];
    assert_eq!(before, after);
}

#[tokio::test]
async fn bad_periods_are_bad_queries_and_only_overseers_read_figures() {
    let t = TestApp::start().await;
    let supervisor = t.login("supervisor").await;
    for query in [
        "month=2026-13",
        "month=march",
        "from=2026-03-05&to=2026-03-01",
        "from=2025-01-01&to=2026-03-01",
        "month=2026-03&from=2026-03-01",
        "to=yesterday",
        "department=nowhere",
    ] {
        let r = t
            .get(&format!("/api/v1/analytics/volumes?{query}"), &supervisor)
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST, "bad_query");
        assert!(
            r.body["error"]["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{query}: {:?}",
            r.body
        );
    }
    for user in ["clerk", "jinjiang_books", "officer"] {
        let token = t.login(user).await;
        let r = t.get("/api/v1/analytics/volumes", &token).await;
        assert_error(&r, StatusCode::FORBIDDEN, "forbidden");
    }
    let r = t
        .call(Method::GET, "/api/v1/analytics/volumes", None, None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    for user in ["admin", "regulator"] {
        let token = t.login(user).await;
        let r = t.get("/api/v1/analytics/ratings", &token).await;
        assert_eq!(r.status, StatusCode::OK, "{user}: {:?}", r.body);
    }
}

#[tokio::test]
async fn a_regulator_reads_only_the_departments_of_their_profile() {
    use onestamp_domain::assignment::StaffProfile;
    let t = TestApp::start().await;
    let food = json!({"item": FOOD, "channel": "web", "form": food_form()});
    t.file_through("jinjiang_books", food, &[]).await;
    t.file_through(
        "jinjiang_books",
        json!({"item": BOOKS, "channel": "web", "form": books_form()}),
        &[],
    )
    .await;
    let (regulator, _) = t
        .store
        .user_credentials("regulator")
        .await
        .unwrap()
        .unwrap();
    t.app
        .set_staff_profile(
            None,
            regulator.id,
            StaffProfile {
                available: true,
                departments: vec!["scjg".into()],
                items: vec![],
                certificates: vec![],
            },
        )
        .await
        .unwrap();
    let token = t.login("regulator").await;
    let r = t
        .get(&format!("/api/v1/analytics/volumes?{MONTH}"), &token)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        r.body["total"]["submitted"], 1,
        "only the market regulator's item"
    );
    assert_eq!(line(&r.body["by_item"], FOOD)["submitted"], 1);
    let other = t
        .get(
            &format!("/api/v1/analytics/volumes?{MONTH}&department=wglt"),
            &token,
        )
        .await;
    assert_error(&other, StatusCode::FORBIDDEN, "forbidden");
    let own = t
        .get(
            &format!("/api/v1/analytics/ratings?{MONTH}&department=scjg"),
            &token,
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "{:?}", own.body);
    let supervisor = t.login("supervisor").await;
    let all = t
        .get(&format!("/api/v1/analytics/volumes?{MONTH}"), &supervisor)
        .await;
    assert_eq!(all.body["total"]["submitted"], 2);
}
