//! The staff workbench and case search as a clerk uses them without
//! JavaScript: the task table with lights and working time left, filters by
//! item and light, saved views, the case search (by number and identity, with
//! Chinese refusals of bad dates), the case page's materials with preview and
//! download and the handlers' names, and the site's Chinese error pages.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use onestamp_testkit::fixtures::{BOOKS, SOLE_TRADER, books_form, sole_trader_form};
use onestamp_testkit::reqwest::{StatusCode, header};
use onestamp_testkit::visitor::{Visitor, hidden};
use onestamp_testkit::{TestApp, json};

async fn file(t: &TestApp, applicant: &str, item: &str, form: serde_json::Value) -> (i64, String) {
    let token = t.login(applicant).await;
    let r = t
        .post(
            "/api/v1/cases",
            &token,
            json!({"item": item, "channel": "web", "form": form}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    (
        r.body["id"].as_i64().unwrap(),
        r.body["number"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn the_clerk_filters_tasks_by_item_and_light_and_keeps_a_view() {
    let t = TestApp::start().await;
    let (_, trader) = file(&t, "zhangsan", SOLE_TRADER, sole_trader_form()).await;
    let (_, books) = file(&t, "jinjiang_books", BOOKS, books_form()).await;
    let mut v = Visitor::new(&t);
    v.login("clerk", "demo").await;

    let all = v.get("/workbench").await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(all.html.contains(&trader) && all.html.contains(&books));
    assert!(all.html.contains("剩余"), "working time left: {}", all.html);
    assert!(all.html.contains("张三"), "the applicant's name");
    assert!(all.html.contains("data-light=\"green\""));

    let only_books = v.get(&format!("/workbench?item={BOOKS}")).await;
    assert!(only_books.html.contains(&books));
    assert!(!only_books.html.contains(&trader));
    let red = v.get("/workbench?light=red").await;
    assert!(!red.html.contains(&books) && red.html.contains("没有符合筛选条件"));
    let bad = v.get("/workbench?light=purple").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("时限灯只能是红、黄、绿"), "{}", bad.html);

    // Save the item filter as a view; it is listed and opens the same tasks.
    let csrf = hidden(&only_books.html, "csrf");
    let saved = v
        .post(
            "/workbench/views",
            &[
                ("csrf", csrf.as_str()),
                ("name", "书店许可"),
                ("item", BOOKS),
                ("stage", ""),
                ("light", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    let page = v.get(saved.location.as_deref().unwrap()).await;
    assert!(page.html.contains("视图已保存"), "{}", page.html);
    assert!(page.html.contains("书店许可"));
    let listed = v.get("/workbench").await;
    assert!(
        listed
            .html
            .contains(&format!("href=\"/workbench?item={BOOKS}\""))
    );
    // Nameless, or of every task: refused in words.
    let nameless = v
        .post(
            "/workbench/views",
            &[("csrf", csrf.as_str()), ("name", " "), ("item", BOOKS)],
        )
        .await;
    assert_eq!(nameless.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(nameless.html.contains("请为视图起一个名称"));
    let everything = v
        .post(
            "/workbench/views",
            &[("csrf", csrf.as_str()), ("name", "全部")],
        )
        .await;
    assert!(everything.html.contains("全部待办无需保存"));
    // Views are one's own: another clerk does not see it.
    let mut other = Visitor::new(&t);
    other.login("reviewer", "demo").await;
    assert!(!other.get("/workbench").await.html.contains("书店许可"));
    // Deleting it.
    let gone = v
        .post(
            "/workbench/views",
            &[
                ("csrf", csrf.as_str()),
                ("op", "delete"),
                ("name", "书店许可"),
            ],
        )
        .await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert!(!v.get("/workbench").await.html.contains("书店许可"));
    // Without the CSRF token nothing is saved.
    let forged = v
        .post("/workbench/views", &[("name", "x"), ("item", BOOKS)])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn staff_search_cases_by_number_and_identity_and_bad_dates_are_refused_in_chinese() {
    let t = TestApp::start().await;
    let (_, trader) = file(&t, "zhangsan", SOLE_TRADER, sole_trader_form()).await;
    let (_, books) = file(&t, "jinjiang_books", BOOKS, books_form()).await;
    let mut clerk = Visitor::new(&t);
    clerk.login("clerk", "demo").await;
    let recent = clerk.get("/workbench/search").await;
    assert_eq!(recent.status, StatusCode::OK);
    assert!(recent.html.contains(&trader) && recent.html.contains(&books));
    let by_number = clerk
        .get(&format!("/workbench/search?number={trader}"))
        .await;
    assert!(by_number.html.contains(&trader) && !by_number.html.contains(&books));
    let by_identity = clerk
        .get("/workbench/search?identity=91510107MA6C11110G")
        .await;
    assert!(by_identity.html.contains(&books) && !by_identity.html.contains(&trader));
    let by_status = clerk.get("/workbench/search?status=issued").await;
    assert!(by_status.html.contains("没有符合条件的办件"));
    let bad_date = clerk.get("/workbench/search?from=2026-13-40").await;
    assert_eq!(bad_date.status, StatusCode::BAD_REQUEST);
    assert!(
        bad_date.html.contains("起始日期不是有效日期"),
        "{}",
        bad_date.html
    );
    let backwards = clerk
        .get("/workbench/search?from=2026-12-02&to=2026-12-01")
        .await;
    assert!(backwards.html.contains("截止日期不能早于起始日期"));
    // A reviewer, who sees identities masked, is not offered the identity field
    // and is refused when typing it in the address.
    let mut reviewer = Visitor::new(&t);
    reviewer.login("reviewer", "demo").await;
    let page = reviewer.get("/workbench/search").await;
    assert!(!page.html.contains("name=\"identity\""));
    let sneaky = reviewer
        .get("/workbench/search?identity=91510107MA6C11110G")
        .await;
    assert_eq!(sneaky.status, StatusCode::FORBIDDEN);
    assert!(
        sneaky
            .html
            .contains("只有受理、督查和管理人员可以按身份证件号码查询")
    );
    // Applicants and regulators have no search.
    let mut applicant = Visitor::new(&t);
    applicant.login("zhangsan", "demo").await;
    let refused = applicant.get("/workbench/search").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.html.contains("需要以下角色之一"),
        "{}",
        refused.html
    );
}

#[tokio::test]
async fn the_case_page_previews_and_downloads_materials_and_names_the_handlers() {
    let t = TestApp::start().await;
    let token = t.login("zhangsan").await;
    let png = onestamp_testkit::fixtures::tiny_png();
    let up = t
        .client
        .post(format!(
            "{}/api/v1/materials?name=%E5%B9%B3%E9%9D%A2%E5%9B%BE.png",
            t.base
        ))
        .bearer_auth(&token)
        .header(header::CONTENT_TYPE, "image/png")
        .body(png.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(up.status(), StatusCode::CREATED);
    let hash = up.json::<serde_json::Value>().await.unwrap()["hash"]
        .as_str()
        .unwrap()
        .to_string();
    let item = t.get(&format!("/api/v1/items/{SOLE_TRADER}"), &token).await;
    let code = item.body["materials"][0]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let name = item.body["materials"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let (id, _, _) = t
        .file_through(
            "zhangsan",
            json!({"item": SOLE_TRADER, "channel": "web", "form": sole_trader_form(),
                   "materials": {code.clone(): {"file": hash}}}),
            &[("clerk", "accept")],
        )
        .await;
    let mut v = Visitor::new(&t);
    v.login("approver", "demo").await;
    let page = v.get(&format!("/cases/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains(&name),
        "the material by its name: {}",
        page.html
    );
    assert!(
        !page.html.contains(&format!(">{code}<")),
        "no material code"
    );
    let href = format!("/cases/{id}/materials/{hash}");
    assert!(
        page.html
            .contains(&format!("<img class=\"preview\" src=\"{href}\""))
    );
    assert!(page.html.contains(&format!("{href}?download=1")));
    // The timeline names who accepted, for staff; the task's holder too.
    assert!(page.html.contains("受理员 "), "{}", page.html);
    assert!(page.html.contains("本环节用时"));
    assert!(page.html.contains("id=\"case-handler\""));
    let inline = v.get(&href).await;
    assert_eq!(inline.status, StatusCode::OK);
    assert_eq!(inline.headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(inline.headers[header::CONTENT_DISPOSITION], "inline");
    assert!(
        inline.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .starts_with("sandbox")
    );
    let saved = v.get(&format!("{href}?download=1")).await;
    assert!(
        saved.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    // Another applicant cannot reach the file through the case.
    let mut other = Visitor::new(&t);
    other.login("lisi", "demo").await;
    assert_eq!(other.get(&href).await.status, StatusCode::NOT_FOUND);
    // The applicant sees roles, not names.
    let mut own = Visitor::new(&t);
    own.login("zhangsan", "demo").await;
    let mine = own.get(&format!("/cases/{id}")).await;
    assert!(!mine.html.contains("id=\"case-handler\""));
}

#[tokio::test]
async fn unknown_addresses_and_bad_query_strings_get_chinese_pages_and_the_api_keeps_json() {
    let t = TestApp::start().await;
    let v = Visitor::new(&t);
    let missing = v.get("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.html.contains("页面不存在"), "{}", missing.html);
    assert!(missing.html.starts_with("<!doctype html>"));
    let api = t
        .client
        .get(format!("{}/api/v1/nothing", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    let mut clerk = Visitor::new(&t);
    clerk.login("clerk", "demo").await;
    let bad = clerk.get("/workbench/search?before=abc&before=1").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.html.contains("查询参数不正确"), "{}", bad.html);
    assert!(!bad.html.contains("Failed to deserialize"), "{}", bad.html);
    let cases = clerk.get("/cases?before=x").await;
    assert_eq!(cases.status, StatusCode::BAD_REQUEST);
    assert!(
        cases.html.contains("参数 before 的值无法识别"),
        "{}",
        cases.html
    );
}
