//! The use cases called directly, without HTTP: `App` over a SQLite store with
//! the test clock and a seal (as [`TestApp`] builds it), sessions from the
//! login use case, and outcomes and refusals checked as the app's and the
//! domain's error variants rather than as status codes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use std::collections::BTreeMap;

use onestamp_app::AppError;
use onestamp_app::auth::Session;
use onestamp_app::cases::{Application, CaseView};
use onestamp_app::materials::MaterialChoice;
use onestamp_app::store::{CaseQuery, User};
use onestamp_app::users::UserForm;
use onestamp_domain::DomainError;
use onestamp_domain::assignment::StaffProfile;
use onestamp_domain::case::{Action, CaseStatus, Channel, Command, Hand, Stage};
use onestamp_domain::licence::Standing;
use onestamp_domain::role::Role;
use onestamp_testkit::TestApp;
use onestamp_testkit::fixtures::{
    BOOKS, FOOD, NAME_CHANGE, SOLE_TRADER, books_form, food_form, sole_trader_form,
};

/// Logs a demo user in through the login use case and authenticates the token.
async fn session(t: &TestApp, username: &str) -> Session {
    let (token, _) = t.app.login(username, "demo", None).await.unwrap();
    t.app.authenticate(&token).await.unwrap()
}

fn form(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    match value {
        serde_json::Value::Object(map) => map,
        other => panic!("a form is an object: {other}"),
    }
}

fn application(item: &str, value: serde_json::Value) -> Application {
    Application {
        item_code: item.into(),
        channel: Channel::Counter,
        form: form(value),
        materials: BTreeMap::new(),
        applicant: None,
    }
}

async fn submit(t: &TestApp, who: &str, item: &str, value: serde_json::Value) -> CaseView {
    let s = session(t, who).await;
    t.app
        .submit_application(&s, application(item, value))
        .await
        .unwrap()
}

/// `action` on case `id` at the version `s` sees now.
async fn act(
    t: &TestApp,
    s: &Session,
    id: i64,
    action: Action,
    opinion: Option<&str>,
) -> Result<CaseView, AppError> {
    let version = t.app.get_case(s, id).await?.case.version;
    let command = Command {
        action,
        opinion: opinion.map(str::to_string),
        version,
    };
    t.app.act_on_case(s, id, command).await
}

/// The rule the domain gave for refusing, or a panic if it was not the domain.
fn domain(r: Result<CaseView, AppError>) -> DomainError {
    match r {
        Err(AppError::Domain(e)) => e,
        other => panic!("expected a refusal by the domain, got {other:?}"),
    }
}

/// A member of staff with `roles`, on duty for every department and item.
async fn staff(t: &TestApp, username: &str, roles: Vec<Role>) -> (User, Session) {
    let user = t
        .app
        .save_user(
            None,
            UserForm {
                username: username.into(),
                display_name: username.into(),
                roles,
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
        certificates: vec![
            "市场主体登记审核员".into(),
            "出版物经营许可审查员".into(),
            "食品经营许可审查员".into(),
        ],
    };
    t.app
        .set_staff_profile(None, user.id, profile)
        .await
        .unwrap();
    let s = session(t, username).await;
    (user, s)
}

/// zhangsan's sole-trader registration from submission to issue; the case and
/// the licence id.
async fn issue_sole_trader(t: &TestApp) -> (CaseView, String) {
    let submitted = submit(t, "zhangsan", SOLE_TRADER, sole_trader_form()).await;
    let id = submitted.case.id;
    for (who, action) in [
        ("clerk", Action::Accept),
        ("approver", Action::Approve),
        ("officer", Action::Produce),
        ("officer", Action::Issue),
    ] {
        let s = session(t, who).await;
        act(t, &s, id, action, Some("同意"))
            .await
            .unwrap_or_else(|e| panic!("{who} {action}: {e}"));
    }
    let done = t
        .app
        .get_case(&session(t, "zhangsan").await, id)
        .await
        .unwrap();
    let licence = done
        .licence_id
        .clone()
        .expect("the issued case has a licence");
    (done, licence)
}

mod cases;
mod licences;
mod supervision;
