//! `GET /metrics`: request counts and latencies by route template, and the gauges
//! read from the store. One test function: the recorder is process-wide, so the
//! gauges are those of the last server scraped.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use onestamp_testkit::fixtures::{FOOD, food_form};
use onestamp_testkit::reqwest::StatusCode;
use onestamp_testkit::{TestApp, json};

async fn scrape(t: &TestApp) -> String {
    let resp = t
        .client
        .get(format!("{}/metrics", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let kind = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert!(kind.starts_with("text/plain"), "{kind}");
    resp.text().await.unwrap()
}

/// The value of the series `name{labels}` exactly as rendered.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        l.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_by_route_template_and_read_gauges_from_the_store() {
    let t = TestApp::start().await;
    let applicant = t.login("jinjiang_books").await;
    let r = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": FOOD, "channel": "web", "form": food_form()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    for _ in 0..3 {
        assert_eq!(
            t.get(&format!("/api/v1/cases/{id}"), &applicant)
                .await
                .status,
            StatusCode::OK
        );
    }
    assert_eq!(
        t.get("/api/v1/cases/999999", &applicant).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get("/no/such/page", &applicant).await.status,
        StatusCode::NOT_FOUND
    );

    let text = scrape(&t).await;
    // The route template, never the raw path.
    assert_eq!(
        value(
            &text,
            r#"onestamp_http_requests_total{method="GET",route="/api/v1/cases/{id}",status="200"}"#
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        value(
            &text,
            r#"onestamp_http_requests_total{method="GET",route="/api/v1/cases/{id}",status="404"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        value(
            &text,
            r#"onestamp_http_requests_total{method="POST",route="/api/v1/cases",status="201"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched",status="404""#), "{text}");
    assert!(!text.contains("/api/v1/cases/999999"), "{text}");
    assert!(!text.contains(&format!("/api/v1/cases/{id}\"")), "{text}");
    assert!(
        text.contains(
            r#"onestamp_http_request_duration_seconds_bucket{method="POST",route="/api/v1/cases",status="201",le="#
        ),
        "{text}"
    );
    assert!(text.contains("# HELP onestamp_cases "), "{text}");
    assert_eq!(
        value(&text, r#"onestamp_cases{status="pre_review"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        value(&text, r#"onestamp_cases{status="issued"}"#),
        Some(0.0)
    );
    assert_eq!(value(&text, "onestamp_overdue_tasks"), Some(0.0));
    assert_eq!(
        value(&text, r#"onestamp_open_alerts{kind="task_overdue"}"#),
        Some(0.0)
    );
    assert_eq!(value(&text, "onestamp_expiry_reminders_pending"), Some(0.0));
    assert_eq!(value(&text, "onestamp_notifications"), Some(0.0));
    assert_eq!(value(&text, "onestamp_store_up"), Some(1.0));
    // The submission's messages (to the applicant, to the pre-reviewer) wait
    // for the inbox worker; nothing has failed.
    assert_eq!(
        value(&text, r#"onestamp_outbox_backlog{channel="inbox"}"#),
        Some(2.0),
        "{text}"
    );
    for channel in ["inbox", "email", "webhook"] {
        let failed = format!(r#"onestamp_deliveries_failed{{channel="{channel}"}}"#);
        assert_eq!(value(&text, &failed), Some(0.0), "{text}");
        let attempts = format!(r#"onestamp_delivery_failures_total{{channel="{channel}"}}"#);
        assert_eq!(value(&text, &attempts), Some(0.0), "{text}");
    }

    // Past the pre-review deadline: the task is overdue, and once the scheduler
    // runs, alerted.
    t.clock.advance(chrono::Duration::days(30));
    let text = scrape(&t).await;
    assert_eq!(value(&text, "onestamp_overdue_tasks"), Some(1.0), "{text}");
    t.app.run_due_timers().await.unwrap();
    let text = scrape(&t).await;
    assert_eq!(
        value(&text, r#"onestamp_open_alerts{kind="task_overdue"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        value(&text, r#"onestamp_open_alerts{kind="case_overdue"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        value(&text, r#"onestamp_outbox_backlog{channel="inbox"}"#),
        Some(0.0),
        "the scheduler delivered the inbox: {text}"
    );
    assert!(
        value(&text, "onestamp_notifications").is_some_and(|n| n >= 3.0),
        "{text}"
    );

    // A second server in the same process: its router uses the same recorder.
    let other = TestApp::start().await;
    let text = scrape(&other).await;
    assert_eq!(
        value(&text, r#"onestamp_cases{status="pre_review"}"#),
        Some(0.0),
        "the gauges are the scraped server's store: {text}"
    );
    assert!(
        value(
            &text,
            r#"onestamp_http_requests_total{method="GET",route="/metrics",status="200"}"#
        )
        .is_some_and(|n| n >= 3.0),
        "{text}"
    );
}
