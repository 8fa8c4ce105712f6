//! The case's written documents over the API: a receipt for every submission, a
//! notice at each decisive step (受理通知书, 补正告知书, 不予受理通知书,
//! 不予许可决定书) and the inspector's 踏勘记录 with photos, each sealed, listed and
//! printed as a PDF with its number, its reason and the statement of remedies;
//! hidden from other applicants; bad inspection records refused by field.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use onestamp_testkit::fixtures::{FOOD, SOLE_TRADER, food_form, sole_trader_form};
use onestamp_testkit::reqwest::{Method, StatusCode};
use onestamp_testkit::{TestApp, json};

fn tool(name: &str) -> bool {
    std::process::Command::new(name).arg("-v").output().is_ok()
}

/// The smallest byte string the upload accepts as a PNG.
fn png() -> Vec<u8> {
    let mut b = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    b.extend([0, 0, 0, 13]);
    b.extend(b"IHDR");
    b.extend([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
    b.extend([0x90, 0x77, 0x53, 0xDE]);
    b.extend([0, 0, 0, 0]);
    b.extend(b"IEND");
    b.extend([0xAE, 0x42, 0x60, 0x82]);
    b
}

async fn documents(t: &TestApp, id: i64, token: &str) -> Vec<serde_json::Value> {
    let r = t.get(&format!("/api/v1/cases/{id}/documents"), token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body.as_array().unwrap().clone()
}

/// The document of `kind` (the last one), with its PDF's text; the page is
/// also rendered to `target/screenshots/doc-<name>.png` to be looked at.
async fn pdf_text(
    t: &TestApp,
    id: i64,
    token: &str,
    kind: &str,
    name: &str,
) -> Option<(serde_json::Value, String)> {
    let docs = documents(t, id, token).await;
    let doc = docs
        .iter()
        .rev()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {docs:?}"))
        .clone();
    assert_eq!(doc["genuine"], true, "{doc}");
    let resp = t
        .client
        .get(format!(
            "{}/api/v1/cases/{id}/documents/{}/pdf",
            t.base, doc["id"]
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    let bytes = resp.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    if !(tool("pdftotext") && tool("pdftoppm")) {
        assert!(
            std::env::var_os("CI").is_none(),
            "poppler-utils must be installed under CI"
        );
        return None;
    }
    let file = t.dir.path().join(format!("{name}.pdf"));
    std::fs::write(&file, &bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::process::Command::new("pdftoppm")
        .args(["-r", "80", "-png", "-singlefile"])
        .arg(&file)
        .arg(dir.join(format!("doc-{name}")))
        .status();
    Some((doc, String::from_utf8_lossy(&out.stdout).into_owned()))
}

/// pdftotext breaks lines where the page does; compare without them.
fn flat(text: &str) -> String {
    text.split_whitespace().collect()
}

const REMEDIES: &str = "六十日内向成都市武侯区人民政府申请行政复议";

#[tokio::test]
async fn each_decisive_step_writes_a_sealed_document_that_prints() {
    let t = TestApp::start().await;
    let applicant = t.login("jinjiang_books").await;
    let r = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": FOOD, "channel": "counter", "form": food_form()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    let number = r.body["number"].as_str().unwrap().to_string();
    let code = r.body["query_code"]
        .as_str()
        .expect("query code")
        .to_string();
    assert_eq!(code.len(), 8);
    let clerk = t.login("clerk").await;
    assert_eq!(
        t.get(&format!("/api/v1/cases/{id}"), &clerk).await.body["query_code"],
        code.as_str()
    );

    // 受理回执 at submission, with the query code.
    if let Some((doc, text)) = pdf_text(&t, id, &applicant, "receipt", "receipt").await {
        assert_eq!(doc["kind_label"], "受理回执");
        assert_eq!(doc["number"], format!("{number}-HZ01"));
        let text = flat(&text);
        assert!(
            text.contains(&code) && text.contains(&format!("{number}-HZ01")),
            "{text}"
        );
        assert!(text.contains("食品经营许可"), "{text}");
    }

    // 补正告知书: every line of the opinion, once, and the stopped clock.
    let asked = t
        .act_with(
            id,
            &clerk,
            "request_correction",
            json!({
                "opinion": "请于十日内补正",
                "correction": {
                    "materials": [{"code": "M02", "defect": "unclear", "reason": "营业执照复印件不清晰"}],
                    "fields": [{"key": "area", "reason": "租赁合同面积与申请不符"}]
                }
            }),
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{:?}", asked.body);
    if let Some((_, text)) = pdf_text(&t, id, &applicant, "correction", "correction").await {
        let text = flat(&text);
        assert!(text.contains(&format!("{number}-BZ01")), "{text}");
        assert!(
            text.contains("营业执照复印件不清晰") && text.contains("租赁合同面积与申请不符"),
            "{text}"
        );
        assert!(
            text.contains("一次性告知") && text.contains("暂停计算"),
            "{text}"
        );
    }
    let scan = b"%PDF-1.7\n1 0 obj << >> endobj\n% clearer scan\nstartxref\n9\n%%EOF\n".to_vec();
    let m02 = t.upload(&applicant, "营业执照.pdf", scan).await;
    let back = t
        .act_with(
            id,
            &applicant,
            "resubmit",
            json!({"form": {"area": 90.0}, "materials": {"M02": {"file": m02}}}),
        )
        .await;
    assert_eq!(back.status, StatusCode::OK, "{:?}", back.body);

    // 受理通知书 with the deadline and the query code.
    let accepted = t.act(id, &clerk, "accept", Some("材料齐全")).await;
    assert_eq!(accepted.status, StatusCode::OK, "{:?}", accepted.body);
    if let Some((_, text)) = pdf_text(&t, id, &applicant, "acceptance", "acceptance").await {
        let text = flat(&text);
        assert!(
            text.contains(&format!("{number}-SL01")) && text.contains(&code),
            "{text}"
        );
        assert!(text.contains("承诺办结"), "{text}");
    }
    let reviewer = t.login("reviewer").await;
    let reviewed = t.act(id, &reviewer, "review", Some("同意")).await;
    assert_eq!(reviewed.status, StatusCode::OK, "{:?}", reviewed.body);

    // 踏勘记录 with a photo the inspector uploaded.
    let inspector = t.login("inspector").await;
    let upload = t
        .client
        .post(format!("{}/api/v1/materials?name=后厨现场.png", t.base))
        .bearer_auth(&inspector)
        .header("content-type", "application/octet-stream")
        .body(png())
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::CREATED);
    let photo: serde_json::Value = upload.json().await.unwrap();
    let hash = photo["hash"].as_str().unwrap().to_string();
    let version = t.get(&format!("/api/v1/cases/{id}"), &inspector).await.body["version"]
        .as_i64()
        .unwrap();
    let today = t.app.today().format("%Y-%m-%d").to_string();
    let inspected = t
        .post(
            &format!("/api/v1/cases/{id}/actions"),
            &inspector,
            json!({"action": "inspect", "opinion": "现场符合要求", "version": version,
                   "inspection": {"date": today, "place": "成都市武侯区玉林北路12号",
                       "present": "王书香，李店长", "findings": "后厨布局合理，设施齐全",
                       "conclusion": "conforms", "photos": [hash]}}),
        )
        .await;
    assert_eq!(inspected.status, StatusCode::OK, "{:?}", inspected.body);
    if let Some((_, text)) = pdf_text(&t, id, &inspector, "inspection", "inspection").await {
        let text = flat(&text);
        assert!(text.contains(&format!("{number}-TK01")), "{text}");
        assert!(
            text.contains("后厨布局合理") && text.contains("后厨现场.png"),
            "{text}"
        );
        assert!(text.contains("符合"), "{text}");
    }
    // Staff of the case reach the photo through the case.
    let approver = t.login("approver").await;
    let fetched = t
        .client
        .get(format!("{}/api/v1/materials/{hash}?case={id}", t.base))
        .bearer_auth(&approver)
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.status(), StatusCode::OK);
    assert_eq!(fetched.bytes().await.unwrap().to_vec(), png());

    // 不予许可决定书: the reason, the item's legal basis and the remedies.
    let denied = t
        .act(
            id,
            &approver,
            "deny",
            Some("经营场所与住所证明不一致，不符合许可条件"),
        )
        .await;
    assert_eq!(denied.status, StatusCode::OK, "{:?}", denied.body);
    if let Some((_, text)) = pdf_text(&t, id, &applicant, "denial", "denial").await {
        let text = flat(&text);
        assert!(text.contains(&format!("{number}-BXK01")), "{text}");
        assert!(text.contains("经营场所与住所证明不一致"), "{text}");
        assert!(text.contains(REMEDIES) && text.contains("六个月内依法向人民法院提起行政诉讼"));
        assert!(
            text.contains("食品安全法") || text.contains("依据"),
            "{text}"
        );
    }
    let kinds: Vec<String> = documents(&t, id, &applicant)
        .await
        .iter()
        .map(|d| d["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kinds,
        [
            "receipt",
            "correction",
            "acceptance",
            "inspection",
            "denial"
        ]
    );

    // Another applicant: the documents do not exist for them.
    let other = t.login("zhangsan").await;
    let r = t
        .get(&format!("/api/v1/cases/{id}/documents"), &other)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);
    let first = documents(&t, id, &applicant).await[0]["id"]
        .as_i64()
        .unwrap();
    let r = t
        .get(&format!("/api/v1/cases/{id}/documents/{first}/pdf"), &other)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);
    let r = t
        .get(
            &format!("/api/v1/cases/{id}/documents/99999/pdf"),
            &applicant,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);

    // Each document's fact is in the chain, and the chain still verifies.
    let report = t.app.verify_audit(&[], |_| {}).await.unwrap();
    assert!(report.intact(), "{:?}", report.findings);
}

#[tokio::test]
async fn a_refusal_at_intake_gives_the_reason_and_the_remedies() {
    let t = TestApp::start().await;
    let (id, _, _) = t
        .file_through(
            "zhangsan",
            json!({"item": SOLE_TRADER, "channel": "counter", "form": sole_trader_form()}),
            &[],
        )
        .await;
    let clerk = t.login("clerk").await;
    let r = t
        .act(
            id,
            &clerk,
            "not_accept",
            Some("申请事项不属于本机关职权范围"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let applicant = t.login("zhangsan").await;
    if let Some((doc, text)) = pdf_text(&t, id, &applicant, "not_accepted", "not-accepted").await {
        assert_eq!(doc["kind_label"], "不予受理通知书");
        let text = flat(&text);
        assert!(text.contains(doc["number"].as_str().unwrap()), "{text}");
        assert!(text.contains("申请事项不属于本机关职权范围"), "{text}");
        assert!(text.contains(REMEDIES), "{text}");
    }
}

#[tokio::test]
async fn a_bad_inspection_record_is_refused_naming_its_field() {
    let t = TestApp::start().await;
    let (id, _, _) = t
        .file_through(
            "jinjiang_books",
            json!({"item": FOOD, "channel": "counter", "form": food_form()}),
            &[("clerk", "accept"), ("reviewer", "review")],
        )
        .await;
    let inspector = t.login("inspector").await;
    let version = t.get(&format!("/api/v1/cases/{id}"), &inspector).await.body["version"]
        .as_i64()
        .unwrap();
    let tomorrow = (t.app.today() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let today = t.app.today().format("%Y-%m-%d").to_string();
    let cases = [
        (
            json!({"date": tomorrow, "place": "现场", "present": "王书香", "conclusion": "conforms"}),
            "踏勘日期",
        ),
        (
            json!({"date": "2020-01-01", "place": "现场", "present": "王书香", "conclusion": "conforms"}),
            "踏勘日期",
        ),
        (
            json!({"date": today, "place": "现场", "present": "王书香", "conclusion": "does_not_conform"}),
            "踏勘情况",
        ),
        (
            json!({"date": today, "place": "现场", "present": "王书香", "conclusion": "也许"}),
            "踏勘结论",
        ),
        (
            json!({"date": today, "place": "", "present": "王书香", "conclusion": "符合"}),
            "踏勘地点",
        ),
        (
            json!({"date": today, "place": "现场", "present": "王书香", "conclusion": "符合",
                "photos": ["ab".repeat(32)]}),
            "现场照片",
        ),
    ];
    for (inspection, field) in cases {
        let r = t
            .post(
                &format!("/api/v1/cases/{id}/actions"),
                &inspector,
                json!({"action": "inspect", "version": version, "inspection": inspection}),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{inspection}: {:?}",
            r.body
        );
        assert_eq!(r.code(), "invalid_input", "{:?}", r.body);
        let message = r.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(field), "{field}: {message}");
    }
    // A record goes only with `inspect`; nothing was written meanwhile.
    let approver = t.login("approver").await;
    let r = t
        .call(
            Method::GET,
            &format!("/api/v1/cases/{id}/documents"),
            Some(&approver),
            None,
        )
        .await;
    let kinds: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["receipt", "acceptance"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inspector_records_the_inspection_on_the_case_page() {
    use onestamp_testkit::browser::*;
    let _one = ONE_BROWSER.lock().await;
    let Some(chromium) = Chromium::launch().await else {
        return;
    };
    let t = TestApp::start().await;
    let (id, _, _) = t
        .file_through(
            "jinjiang_books",
            json!({"item": FOOD, "channel": "counter", "form": food_form()}),
            &[("clerk", "accept"), ("reviewer", "review")],
        )
        .await;
    let page = chromium.browser.new_page("about:blank").await.unwrap();
    log_in_as(&page, &t.base, "inspector", "踏勘").await;
    page.goto(format!("{}/cases/{id}", t.base)).await.unwrap();
    wait_for(&page, "form[data-action=inspect] #inspection-place").await;
    wait_for(&page, "#documents a[data-document]").await;
    assert_fits_a_phone(&page).await;
    shoot(&page, "case-documents").await;
    fill(&page, "#inspection-place", "成都市武侯区玉林北路12号").await;
    fill(&page, "#inspection-present", "王书香").await;
    fill(&page, "#inspection-findings", "灶台未设排烟罩，已当场整改").await;
    js(
        &page,
        "(document.getElementById('inspection-conclusion').value = 'conforms_after_rectification', '')",
    )
    .await;
    wait_for(&page, "form[data-action=inspect] button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    wait_text(
        &page,
        "document.querySelector('#documents')?.textContent ?? ''",
        "踏勘记录",
    )
    .await;
    shoot(&page, "case-documents-after").await;
    chromium.close().await;
    let applicant = t.login("jinjiang_books").await;
    let (_, text) = pdf_text(&t, id, &applicant, "inspection", "inspection-page")
        .await
        .unwrap_or_default();
    if !text.is_empty() {
        assert!(flat(&text).contains("整改后符合"), "{text}");
    }
}
