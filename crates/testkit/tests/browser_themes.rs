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

/// A second team for the city-management department (综合行政执法局): each
/// role once, handling only its items, while the demo staff keep the others.
/// Every member of staff by id, with the password to log in.
async fn two_teams(t: &TestApp) -> std::collections::BTreeMap<i64, (String, String)> {
    use onestamp_domain::assignment::StaffProfile;
    use onestamp_domain::role::Role;
    let items = t
        .call(reqwest::Method::GET, "/api/v1/items", None, None)
        .await
        .body;
    let certificates: Vec<String> = items
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["qualification"].as_str().map(str::to_string))
        .collect();
    let admin = t.login("admin").await;
    let users = t.get("/api/v1/users", &admin).await.body;
    let mut out = std::collections::BTreeMap::new();
    for u in users.as_array().unwrap() {
        out.insert(
            u["id"].as_i64().unwrap(),
            (
                u["username"].as_str().unwrap().to_string(),
                "demo".to_string(),
            ),
        );
    }
    let others: Vec<String> = ["scjg", "wjj", "wglt", "swj", "zjj", "rsj"]
        .iter()
        .map(|d| d.to_string())
        .collect();
    for (role, name) in [
        (Role::Clerk, "clerk"),
        (Role::Reviewer, "reviewer"),
        (Role::Inspector, "inspector"),
        (Role::Approver, "approver"),
        (Role::Officer, "officer"),
    ] {
        let demo = out
            .iter()
            .find(|(_, (u, _))| u == name)
            .map(|(id, _)| *id)
            .unwrap();
        let keeps = StaffProfile {
            departments: others.clone(),
            certificates: certificates.clone(),
            ..StaffProfile::default()
        };
        t.app.set_staff_profile(None, demo, keeps).await.unwrap();
        let user = t
            .app
            .save_user(
                None,
                onestamp_app::users::UserForm {
                    username: format!("{name}_cg"),
                    display_name: format!("城管 {name}"),
                    roles: vec![role],
                    identity: String::new(),
                    identity_kind: None,
                    mobile: String::new(),
                    password: "city-team-2026".into(),
                },
            )
            .await
            .unwrap();
        let city = StaffProfile {
            departments: vec!["zhzf".into()],
            certificates: certificates.clone(),
            ..StaffProfile::default()
        };
        t.app.set_staff_profile(None, user.id, city).await.unwrap();
        out.insert(user.id, (format!("{name}_cg"), "city-team-2026".into()));
    }
    out
}

/// Moves a case on by one step, taken by whoever holds its task.
async fn step_by_holder(
    t: &TestApp,
    staff: &std::collections::BTreeMap<i64, (String, String)>,
    id: i64,
) -> String {
    let sup = t.login("supervisor").await;
    let case = t.get(&format!("/api/v1/cases/{id}"), &sup).await.body;
    let (_, action) = step_of(case["status"].as_str().unwrap());
    let holder = case["task"]["assignee"].as_i64().expect("an assignee");
    let (username, password) = staff.get(&holder).expect("a known holder");
    let r = t
        .call(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": username, "password": password})),
        )
        .await;
    let token = r.body["token"].as_str().expect("token").to_string();
    let r = t.act(id, &token, action, Some("符合要求")).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{username} {action}: {:?}",
        r.body
    );
    r.body["status"].as_str().unwrap().to_string()
}

/// Fills the form's fields present on the page with `values` and gives `scan`
/// for every material; how many materials the form asks.
async fn fill_in(page: &chromiumoxide::Page, values: &Value, scan: &std::path::Path) -> usize {
    for (key, value) in values.as_object().unwrap() {
        let set = format!(
            "(() => {{ const e = document.getElementById('f-{key}'); if (e) e.value = {value}; }})()"
        );
        page.evaluate(set).await.unwrap();
    }
    let materials = js(
        page,
        "JSON.stringify([...document.querySelectorAll('input[type=file]')].map(e => e.id))",
    )
    .await;
    let materials: Vec<String> = serde_json::from_str(&materials).unwrap();
    for id in &materials {
        set_files(page, &format!("#{id}"), &[scan.to_path_buf()]).await;
    }
    materials.len()
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
    let materials = fill_in(&page, &values(), &scan).await;
    assert!(materials >= 8, "{materials}");
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

    let staff = two_teams(&t).await;
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
    // Handled in parallel by different people: each step of one between the
    // steps of the other, both open with their own task and clock.
    let mut f = String::new();
    let mut a = String::new();
    while f != "issued" || a != "issued" {
        if f != "issued" {
            f = step_by_holder(&t, &staff, food).await;
        }
        if a != "issued" {
            a = step_by_holder(&t, &staff, ads).await;
        }
    }
    let sup = t.login("supervisor").await;
    let handlers = |c: Value| -> std::collections::BTreeSet<i64> {
        c["handlers"]
            .as_object()
            .unwrap()
            .values()
            .filter_map(Value::as_i64)
            .collect()
    };
    let by_food = handlers(t.get(&format!("/api/v1/cases/{food}"), &sup).await.body);
    let by_ads = handlers(t.get(&format!("/api/v1/cases/{ads}"), &sup).await.body);
    assert!(!by_food.is_empty() && !by_ads.is_empty());
    assert!(by_food.is_disjoint(&by_ads), "{by_food:?} {by_ads:?}");

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
    fill_in(&page, &v, &scan).await;
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
