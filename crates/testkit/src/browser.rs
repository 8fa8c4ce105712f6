//! Headless Chromium for the browser tests: launching it (skipping outside CI
//! when there is none), waiting for elements and text, typing, logging in, and
//! screenshots at phone and desktop widths under `target/screenshots/`.
//!
//! Needs the system Chromium (Debian package `chromium`, installed by
//! `scripts/install-test-deps.sh`; `ONESTAMP_CHROMIUM` names another binary).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use std::path::PathBuf;
use std::time::Duration;

use chromiumoxide::cdp::browser_protocol::input::InsertTextParams;
use chromiumoxide::handler::viewport::Viewport;
use chromiumoxide::{Browser, BrowserConfig, Element, Page};
use futures::StreamExt;

/// How long a poll waits for the page before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// One browser at a time: two Chromiums starting together on a loaded two-core
/// machine can outlast any reasonable timeout.
pub static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
pub const STEP: Duration = Duration::from_millis(100);

/// The Chromium binary: `ONESTAMP_CHROMIUM`, else the first of the usual names on PATH.
pub fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ONESTAMP_CHROMIUM") {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
    .find(|p| p.is_file())
}

/// A headless Chromium with a fresh profile, its event loop running, or `None`
/// (after saying why) when there is no Chromium and this is not CI.
pub struct Chromium {
    pub browser: Browser,
    events: tokio::task::JoinHandle<()>,
    _profile: tempfile::TempDir,
}

impl Chromium {
    pub async fn launch() -> Option<Chromium> {
        let Some(binary) = chromium() else {
            let why = "no Chromium found (install the Debian package `chromium` with \
                       scripts/install-test-deps.sh, or set ONESTAMP_CHROMIUM)";
            if std::env::var_os("CI").is_some() {
                panic!("browser tests cannot run under CI: {why}");
            }
            eprintln!("skipping browser test: {why}");
            return None;
        };
        let profile = tempfile::tempdir().unwrap();
        let config = BrowserConfig::builder()
            .chrome_executable(&binary)
            .launch_timeout(Duration::from_secs(120))
            .request_timeout(Duration::from_secs(60))
            .no_sandbox()
            .user_data_dir(profile.path())
            .viewport(Viewport {
                width: 375,
                height: 812,
                device_scale_factor: Some(1.0),
                emulating_mobile: true,
                is_landscape: false,
                has_touch: true,
            })
            .args([
                "disable-gpu",
                "disable-quic",
                "no-first-run",
                "disable-background-networking",
                "disable-component-update",
                "disable-sync",
            ])
            .build()
            .unwrap();
        let (browser, mut handler) = Browser::launch(config)
            .await
            .unwrap_or_else(|e| panic!("launching {}: {e}", binary.display()));
        // The handler drives the connection; a message it cannot parse is no reason to stop.
        let events = tokio::spawn(async move { while handler.next().await.is_some() {} });
        Some(Chromium {
            browser,
            events,
            _profile: profile,
        })
    }

    pub async fn close(mut self) {
        let _ = self.browser.close().await;
        let _ = self.browser.wait().await;
        self.events.abort();
    }
}

/// The element once it is on the page.
pub async fn wait_for(page: &Page, selector: &str) -> Element {
    let start = std::time::Instant::now();
    loop {
        if let Ok(e) = page.find_element(selector).await {
            return e;
        }
        if start.elapsed() > PATIENCE {
            let html = page.content().await.unwrap_or_default();
            panic!("no {selector} on the page after {PATIENCE:?}:\n{html}");
        }
        tokio::time::sleep(STEP).await;
    }
}

/// Evaluates a JavaScript expression to a string ("" while the page is navigating).
pub async fn js(page: &Page, expr: &str) -> String {
    match page.evaluate(expr).await {
        Ok(v) => v.into_value::<String>().unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Waits until `expr` evaluates to a string containing `wanted`; returns it.
pub async fn wait_text(page: &Page, expr: &str, wanted: &str) -> String {
    let start = std::time::Instant::now();
    loop {
        let got = js(page, expr).await;
        if got.contains(wanted) {
            return got;
        }
        if start.elapsed() > PATIENCE {
            panic!("{expr} is {got:?}, never contained {wanted:?}");
        }
        tokio::time::sleep(STEP).await;
    }
}

/// Replaces the value of a field as typing would: focus, select all, insert the
/// text (Input.insertText, which also types Chinese), firing `input` events.
pub async fn fill(page: &Page, selector: &str, text: &str) {
    let field = wait_for(page, selector).await;
    field.focus().await.unwrap();
    page.evaluate(format!("document.querySelector('{selector}').select()"))
        .await
        .unwrap();
    page.execute(InsertTextParams::new(text)).await.unwrap();
}

/// The text beside a field: its live-check message.
pub fn beside(key: &str) -> String {
    format!("document.getElementById('f-{key}-check').textContent")
}

/// Nothing on the page is wider than the 375px screen (no sideways scrolling).
pub async fn assert_fits_a_phone(page: &Page) {
    let width = js(page, "String(document.documentElement.scrollWidth)").await;
    assert_eq!(width, "375", "the page is wider than a phone: {width}px");
}

/// Saves the page as `target/screenshots/<name>-phone.png` and, at 1280px,
/// `<name>-desktop.png`, for a person to look at; the phone width is restored.
pub async fn shoot(page: &Page, name: &str) {
    use chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams;
    use chromiumoxide::page::ScreenshotParams;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    for (width, height, mobile, kind) in [(375, 812, true, "phone"), (1280, 800, false, "desktop")]
    {
        page.execute(SetDeviceMetricsOverrideParams::new(
            width, height, 1.0, mobile,
        ))
        .await
        .unwrap();
        let shot = ScreenshotParams::builder().full_page(true).build();
        page.save_screenshot(shot, dir.join(format!("{name}-{kind}.png")))
            .await
            .unwrap();
    }
    page.execute(SetDeviceMetricsOverrideParams::new(375, 812, 1.0, true))
        .await
        .unwrap();
}

/// Logs in through the login page as `username` (password `demo`) and waits
/// until the page names `who`.
pub async fn log_in_as(page: &Page, base: &str, username: &str, who: &str) {
    page.goto(format!("{base}/login")).await.unwrap();
    shoot(page, "login").await;
    fill(page, "#username", username).await;
    fill(page, "#password", "demo").await;
    wait_for(page, "#login-submit").await.click().await.unwrap();
    wait_text(
        page,
        "document.getElementById('who')?.textContent ?? ''",
        who,
    )
    .await;
}

/// Logs in as the demo applicant `zhangsan` (张三).
pub async fn log_in(page: &Page, base: &str, username: &str) {
    log_in_as(page, base, username, "张三").await;
}

/// Chooses `files` in the file control `selector`, as picking them in the
/// browser's dialog would (the control's `change` event fires).
pub async fn set_files(page: &Page, selector: &str, files: &[PathBuf]) {
    use chromiumoxide::cdp::browser_protocol::dom::SetFileInputFilesParams;
    let input = wait_for(page, selector).await;
    let params = SetFileInputFilesParams::builder()
        .files(files.iter().map(|f| f.display().to_string()))
        .backend_node_id(input.backend_node_id)
        .build()
        .unwrap();
    page.execute(params).await.unwrap();
}

/// Logs out (by dropping the cookies) and logs in as `username`. A login
/// page whose nonce went stale meanwhile (a navigation still settling) says
/// so and offers a fresh form: the login is then simply tried again.
pub async fn become_user(page: &Page, base: &str, username: &str) {
    use chromiumoxide::cdp::browser_protocol::network::ClearBrowserCookiesParams;
    page.execute(ClearBrowserCookiesParams::default())
        .await
        .unwrap();
    for _attempt in 0..3 {
        page.goto(format!("{base}/login")).await.unwrap();
        wait_for(page, "#login-submit").await;
        fill(page, "#username", username).await;
        fill(page, "#password", "demo").await;
        wait_for(page, "#login-submit").await.click().await.unwrap();
        let start = std::time::Instant::now();
        while start.elapsed() < std::time::Duration::from_secs(20) {
            let who = js(page, "document.getElementById('who')?.textContent ?? ''").await;
            if !who.is_empty() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    let text = js(page, "location.href + ' ' + document.body.innerText").await;
    panic!("{username} never logged in: {text}");
}

/// Takes `action` on the case page with `opinion` typed into its own box.
pub async fn act_on_page(page: &Page, base: &str, id: i64, action: &str, opinion: &str) {
    page.goto(format!("{base}/cases/{id}")).await.unwrap();
    let form = format!("form[data-action='{action}']");
    wait_for(page, &form).await;
    fill(page, &format!("#opinion-{action}"), opinion).await;
    wait_for(page, &format!("{form} button[type=submit]"))
        .await
        .click()
        .await
        .unwrap();
    wait_text(
        page,
        "document.getElementById('timeline')?.textContent ?? ''",
        opinion,
    )
    .await;
}
