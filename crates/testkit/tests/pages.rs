//! The applicant portal's pages against the real server, as a browser without
//! JavaScript would use them: login with a session cookie, CSRF refusals, the
//! application form re-rendered with messages beside its fields, a valid
//! application landing on its case page that nobody else can open, an instant
//! item's licence printed for the page session, and the staff landing page.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use onestamp_testkit::fixtures::{NAME_CHANGE, SOLE_TRADER, name_change_form};
use onestamp_testkit::reqwest::{StatusCode, header};
use onestamp_testkit::visitor::{Visitor, cookie_value, hidden};
use onestamp_testkit::{TestApp, json};

fn sole_trader_fields(operator_id: &str, mobile: &str) -> Vec<(String, String)> {
    [
        ("f.entity_name", "武侯区玉林小面馆"),
        ("f.operator_name", "张三"),
        ("f.operator_id", operator_id),
        ("f.mobile", mobile),
        ("f.address", "成都市武侯区玉林街道玉林北路12号"),
        ("f.organisation_form", "个人经营"),
        ("f.staff_count", "2"),
        ("f.business_scope", "小吃服务"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn with_csrf(mut fields: Vec<(String, String)>, csrf: &str) -> Vec<(String, String)> {
    fields.push(("csrf".into(), csrf.into()));
    fields
}

fn borrowed(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[tokio::test]
async fn logging_in_on_the_page_sets_an_http_only_session_cookie() {
    let t = TestApp::start().await;
    let mut v = Visitor::new(&t);
    let anonymous = v.get("/cases").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.location.as_deref(), Some("/login?next=/cases"));

    let r = v.login("zhangsan", "demo").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    assert_eq!(r.location.as_deref(), Some("/"));
    let cookie = r
        .set_cookies
        .iter()
        .find(|c| c.starts_with("onestamp_session="))
        .expect("session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let home = v.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.html.contains("张三") && home.html.contains("我的办件"));
    let mine = v.get("/cases").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.html.contains("暂无办件"));
    // The cookie is a page session only: the API still wants a bearer token.
    let api = v.get("/api/v1/cases").await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);

    let csrf = v.csrf().await;
    let out = v.post("/logout", &[("csrf", csrf.as_str())]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(
        out.set_cookies
            .iter()
            .any(|c| c.starts_with("onestamp_session=;") && c.contains("Max-Age=0"))
    );
    // The token is revoked, not only forgotten by the browser.
    assert_eq!(v.get("/cases").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_failed_login_says_why_in_chinese_and_locks_after_repeated_failures() {
    let t = TestApp::start().await;
    let mut v = Visitor::new(&t);
    let r = v.login("zhangsan", "wrong").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.html.contains("用户名或密码错误"), "{}", r.html);
    assert!(r.html.contains("value=\"zhangsan\""));
    assert!(v.cookie.is_none());
    let mut last = r;
    for _ in 0..5 {
        last = v.login("zhangsan", "wrong").await;
    }
    assert_eq!(last.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(last.html.contains("锁定"), "{}", last.html);

    // A login post without the page's nonce is refused.
    let forged = v
        .post(
            "/login",
            &[("username", "lisi"), ("password", "demo"), ("csrf", "x")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(cookie_value(&forged.set_cookies, "onestamp_session").is_none());
}

#[tokio::test]
async fn page_posts_without_the_right_csrf_token_are_refused() {
    let t = TestApp::start().await;
    let mut v = Visitor::new(&t);
    v.login("zhangsan", "demo").await;
    let path = format!("/items/{SOLE_TRADER}/apply");
    let fields = sole_trader_fields("510107199003071236", "13800281234");

    let missing = v.post(&path, &borrowed(&fields)).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(missing.html.contains("安全校验未通过"), "{}", missing.html);

    let other = {
        let mut w = Visitor::new(&t);
        w.login("lisi", "demo").await;
        w.csrf().await
    };
    let wrong = v
        .post(&path, &borrowed(&with_csrf(fields.clone(), &other)))
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);

    let logout = v.post("/logout", &[("csrf", "0000")]).await;
    assert_eq!(logout.status, StatusCode::FORBIDDEN);
    // Nothing was filed and the session still stands.
    let mine = v.get("/cases").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.html.contains("暂无办件"));
}

#[tokio::test]
async fn a_refused_form_comes_back_with_the_values_and_a_message_beside_each_field() {
    let t = TestApp::start().await;
    let mut v = Visitor::new(&t);
    v.login("zhangsan", "demo").await;
    let csrf = v.csrf().await;
    let form = v.get(&format!("/items/{SOLE_TRADER}/apply")).await;
    assert_eq!(form.status, StatusCode::OK);
    for part in [
        "data-check=\"citizen_id\"",
        "data-check=\"mobile\"",
        "/static/forms.js",
        "经营者公民身份号码",
        "class=\"req\"",
    ] {
        assert!(form.html.contains(part), "{part}");
    }

    let mut fields = sole_trader_fields("510107199003071237", "");
    fields.retain(|(k, _)| k != "f.staff_count");
    fields.push(("f.staff_count".into(), "两个".into()));
    let r = v
        .post(
            &format!("/items/{SOLE_TRADER}/apply"),
            &borrowed(&with_csrf(fields, &csrf)),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.html);
    let beside = |key: &str| {
        let start = r.html.find(&format!("id=\"f-{key}-check\"")).unwrap();
        r.html[start..].split("</span>").next().unwrap().to_string()
    };
    assert!(
        beside("operator_id").contains("校验码错误"),
        "{}",
        beside("operator_id")
    );
    assert!(beside("mobile").contains("必填"), "{}", beside("mobile"));
    assert!(
        beside("staff_count").contains("数字"),
        "{}",
        beside("staff_count")
    );
    assert!(r.html.contains("value=\"510107199003071237\""));
    assert!(r.html.contains("武侯区玉林小面馆"));
    assert!(r.html.contains("未能提交"));

    let unknown = v.get("/items/NO-SUCH-ITEM/apply").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_valid_application_lands_on_its_case_page_which_nobody_else_can_open() {
    let t = TestApp::start().await;
    let mut v = Visitor::new(&t);
    v.login("zhangsan", "demo").await;
    let csrf = v.csrf().await;
    let fields = with_csrf(
        sole_trader_fields("510107199003071236", "13800281234"),
        &csrf,
    );
    let r = v
        .post(&format!("/items/{SOLE_TRADER}/apply"), &borrowed(&fields))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    let location = r.location.unwrap();
    assert!(location.starts_with("/cases/"), "{location}");
    let case = v.get(&location).await;
    assert_eq!(case.status, StatusCode::OK);
    assert!(case.html.contains("510107-20260302-"), "{}", case.html);
    assert!(case.html.contains("预审"));
    assert!(case.html.contains("提交申请"));
    assert!(case.html.contains("机器预审"));
    assert!(case.html.contains("撤回申请"));
    let mine = v.get("/cases").await;
    assert!(mine.html.contains("个体工商户设立登记"));

    // The same case over the API: filed on the web channel by the same use case.
    let token = t.login("zhangsan").await;
    let id = location.trim_start_matches("/cases/");
    let api = t.get(&format!("/api/v1/cases/{id}"), &token).await;
    assert_eq!(api.body["channel"], "web");
    assert_eq!(api.body["status"], "pre_review");

    let mut other = Visitor::new(&t);
    other.login("lisi", "demo").await;
    let refused = other.get(&location).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert!(!refused.html.contains("510107-20260302-"));
    let not_a_case = other.get("/cases/abc").await;
    assert_eq!(not_a_case.status, StatusCode::NOT_FOUND);

    // Each action is a form of its own with its own opinion box; withdrawing,
    // a negative action, asks for a confirmation first.
    assert!(
        case.html.contains(r#"data-action="withdraw""#) && case.html.contains(r#"name="confirm""#),
        "{}",
        case.html
    );
    let version = api.body["version"].as_i64().unwrap().to_string();
    let unconfirmed = v
        .post(
            &format!("{location}/actions"),
            &[
                ("csrf", csrf.as_str()),
                ("action", "withdraw"),
                ("version", version.as_str()),
                ("opinion", ""),
            ],
        )
        .await;
    assert!(
        unconfirmed.html.contains("请确认后再提交"),
        "{}",
        unconfirmed.html
    );
    assert!(!v.get(&location).await.html.contains("已撤回"));
    // The applicant withdraws from the case page, with the page's CSRF token.
    let withdrawn = v
        .post(
            &format!("{location}/actions"),
            &[
                ("csrf", csrf.as_str()),
                ("action", "withdraw"),
                ("version", version.as_str()),
                ("opinion", ""),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(
        withdrawn.status,
        StatusCode::SEE_OTHER,
        "{}",
        withdrawn.html
    );
    assert!(v.get(&location).await.html.contains("已撤回"));
}

#[tokio::test]
async fn an_instant_application_shows_its_licence_and_prints_it_for_the_page_session() {
    let t = TestApp::start().await;
    // zhangsan first holds a sole-trader licence, as the name change requires.
    let applicant = t.login("zhangsan").await;
    let r = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": SOLE_TRADER, "channel": "counter", "form": {
                "entity_name": "武侯区玉林小面馆", "operator_name": "张三",
                "operator_id": "510107199003071236", "mobile": "13800281234",
                "address": "成都市武侯区玉林街道玉林北路12号", "organisation_form": "个人经营",
                "staff_count": 2.0, "business_scope": "小吃服务"}}),
        )
        .await;
    let id = r.body["id"].as_i64().unwrap();
    for (user, action) in [
        ("clerk", "accept"),
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
    let issued = t.get(&format!("/api/v1/cases/{id}"), &applicant).await;
    assert_eq!(issued.body["status"], "issued", "{:?}", issued.body);
    let credit_code = name_change_form()["credit_code"]
        .as_str()
        .unwrap()
        .to_string();

    let mut v = Visitor::new(&t);
    v.login("zhangsan", "demo").await;
    // 双盲: people's steps are "工作人员" on the timeline, never the system's 秒批.
    let handled = v.get(&format!("/cases/{id}")).await;
    assert!(handled.html.contains("工作人员"), "{}", handled.html);
    assert!(!handled.html.contains("秒批"), "{}", handled.html);
    let form = v.get(&format!("/items/{NAME_CHANGE}/apply")).await;
    // The licence held stands in for the material (免提交), chosen by default.
    assert!(form.html.contains("以电子证照"), "{}", form.html);
    let csrf = v.csrf().await;
    let material = hidden_select_value(&form.html);
    let fields = [
        ("csrf", csrf.as_str()),
        ("f.credit_code", credit_code.as_str()),
        ("f.old_name", "武侯区玉林小面馆"),
        ("f.new_name", "武侯区玉林老街面馆"),
        ("f.operator_id", "510107199003071236"),
        ("f.mobile", "13800281234"),
        ("m.M02", material.as_str()),
    ];
    let r = v
        .post(&format!("/items/{NAME_CHANGE}/apply"), &fields)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    let case = v.get(r.location.as_deref().unwrap()).await;
    assert!(case.html.contains("已出证办结"), "{}", case.html);
    assert!(case.html.contains("全部通过"));
    assert!(case.html.contains("系统自动办理（秒批）"), "{}", case.html);
    assert!(!case.html.contains("工作人员"), "{}", case.html);
    let licence = hidden_between(&case.html, "id=\"licence-id\">", "<");
    let pdf = v
        .send(v.client.get(format!("{}/licences/{licence}/pdf", v.base)))
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.html.starts_with("%PDF-"));

    let mut other = Visitor::new(&t);
    other.login("lisi", "demo").await;
    assert_eq!(
        other.get(&format!("/licences/{licence}/pdf")).await.status,
        StatusCode::NOT_FOUND
    );
}

/// The selected option of the first material select.
fn hidden_select_value(html: &str) -> String {
    let start = html.find("<option value=\"licence:").unwrap() + "<option value=\"".len();
    html[start..].split('"').next().unwrap().to_string()
}

fn hidden_between(html: &str, from: &str, to: &str) -> String {
    let start = html.find(from).unwrap() + from.len();
    html[start..].split(to).next().unwrap().to_string()
}

#[tokio::test]
async fn staff_land_on_a_workbench_table_of_their_open_tasks() {
    let t = TestApp::start().await;
    let applicant = t.login("zhangsan").await;
    let r = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": SOLE_TRADER, "channel": "web", "form": {
                "operator_name": "张三", "operator_id": "510107199003071236",
                "mobile": "13800281234", "address": "成都市武侯区玉林街道玉林北路12号",
                "organisation_form": "个人经营", "staff_count": 1.0, "business_scope": "小吃服务"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let number = r.body["number"].as_str().unwrap().to_string();

    let mut v = Visitor::new(&t);
    let login = v.login("clerk", "demo").await;
    assert_eq!(login.location.as_deref(), Some("/workbench"));
    let page = v.get("/workbench").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.html.contains("/api/"),
        "no API on a page: {}",
        page.html
    );
    assert!(page.html.contains("id=\"task-table\""), "{}", page.html);
    assert!(page.html.contains(&number), "{}", page.html);
    assert!(!page.html.contains("more-tasks"), "one task, one page");
    let apply = v.get(&format!("/items/{SOLE_TRADER}/apply")).await;
    assert_eq!(apply.status, StatusCode::FORBIDDEN);
    // A cursor that does not parse starts from the top.
    let odd = v.get("/workbench?after=%3Cscript%3E").await;
    assert_eq!(odd.status, StatusCode::OK);
    assert!(odd.html.contains(&number));
}

#[tokio::test]
async fn the_workbench_pages_through_many_tasks() {
    let t = TestApp::start().await;
    let applicant = t.login("zhangsan").await;
    for _ in 0..55 {
        let r = t
            .post(
                "/api/v1/cases",
                &applicant,
                json!({"item": SOLE_TRADER, "channel": "web", "form": {
                    "operator_name": "张三", "operator_id": "510107199003071236",
                    "mobile": "13800281234", "address": "成都市武侯区玉林街道玉林北路12号",
                    "organisation_form": "个人经营", "staff_count": 1.0, "business_scope": "小吃服务"}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    }
    let clerk = t.login("clerk").await;
    let all = t.get("/api/v1/tasks", &clerk).await;
    let expected: Vec<String> = all
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["number"].as_str().map(String::from))
        .collect();
    assert!(
        expected.len() > 50,
        "the demo clerk holds every task: {}",
        expected.len()
    );

    let mut v = Visitor::new(&t);
    v.login("clerk", "demo").await;
    let mut path = "/workbench".to_string();
    let mut pages = 0;
    let mut seen = Vec::new();
    loop {
        let page = v.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        pages += 1;
        for n in &expected {
            if page.html.contains(n.as_str()) && !seen.contains(n) {
                seen.push(n.clone());
            }
        }
        let Some(rest) = page.html.split("href=\"/workbench?after=").nth(1) else {
            break;
        };
        path = format!("/workbench?after={}", rest.split('"').next().unwrap());
        assert!(pages < 5, "paging does not end");
    }
    assert_eq!(pages, expected.len().div_ceil(50));
    assert_eq!(
        seen.len(),
        expected.len(),
        "every task on exactly one of the pages"
    );
}

#[tokio::test]
async fn the_catalogue_and_guides_are_public_and_the_script_is_served_by_the_binary() {
    let t = TestApp::start().await;
    let v = Visitor::new(&t);
    let home = v.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.html.contains("成都市武侯区市场监督管理局"));
    assert!(home.html.contains(&format!("/items/{SOLE_TRADER}")));
    let items = v.get("/items").await;
    assert!(items.html.contains("主题服务"));
    let guide = v.get(&format!("/items/{NAME_CHANGE}")).await;
    assert_eq!(guide.status, StatusCode::OK);
    assert!(guide.html.contains("个体工商户名称变更登记") && guide.html.contains("秒批"));
    assert_eq!(v.get("/items/NO-SUCH").await.status, StatusCode::NOT_FOUND);
    let js = v.get("/static/forms.js").await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.html.contains("/api/v1/validate/"));
    let css = v.get("/static/portal.css").await;
    assert_eq!(css.status, StatusCode::OK);
    let policy = home.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(policy.contains("default-src 'self'"), "{policy}");
    assert_eq!(home.headers[header::CACHE_CONTROL], "no-store");
    for external in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
        assert!(
            !home.html.contains(external),
            "no external resources: {external}"
        );
    }
}

/// Staff take a counter case from intake to issued on its page alone: each
/// action is its own form (`data-action`) with its own opinion box; a common
/// opinion may stand in for typing one; refusals sit apart, need a reason and a
/// confirmation; errors name actions and statuses, never their codes.
#[tokio::test]
async fn staff_take_a_case_to_issued_through_its_page_with_their_opinions() {
    let t = TestApp::start().await;
    let applicant = t.login("zhangsan").await;
    let r = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": SOLE_TRADER, "channel": "counter", "form": {
                "operator_name": "张三", "operator_id": "510107199003071236",
                "mobile": "13800281234", "address": "成都市武侯区玉林街道玉林北路12号",
                "organisation_form": "个人经营", "staff_count": 1.0, "business_scope": "小吃服务"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    let path = format!("/cases/{id}");
    for (user, action, typed, template) in [
        (
            "clerk",
            "accept",
            "",
            "申请材料齐全，符合法定形式，予以受理。",
        ),
        ("approver", "approve", "符合条件，准予登记。", ""),
        ("officer", "produce", "", "证照信息核对无误，已制证。"),
        ("officer", "issue", "已当场送达。", ""),
    ] {
        let mut v = Visitor::new(&t);
        v.login(user, "demo").await;
        let page = v.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{user}: {}", page.html);
        let panel = format!(r#"data-action="{action}""#);
        assert!(
            page.html.contains(&panel),
            "{user} sees {action}: {}",
            page.html
        );
        assert!(
            page.html
                .contains(&format!(r#"id="opinion-{action}" name="opinion""#)),
            "its own opinion box"
        );
        if user == "approver" {
            // 不予许可 is a negative panel: a reason and a confirmation.
            let deny = page.html.split(r#"data-action="deny""#).nth(1).unwrap();
            let deny = deny.split("</form>").next().unwrap();
            assert!(deny.contains("required") && deny.contains(r#"name="confirm""#));
            assert!(
                page.html
                    .contains(r#"class="action-panel negative" data-action="deny""#)
            );
            assert!(deny.contains(r#"class="danger""#));
        }
        let csrf = hidden(&page.html, "csrf");
        let version = hidden(&page.html, "version");
        let done = v
            .post(
                &format!("{path}/actions"),
                &[
                    ("csrf", csrf.as_str()),
                    ("action", action),
                    ("version", version.as_str()),
                    ("opinion", typed),
                    ("template", template),
                ],
            )
            .await;
        assert_eq!(
            done.status,
            StatusCode::SEE_OTHER,
            "{user} {action}: {}",
            done.html
        );
        if action == "accept" {
            // The same action again, on the stale page: a conflict in words.
            let again = v
                .post(
                    &format!("{path}/actions"),
                    &[
                        ("csrf", csrf.as_str()),
                        ("action", "accept"),
                        ("version", version.as_str()),
                        ("opinion", "再次受理"),
                    ],
                )
                .await;
            assert!(
                !again.html.contains("accept"),
                "no action code: {}",
                again.html
            );
        }
    }
    let case = t.get(&format!("/api/v1/cases/{id}"), &applicant).await;
    assert_eq!(case.body["status"], "issued", "{:?}", case.body);
    let opinions: Vec<&str> = case.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["opinion"].as_str())
        .collect();
    assert_eq!(
        opinions,
        [
            "申请材料齐全，符合法定形式，予以受理。",
            "符合条件，准予登记。",
            "证照信息核对无误，已制证。",
            "已当场送达。"
        ]
    );
}
