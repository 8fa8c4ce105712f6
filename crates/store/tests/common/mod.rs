//! The backends the conformance suite runs on, and the facts it stores.
//!
//! SQLite always runs, in a temporary directory. PostgreSQL runs when
//! `ONESTAMP_TEST_DATABASE_URL` names a server (an admin URL such as
//! `postgres://postgres@127.0.0.1:5432/test`): every test gets a database of
//! its own, created through that URL and dropped afterwards, so tests run in
//! parallel. Under CI (`CI` set) a missing URL fails the PostgreSQL tests
//! instead of skipping them.

use std::any::Any;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use sqlx::Connection;
use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

use onestamp_app::Store;
use onestamp_app::store::{AuditFact, NewCase, NewUser, User};
use onestamp_domain::case::{
    Applicant, ApplicantKind, Case, CaseEvent, CaseStatus, Channel, Stage, Task, UserId,
};
use onestamp_domain::role::Role;

pub const URL_VAR: &str = "ONESTAMP_TEST_DATABASE_URL";

/// Direct SQL on the database under test, for what the Store trait cannot do
/// (trying to alter the append-only tables).
pub enum Raw {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Raw {
    /// Runs one statement; the error text when the database refuses it.
    pub async fn execute(&self, sql: &'static str) -> Result<u64, String> {
        match self {
            Raw::Sqlite(path) => {
                let options = SqliteConnectOptions::new().filename(path);
                let mut conn = SqliteConnection::connect_with(&options)
                    .await
                    .expect("raw SQLite connection");
                let done = sqlx::query(sql).execute(&mut conn).await;
                done.map(|d| d.rows_affected()).map_err(|e| e.to_string())
            }
            Raw::Postgres(url) => {
                let mut conn = PgConnection::connect(url)
                    .await
                    .expect("raw PostgreSQL connection");
                let done = sqlx::query(sql).execute(&mut conn).await;
                done.map(|d| d.rows_affected()).map_err(|e| e.to_string())
            }
        }
    }
}

/// Runs `test` on a fresh SQLite store.
pub async fn on_sqlite<F, Fut>(test: F)
where
    F: FnOnce(Arc<dyn Store>, Raw) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let store = onestamp_store::open("", dir.path())
        .await
        .expect("open SQLite store");
    let raw = Raw::Sqlite(dir.path().join("onestamp.db"));
    test(store, raw).await;
}

/// Runs `test` on a fresh PostgreSQL database, or skips (fails under CI) when
/// no server is configured. The database is dropped even when the test fails.
pub async fn on_postgres<F, Fut>(test: F)
where
    F: FnOnce(Arc<dyn Store>, Raw) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let admin = match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => {
            if std::env::var("CI").is_ok_and(|v| !v.is_empty()) {
                panic!(
                    "{URL_VAR} is not set, and CI requires the PostgreSQL conformance tests: \
                     set it to an admin URL such as postgres://postgres@127.0.0.1:5432/test"
                );
            }
            println!("skipping PostgreSQL: {URL_VAR} not set");
            return;
        }
    };
    let db = onestamp_store::scratch::ScratchDatabase::create(&admin, "onestamp_t")
        .await
        .unwrap_or_else(|e| panic!("cannot create a test database through {URL_VAR}={admin}: {e}"));
    let url = db.url.clone();
    let outcome: Result<(), Box<dyn Any + Send>> =
        match onestamp_store::open(&url, Path::new("unused")).await {
            Ok(store) => tokio::spawn(test(store, Raw::Postgres(url)))
                .await
                .map_err(|e| match e.try_into_panic() {
                    Ok(panic) => panic,
                    Err(e) => Box::new(e.to_string()),
                }),
            Err(e) => Err(Box::new(format!(
                "cannot open the store on {}: {e}",
                db.name
            ))),
        };
    // Best effort: the drop ends connections the store's pool still holds.
    let name = db.name.clone();
    if let Err(e) = db.drop_now().await {
        eprintln!("could not drop test database {name}: {e}");
    }
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

// Facts to store.

/// 2026-03-02 09:00 Beijing time plus `minutes`: whole milliseconds, as stored.
pub fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
        .single()
        .expect("instant")
        + Duration::minutes(minutes)
}

pub fn fact(kind: &str, subject: &str) -> AuditFact {
    AuditFact {
        at: at(0),
        actor_id: Some(1),
        kind: kind.into(),
        subject: subject.into(),
        detail: serde_json::json!({"note": "测试", "n": 1}),
    }
}

pub async fn user(store: &Arc<dyn Store>, username: &str, roles: &[Role]) -> User {
    store
        .upsert_user(
            NewUser {
                username: username.into(),
                display_name: format!("{username} 的名字"),
                roles: roles.to_vec(),
                identity: String::new(),
                identity_kind: None,
                mobile: String::new(),
                password_hash: format!("hash-of-{username}"),
            },
            fact("user.create", username),
        )
        .await
        .expect("upsert user")
}

/// A just-submitted case of `applicant` for `item`, at intake with `clerk`.
pub fn case(applicant: &User, item: &str, clerk: Option<UserId>, deadline: Option<i64>) -> Case {
    Case {
        id: 0,
        number: String::new(),
        item_code: item.into(),
        item_version: 1,
        applicant: Applicant {
            user_id: applicant.id,
            kind: ApplicantKind::Person,
            name: applicant.display_name.clone(),
            identity: "510107199003071236".into(),
        },
        channel: Channel::Counter,
        form: serde_json::json!({"name": "张三", "area": 85})
            .as_object()
            .cloned()
            .expect("object"),
        status: CaseStatus::Intake,
        correction_return: None,
        priority: false,
        deadline: Some(at(60 * 24 * 20)),
        legal_deadline: None,
        version: 1,
        submitted_at: at(0),
        updated_at: at(0),
        task: clerk.map(|assignee| Task {
            stage: Stage::Intake,
            assignee,
            started_at: at(0),
            deadline: deadline.map(at),
            warn_at: None,
        }),
        handlers: Default::default(),
        machine_review: None,
        suspended_since: None,
        suspended_minutes: 0,
        stage_minutes: Default::default(),
        materials: Default::default(),
        correction: None,
        corrected_stages: Vec::new(),
        correction_allowance: None,
    }
}

pub fn submitted(case: &Case) -> CaseEvent {
    CaseEvent {
        at: case.submitted_at,
        actor_id: case.applicant.user_id,
        actor_role: Role::Applicant,
        action: "submit".into(),
        opinion: None,
        from_status: None,
        to_status: case.status,
        version: 0,
    }
}

pub fn new_case(case: Case, prefix: &str) -> NewCase {
    NewCase {
        feed: Default::default(),
        events: vec![submitted(&case)],
        audit: vec![fact("case.submit", "")],
        case,
        number_prefix: prefix.into(),
        licence: None,
        retire: None,
        documents: Default::default(),
        messages: Default::default(),
        tally: Default::default(),
        ticket: None,
    }
}

pub const DAY: &str = "510107-20260302";
