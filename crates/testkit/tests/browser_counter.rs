//! A counter case from intake to issued through the pages only, in headless
//! Chromium: the clerk finds the walk-in applicant at `/counter`, fills the
//! item's form, scans (uploads) a material and accepts with an opinion; the
//! reviewer, the inspector (with a 踏勘记录), the approver and the officer act
//! with their opinions; the applicant sees the licence and the documents.
//! Screenshots of each page at 375 and 1280 px go to `target/screenshots/`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use onestamp_testkit::TestApp;
use onestamp_testkit::browser::*;
use onestamp_testkit::fixtures::{FOOD, food_form, tiny_png};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walk_in_application_goes_from_the_counter_to_issued_through_the_pages() {
    let _one = ONE_BROWSER.lock().await;
    let Some(chromium) = Chromium::launch().await else {
        return;
    };
    let t = TestApp::start().await;
    let base = t.base.clone();
    let page = chromium.browser.new_page("about:blank").await.unwrap();

    // The clerk finds the applicant by credit code.
    become_user(&page, &base, "clerk").await;
    page.goto(format!("{base}/counter")).await.unwrap();
    wait_for(&page, "#counter-find").await;
    assert_fits_a_phone(&page).await;
    shoot(&page, "counter").await;
    fill(&page, "#find-identity", "91510107MA6C11110G").await;
    wait_for(&page, "#find-submit").await.click().await.unwrap();
    wait_for(&page, "#counter-items").await;
    shoot(&page, "counter-applicant").await;
    wait_for(&page, &format!("a.counter-item[data-item='{FOOD}']"))
        .await
        .click()
        .await
        .unwrap();
    wait_for(&page, "#apply-form").await;
    // The item's form, as the applicant dictates it.
    for (key, value) in food_form().as_object().unwrap() {
        let v = match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        page.evaluate(format!(
            "document.getElementById('f-{key}').value = {}",
            serde_json::Value::String(v)
        ))
        .await
        .unwrap();
    }
    // The floor plan, scanned at the window.
    let scan = std::env::temp_dir().join(format!("onestamp-scan-{}.png", std::process::id()));
    std::fs::write(&scan, tiny_png()).unwrap();
    set_files(&page, "#u-M03", std::slice::from_ref(&scan)).await;
    assert_fits_a_phone(&page).await;
    shoot(&page, "counter-form").await;
    wait_for(&page, "#apply-submit")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&page, "form[data-action='accept']").await;
    let path = js(&page, "location.pathname").await;
    let id: i64 = path.trim_start_matches("/cases/").parse().unwrap();
    let materials = js(&page, "document.getElementById('materials').textContent").await;
    assert!(materials.contains("平面布局图"), "{materials}");
    assert!(
        materials.contains(".png"),
        "the scan is on the case: {materials}"
    );
    let channel = js(&page, "document.querySelector('dl.facts').textContent").await;
    assert!(channel.contains("窗口"), "{channel}");
    let _ = std::fs::remove_file(&scan);
    act_on_page(&page, &base, id, "accept", "材料齐全，当场受理。").await;

    become_user(&page, &base, "reviewer").await;
    act_on_page(&page, &base, id, "review", "材料符合法定形式和审查标准。").await;

    // The inspector records the site visit.
    become_user(&page, &base, "inspector").await;
    page.goto(format!("{base}/cases/{id}")).await.unwrap();
    wait_for(&page, "form[data-action='inspect']").await;
    // The visit took place today, by the bureau's clock.
    let today = t.app.today().format("%Y-%m-%d").to_string();
    page.evaluate(format!(
        "document.getElementById('inspection-date').value = '{today}'; \
         document.getElementById('inspection-conclusion').selectedIndex = 1;"
    ))
    .await
    .unwrap();
    fill(&page, "#inspection-place", "成都市武侯区玉林北路12号").await;
    fill(&page, "#inspection-present", "王书香、踏勘员").await;
    fill(&page, "#inspection-findings", "布局合理，设施齐全。").await;
    shoot(&page, "inspector-case").await;
    fill(&page, "#opinion-inspect", "现场与申请材料一致。").await;
    wait_for(&page, "form[data-action='inspect'] button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    wait_text(
        &page,
        "document.getElementById('timeline')?.textContent ?? ''",
        "现场与申请材料一致。",
    )
    .await;

    become_user(&page, &base, "approver").await;
    act_on_page(&page, &base, id, "approve", "符合条件，准予许可。").await;
    become_user(&page, &base, "officer").await;
    act_on_page(&page, &base, id, "produce", "证照信息核对无误。").await;
    act_on_page(&page, &base, id, "issue", "已当场送达。").await;
    let status = js(
        &page,
        "document.getElementById('case-status').dataset.status",
    )
    .await;
    assert_eq!(status, "issued");

    // The applicant sees the licence and the documents of the case.
    become_user(&page, &base, "jinjiang_books").await;
    page.goto(format!("{base}/cases/{id}")).await.unwrap();
    wait_for(&page, "#licence-id").await;
    let docs = js(
        &page,
        "document.getElementById('documents')?.textContent ?? ''",
    )
    .await;
    for kind in ["受理回执", "受理通知书", "踏勘记录"] {
        assert!(docs.contains(kind), "{kind} in {docs}");
    }
    shoot(&page, "counter-case-issued").await;
    assert_fits_a_phone(&page).await;
    chromium.close().await;
}
