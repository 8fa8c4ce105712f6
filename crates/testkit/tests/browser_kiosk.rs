//! The kiosk in headless Chromium at 1080×1920 portrait: bind the device,
//! sign in with the identity number and the simulated SMS code, apply for an
//! instant item, see the licence and print it (the served PDF checked with
//! pdftotext for the licence number), and the idle countdown signing out.
//! Screenshots at 1080×1920 and 375 px go to `target/screenshots/`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use std::path::PathBuf;

use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams;
use chromiumoxide::page::ScreenshotParams;

use onestamp_testkit::browser::*;
use onestamp_testkit::fixtures::{NAME_CHANGE, SOLE_TRADER};
use onestamp_testkit::{TestApp, json};

async fn shoot_kiosk(page: &Page, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    for (w, h, mobile, kind) in [(1080, 1920, false, "kiosk"), (375, 812, true, "phone")] {
        page.execute(SetDeviceMetricsOverrideParams::new(w, h, 1.0, mobile))
            .await
            .unwrap();
        let shot = ScreenshotParams::builder().full_page(true).build();
        page.save_screenshot(shot, dir.join(format!("{name}-{kind}.png")))
            .await
            .unwrap();
    }
    page.execute(SetDeviceMetricsOverrideParams::new(1080, 1920, 1.0, false))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_kiosk_an_instant_item_is_applied_for_and_its_licence_printed() {
    let _one = ONE_BROWSER.lock().await;
    let Some(chromium) = Chromium::launch().await else {
        return;
    };
    let t = TestApp::start_configured(
        chrono::DateTime::parse_from_rfc3339("2026-03-02T09:30:00+08:00")
            .unwrap()
            .with_timezone(&chrono::Utc),
        |s| s.kiosk_idle_secs = 40,
    )
    .await;
    let form = json!({
        "entity_name": "武侯区玉林小面馆", "operator_name": "张三", "operator_id": "510107199003071236",
        "mobile": "13800281234", "address": "成都市武侯区玉林街道玉林北路12号",
        "organisation_form": "个人经营", "staff_count": 2.0, "business_scope": "小吃服务"
    });
    let (_, _, held) = t
        .file_through(
            "zhangsan",
            json!({"item": SOLE_TRADER, "channel": "counter", "form": form}),
            &[
                ("clerk", "accept"),
                ("approver", "approve"),
                ("officer", "produce"),
                ("officer", "issue"),
            ],
        )
        .await;
    let held = held.unwrap();
    let (_, token) = t.app.demo_kiosk().await.unwrap().unwrap();
    let base = t.base.clone();
    let page = chromium.browser.new_page("about:blank").await.unwrap();
    page.execute(SetDeviceMetricsOverrideParams::new(1080, 1920, 1.0, false))
        .await
        .unwrap();

    page.goto(format!("{base}/kiosk")).await.unwrap();
    wait_text(&page, "document.body.innerText", "本终端未登记").await;
    shoot_kiosk(&page, "kiosk-unregistered").await;
    page.goto(format!("{base}/kiosk/setup")).await.unwrap();
    fill(&page, "#token", &token).await;
    wait_for(&page, "#bind").await.click().await.unwrap();
    wait_for(&page, "#tile-apply").await;
    shoot_kiosk(&page, "kiosk-start").await;
    wait_for(&page, "#tile-apply").await.click().await.unwrap();
    wait_for(&page, ".k-keypad").await;
    for key in "510107199003071236".chars() {
        page.evaluate(format!(
            "document.querySelector('.k-key[data-key=\"{key}\"]').click()"
        ))
        .await
        .unwrap();
    }
    assert_eq!(
        js(&page, "document.getElementById('identity').value").await,
        "510107199003071236"
    );
    shoot_kiosk(&page, "kiosk-signin").await;
    wait_for(&page, "#k-submit").await.click().await.unwrap();
    wait_for(&page, "#code").await;
    let text = t.store.sms_to("13800281234", 1).await.unwrap()[0]
        .text
        .clone();
    let at = text.find("验证码 ").unwrap() + "验证码 ".len();
    let code = text[at..at + 6].to_string();
    fill(&page, "#code", &code).await;
    shoot_kiosk(&page, "kiosk-code").await;
    wait_for(&page, "#k-submit").await.click().await.unwrap();
    wait_for(&page, "#k-items").await;
    let min_height = js(&page, "String(Math.min(...[...document.querySelectorAll('.k-tile')].map(e => e.getBoundingClientRect().height)))").await;
    assert!(
        min_height.parse::<f64>().unwrap() >= 64.0,
        "tiles {min_height}px"
    );
    shoot_kiosk(&page, "kiosk-items").await;
    page.goto(format!("{base}/kiosk/items/{NAME_CHANGE}"))
        .await
        .unwrap();
    wait_for(&page, "#k-apply").await;
    fill(&page, "#f-credit_code", "92510107MA6C8R5D17").await;
    fill(&page, "#f-old_name", "武侯区玉林小面馆").await;
    fill(&page, "#f-new_name", "武侯区玉林老街面馆").await;
    fill(&page, "#f-operator_id", "510107199003071236").await;
    fill(&page, "#f-mobile", "13800281234").await;
    assert_eq!(
        js(&page, "document.getElementById('m-M02').value").await,
        format!("licence:{held}")
    );
    shoot_kiosk(&page, "kiosk-apply").await;
    wait_for(&page, "#k-submit-apply")
        .await
        .click()
        .await
        .unwrap();
    wait_text(
        &page,
        "document.getElementById('k-status')?.textContent ?? ''",
        "已办结",
    )
    .await;
    let licence = js(&page, "document.getElementById('k-licence').textContent").await;
    shoot_kiosk(&page, "kiosk-result").await;
    wait_for(&page, "#k-print-licence")
        .await
        .click()
        .await
        .unwrap();
    wait_text(
        &page,
        "String(!!document.getElementById('k-frame'))",
        "true",
    )
    .await;
    // The served PDF, read back through the page's own session.
    let b64 = js(&page, &format!("fetch('/kiosk/print/licences/{licence}').then(r => r.arrayBuffer()).then(b => {{ let s=''; new Uint8Array(b).forEach(c => s += String.fromCharCode(c)); return btoa(s); }})")).await;
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let path = t.dir.path().join("printed.pdf");
    std::fs::write(&path, &bytes).unwrap();
    if let Ok(out) = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(&licence),
            "the PDF names the licence {licence}: {text}"
        );
    }

    // Idle: the countdown shows, then the page signs out to the start screen.
    page.goto(format!("{base}/kiosk/print")).await.unwrap();
    wait_for(&page, "#k-licences").await;
    shoot_kiosk(&page, "kiosk-print").await;
    wait_text(
        &page,
        "String(!document.getElementById('k-idle').hidden)",
        "true",
    )
    .await;
    shoot_kiosk(&page, "kiosk-idle").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let who = js(&page, "String(!!document.getElementById('k-who'))").await;
        let on_start = js(&page, "String(!!document.getElementById('tile-apply'))").await;
        if who == "false" && on_start == "true" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the idle kiosk did not sign out"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    chromium.close().await;
}
