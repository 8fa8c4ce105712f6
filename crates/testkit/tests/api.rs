//! The HTTP API against the real server on an ephemeral port: a demo case from
//! submission to issued, and every error a client can provoke, each a JSON error
//! with the right status — never a 500.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use onestamp_testkit::fixtures::{BOOKS, FOOD, food_form};
use onestamp_testkit::reqwest::{Method, StatusCode};
use onestamp_testkit::{Reply, TestApp, assert_error, json};

async fn submit(t: &TestApp, token: &str, item: &str, form: serde_json::Value) -> Reply {
    t.post(
        "/api/v1/cases",
        token,
        json!({"item": item, "channel": "web", "form": form}),
    )
    .await
}

#[tokio::test]
async fn a_demo_case_goes_from_submission_to_issued_over_the_api() {
    let t = TestApp::start().await;
    let applicant = t.login("jinjiang_books").await;
    let r = submit(&t, &applicant, FOOD, food_form()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    let number = r.body["number"].as_str().unwrap();
    assert!(number.starts_with("510107-20260302-"), "{number}");
    assert_eq!(r.body["status"], "pre_review");
    assert_eq!(r.body["item_version"], 1);
    assert_eq!(r.body["actions"], json!(["withdraw"]));

    let steps = [
        ("clerk", "accept", "review"),
        ("reviewer", "review", "inspection"),
        ("inspector", "inspect", "approval"),
        ("approver", "approve", "production"),
        ("officer", "produce", "issuance"),
        ("officer", "issue", "issued"),
    ];
    for (user, action, next) in steps {
        let token = t.login(user).await;
        let tasks = t.get("/api/v1/tasks", &token).await;
        assert!(
            tasks.body.as_array().unwrap().iter().any(|c| c["id"] == id),
            "{user} should hold the task: {:?}",
            tasks.body
        );
        let case = t.get(&format!("/api/v1/cases/{id}"), &token).await;
        assert!(
            case.body["actions"]
                .as_array()
                .unwrap()
                .contains(&json!(action)),
            "{user}: {:?}",
            case.body["actions"]
        );
        let r = t.act(id, &token, action, Some("符合要求")).await;
        assert_eq!(r.status, StatusCode::OK, "{user} {action}: {:?}", r.body);
        assert_eq!(r.body["status"], next);
    }
    let done = t.get(&format!("/api/v1/cases/{id}"), &applicant).await;
    assert_eq!(done.body["status"], "issued");
    assert_eq!(done.body["actions"], json!([]));
    let events = done.body["events"].as_array().unwrap();
    assert_eq!(events.len(), 7);
    assert_eq!(events[0]["action"], "submit");
    assert_eq!(events[6]["action"], "issue");
    // 双盲: the applicant never sees who handled the case.
    // A hidden person is null, never 0, the system's id: it must not read as 秒批.
    assert!(
        events[1..]
            .iter()
            .all(|e| e["actor_id"].is_null() && e["by"] == "staff"),
        "{events:?}"
    );
    assert_eq!(events[0]["by"], "applicant");
    assert!(events[0]["actor_id"].is_i64(), "the applicant's own act");
    assert_eq!(done.body["handlers"], json!({}));

    let verified = t.app.verify_audit(&[], |_| {}).await.unwrap();
    assert!(verified.intact(), "{verified:?}");
    assert!(verified.cases >= 1, "{verified:?}");
}

#[tokio::test]
async fn a_correction_stops_at_the_applicant_and_returns_on_resubmission() {
    let t = TestApp::start().await;
    let applicant = t.login("jinjiang_books").await;
    let id = submit(&t, &applicant, FOOD, food_form()).await.body["id"]
        .as_i64()
        .unwrap();
    let clerk = t.login("clerk").await;
    let missing = t.act(id, &clerk, "request_correction", None).await;
    assert_error(
        &missing,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_correction",
    );
    let unknown = t
        .act_with(
            id,
            &clerk,
            "request_correction",
            json!({"correction": {"materials": [{"code": "M99", "defect": "missing"}]}}),
        )
        .await;
    assert_error(
        &unknown,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_correction",
    );
    let r = t
        .act_with(
            id,
            &clerk,
            "request_correction",
            json!({
                "opinion": "请于十日内补正",
                "correction": {"fields": [{"key": "area", "reason": "面积与平面图不符"}]}
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["status"], "correction");
    assert_eq!(r.body["correction"]["fields"][0]["key"], "area");
    let mine = t.get(&format!("/api/v1/cases/{id}"), &applicant).await;
    assert_eq!(mine.body["actions"], json!(["resubmit", "withdraw"]));
    assert!(
        mine.body["correction"].get("requested_by").is_none(),
        "the applicant does not learn who asked: {:?}",
        mine.body["correction"]
    );
    // Only what was named, and changed.
    let same = t
        .act_with(id, &applicant, "resubmit", json!({"form": {"area": 85.0}}))
        .await;
    assert_error(
        &same,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_resubmission",
    );
    let other = t
        .act_with(
            id,
            &applicant,
            "resubmit",
            json!({"form": {"area": 90.0, "mobile": "13900281234"}}),
        )
        .await;
    assert_error(
        &other,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_resubmission",
    );
    let bare = t.act(id, &applicant, "resubmit", None).await;
    assert_error(
        &bare,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_resubmission",
    );
    let r = t
        .act_with(id, &applicant, "resubmit", json!({"form": {"area": 90.0}}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["status"], "pre_review");
    assert_eq!(
        r.body["form"]["area"], 90.0,
        "the resubmission carries the change"
    );
    assert_eq!(r.body["form"]["mobile"], "13800281234", "the rest as filed");

    // One request per stage: a second is refused until a supervisor allows it.
    let again = json!({"correction": {"fields": [{"key": "mobile", "reason": "号码无法接通"}]}});
    let second = t
        .act_with(id, &clerk, "request_correction", again.clone())
        .await;
    assert_error(
        &second,
        StatusCode::CONFLICT,
        "correction_already_requested",
    );
    let supervisor = t.login("supervisor").await;
    let version = t.get(&format!("/api/v1/cases/{id}"), &clerk).await.body["version"].clone();
    let path = format!("/api/v1/cases/{id}/correction-allowance");
    let no_reason = t
        .post(
            &path,
            &supervisor,
            json!({"reason": " ", "version": version}),
        )
        .await;
    assert_eq!(
        no_reason.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        no_reason.body
    );
    let by_clerk = t
        .post(
            &path,
            &clerk,
            json!({"reason": "新情况", "version": version}),
        )
        .await;
    assert_eq!(
        by_clerk.status,
        StatusCode::FORBIDDEN,
        "{:?}",
        by_clerk.body
    );
    let allowed = t
        .post(
            &path,
            &supervisor,
            json!({"reason": "申请人补正后出现新的不一致", "version": version}),
        )
        .await;
    assert_eq!(allowed.status, StatusCode::OK, "{:?}", allowed.body);
    let second = t
        .act_with(id, &clerk, "request_correction", again.clone())
        .await;
    assert_eq!(second.status, StatusCode::OK, "{:?}", second.body);
    let back = t
        .act_with(
            id,
            &applicant,
            "resubmit",
            json!({"form": {"mobile": "13900281234"}}),
        )
        .await;
    assert_eq!(back.status, StatusCode::OK, "{:?}", back.body);
    let third = t.act_with(id, &clerk, "request_correction", again).await;
    assert_error(&third, StatusCode::CONFLICT, "correction_already_requested");
    let events = t
        .get(&format!("/api/v1/cases/{id}"), &supervisor)
        .await
        .body["events"]
        .clone();
    assert!(
        events
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["action"] == "allow_correction"
                && e["opinion"] == "申请人补正后出现新的不一致")),
        "the allowance is recorded: {events:?}"
    );
}

#[tokio::test]
async fn a_refused_transition_is_a_409_with_a_json_error() {
    let t = TestApp::start().await;
    let applicant = t.login("jinjiang_books").await;
    let id = submit(&t, &applicant, FOOD, food_form()).await.body["id"]
        .as_i64()
        .unwrap();
    let clerk = t.login("clerk").await;
    let r = t.act(id, &clerk, "issue", None).await;
    assert_error(&r, StatusCode::CONFLICT, "transition_not_allowed");
}

#[tokio::test]
async fn a_stale_version_is_a_409_version_conflict_and_exactly_one_of_two_wins() {
    let t = TestApp::start().await;
    let applicant = t.login("jinjiang_books").await;
    let id = submit(&t, &applicant, FOOD, food_form()).await.body["id"]
        .as_i64()
        .unwrap();
    let clerk = t.login("clerk").await;
    let path = format!("/api/v1/cases/{id}/actions");
    let (a, b) = tokio::join!(
        t.post(&path, &clerk, json!({"action": "accept", "version": 1})),
        t.post(
            &path,
            &clerk,
            json!({"action": "not_accept", "opinion": "不属于本局受理范围", "version": 1})
        ),
    );
    let wins = [&a, &b]
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(wins, 1, "{:?} / {:?}", a.body, b.body);
    let loser = if a.status == StatusCode::OK { &b } else { &a };
    assert!(loser.status == StatusCode::CONFLICT, "{:?}", loser.body);
    assert!(["version_conflict", "transition_not_allowed"].contains(&loser.code()));
    let stale = t
        .post(&path, &clerk, json!({"action": "accept", "version": 1}))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let events = t.get(&format!("/api/v1/cases/{id}"), &clerk).await.body["events"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(events, 2, "only the winner was recorded");
}

#[tokio::test]
async fn no_token_is_401_and_a_bad_password_is_401() {
    let t = TestApp::start().await;
    for path in [
        "/api/v1/cases",
        "/api/v1/tasks",
        "/api/v1/users",
        "/api/v1/cases/1",
    ] {
        let r = t.call(Method::GET, path, None, None).await;
        assert_error(&r, StatusCode::UNAUTHORIZED, "unauthenticated");
        let r = t.call(Method::GET, path, Some("not-a-token"), None).await;
        assert_error(&r, StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    let r = t
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "clerk", "password": "wrong"})),
        )
        .await;
    assert_error(&r, StatusCode::UNAUTHORIZED, "bad_credentials");
}

#[tokio::test]
async fn a_logged_out_token_no_longer_works() {
    let t = TestApp::start().await;
    let clerk = t.login("clerk").await;
    assert_eq!(t.get("/api/v1/tasks", &clerk).await.status, StatusCode::OK);
    let r = t
        .call(Method::POST, "/api/v1/auth/logout", Some(&clerk), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_error(
        &t.get("/api/v1/tasks", &clerk).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    );
}

#[tokio::test]
async fn the_wrong_role_is_403() {
    let t = TestApp::start().await;
    let applicant = t.login("jinjiang_books").await;
    let clerk = t.login("clerk").await;
    assert_error(
        &t.get("/api/v1/users", &clerk).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_error(
        &submit(&t, &clerk, FOOD, food_form()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_error(
        &t.get("/api/v1/tasks", &applicant).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let id = submit(&t, &applicant, FOOD, food_form()).await.body["id"]
        .as_i64()
        .unwrap();
    let approver = t.login("approver").await;
    assert_error(
        &t.act(id, &approver, "accept", None).await,
        StatusCode::FORBIDDEN,
        "wrong_role",
    );
    assert_error(
        &t.act(id, &applicant, "accept", None).await,
        StatusCode::FORBIDDEN,
        "wrong_role",
    );
    let regulator = t.login("regulator").await;
    assert_error(
        &t.get(&format!("/api/v1/cases/{id}"), &regulator).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let admin = t.login("admin").await;
    let users = t.get("/api/v1/users", &admin).await;
    assert_eq!(users.status, StatusCode::OK);
    assert!(
        users
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["username"] == "clerk" && u["roles"] == json!(["clerk"]))
    );
}

#[tokio::test]
async fn another_applicants_case_does_not_exist_for_them() {
    let t = TestApp::start().await;
    let owner = t.login("jinjiang_books").await;
    let id = submit(&t, &owner, FOOD, food_form()).await.body["id"]
        .as_i64()
        .unwrap();
    let other = t.login("zhangsan").await;
    assert_error(
        &t.get(&format!("/api/v1/cases/{id}"), &other).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &t.act(id, &other, "withdraw", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let list = t.get("/api/v1/cases", &other).await;
    assert_eq!(list.body["cases"], json!([]));
    let mine = t.get("/api/v1/cases", &owner).await;
    assert_eq!(mine.body["cases"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn malformed_json_and_wrong_types_are_400_and_422_never_500() {
    let t = TestApp::start().await;
    let applicant = t.login("jinjiang_books").await;
    let r = t
        .raw(
            Method::POST,
            "/api/v1/cases",
            Some(&applicant),
            "application/json",
            "{\"item\": ",
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "malformed_json");
    let r = t
        .post("/api/v1/cases", &applicant, json!({"item": 42}))
        .await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    let r = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": FOOD, "channel": "fax"}),
        )
        .await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    let r = t
        .raw(
            Method::POST,
            "/api/v1/cases",
            Some(&applicant),
            "text/plain",
            "hello",
        )
        .await;
    assert_error(
        &r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    let r = t
        .raw(
            Method::POST,
            "/api/v1/auth/login",
            None,
            "application/json",
            "[1,2]",
        )
        .await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    let id = submit(&t, &applicant, FOOD, food_form()).await.body["id"]
        .as_i64()
        .unwrap();
    let clerk = t.login("clerk").await;
    let r = t
        .post(
            &format!("/api/v1/cases/{id}/actions"),
            &clerk,
            json!({"action": "accept", "version": "one"}),
        )
        .await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    let r = t
        .post(
            &format!("/api/v1/cases/{id}/actions"),
            &clerk,
            json!({"action": "dance", "version": 1}),
        )
        .await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    let r = t.get("/api/v1/cases?limit=lots", &clerk).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "bad_query");
    let r = t.get("/api/v1/cases?status=sleeping", &clerk).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "bad_query");
    let huge = "x".repeat(5 * 1024 * 1024);
    let r = t
        .raw(
            Method::POST,
            "/api/v1/cases",
            Some(&applicant),
            "application/json",
            &format!("{{\"item\":\"{huge}\"}}"),
        )
        .await;
    assert_error(&r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
}

#[tokio::test]
async fn an_invalid_form_is_422_naming_each_field() {
    let t = TestApp::start().await;
    let applicant = t.login("jinjiang_books").await;
    let mut form = food_form();
    form["credit_code"] = json!("91510107MA6C11110A");
    form["area"] = json!("big");
    form["business_type"] = json!("夜市摊");
    form["nickname"] = json!("x");
    form.as_object_mut().unwrap().remove("mobile");
    let r = submit(&t, &applicant, FOOD, form).await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_form");
    let fields: Vec<&str> = r.body["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    for f in ["credit_code", "area", "business_type", "nickname", "mobile"] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
}

#[tokio::test]
async fn unknown_cases_items_and_paths_are_404() {
    let t = TestApp::start().await;
    let clerk = t.login("clerk").await;
    assert_error(
        &t.get("/api/v1/cases/999999", &clerk).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &t.get("/api/v1/cases/abc", &clerk).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &t.act(999999, &clerk, "accept", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let r = t.call(Method::GET, "/api/v1/items/NOPE", None, None).await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
    let r = t
        .call(Method::GET, "/api/v1/nothing-here", None, None)
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
    let applicant = t.login("jinjiang_books").await;
    assert_error(
        &submit(&t, &applicant, "NOPE", json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

#[tokio::test]
async fn the_catalogue_items_themes_health_and_openapi_are_served() {
    let t = TestApp::start().await;
    let items = t.call(Method::GET, "/api/v1/items", None, None).await;
    assert!(items.body.as_array().unwrap().len() >= 12);
    let item = t
        .call(Method::GET, &format!("/api/v1/items/{BOOKS}"), None, None)
        .await;
    assert_eq!(item.body["name"], "出版物零售单位设立");
    assert!(!item.body["materials"].as_array().unwrap().is_empty());
    assert!(!item.body["form"].as_array().unwrap().is_empty());
    let themes = t.call(Method::GET, "/api/v1/themes", None, None).await;
    let names: Vec<&str> = themes
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["我要开书店", "我要开餐馆", "我要开酒吧"]);
    let health = t.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(health.body["status"], "ok");
    let doc = t.call(Method::GET, "/api/openapi.json", None, None).await;
    for path in [
        "/api/v1/auth/login",
        "/api/v1/items",
        "/api/v1/items/{code}",
        "/api/v1/themes",
        "/api/v1/cases",
        "/api/v1/cases/{id}",
        "/api/v1/cases/{id}/actions",
        "/api/v1/tasks",
        "/api/v1/users",
        "/api/v1/validate/{kind}/{value}",
    ] {
        assert!(
            doc.body["paths"][path].is_object(),
            "{path} missing from OpenAPI"
        );
    }
}

#[tokio::test]
async fn the_public_validators_answer_valid_and_invalid_with_reasons() {
    let t = TestApp::start().await;
    let ok = t
        .call(
            Method::GET,
            "/api/v1/validate/citizen_id/11010519491231002X",
            None,
            None,
        )
        .await;
    assert_eq!(ok.body["valid"], true);
    let bad = t
        .call(
            Method::GET,
            "/api/v1/validate/credit_code/91510107MA6C11110A",
            None,
            None,
        )
        .await;
    assert_eq!(bad.body["valid"], false);
    assert!(bad.body["reason"].as_str().is_some());
    let unknown = t
        .call(Method::GET, "/api/v1/validate/horoscope/leo", None, None)
        .await;
    assert_error(&unknown, StatusCode::NOT_FOUND, "unknown_kind");
}

#[tokio::test]
async fn a_bad_catalogue_is_refused_whole_over_the_api() {
    let t = TestApp::start().await;
    let admin = t.login("admin").await;
    let mut cat = t
        .call(Method::GET, "/api/v1/catalogue", None, None)
        .await
        .body;
    cat["items"][0]["name"] = json!("改名后的事项");
    cat["items"][1]["department"] = json!("ghost");
    let r = t.post("/api/v1/catalogue", &admin, cat).await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_catalogue");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("ghost")
    );
    let items = t.call(Method::GET, "/api/v1/items", None, None).await;
    assert!(
        items
            .body
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["version"] == 1 && i["name"] != "改名后的事项"),
        "nothing half-imported"
    );
    let clerk = t.login("clerk").await;
    assert_error(
        &t.post("/api/v1/catalogue", &clerk, json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
}

#[tokio::test]
async fn a_changed_item_gets_a_new_version_and_old_cases_keep_theirs() {
    let t = TestApp::start().await;
    let applicant = t.login("jinjiang_books").await;
    let id = submit(&t, &applicant, FOOD, food_form()).await.body["id"]
        .as_i64()
        .unwrap();
    let admin = t.login("admin").await;
    let mut cat = t
        .call(Method::GET, "/api/v1/catalogue", None, None)
        .await
        .body;
    let food = cat["items"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|i| i["code"] == FOOD)
        .unwrap();
    food["name"] = json!("食品经营许可（新办·2026版）");
    let r = t.post("/api/v1/catalogue", &admin, cat).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["items_changed"], 1);
    let item = t
        .call(Method::GET, &format!("/api/v1/items/{FOOD}"), None, None)
        .await;
    assert_eq!(item.body["version"], 2);
    let old = t.get(&format!("/api/v1/cases/{id}"), &applicant).await;
    assert_eq!(old.body["item_version"], 1);
    assert_eq!(old.body["item_name"], "食品经营许可（新办）");
}

#[tokio::test]
async fn deadlines_follow_the_working_day_calendar() {
    // Monday 2026-03-02 09:30 Beijing time; the food licence is committed in 5
    // working days and its intake stage in 4 working hours (lunch 12:00-13:00 off).
    let t = TestApp::start().await;
    let applicant = t.login("jinjiang_books").await;
    let r = submit(&t, &applicant, FOOD, food_form()).await;
    assert_eq!(
        r.body["deadline"], "2026-03-09T09:00:00Z",
        "5 working days → Monday 17:00 +08:00"
    );
    assert_eq!(
        r.body["task"]["deadline"], "2026-03-02T06:30:00Z",
        "4 working hours → Monday 14:30 +08:00"
    );
    let clerk = t.login("clerk").await;
    let tasks = t.get("/api/v1/tasks", &clerk).await;
    assert_eq!(tasks.body[0]["task_deadline"], "2026-03-02T06:30:00Z");
}

#[tokio::test]
async fn an_online_backup_holds_every_case_and_a_verifying_audit_chain() {
    let t = TestApp::start().await;
    let applicant = t.login("jinjiang_books").await;
    let mut ids = vec![];
    for _ in 0..5 {
        ids.push(
            submit(&t, &applicant, FOOD, food_form()).await.body["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let clerk = t.login("clerk").await;
    t.act(ids[0], &clerk, "accept", Some("受理")).await;
    let file = t.dir.path().join("backup.db");
    t.app.backup(&file).await.unwrap();
    assert!(t.app.backup(&file).await.is_err(), "never overwrites");
    let restored = onestamp_store::open(&format!("sqlite://{}", file.display()), t.dir.path())
        .await
        .unwrap();
    for id in &ids {
        let case = restored
            .case(*id)
            .await
            .unwrap()
            .expect("case in the backup");
        let live = t.store.case(*id).await.unwrap().unwrap();
        assert_eq!(case, live);
    }
    let app = onestamp_app::App::new(restored, t.clock.clone(), onestamp_app::Settings::default());
    let report = app.verify_audit(&[], |_| {}).await.unwrap();
    assert!(report.intact(), "{report:?}");
}

#[tokio::test]
async fn staff_find_cases_by_applicant_identity_and_submission_day() {
    let t = TestApp::start().await;
    let books = t.login("jinjiang_books").await;
    let id = submit(&t, &books, FOOD, food_form()).await.body["id"]
        .as_i64()
        .unwrap();
    let clerk = t.login("clerk").await;
    // The demo enterprise applicant's credit code, typed in lower case.
    let r = t
        .get("/api/v1/cases?identity=91510107ma6c11110g", &clerk)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let ids: Vec<i64> = r.body["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    assert_eq!(ids, vec![id]);
    let r = t
        .get("/api/v1/cases?identity=510107199003071236", &clerk)
        .await;
    assert_eq!(r.body["cases"].as_array().map(Vec::len), Some(0));

    // The test clock stands on 2026-03-02 (bureau time).
    let on = |from: &str, to: &str| format!("/api/v1/cases?from={from}&to={to}");
    let r = t.get(&on("2026-03-02", "2026-03-02"), &clerk).await;
    assert_eq!(
        r.body["cases"].as_array().map(Vec::len),
        Some(1),
        "{:?}",
        r.body
    );
    let r = t.get(&on("2026-03-03", "2026-03-31"), &clerk).await;
    assert_eq!(r.body["cases"].as_array().map(Vec::len), Some(0));
    let r = t.get(&on("2026-02-01", "2026-03-01"), &clerk).await;
    assert_eq!(r.body["cases"].as_array().map(Vec::len), Some(0));

    let r = t.get(&on("2026-03-05", "2026-03-01"), &clerk).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "bad_query");
    let r = t.get("/api/v1/cases?from=2026-02-30", &clerk).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "bad_query");
    let r = t.get("/api/v1/cases?to=yesterday", &clerk).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "bad_query");
}

#[tokio::test]
async fn the_task_list_pages_by_its_link_header_in_urgency_order() {
    let t = TestApp::start().await;
    let books = t.login("jinjiang_books").await;
    for _ in 0..3 {
        let r = submit(&t, &books, FOOD, food_form()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    }
    let clerk = t.login("clerk").await;
    let all = t.get("/api/v1/tasks", &clerk).await;
    let expected: Vec<i64> = all
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    assert!(expected.len() >= 3, "{:?}", all.body);

    let mut next = Some("/api/v1/tasks?limit=2".to_string());
    let mut paged = Vec::new();
    while let Some(path) = next.take() {
        let r = t
            .client
            .get(format!("{}{path}", t.base))
            .bearer_auth(&clerk)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        next = r
            .headers()
            .get("link")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix('<'))
            .and_then(|v| v.split_once(">; rel=\"next\""))
            .map(|(p, _)| p.to_string());
        let page: serde_json::Value = r.json().await.unwrap();
        paged.extend(
            page.as_array()
                .unwrap()
                .iter()
                .filter_map(|c| c["id"].as_i64()),
        );
    }
    assert_eq!(paged, expected);

    let r = t.get("/api/v1/tasks?after=tomorrow", &clerk).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "bad_query");
    let supervisor = t.login("supervisor").await;
    let r = t
        .get("/api/v1/supervision/tasks?after=1.x.3", &supervisor)
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "bad_query");
}

#[tokio::test]
async fn a_theme_answers_with_its_shared_form_materials_order_and_comparison() {
    let t = TestApp::start().await;
    let token = t.login("zhangsan").await;
    let r = t.get("/api/v1/themes/T-BAR", &token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let plan = &r.body["plan"];
    let keys: Vec<&str> = plan["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    let once: std::collections::BTreeSet<&&str> = keys.iter().collect();
    assert_eq!(once.len(), keys.len(), "each field once: {keys:?}");
    let mobile = plan["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "mobile")
        .unwrap();
    assert_eq!(mobile["items"].as_array().unwrap().len(), 4, "{mobile}");
    assert_eq!(plan["waves"].as_array().unwrap().len(), 3, "{plan}");
    assert!(
        plan["inherited"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["from_item"] == "510107-SCJG-001"),
        "{plan}"
    );
    assert_eq!(r.body["comparison"]["forms_theme"], 1);
    assert_eq!(r.body["theme"]["on_denial"], "stop");
    let missing = t.get("/api/v1/themes/T-NOTHING", &token).await;
    assert_error(&missing, StatusCode::NOT_FOUND, "not_found");
}
