//! The supervisor's, the administrator's, the certificate officer's and the
//! regulator's pages against the real server, as a browser without JavaScript
//! would use them: each page opens for its role only (403 page for every other,
//! the login page for a visitor), a late task is reassigned through its form,
//! a member of staff goes on leave and back, a catalogue with problems is shown
//! with every one of them and imports nothing, and a licence is revoked.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use onestamp_app::users::UserForm;
use onestamp_domain::assignment::StaffProfile;
use onestamp_domain::role::Role;
use onestamp_testkit::fixtures::{BOOKS, SOLE_TRADER, books_form};
use onestamp_testkit::reqwest::{StatusCode, header};
use onestamp_testkit::visitor::{Visitor, hidden};
use onestamp_testkit::{TestApp, json};

/// The steps that take a sole-trader registration to its licence.
const ISSUE: [(&str, &str); 4] = [
    ("clerk", "accept"),
    ("approver", "approve"),
    ("officer", "produce"),
    ("officer", "issue"),
];

fn sole_trader() -> serde_json::Value {
    json!({
        "entity_name": "武侯区玉林小面馆", "operator_name": "张三",
        "operator_id": "510107199003071236", "mobile": "13800281234",
        "address": "成都市武侯区玉林街道玉林北路12号", "organisation_form": "个人经营",
        "staff_count": 2.0, "business_scope": "小吃服务"
    })
}

/// Each page and the one role it is for.
const PAGES: [(&str, &str); 9] = [
    ("/supervision", "supervisor"),
    ("/supervision/workload", "supervisor"),
    ("/supervision/alerts", "supervisor"),
    ("/supervision/quality", "supervisor"),
    ("/admin", "admin"),
    ("/admin/catalogue", "admin"),
    ("/admin/catalogue/export?format=json", "admin"),
    ("/admin/licences", "officer"),
    ("/regulation", "regulator"),
];

const USERS: [&str; 9] = [
    "supervisor",
    "admin",
    "officer",
    "regulator",
    "clerk",
    "reviewer",
    "inspector",
    "approver",
    "zhangsan",
];

#[tokio::test]
async fn each_page_opens_for_its_role_and_refuses_everyone_else_with_a_chinese_page() {
    let t = TestApp::start().await;
    let anonymous = Visitor::new(&t);
    for (path, _) in PAGES {
        let p = anonymous.get(path).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            p.location
                .as_deref()
                .unwrap_or("")
                .starts_with("/login?next=/"),
            "{path}: {:?}",
            p.location
        );
    }
    for user in USERS {
        let v = Visitor::logged_in(&t, user).await;
        for (path, role) in PAGES {
            let p = v.get(path).await;
            if user == role {
                assert_eq!(p.status, StatusCode::OK, "{user} {path}: {}", p.html);
            } else {
                assert_eq!(p.status, StatusCode::FORBIDDEN, "{user} {path}");
                assert!(
                    p.headers[header::CONTENT_TYPE]
                        .to_str()
                        .unwrap()
                        .starts_with("text/html"),
                    "{user} {path}"
                );
                assert!(p.html.contains("id=\"message-title\""), "{user} {path}");
                assert!(!p.html.contains("\"error\":"), "{user} {path}");
            }
        }
    }
}

/// A second clerk, on duty and qualified for everything: someone to reassign to.
async fn second_clerk(t: &TestApp) -> i64 {
    let user = t
        .app
        .save_user(
            None,
            UserForm {
                username: "clerk2".into(),
                display_name: "受理员 周敏".into(),
                roles: vec![Role::Clerk],
                identity: String::new(),
                identity_kind: None,
                mobile: String::new(),
                password: "demo".into(),
            },
        )
        .await
        .unwrap();
    let profile = StaffProfile {
        available: true,
        departments: vec!["*".into()],
        items: vec![],
        certificates: vec!["出版物经营许可审查员".into()],
    };
    t.app
        .set_staff_profile(None, user.id, profile)
        .await
        .unwrap();
    user.id
}

#[tokio::test]
async fn a_supervisor_reassigns_a_late_task_with_a_reason_through_the_page() {
    let t = TestApp::start().await;
    let clerk_2 = second_clerk(&t).await;
    let (id, _, _) = t
        .file_through(
            "zhangsan",
            json!({"item": BOOKS, "channel": "web", "form": books_form()}),
            &[],
        )
        .await;
    t.clock.advance(chrono::Duration::days(10));
    let v = Visitor::logged_in(&t, "supervisor").await;
    let page = v.get("/supervision").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains(&format!("href=\"/cases/{id}\"")),
        "{}",
        page.html
    );
    assert!(page.html.contains("红灯"));
    assert!(
        page.html.contains("受理员 周敏"),
        "the second clerk is offered"
    );
    let version = hidden(
        &page.html[page.html.find("data-form=\"reassign\"").unwrap()..],
        "version",
    );
    let csrf = v.csrf().await;
    let path = format!("/supervision/cases/{id}/reassign");
    let assignee = clerk_2.to_string();

    let no_reason = v
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("assignee", &assignee),
                ("reason", "  "),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_reason.html.contains("请填写改派理由"),
        "{}",
        no_reason.html
    );

    let done = v
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("assignee", &assignee),
                ("reason", "原承办人外出培训，为免超时改派"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(
        done.location.as_deref(),
        Some(format!("/cases/{id}").as_str())
    );
    let token = t.login("supervisor").await;
    let case = t.get(&format!("/api/v1/cases/{id}"), &token).await;
    assert_eq!(
        case.body["task"]["assignee"],
        json!(clerk_2),
        "{:?}",
        case.body
    );

    // The same form again is stale now: a Chinese page, not JSON.
    let stale = v
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("reason", "再次改派"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.html.contains("id=\"message-text\""));
    // Without the CSRF token nothing happens.
    let forged = v
        .post(
            &path,
            &[("version", "2"), ("reason", "伪造"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_admin_puts_a_member_of_staff_on_leave_and_back() {
    let t = TestApp::start().await;
    let admin = Visitor::logged_in(&t, "admin").await;
    let token = t.login("supervisor").await;
    let supervisor = t.app.authenticate(&token).await.unwrap();
    let reviewer = t
        .app
        .list_users(&t.app.authenticate(&t.login("admin").await).await.unwrap())
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username == "reviewer")
        .unwrap();
    let before = t.app.staff_profile(&supervisor, reviewer.id).await.unwrap();
    let page = admin.get("/admin").await;
    assert!(
        page.html
            .contains(&format!("action=\"/admin/staff/{}\"", reviewer.id))
    );
    assert!(page.html.contains("在岗"));
    let csrf = admin.csrf().await;
    let path = format!("/admin/staff/{}", reviewer.id);
    let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf), ("available", "no")];
    form.push(("departments", "*"));
    for c in &before.certificates {
        form.push(("certificates", c));
    }
    let r = admin.post(&path, &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    let on_leave = t.app.staff_profile(&supervisor, reviewer.id).await.unwrap();
    assert!(!on_leave.available);
    assert_eq!(on_leave.certificates, before.certificates);
    assert_eq!(on_leave.departments, vec!["*".to_string()]);
    let listed = admin.get("/admin").await;
    assert!(listed.html.contains("休假"));

    form[1] = ("available", "yes");
    let r = admin.post(&path, &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        t.app
            .staff_profile(&supervisor, reviewer.id)
            .await
            .unwrap()
            .available
    );

    // A department the catalogue does not have is refused in Chinese.
    let bad = admin
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("available", "yes"),
                ("departments", "nowhere"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("没有代码为「nowhere」的部门"));
}

/// A `multipart/form-data` body with the CSRF token and one file.
fn upload(csrf: &str, name: &str, content: &str) -> (String, String) {
    let boundary = "----oversightBoundary7MA4YWxk";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n{content}\r\n--{boundary}--\r\n"
    );
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn a_catalogue_with_problems_lists_every_one_and_imports_nothing() {
    let t = TestApp::start().await;
    let admin = Visitor::logged_in(&t, "admin").await;
    let export = admin.get("/admin/catalogue/export?format=json").await;
    assert_eq!(export.status, StatusCode::OK);
    let mut catalogue: serde_json::Value = serde_json::from_str(&export.html).unwrap();
    let first = catalogue["items"][0]["code"].as_str().unwrap().to_string();
    let name_before = catalogue["items"][0]["name"].as_str().unwrap().to_string();
    catalogue["items"][0]["department"] = json!("nowhere");
    catalogue["items"][0]["name"] = json!("改过的名称");
    catalogue["items"][1]["department"] = json!("nowhere-else");
    let csrf = admin.csrf().await;
    let (content_type, body) = upload(&csrf, "catalogue.json", &catalogue.to_string());
    let send = |content_type: String, body: String| {
        admin.send(
            admin
                .client
                .post(format!("{}/admin/catalogue", admin.base))
                .header(header::CONTENT_TYPE, content_type)
                .body(body),
        )
    };
    let r = send(content_type, body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.html);
    assert!(r.html.contains("id=\"import-problems\""));
    assert!(
        r.html.contains("nowhere") && r.html.contains("nowhere-else"),
        "{}",
        r.html
    );
    assert!(r.html.contains("未导入任何内容"));
    assert_eq!(t.app.get_item(&first).await.unwrap().item.name, name_before);

    // A file that is not a catalogue at all says where.
    let (content_type, body) = upload(&csrf, "catalogue.yaml", "items: [1, 2");
    let r = send(content_type, body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.html.contains("文件格式"));

    // The exported catalogue imports as it is.
    let (content_type, body) = upload(
        &csrf,
        "catalogue.yaml",
        &admin.get("/admin/catalogue/export?format=yaml").await.html,
    );
    let r = send(content_type, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.html);
    assert!(r.html.contains("id=\"import-done\""));
}

#[tokio::test]
async fn an_officer_revokes_a_licence_with_a_reason_and_the_regulator_sees_it() {
    let t = TestApp::start().await;
    let (_, _, licence) = t
        .file_through(
            "zhangsan",
            json!({"item": SOLE_TRADER, "channel": "counter", "form": sole_trader()}),
            &ISSUE,
        )
        .await;
    let licence = licence.expect("a sole-trader licence");
    let officer = Visitor::logged_in(&t, "officer").await;
    let list = officer.get("/admin/licences").await;
    assert!(list.html.contains(&licence), "{}", list.html);
    let detail = officer.get(&format!("/admin/licences/{licence}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.html.contains("data-form=\"revoke\""));
    let csrf = officer.csrf().await;
    let path = format!("/admin/licences/{licence}/revoke");

    let unconfirmed = officer
        .post(&path, &[("csrf", &csrf), ("reason", "以欺骗手段取得许可")])
        .await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unconfirmed.html.contains("请确认后再提交"));
    let no_reason = officer
        .post(
            &path,
            &[("csrf", &csrf), ("reason", ""), ("confirm", "yes")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.html.contains("撤销理由"));

    let done = officer
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("reason", "以欺骗手段取得许可"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let after = officer.get(&format!("/admin/licences/{licence}")).await;
    assert!(after.html.contains("已撤销") && after.html.contains("以欺骗手段取得许可"));
    let token = t.login("officer").await;
    let api = t.get(&format!("/api/v1/licences/{licence}"), &token).await;
    assert_eq!(api.body["status"], "revoked", "{:?}", api.body);

    let regulator = Visitor::logged_in(&t, "regulator").await;
    let listed = regulator.get("/regulation?q=%E5%BC%A0").await;
    assert_eq!(listed.status, StatusCode::OK);
    let all = regulator.get("/regulation").await;
    assert!(all.html.contains(&licence), "{}", all.html);
    let one = regulator
        .get(&format!("/regulation/licences/{licence}"))
        .await;
    assert_eq!(one.status, StatusCode::OK);
    assert!(one.html.contains("已撤销"));
    let missing = regulator.get("/regulation/licences/nothing-here").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

#[tokio::test]
async fn a_supervisor_draws_a_sample_and_records_a_finding_through_the_pages() {
    let t = TestApp::start().await;
    let (id, _, _) = t
        .file_through(
            "zhangsan",
            json!({"item": SOLE_TRADER, "channel": "counter", "form": sole_trader()}),
            &ISSUE,
        )
        .await;
    let v = Visitor::logged_in(&t, "supervisor").await;
    let csrf = v.csrf().await;
    let too_many = v
        .post("/supervision/quality", &[("csrf", &csrf), ("size", "0")])
        .await;
    assert_eq!(too_many.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_many.html.contains("抽样数量"));
    let drawn = v
        .post(
            "/supervision/quality",
            &[("csrf", &csrf), ("item", SOLE_TRADER), ("size", "3")],
        )
        .await;
    assert_eq!(drawn.status, StatusCode::SEE_OTHER, "{}", drawn.html);
    let at = drawn.location.unwrap();
    let sample = v.get(&at).await;
    assert_eq!(sample.status, StatusCode::OK);
    assert!(sample.html.contains(&format!("href=\"/cases/{id}\"")));
    let findings = format!("{at}/findings");
    let case_id = id.to_string();
    let bare = v
        .post(
            &findings,
            &[
                ("csrf", &csrf),
                ("case_id", &case_id),
                ("verdict", "defect"),
            ],
        )
        .await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bare.html.contains("须写明评查意见"), "{}", bare.html);
    let done = v
        .post(
            &findings,
            &[
                ("csrf", &csrf),
                ("case_id", &case_id),
                ("verdict", "defect"),
                ("notes", "经营场所证明材料未核验原件"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let after = v.get(&at).await;
    assert!(after.html.contains("存在问题") && after.html.contains("未核验原件"));
    assert_eq!(
        v.get("/supervision/quality/x").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_officer_replaces_a_licence_with_a_changed_data_item() {
    let t = TestApp::start().await;
    let (_, _, licence) = t
        .file_through(
            "zhangsan",
            json!({"item": SOLE_TRADER, "channel": "counter", "form": sole_trader()}),
            &ISSUE,
        )
        .await;
    let licence = licence.expect("a sole-trader licence");
    let officer = Visitor::logged_in(&t, "officer").await;
    let csrf = officer.csrf().await;
    let path = format!("/admin/licences/{licence}/replace");
    let unknown = officer
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("reason", "经营场所变更"),
                ("field", "不存在的数据项"),
                ("value", "x"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.html.contains("证照上没有数据项"));
    let done = officer
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("reason", "经营场所变更"),
                ("field", "经营场所"),
                ("value", "成都市武侯区玉林街道玉林南路8号"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let new = done.location.unwrap();
    assert_ne!(new, format!("/admin/licences/{licence}"));
    let page = officer.get(&new).await;
    assert!(page.html.contains("玉林南路8号") && page.html.contains("有效"));
    let old = officer.get(&format!("/admin/licences/{licence}")).await;
    assert!(old.html.contains("已换发"));
}
