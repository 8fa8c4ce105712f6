//! The applicant portal in a real headless Chromium at a phone's width: logging
//! in through the login page, the live checks of the application form (the
//! reason appears beside the field while typing, a tick once the value is valid,
//! nothing submitted), and a whole application filled in and submitted, landing
//! on the case page with its number and status in Chinese.
//!
//! Chromium is driven through [`onestamp_testkit::browser`]; without one the
//! tests are skipped, except under CI (`CI` set), where they fail.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]
use onestamp_testkit::TestApp;
use onestamp_testkit::browser::*;
use onestamp_testkit::fixtures::SOLE_TRADER;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_checks_identity_numbers_and_mobiles_while_the_applicant_types() {
    let _one = ONE_BROWSER.lock().await;
    let Some(chromium) = Chromium::launch().await else {
        return;
    };
    let t = TestApp::start().await;
    let page = chromium.browser.new_page("about:blank").await.unwrap();
    log_in(&page, &t.base, "zhangsan").await;

    let apply = format!("{}/items/{SOLE_TRADER}/apply", t.base);
    page.goto(apply.as_str()).await.unwrap();
    wait_for(&page, "#f-operator_id").await;
    assert_fits_a_phone(&page).await;
    shoot(&page, "apply-form").await;

    // A wrong check character: the reason appears beside the field, nothing is sent.
    fill(&page, "#f-operator_id", "510107199003071237").await;
    let reason = wait_text(&page, &beside("operator_id"), "校验码错误").await;
    assert!(reason.contains("应为 6"), "{reason}");
    assert_eq!(
        js(
            &page,
            "document.getElementById('f-operator_id').getAttribute('aria-invalid') ?? ''"
        )
        .await,
        "true"
    );
    // A date of birth that does not exist.
    fill(&page, "#f-operator_id", "510107199002301231").await;
    wait_text(&page, &beside("operator_id"), "出生日期不存在").await;
    // Corrected: marked valid.
    fill(&page, "#f-operator_id", "510107199003071236").await;
    wait_text(&page, &beside("operator_id"), "✓").await;

    fill(&page, "#f-mobile", "12800281234").await;
    wait_text(&page, &beside("mobile"), "手机号码应以 13").await;
    fill(&page, "#f-mobile", "13800281234").await;
    wait_text(&page, &beside("mobile"), "✓").await;

    // An address outside the district is only advised on.
    fill(&page, "#f-address", "北京市海淀区中关村大街1号").await;
    wait_text(&page, &beside("address"), "提示").await;

    assert_eq!(
        js(&page, "location.href").await,
        apply,
        "nothing was submitted"
    );
    let submit_disabled = js(
        &page,
        "String(document.getElementById('apply-submit').disabled)",
    )
    .await;
    assert_eq!(submit_disabled, "false", "the submit button stays usable");
    let cases = t.login("zhangsan").await;
    let list = t.get("/api/v1/cases", &cases).await;
    assert_eq!(list.body["cases"], onestamp_testkit::json!([]));
    chromium.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicant_fills_in_and_submits_an_application_and_sees_the_case() {
    let _one = ONE_BROWSER.lock().await;
    let Some(chromium) = Chromium::launch().await else {
        return;
    };
    let t = TestApp::start().await;
    let page = chromium.browser.new_page("about:blank").await.unwrap();
    log_in(&page, &t.base, "zhangsan").await;

    // From the catalogue to the guide to the form, as an applicant would.
    page.goto(format!("{}/items", t.base)).await.unwrap();
    wait_for(&page, &format!("a[href='/items/{SOLE_TRADER}']"))
        .await
        .click()
        .await
        .unwrap();
    wait_for(&page, "#apply-link").await.click().await.unwrap();
    wait_for(&page, "#f-operator_name").await;

    fill(&page, "#f-entity_name", "武侯区玉林小面馆").await;
    fill(&page, "#f-operator_name", "张三").await;
    fill(&page, "#f-operator_id", "510107199003071236").await;
    fill(&page, "#f-mobile", "13800281234").await;
    fill(&page, "#f-address", "成都市武侯区玉林街道玉林北路12号").await;
    page.evaluate("document.getElementById('f-organisation_form').value = '个人经营'")
        .await
        .unwrap();
    fill(&page, "#f-staff_count", "2").await;
    fill(&page, "#f-business_scope", "小吃服务；预包装食品销售").await;
    wait_text(&page, &beside("operator_id"), "✓").await;
    wait_text(&page, &beside("address"), "✓").await;

    wait_for(&page, "#apply-submit")
        .await
        .click()
        .await
        .unwrap();
    let number = wait_text(
        &page,
        "document.getElementById('case-number')?.textContent ?? ''",
        "510107-20260302-",
    )
    .await;
    let status = js(&page, "document.getElementById('case-status').textContent").await;
    assert_eq!(status, "预审");
    let path = js(&page, "location.pathname").await;
    assert!(path.starts_with("/cases/"), "{path}");
    assert_fits_a_phone(&page).await;
    shoot(&page, "case").await;
    let timeline = js(&page, "document.getElementById('timeline').textContent").await;
    assert!(timeline.contains("提交申请"), "{timeline}");

    // The same case through the API, filed from a phone-sized page by the same use case.
    let token = t.login("zhangsan").await;
    let id = path.trim_start_matches("/cases/");
    let case = t.get(&format!("/api/v1/cases/{id}"), &token).await;
    assert_eq!(case.body["number"], number.trim());
    assert_eq!(case.body["form"]["operator_name"], "张三");
    assert_eq!(
        case.body["form"]["business_scope"],
        "小吃服务；预包装食品销售"
    );
    assert_eq!(case.body["form"]["staff_count"], 2.0);
    chromium.close().await;
}

/// A clerk opens a counter case in the browser, picks a common opinion in the
/// 受理 panel and accepts; the refusal panels stand apart and ask for a reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_accepts_a_case_from_its_page_with_a_common_opinion() {
    let _one = ONE_BROWSER.lock().await;
    let Some(chromium) = Chromium::launch().await else {
        return;
    };
    let t = TestApp::start().await;
    let applicant = t.login("zhangsan").await;
    let r = t
        .post(
            "/api/v1/cases",
            &applicant,
            onestamp_testkit::json!({"item": SOLE_TRADER, "channel": "counter",
                "form": onestamp_testkit::fixtures::sole_trader_form()}),
        )
        .await;
    let id = r.body["id"].as_i64().unwrap();
    let page = chromium.browser.new_page("about:blank").await.unwrap();
    page.goto(format!("{}/login", t.base)).await.unwrap();
    fill(&page, "#username", "clerk").await;
    fill(&page, "#password", "demo").await;
    wait_for(&page, "#login-submit")
        .await
        .click()
        .await
        .unwrap();
    wait_text(&page, "location.pathname", "/workbench").await;
    wait_for(&page, "#task-table").await;
    assert_fits_a_phone(&page).await;
    shoot(&page, "workbench").await;
    page.goto(format!("{}/workbench/search", t.base))
        .await
        .unwrap();
    wait_for(&page, "#search-results").await;
    assert_fits_a_phone(&page).await;
    shoot(&page, "search").await;
    page.goto(format!("{}/cases/{id}", t.base)).await.unwrap();
    wait_for(&page, "form[data-action='accept']").await;
    assert_fits_a_phone(&page).await;
    shoot(&page, "staff-case").await;
    let negative = js(
        &page,
        "String(document.querySelector(\"form[data-action='not_accept']\").classList.contains('negative'))",
    )
    .await;
    assert_eq!(negative, "true");
    page.evaluate("document.getElementById('template-accept').selectedIndex = 1")
        .await
        .unwrap();
    wait_for(&page, "form[data-action='accept'] button")
        .await
        .click()
        .await
        .unwrap();
    wait_text(
        &page,
        "document.getElementById('timeline')?.textContent ?? ''",
        "申请材料齐全，符合法定形式，予以受理。",
    )
    .await;
    let status = js(&page, "document.getElementById('case-status').textContent").await;
    assert_eq!(status, "核准");
    chromium.close().await;
}
