//! The applicant's side in headless Chromium: an application with several
//! uploads per material (a picked file removed again before submitting), a
//! clerk's itemised correction request made on the case page, the applicant's
//! correction page showing exactly the named field and material, the
//! resubmission carrying the change, and the case going on to its licence.
//! Screenshots of each page at 375 and 1280 px go to `target/screenshots/`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use std::path::PathBuf;

use onestamp_testkit::TestApp;
use onestamp_testkit::browser::*;
use onestamp_testkit::fixtures::{SOLE_TRADER, tiny_png};

/// A scan written to a temporary file of the test, named as the applicant's
/// (the PDFs differ by name; the library keeps one copy of equal files).
fn scan(dir: &std::path::Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    if name.ends_with(".pdf") {
        let body = format!("%PDF-1.7\n1 0 obj << >> endobj\n% {name}\nstartxref\n9\n%%EOF\n");
        std::fs::write(&path, body).unwrap();
    } else {
        std::fs::write(&path, tiny_png()).unwrap();
    }
    path
}

/// How many files are listed under a file control.
async fn picked(page: &chromiumoxide::Page, code: &str) -> String {
    js(
        page,
        &format!("String(document.querySelectorAll('#u-{code}-picked li:not(.check)').length)"),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicant_uploads_corrects_exactly_what_was_named_and_gets_the_licence() {
    let _one = ONE_BROWSER.lock().await;
    let Some(chromium) = Chromium::launch().await else {
        return;
    };
    let t = TestApp::start().await;
    let base = t.base.clone();
    let files = tempfile::tempdir().unwrap();
    let page = chromium.browser.new_page("about:blank").await.unwrap();
    become_user(&page, &base, "zhangsan").await;

    // The form, with the limits stated before anything is chosen.
    page.goto(format!("{base}/items/{SOLE_TRADER}/apply"))
        .await
        .unwrap();
    let limits = wait_text(
        &page,
        "document.getElementById('upload-limits')?.textContent ?? ''",
        "PDF、JPG、PNG",
    )
    .await;
    assert!(limits.contains("单个文件不超过"), "{limits}");
    fill(&page, "#f-operator_name", "张三").await;
    fill(&page, "#f-operator_id", "510107199003071236").await;
    fill(&page, "#f-mobile", "13800281234").await;
    fill(&page, "#f-address", "成都市武侯区玉林街道玉林北路12号").await;
    page.evaluate("document.getElementById('f-organisation_form').value = '个人经营'")
        .await
        .unwrap();
    fill(&page, "#f-staff_count", "2").await;
    fill(&page, "#f-business_scope", "小吃服务").await;

    // Two files for the ID, added in two goes; a wrong one named and left out.
    set_files(&page, "#u-M02", &[scan(files.path(), "身份证正面.png")]).await;
    set_files(
        &page,
        "#u-M02",
        &[
            scan(files.path(), "身份证反面.pdf"),
            scan(files.path(), "说明.txt"),
        ],
    )
    .await;
    wait_text(
        &page,
        "document.getElementById('u-M02-picked').textContent",
        "说明.txt」不是 PDF、JPG 或 PNG 文件",
    )
    .await;
    assert_eq!(picked(&page, "M02").await, "2");
    // The lease, then a wrong scan picked and removed again before submitting.
    set_files(
        &page,
        "#u-M03",
        &[
            scan(files.path(), "租赁合同.pdf"),
            scan(files.path(), "拍错了.png"),
        ],
    )
    .await;
    wait_text(
        &page,
        "String(document.querySelectorAll('#u-M03-picked li').length)",
        "2",
    )
    .await;
    assert_fits_a_phone(&page).await;
    shoot(&page, "apply-uploads").await;
    wait_for(&page, "button[aria-label='移除 拍错了.png']")
        .await
        .click()
        .await
        .unwrap();
    wait_text(
        &page,
        "String(document.querySelectorAll('#u-M03-picked li').length)",
        "1",
    )
    .await;
    wait_for(&page, "#apply-submit")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&page, "#case-number").await;
    let path = js(&page, "location.pathname").await;
    let id: i64 = path.trim_start_matches("/cases/").parse().unwrap();
    let owner = t.login("zhangsan").await;
    let case = t.get(&format!("/api/v1/cases/{id}"), &owner).await.body;
    let names = |code: &str, case: &serde_json::Value| -> Vec<String> {
        let m = &case["materials"][code];
        match m["files"].as_array() {
            Some(f) => f
                .iter()
                .map(|x| x["name"].as_str().unwrap().to_string())
                .collect(),
            None => m["name"].as_str().map(str::to_string).into_iter().collect(),
        }
    };
    assert_eq!(
        names("M02", &case),
        ["身份证正面.png", "身份证反面.pdf"],
        "{case}"
    );
    assert_eq!(
        names("M03", &case),
        ["租赁合同.pdf"],
        "the removed scan is not sent"
    );

    // The clerk names one material and one field, once.
    become_user(&page, &base, "clerk").await;
    page.goto(format!("{base}/cases/{id}")).await.unwrap();
    wait_for(&page, "#correction-list").await;
    page.evaluate("document.getElementById('cm-M03').value = 'unclear'")
        .await
        .unwrap();
    fill(&page, "#cr-M03", "租赁合同第二页看不清，请重新扫描").await;
    wait_for(&page, "#cf-staff_count")
        .await
        .click()
        .await
        .unwrap();
    fill(&page, "#cfr-staff_count", "从业人数与租赁合同约定不符").await;
    wait_for(
        &page,
        "form[data-action='request_correction'] input[name=confirm]",
    )
    .await
    .click()
    .await
    .unwrap();
    shoot(&page, "staff-correction").await;
    wait_for(
        &page,
        "form[data-action='request_correction'] button[type=submit]",
    )
    .await
    .click()
    .await
    .unwrap();
    wait_text(
        &page,
        "document.getElementById('notice-lines')?.textContent ?? ''",
        "租赁合同第二页看不清",
    )
    .await;
    let offered = js(
        &page,
        "String(!!document.getElementById('correction-list'))",
    )
    .await;
    assert_eq!(offered, "false", "the stage has asked once");

    // The applicant sees the notice and corrects exactly that.
    become_user(&page, &base, "zhangsan").await;
    page.goto(format!("{base}/cases/{id}")).await.unwrap();
    wait_for(&page, "#correction-notice").await;
    let bare = js(
        &page,
        "String(!!document.querySelector(\"form[data-action='resubmit']\"))",
    )
    .await;
    assert_eq!(bare, "false", "no resubmission without the corrections");
    assert_fits_a_phone(&page).await;
    shoot(&page, "case-correction-notice").await;
    wait_for(&page, "#correct-link")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&page, "#correct-form").await;
    let fields = js(
        &page,
        "Array.from(document.querySelectorAll('#correct-form [name^=\"f.\"]')).map(e => e.name).join(',')",
    )
    .await;
    assert_eq!(fields, "f.staff_count");
    let materials = js(
        &page,
        "Array.from(document.querySelectorAll('#correct-form input[type=file]')).map(e => e.name).join(',')",
    )
    .await;
    assert_eq!(materials, "u.M03");
    let value = js(&page, "document.getElementById('f-staff_count').value").await;
    assert_eq!(value, "2", "what was filed, to change");
    // Unchanged first: refused with the reason beside the field, nothing lost.
    set_files(
        &page,
        "#u-M03",
        &[scan(files.path(), "租赁合同-清晰版.pdf")],
    )
    .await;
    wait_for(&page, "#correct-submit")
        .await
        .click()
        .await
        .unwrap();
    let refused = wait_text(
        &page,
        "document.getElementById('form-error')?.textContent ?? ''",
        "未能提交",
    )
    .await;
    assert!(refused.contains("与原填写相同"), "{refused}");
    let kept = js(
        &page,
        "Array.from(document.querySelectorAll('#material-M03 input[name=\"k.M03\"]:checked')).length.toString()",
    )
    .await;
    assert_eq!(kept, "1", "the uploaded scan is kept for the next try");
    fill(&page, "#f-staff_count", "3").await;
    assert_fits_a_phone(&page).await;
    shoot(&page, "correct").await;
    wait_for(&page, "#correct-submit")
        .await
        .click()
        .await
        .unwrap();
    wait_text(
        &page,
        "document.getElementById('case-status')?.textContent ?? ''",
        "预审",
    )
    .await;
    let case = t.get(&format!("/api/v1/cases/{id}"), &owner).await.body;
    assert_eq!(case["form"]["staff_count"], 3.0);
    assert_eq!(
        case["form"]["business_scope"], "小吃服务",
        "the rest as filed"
    );
    assert_eq!(names("M03", &case), ["租赁合同-清晰版.pdf"]);
    assert_eq!(names("M02", &case).len(), 2, "unnamed materials stay");

    // On to the licence, which the applicant finds on the case page.
    for (user, action) in [
        ("clerk", "accept"),
        ("approver", "approve"),
        ("officer", "produce"),
        ("officer", "issue"),
    ] {
        let token = t.login(user).await;
        let r = t.act(id, &token, action, Some("同意")).await;
        assert_eq!(
            r.status,
            onestamp_testkit::reqwest::StatusCode::OK,
            "{action}: {:?}",
            r.body
        );
    }
    page.goto(format!("{base}/cases/{id}")).await.unwrap();
    wait_for(&page, "#licence-pdf").await;

    // 好差评: 不满意 with a reason of that level; once only.
    wait_for(&page, "#rating-form").await;
    shoot(&page, "case-issued").await;
    wait_for(&page, "#level-dissatisfied")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&page, "#reason-many_trips")
        .await
        .click()
        .await
        .unwrap();
    fill(&page, "#rating-comment-input", "补正时又跑了一趟窗口").await;
    wait_for(&page, "#rating-submit")
        .await
        .click()
        .await
        .unwrap();
    wait_text(
        &page,
        "document.getElementById('rating-level')?.textContent ?? ''",
        "不满意",
    )
    .await;
    let status = js(
        &page,
        "document.getElementById('rectification').dataset.status",
    )
    .await;
    assert!(!status.is_empty(), "a bad rating opens a rectification");
    let form = js(&page, "String(!!document.getElementById('rating-form'))").await;
    assert_eq!(form, "false", "rated once");

    // The supervisor calls back and records the outcome, on the clock of each.
    become_user(&page, &base, "supervisor").await;
    page.goto(format!("{base}/supervision/rectifications"))
        .await
        .unwrap();
    let task = wait_for(&page, "#rectifications > li").await;
    let task_id = task
        .attribute("id")
        .await
        .unwrap()
        .unwrap()
        .trim_start_matches("rectification-")
        .to_string();
    let lights = js(
        &page,
        &format!("document.getElementById('rectification-{task_id}').textContent"),
    )
    .await;
    assert!(lights.contains(&number_of(&t, id).await), "{lights}");
    assert_fits_a_phone(&page).await;
    shoot(&page, "rectifications").await;
    fill(
        &page,
        &format!("#callback-note-{task_id}"),
        "已电话回访，申请人反映补正需到现场",
    )
    .await;
    wait_for(&page, &format!("#callback-submit-{task_id}"))
        .await
        .click()
        .await
        .unwrap();
    wait_for(&page, &format!("#outcome-explained-{task_id}"))
        .await
        .click()
        .await
        .unwrap();
    fill(
        &page,
        &format!("#outcome-text-{task_id}"),
        "补正材料可在网上提交，已向申请人说明并改进一次性告知用语",
    )
    .await;
    wait_for(&page, &format!("#outcome-submit-{task_id}"))
        .await
        .click()
        .await
        .unwrap();
    wait_for(&page, "#closed-rectifications").await;

    // The applicant sees the outcome, never who handled it.
    become_user(&page, &base, "zhangsan").await;
    page.goto(format!("{base}/cases/{id}")).await.unwrap();
    let outcome = wait_text(
        &page,
        "document.getElementById('rectification-outcome')?.textContent ?? ''",
        "已向申请人说明",
    )
    .await;
    assert!(!outcome.contains("督查"), "{outcome}");
    assert_fits_a_phone(&page).await;
    shoot(&page, "case-rated").await;

    // A stranger looks the case up by its number and query code, without a login.
    let case = t.get(&format!("/api/v1/cases/{id}"), &owner).await.body;
    let number = case["number"].as_str().unwrap().to_string();
    let code = case["query_code"].as_str().unwrap().to_string();
    page.execute(
        chromiumoxide::cdp::browser_protocol::network::ClearBrowserCookiesParams::default(),
    )
    .await
    .unwrap();
    page.goto(format!("{base}/lookup")).await.unwrap();
    fill(&page, "#lookup-number", &number).await;
    fill(&page, "#lookup-code", "WRONG234").await;
    wait_for(&page, "#lookup-submit")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&page, "#lookup-error").await;
    fill(&page, "#lookup-number", &number).await;
    fill(&page, "#lookup-code", &code).await;
    wait_for(&page, "#lookup-submit")
        .await
        .click()
        .await
        .unwrap();
    let status = wait_text(
        &page,
        "document.getElementById('progress-status')?.textContent ?? ''",
        "已出证",
    )
    .await;
    assert!(!status.is_empty());
    let shown = js(&page, "document.body.innerText").await;
    assert!(
        !shown.contains("张三") && !shown.contains("510107199003071236"),
        "no names or identities: {shown}"
    );
    assert_fits_a_phone(&page).await;
    shoot(&page, "lookup-stranger").await;
    chromium.close().await;
}

/// The case's number, as the API gives it.
async fn number_of(t: &TestApp, id: i64) -> String {
    let token = t.login("supervisor").await;
    let case = t.get(&format!("/api/v1/cases/{id}"), &token).await;
    case.body["number"].as_str().unwrap().to_string()
}
