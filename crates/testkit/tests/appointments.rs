//! Appointments (预约办事): slots follow the calendar — none on a holiday or an
//! ordinary weekend, the usual ones on an adjusted working Saturday (调休) —
//! and the open windows serving the group; a booking is held, confirmed or
//! lapses, is cancelled, a full slot and the per-person limit refuse.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use onestamp_testkit::reqwest::{Method, StatusCode};
use onestamp_testkit::{TestApp, assert_error, json};
use serde_json::Value;

async fn slots(t: &TestApp, group: &str, date: &str) -> Vec<Value> {
    let r = t
        .call(
            Method::GET,
            &format!("/api/v1/hall/slots?group={group}&date={date}"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body.as_array().unwrap().clone()
}

#[tokio::test]
async fn slots_follow_the_calendar_around_a_holiday_and_an_adjusted_saturday() {
    let t = TestApp::start().await;
    // Monday 2 March 2026: 09:00–12:00 and 13:00–17:00 in half hours; group A
    // is served by windows 1, 2 and 5, two appointments each per slot.
    let monday = slots(&t, "A", "2026-03-02").await;
    assert_eq!(monday.len(), 14);
    assert_eq!(monday[0]["start"], "2026-03-02T01:00:00Z");
    assert_eq!(monday[0]["capacity"], 6);
    assert_eq!(monday[0]["free"], 6);
    // 春节: Monday 16 February is a holiday; Saturday 14 February is worked (调休).
    assert!(slots(&t, "A", "2026-02-16").await.is_empty());
    assert_eq!(slots(&t, "A", "2026-02-14").await.len(), 14);
    assert!(
        slots(&t, "A", "2026-02-21").await.is_empty(),
        "a Saturday of 春节"
    );
    assert!(
        slots(&t, "A", "2026-03-07").await.is_empty(),
        "an ordinary Saturday"
    );
    // 国庆节 off, Saturday 10 October worked.
    assert!(slots(&t, "B", "2026-10-01").await.is_empty());
    assert_eq!(
        slots(&t, "B", "2026-10-10").await[0]["capacity"],
        4,
        "windows 3 and 5"
    );

    let bad = t
        .call(
            Method::GET,
            "/api/v1/hall/slots?group=A&date=2026-13-01",
            None,
            None,
        )
        .await;
    assert_error(&bad, StatusCode::BAD_REQUEST, "bad_query");
    let none = t
        .call(
            Method::GET,
            "/api/v1/hall/slots?group=Z&date=2026-03-02",
            None,
            None,
        )
        .await;
    assert_error(&none, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn bookings_are_held_confirmed_cancelled_and_a_slot_never_overbooked() {
    let t = TestApp::start().await;
    let admin = t.login("admin").await;
    let a = t.store.hall_groups().await.unwrap()[0].clone();
    let one = t
        .call(
            Method::PUT,
            "/api/v1/hall/groups/A",
            Some(&admin),
            Some(json!({"name": a.name, "items": a.items, "per_slot": 1})),
        )
        .await;
    assert_eq!(one.status, StatusCode::OK, "{:?}", one.body);
    let start = "2026-03-03T01:00:00Z"; // Tuesday 09:00
    let later = "2026-03-03T01:30:00Z";
    let zhang = t.login("zhangsan").await;
    let li = t.login("lisi").await;
    let books = t.login("jinjiang_books").await;

    let held = t
        .post(
            "/api/v1/appointments",
            &zhang,
            json!({"group": "A", "start": start}),
        )
        .await;
    assert_eq!(held.status, StatusCode::CREATED, "{:?}", held.body);
    assert_eq!(held.body["status"], "held");
    assert_eq!(held.body["status_label"], "待确认");
    let id = held.body["id"].as_i64().unwrap();
    let twice = t
        .post(
            "/api/v1/appointments",
            &zhang,
            json!({"group": "A", "start": start}),
        )
        .await;
    assert_error(&twice, StatusCode::CONFLICT, "hall_step");
    let confirmed = t
        .post(
            &format!("/api/v1/appointments/{id}/confirm"),
            &zhang,
            json!({}),
        )
        .await;
    assert_eq!(
        confirmed.body["status"], "confirmed",
        "{:?}",
        confirmed.body
    );
    let again = t
        .post(
            &format!("/api/v1/appointments/{id}/confirm"),
            &zhang,
            json!({}),
        )
        .await;
    assert_error(&again, StatusCode::CONFLICT, "hall_step");

    // Three places: 李四 and the bookshop take the others; the slot is full.
    let li_held = t
        .post(
            "/api/v1/appointments",
            &li,
            json!({"group": "A", "start": start}),
        )
        .await;
    assert_eq!(li_held.status, StatusCode::CREATED);
    let shop = t
        .post(
            "/api/v1/appointments",
            &books,
            json!({"group": "A", "start": start}),
        )
        .await;
    assert_eq!(shop.status, StatusCode::CREATED);
    assert_eq!(slots(&t, "A", "2026-03-03").await[0]["free"], 0);
    let full = t
        .post(
            "/api/v1/appointments",
            &zhang,
            json!({"group": "A", "start": start}),
        )
        .await;
    assert_error(&full, StatusCode::CONFLICT, "hall_step");

    // Two live bookings per person.
    let second = t
        .post(
            "/api/v1/appointments",
            &zhang,
            json!({"group": "A", "start": later}),
        )
        .await;
    assert_eq!(second.status, StatusCode::CREATED, "{:?}", second.body);
    let third = t
        .post(
            "/api/v1/appointments",
            &zhang,
            json!({"group": "B", "start": later}),
        )
        .await;
    assert_error(&third, StatusCode::CONFLICT, "hall_step");
    assert!(
        third.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("最多")
    );
    let mine = t.get("/api/v1/appointments", &zhang).await;
    assert_eq!(mine.body.as_array().unwrap().len(), 2);

    // A hold lapses after 15 minutes: its place is free again.
    t.clock.advance(chrono::Duration::minutes(16));
    let lapsed = t
        .post(
            &format!("/api/v1/appointments/{}/confirm", shop.body["id"]),
            &books,
            json!({}),
        )
        .await;
    assert_error(&lapsed, StatusCode::CONFLICT, "hall_step");
    assert_eq!(
        slots(&t, "A", "2026-03-03").await[0]["free"],
        2,
        "李四's and the shop's holds lapsed"
    );

    // Cancelled through a POST, once; another's booking is not found.
    let cancelled = t
        .post(
            &format!("/api/v1/appointments/{id}/cancel"),
            &zhang,
            json!({}),
        )
        .await;
    assert_eq!(
        cancelled.body["status"], "cancelled",
        "{:?}",
        cancelled.body
    );
    let twice = t
        .post(
            &format!("/api/v1/appointments/{id}/cancel"),
            &zhang,
            json!({}),
        )
        .await;
    assert_error(&twice, StatusCode::CONFLICT, "hall_step");
    let other = t
        .post(&format!("/api/v1/appointments/{id}/cancel"), &li, json!({}))
        .await;
    assert_error(&other, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(slots(&t, "A", "2026-03-03").await[0]["free"], 3);

    // Not a slot: a holiday, lunch time, the past.
    for when in [
        "2026-04-06T01:00:00Z",
        "2026-03-03T04:30:00Z",
        "2026-03-02T01:00:00Z",
    ] {
        let r = t
            .post(
                "/api/v1/appointments",
                &li,
                json!({"group": "A", "start": when}),
            )
            .await;
        assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    }
    let staff = t.login("clerk").await;
    let r = t
        .post(
            "/api/v1/appointments",
            &staff,
            json!({"group": "A", "start": later}),
        )
        .await;
    assert_error(&r, StatusCode::FORBIDDEN, "forbidden");
}
