//! 统计分析 in a real headless Chromium: a supervisor opens the dashboard,
//! filters it by department and month, downloads the XLSX of every table with
//! the page's session, and the file, read back, holds the figure the API gives;
//! the hall display fits a phone. Screenshots of both at both widths.
//!
//! Chromium is driven through [`onestamp_testkit::browser`]; without one the
//! test is skipped, except under CI (`CI` set), where it fails.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use std::io::Cursor;

use base64::Engine;
use calamine::{Data, Reader, Xlsx};

use onestamp_testkit::browser::*;
use onestamp_testkit::fixtures::{BOOKS, FOOD, books_form, food_form};
use onestamp_testkit::{TestApp, json};

const PIPELINE: [(&str, &str); 6] = [
    ("clerk", "accept"),
    ("reviewer", "review"),
    ("inspector", "inspect"),
    ("approver", "approve"),
    ("officer", "produce"),
    ("officer", "issue"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_filters_the_dashboard_and_downloads_the_xlsx() {
    let _one = ONE_BROWSER.lock().await;
    let Some(chromium) = Chromium::launch().await else {
        return;
    };
    let t = TestApp::start().await;
    let food = json!({"item": FOOD, "channel": "web", "form": food_form()});
    t.file_through("jinjiang_books", food.clone(), &PIPELINE)
        .await;
    t.file_through("jinjiang_books", food, &[]).await;
    let (books, _, _) = t
        .file_through(
            "jinjiang_books",
            json!({"item": BOOKS, "channel": "mobile", "form": books_form()}),
            &[],
        )
        .await;
    let clerk = t.login("clerk").await;
    t.act(books, &clerk, "not_accept", Some("不属于本局受理范围"))
        .await;

    let page = chromium.browser.new_page("about:blank").await.unwrap();
    log_in_as(&page, &t.base, "supervisor", "监察 周涛").await;
    page.goto(format!("{}/analytics", t.base)).await.unwrap();
    wait_for(&page, "#analytics-filters").await;
    wait_for(&page, "#section-items svg").await;
    assert_fits_a_phone(&page).await;
    shoot(&page, "analytics").await;

    // Filter: the market regulator's items, March 2026.
    js(
        &page,
        "(() => { document.getElementById('f-department').value = 'scjg'; \
         document.getElementById('f-month').value = '2026-03'; return 'ok'; })()",
    )
    .await;
    wait_for(&page, "#f-submit").await.click().await.unwrap();
    wait_text(
        &page,
        "document.getElementById('scope').textContent",
        "市场监督管理局",
    )
    .await;
    wait_for(&page, "#table-volumes_item").await;
    assert_fits_a_phone(&page).await;
    shoot(&page, "analytics-filtered").await;

    // The export link of the page, fetched with the page's own session.
    let href = js(&page, "document.getElementById('export-all').href").await;
    assert!(href.contains("department=scjg"), "{href}");
    let encoded = js(
        &page,
        "fetch(document.getElementById('export-all').href).then(r => r.arrayBuffer()).then(b => { \
         let s = ''; const u = new Uint8Array(b); for (let i = 0; i < u.length; i++) s += String.fromCharCode(u[i]); \
         return btoa(s); })",
    )
    .await;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .expect("the XLSX as base64");
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("an XLSX workbook");
    let sheet = book
        .worksheet_range("按事项统计办件量")
        .expect("the items sheet");
    let cell = |r: usize, c: usize| sheet.get((r, c)).cloned().unwrap_or(Data::Empty);
    assert_eq!(
        cell(1, 0),
        Data::String("统计范围：2026-03-01 至 2026-03-31，成都市武侯区市场监督管理局".into())
    );
    let food_row = (4..sheet.height())
        .find(|r| cell(*r, 0) == Data::String("食品经营许可（新办）".into()))
        .expect("the food licence's row");
    let in_file = match cell(food_row, 1) {
        Data::Float(f) => f as i64,
        Data::Int(i) => i,
        other => panic!("办件量 is {other:?}"),
    };
    // Only the department's items: no row for the books item.
    assert!(
        (4..sheet.height()).all(|r| cell(r, 0) != Data::String("出版物零售单位设立".into())),
        "another department's item in the file"
    );
    let supervisor = t.login("supervisor").await;
    let api = t
        .get(
            "/api/v1/analytics/volumes?month=2026-03&department=scjg",
            &supervisor,
        )
        .await;
    let by_api = api.body["by_item"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["key"] == FOOD)
        .unwrap()["submitted"]
        .as_i64()
        .unwrap();
    assert_eq!(in_file, by_api);
    assert_eq!(in_file, 2);

    // The month's report: a sealed PDF of several pages.
    let head = js(
        &page,
        "fetch(document.getElementById('monthly-report').href).then(r => r.arrayBuffer()).then(b => { \
         const u = new Uint8Array(b); return String.fromCharCode(...u.slice(0, 5)) + ' ' + u.length; })",
    )
    .await;
    let (magic, size) = head.split_once(' ').unwrap();
    assert_eq!(magic, "%PDF-", "{head}");
    assert!(size.parse::<usize>().unwrap() > 10_000, "{head}");

    // The hall display: public, no names.
    page.goto(format!("{}/display", t.base)).await.unwrap();
    wait_for(&page, "#d-intake").await;
    let intake = js(&page, "document.getElementById('d-intake').textContent").await;
    assert_eq!(intake, "3");
    assert_fits_a_phone(&page).await;
    shoot(&page, "display").await;
    chromium.close().await;
}
