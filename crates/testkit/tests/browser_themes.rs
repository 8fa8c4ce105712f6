//! A theme in headless Chromium (一件事一次办): the applicant reads 我要开餐馆,
//! applies through its one form with one upload per shared material, sees
//! one bundle; the business licence is issued, which starts the food and the
//! advertising permits at once in their own departments; both are handled in
//! parallel; the applicant sees one timeline and the combined licence, whose
//! verification lists every permit. Screenshots at 375 and 1280 px go to
//! `target/screenshots/`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use reqwest::StatusCode;
use serde_json::{Value, json};

use onestamp_testkit::TestApp;
use onestamp_testkit::browser::*;
use onestamp_testkit::fixtures::tiny_png;

const BUSINESS: &str = "510107-SCJG-001";
const FOOD: &str = "510107-SCJG-004";
const ADS: &str = "510107-ZHZF-001";

fn values() -> Value {
    json!({
        "entity_name": "成都锦江书香文化有限公司",
        "company_type": "有限责任公司（自然人投资或控股）",
        "registered_capital": "50",
        "legal_rep_name": "王书香",
        "legal_rep_id": "510107199003071236",
        "mobile": "13800281234",
        "address": "成都市武侯区玉林街道玉林北路12号",
        "business_scope": "餐饮服务；食品销售",
        "credit_code": "91510107MA6C11110G",
        "business_type": "餐饮服务经营者",
        "food_items": "热食类食品制售",
        "area": "85",
        "ad_form": "墙面广告",
        "ad_area": "6",
        "period_months": "12"
    })
}

fn step_of(status: &str) -> (&'static str, &'static str) {
    match status {
        "pre_review" | "intake" => ("clerk", "accept"),
        "review" => ("reviewer", "review"),
        "inspection" => ("inspector", "inspect"),
        "approval" => ("approver", "approve"),
        "production" => ("officer", "produce"),
        "issuance" => ("officer", "issue"),
        other => panic!("no step from {other}"),
    }
}

async fn step(t: &TestApp, id: i64) -> String {
    let sup = t.login("supervisor").await;
    let case = t.get(&format!("/api/v1/cases/{id}"), &sup).await.body;
    let (user, action) = step_of(case["status"].as_str().unwrap());
    let token = t.login(user).await;
    let r = t.act(id, &token, action, Some("符合要求")).await;
    assert_eq!(r.status, StatusCode::OK, "{user} {action}: {:?}", r.body);
    r.body["status"].as_str().unwrap().to_string()
}

fn child(b: &Value, item: &str) -> Value {
    b["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["item_code"] == item)
        .cloned()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicant_applies_for_a_theme_once_and_gets_one_combined_licence() {
    let _one = ONE_BROWSER.lock().await;
    let Some(chromium) = Chromium::launch().await else {
        return;
    };
    let t = TestApp::start().await;
    let base = t.base.clone();
    let files = tempfile::tempdir().unwrap();
    let scan = files.path().join("扫描件.png");
    std::fs::write(&scan, tiny_png()).unwrap();
    let page = chromium.browser.new_page("about:blank").await.unwrap();
    become_user(&page, &base, "jinjiang_books").await;

    // The theme's guide says what it saves; the home page links it.
    page.goto(format!("{base}/")).await.unwrap();
    wait_for(&page, "a[href='/themes/T-RESTAURANT']")
        .await
        .click()
        .await
        .unwrap();
    wait_text(
        &page,
        "document.getElementById('theme-name')?.textContent ?? ''",
        "我要开餐馆",
    )
    .await;
    let savings = js(
        &page,
        "document.getElementById('theme-savings').textContent",
    )
    .await;
    assert!(
        savings.contains("申请表") && savings.contains("%"),
        "{savings}"
    );
    assert_fits_a_phone(&page).await;
    shoot(&page, "theme-guide").await;

    // One form: each field once, the organisation's own code already in it.
    wait_for(&page, "#theme-apply").await.click().await.unwrap();
    wait_for(&page, "#apply-form").await;
    assert_eq!(
        js(&page, "document.getElementById('f-credit_code').value").await,
        "91510107MA6C11110G"
    );
    let keys = js(
        &page,
        "JSON.stringify([...document.querySelectorAll('[name^=\"f.\"]')].map(e => e.name))",
    )
    .await;
    let keys: Vec<String> = serde_json::from_str(&keys).unwrap();
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), keys.len(), "each field once: {keys:?}");
    for (key, value) in values().as_object().unwrap() {
        let set = format!(
            "(() => {{ const e = document.getElementById('f-{key}'); if (e) e.value = {}; }})()",
            value
        );
        page.evaluate(set).await.unwrap();
    }
    let materials = js(
        &page,
        "JSON.stringify([...document.querySelectorAll('input[type=file]')].map(e => e.id))",
    )
    .await;
    let materials: Vec<String> = serde_json::from_str(&materials).unwrap();
    assert!(materials.len() >= 8, "{materials:?}");
    for id in &materials {
        set_files(&page, &format!("#{id}"), std::slice::from_ref(&scan)).await;
    }
    assert_fits_a_phone(&page).await;
    shoot(&page, "theme-apply").await;
    wait_for(&page, "#apply-submit")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&page, "#bundle-number").await;
    let path = js(&page, "location.pathname").await;
    let id: i64 = path.trim_start_matches("/bundles/").parse().unwrap();
    let waiting = js(
        &page,
        "String(document.querySelectorAll('tr[data-state=waiting]').length)",
    )
    .await;
    assert_eq!(waiting, "2");
    shoot(&page, "bundle-started").await;

    // The business licence is issued: both waiting permits start at once.
    let owner = t.login("jinjiang_books").await;
    let b = t.get(&format!("/api/v1/bundles/{id}"), &owner).await.body;
    let business = child(&b, BUSINESS)["case_id"].as_i64().unwrap();
    while step(&t, business).await != "issued" {}
    let b = t.get(&format!("/api/v1/bundles/{id}"), &owner).await.body;
    let food = child(&b, FOOD);
    let ads = child(&b, ADS);
    assert_eq!(food["state"], "started");
    assert_eq!(ads["state"], "started");
    assert_ne!(food["department"], ads["department"]);
    let (food, ads) = (
        food["case_id"].as_i64().unwrap(),
        ads["case_id"].as_i64().unwrap(),
    );
    // Handled in parallel: each step of one between the steps of the other,
    // both open with their own task and clock.
    loop {
        let f = step(&t, food).await;
        let a = step(&t, ads).await;
        if f == "issued" && a == "issued" {
            break;
        }
        if f == "issued" {
            while step(&t, ads).await != "issued" {}
            break;
        }
        if a == "issued" {
            while step(&t, food).await != "issued" {}
            break;
        }
    }

    page.goto(format!("{base}/bundles/{id}")).await.unwrap();
    wait_text(
        &page,
        "document.getElementById('bundle-status')?.textContent ?? ''",
        "已全部办结出证",
    )
    .await;
    let steps = js(
        &page,
        "String(document.querySelectorAll('#bundle-timeline li').length)",
    )
    .await;
    assert!(steps.parse::<usize>().unwrap() >= 15, "{steps}");
    assert_fits_a_phone(&page).await;
    shoot(&page, "bundle-issued").await;
    wait_for(&page, "#combined-verify")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&page, "#permits").await;
    let permits = js(
        &page,
        "String(document.querySelectorAll('#permits tr[data-permit]').length)",
    )
    .await;
    assert_eq!(permits, "3");
    shoot(&page, "combined-verify").await;

    // My cases list the bundle.
    page.goto(format!("{base}/cases")).await.unwrap();
    wait_for(&page, &format!("li[data-bundle='{id}']")).await;
    drop(page);
    chromium.close().await;
    t.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_files_a_theme_at_the_window_for_an_applicant() {
    let _one = ONE_BROWSER.lock().await;
    let Some(chromium) = Chromium::launch().await else {
        return;
    };
    let t = TestApp::start().await;
    let base = t.base.clone();
    let files = tempfile::tempdir().unwrap();
    let scan = files.path().join("窗口扫描.png");
    std::fs::write(&scan, tiny_png()).unwrap();
    let clerk = t.login("clerk").await;
    let who = t
        .get("/api/v1/applicants?identity=91510107MA6C11110G", &clerk)
        .await
        .body;
    let applicant = who["id"].as_i64().expect("the applicant");
    let page = chromium.browser.new_page("about:blank").await.unwrap();
    become_user(&page, &base, "clerk").await;
    page.goto(format!("{base}/counter?applicant={applicant}"))
        .await
        .unwrap();
    wait_for(&page, "a.counter-theme[data-theme='T-BOOKSHOP']")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&page, "#counter-for").await;
    let mut v = values();
    v["publication_scope"] = json!("图书");
    for (key, value) in v.as_object().unwrap() {
        let set = format!(
            "(() => {{ const e = document.getElementById('f-{key}'); if (e) e.value = {}; }})()",
            value
        );
        page.evaluate(set).await.unwrap();
    }
    let materials = js(
        &page,
        "JSON.stringify([...document.querySelectorAll('input[type=file]')].map(e => e.id))",
    )
    .await;
    let materials: Vec<String> = serde_json::from_str(&materials).unwrap();
    for id in &materials {
        set_files(&page, &format!("#{id}"), std::slice::from_ref(&scan)).await;
    }
    shoot(&page, "counter-theme-apply").await;
    wait_for(&page, "#apply-submit")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&page, "#bundle-number").await;
    let path = js(&page, "location.pathname").await;
    let id: i64 = path.trim_start_matches("/bundles/").parse().unwrap();
    let owner = t.login("jinjiang_books").await;
    let b = t.get(&format!("/api/v1/bundles/{id}"), &owner).await.body;
    assert_eq!(b["channel"], "counter", "{b}");
    let business = child(&b, BUSINESS)["case_id"].as_i64().unwrap();
    // At the window the filing clerk takes the intake.
    let case = t
        .get(&format!("/api/v1/cases/{business}"), &clerk)
        .await
        .body;
    assert_eq!(case["status"], "intake", "{case}");
    shoot(&page, "counter-bundle").await;
    drop(page);
    chromium.close().await;
    t.finish().await;
}
