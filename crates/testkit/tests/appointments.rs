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

async fn inbox_kinds(t: &TestApp, token: &str) -> Vec<String> {
    t.app.deliver_inbox().await.unwrap();
    let r = t.get("/api/v1/notifications", token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let items = r.body.as_array().cloned().unwrap_or_default();
    items
        .iter()
        .map(|m| m["kind"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn a_confirmed_booking_gives_one_ticket_on_its_day_that_goes_ahead_from_its_time() {
    let t = TestApp::start().await;
    let zhang = t.login("zhangsan").await;
    // Monday 2 March 09:30: the 10:00 slot of today.
    let start = "2026-03-02T02:00:00Z";
    let held = t
        .post(
            "/api/v1/appointments",
            &zhang,
            json!({"group": "A", "start": start}),
        )
        .await;
    assert_eq!(held.status, StatusCode::CREATED, "{:?}", held.body);
    let id = held.body["id"].as_i64().unwrap();
    assert_eq!(held.body["confirmable"], true);
    assert!(held.body["when"].as_str().unwrap().contains("10:00–10:30"));
    // Not before it is confirmed.
    let early = t
        .post("/api/v1/tickets", &zhang, json!({"booking": id}))
        .await;
    assert_error(&early, StatusCode::CONFLICT, "hall_step");
    let confirmed = t
        .post(
            &format!("/api/v1/appointments/{id}/confirm"),
            &zhang,
            json!({}),
        )
        .await;
    assert_eq!(confirmed.body["ticket_due"], true, "{:?}", confirmed.body);
    assert!(
        inbox_kinds(&t, &zhang)
            .await
            .contains(&"appointment.confirmed".to_string())
    );

    // Another's booking is not found; an unknown one neither.
    let li = t.login("lisi").await;
    let other = t.post("/api/v1/tickets", &li, json!({"booking": id})).await;
    assert_error(&other, StatusCode::NOT_FOUND, "not_found");
    let neither = t.post("/api/v1/tickets", &zhang, json!({})).await;
    assert_error(&neither, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");

    let ticket = t
        .post("/api/v1/tickets", &zhang, json!({"booking": id}))
        .await;
    assert_eq!(ticket.status, StatusCode::CREATED, "{:?}", ticket.body);
    assert_eq!(ticket.body["appointment_at"], start);
    assert_eq!(ticket.body["status"], "taken");
    let again = t
        .post("/api/v1/tickets", &zhang, json!({"booking": id}))
        .await;
    assert_error(&again, StatusCode::CONFLICT, "hall_step");
    let booking = t.get("/api/v1/appointments", &zhang).await;
    let b = &booking.body.as_array().unwrap()[0];
    assert_eq!(b["ticket_id"], ticket.body["id"]);
    assert_eq!(b["status_label"], "已取号");
    assert_eq!(b["cancellable"], false);
    let cancel = t
        .post(
            &format!("/api/v1/appointments/{id}/cancel"),
            &zhang,
            json!({}),
        )
        .await;
    assert_error(&cancel, StatusCode::CONFLICT, "hall_step");

    // A booking of another day gives no ticket today.
    let tomorrow = t
        .post(
            "/api/v1/appointments",
            &zhang,
            json!({"group": "A", "start": "2026-03-03T01:00:00Z"}),
        )
        .await;
    let tid = tomorrow.body["id"].as_i64().unwrap();
    t.post(
        &format!("/api/v1/appointments/{tid}/confirm"),
        &zhang,
        json!({}),
    )
    .await;
    let not_today = t
        .post("/api/v1/tickets", &zhang, json!({"booking": tid}))
        .await;
    assert_error(&not_today, StatusCode::CONFLICT, "hall_step");
    assert!(
        not_today.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("当天")
    );
}

#[tokio::test]
async fn the_upkeep_reminds_the_working_day_before_once_and_a_new_holiday_cancels_and_tells() {
    let t = TestApp::start().await;
    let zhang = t.login("zhangsan").await;
    // Tuesday 3 March 09:00 and Wednesday 4 March 09:00.
    let mut ids = Vec::new();
    for start in ["2026-03-03T01:00:00Z", "2026-03-04T01:00:00Z"] {
        let held = t
            .post(
                "/api/v1/appointments",
                &zhang,
                json!({"group": "A", "start": start, "item_code": null}),
            )
            .await;
        assert_eq!(held.status, StatusCode::CREATED, "{:?}", held.body);
        let id = held.body["id"].as_i64().unwrap();
        let c = t
            .post(
                &format!("/api/v1/appointments/{id}/confirm"),
                &zhang,
                json!({}),
            )
            .await;
        assert_eq!(c.body["status"], "confirmed");
        ids.push(id);
    }
    // Monday: Tuesday's booking is reminded, once however often the upkeep runs.
    assert_eq!(t.app.appointment_upkeep().await.unwrap(), (0, 1));
    assert_eq!(t.app.appointment_upkeep().await.unwrap(), (0, 0));
    let kinds = inbox_kinds(&t, &zhang).await;
    assert_eq!(
        kinds
            .iter()
            .filter(|k| *k == "appointment.reminder")
            .count(),
        1
    );

    // The calendar read at the next start makes Wednesday 4 March a holiday.
    let mut schedule: serde_json::Value =
        serde_json::from_str(include_str!("../../domain/calendar/2026.json")).unwrap();
    schedule["holidays"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "临时休假", "from": "2026-03-04", "to": "2026-03-04"}));
    let year = onestamp_domain::calendar::YearSchedule::parse(&schedule.to_string()).unwrap();
    let mut settings = t.app.settings().clone();
    settings.calendar = settings.calendar.clone().with_year(year);
    let restarted = onestamp_app::App::new(t.store.clone(), t.clock.clone(), settings);
    assert_eq!(restarted.appointment_upkeep().await.unwrap(), (1, 0));
    assert_eq!(
        restarted.appointment_upkeep().await.unwrap(),
        (0, 0),
        "once"
    );
    let b = t.store.booking(ids[1]).await.unwrap().unwrap();
    assert_eq!(b.cancel_reason.as_deref(), Some("节假日调整"));
    assert_eq!(b.status, onestamp_domain::hall::BookingStatus::Cancelled);
    let tuesday = t.store.booking(ids[0]).await.unwrap().unwrap();
    assert_eq!(
        tuesday.status,
        onestamp_domain::hall::BookingStatus::Confirmed
    );
    let kinds = inbox_kinds(&t, &zhang).await;
    assert!(
        kinds.contains(&"appointment.cancelled".to_string()),
        "{kinds:?}"
    );
    let visitor = onestamp_testkit::visitor::Visitor::logged_in(&t, "zhangsan").await;
    let page = visitor.get("/appointments").await;
    assert!(page.html.contains("节假日调整"), "{}", page.html);
}
