//! Counter intake (一窗受理): a clerk finds or registers a walk-in applicant,
//! uploads their materials, files for them and, fit for it, accepts at once.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use onestamp_app::store::User;
use onestamp_app::users::UserForm;
use onestamp_domain::role::Role;
use onestamp_testkit::fixtures::{BOOKS, SOLE_TRADER, books_form, sole_trader_form};
use onestamp_testkit::reqwest::StatusCode;
use onestamp_testkit::{TestApp, assert_error, json};

/// The demo organisation's unified social credit code.
const BOOKS_CODE: &str = "91510107MA6C11110G";
/// A valid citizen ID nobody in the demo holds.
const NEW_PERSON: &str = "11010519491231002X";

fn pdf() -> Vec<u8> {
    b"%PDF-1.7\n1 0 obj << >> endobj\n% counter\nstartxref\n9\n%%EOF\n".to_vec()
}

/// Uploads `bytes` as `name` with `token`, for `applicant` when given.
async fn upload(
    t: &TestApp,
    token: &str,
    name: &str,
    applicant: Option<i64>,
) -> (StatusCode, serde_json::Value) {
    let mut url = format!("{}/api/v1/materials?name={name}", t.base);
    if let Some(id) = applicant {
        url.push_str(&format!("&for={id}"));
    }
    let r = t
        .client
        .post(url)
        .bearer_auth(token)
        .body(pdf())
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or_default())
}

/// A second clerk, on duty for every department, with the demo's certificates.
async fn second_clerk(t: &TestApp) -> User {
    let user = t
        .app
        .save_user(
            None,
            UserForm {
                username: "clerk2".into(),
                display_name: "第二受理员".into(),
                roles: vec![Role::Clerk],
                identity: String::new(),
                identity_kind: None,
                mobile: String::new(),
                password: "demo".into(),
            },
        )
        .await
        .unwrap();
    let demo_clerk = t.store.user_credentials("clerk").await.unwrap().unwrap().0;
    let profile = t.store.staff_profile(demo_clerk.id).await.unwrap().unwrap();
    t.app
        .set_staff_profile(None, user.id, profile)
        .await
        .unwrap();
    user
}

async fn user_id(t: &TestApp, username: &str) -> i64 {
    t.store
        .user_credentials(username)
        .await
        .unwrap()
        .unwrap()
        .0
        .id
}

#[tokio::test]
async fn a_clerk_finds_the_applicant_files_for_them_accepts_at_once_and_the_case_is_issued() {
    let t = TestApp::start().await;
    let clerk = t.login("clerk").await;
    let clerk_id = user_id(&t, "clerk").await;

    // Found by the credit code, typed in lower case with spaces; shown whole.
    let found = t
        .get(
            &format!(
                "/api/v1/applicants?identity=%20{}%20",
                BOOKS_CODE.to_lowercase()
            ),
            &clerk,
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{:?}", found.body);
    assert_eq!(found.body["identity"], BOOKS_CODE);
    assert_eq!(found.body["kind"], "organisation");
    assert_eq!(found.body["username"], "jinjiang_books");
    let applicant = found.body["id"].as_i64().unwrap();

    // The file goes into the applicant's library, recorded as the clerk's upload.
    let (status, file) = upload(&t, &clerk, "营业执照.pdf", Some(applicant)).await;
    assert_eq!(status, StatusCode::CREATED, "{file:?}");
    assert_eq!(file["owner"], applicant);
    assert_eq!(file["uploaded_by"], clerk_id);
    let hash = file["hash"].as_str().unwrap().to_string();
    // The clerk sees the applicant's library and what their licences fill in.
    let theirs = t
        .get(&format!("/api/v1/materials?for={applicant}"), &clerk)
        .await;
    assert_eq!(theirs.status, StatusCode::OK, "{:?}", theirs.body);
    assert!(
        theirs
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["hash"] == hash)
    );
    let prefill = t
        .get(
            &format!("/api/v1/items/{BOOKS}/prefill?for={applicant}"),
            &clerk,
        )
        .await;
    assert_eq!(prefill.status, StatusCode::OK, "{:?}", prefill.body);
    assert!(prefill.body["form"].is_object());

    let filed = t
        .post(
            "/api/v1/cases",
            &clerk,
            json!({"item": BOOKS, "applicant": applicant, "form": books_form(),
                   "materials": {"M01": {"file": hash}}}),
        )
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{:?}", filed.body);
    let case = &filed.body;
    let id = case["id"].as_i64().unwrap();
    assert_eq!(case["channel"], "counter");
    assert_eq!(case["status"], "intake");
    assert_eq!(case["applicant"]["user_id"], applicant);
    assert_eq!(case["materials"]["M01"]["hash"], hash);
    assert!(case["machine_review"].is_object(), "machine review ran");
    assert_eq!(
        case["task"]["assignee"], clerk_id,
        "the filing clerk takes the intake"
    );
    assert_eq!(
        case["actions"],
        json!(["accept", "not_accept", "request_correction"])
    );
    let submit = &case["events"][0];
    assert_eq!(submit["action"], "submit");
    assert_eq!(submit["actor_id"], clerk_id);
    assert_eq!(submit["actor_role"], "clerk");

    let tasks = t.get("/api/v1/tasks", &clerk).await;
    assert!(
        tasks.body.as_array().unwrap().iter().any(|c| c["id"] == id),
        "{:?}",
        tasks.body
    );
    for (user, action) in [
        ("clerk", "accept"),
        ("reviewer", "review"),
        ("approver", "approve"),
        ("officer", "produce"),
        ("officer", "issue"),
    ] {
        let token = t.login(user).await;
        let done = t.act(id, &token, action, Some("同意")).await;
        assert_eq!(
            done.status,
            StatusCode::OK,
            "{user} {action}: {:?}",
            done.body
        );
    }

    // The applicant sees the case among their own, follows it, and has the file.
    let owner = t.login("jinjiang_books").await;
    let mine = t.get("/api/v1/cases", &owner).await;
    assert!(
        mine.body["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id),
        "{:?}",
        mine.body
    );
    let seen = t.get(&format!("/api/v1/cases/{id}"), &owner).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.body["status"], "issued");
    assert!(seen.body["licence_id"].is_string());
    assert!(
        seen.body["events"][0]["actor_id"].is_null(),
        "双盲: the clerk is hidden"
    );
    let library = t.get("/api/v1/materials", &owner).await;
    assert!(
        library
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["hash"] == hash),
        "{:?}",
        library.body
    );
}

#[tokio::test]
async fn a_clerk_registers_a_new_applicant_and_files_for_them() {
    let t = TestApp::start().await;
    let clerk = t.login("clerk").await;

    let bad = t
        .post(
            "/api/v1/applicants",
            &clerk,
            json!({"name": "赵六", "kind": "person", "identity": "110105194912310021", "mobile": "13800281234"}),
        )
        .await;
    assert_error(&bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert_eq!(bad.body["error"]["problems"][0]["field"], "identity");
    assert!(
        bad.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("公民身份号码"),
        "{:?}",
        bad.body
    );
    let wrong_kind = t
        .post(
            "/api/v1/applicants",
            &clerk,
            json!({"name": "赵六", "kind": "organisation", "identity": NEW_PERSON, "mobile": "13800281234"}),
        )
        .await;
    assert_error(
        &wrong_kind,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    let bad_mobile = t
        .post(
            "/api/v1/applicants",
            &clerk,
            json!({"name": "赵六", "kind": "person", "identity": NEW_PERSON, "mobile": "12800281234"}),
        )
        .await;
    assert_error(
        &bad_mobile,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    assert_eq!(bad_mobile.body["error"]["problems"][0]["field"], "mobile");
    let no_name = t
        .post(
            "/api/v1/applicants",
            &clerk,
            json!({"name": " ", "kind": "person", "identity": NEW_PERSON, "mobile": "13800281234"}),
        )
        .await;
    assert_error(&no_name, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert_eq!(no_name.body["error"]["problems"][0]["field"], "name");

    let made = t
        .post(
            "/api/v1/applicants",
            &clerk,
            json!({"name": "赵六", "kind": "person", "identity": NEW_PERSON, "mobile": "+86 138-0028-1234"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    assert_eq!(made.body["identity"], NEW_PERSON);
    assert_eq!(made.body["mobile"], "13800281234");
    assert_eq!(made.body["kind"], "person");
    let applicant = made.body["id"].as_i64().unwrap();
    let username = made.body["username"].as_str().unwrap().to_string();

    // The same identity again: refused, naming the account it belongs to.
    let again = t
        .post(
            "/api/v1/applicants",
            &clerk,
            json!({"name": "赵六", "kind": "person", "identity": NEW_PERSON.to_lowercase(), "mobile": "13800281234"}),
        )
        .await;
    assert_error(&again, StatusCode::CONFLICT, "duplicate");
    assert!(
        again.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&username),
        "{:?}",
        again.body
    );
    // Found by identity from now on; an already registered demo person too.
    let found = t
        .get(&format!("/api/v1/applicants?identity={NEW_PERSON}"), &clerk)
        .await;
    assert_eq!(found.body["id"], applicant);
    let dup_demo = t
        .post(
            "/api/v1/applicants",
            &clerk,
            json!({"name": "张三", "kind": "person", "identity": "510107199003071236", "mobile": "13800281234"}),
        )
        .await;
    assert_error(&dup_demo, StatusCode::CONFLICT, "duplicate");
    assert!(
        dup_demo.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("zhangsan")
    );

    // No usable password: nobody logs in as the new account with one.
    for password in ["", "demo", "!registered-at-the-window"] {
        let login = t
            .call(
                onestamp_testkit::reqwest::Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": username, "password": password})),
            )
            .await;
        assert_ne!(login.status, StatusCode::OK, "{password:?}");
    }

    let filed = t
        .post(
            "/api/v1/cases",
            &clerk,
            json!({"item": SOLE_TRADER, "applicant": applicant, "channel": "counter",
                   "form": sole_trader_form()}),
        )
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{:?}", filed.body);
    assert_eq!(filed.body["applicant"]["user_id"], applicant);
    assert_eq!(filed.body["applicant"]["name"], "赵六");
    assert_eq!(filed.body["applicant"]["identity"], NEW_PERSON);
}

#[tokio::test]
async fn finding_an_applicant_checks_the_number_and_answers_404_for_nobody() {
    let t = TestApp::start().await;
    let clerk = t.login("clerk").await;
    let malformed = t
        .get("/api/v1/applicants?identity=510107199003071237", &clerk)
        .await;
    assert_error(
        &malformed,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    assert!(
        malformed.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("校验码"),
        "{:?}",
        malformed.body
    );
    let short = t.get("/api/v1/applicants?identity=1234", &clerk).await;
    assert_error(&short, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    let nobody = t
        .get(&format!("/api/v1/applicants?identity={NEW_PERSON}"), &clerk)
        .await;
    assert_error(&nobody, StatusCode::NOT_FOUND, "not_found");
    assert!(
        nobody.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(NEW_PERSON)
    );
    let missing = t.get("/api/v1/applicants", &clerk).await;
    assert_error(&missing, StatusCode::BAD_REQUEST, "bad_query");

    // Supervisors may look up; reviewers (双盲) and applicants may not.
    let supervisor = t.login("supervisor").await;
    let found = t
        .get(
            &format!("/api/v1/applicants?identity={BOOKS_CODE}"),
            &supervisor,
        )
        .await;
    assert_eq!(found.status, StatusCode::OK);
    for user in ["reviewer", "zhangsan"] {
        let token = t.login(user).await;
        let r = t
            .get(&format!("/api/v1/applicants?identity={BOOKS_CODE}"), &token)
            .await;
        assert_error(&r, StatusCode::FORBIDDEN, "forbidden");
        let reg = t
            .post(
                "/api/v1/applicants",
                &token,
                json!({"name": "赵六", "kind": "person", "identity": NEW_PERSON, "mobile": "13800281234"}),
            )
            .await;
        assert_error(&reg, StatusCode::FORBIDDEN, "forbidden");
    }
}

#[tokio::test]
async fn a_clerk_on_leave_or_unqualified_still_files_but_the_intake_is_drawn_for_another() {
    let t = TestApp::start().await;
    let other = second_clerk(&t).await;
    let clerk = t.login("clerk").await;
    let clerk_id = user_id(&t, "clerk").await;
    let zhangsan = user_id(&t, "zhangsan").await;
    let mut profile = t.store.staff_profile(clerk_id).await.unwrap().unwrap();

    let file = |token: String| {
        let t = &t;
        async move {
            let r = t
                .post(
                    "/api/v1/cases",
                    &token,
                    json!({"item": SOLE_TRADER, "applicant": zhangsan, "form": sole_trader_form()}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
            r.body
        }
    };

    profile.available = false;
    t.app
        .set_staff_profile(None, clerk_id, profile.clone())
        .await
        .unwrap();
    let on_leave = file(clerk.clone()).await;
    assert_eq!(on_leave["task"]["assignee"], other.id);
    assert_eq!(on_leave["events"][0]["actor_id"], clerk_id);
    assert_eq!(on_leave["actions"], json!([]), "not the filer's task");

    profile.available = true;
    profile.departments = vec!["nowhere".into()];
    t.app
        .set_staff_profile(None, clerk_id, profile)
        .await
        .unwrap();
    let unqualified = file(clerk).await;
    assert_eq!(unqualified["task"]["assignee"], other.id);

    // The clerk drawn accepts; separation of duties goes on as for any case.
    let token = t.login("clerk2").await;
    let id = unqualified["id"].as_i64().unwrap();
    let done = t.act(id, &token, "accept", Some("同意")).await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
    assert_eq!(done.body["status"], "approval");
}

#[tokio::test]
async fn only_clerks_file_for_someone_and_a_clerk_must_name_the_applicant() {
    let t = TestApp::start().await;
    let lisi = user_id(&t, "lisi").await;
    let zhangsan = t.login("zhangsan").await;

    // An applicant cannot file for another, nor upload for them.
    let r = t
        .post(
            "/api/v1/cases",
            &zhangsan,
            json!({"item": SOLE_TRADER, "applicant": lisi, "form": sole_trader_form()}),
        )
        .await;
    assert_error(&r, StatusCode::FORBIDDEN, "forbidden");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("受理员")
    );
    let (status, _) = upload(&t, &zhangsan, "a.pdf", Some(lisi)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let r = t
        .get(&format!("/api/v1/materials?for={lisi}"), &zhangsan)
        .await;
    assert_error(&r, StatusCode::FORBIDDEN, "forbidden");
    let r = t
        .get(
            &format!("/api/v1/items/{SOLE_TRADER}/prefill?for={lisi}"),
            &zhangsan,
        )
        .await;
    assert_error(&r, StatusCode::FORBIDDEN, "forbidden");

    // A reviewer cannot file at all, for anyone.
    let reviewer = t.login("reviewer").await;
    for body in [
        json!({"item": SOLE_TRADER, "applicant": lisi, "form": sole_trader_form()}),
        json!({"item": SOLE_TRADER, "form": sole_trader_form()}),
    ] {
        let r = t.post("/api/v1/cases", &reviewer, body).await;
        assert_error(&r, StatusCode::FORBIDDEN, "forbidden");
    }
    let (status, _) = upload(&t, &reviewer, "a.pdf", Some(lisi)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let clerk = t.login("clerk").await;
    // A clerk must say for whom, and files at the counter only.
    let r = t
        .post(
            "/api/v1/cases",
            &clerk,
            json!({"item": SOLE_TRADER, "form": sole_trader_form()}),
        )
        .await;
    assert_error(&r, StatusCode::FORBIDDEN, "forbidden");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("申请人")
    );
    let r = t
        .post(
            "/api/v1/cases",
            &clerk,
            json!({"item": SOLE_TRADER, "applicant": lisi, "channel": "web", "form": sole_trader_form()}),
        )
        .await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("窗口")
    );
    // Nobody, or staff, is no applicant to file for.
    let r = t
        .post(
            "/api/v1/cases",
            &clerk,
            json!({"item": SOLE_TRADER, "applicant": 999_999, "form": sole_trader_form()}),
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "not_found");
    let reviewer_id = user_id(&t, "reviewer").await;
    let r = t
        .post(
            "/api/v1/cases",
            &clerk,
            json!({"item": SOLE_TRADER, "applicant": reviewer_id, "form": sole_trader_form()}),
        )
        .await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    let (status, _) = upload(&t, &clerk, "a.pdf", Some(reviewer_id)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A clerk without `for` has no library of their own.
    let (status, _) = upload(&t, &clerk, "a.pdf", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A clerk cites only the applicant's own files, not another's.
    let (_, theirs) = upload(&t, &zhangsan, "身份证.pdf", None).await;
    let r = t
        .post(
            "/api/v1/cases",
            &clerk,
            json!({"item": SOLE_TRADER, "applicant": lisi, "form": sole_trader_form(),
                   "materials": {"M01": {"file": theirs["hash"]}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
}
