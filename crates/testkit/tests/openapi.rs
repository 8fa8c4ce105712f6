//! The OpenAPI document at `/api/openapi.json` tells the truth: every success
//! answer has a real schema, every route names the errors it can give, integer
//! parameters say the range the server keeps to, and real answers of the server
//! match the schemas the document gives them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use onestamp_testkit::fixtures::{FOOD, food_form};
use onestamp_testkit::reqwest::{Method, StatusCode};
use onestamp_testkit::{TestApp, assert_error, json};
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn document(t: &TestApp) -> Value {
    let r = t.call(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    r.body
}

/// Every operation of the document: (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                out.push((method.to_string(), path.clone(), op.clone()));
            }
        }
    }
    out
}

/// A schema with its `$ref` followed.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// Whether a schema says no more than "some object" (or is missing).
fn is_bare(doc: &Value, schema: &Value) -> bool {
    let s = resolve(doc, schema);
    if s.is_null() || s.as_object().is_some_and(|o| o.is_empty()) {
        return true;
    }
    if let Some(items) = s.get("items") {
        return is_bare(doc, items);
    }
    let object = s["type"] == "object";
    object
        && s.get("properties").is_none()
        && s.get("additionalProperties").is_none()
        && s.get("allOf").is_none()
        && s.get("oneOf").is_none()
}

#[tokio::test]
async fn every_success_answer_has_a_schema_that_is_more_than_object() {
    let t = TestApp::start().await;
    let doc = document(&t).await;
    let mut bare = Vec::new();
    for (method, path, op) in operations(&doc) {
        for (status, response) in op["responses"].as_object().expect("responses") {
            if !status.starts_with('2') || status == "204" {
                continue;
            }
            let Some(content) = response["content"].as_object() else {
                bare.push(format!("{method} {path} {status}: no content"));
                continue;
            };
            for (media, body) in content {
                if media == "application/json" && is_bare(&doc, &body["schema"]) {
                    bare.push(format!("{method} {path} {status}: bare {media}"));
                }
            }
        }
    }
    assert!(
        bare.is_empty(),
        "untyped success answers:\n{}",
        bare.join("\n")
    );
}

#[tokio::test]
async fn every_route_documents_the_errors_it_can_give() {
    let t = TestApp::start().await;
    let doc = document(&t).await;
    let mut missing = Vec::new();
    for (method, path, op) in operations(&doc) {
        let responses = op["responses"].as_object().expect("responses");
        let mut need: Vec<&str> = Vec::new();
        if op.get("security").is_some() {
            need.push("401");
        }
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        if params.iter().any(|p| p["in"] == "query") {
            need.push("400");
        }
        // Public verification answers an unknown id with 200 `not_genuine`.
        if params.iter().any(|p| p["in"] == "path") && path != "/api/v1/verify/{id}" {
            need.push("404");
        }
        if op["requestBody"]["content"]
            .get("application/json")
            .is_some()
        {
            need.extend(["400", "413", "415", "422"]);
        }
        if op["requestBody"]["content"]
            .get("application/octet-stream")
            .is_some()
        {
            need.push("413");
        }
        for status in need {
            if !responses.contains_key(status) {
                missing.push(format!("{method} {path}: no {status}"));
            }
        }
        for (status, response) in responses {
            if status.starts_with('2') {
                continue;
            }
            let schema = &response["content"]["application/json"]["schema"]["$ref"];
            if schema != "#/components/schemas/ErrorBody" {
                missing.push(format!("{method} {path} {status}: not the JSON error body"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "undocumented errors:\n{}",
        missing.join("\n")
    );
}

#[tokio::test]
async fn integer_query_parameters_declare_a_range_the_server_keeps_to() {
    let t = TestApp::start().await;
    let doc = document(&t).await;
    let admin = t.login("admin").await;
    let supervisor = t.login("supervisor").await;
    let applicant = t.login("jinjiang_books").await;
    // A webhook, for the list of its deliveries.
    let hook = t
        .post(
            "/api/v1/webhooks",
            &admin,
            json!({"url": "http://127.0.0.1:9/hook", "events": ["*"]}),
        )
        .await
        .body["id"]
        .as_i64()
        .expect("webhook id");
    let mut limits = 0;
    for (method, path, op) in operations(&doc) {
        let path = path.replace("/webhooks/{id}/", &format!("/webhooks/{hook}/"));
        for p in op["parameters"].as_array().cloned().unwrap_or_default() {
            let schema = resolve(&doc, &p["schema"]);
            let integer = schema["type"] == "integer"
                || schema["type"]
                    .as_array()
                    .is_some_and(|ts| ts.contains(&json!("integer")));
            if !integer {
                continue;
            }
            assert!(
                schema["format"].is_string(),
                "{method} {path} {}: an integer without a format",
                p["name"]
            );
            if p["name"] != "limit" {
                continue;
            }
            limits += 1;
            let max = schema["maximum"].as_u64().expect("limit has a maximum");
            assert_eq!(schema["minimum"], 1, "{path}");
            assert!(max <= i32::MAX as u64, "{path}");
            // The user with the widest view of each list.
            let token = if path.contains("alerts") || path.contains("supervision") {
                &supervisor
            } else if path.contains("bundles") {
                &applicant
            } else {
                &admin
            };
            let ok = t.get(&format!("{path}?limit={max}"), token).await;
            assert_eq!(
                ok.status,
                StatusCode::OK,
                "{path}?limit={max}: {:?}",
                ok.body
            );
            for bad in [
                "0".to_string(),
                (max + 1).to_string(),
                "2147483648".into(),
                "-1".into(),
            ] {
                let r = t.get(&format!("{path}?limit={bad}"), token).await;
                assert_error(&r, StatusCode::BAD_REQUEST, "bad_query");
            }
        }
    }
    assert!(limits >= 6, "only {limits} limit parameters found");
}

/// A small JSON Schema check, enough for what utoipa writes: `$ref`, `type`
/// (one or several), `enum`, `properties`, `required`, `items`,
/// `additionalProperties`, `allOf`, `oneOf`, `anyOf`. Returns the first
/// mismatch, with where it is.
fn mismatch(doc: &Value, schema: &Value, value: &Value, at: &str) -> Option<String> {
    let s = resolve(doc, schema);
    if let Some(all) = s["allOf"].as_array() {
        for sub in all {
            if let Some(m) = mismatch(doc, sub, value, at) {
                return Some(m);
            }
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(any) = s[key].as_array()
            && !any
                .iter()
                .any(|sub| mismatch(doc, sub, value, at).is_none())
        {
            return Some(format!("{at}: {value} matches none of {key}"));
        }
    }
    if let Some(choices) = s["enum"].as_array()
        && !choices.contains(value)
    {
        return Some(format!("{at}: {value} not in {choices:?}"));
    }
    let types: Vec<&str> = match &s["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() {
        let fits = types.iter().any(|t| match *t {
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "string" => value.is_string(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => true,
        });
        if !fits {
            return Some(format!("{at}: {value} is not {types:?}"));
        }
    }
    if let Some(object) = value.as_object() {
        for name in s["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap_or("");
            if !object.contains_key(name) {
                return Some(format!("{at}: required {name} missing"));
            }
        }
        let properties = s["properties"].as_object();
        for (name, v) in object {
            let here = format!("{at}.{name}");
            match properties.and_then(|p| p.get(name)) {
                Some(sub) => {
                    if let Some(m) = mismatch(doc, sub, v, &here) {
                        return Some(m);
                    }
                }
                None => match &s["additionalProperties"] {
                    Value::Bool(false) => return Some(format!("{here}: not allowed")),
                    Value::Object(_) => {
                        if let Some(m) = mismatch(doc, &s["additionalProperties"], v, &here) {
                            return Some(m);
                        }
                    }
                    _ => {}
                },
            }
        }
    }
    if let (Some(items), Some(list)) = (s.get("items"), value.as_array()) {
        for (i, v) in list.iter().enumerate() {
            if let Some(m) = mismatch(doc, items, v, &format!("{at}[{i}]")) {
                return Some(m);
            }
        }
    }
    None
}

/// Checks a real answer against the document's schema for it.
fn conforms(doc: &Value, method: &str, path: &str, status: StatusCode, body: &Value) {
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "{method} {path} is not in the document");
    let response = &op["responses"][status.as_str()];
    assert!(
        response.is_object(),
        "{method} {path}: status {status} is not documented ({body})"
    );
    let schema = &response["content"]["application/json"]["schema"];
    if let Some(m) = mismatch(doc, schema, body, "$") {
        panic!("{method} {path} {status}: the answer does not match the document: {m}");
    }
}

#[tokio::test]
async fn real_answers_match_the_documented_schemas() {
    let t = TestApp::start().await;
    let doc = document(&t).await;
    let check = |method: &str, template: &str, r: &onestamp_testkit::Reply| {
        conforms(&doc, method, template, r.status, &r.body);
    };

    // A case from submission to issued, each answer checked.
    let applicant = t.login("jinjiang_books").await;
    let r = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": FOOD, "channel": "web", "form": food_form()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    check("post", "/api/v1/cases", &r);
    let id = r.body["id"].as_i64().unwrap();
    let number = r.body["number"].as_str().unwrap().to_string();
    let query_code = r.body["query_code"].as_str().unwrap().to_string();
    for (user, action) in [
        ("clerk", "accept"),
        ("reviewer", "review"),
        ("inspector", "inspect"),
        ("approver", "approve"),
        ("officer", "produce"),
        ("officer", "issue"),
    ] {
        let token = t.login(user).await;
        let tasks = t.get("/api/v1/tasks", &token).await;
        check("get", "/api/v1/tasks", &tasks);
        let r = t.act(id, &token, action, Some("符合要求")).await;
        assert_eq!(r.status, StatusCode::OK, "{action}: {:?}", r.body);
        check("post", "/api/v1/cases/{id}/actions", &r);
    }
    let case = t.get(&format!("/api/v1/cases/{id}"), &applicant).await;
    check("get", "/api/v1/cases/{id}", &case);
    let licence = case.body["licence_id"].as_str().unwrap().to_string();

    let admin = t.login("admin").await;
    let clerk = t.login("clerk").await;
    let officer = t.login("officer").await;
    let supervisor = t.login("supervisor").await;
    let regulator = t.login("regulator").await;
    let gets: Vec<(&str, String, &str)> = vec![
        ("/api/v1/me", "/api/v1/me".into(), &applicant),
        ("/api/v1/users", "/api/v1/users".into(), &admin),
        ("/api/v1/items", "/api/v1/items".into(), &applicant),
        (
            "/api/v1/items/{code}",
            format!("/api/v1/items/{FOOD}"),
            &applicant,
        ),
        (
            "/api/v1/items/{code}/instant",
            format!("/api/v1/items/{FOOD}/instant"),
            &applicant,
        ),
        (
            "/api/v1/items/{code}/prefill",
            format!("/api/v1/items/{FOOD}/prefill"),
            &applicant,
        ),
        ("/api/v1/themes", "/api/v1/themes".into(), &applicant),
        ("/api/v1/bundles", "/api/v1/bundles".into(), &applicant),
        (
            "/api/v1/bundles/{id}",
            "/api/v1/bundles/999999".into(),
            &applicant,
        ),
        (
            "/api/v1/themes/{code}",
            "/api/v1/themes/T-RESTAURANT".into(),
            &applicant,
        ),
        (
            "/api/v1/themes/{code}",
            "/api/v1/themes/T-NOTHING".into(),
            &applicant,
        ),
        ("/api/v1/catalogue", "/api/v1/catalogue".into(), &admin),
        ("/api/v1/cases", "/api/v1/cases".into(), &clerk),
        ("/api/v1/cases", "/api/v1/cases".into(), &applicant),
        ("/api/v1/cases/{id}", format!("/api/v1/cases/{id}"), &clerk),
        ("/api/v1/licences", "/api/v1/licences".into(), &applicant),
        ("/api/v1/licences", "/api/v1/licences".into(), &regulator),
        (
            "/api/v1/licences/{id}",
            format!("/api/v1/licences/{licence}"),
            &officer,
        ),
        (
            "/api/v1/verify/{id}",
            format!("/api/v1/verify/{licence}"),
            &applicant,
        ),
        (
            "/api/v1/verify/{id}",
            "/api/v1/verify/nothing-of-ours".into(),
            &applicant,
        ),
        (
            "/api/v1/public/licences",
            "/api/v1/public/licences".into(),
            &applicant,
        ),
        (
            "/api/v1/notifications",
            "/api/v1/notifications".into(),
            &applicant,
        ),
        (
            "/api/v1/notifications/unread",
            "/api/v1/notifications/unread".into(),
            &applicant,
        ),
        (
            "/api/v1/me/notification-settings",
            "/api/v1/me/notification-settings".into(),
            &applicant,
        ),
        (
            "/api/v1/me/notification-settings",
            "/api/v1/me/notification-settings".into(),
            &supervisor,
        ),
        ("/api/v1/materials", "/api/v1/materials".into(), &applicant),
        ("/api/v1/alerts", "/api/v1/alerts".into(), &supervisor),
        (
            "/api/v1/supervision/tasks",
            "/api/v1/supervision/tasks".into(),
            &supervisor,
        ),
        (
            "/api/v1/validate/{kind}/{value}",
            "/api/v1/validate/citizen_id/11010519491231002X".into(),
            &applicant,
        ),
        (
            "/api/v1/validate/{kind}/{value}",
            "/api/v1/validate/credit_code/nonsense".into(),
            &applicant,
        ),
        (
            "/api/v1/users/{id}/profile",
            "/api/v1/users/2/profile".into(),
            &admin,
        ),
        // Errors match the error body.
        ("/api/v1/cases/{id}", "/api/v1/cases/999999".into(), &clerk),
        ("/api/v1/cases", "/api/v1/cases?limit=0".into(), &clerk),
        ("/api/v1/users", "/api/v1/users".into(), &applicant),
    ];
    for (template, path, token) in gets {
        let r = t.get(&path, token).await;
        check("get", template, &r);
    }

    // Revoking, reporting and a quality sample.
    let r = t
        .post(
            &format!("/api/v1/verify/{licence}/reports"),
            &applicant,
            json!({"text": "门店地址与证照不符"}),
        )
        .await;
    check("post", "/api/v1/verify/{id}/reports", &r);
    let r = t
        .post("/api/v1/quality/samples", &supervisor, json!({"size": 5}))
        .await;
    check("post", "/api/v1/quality/samples", &r);
    let r = t
        .post(
            &format!("/api/v1/licences/{licence}/revoke"),
            &officer,
            json!({"reason": "以欺骗手段取得"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    check("post", "/api/v1/licences/{id}/revoke", &r);
    let r = t
        .get(&format!("/api/v1/verify/{licence}"), &applicant)
        .await;
    check("get", "/api/v1/verify/{id}", &r);

    // 好差评: the issued case rated badly, its rectification and an appeal.
    let r = t
        .post(
            &format!("/api/v1/cases/{id}/rating"),
            &applicant,
            json!({"level": "dissatisfied", "reasons": ["slow"], "comment": "等待较久"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    check("post", "/api/v1/cases/{id}/rating", &r);
    let r = t
        .get(&format!("/api/v1/cases/{id}/rating"), &supervisor)
        .await;
    check("get", "/api/v1/cases/{id}/rating", &r);
    let rating = r.body["rating"]["id"].as_i64().unwrap();
    let r = t.get("/api/v1/ratings", &supervisor).await;
    check("get", "/api/v1/ratings", &r);
    let r = t.get("/api/v1/rectifications", &supervisor).await;
    check("get", "/api/v1/rectifications", &r);
    let rid = r.body[0]["id"].as_i64().unwrap();
    let r = t
        .post(
            &format!("/api/v1/rectifications/{rid}/callback"),
            &supervisor,
            json!({"note": "已回访"}),
        )
        .await;
    check("post", "/api/v1/rectifications/{id}/callback", &r);
    let r = t
        .post(
            &format!("/api/v1/rectifications/{rid}/outcome"),
            &supervisor,
            json!({"kind": "explained", "outcome": "已说明法定时限"}),
        )
        .await;
    check("post", "/api/v1/rectifications/{id}/outcome", &r);
    let clerk = t.login("clerk").await;
    let r = t
        .post(
            &format!("/api/v1/ratings/{rating}/appeal"),
            &clerk,
            json!({"ground": "mistaken", "reason": "按时办结"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    check("post", "/api/v1/ratings/{id}/appeal", &r);
    let appeal = r.body["id"].as_i64().unwrap();
    let r = t.get("/api/v1/appeals", &supervisor).await;
    check("get", "/api/v1/appeals", &r);
    let r = t
        .post(
            &format!("/api/v1/appeals/{appeal}/decision"),
            &supervisor,
            json!({"upheld": false, "note": "评价属实"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    check("post", "/api/v1/appeals/{id}/decision", &r);
    let r = t
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "admin", "password": "demo"})),
        )
        .await;
    check("post", "/api/v1/auth/login", &r);
    let r = t
        .call(
            Method::GET,
            &format!("/api/v1/public/cases/{number}?code={query_code}"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    check("get", "/api/v1/public/cases/{number}", &r);
    let r = t
        .call(
            Method::POST,
            "/api/v1/register",
            None,
            Some(json!({
                "kind": "person", "username": "schema_person", "password": "Schema2026x",
                "name": "测试人", "identity": "510107198511114568", "mobile": "13912345678"
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    check("post", "/api/v1/register", &r);
    let r = t
        .call(Method::GET, &format!("/api/v1/items/{FOOD}"), None, None)
        .await;
    check("get", "/api/v1/items/{code}", &r);
    for figure in [
        "volumes",
        "times",
        "overdue",
        "corrections",
        "refusals",
        "ratings",
        "licences",
        "hall",
    ] {
        let path = format!("/api/v1/analytics/{figure}");
        let r = t.get(&format!("{path}?month=2026-03"), &supervisor).await;
        assert_eq!(r.status, StatusCode::OK, "{figure}: {:?}", r.body);
        check("get", &path, &r);
    }
    let r = t
        .call(Method::GET, "/api/v1/analytics/display", None, None)
        .await;
    check("get", "/api/v1/analytics/display", &r);
}

#[tokio::test]
async fn an_empty_status_or_day_filter_is_a_bad_query_as_the_document_says() {
    let t = TestApp::start().await;
    let clerk = t.login("clerk").await;
    for query in ["status=", "from=", "to="] {
        let r = t.get(&format!("/api/v1/cases?{query}"), &clerk).await;
        assert_error(&r, StatusCode::BAD_REQUEST, "bad_query");
    }
    let r = t
        .get("/api/v1/cases?status=pre_review&from=2026-03-01", &clerk)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
}
