//! Shared by the process tests (`crash`, `nodes`): the real `onestamp` binary as
//! a child process, a small HTTP client for the demo users, and fresh
//! PostgreSQL databases.
//!
//! PostgreSQL runs when `ONESTAMP_TEST_DATABASE_URL` names a server (an admin URL
//! such as `postgres://postgres@127.0.0.1:5432/test`); each test creates a
//! database of its own through it and drops it afterwards. Under CI (`CI` set) a
//! missing URL or an unreachable server fails the test instead of skipping it.

#![allow(dead_code, reason = "each test binary uses a part of the helpers")]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use sqlx::Connection;
use sqlx::postgres::PgConnection;

pub const BIN: &str = env!("CARGO_BIN_EXE_onestamp");
pub const URL_VAR: &str = "ONESTAMP_TEST_DATABASE_URL";

/// How long a start may take on a loaded machine before the test gives up.
const READY_WITHIN: Duration = Duration::from_secs(180);

/// `onestamp` with a clean environment: only what the test passes counts.
pub fn command(data: &Path, database_url: Option<&str>) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir").arg(data);
    if let Some(url) = database_url {
        cmd.arg("--database-url").arg(url);
    }
    for var in [
        "ONESTAMP_CONFIG",
        "ONESTAMP_DATABASE_URL",
        "ONESTAMP_DATA_DIR",
        "ONESTAMP_LISTEN",
        "ONESTAMP_LOG_FORMAT",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("ONESTAMP_LOG", "warn");
    cmd
}

/// Runs `onestamp <args>` to completion.
pub fn run(data: &Path, database_url: Option<&str>, args: &[&str]) -> Output {
    command(data, database_url)
        .args(args)
        .output()
        .expect("run onestamp")
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `onestamp audit verify` succeeds and says the chain is intact.
pub fn assert_audit_intact(data: &Path, database_url: Option<&str>) -> String {
    let out = run(data, database_url, &["audit", "verify"]);
    let said = text(&out);
    assert!(
        out.status.success() && said.contains("audit intact"),
        "audit verify failed: {said}"
    );
    said
}

/// A running `onestamp serve` on `127.0.0.1:<ephemeral port>`.
pub struct Server {
    child: Child,
    pub base: String,
    /// Its standard error (logs at warn), for a failure message.
    pub log: PathBuf,
}

static STARTS: AtomicU32 = AtomicU32::new(0);

impl Server {
    /// Starts `onestamp serve [--demo]` and waits until `/healthz` answers.
    /// `extra` goes before the command (e.g. `--config <file>`).
    pub async fn start(
        data: &Path,
        database_url: Option<&str>,
        extra: &[&str],
        demo: bool,
    ) -> Server {
        Server::start_with_env(data, database_url, extra, demo, &[]).await
    }

    /// [`Server::start`] with environment variables set for the server.
    pub async fn start_with_env(
        data: &Path,
        database_url: Option<&str>,
        extra: &[&str],
        demo: bool,
        env: &[(&str, &str)],
    ) -> Server {
        let n = STARTS.fetch_add(1, Ordering::Relaxed);
        let log = data.join(format!("server-{}-{n}.log", std::process::id()));
        let err = std::fs::File::create(&log).expect("server log file");
        let mut cmd = command(data, database_url);
        cmd.args(extra).args(["serve", "--listen", "127.0.0.1:0"]);
        cmd.envs(env.iter().copied());
        if demo {
            cmd.arg("--demo");
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::from(err))
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn onestamp serve");
        // The server prints its address once it listens; the rest of its
        // standard output is drained so that it never blocks on a full pipe.
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.split("serving on ").nth(1) {
                    let base = rest.split_whitespace().next().unwrap_or("").to_string();
                    let _ = tx.send(base);
                }
            }
        });
        let base = match rx.recv_timeout(READY_WITHIN) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "onestamp serve did not start: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
        };
        let server = Server { child, base, log };
        server.wait_healthy().await;
        server
    }

    async fn wait_healthy(&self) {
        let client = Client::new();
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            if let Ok(r) = client
                .get(format!("{}/healthz", self.base))
                .timeout(Duration::from_secs(10))
                .send()
                .await
                && r.status() == StatusCode::OK
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} never became healthy: {}",
                self.base,
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL: no shutdown, no flush, nothing finished.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The server's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Requests as the demo users, over one connection pool.
#[derive(Clone)]
pub struct Api {
    pub client: Client,
    pub base: String,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api {
            client: Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("HTTP client"),
            base: base.to_string(),
        }
    }

    pub async fn login(&self, username: &str) -> String {
        let (status, body) = self
            .send(
                reqwest::Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": username, "password": "demo"})),
            )
            .await
            .expect("login request");
        assert_eq!(status, StatusCode::OK, "login {username}: {body}");
        body["token"].as_str().expect("token").to_string()
    }

    /// Status and JSON body, or the transport error (the server may be gone).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Result<(StatusCode, Value), reqwest::Error> {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await?;
        let status = resp.status();
        let text = resp.text().await?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    pub async fn post(
        &self,
        path: &str,
        token: &str,
        body: Value,
    ) -> Result<(StatusCode, Value), reqwest::Error> {
        self.send(reqwest::Method::POST, path, Some(token), Some(body))
            .await
    }

    pub async fn get(
        &self,
        path: &str,
        token: &str,
    ) -> Result<(StatusCode, Value), reqwest::Error> {
        self.send(reqwest::Method::GET, path, Some(token), None)
            .await
    }
}

/// The admin URL of the PostgreSQL server to test against, or `None` (with the
/// reason printed) when there is none outside CI. Under CI a missing URL or an
/// unreachable server fails.
pub async fn postgres_admin() -> Option<String> {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty());
    let url = match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => {
            assert!(
                !ci,
                "{URL_VAR} is not set, and CI requires the PostgreSQL process tests: set it \
                 to an admin URL such as postgres://postgres@127.0.0.1:5432/test"
            );
            println!("skipping PostgreSQL: {URL_VAR} not set");
            return None;
        }
    };
    match PgConnection::connect(&url).await {
        Ok(conn) => {
            let _ = conn.close().await;
            Some(url)
        }
        Err(e) => {
            assert!(!ci, "cannot connect to {URL_VAR}={url}: {e}");
            println!("skipping PostgreSQL: cannot connect to {url}: {e}");
            None
        }
    }
}

/// A fresh, empty database on the server of `admin`, dropped when this is dropped.
pub struct FreshDatabase {
    db: Option<onestamp_store::scratch::ScratchDatabase>,
    pub url: String,
}

impl FreshDatabase {
    pub async fn create(admin: &str) -> FreshDatabase {
        let db = onestamp_store::scratch::ScratchDatabase::create(admin, "onestamp_p")
            .await
            .unwrap_or_else(|e| panic!("cannot create a test database on {admin}: {e}"));
        FreshDatabase {
            url: db.url.clone(),
            db: Some(db),
        }
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        let Some(db) = self.db.take() else { return };
        let name = db.name.clone();
        // Best effort, on a runtime of its own: Drop cannot await.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(db.drop_now()).ok()
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("could not drop test database {name}");
        }
    }
}
