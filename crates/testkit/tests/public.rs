//! What the public does without an account: look up a case's progress with its
//! query code (no personal data, wrong codes limited), register as a person or
//! an organisation (identity numbers checked, duplicates and weak passwords
//! refused, in Chinese), read every section of an item's service guide, and
//! search the catalogue from the home page, 个人办事 apart from 法人办事.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use onestamp_testkit::fixtures::{FOOD, SOLE_TRADER, food_form};
use onestamp_testkit::reqwest::{Method, StatusCode, header};
use onestamp_testkit::visitor::{Visitor, cookie_value, hidden};
use onestamp_testkit::{Reply, TestApp, assert_error, json};

/// A food licence case filed by the demo enterprise and accepted by the clerk
/// with an opinion naming people: its id, number and query code.
async fn accepted_case(t: &TestApp) -> (i64, String, String) {
    let applicant = t.login("jinjiang_books").await;
    let r = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": FOOD, "channel": "web", "form": food_form()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    let number = r.body["number"].as_str().unwrap().to_string();
    let code = r.body["query_code"].as_str().unwrap().to_string();
    for (who, action) in [("clerk", "accept"), ("clerk", "accept")] {
        let staff = t.login(who).await;
        let case = t.get(&format!("/api/v1/cases/{id}"), &staff).await;
        if case.body["actions"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == action))
        {
            let done = t
                .act(id, &staff, action, Some("经办人李四核对，王书香材料齐全"))
                .await;
            assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
        }
    }
    (id, number, code)
}

async fn lookup(t: &TestApp, number: &str, code: &str) -> Reply {
    t.call(
        Method::GET,
        &format!("/api/v1/public/cases/{number}?code={code}"),
        None,
        None,
    )
    .await
}

#[tokio::test]
async fn anyone_with_the_number_and_code_sees_the_progress_and_nothing_personal() {
    let t = TestApp::start().await;
    let (id, number, code) = accepted_case(&t).await;
    let r = lookup(&t, &number, &code.to_lowercase()).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["number"], number.as_str());
    assert_eq!(r.body["item_code"], FOOD);
    assert!(
        r.body["status_label"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    let stages = r.body["stages"].as_array().unwrap();
    assert!(stages.iter().any(|s| s["state"] == "done"), "{stages:?}");
    assert!(stages.iter().any(|s| s["state"] == "current"), "{stages:?}");
    let current = stages.iter().find(|s| s["state"] == "current").unwrap();
    assert!(current["light"].is_string() && current["deadline"].is_string());
    assert!(r.body["steps"].as_array().unwrap().len() >= 2);

    // Nothing that names or identifies anybody.
    let text = r.body.to_string();
    let clerk = t.login("clerk").await;
    let case = t.get(&format!("/api/v1/cases/{id}"), &clerk).await;
    let applicant_name = case.body["applicant"]["name"].as_str().unwrap().to_string();
    for secret in [
        applicant_name.as_str(),
        "91510107MA6C11110G",
        "王书香",
        "李四",
        "13800281234",
        "玉林北路",
        "opinion",
        "actor",
        "assignee",
        "applicant",
        "handler",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }

    // The page: a form without login, then the timeline.
    let v = Visitor::new(&t);
    let form = v.get(&format!("/lookup?number={number}")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains("id=\"lookup-form\""));
    assert!(form.html.contains(&format!("value=\"{number}\"")));
    let page = v
        .post("/lookup", &[("number", &number), ("code", &code)])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("id=\"progress-status\""));
    assert!(page.html.contains("id=\"progress-stages\""));
    assert!(page.html.contains("data-state=\"current\""));
    for secret in [
        applicant_name.as_str(),
        "王书香",
        "李四",
        "91510107MA6C11110G",
    ] {
        assert!(!page.html.contains(secret), "{secret} on the page");
    }
    // The home page, the receipt's case page and the guide lead to the lookup.
    assert!(v.get("/").await.html.contains("href=\"/lookup\""));
    let owner = Visitor::logged_in(&t, "jinjiang_books").await;
    let own = owner.get(&format!("/cases/{id}")).await;
    assert!(
        own.html
            .contains(&format!("href=\"/lookup?number={number}\"")),
        "{}",
        own.html
    );
}

#[tokio::test]
async fn a_wrong_code_is_refused_like_an_unknown_number_and_then_limited() {
    let t = TestApp::start().await;
    let (_, number, code) = accepted_case(&t).await;
    let wrong = if code.starts_with('A') {
        "CCCCCCCC"
    } else {
        "AAAAAAAA"
    };
    let r = lookup(&t, &number, wrong).await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    let message = r.body["error"]["message"].as_str().unwrap().to_string();
    assert!(message.contains("查询码"), "{message}");
    let unknown = lookup(&t, "510107-20200101-999999", wrong).await;
    assert_error(&unknown, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert_eq!(unknown.body["error"]["message"], message.as_str());
    // Malformed input is told apart in words, and not counted.
    let bad = lookup(&t, "abc", &code).await;
    assert_error(&bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert!(
        bad.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("办件编号")
    );
    let missing = t
        .call(
            Method::GET,
            &format!("/api/v1/public/cases/{number}"),
            None,
            None,
        )
        .await;
    assert_error(&missing, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");

    // 10 wrong lookups from one address; the next is refused, even with the
    // right code, until the window passes.
    for _ in 0..8 {
        let r = lookup(&t, &number, wrong).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    }
    let limited = lookup(&t, &number, wrong).await;
    assert_error(&limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(
        limited.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("后再试")
    );
    let right = lookup(&t, &number, &code).await;
    assert_error(&right, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let v = Visitor::new(&t);
    let page = v
        .post("/lookup", &[("number", &number), ("code", &code)])
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.html.contains("id=\"lookup-error\""));
}

fn person(username: &str, identity: &str, password: &str) -> serde_json::Value {
    json!({
        "kind": "person", "username": username, "password": password,
        "name": "赵小敏", "identity": identity, "mobile": "13912345678"
    })
}

async fn register(t: &TestApp, body: serde_json::Value) -> Reply {
    t.call(Method::POST, "/api/v1/register", None, Some(body))
        .await
}

#[tokio::test]
async fn a_person_and_an_organisation_register_and_log_in() {
    let t = TestApp::start().await;
    let r = register(&t, person("zhaoxm", "510107198511114568", "Wuhou2026a")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["account"]["username"], "zhaoxm");
    assert_eq!(r.body["account"]["kind"], "person");
    assert_eq!(r.body["account"]["verified_externally"], false);
    assert!(r.body["message"].as_str().unwrap().contains("注册成功"));
    let login = t
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "zhaoxm", "password": "Wuhou2026a"})),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);

    let org = json!({
        "kind": "organisation", "username": "rongcheng_tea", "password": "Tea2026shop",
        "name": "成都蓉城茶舍有限公司", "identity": "91510107MA6C222219",
        "legal_rep": "周蓉", "contact_name": "陈小东", "mobile": "13700001111"
    });
    let r = register(&t, org.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["account"]["kind"], "organisation");
    // An organisation needs its legal representative and contact.
    let mut no_rep = org.clone();
    no_rep["username"] = json!("another_tea");
    no_rep["identity"] = json!("92510107MA6C44441H");
    no_rep["legal_rep"] = json!("");
    let r = register(&t, no_rep).await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("法定代表人")
    );

    // The page registers and logs in at once.
    let v = Visitor::new(&t);
    let form = v.get("/register?kind=organisation").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains("id=\"reg-legal-rep\""));
    let nonce = cookie_value(&form.set_cookies, "onestamp_register").unwrap();
    let csrf = hidden(&form.html, "csrf");
    let fields = [
        ("csrf", csrf.as_str()),
        ("kind", "person"),
        ("username", "qianlei"),
        ("name", "钱磊"),
        ("identity", "51010720010520789x"),
        ("mobile", "13698765432"),
        ("password", "Qian2026lei"),
        ("password_confirm", "Qian2026lei"),
    ];
    let done = v
        .send(
            v.client
                .post(format!("{}/register", v.base))
                .header(header::COOKIE, format!("onestamp_register={nonce}"))
                .form(&fields),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let session = cookie_value(&done.set_cookies, "onestamp_session").expect("logged in");
    let mut me = Visitor::new(&t);
    me.cookie = Some(format!("onestamp_session={session}"));
    let home = me.get(done.location.as_deref().unwrap()).await;
    assert!(
        home.html.contains("id=\"registered-note\""),
        "{}",
        home.html
    );
    assert!(home.html.contains("钱磊"));
    // Without the page's nonce the form is refused.
    let forged = v.post("/register", &fields).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_identities_duplicates_and_weak_passwords_are_refused_in_chinese() {
    let t = TestApp::start().await;
    let bad_id = register(&t, person("wang1", "510107198511114569", "Wuhou2026a")).await;
    assert_error(&bad_id, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert!(
        bad_id.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("公民身份号码无效")
    );
    let bad_code = register(
        &t,
        json!({
            "kind": "organisation", "username": "badcode", "password": "Good2026pass",
            "name": "某某公司", "identity": "91510107MA6C222218",
            "legal_rep": "周蓉", "contact_name": "陈小东", "mobile": "13700001111"
        }),
    )
    .await;
    assert_error(&bad_code, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert!(
        bad_code.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("统一社会信用代码无效")
    );
    // zhangsan (a demo applicant) holds this citizen ID.
    let dup = register(&t, person("zhang2", "510107199003071236", "Wuhou2026a")).await;
    assert_error(&dup, StatusCode::CONFLICT, "duplicate");
    assert!(
        dup.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("已存在")
    );
    assert!(!dup.body.to_string().contains("zhangsan"));
    let dup_name = register(&t, person("zhangsan", "510107198511114568", "Wuhou2026a")).await;
    assert_error(&dup_name, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert!(
        dup_name.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("用户名")
    );
    for (password, says) in [
        ("ab12", "至少 8 位"),
        ("abcdefghij", "字母和数字"),
        ("1234567890", "字母和数字"),
        ("x510107198511114568", "证件号码"),
        ("a13912345678", "手机号码"),
    ] {
        let r = register(&t, person("sunli", "510107198511114568", password)).await;
        assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
        let message = r.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{password}: {message}");
    }
    // Nothing of the refused ones was kept: the identity is still free.
    let ok = register(&t, person("sunli", "510107198511114568", "Sun2026li")).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{:?}", ok.body);
    let again = register(&t, person("sunli2", "510107198511114568", "Sun2026li")).await;
    assert_error(&again, StatusCode::CONFLICT, "duplicate");

    // The page keeps what was typed and names the problem beside it.
    let v = Visitor::new(&t);
    let form = v.get("/register").await;
    let nonce = cookie_value(&form.set_cookies, "onestamp_register").unwrap();
    let csrf = hidden(&form.html, "csrf");
    let page = v
        .send(
            v.client
                .post(format!("{}/register", v.base))
                .header(header::COOKIE, format!("onestamp_register={nonce}"))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("kind", "person"),
                    ("username", "zhouyi"),
                    ("name", "周一"),
                    ("identity", "510107198511114569"),
                    ("mobile", "13698765432"),
                    ("password", "Zhou2026yi"),
                    ("password_confirm", "Zhou2026yi"),
                ]),
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.html.contains("data-field=\"identity\""),
        "{}",
        page.html
    );
    assert!(page.html.contains("公民身份号码无效"));
    assert!(page.html.contains("value=\"zhouyi\""));
    assert!(!page.html.contains("Zhou2026yi"));
}

#[tokio::test]
async fn the_service_guide_has_every_section_and_a_stage_diagram() {
    let t = TestApp::start().await;
    let v = Visitor::new(&t);
    let page = v.get(&format!("/items/{FOOD}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for section in [
        "id=\"guide-conditions\"",
        "受理条件",
        "id=\"guide-materials\"",
        "样表",
        "id=\"guide-flow\"",
        "class=\"flow\"",
        "data-stage=\"intake\"",
        "id=\"guide-limits\"",
        "法定时限",
        "承诺时限",
        "id=\"guide-fee\"",
        "id=\"guide-place\"",
        "武侯区政务服务中心",
        "办理时间",
        "id=\"guide-contact\"",
        "028-85090301",
        "12345",
        "id=\"guide-visits\"",
        "id=\"guide-basis\"",
        "设定依据",
        "服务对象",
    ] {
        assert!(page.html.contains(section), "{section} missing");
    }
    // The API gives the same fields.
    let item = t
        .call(Method::GET, &format!("/api/v1/items/{FOOD}"), None, None)
        .await;
    assert_eq!(item.body["visits"], 0);
    assert_eq!(item.body["applicant_kinds"], json!(["organisation"]));
    assert!(item.body["materials"][0]["sample"].is_string());
}

#[tokio::test]
async fn an_old_catalogue_file_still_imports_and_new_fields_are_checked() {
    let t = TestApp::start().await;
    let admin = t.login("admin").await;
    let mut catalogue = t.get("/api/v1/catalogue", &admin).await.body;
    // Drop every new field of one item: an old file.
    let item = catalogue["items"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|i| i["code"] == SOLE_TRADER)
        .unwrap();
    for key in [
        "applicant_kinds",
        "keywords",
        "place",
        "office_hours",
        "consult_phone",
        "complaint_phone",
        "visits",
    ] {
        item.as_object_mut().unwrap().remove(key);
    }
    for m in item["materials"].as_array_mut().unwrap() {
        m.as_object_mut().unwrap().remove("sample");
    }
    let r = t.post("/api/v1/catalogue", &admin, catalogue.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let v = Visitor::new(&t);
    let guide = v.get(&format!("/items/{SOLE_TRADER}")).await;
    assert_eq!(guide.status, StatusCode::OK);
    assert!(guide.html.contains("未载明"), "a missing section says so");
    assert!(guide.html.contains("自然人、法人及其他组织"));

    let item = catalogue["items"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|i| i["code"] == SOLE_TRADER)
        .unwrap();
    item["visits"] = json!(2);
    item["consult_phone"] = json!("call us");
    item["materials"][0]["sample"] = json!("javascript:alert(1)");
    item["materials"][1]["sample"] = json!("/samples/a b.pdf");
    let r = t.post("/api/v1/catalogue", &admin, catalogue).await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_catalogue");
    let message = r.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("visits") && message.contains("consult_phone"),
        "{message}"
    );
    assert!(message.contains("sample"), "{message}");
}

#[tokio::test]
async fn the_home_page_searches_items_and_themes_and_separates_persons_from_organisations() {
    let t = TestApp::start().await;
    let v = Visitor::new(&t);
    let home = v.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    let person = section(&home.html, "for-person");
    let organisation = section(&home.html, "for-organisation");
    assert!(person.contains(&format!("data-code=\"{SOLE_TRADER}\"")));
    assert!(!organisation.contains(&format!("data-code=\"{SOLE_TRADER}\"")));
    assert!(organisation.contains(&format!("data-code=\"{FOOD}\"")));
    assert!(!person.contains(&format!("data-code=\"{FOOD}\"")));
    assert!(home.html.contains("id=\"home-search\""));

    let found = v.get("/?q=%E9%A4%90%E9%A6%86").await; // 餐馆
    assert_eq!(found.status, StatusCode::OK);
    let results = section(&found.html, "search-results");
    assert!(
        results.contains(&format!("data-code=\"{FOOD}\"")),
        "{results}"
    );
    assert!(results.contains("data-theme=\"T-RESTAURANT\""), "{results}");
    assert!(!results.contains(&format!("data-code=\"{SOLE_TRADER}\"")));
    // By department name.
    let by_department = v.get("/?q=%E5%8D%AB%E7%94%9F%E5%81%A5%E5%BA%B7").await; // 卫生健康
    assert!(section(&by_department.html, "search-results").contains("510107-WJJ-001"));
    let none = v.get("/?q=zzzz").await;
    assert!(none.html.contains("id=\"search-empty\""));
    let escaped = v.get("/?q=%3Cscript%3E").await;
    assert!(!escaped.html.contains("<script>"));
}

/// The HTML of the element with `id` up to the next `</section>`.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}
