//! Appointments in headless Chromium: an applicant chooses an item, a working
//! day and a slot on the phone page, confirms the held booking, sees it in 我的
//! 预约, and cancels it through the confirmation page (its button POSTs).
//! Screenshots at 375 and 1280 px go to `target/screenshots/`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use onestamp_domain::hall::BookingStatus;
use onestamp_testkit::TestApp;
use onestamp_testkit::browser::*;
use onestamp_testkit::fixtures::SOLE_TRADER;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicant_books_confirms_sees_and_cancels_an_appointment_on_the_pages() {
    let _one = ONE_BROWSER.lock().await;
    let Some(chromium) = Chromium::launch().await else {
        return;
    };
    let t = TestApp::start().await;
    let base = t.base.clone();
    let page = chromium.browser.new_page("about:blank").await.unwrap();
    become_user(&page, &base, "zhangsan").await;

    page.goto(format!("{base}/appointments")).await.unwrap();
    wait_for(&page, "#no-appointments").await;
    assert_fits_a_phone(&page).await;
    shoot(&page, "appointments-empty").await;

    // Step 1: the item.
    wait_for(&page, "#new-appointment")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&page, "#groups").await;
    assert_fits_a_phone(&page).await;
    shoot(&page, "appointment-groups").await;
    wait_for(&page, &format!("a[href$='item={SOLE_TRADER}']"))
        .await
        .click()
        .await
        .unwrap();
    // Step 2: a day — only working days; Saturday 7 March is not offered.
    wait_for(&page, "#days").await;
    let days = js(
        &page,
        "[...document.querySelectorAll('#days [data-date]')].map(e => e.dataset.date).join(',')",
    )
    .await;
    assert!(days.starts_with("2026-03-02,2026-03-03"), "{days}");
    assert!(!days.contains("2026-03-07"), "{days}");
    wait_for(&page, "a[data-date='2026-03-03']")
        .await
        .click()
        .await
        .unwrap();
    // Step 3: a slot with the places left.
    wait_for(&page, "#slots").await;
    let label = js(&page, "document.getElementById('day-label').textContent").await;
    assert!(
        label.contains("3月3日") && label.contains("周二"),
        "{label}"
    );
    assert_fits_a_phone(&page).await;
    shoot(&page, "appointment-slots").await;
    wait_for(&page, "button.appt-slot[data-start^='2026-03-03T01:30']")
        .await
        .click()
        .await
        .unwrap();

    // Held: the confirmation page.
    wait_for(&page, "#confirm").await;
    let when = js(&page, "document.getElementById('booking-when').textContent").await;
    assert!(when.contains("09:30–10:00"), "{when}");
    assert_fits_a_phone(&page).await;
    shoot(&page, "appointment-held").await;
    wait_for(&page, "#confirm").await.click().await.unwrap();
    wait_for(&page, "#done-note").await;
    let status = js(
        &page,
        "document.getElementById('booking-status').textContent",
    )
    .await;
    assert_eq!(status, "已预约");
    shoot(&page, "appointment-confirmed").await;
    let id: i64 = js(&page, "document.getElementById('booking').dataset.booking")
        .await
        .parse()
        .unwrap();

    // 我的预约 lists it.
    wait_for(&page, "#back-list").await.click().await.unwrap();
    wait_for(&page, "#appointments").await;
    let listed = js(
        &page,
        &format!("document.querySelector('[data-booking=\"{id}\"] .badge').textContent"),
    )
    .await;
    assert_eq!(listed, "已预约");
    assert_fits_a_phone(&page).await;
    shoot(&page, "appointments-list").await;

    // The cancel link only shows a page; its button cancels.
    wait_for(&page, &format!("#cancel-link-{id}"))
        .await
        .click()
        .await
        .unwrap();
    wait_for(&page, "#cancel-confirm-button").await;
    assert_eq!(
        t.store.booking(id).await.unwrap().unwrap().status,
        BookingStatus::Confirmed,
        "the link changes nothing"
    );
    assert_fits_a_phone(&page).await;
    shoot(&page, "appointment-cancel").await;
    wait_for(&page, "#cancel-confirm-button")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&page, "#done-note").await;
    let status = js(
        &page,
        "document.getElementById('booking-status').textContent",
    )
    .await;
    assert_eq!(status, "已取消");
    let b = t.store.booking(id).await.unwrap().unwrap();
    assert_eq!(b.status, BookingStatus::Cancelled);
    assert_eq!(b.cancel_reason.as_deref(), Some("本人取消"));

    // A full slot and the limit of two: Chinese refusals, never JSON.
    let zhang = t.login("zhangsan").await;
    for start in ["2026-03-04T01:00:00Z", "2026-03-04T01:30:00Z"] {
        let r = t
            .post(
                "/api/v1/appointments",
                &zhang,
                onestamp_testkit::json!({"group": "A", "start": start}),
            )
            .await;
        assert_eq!(r.status.as_u16(), 201, "{:?}", r.body);
    }
    page.goto(format!("{base}/appointments/new?group=A&date=2026-03-05"))
        .await
        .unwrap();
    wait_for(&page, "button.appt-slot")
        .await
        .click()
        .await
        .unwrap();
    wait_text(
        &page,
        "document.body.textContent",
        "最多同时保留 2 个有效预约",
    )
    .await;
    shoot(&page, "appointment-limit").await;
    chromium.close().await;
}
