//! Sealed licences over the API: issued at the end of a case, verified from the
//! SM2 signature (tampering caught), printed as a PDF with Chinese text and a QR
//! code, reused instead of an upload, revoked and replaced, disclosed to the
//! public without identity numbers, reported on, and reminded before expiry.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use chrono::Duration;
use onestamp_testkit::fixtures::{FOOD, NAME_CHANGE, SOLE_TRADER};
use onestamp_testkit::reqwest::{Method, StatusCode};
use onestamp_testkit::{TestApp, json};

fn sole_trader_form() -> serde_json::Value {
    json!({
        "entity_name": "武侯区玉林小面馆", "operator_name": "张三", "operator_id": "510107199003071236",
        "mobile": "13800281234", "address": "成都市武侯区玉林街道玉林北路12号",
        "organisation_form": "个人经营", "staff_count": 2.0, "business_scope": "小吃服务；预包装食品销售"
    })
}

/// Takes zhangsan's sole-trader registration to issued; returns (case id, licence id).
async fn issue_sole_trader(t: &TestApp) -> (i64, String) {
    let (id, licence, _) = issue_sole_trader_as(t, "zhangsan", sole_trader_form()).await;
    (id, licence)
}

/// Takes a sole trader's application by `user` from submission to issue; the
/// case id, the licence id and the case as first returned.
async fn issue_sole_trader_as(
    t: &TestApp,
    user: &str,
    form: serde_json::Value,
) -> (i64, String, serde_json::Value) {
    let (id, submitted, licence) = t
        .file_through(
            user,
            json!({"item": SOLE_TRADER, "channel": "counter", "form": form}),
            &[
                ("clerk", "accept"),
                ("approver", "approve"),
                ("officer", "produce"),
                ("officer", "issue"),
            ],
        )
        .await;
    (id, licence.expect("licence id"), submitted)
}

fn tool(name: &str) -> bool {
    std::process::Command::new(name).arg("-v").output().is_ok()
}

#[tokio::test]
async fn an_issued_case_ends_in_a_sealed_licence_that_verifies_and_prints() {
    let t = TestApp::start().await;
    let (_, id) = issue_sole_trader(&t).await;
    assert!(
        id.starts_with("1.2.156.3005.2.GTYYZZ.11510107MB1526487K.2026"),
        "{id}"
    );
    let check = t
        .call(
            Method::GET,
            &format!("/api/v1/validate/licence_id/{id}"),
            None,
            None,
        )
        .await;
    assert_eq!(check.body["valid"], true, "{:?}", check.body);

    let v = t
        .call(Method::GET, &format!("/api/v1/verify/{id}"), None, None)
        .await;
    assert_eq!(v.body["standing"], "valid", "{:?}", v.body);
    assert_eq!(v.body["licence"]["holder_name"], "张*");
    assert!(
        !v.body.to_string().contains("510107199003071236"),
        "no identity numbers in public"
    );

    let page = t
        .client
        .get(format!("{}/verify/{id}", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("有效")
            && html.contains("营业执照（个体工商户）")
            && html.contains("扫码举报")
    );

    let owner = t.login("zhangsan").await;
    let view = t.get(&format!("/api/v1/licences/{id}"), &owner).await;
    assert_eq!(view.body["standing"], "valid");
    assert_eq!(view.body["document"]["scope"], "小吃服务；预包装食品销售");

    let pdf = t
        .client
        .get(format!("{}/api/v1/licences/{id}/pdf", t.base))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    if !(tool("pdftotext") && tool("zbarimg") && tool("pdftoppm")) {
        assert!(
            std::env::var_os("CI").is_none(),
            "poppler-utils and zbar-tools must be installed under CI"
        );
        eprintln!("skipping PDF text and QR checks: poppler-utils or zbar-tools missing");
        return;
    }
    let file = t.dir.path().join("licence.pdf");
    std::fs::write(&file, &bytes).unwrap();
    let text = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("营业执照") && text.contains("张三") && text.contains(&id),
        "{text}"
    );
    let png = t.dir.path().join("page");
    std::process::Command::new("pdftoppm")
        .args(["-r", "150", "-png", "-singlefile"])
        .arg(&file)
        .arg(&png)
        .status()
        .unwrap();
    let qr = std::process::Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(png.with_extension("png"))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&qr.stdout).trim(),
        format!("http://127.0.0.1:8080/verify/{id}")
    );
}

#[tokio::test]
async fn a_licence_altered_in_the_database_is_reported_not_genuine() {
    let t = TestApp::start().await;
    let (_, id) = issue_sole_trader(&t).await;
    let url = format!("sqlite://{}", t.dir.path().join("onestamp.db").display());
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE licences SET canonical = replace(canonical, '小吃服务', '娱乐服务') WHERE id = ?",
    )
    .bind(&id)
    .execute(&mut conn)
    .await
    .unwrap();
    let v = t
        .call(Method::GET, &format!("/api/v1/verify/{id}"), None, None)
        .await;
    assert_eq!(v.body["standing"], "not_genuine", "{:?}", v.body);
    assert!(v.body["licence"].is_null());
    let forged = id.replace("GTYYZZ", "YYZZ");
    let v = t
        .call(Method::GET, &format!("/api/v1/verify/{forged}"), None, None)
        .await;
    assert_eq!(v.body["standing"], "not_genuine");
    let owner = t.login("zhangsan").await;
    let pdf = t.get(&format!("/api/v1/licences/{id}/pdf"), &owner).await;
    assert_eq!(
        pdf.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a forged licence is not printed"
    );
}

#[tokio::test]
async fn a_second_application_reuses_the_licence_instead_of_an_upload() {
    let t = TestApp::start().await;
    let (_, licence) = issue_sole_trader(&t).await;
    let applicant = t.login("zhangsan").await;
    let prefill = t
        .get(&format!("/api/v1/items/{NAME_CHANGE}/prefill"), &applicant)
        .await;
    assert_eq!(prefill.status, StatusCode::OK, "{:?}", prefill.body);
    assert_eq!(prefill.body["materials"]["M02"], json!([licence.clone()]));
    let form = json!({
        "credit_code": "92510107MA6C8R5D17", "old_name": "武侯区玉林小面馆", "new_name": "武侯区玉林老街面馆",
        "operator_id": "510107199003071236", "mobile": "13800281234"
    });
    // 秒批: the business licence is on file, so every rule passes and the case is issued at once.
    let r = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": NAME_CHANGE, "form": form, "materials": {"M02": {"licence": licence}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["status"], "issued", "{:?}", r.body["machine_review"]);
    assert_eq!(r.body["materials"]["M02"]["kind"], "licence");
    assert_eq!(r.body["materials"]["M02"]["id"], licence);
    assert!(
        r.body["licence_id"].as_str().is_some(),
        "the instant decision was sealed too"
    );

    // Nobody else may cite it, and only for the materials it can stand in for.
    let other = t.login("lisi").await;
    let r = t
        .post(
            "/api/v1/cases",
            &other,
            json!({"item": NAME_CHANGE, "form": form, "materials": {"M02": {"licence": licence}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    let r = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": NAME_CHANGE, "form": form, "materials": {"M01": {"licence": licence}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = t.post("/api/v1/cases", &applicant, json!({"item": NAME_CHANGE, "form": form, "materials": {"M02": {"licence": licence, "file": "ab"}}})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn revoked_and_replaced_licences_verify_as_such() {
    let t = TestApp::start().await;
    let (_, id) = issue_sole_trader(&t).await;
    let officer = t.login("officer").await;
    let clerk = t.login("clerk").await;
    let r = t
        .post(
            &format!("/api/v1/licences/{id}/replace"),
            &clerk,
            json!({"reason": "变更"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post(
            &format!("/api/v1/licences/{id}/replace"),
            &officer,
            json!({"reason": "经营范围变更", "changes": {"经营范围": "小吃服务"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let new_id = r.body["id"].as_str().unwrap().to_string();
    assert!(new_id.contains(".002."), "{new_id}");
    assert_eq!(r.body["document"]["scope"], "小吃服务");
    let old = t
        .call(Method::GET, &format!("/api/v1/verify/{id}"), None, None)
        .await;
    assert_eq!(old.body["standing"], "revoked");
    assert_eq!(old.body["replaced_by"], new_id);
    let r = t
        .post(
            &format!("/api/v1/licences/{new_id}/revoke"),
            &officer,
            json!({"reason": " "}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = t
        .post(
            &format!("/api/v1/licences/{new_id}/revoke"),
            &officer,
            json!({"reason": "以欺骗手段取得许可"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let v = t
        .call(Method::GET, &format!("/api/v1/verify/{new_id}"), None, None)
        .await;
    assert_eq!(v.body["standing"], "revoked");
    assert_eq!(v.body["reason"], "以欺骗手段取得许可");
    let again = t
        .post(
            &format!("/api/v1/licences/{new_id}/revoke"),
            &officer,
            json!({"reason": "再次"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let entries = t.store.audit_entries(0, 10_000).await.unwrap();
    assert!(
        entries.iter().any(|e| e.kind == "licence.replace")
            && entries.iter().any(|e| e.kind == "licence.revoke")
    );
}

#[tokio::test]
async fn the_public_list_shows_no_identity_numbers_and_reports_reach_supervisors() {
    let t = TestApp::start().await;
    let (_, id) = issue_sole_trader(&t).await;
    let list = t
        .call(Method::GET, "/api/v1/public/licences?q=张", None, None)
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body["licences"][0]["id"], id);
    assert_eq!(list.body["licences"][0]["holder_name"], "张*");
    assert!(!list.body.to_string().contains("510107199003071236"));
    let none = t
        .call(
            Method::GET,
            "/api/v1/public/licences?q=不存在的名称",
            None,
            None,
        )
        .await;
    assert_eq!(none.body["licences"], json!([]));

    let form = t
        .client
        .post(format!("{}/verify/{id}/report", t.base))
        .form(&[("text", "实际经营地址与证照不符")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    assert!(form.text().await.unwrap().contains("举报已收到"));
    let empty = t
        .client
        .post(format!("{}/verify/{id}/report", t.base))
        .form(&[("text", "  ")])
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let api = t
        .call(
            Method::POST,
            &format!("/api/v1/verify/{id}/reports"),
            None,
            Some(json!({"text": "证照被冒用"})),
        )
        .await;
    assert_eq!(api.status, StatusCode::ACCEPTED);
    let supervisor = t.login("supervisor").await;
    let alerts = t.get("/api/v1/alerts", &supervisor).await;
    let reports: Vec<&serde_json::Value> = alerts
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "public_report")
        .collect();
    assert_eq!(reports.len(), 2);
    assert!(
        reports
            .iter()
            .any(|a| a["note"] == "实际经营地址与证照不符")
    );
}

#[tokio::test]
async fn holders_are_reminded_once_before_a_licence_expires() {
    let t = TestApp::start().await;
    let applicant = t.login("jinjiang_books").await;
    let form = json!({
        "entity_name": "成都锦江书香文化有限公司", "credit_code": "91510107MA6C11110G", "legal_rep_name": "王书香",
        "mobile": "13800281234", "address": "成都市武侯区玉林街道玉林北路12号", "business_type": "餐饮服务经营者",
        "food_items": "自制饮品制售", "area": 85.0
    });
    let r = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": FOOD, "form": form}),
        )
        .await;
    let id = r.body["id"].as_i64().unwrap();
    for (user, action) in [
        ("clerk", "accept"),
        ("reviewer", "review"),
        ("inspector", "inspect"),
        ("approver", "approve"),
        ("officer", "produce"),
        ("officer", "issue"),
    ] {
        let token = t.login(user).await;
        assert_eq!(
            t.act(id, &token, action, Some("同意")).await.status,
            StatusCode::OK
        );
    }
    let licence = t.get(&format!("/api/v1/cases/{id}"), &applicant).await.body["licence_id"]
        .as_str()
        .unwrap()
        .to_string();
    let until = t
        .get(&format!("/api/v1/licences/{licence}"), &applicant)
        .await
        .body["valid_until"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(until, "2031-03-01", "five years, to the day before");
    t.app.run_due_timers().await.unwrap();
    let reminders = |body: serde_json::Value| -> Vec<serde_json::Value> {
        let list = body.as_array().cloned().unwrap_or_default();
        list.into_iter()
            .filter(|n| n["kind"] == "licence.expiring")
            .collect()
    };
    assert_eq!(
        reminders(t.get("/api/v1/notifications", &applicant).await.body),
        Vec::<serde_json::Value>::new()
    );
    t.clock.advance(Duration::days(5 * 365 - 20)); // twenty days before expiry
    t.app.run_due_timers().await.unwrap();
    t.app.run_due_timers().await.unwrap();
    let applicant = t.login("jinjiang_books").await;
    let inbox = t.get("/api/v1/notifications", &applicant).await;
    let list = reminders(inbox.body);
    assert_eq!(list.len(), 1, "reminded exactly once: {list:?}");
    assert_eq!(list[0]["kind"], "licence.expiring");
    assert!(list[0]["body"].as_str().unwrap().contains(&licence));
    t.clock.advance(Duration::days(30));
    let v = t
        .call(
            Method::GET,
            &format!("/api/v1/verify/{licence}"),
            None,
            None,
        )
        .await;
    assert_eq!(v.body["standing"], "expired");
}

#[tokio::test]
async fn materials_are_uploaded_once_bounded_and_private_to_their_owner() {
    let t = TestApp::start().await;
    let owner = t.login("zhangsan").await;
    let other = t.login("lisi").await;
    let pdf =
        b"%PDF-1.4\n% lease contract\n1 0 obj << >> endobj\ntrailer << >>\nstartxref\n9\n%%EOF\n"
            .to_vec();
    let up = |token: String, name: &str, body: Vec<u8>| {
        let req = t
            .client
            .post(format!("{}/api/v1/materials?name={name}", t.base))
            .bearer_auth(token)
            .body(body);
        async move { req.send().await.unwrap() }
    };
    let r = up(owner.clone(), "租赁合同.pdf", pdf.clone()).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let file: serde_json::Value = r.json().await.unwrap();
    let hash = file["hash"].as_str().unwrap().to_string();
    assert_eq!(hash.len(), 64);
    let again: serde_json::Value = up(owner.clone(), "租赁合同.pdf", pdf.clone())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["hash"], hash, "content-addressed");
    assert_eq!(
        up(owner.clone(), "virus.exe", b"MZ\x90\x00".to_vec())
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        up(owner.clone(), "empty.pdf", vec![]).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let mut big = b"%PDF-".to_vec();
    big.resize(11 * 1024 * 1024, b'x');
    assert_eq!(
        up(owner.clone(), "big.pdf", big).await.status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let clerk = t.login("clerk").await;
    assert_eq!(
        up(clerk.clone(), "a.pdf", pdf.clone()).await.status(),
        StatusCode::FORBIDDEN
    );

    assert_eq!(
        t.get(&format!("/api/v1/materials/{hash}"), &other)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let mine = t
        .client
        .get(format!("{}/api/v1/materials/{hash}", t.base))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(mine.headers()["content-type"], "application/pdf");
    assert_eq!(mine.headers()["x-content-type-options"], "nosniff");
    let disposition = mine.headers()["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.ends_with("UTF-8''%E7%A7%9F%E8%B5%81%E5%90%88%E5%90%8C.pdf"),
        "{disposition}"
    );
    assert_eq!(mine.bytes().await.unwrap().to_vec(), pdf);

    // Used in an application; the clerk reads it through the case.
    let r = t.post("/api/v1/cases", &owner, json!({"item": SOLE_TRADER, "form": sole_trader_form(), "materials": {"M03": {"file": hash}}})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let case_id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body["materials"]["M03"]["name"], "租赁合同.pdf");
    let seen = t
        .get(&format!("/api/v1/materials/{hash}?case={case_id}"), &clerk)
        .await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(
        t.get(&format!("/api/v1/materials/{hash}"), &clerk)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "staff only through a case"
    );
    let r = t.post("/api/v1/cases", &other, json!({"item": SOLE_TRADER, "form": sole_trader_form(), "materials": {"M03": {"file": hash}}})).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another applicant's file cannot be cited"
    );
}

/// A public report is an alert someone must handle: one address may make
/// only a few, and a licence receive only so many.
#[tokio::test]
async fn public_reports_are_limited_per_address() {
    let t = TestApp::start().await;
    let (_, licence) = issue_sole_trader(&t).await;
    let path = format!("/api/v1/verify/{licence}/reports");
    let mut statuses = Vec::new();
    for i in 0..8 {
        let r = t
            .client
            .post(format!("{}{path}", t.base))
            .json(&json!({"text": format!("第 {i} 次举报：证照与实际经营不符")}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(body["error"]["code"], "rate_limited");
            assert!(
                body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("举报过于频繁")
            );
        }
    }
    assert_eq!(statuses, [202, 202, 202, 202, 202, 429, 429, 429]);
    // After the hour the address may report again; a NUL is no report at all.
    t.clock.advance(chrono::Duration::minutes(61));
    let r = t.post(&path, "", json!({"text": "\u{0}"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    let r = t.post(&path, "", json!({"text": "又发现问题"})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
}

#[tokio::test]
async fn licence_routes_refuse_other_applicants_and_regulators_of_other_domains() {
    let t = TestApp::start().await;
    let (_, id) = issue_sole_trader(&t).await;
    let other = t.login("lisi").await;
    for path in [
        format!("/api/v1/licences/{id}"),
        format!("/api/v1/licences/{id}/pdf"),
    ] {
        assert_eq!(
            t.get(&path, &other).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_eq!(t.get("/api/v1/licences", &other).await.body, json!([]));
    for path in [
        format!("/api/v1/licences/{id}/revoke"),
        format!("/api/v1/licences/{id}/replace"),
    ] {
        assert_eq!(
            t.post(&path, &other, json!({"reason": "x"})).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let regulator = t.login("regulator").await;
    let reg_id = t.get("/api/v1/me", &regulator).await.body["id"]
        .as_i64()
        .unwrap();
    t.app
        .set_staff_profile(
            None,
            reg_id,
            onestamp_domain::assignment::StaffProfile {
                departments: vec!["wjj".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        t.get(&format!("/api/v1/licences/{id}"), &regulator)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(t.get("/api/v1/licences", &regulator).await.body, json!([]));
    t.app
        .set_staff_profile(
            None,
            reg_id,
            onestamp_domain::assignment::StaffProfile {
                departments: vec!["scjg".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        t.get(&format!("/api/v1/licences/{id}"), &regulator)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        t.get("/api/v1/licences", &regulator)
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn licences_sealed_before_a_key_rotation_stay_verifiable() {
    let t = TestApp::start().await;
    let (_, old) = issue_sole_trader(&t).await;
    // The operator rotates the seal: a new key, the old public key stays on record.
    let rotated = t
        .app
        .clone()
        .with_seal(onestamp_certificate::Seal::generate().unwrap())
        .await
        .unwrap();
    let v = rotated.verify_licence(&old).await.unwrap();
    assert_eq!(v.standing, onestamp_domain::licence::Standing::Valid);
    assert_eq!(t.store.seal_keys().await.unwrap().len(), 2);
}

/// The bureau's zone is a setting: with it set to New York, a case submitted on
/// Monday 2 March at 15:30 there (already Tuesday in Beijing) is numbered,
/// timed and licensed by New York's calendar day and office hours.
#[tokio::test]
async fn the_configured_time_zone_dates_numbers_deadlines_and_licences() {
    use chrono::{Datelike, Timelike};
    let zone = chrono_tz::America::New_York;
    let monday_afternoon = chrono::DateTime::parse_from_rfc3339("2026-03-02T15:30:00-05:00")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let t = TestApp::start_configured(monday_afternoon, |s| {
        s.calendar = s.calendar.clone().with_tz(zone);
    })
    .await;
    assert_eq!(t.app.today().to_string(), "2026-03-02");
    let (_, licence, r) = issue_sole_trader_as(&t, "zhangsan", sole_trader_form()).await;
    let number = r["number"].as_str().unwrap();
    assert!(number.starts_with("510107-20260302-"), "{number}");
    let deadline = chrono::DateTime::parse_from_rfc3339(r["deadline"].as_str().unwrap())
        .unwrap()
        .with_timezone(&zone);
    assert!(
        deadline.weekday().number_from_monday() <= 5 && (9..=17).contains(&deadline.hour()),
        "the deadline falls in New York office hours: {deadline}"
    );
    let applicant = t.login("zhangsan").await;
    let l = t
        .get(&format!("/api/v1/licences/{licence}"), &applicant)
        .await;
    assert_eq!(l.status, StatusCode::OK, "{:?}", l.body);
    assert_eq!(l.body["issued_on"], "2026-03-02", "{:?}", l.body);
    let v = t.get(&format!("/api/v1/verify/{licence}"), "").await;
    assert_eq!(v.body["licence"]["issued_on"], "2026-03-02", "{:?}", v.body);
}

/// The text of a response, whatever its type: JSON, HTML, or a PDF's text.
async fn surface_text(t: &TestApp, path: &str, token: Option<&str>) -> (StatusCode, String) {
    surface_text_kept(t, path, token, None).await
}

async fn surface_text_kept(
    t: &TestApp,
    path: &str,
    token: Option<&str>,
    keep_as: Option<&str>,
) -> (StatusCode, String) {
    let mut req = t.client.get(format!("{}{path}", t.base));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let bytes = resp.bytes().await.unwrap();
    if !bytes.starts_with(b"%PDF-") {
        return (status, String::from_utf8_lossy(&bytes).into_owned());
    }
    if let Some(name) = keep_as {
        // Kept to be looked at (rendered with pdftoppm), like the page screenshots.
        let dir =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(name), &bytes);
    }
    let file = t.dir.path().join(format!("surface-{}.pdf", rand_suffix()));
    std::fs::write(&file, &bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by the test script");
    (status, String::from_utf8_lossy(&out.stdout).into_owned())
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// 双盲 on every surface: on an item that masks identities, the holder's
/// citizen ID is shown whole only to the holder and intake, and — on the
/// printed licence only — to the officer who prints it; every other role,
/// the regulator, other applicants and the public never get it, on the case,
/// the licence, the licence list, the PDF or the public pages.
#[tokio::test]
async fn a_masked_identity_stays_masked_on_every_surface_for_every_role() {
    if !tool("pdftotext") {
        assert!(
            std::env::var_os("CI").is_none(),
            "poppler-utils must be installed under CI"
        );
        eprintln!("skipping: pdftotext missing");
        return;
    }
    let t = TestApp::start().await;
    let (case_id, licence) = issue_sole_trader(&t).await;
    const FULL: &str = "510107199003071236";
    const MASKED: &str = "5101**********1236";
    let surfaces = [
        format!("/api/v1/cases/{case_id}"),
        format!("/api/v1/licences/{licence}"),
        "/api/v1/licences".to_string(),
        format!("/api/v1/licences/{licence}/pdf"),
    ];
    // (user, surfaces that show the number whole)
    let whole: [(&str, &[usize]); 11] = [
        ("zhangsan", &[0, 1, 2, 3]),
        ("clerk", &[0, 1, 2, 3]),
        ("officer", &[3]),
        ("reviewer", &[]),
        ("inspector", &[]),
        ("approver", &[]),
        ("supervisor", &[]),
        ("admin", &[]),
        ("regulator", &[]),
        ("lisi", &[]),
        ("jinjiang_books", &[]),
    ];
    let mut masked_seen = 0;
    for (user, full_on) in whole {
        let token = t.login(user).await;
        for (i, path) in surfaces.iter().enumerate() {
            let (status, text) = surface_text(&t, path, Some(&token)).await;
            let shows = text.contains(FULL);
            assert_eq!(
                shows,
                full_on.contains(&i),
                "{user} on {path} ({status}): {}",
                &text[..text.len().min(400)]
            );
            if status.is_success() && !shows && text.contains(MASKED) {
                masked_seen += 1;
            }
        }
    }
    assert!(
        masked_seen >= 10,
        "staff see the number masked, not nothing: {masked_seen}"
    );
    for path in [
        format!("/verify/{licence}"),
        format!("/api/v1/verify/{licence}"),
        "/api/v1/public/licences".to_string(),
    ] {
        let (status, text) = surface_text(&t, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            !text.contains(FULL) && !text.contains(MASKED),
            "{path}: {text}"
        );
        assert!(
            !text.contains("张三"),
            "the public sees only the surname: {path}"
        );
    }
    // A masked copy says it is one.
    let reviewer = t.login("reviewer").await;
    let (_, text) = surface_text_kept(
        &t,
        &format!("/api/v1/licences/{licence}/pdf"),
        Some(&reviewer),
        Some("licence-viewing-copy.pdf"),
    )
    .await;
    assert!(text.contains("查看副本"), "{text}");
}

/// A valid citizen ID whose characters also make a valid credit code.
fn citizen_id_that_is_also_a_credit_code(today: chrono::NaiveDate) -> String {
    use onestamp_domain::validate::{CitizenId, CreditCode};
    (0..1000u32)
        .flat_map(|seq| {
            "0123456789X"
                .chars()
                .map(move |c| format!("51010719900101{seq:03}{c}"))
        })
        .find(|s| CitizenId::parse(s, today).is_ok() && CreditCode::parse(s).is_ok())
        .expect("such a number exists")
}

/// About 3% of citizen IDs also pass the credit-code check: a person with one is
/// still a person, because the kind is what they registered as. Their licence
/// says 公民身份号码 and the public sees only their surname.
#[tokio::test]
async fn a_person_whose_id_also_reads_as_a_credit_code_stays_a_person() {
    let t = TestApp::start().await;
    let twin = citizen_id_that_is_also_a_credit_code(t.app.today());
    let admin = t.login("admin").await;
    let body = |kind: Option<&str>| {
        let mut b = json!({"username": "wangwu", "display_name": "王五", "roles": ["applicant"],
            "identity": twin, "password": "demo"});
        if let Some(k) = kind {
            b["identity_kind"] = json!(k);
        }
        b
    };
    let r = t.post("/api/v1/users", &admin, body(None)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("登记类型")
    );
    let r = t.post("/api/v1/users", &admin, body(Some("person"))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["identity_kind"], "person");

    let mut form = sole_trader_form();
    form["operator_name"] = json!("王五");
    form["operator_id"] = json!(twin);
    let (_, licence, submitted) = issue_sole_trader_as(&t, "wangwu", form).await;
    assert_eq!(submitted["applicant"]["kind"], "person");
    let applicant = t.login("wangwu").await;
    let l = t
        .get(&format!("/api/v1/licences/{licence}"), &applicant)
        .await;
    assert_eq!(
        l.body["document"]["holder_identity"]["kind"], "citizen_id",
        "{:?}",
        l.body
    );
    assert_eq!(l.body["holder_is_person"], true);
    let public = t.get("/api/v1/public/licences", "").await;
    let names: Vec<&str> = public.body["licences"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["holder_name"].as_str())
        .collect();
    assert!(names.contains(&"王*"), "{names:?}");
    assert!(!names.contains(&"王五"), "{names:?}");
}
