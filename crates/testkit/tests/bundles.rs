//! Themes in one go (一件事一次办, 联审联办, 一企一证) over the HTTP API: one
//! application, a child case per item running in parallel, a dependency that
//! holds a child back until its prerequisite is issued, one correction for the
//! bundle, a denial that stops the rest, and the combined licence verified.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use onestamp_testkit::{TestApp, assert_error, fixtures::tiny_png};

const BUSINESS: &str = "510107-SCJG-001";
const FOOD: &str = "510107-SCJG-004";
const ADS: &str = "510107-ZHZF-001";

/// The one shared form of 我要开餐馆 (and most of 我要开酒吧).
fn shared_form() -> Value {
    json!({
        "entity_name": "成都武侯玉林小馆餐饮有限公司",
        "company_type": "有限责任公司（自然人投资或控股）",
        "registered_capital": 50.0,
        "legal_rep_name": "王书香",
        "legal_rep_id": "510107199003071236",
        "mobile": "13800281234",
        "address": "成都市武侯区玉林街道玉林北路12号",
        "business_scope": "餐饮服务；食品销售",
        "credit_code": "91510107MA6C11110G",
        "business_type": "餐饮服务经营者",
        "food_items": "热食类食品制售",
        "area": 85.0,
        "ad_form": "墙面广告",
        "ad_area": 6.0,
        "lighting": true,
        "period_months": 12.0,
        "liquor_types": "啤酒、葡萄酒等发酵酒",
        "sales_mode": "店内零售兼现场饮用",
        "venue_kind": "歌舞娱乐场所（KTV、演艺吧、舞厅）",
        "room_count": 6.0,
        "publication_scope": "图书"
    })
}

/// The shared form, for the fields a theme's plan asks.
fn form_for(theme: &Value) -> Value {
    let all = shared_form();
    let mut out = serde_json::Map::new();
    for f in theme["plan"]["fields"].as_array().expect("fields") {
        let key = f["key"].as_str().expect("key");
        out.insert(key.to_string(), all[key].clone());
    }
    Value::Object(out)
}

/// Every shared material of the theme, each a file uploaded once.
async fn materials(t: &TestApp, token: &str, theme: &Value) -> Value {
    let file = t.upload(token, "scan.png", tiny_png()).await;
    let mut out = serde_json::Map::new();
    for m in theme["plan"]["materials"].as_array().expect("materials") {
        out.insert(
            m["key"].as_str().expect("key").to_string(),
            json!({"file": file}),
        );
    }
    Value::Object(out)
}

/// The user and action that move a case on from its status.
fn step_of(status: &str) -> Option<(&'static str, &'static str)> {
    Some(match status {
        "pre_review" | "intake" => ("clerk", "accept"),
        "review" => ("reviewer", "review"),
        "inspection" => ("inspector", "inspect"),
        "approval" => ("approver", "approve"),
        "production" => ("officer", "produce"),
        "issuance" => ("officer", "issue"),
        _ => return None,
    })
}

/// Moves a case on by one step; its status after.
async fn step(t: &TestApp, id: i64) -> String {
    let admin = t.login("supervisor").await;
    let case = t.get(&format!("/api/v1/cases/{id}"), &admin).await;
    let status = case.body["status"].as_str().expect("status").to_string();
    let (user, action) = step_of(&status).unwrap_or_else(|| panic!("no step from {status}"));
    let token = t.login(user).await;
    let r = t.act(id, &token, action, Some("符合要求")).await;
    assert_eq!(r.status, StatusCode::OK, "{user} {action}: {:?}", r.body);
    r.body["status"].as_str().expect("status").to_string()
}

async fn issue(t: &TestApp, id: i64) {
    while step(t, id).await != "issued" {}
}

fn child<'a>(bundle: &'a Value, item: &str) -> &'a Value {
    bundle["children"]
        .as_array()
        .expect("children")
        .iter()
        .find(|c| c["item_code"] == item)
        .unwrap_or_else(|| panic!("no child {item}: {bundle}"))
}

async fn apply(t: &TestApp, token: &str, theme: &str) -> Value {
    let plan = t.get(&format!("/api/v1/themes/{theme}"), token).await;
    assert_eq!(plan.status, StatusCode::OK, "{:?}", plan.body);
    let materials = materials(t, token, &plan.body).await;
    let r = t
        .post(
            "/api/v1/bundles",
            token,
            json!({"theme": theme, "form": form_for(&plan.body), "materials": materials}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body
}

#[tokio::test]
async fn a_restaurant_goes_from_one_application_to_one_combined_licence() {
    restaurant(TestApp::start().await).await;
}

#[tokio::test]
async fn a_restaurant_goes_the_same_way_on_postgresql() {
    if let Some(t) = TestApp::start_on_postgres().await {
        restaurant(t).await;
    }
}

async fn restaurant(t: TestApp) {
    let applicant = t.login("jinjiang_books").await;
    let b = apply(&t, &applicant, "T-RESTAURANT").await;
    let id = b["id"].as_i64().unwrap();
    assert!(
        b["number"].as_str().unwrap().contains("-ZT"),
        "{}",
        b["number"]
    );
    assert_eq!(b["status"], "in_progress");
    assert_eq!(child(&b, BUSINESS)["state"], "started");
    // The food permit and the advertising permit wait for the business licence.
    for item in [FOOD, ADS] {
        assert_eq!(child(&b, item)["state"], "waiting", "{item}");
        assert!(child(&b, item)["case_id"].is_null());
    }
    let business = child(&b, BUSINESS)["case_id"].as_i64().unwrap();
    issue(&t, business).await;

    // Issuing the business licence started both, in parallel, each with its
    // own clock and task; the licence stands in for their 营业执照.
    let b = t
        .get(&format!("/api/v1/bundles/{id}"), &applicant)
        .await
        .body;
    let food = child(&b, FOOD)["case_id"].as_i64().expect("food started");
    let ads = child(&b, ADS)["case_id"].as_i64().expect("ads started");
    let business_licence = child(&b, BUSINESS)["licence_id"]
        .as_str()
        .expect("business licence")
        .to_string();
    for case in [food, ads] {
        let c = t
            .get(&format!("/api/v1/cases/{case}"), &applicant)
            .await
            .body;
        assert!(c["deadline"].is_string(), "{c}");
        assert!(c["task"].is_object(), "{c}");
        assert_eq!(c["materials"]["M02"]["id"], business_licence, "{c}");
    }
    // Move them on in turns: both are open at once.
    step(&t, food).await;
    step(&t, ads).await;
    let b = t
        .get(&format!("/api/v1/bundles/{id}"), &applicant)
        .await
        .body;
    assert_eq!(b["status"], "in_progress");
    assert!(b["combined_licence"].is_null());
    issue(&t, food).await;
    issue(&t, ads).await;

    let b = t
        .get(&format!("/api/v1/bundles/{id}"), &applicant)
        .await
        .body;
    assert_eq!(b["status"], "issued", "{b}");
    // One timeline of every child's steps, in order.
    let timeline = b["timeline"].as_array().unwrap();
    assert!(timeline.len() >= 1 + 5 + 6 + 5, "{timeline:?}");
    assert!(
        timeline
            .windows(2)
            .all(|w| w[0]["at"].as_str() <= w[1]["at"].as_str())
    );
    let combined = b["combined_licence"]
        .as_str()
        .expect("一企一证")
        .to_string();
    let v = t
        .call(
            Method::GET,
            &format!("/api/v1/verify/{combined}"),
            None,
            None,
        )
        .await;
    assert_eq!(v.status, StatusCode::OK, "{:?}", v.body);
    assert_eq!(v.body["standing"], "valid", "{:?}", v.body);
    let permits = v.body["permits"].as_array().expect("permits");
    assert_eq!(permits.len(), 3, "{permits:?}");
    assert!(permits.iter().all(|p| p["standing"] == "valid"));

    // It prints like any licence, every permit listed.
    let pdf = t
        .client
        .get(format!("{}/api/v1/licences/{combined}/pdf", t.base))
        .bearer_auth(&applicant)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF"), "a PDF");
    if let Ok(dir) = std::env::var("ONESTAMP_SAVE_PDF") {
        std::fs::write(std::path::Path::new(&dir).join("combined.pdf"), &bytes).unwrap();
    }

    // Revoking one permit shows on the combined licence's verification.
    let food_licence = child(&b, FOOD)["licence_id"].as_str().unwrap().to_string();
    let officer = t.login("officer").await;
    let r = t
        .post(
            &format!("/api/v1/licences/{food_licence}/revoke"),
            &officer,
            json!({"reason": "经营场所已不具备食品经营条件"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let v = t
        .call(
            Method::GET,
            &format!("/api/v1/verify/{combined}"),
            None,
            None,
        )
        .await;
    let food_permit = v.body["permits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == food_licence.as_str())
        .cloned()
        .expect("the food permit");
    assert_eq!(food_permit["standing"], "revoked", "{:?}", v.body);

    // The supervisor sees what it took against applying item by item.
    let sup = onestamp_testkit::visitor::Visitor::logged_in(&t, "supervisor").await;
    let page = sup.get("/supervision/themes").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains("实际用时（1 件已办结）"),
        "{}",
        page.html
    );
    assert_eq!(
        t.app.theme_actuals("T-RESTAURANT").await.unwrap().finished,
        1
    );
    // …and in the figures (一件事一次办), the same after a rebuild.
    let supervisor = t.login("supervisor").await;
    let figure = t.get("/api/v1/analytics/themes", &supervisor).await;
    assert_eq!(figure.status, StatusCode::OK, "{:?}", figure.body);
    let line = figure.body["by_theme"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["key"] == "T-RESTAURANT")
        .cloned()
        .expect("the restaurant theme");
    assert_eq!(
        (&line["submitted"], &line["finished"], &line["issued"]),
        (&json!(1), &json!(1), &json!(1)),
        "{line}"
    );
    assert_eq!(line["label"], "我要开餐馆");
    t.app.rebuild_analytics(100, |_| {}).await.unwrap();
    let again = t.get("/api/v1/analytics/themes", &supervisor).await;
    assert_eq!(again.body, figure.body);

    // My bundles list it.
    let mine = t.get("/api/v1/bundles", &applicant).await;
    assert_eq!(mine.status, StatusCode::OK, "{:?}", mine.body);
    assert_eq!(mine.body["bundles"][0]["id"], id);
    assert_eq!(mine.body["bundles"][0]["issued"], 3);
    // Nobody else sees it.
    let other = t.login("zhangsan").await;
    let r = t.get(&format!("/api/v1/bundles/{id}"), &other).await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
    t.finish().await;
}

#[tokio::test]
async fn a_correction_of_any_child_is_answered_once_for_the_bundle() {
    let t = TestApp::start().await;
    let applicant = t.login("jinjiang_books").await;
    let b = apply(&t, &applicant, "T-RESTAURANT").await;
    let id = b["id"].as_i64().unwrap();
    let business = child(&b, BUSINESS)["case_id"].as_i64().unwrap();
    let clerk = t.login("clerk").await;
    let case = t
        .get(&format!("/api/v1/cases/{business}"), &clerk)
        .await
        .body;
    let r = t
        .act_with(
            business,
            &clerk,
            "request_correction",
            json!({"version": case["version"], "opinion": "请补正",
                   "correction": {"fields": [{"key": "address", "reason": "门牌号与租赁合同不一致"}]}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let b = t
        .get(&format!("/api/v1/bundles/{id}"), &applicant)
        .await
        .body;
    assert_eq!(b["status"], "correction");
    // The applicant is told once, of the bundle, on its page.
    t.app.deliver_inbox().await.unwrap();
    let inbox = t.get("/api/v1/notifications", &applicant).await.body;
    let asked: Vec<&Value> = inbox
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "case.correction_requested")
        .collect();
    assert_eq!(asked.len(), 1, "{inbox}");
    assert_eq!(asked[0]["link"], format!("/bundles/{id}"), "{inbox}");
    assert!(
        asked[0]["body"].as_str().unwrap().contains("企业设立登记"),
        "{inbox}"
    );
    let asks = b["corrections"].as_array().unwrap();
    assert_eq!(asks.len(), 1, "{asks:?}");
    assert_eq!(asks[0]["item_code"], BUSINESS);
    assert_eq!(asks[0]["request"]["fields"][0]["key"], "address");
    // Nothing to answer with is refused, in words.
    let r = t
        .post(
            &format!("/api/v1/bundles/{id}/resubmit"),
            &applicant,
            json!({"form": {}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    let r = t
        .post(
            &format!("/api/v1/bundles/{id}/resubmit"),
            &applicant,
            json!({"form": {"address": "成都市武侯区玉林街道玉林北路14号"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["status"], "in_progress");
    assert!(r.body["corrections"].as_array().unwrap().is_empty());
    let case = t
        .get(&format!("/api/v1/cases/{business}"), &applicant)
        .await
        .body;
    assert_eq!(case["form"]["address"], "成都市武侯区玉林街道玉林北路14号");
    t.finish().await;
}

#[tokio::test]
async fn a_denial_stops_a_bar_and_the_waiting_permits_never_start() {
    let t = TestApp::start().await;
    let applicant = t.login("jinjiang_books").await;
    let b = apply(&t, &applicant, "T-BAR").await;
    let id = b["id"].as_i64().unwrap();
    let business = child(&b, BUSINESS)["case_id"].as_i64().unwrap();
    issue(&t, business).await;
    let b = t
        .get(&format!("/api/v1/bundles/{id}"), &applicant)
        .await
        .body;
    // The liquor permit also waits for the food permit.
    assert_eq!(child(&b, "510107-SWJ-001")["state"], "waiting");
    let food = child(&b, FOOD)["case_id"].as_i64().unwrap();
    // Deny the food permit at approval.
    while {
        let staff = t.login("supervisor").await;
        let c = t.get(&format!("/api/v1/cases/{food}"), &staff).await.body;
        c["status"] != "approval"
    } {
        step(&t, food).await;
    }
    let approver = t.login("approver").await;
    let r = t
        .act(food, &approver, "deny", Some("经营场所不符合食品安全要求"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let b = t
        .get(&format!("/api/v1/bundles/{id}"), &applicant)
        .await
        .body;
    assert_eq!(child(&b, "510107-SWJ-001")["state"], "cancelled", "{b}");
    assert!(b["on_denial_note"].as_str().unwrap().contains("不再办理"));
    // The entertainment permit is still being handled; once it ends, the bundle stops.
    let venue = child(&b, "510107-WGLT-002")["case_id"].as_i64().unwrap();
    issue(&t, venue).await;
    let b = t
        .get(&format!("/api/v1/bundles/{id}"), &applicant)
        .await
        .body;
    assert_eq!(b["status"], "stopped", "{b}");
    assert!(b["status_label"].as_str().unwrap().contains("终止"));
    let supervisor = t.login("supervisor").await;
    let figure = t.get("/api/v1/analytics/themes", &supervisor).await;
    assert_eq!(
        (
            &figure.body["total"]["finished"],
            &figure.body["total"]["stopped"]
        ),
        (&json!(1), &json!(1)),
        "{:?}",
        figure.body
    );
    t.finish().await;
}

#[tokio::test]
async fn a_bundle_asks_only_what_its_theme_has() {
    let t = TestApp::start().await;
    let applicant = t.login("jinjiang_books").await;
    let r = t
        .post(
            "/api/v1/bundles",
            &applicant,
            json!({"theme": "T-NOTHING", "form": {}}),
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
    let r = t
        .post(
            "/api/v1/bundles",
            &applicant,
            json!({"theme": "T-RESTAURANT", "form": {"shoe_size": 42}, "materials": {"S99": {"file": "x"}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    let fields: Vec<&str> = r.body["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["field"].as_str())
        .collect();
    assert_eq!(fields, ["shoe_size", "materials.S99"], "{:?}", r.body);
    // A wrong field of one item names the item.
    let plan = t.get("/api/v1/themes/T-RESTAURANT", &applicant).await.body;
    let mut form = form_for(&plan);
    form["food_items"] = json!("");
    let materials = materials(&t, &applicant, &plan).await;
    let r = t
        .post(
            "/api/v1/bundles",
            &applicant,
            json!({"theme": "T-RESTAURANT", "form": form, "materials": materials}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("食品经营许可"),
        "{:?}",
        r.body
    );
    // Nothing was written: no bundle, no case.
    let mine = t.get("/api/v1/bundles", &applicant).await;
    assert!(mine.body["bundles"].as_array().unwrap().is_empty());
    let cases = t.get("/api/v1/cases", &applicant).await;
    assert!(cases.body["cases"].as_array().unwrap().is_empty());
    // A body is an object, never an array read as the fields in order.
    let r = t
        .post("/api/v1/bundles", &applicant, json!(["T-RESTAURANT"]))
        .await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    // Staff do not apply for themselves.
    let clerk = t.login("clerk").await;
    let r = t
        .post("/api/v1/bundles", &clerk, json!({"theme": "T-RESTAURANT"}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    t.finish().await;
}

#[tokio::test]
async fn a_cyclic_theme_is_refused_at_import_naming_the_theme_and_the_cycle() {
    let t = TestApp::start().await;
    let admin = t.login("admin").await;
    let mut cat = t
        .call(Method::GET, "/api/v1/catalogue", None, None)
        .await
        .body;
    let bar = cat["themes"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|th| th["code"] == "T-BAR")
        .unwrap();
    bar["waits_for"][BUSINESS] = json!(["510107-SWJ-001"]);
    let r = t.post("/api/v1/catalogue", &admin, cat).await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_catalogue");
    let message = r.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("T-BAR"), "{message}");
    assert!(
        message.contains(&format!("{BUSINESS} → 510107-SWJ-001 → {BUSINESS}")),
        "{message}"
    );
    t.finish().await;
}

#[tokio::test]
async fn the_bookshop_runs_both_permits_after_the_business_licence() {
    let t = TestApp::start().await;
    let applicant = t.login("jinjiang_books").await;
    let b = apply(&t, &applicant, "T-BOOKSHOP").await;
    let id = b["id"].as_i64().unwrap();
    issue(&t, child(&b, BUSINESS)["case_id"].as_i64().unwrap()).await;
    let b = t
        .get(&format!("/api/v1/bundles/{id}"), &applicant)
        .await
        .body;
    for item in ["510107-WGLT-001", FOOD] {
        issue(&t, child(&b, item)["case_id"].as_i64().expect(item)).await;
    }
    let b = t
        .get(&format!("/api/v1/bundles/{id}"), &applicant)
        .await
        .body;
    assert_eq!(b["status"], "issued", "{b}");
    // No combined licence is promised by this theme.
    assert!(b["combined_licence"].is_null());
    t.finish().await;
}

/// Moves a case on until it waits at issuance.
async fn to_issuance(t: &TestApp, id: i64) {
    loop {
        let sup = t.login("supervisor").await;
        let c = t.get(&format!("/api/v1/cases/{id}"), &sup).await.body;
        if c["status"] == "issuance" {
            return;
        }
        step(t, id).await;
    }
}

#[tokio::test]
async fn two_prerequisites_issued_at_once_start_their_dependant_exactly_once() {
    let t = TestApp::start().await;
    let applicant = t.login("jinjiang_books").await;
    // 我要开酒吧: the liquor permit waits for the business licence and the food permit.
    let b = apply(&t, &applicant, "T-BAR").await;
    let id = b["id"].as_i64().unwrap();
    issue(&t, child(&b, BUSINESS)["case_id"].as_i64().unwrap()).await;
    let b = t
        .get(&format!("/api/v1/bundles/{id}"), &applicant)
        .await
        .body;
    let food = child(&b, FOOD)["case_id"].as_i64().unwrap();
    let venue = child(&b, "510107-WGLT-002")["case_id"].as_i64().unwrap();
    to_issuance(&t, food).await;
    to_issuance(&t, venue).await;
    let officer = t.login("officer").await;
    let version = |c: Value| c["version"].as_i64().unwrap();
    let vf = version(t.get(&format!("/api/v1/cases/{food}"), &officer).await.body);
    let vv = version(
        t.get(&format!("/api/v1/cases/{venue}"), &officer)
            .await
            .body,
    );
    let issue_one = |case: i64, v: i64| {
        let t = &t;
        let officer = officer.clone();
        async move {
            t.act_with(
                case,
                &officer,
                "issue",
                json!({"version": v, "opinion": "准予"}),
            )
            .await
        }
    };
    let (a, b2) = tokio::join!(issue_one(food, vf), issue_one(venue, vv));
    let statuses = [a.status, b2.status];
    assert!(
        statuses.contains(&StatusCode::OK),
        "{:?} {:?}",
        a.body,
        b2.body
    );
    // A loser is refused as a conflict, never half done: it is simply taken again.
    for (r, case) in [(&a, food), (&b2, venue)] {
        if r.status != StatusCode::OK {
            assert_error(r, StatusCode::CONFLICT, "version_conflict");
            let v = version(t.get(&format!("/api/v1/cases/{case}"), &officer).await.body);
            let again = t
                .act_with(
                    case,
                    &officer,
                    "issue",
                    json!({"version": v, "opinion": "准予"}),
                )
                .await;
            assert_eq!(again.status, StatusCode::OK, "{:?}", again.body);
        }
    }
    let b = t
        .get(&format!("/api/v1/bundles/{id}"), &applicant)
        .await
        .body;
    assert_eq!(child(&b, "510107-SWJ-001")["state"], "started", "{b}");
    let liquor = t.get("/api/v1/cases?item=510107-SWJ-001", &applicant).await;
    assert_eq!(
        liquor.body["cases"].as_array().unwrap().len(),
        1,
        "{:?}",
        liquor.body
    );
    t.finish().await;
}
