//! The inbox (站内消息) in headless Chromium: after a case went from submission
//! to issue, the applicant's header shows the unread count, `/messages` lists
//! each stage newest first, opening one goes to the case and counts it read,
//! and 全部标为已读 clears the badge. Screenshots at 375 and 1280 px go to
//! `target/screenshots/`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use onestamp_testkit::browser::*;
use onestamp_testkit::fixtures::{SOLE_TRADER, sole_trader_form};
use onestamp_testkit::{TestApp, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_applicant_reads_each_stage_of_their_case_in_the_inbox() {
    let _one = ONE_BROWSER.lock().await;
    let Some(chromium) = Chromium::launch().await else {
        return;
    };
    let t = TestApp::start().await;
    let (id, _, _) = t
        .file_through(
            "zhangsan",
            json!({"item": SOLE_TRADER, "channel": "web", "form": sole_trader_form()}),
            &[
                ("clerk", "accept"),
                ("approver", "approve"),
                ("officer", "produce"),
                ("officer", "issue"),
            ],
        )
        .await;
    t.app.deliver_inbox().await.unwrap();
    let base = t.base.clone();
    let page = chromium.browser.new_page("about:blank").await.unwrap();
    become_user(&page, &base, "zhangsan").await;
    let badge = "document.getElementById('unread-badge')?.textContent ?? ''";
    wait_text(&page, badge, "5").await;

    page.goto(format!("{base}/messages")).await.unwrap();
    wait_for(&page, "#messages").await;
    assert_fits_a_phone(&page).await;
    shoot(&page, "messages").await;
    let subjects = js(
        &page,
        "[...document.querySelectorAll('li.message .subject')].map(e => e.textContent).join('|')",
    )
    .await;
    let order: Vec<&str> = subjects.split('|').collect();
    assert_eq!(order.len(), 5, "{subjects}");
    assert!(order[0].starts_with("证照已发放"), "{subjects}");
    assert!(order[4].starts_with("申请已提交"), "{subjects}");
    assert_eq!(
        js(
            &page,
            "String(document.querySelectorAll('li.message.unread').length)"
        )
        .await,
        "5"
    );

    // Opening the newest goes to the case and counts it read.
    wait_for(&page, "li.message button.open-message")
        .await
        .click()
        .await
        .unwrap();
    wait_text(&page, "location.pathname", &format!("/cases/{id}")).await;
    wait_text(&page, badge, "4").await;

    page.goto(format!("{base}/messages")).await.unwrap();
    wait_for(&page, "#read-all").await.click().await.unwrap();
    wait_text(
        &page,
        "document.getElementById('unread-count')?.textContent ?? ''",
        "没有未读消息",
    )
    .await;
    assert_eq!(js(&page, badge).await, "");
    shoot(&page, "messages-read").await;

    // Staff see the tasks given to them.
    become_user(&page, &base, "approver").await;
    page.goto(format!("{base}/messages")).await.unwrap();
    wait_for(&page, "#messages").await;
    let text = js(&page, "document.getElementById('messages').innerText").await;
    assert!(text.contains("新的核准任务"), "{text}");
    chromium.close().await;
}
