//! The hall in headless Chromium: an applicant takes a ticket on the phone
//! page, checks in after scanning the hall's code, follows it; the clerk takes
//! window 1, calls it — the display in another tab shows it within a second —,
//! recalls it, and opens counter intake from the ticket, whose case ends it.
//! Screenshots at 375 and 1280 px go to `target/screenshots/`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use std::time::{Duration, Instant};

use onestamp_domain::hall::TicketStatus;
use onestamp_testkit::TestApp;
use onestamp_testkit::browser::*;
use onestamp_testkit::fixtures::{SOLE_TRADER, sole_trader_form};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_ticket_is_called_shown_on_the_display_and_ends_with_a_counter_case() {
    let _one = ONE_BROWSER.lock().await;
    let Some(chromium) = Chromium::launch().await else {
        return;
    };
    let t = TestApp::start().await;
    let base = t.base.clone();
    let page = chromium.browser.new_page("about:blank").await.unwrap();

    // 张三 takes a ticket on the phone.
    become_user(&page, &base, "zhangsan").await;
    page.goto(format!("{base}/tickets")).await.unwrap();
    wait_for(&page, "#take-form").await;
    page.evaluate(format!(
        "document.getElementById('item').value = '{SOLE_TRADER}'"
    ))
    .await
    .unwrap();
    assert_fits_a_phone(&page).await;
    shoot(&page, "hall-tickets").await;
    wait_for(&page, "#take").await.click().await.unwrap();
    wait_text(
        &page,
        "document.getElementById('ticket-label')?.textContent ?? ''",
        "A001",
    )
    .await;
    let status = js(
        &page,
        "document.getElementById('ticket-status').textContent",
    )
    .await;
    assert_eq!(status, "待签到");
    assert_fits_a_phone(&page).await;
    shoot(&page, "hall-ticket-taken").await;

    // At the hall, the QR code leads to /tickets?code=…: 签到.
    let clerk_token = t.login("clerk").await;
    let clerk = t.app.authenticate(&clerk_token).await.unwrap();
    let code = t.app.hall_checkin_code(&clerk).await.unwrap();
    page.goto(format!("{base}/tickets?code={code}"))
        .await
        .unwrap();
    wait_for(&page, "#checkin-hint").await;
    let id = t.store.open_tickets(t.app.today()).await.unwrap()[0].id;
    wait_for(&page, &format!("#checkin-{id}"))
        .await
        .click()
        .await
        .unwrap();
    wait_for(&page, "#ahead").await;
    let ahead = js(&page, "document.getElementById('ahead').textContent").await;
    assert!(ahead.contains("前面还有 0 人"), "{ahead}");
    shoot(&page, "hall-ticket-waiting").await;

    // The hall's display, in a tab of its own.
    let display = chromium.browser.new_page("about:blank").await.unwrap();
    display.goto(format!("{base}/hall/display")).await.unwrap();
    wait_for(&display, "#calls").await;
    // Its stream is open once the script ran.
    tokio::time::sleep(Duration::from_millis(800)).await;
    page.bring_to_front().await.unwrap();

    // The clerk takes window 1 and calls.
    become_user(&page, &base, "clerk").await;
    page.goto(format!("{base}/hall/window")).await.unwrap();
    wait_for(&page, "#sit-1").await.click().await.unwrap();
    wait_for(&page, "#call").await;
    shoot(&page, "hall-window-idle").await;
    let called_at = Instant::now();
    wait_for(&page, "#call").await.click().await.unwrap();
    wait_text(
        &page,
        "document.getElementById('current-label')?.textContent ?? ''",
        "A001",
    )
    .await;
    wait_text(
        &display,
        "document.getElementById('voice').textContent",
        "请A001号到1号窗口办理",
    )
    .await;
    let shown = called_at.elapsed();
    eprintln!("the display showed the call {shown:?} after the click");
    assert!(
        shown < Duration::from_secs(2),
        "{shown:?} (the click and the page's reload included)"
    );
    let applicant = js(
        &page,
        "document.getElementById('current-applicant').textContent",
    )
    .await;
    assert_eq!(applicant, "张三");
    assert_fits_a_phone(&page).await;
    shoot(&page, "hall-window-called").await;
    display.bring_to_front().await.unwrap();
    shoot(&display, "hall-display").await;
    page.bring_to_front().await.unwrap();

    // 重呼 once the interval is over.
    t.clock.advance(chrono::Duration::seconds(31));
    page.goto(format!("{base}/hall/window/1")).await.unwrap();
    wait_for(&page, "#recall").await.click().await.unwrap();
    wait_text(
        &page,
        "document.getElementById('current')?.textContent ?? ''",
        "已重呼 1 次",
    )
    .await;
    wait_text(
        &display,
        "document.querySelector('#calls tbody tr').textContent",
        "重呼",
    )
    .await;

    // 受理: counter intake with the ticket's applicant and item.
    wait_for(&page, "#intake").await.click().await.unwrap();
    wait_for(&page, "#apply-form").await;
    let who = js(&page, "document.getElementById('counter-for').textContent").await;
    assert!(who.contains("张三"), "{who}");
    for (key, value) in sole_trader_form().as_object().unwrap() {
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
    wait_for(&page, "#apply-submit")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&page, "form[data-action='accept']").await;
    let path = js(&page, "location.pathname").await;
    let case_id: i64 = path.trim_start_matches("/cases/").parse().unwrap();
    let ticket = t.store.ticket(id).await.unwrap().unwrap();
    assert_eq!(ticket.status, TicketStatus::Done);
    assert_eq!(ticket.case_id, Some(case_id));
    assert_eq!(ticket.recalls, 1);

    // The window is free again.
    page.goto(format!("{base}/hall/window/1")).await.unwrap();
    wait_for(&page, "#idle").await;
    chromium.close().await;
}
