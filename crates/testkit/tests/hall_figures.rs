//! 办事大厅 in the figures: tickets taken at the hall and for a booking,
//! called, ended with a case, a no-show, bookings made, cancelled and kept —
//! `GET /api/v1/analytics/hall` shows them, and the same after a rebuild, on
//! SQLite and on PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use chrono::Duration;
use onestamp_testkit::fixtures::{SOLE_TRADER, sole_trader_form};
use onestamp_testkit::reqwest::{Method, StatusCode};
use onestamp_testkit::visitor::Visitor;
use onestamp_testkit::{TestApp, assert_error, json};
use serde_json::Value;

/// The demo's first window serving group A (市场准入).
const WINDOW_A: i64 = 1;

#[tokio::test]
async fn the_hall_figures_count_each_ticket_and_booking_step() {
    hall_figures(TestApp::start().await).await;
}

#[tokio::test]
async fn the_hall_figures_count_the_same_on_postgresql() {
    if let Some(t) = TestApp::start_on_postgres().await {
        hall_figures(t).await;
    }
}

async fn call_next(t: &TestApp, clerk: &str) -> Value {
    let r = t
        .post(
            &format!("/api/v1/hall/windows/{WINDOW_A}/call"),
            clerk,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
}

async fn book(t: &TestApp, who: &str, start: &str) -> i64 {
    let held = t
        .post(
            "/api/v1/appointments",
            who,
            json!({"group": "A", "start": start}),
        )
        .await;
    assert_eq!(held.status, StatusCode::CREATED, "{:?}", held.body);
    let id = held.body["id"].as_i64().unwrap();
    let confirmed = t
        .post(
            &format!("/api/v1/appointments/{id}/confirm"),
            who,
            json!({}),
        )
        .await;
    assert_eq!(
        confirmed.body["status"], "confirmed",
        "{:?}",
        confirmed.body
    );
    id
}

fn line<'a>(lines: &'a Value, key: &str) -> &'a Value {
    lines
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["key"] == key)
        .unwrap_or_else(|| panic!("{key} in {lines}"))
}

async fn hall_figures(t: TestApp) {
    // Monday 2 March 2026, 09:30.
    let clerk = t.login("clerk").await;
    let zhang = t.login("zhangsan").await;
    let li = t.login("lisi").await;
    let sat = t
        .post(
            &format!("/api/v1/hall/windows/{WINDOW_A}/staff"),
            &clerk,
            json!({}),
        )
        .await;
    assert_eq!(sat.status, StatusCode::OK, "{:?}", sat.body);

    // Two tickets taken at the hall.
    for _ in 0..2 {
        t.app
            .take_ticket(
                None,
                onestamp_domain::hall::TicketSource::Hall,
                onestamp_app::hall::TicketRequest {
                    group: Some("A".into()),
                    ..Default::default()
                },
                None,
            )
            .await
            .unwrap();
    }
    // 张三 books 10:00 and takes its ticket; 李四 books 10:30 and cancels.
    let booking = book(&t, &zhang, "2026-03-02T02:00:00Z").await;
    let ticket = t
        .post("/api/v1/tickets", &zhang, json!({"booking": booking}))
        .await;
    assert_eq!(ticket.status, StatusCode::CREATED, "{:?}", ticket.body);
    let token = ticket.body["token"].as_str().unwrap().to_string();
    let cancelled = book(&t, &li, "2026-03-02T02:30:00Z").await;
    let gone = t
        .post(
            &format!("/api/v1/appointments/{cancelled}/cancel"),
            &li,
            json!({}),
        )
        .await;
    assert_eq!(gone.body["status"], "cancelled", "{:?}", gone.body);

    // 09:35: A001 called after 5 minutes, ended with a case at 09:45.
    t.clock.advance(Duration::minutes(5));
    let first = call_next(&t, &clerk).await;
    assert_eq!(first["label"], "A001");
    t.clock.advance(Duration::minutes(10));
    let applicant = t
        .store
        .user_credentials("zhangsan")
        .await
        .unwrap()
        .unwrap()
        .0
        .id;
    let filed = t
        .post(
            "/api/v1/cases",
            &clerk,
            json!({"item": SOLE_TRADER, "applicant": applicant, "channel": "counter",
                   "form": sole_trader_form()}),
        )
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{:?}", filed.body);
    let ended = t
        .post(
            &format!("/api/v1/tickets/{}/end", first["id"]),
            &clerk,
            json!({"case_id": filed.body["id"]}),
        )
        .await;
    assert_eq!(ended.body["status"], "done", "{:?}", ended.body);

    // 09:45: A002 called after 15 minutes, and never comes.
    let second = call_next(&t, &clerk).await;
    assert_eq!(second["label"], "A002");
    let no_show = t
        .post(
            &format!("/api/v1/tickets/{}/no-show", second["id"]),
            &clerk,
            json!({}),
        )
        .await;
    assert_eq!(no_show.body["status"], "no_show", "{:?}", no_show.body);

    // The booking's ticket checks in at 09:45; its wait starts at its slot
    // (10:00), and it is called at 10:05.
    let code = t.get("/api/v1/hall/checkin-code", &clerk).await;
    let code = code.body["code"].as_str().unwrap().to_string();
    let checked = t
        .call(
            Method::POST,
            "/api/v1/tickets/check-in",
            None,
            Some(json!({"token": token, "code": code})),
        )
        .await;
    assert_eq!(checked.body["status"], "waiting", "{:?}", checked.body);
    t.clock.advance(Duration::minutes(20));
    let third = call_next(&t, &clerk).await;
    assert_eq!(third["id"], ticket.body["id"]);

    // The figure.
    let supervisor = t.login("supervisor").await;
    assert_error(
        &t.get("/api/v1/analytics/hall", &zhang).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let figure = t.get("/api/v1/analytics/hall", &supervisor).await;
    assert_eq!(figure.status, StatusCode::OK, "{:?}", figure.body);
    let f = &figure.body;
    let total = &f["total"];
    assert_eq!(
        (
            &total["taken"],
            &total["called"],
            &total["served"],
            &total["no_show"]
        ),
        (&json!(3), &json!(3), &json!(1), &json!(1)),
        "{f}"
    );
    // (5 + 15 + 5) / 3 minutes; one handling time of 10 minutes.
    assert_eq!(total["mean_wait_minutes"], 8.3, "{f}");
    assert_eq!(total["mean_handling_minutes"], 10.0, "{f}");
    assert!(
        total["p90_wait_minutes"].as_f64().unwrap()
            >= total["median_wait_minutes"].as_f64().unwrap()
    );
    let group = line(&f["by_group"], "A");
    assert_eq!(group["label"], "市场准入");
    assert_eq!(group["taken"], 3);
    assert_eq!(line(&f["by_source"], "walk_in")["taken"], 2);
    let booked = line(&f["by_source"], "booking");
    assert_eq!(
        (&booked["taken"], &booked["mean_wait_minutes"]),
        (&json!(1), &json!(5.0))
    );
    let b = &f["bookings"];
    assert_eq!(
        (&b["made"], &b["cancelled"], &b["kept"], &b["missed"]),
        (&json!(2), &json!(1), &json!(1), &json!(0)),
        "{f}"
    );
    assert_eq!(b["kept_rate"], Value::Null, "today is not past yet");
    assert_eq!(line(&f["bookings_by_group"], "A")["made"], 2);

    // The dashboard's page shows the section with its cards.
    let v = Visitor::logged_in(&t, "supervisor").await;
    let page = v.get("/analytics").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("办事大厅"), "the section");
    assert!(page.html.contains("平均等候"), "the card");
    assert!(page.html.contains("预约履约率"), "the card");

    // The same after a rebuild.
    t.app.rebuild_analytics(100, |_| {}).await.unwrap();
    let again = t.get("/api/v1/analytics/hall", &supervisor).await;
    assert_eq!(again.body, figure.body);
    t.finish().await;
}
