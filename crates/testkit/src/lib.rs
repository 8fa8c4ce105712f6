//! Test support: [`TestApp`] starts the real server on an ephemeral port over a
//! fresh SQLite database in a temporary directory, with the demo loaded, and
//! offers request helpers for each demo user.

#![expect(
    clippy::expect_used,
    reason = "test support: a failed setup should stop the test at once"
)]

use std::sync::Arc;

use chrono::{DateTime, Utc};
use reqwest::{Client, Method, StatusCode};
use serde_json::Value;

use onestamp_app::clock::TestClock;
use onestamp_app::{App, Settings};

pub mod browser;
pub mod fixtures;
pub mod smtp;
pub mod visitor;

pub use reqwest;
pub use serde_json::json;

pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub app: App,
    /// The store under the app, for tests that inspect or alter rows.
    pub store: Arc<dyn onestamp_app::Store>,
    pub clock: Arc<TestClock>,
    pub dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    /// The PostgreSQL database of a server started with [`TestApp::start_on_postgres`].
    scratch: Option<onestamp_store::scratch::ScratchDatabase>,
}

/// The admin URL of the PostgreSQL server tests may create databases on.
pub const POSTGRES_URL_VAR: &str = "ONESTAMP_TEST_DATABASE_URL";

/// A response: status and JSON body (Null when the body is empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    /// The error code of a JSON error body.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

impl TestApp {
    /// A server with the demo loaded; the clock stands at `now`.
    pub async fn start_at(now: DateTime<Utc>) -> TestApp {
        TestApp::start_configured(now, |_| {}).await
    }

    /// A server with the demo loaded, the clock at `now` and the settings
    /// changed by `configure` (e.g. another time zone).
    pub async fn start_configured(
        now: DateTime<Utc>,
        configure: impl FnOnce(&mut Settings),
    ) -> TestApp {
        TestApp::start_on("", now, configure).await
    }

    /// Like [`TestApp::start`] on a fresh PostgreSQL database of its own, created
    /// through `ONESTAMP_TEST_DATABASE_URL`; `None` when it is not set (the test
    /// is skipped), a failure under CI. [`TestApp::finish`] drops the database.
    pub async fn start_on_postgres() -> Option<TestApp> {
        let Ok(admin) = std::env::var(POSTGRES_URL_VAR) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI requires {POSTGRES_URL_VAR} for the PostgreSQL tests"
            );
            println!("PostgreSQL not tested: {POSTGRES_URL_VAR} not set");
            return None;
        };
        let scratch = onestamp_store::scratch::ScratchDatabase::create(&admin, "onestamp_testkit")
            .await
            .expect("scratch PostgreSQL database");
        let monday_morning = DateTime::parse_from_rfc3339("2026-03-02T09:30:00+08:00")
            .expect("instant")
            .with_timezone(&Utc);
        let mut t = TestApp::start_on(&scratch.url, monday_morning, |_| {}).await;
        t.scratch = Some(scratch);
        Some(t)
    }

    /// Stops the server and drops its PostgreSQL database, if it has one.
    pub async fn finish(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(db) = self.scratch.take() {
            let _ = db.drop_now().await;
        }
    }

    /// A server over the database `database_url` names (empty: SQLite in a
    /// temporary directory) with the demo loaded.
    async fn start_on(
        database_url: &str,
        now: DateTime<Utc>,
        configure: impl FnOnce(&mut Settings),
    ) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = onestamp_store::open(database_url, dir.path())
            .await
            .expect("store");
        let clock = Arc::new(TestClock::at(now));
        let mut settings = Settings {
            data_dir: dir.path().to_path_buf(),
            ..Settings::default()
        };
        configure(&mut settings);
        let seal = onestamp_certificate::Seal::generate().expect("seal");
        let app = App::new(store.clone(), clock.clone(), settings)
            .with_seed(7)
            .with_seal(seal)
            .await
            .expect("seal key");
        app.load_demo().await.expect("demo");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let served = app.clone();
        tokio::spawn(async move {
            let _ = onestamp_web::serve(served, listener, async {
                let _ = rx.await;
            })
            .await;
        });
        TestApp {
            base,
            client: Client::new(),
            app,
            store,
            clock,
            dir,
            shutdown: Some(tx),
            scratch: None,
        }
    }

    /// A server with the demo loaded, at a working-day morning.
    pub async fn start() -> TestApp {
        let monday_morning = DateTime::parse_from_rfc3339("2026-03-02T09:30:00+08:00")
            .expect("instant")
            .with_timezone(&Utc);
        TestApp::start_at(monday_morning).await
    }

    /// The test clock's current instant.
    pub fn clock_now(&self) -> DateTime<Utc> {
        use onestamp_app::Clock;
        self.clock.now()
    }

    /// Logs in a demo user (password `demo`) and returns the token.
    pub async fn login(&self, username: &str) -> String {
        let r = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": username, "password": "demo"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "login {username}: {:?}", r.body);
        r.body["token"].as_str().expect("token").to_string()
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    /// Sends a raw body with a content type.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: &str,
    ) -> Reply {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path))
            .header("content-type", content_type)
            .body(body.to_string());
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// Takes `action` on case `id` at its current version, as `token`'s user.
    pub async fn act(&self, id: i64, token: &str, action: &str, opinion: Option<&str>) -> Reply {
        let case = self.get(&format!("/api/v1/cases/{id}"), token).await;
        let version = case.body["version"].as_i64().unwrap_or(-1);
        self.post(
            &format!("/api/v1/cases/{id}/actions"),
            token,
            json!({"action": action, "opinion": opinion, "version": version}),
        )
        .await
    }

    /// Uploads `bytes` as `name` to the materials library of `token`'s user;
    /// the stored file's hash.
    pub async fn upload(&self, token: &str, name: &str, bytes: Vec<u8>) -> String {
        let r = self
            .client
            .post(format!("{}/api/v1/materials?name={name}", self.base))
            .bearer_auth(token)
            .body(bytes)
            .send()
            .await
            .expect("upload");
        assert_eq!(r.status(), StatusCode::CREATED, "upload of {name}");
        let v: Value = r.json().await.expect("upload answer");
        v["hash"].as_str().expect("hash").to_string()
    }

    /// Takes `action` with `extra` merged into the request (e.g. a correction
    /// list, or a resubmission's `form` and `materials`), at the case's version.
    pub async fn act_with(&self, id: i64, token: &str, action: &str, extra: Value) -> Reply {
        let case = self.get(&format!("/api/v1/cases/{id}"), token).await;
        let version = case.body["version"].as_i64().unwrap_or(-1);
        let mut body = json!({"action": action, "version": version});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        self.post(&format!("/api/v1/cases/{id}/actions"), token, body)
            .await
    }

    /// Files `application` (`{"item", "channel", "form", …}`) as `applicant` and
    /// has each `(user, action)` of `steps` taken in turn with the opinion 同意;
    /// stops the test on any refusal. The case's id, the answer to the
    /// submission, and the licence the case ended with, if any.
    pub async fn file_through(
        &self,
        applicant: &str,
        application: Value,
        steps: &[(&str, &str)],
    ) -> (i64, Value, Option<String>) {
        let token = self.login(applicant).await;
        let r = self.post("/api/v1/cases", &token, application).await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        let id = r.body["id"].as_i64().expect("case id");
        for (user, action) in steps {
            let staff = self.login(user).await;
            let done = self.act(id, &staff, action, Some("同意")).await;
            assert_eq!(
                done.status,
                StatusCode::OK,
                "{user} {action}: {:?}",
                done.body
            );
        }
        let case = self.get(&format!("/api/v1/cases/{id}"), &token).await;
        let licence = case.body["licence_id"].as_str().map(str::to_string);
        (id, r.body, licence)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Asserts that a reply is a JSON error with this status and code, and a message.
pub fn assert_error(r: &Reply, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{:?}", r.body);
    assert_eq!(r.code(), code, "{:?}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{:?}",
        r.body
    );
}
