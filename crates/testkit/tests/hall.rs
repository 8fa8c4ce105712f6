//! 办事大厅: a ticket taken on the phone, checked in at the hall with the day's
//! code, called at a window, recalled (at most three times, not too soon), and
//! ended with the counter case it created; two windows calling at once; the
//! display's event stream.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use onestamp_testkit::fixtures::{BOOKS, SOLE_TRADER, sole_trader_form};
use onestamp_testkit::reqwest::StatusCode;
use onestamp_testkit::{TestApp, assert_error, json};

async fn user_id(t: &TestApp, username: &str) -> i64 {
    t.store
        .user_credentials(username)
        .await
        .unwrap()
        .unwrap()
        .0
        .id
}

/// The demo's first window serving group A (市场准入).
const WINDOW_A: i64 = 1;

#[tokio::test]
async fn a_phone_ticket_is_checked_in_called_recalled_and_ends_with_its_counter_case() {
    let t = TestApp::start().await;
    let zhang = t.login("zhangsan").await;
    let clerk = t.login("clerk").await;

    // Taken on the phone: waiting for check-in, group A's first number.
    let taken = t
        .post(
            "/api/v1/tickets",
            &zhang,
            json!({"item_code": SOLE_TRADER, "source": "mobile"}),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CREATED, "{:?}", taken.body);
    assert_eq!(taken.body["label"], "A001");
    assert_eq!(taken.body["status"], "taken");
    assert_eq!(taken.body["status_label"], "待签到");
    assert_eq!(taken.body["group_name"], "市场准入");
    let id = taken.body["id"].as_i64().unwrap();
    let token = taken.body["token"].as_str().unwrap().to_string();

    // A ticket taken at the hall waits at once and goes first while A001 is not checked in.
    let walk_in = t
        .app
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
    assert_eq!(
        (walk_in.ticket.label.as_str(), walk_in.status_label),
        ("A002", "排队中")
    );

    // Not the clerk's window yet.
    let refused = t
        .post(
            &format!("/api/v1/hall/windows/{WINDOW_A}/call"),
            &clerk,
            json!({}),
        )
        .await;
    assert_error(&refused, StatusCode::FORBIDDEN, "forbidden");
    let sat = t
        .post(
            &format!("/api/v1/hall/windows/{WINDOW_A}/staff"),
            &clerk,
            json!({}),
        )
        .await;
    assert_eq!(sat.status, StatusCode::OK, "{:?}", sat.body);
    assert_eq!(sat.body["staff"], user_id(&t, "clerk").await);

    t.clock.advance(chrono::Duration::minutes(1));
    // Check-in with a wrong code is refused; with the day's code it joins the queue.
    let wrong = t
        .call(
            onestamp_testkit::reqwest::Method::POST,
            "/api/v1/tickets/check-in",
            None,
            Some(json!({"token": token, "code": "nope"})),
        )
        .await;
    assert_error(&wrong, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    let code = t.get("/api/v1/hall/checkin-code", &clerk).await;
    assert_eq!(code.status, StatusCode::OK);
    let code = code.body["code"].as_str().unwrap().to_string();
    assert_error(
        &t.get("/api/v1/hall/checkin-code", &zhang).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let checked = t
        .call(
            onestamp_testkit::reqwest::Method::POST,
            "/api/v1/tickets/check-in",
            None,
            Some(json!({"token": token, "code": code})),
        )
        .await;
    assert_eq!(checked.status, StatusCode::OK, "{:?}", checked.body);
    assert_eq!(checked.body["status"], "waiting");
    assert_eq!(checked.body["ahead"], 1, "A002 checked in before");
    assert!(checked.body["estimate_minutes"].as_i64().unwrap() > 0);
    let again = t
        .call(
            onestamp_testkit::reqwest::Method::POST,
            "/api/v1/tickets/check-in",
            None,
            Some(json!({"token": token, "code": code})),
        )
        .await;
    assert_error(&again, StatusCode::CONFLICT, "hall_step");

    // The window calls A002, then (it must end first) A001.
    let first = t
        .post(
            &format!("/api/v1/hall/windows/{WINDOW_A}/call"),
            &clerk,
            json!({}),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(first.body["label"], "A002");
    let busy = t
        .post(
            &format!("/api/v1/hall/windows/{WINDOW_A}/call"),
            &clerk,
            json!({}),
        )
        .await;
    assert_error(&busy, StatusCode::CONFLICT, "hall_step");
    let gone = t
        .post(
            &format!("/api/v1/tickets/{}/no-show", walk_in.ticket.id),
            &clerk,
            json!({}),
        )
        .await;
    assert_eq!(gone.body["status"], "no_show", "{:?}", gone.body);
    let mine = t.get(&format!("/api/v1/tickets/{id}"), &zhang).await;
    assert_eq!(mine.body["ahead"], 0);
    let called = t
        .post(
            &format!("/api/v1/hall/windows/{WINDOW_A}/call"),
            &clerk,
            json!({}),
        )
        .await;
    assert_eq!(called.status, StatusCode::OK, "{:?}", called.body);
    assert_eq!(called.body["label"], "A001");
    assert_eq!(called.body["window_number"], "1");
    assert_eq!(called.body["status_label"], "已叫号");

    // Recalled: not sooner than the interval, at most three times.
    let soon = t
        .post(&format!("/api/v1/tickets/{id}/recall"), &clerk, json!({}))
        .await;
    assert_error(&soon, StatusCode::CONFLICT, "hall_step");
    for n in 1..=3 {
        t.clock.advance(chrono::Duration::seconds(31));
        let r = t
            .post(&format!("/api/v1/tickets/{id}/recall"), &clerk, json!({}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        assert_eq!(r.body["recalls"], n);
    }
    t.clock.advance(chrono::Duration::seconds(31));
    let fourth = t
        .post(&format!("/api/v1/tickets/{id}/recall"), &clerk, json!({}))
        .await;
    assert_error(&fourth, StatusCode::CONFLICT, "hall_step");

    // The call log: numbers and windows only.
    let calls = t
        .call(
            onestamp_testkit::reqwest::Method::GET,
            "/api/v1/hall/calls",
            None,
            None,
        )
        .await;
    let calls = calls.body.as_array().unwrap().clone();
    assert_eq!(calls.len(), 5, "two calls and three recalls");
    assert_eq!(calls[1]["voice"], "请A001号到1号窗口办理");
    assert!(!calls[1].to_string().contains("张"), "nothing personal");

    // The counter case of the ticket's applicant ends it.
    t.clock.advance(chrono::Duration::minutes(8));
    let applicant = user_id(&t, "zhangsan").await;
    let filed = t
        .post(
            "/api/v1/cases",
            &clerk,
            json!({"item": SOLE_TRADER, "applicant": applicant, "channel": "counter",
                   "form": sole_trader_form()}),
        )
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{:?}", filed.body);
    let case_id = filed.body["id"].as_i64().unwrap();
    let ended = t
        .post(
            &format!("/api/v1/tickets/{id}/end"),
            &clerk,
            json!({"case_id": case_id}),
        )
        .await;
    assert_eq!(ended.status, StatusCode::OK, "{:?}", ended.body);
    assert_eq!(ended.body["status"], "done");
    assert_eq!(ended.body["case_id"], case_id);
    let ticket = t.store.ticket(id).await.unwrap().unwrap();
    assert!(ticket.waited().unwrap() >= chrono::Duration::zero());
    assert!(ticket.handled().unwrap() >= chrono::Duration::minutes(10));

    // The next ticket of group A waits its estimate from that handling time.
    let next = t
        .post("/api/v1/tickets", &zhang, json!({"item_code": SOLE_TRADER}))
        .await;
    assert_eq!(next.body["label"], "A003", "{:?}", next.body);

    // Every step is in the audit chain with its actor, day, number and
    // window, and nothing personal.
    let facts = t.store.audit_entries(0, 10_000).await.unwrap();
    let hall: Vec<_> = facts
        .iter()
        .filter(|f| f.kind.starts_with("hall.ticket."))
        .collect();
    let kinds: Vec<&str> = hall.iter().map(|f| f.kind.as_str()).collect();
    for kind in [
        "hall.ticket.take",
        "hall.ticket.checkin",
        "hall.ticket.call",
        "hall.ticket.recall",
        "hall.ticket.end",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let end = hall.iter().find(|f| f.kind == "hall.ticket.end").unwrap();
    assert_eq!(end.subject, "2026-03-02:A001");
    assert!(end.detail.contains("\"window\":\"1\""), "{}", end.detail);
    let clerk_id = user_id(&t, "clerk").await;
    assert_eq!(end.actor_id, Some(clerk_id));
    assert!(
        hall.iter()
            .all(|f| !f.detail.contains("张三") && !f.subject.contains("张")),
        "nothing personal"
    );
}

#[tokio::test]
async fn bad_ticket_requests_are_refused_in_chinese() {
    let t = TestApp::start().await;
    let zhang = t.login("zhangsan").await;
    let clerk = t.login("clerk").await;
    let unknown = t
        .post("/api/v1/tickets", &zhang, json!({"item_code": "NOPE"}))
        .await;
    assert_error(&unknown, StatusCode::NOT_FOUND, "not_found");
    let source = t
        .post(
            "/api/v1/tickets",
            &zhang,
            json!({"item_code": BOOKS, "source": "fax"}),
        )
        .await;
    assert_error(&source, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    let shape = t.post("/api/v1/tickets", &zhang, json!([BOOKS])).await;
    assert_eq!(shape.status, StatusCode::UNPROCESSABLE_ENTITY);
    let staff = t
        .post("/api/v1/tickets", &clerk, json!({"item_code": BOOKS}))
        .await;
    assert_error(&staff, StatusCode::FORBIDDEN, "forbidden");
    for n in 1..=3 {
        let r = t
            .post("/api/v1/tickets", &zhang, json!({"item_code": BOOKS}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        assert_eq!(r.body["label"], format!("B00{n}"));
    }
    let fourth = t
        .post("/api/v1/tickets", &zhang, json!({"item_code": BOOKS}))
        .await;
    assert_error(&fourth, StatusCode::CONFLICT, "hall_step");
    assert!(
        fourth.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("最多")
    );
    let other = t.login("lisi").await;
    assert_error(
        &t.get("/api/v1/tickets/1", &other).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let bad = t
        .call(
            onestamp_testkit::reqwest::Method::GET,
            "/api/v1/hall/calls?limit=0",
            None,
            None,
        )
        .await;
    assert_error(&bad, StatusCode::BAD_REQUEST, "bad_query");
    let group = t.login("admin").await;
    let g = t
        .call(
            onestamp_testkit::reqwest::Method::PUT,
            "/api/v1/hall/groups/a1",
            Some(&group),
            Some(json!({"name": "x", "items": [], "per_slot": 1})),
        )
        .await;
    assert_error(&g, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    let w = t
        .post(
            "/api/v1/hall/windows",
            &group,
            json!({"number": "1", "groups": ["A"], "open": true}),
        )
        .await;
    assert_error(&w, StatusCode::CONFLICT, "duplicate");
    let w = t
        .post(
            "/api/v1/hall/windows",
            &group,
            json!({"number": "9", "groups": ["A"], "open": true}),
        )
        .await;
    assert_eq!(w.status, StatusCode::CREATED, "{:?}", w.body);
}

#[tokio::test]
async fn two_windows_calling_at_once_never_get_the_same_ticket() {
    let t = TestApp::start().await;
    let clerk = t.login("clerk").await;
    let session = t.app.authenticate(&clerk).await.unwrap();
    // One clerk user per window: the demo clerk on window 1, a second on window 2.
    let second = t
        .app
        .save_user(
            None,
            onestamp_app::users::UserForm {
                username: "clerk2".into(),
                display_name: "第二受理员".into(),
                roles: vec![onestamp_domain::role::Role::Clerk],
                identity: String::new(),
                identity_kind: None,
                mobile: String::new(),
                password: "demo".into(),
            },
        )
        .await
        .unwrap();
    let _ = second;
    let clerk2 = t.login("clerk2").await;
    let session2 = t.app.authenticate(&clerk2).await.unwrap();
    t.app.sit_at_window(&session, 1).await.unwrap();
    t.app.sit_at_window(&session2, 2).await.unwrap();
    for _ in 0..10 {
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
    let mut seen = Vec::new();
    for _ in 0..5 {
        let (a, b) = tokio::join!(t.app.call_next(&session, 1), t.app.call_next(&session2, 2));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_ne!(a.ticket.id, b.ticket.id);
        seen.push(a.ticket.id);
        seen.push(b.ticket.id);
        t.app.no_show(&session, a.ticket.id).await.unwrap();
        t.app.no_show(&session2, b.ticket.id).await.unwrap();
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 10);
}
