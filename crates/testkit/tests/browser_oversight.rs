//! The supervisor's, the administrator's and the regulator's pages in a real
//! headless Chromium at a phone's width: a supervisor reassigns a red task with
//! a reason through its form, an administrator puts a member of staff on leave,
//! and every page fits the phone; screenshots of each page at both widths.
//!
//! Chromium is driven through [`onestamp_testkit::browser`]; without one the
//! tests are skipped, except under CI (`CI` set), where they fail.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use onestamp_app::users::UserForm;
use onestamp_domain::assignment::StaffProfile;
use onestamp_domain::role::Role;
use onestamp_testkit::browser::*;
use onestamp_testkit::fixtures::{BOOKS, SOLE_TRADER, books_form};
use onestamp_testkit::{TestApp, json};

/// The steps that take a sole-trader registration to its licence.
const ISSUE: [(&str, &str); 4] = [
    ("clerk", "accept"),
    ("approver", "approve"),
    ("officer", "produce"),
    ("officer", "issue"),
];

fn sole_trader() -> serde_json::Value {
    json!({
        "entity_name": "武侯区玉林小面馆", "operator_name": "张三",
        "operator_id": "510107199003071236", "mobile": "13800281234",
        "address": "成都市武侯区玉林街道玉林北路12号", "organisation_form": "个人经营",
        "staff_count": 2.0, "business_scope": "小吃服务"
    })
}

async fn click(page: &chromiumoxide::Page, selector: &str) {
    wait_for(page, selector).await.click().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_reassigns_a_red_task_with_a_reason() {
    let _one = ONE_BROWSER.lock().await;
    let Some(chromium) = Chromium::launch().await else {
        return;
    };
    let t = TestApp::start().await;
    let clerk_2 = t
        .app
        .save_user(
            None,
            UserForm {
                username: "clerk2".into(),
                display_name: "受理员 周敏".into(),
                roles: vec![Role::Clerk],
                identity: String::new(),
                identity_kind: None,
                mobile: String::new(),
                password: "demo".into(),
            },
        )
        .await
        .unwrap();
    t.app
        .set_staff_profile(
            None,
            clerk_2.id,
            StaffProfile {
                available: true,
                departments: vec!["*".into()],
                items: vec![],
                certificates: vec!["出版物经营许可审查员".into()],
            },
        )
        .await
        .unwrap();
    let mut ids = Vec::new();
    for who in ["zhangsan", "lisi"] {
        let (id, _, _) = t
            .file_through(
                who,
                json!({"item": BOOKS, "channel": "web", "form": books_form()}),
                &[],
            )
            .await;
        ids.push(id);
    }
    t.clock.advance(chrono::Duration::days(10));
    t.app.run_due_timers().await.unwrap();

    let page = chromium.browser.new_page("about:blank").await.unwrap();
    log_in_as(&page, &t.base, "supervisor", "监察 周涛").await;
    page.goto(format!("{}/supervision", t.base)).await.unwrap();
    wait_for(&page, "#late-tasks").await;
    assert_fits_a_phone(&page).await;
    shoot(&page, "supervision").await;

    let id = ids[0];
    let row = format!("tr[data-case=\"{id}\"] + tr.ops");
    click(&page, &format!("{row} summary")).await;
    js(
        &page,
        &format!(
            "(() => {{ const s = document.getElementById('assignee-{id}'); s.value = '{}'; return 'ok'; }})()",
            clerk_2.id
        ),
    )
    .await;
    fill(
        &page,
        &format!("#reason-{id}"),
        "原承办人外出培训，为免超时改派",
    )
    .await;
    click(
        &page,
        &format!("{row} form[data-form=reassign] input[name=confirm]"),
    )
    .await;
    shoot(&page, "supervision-reassign").await;
    click(&page, &format!("{row} form[data-form=reassign] button")).await;
    wait_text(
        &page,
        "document.getElementById('case-number')?.textContent ?? ''",
        "510107-",
    )
    .await;
    let token = t.login("supervisor").await;
    let case = t.get(&format!("/api/v1/cases/{id}"), &token).await;
    assert_eq!(case.body["task"]["assignee"], json!(clerk_2.id));

    page.goto(format!("{}/supervision/workload", t.base))
        .await
        .unwrap();
    wait_for(&page, "#workload").await;
    assert_fits_a_phone(&page).await;
    shoot(&page, "supervision-workload").await;

    page.goto(format!("{}/supervision/alerts", t.base))
        .await
        .unwrap();
    wait_for(&page, "#alerts").await;
    assert_fits_a_phone(&page).await;
    shoot(&page, "supervision-alerts").await;

    page.goto(format!("{}/supervision/quality", t.base))
        .await
        .unwrap();
    wait_for(&page, "#draw-form").await;
    assert_fits_a_phone(&page).await;
    shoot(&page, "supervision-quality").await;
    chromium.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_puts_a_reviewer_on_leave_and_a_regulator_reads_the_licences() {
    let _one = ONE_BROWSER.lock().await;
    let Some(chromium) = Chromium::launch().await else {
        return;
    };
    let t = TestApp::start().await;
    t.file_through(
        "zhangsan",
        json!({"item": SOLE_TRADER, "channel": "counter", "form": sole_trader()}),
        &ISSUE,
    )
    .await;
    let admin_token = t.login("admin").await;
    let admin_session = t.app.authenticate(&admin_token).await.unwrap();
    let reviewer = t
        .app
        .list_users(&admin_session)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username == "reviewer")
        .unwrap();

    let page = chromium.browser.new_page("about:blank").await.unwrap();
    log_in_as(&page, &t.base, "admin", "系统管理员").await;
    page.goto(format!("{}/admin", t.base)).await.unwrap();
    wait_for(&page, "#users").await;
    assert_fits_a_phone(&page).await;
    shoot(&page, "admin-users").await;
    let row = format!("#user-{} + tr.ops", reviewer.id);
    click(&page, &format!("{row} summary")).await;
    click(&page, &format!("{row} input[name=available][value=no]")).await;
    click(&page, &format!("{row} form button")).await;
    wait_text(
        &page,
        &format!(
            "document.querySelector('#user-{} .duty')?.textContent ?? ''",
            reviewer.id
        ),
        "休假",
    )
    .await;
    let profile = t
        .app
        .staff_profile(&admin_session, reviewer.id)
        .await
        .unwrap();
    assert!(!profile.available);
    assert!(!profile.certificates.is_empty(), "qualifications kept");

    page.goto(format!("{}/admin/catalogue", t.base))
        .await
        .unwrap();
    wait_for(&page, "#import-form").await;
    assert_fits_a_phone(&page).await;
    shoot(&page, "admin-catalogue").await;

    // One browser, one cookie jar: the administrator logs out first.
    click(&page, "header form.inline button").await;
    wait_for(&page, "#login-link").await;
    log_in_as(&page, &t.base, "regulator", "吴芳").await;
    page.goto(format!("{}/regulation", t.base)).await.unwrap();
    wait_for(&page, "#licences").await;
    assert_fits_a_phone(&page).await;
    shoot(&page, "regulation").await;
    click(&page, "#licences a").await;
    wait_for(&page, "#licence").await;
    assert_fits_a_phone(&page).await;
    shoot(&page, "regulation-licence").await;
    chromium.close().await;
}
