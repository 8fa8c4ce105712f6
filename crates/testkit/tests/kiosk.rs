//! The self-service kiosk over HTTP: registering a kiosk, binding a device,
//! signing in with the simulated SMS code read from the store, wrong and
//! expired codes, applying for an instant item, printing its licence, the
//! audit entries with the channel and the kiosk, and the idle end.

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "test steps")]

use onestamp_testkit::fixtures::{NAME_CHANGE, SOLE_TRADER};
use onestamp_testkit::reqwest::StatusCode;
use onestamp_testkit::visitor::{Visitor, cookie_value, hidden};
use onestamp_testkit::{TestApp, json};

const ZHANGSAN: &str = "510107199003071236";
const MOBILE: &str = "13800281234";

/// The code in the latest simulated SMS to the mobile.
async fn latest_code(t: &TestApp) -> String {
    let texts = t.store.sms_to(MOBILE, 1).await.unwrap();
    let text = &texts.first().expect("an SMS").text;
    let at = text.find("验证码 ").expect("code in text") + "验证码 ".len();
    text[at..at + 6].to_string()
}

async fn issue_sole_trader(t: &TestApp) -> String {
    let form = json!({
        "entity_name": "武侯区玉林小面馆", "operator_name": "张三", "operator_id": ZHANGSAN,
        "mobile": MOBILE, "address": "成都市武侯区玉林街道玉林北路12号",
        "organisation_form": "个人经营", "staff_count": 2.0, "business_scope": "小吃服务；预包装食品销售"
    });
    let (_, _, licence) = t
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
    licence.expect("licence")
}

#[tokio::test]
async fn an_applicant_signs_in_at_a_kiosk_applies_for_an_instant_item_and_prints_the_licence() {
    let t = TestApp::start().await;
    let held = issue_sole_trader(&t).await;
    let (_, _) = t.app.demo_kiosk().await.unwrap().expect("the demo kiosk");

    // Registration is the admin's; the token is shown once.
    let admin = t.login("admin").await;
    let r = t
        .post(
            "/api/v1/kiosks",
            &admin,
            json!({"name": "自助终端02", "location": "玉林街道便民服务中心"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let token = r.body["token"].as_str().unwrap().to_string();
    let kiosk_id = r.body["id"].as_i64().unwrap();
    let r = t
        .post(
            "/api/v1/kiosks",
            &admin,
            json!({"name": " ", "location": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let applicant = t.login("zhangsan").await;
    let r = t
        .post(
            "/api/v1/kiosks",
            &applicant,
            json!({"name": "x", "location": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let list = t.get("/api/v1/kiosks", &admin).await;
    assert_eq!(list.body.as_array().unwrap().len(), 2);
    assert!(
        list.body[1].get("token").is_none(),
        "the token is never listed"
    );

    // An unbound device sees 本终端未登记.
    let mut v = Visitor::new(&t);
    let page = v.get("/kiosk").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.html.contains("本终端未登记"));
    // The binding form carries a nonce its cookie must match: a form posted
    // from elsewhere, without them, binds nothing.
    let forged = v.post("/kiosk/setup", &[("token", &token)]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.html.contains("来源无法确认"), "{}", forged.html);
    assert!(cookie_value(&forged.set_cookies, "onestamp_kiosk").is_none());
    let setup = v.get("/kiosk/setup").await;
    let nonce = cookie_value(&setup.set_cookies, "onestamp_kiosk_setup").unwrap();
    let csrf = hidden(&setup.html, "csrf");
    v.cookie = Some(format!("onestamp_kiosk_setup={nonce}"));
    let bad = v
        .post("/kiosk/setup", &[("csrf", &csrf), ("token", "0000")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("终端令牌无效"));
    let wrong_nonce = v
        .post(
            "/kiosk/setup",
            &[("csrf", "0".repeat(64).as_str()), ("token", &token)],
        )
        .await;
    assert_eq!(wrong_nonce.status, StatusCode::FORBIDDEN);
    let bound = v
        .post("/kiosk/setup", &[("csrf", &csrf), ("token", &token)])
        .await;
    assert_eq!(bound.status, StatusCode::SEE_OTHER, "{}", bound.html);
    let device = cookie_value(&bound.set_cookies, "onestamp_kiosk").unwrap();
    v.cookie = Some(format!("onestamp_kiosk={device}"));
    let start = v.get("/kiosk").await;
    assert_eq!(start.status, StatusCode::OK);
    assert!(start.html.contains("自助终端02"));

    // Sign-in: identity number, then the code from the simulated SMS.
    let form = v.get("/kiosk/signin?next=items").await;
    let csrf = hidden(&form.html, "csrf");
    let wrong_id = v
        .post(
            "/kiosk/signin",
            &[
                ("csrf", &csrf),
                ("identity", "510107199003071235"),
                ("next", "items"),
            ],
        )
        .await;
    assert_eq!(wrong_id.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong_id.html.contains("证件号码有误"));
    let sent = v
        .post(
            "/kiosk/signin",
            &[("csrf", &csrf), ("identity", ZHANGSAN), ("next", "items")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.html);
    assert!(sent.html.contains("138****1234"));
    let code = latest_code(&t).await;
    let again = v
        .post(
            "/kiosk/signin",
            &[("csrf", &csrf), ("identity", ZHANGSAN), ("next", "items")],
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::TOO_MANY_REQUESTS,
        "a second code waits a minute"
    );
    let no_csrf = v
        .post("/kiosk/code", &[("identity", ZHANGSAN), ("code", &code)])
        .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = v
        .post(
            "/kiosk/code",
            &[
                ("csrf", &csrf),
                ("identity", ZHANGSAN),
                ("code", wrong),
                ("next", "items"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused.html.contains("验证码错误，还可再试 4 次"),
        "{}",
        refused.html
    );

    // An expired code is refused with its own words.
    t.clock.advance(chrono::Duration::minutes(6));
    let late = v
        .post(
            "/kiosk/code",
            &[
                ("csrf", &csrf),
                ("identity", ZHANGSAN),
                ("code", &code),
                ("next", "items"),
            ],
        )
        .await;
    assert_eq!(late.status, StatusCode::UNAUTHORIZED);
    assert!(late.html.contains("验证码已过期"));
    let sent = v
        .post(
            "/kiosk/signin",
            &[("csrf", &csrf), ("identity", ZHANGSAN), ("next", "items")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK);
    let code = latest_code(&t).await;
    let signed = v
        .post(
            "/kiosk/code",
            &[
                ("csrf", &csrf),
                ("identity", ZHANGSAN),
                ("code", &code),
                ("next", "items"),
            ],
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.html);
    assert_eq!(signed.location.as_deref(), Some("/kiosk/items"));
    let session = cookie_value(&signed.set_cookies, "onestamp_kiosk_session").unwrap();
    v.cookie = Some(format!(
        "onestamp_kiosk={device}; onestamp_kiosk_session={session}"
    ));
    let reused = v
        .post(
            "/kiosk/code",
            &[
                ("csrf", &csrf),
                ("identity", ZHANGSAN),
                ("code", &code),
                ("next", "items"),
            ],
        )
        .await;
    assert_eq!(
        reused.status,
        StatusCode::UNAUTHORIZED,
        "a code signs in once"
    );

    // The grid offers the instant item; applying decides it at once.
    let grid = v.get("/kiosk/items").await;
    assert_eq!(grid.status, StatusCode::OK);
    assert!(grid.html.contains(NAME_CHANGE));
    let form = v.get(&format!("/kiosk/items/{NAME_CHANGE}")).await;
    assert!(
        form.html.contains(&format!("licence:{held}")),
        "the held licence is offered"
    );
    let done = v
        .post(
            &format!("/kiosk/items/{NAME_CHANGE}"),
            &[
                ("csrf", &csrf),
                ("f.credit_code", "92510107MA6C8R5D17"),
                ("f.old_name", "武侯区玉林小面馆"),
                ("f.new_name", "武侯区玉林老街面馆"),
                ("f.operator_id", ZHANGSAN),
                ("f.mobile", MOBILE),
                ("m.M02", &format!("licence:{held}")),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let result = v.get(done.location.as_deref().unwrap()).await;
    assert!(result.html.contains("已办结"), "{}", result.html);
    let licence = hidden_text(&result.html, "k-licence");
    let pdf = v.get(&format!("/kiosk/print/licences/{licence}")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    let listing = v.get("/kiosk/print").await;
    assert!(listing.html.contains(&licence) && listing.html.contains(&held));
    assert!(
        listing.html.contains("/kiosk/print/cases/"),
        "documents to print"
    );

    // The audit chain: the submission and the print carry the channel and the kiosk.
    let entries = t.store.audit_entries(0, 10_000).await.unwrap();
    let submitted = entries
        .iter()
        .find(|e| e.kind == "case.submit" && detail(&e.detail)["channel"] == "kiosk")
        .expect("the kiosk submission's entry");
    assert_eq!(detail(&submitted.detail)["kiosk"], kiosk_id);
    let printed = entries
        .iter()
        .find(|e| e.kind == "licence.print")
        .expect("the print's entry");
    assert_eq!(
        (
            detail(&printed.detail)["channel"]
                .as_str()
                .map(str::to_string),
            detail(&printed.detail)["kiosk"].as_i64()
        ),
        (Some("kiosk".to_string()), Some(kiosk_id))
    );
    assert!(entries.iter().any(|e| e.kind == "kiosk.signin"));

    // Idle for longer than kiosk_idle_secs: the server ends the session.
    t.clock.advance(chrono::Duration::seconds(121));
    let ended = v.get("/kiosk/items").await;
    assert_eq!(ended.status, StatusCode::UNAUTHORIZED);
    assert!(ended.html.contains("已超时"));

    // Disabling the kiosk unbinds it.
    let r = t
        .call(
            onestamp_testkit::reqwest::Method::PATCH,
            &format!("/api/v1/kiosks/{kiosk_id}"),
            Some(&admin),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(v.get("/kiosk").await.status, StatusCode::FORBIDDEN);
}

/// The text of the element with `id` (a `<dd id=…>`).
fn hidden_text(html: &str, id: &str) -> String {
    let at = html.find(&format!("id=\"{id}\">")).expect(id) + id.len() + 6;
    html[at..].split('<').next().unwrap().to_string()
}

fn detail(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap()
}
