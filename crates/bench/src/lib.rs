//! `onestamp bench`: load figures for the API — a command that prints numbers,
//! never a test that asserts them.
//!
//! Each run loads the demo into a fresh database (a temporary directory, or a
//! fresh PostgreSQL database), starts the real server on it as a process of its
//! own, logs each demo user in once, and drives the server with K concurrent
//! tokio tasks sharing one HTTP client (one connection pool). Server and clients
//! share the machine's cores, so the figures are a floor for the server alone;
//! the peak resident memory reported is the server process's.

mod hall;
mod seal;
mod search;

pub use hall::HallLoad;
pub use seal::SealLoad;
pub use search::SearchLoad;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use hdrhistogram::Histogram;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use onestamp_app::App;
use onestamp_app::catalogue::{Format, parse_catalogue};
use onestamp_domain::catalogue::Catalogue;

/// `onestamp bench …`
#[derive(Args)]
pub struct BenchArgs {
    /// Keeps each bench's store (the data directory, or the PostgreSQL database)
    /// after the run and prints where it is, to look into afterwards.
    #[arg(long)]
    pub keep: bool,
    #[command(subcommand)]
    pub workload: Workload,
    /// The global `--database-url`, handed over by `main`: a bench never opens the
    /// configured store, only fresh ones of its own.
    #[arg(skip)]
    pub database_url: Option<String>,
}

#[derive(Subcommand)]
pub enum Workload {
    /// Cases of 510107-WGLT-001 (出版物零售单位设立) submitted at the counter and
    /// taken to issued by the staff holding each task: submit, accept, review,
    /// approve, produce, issue.
    Lifecycle(Load),
    /// Valid applications of an instant item (秒批) derived from 510107-SCJG-003,
    /// each issued in the response to its submission.
    Instant(Load),
    /// List and search latency (p50, p99) over a generated data set of N cases
    /// (1 million by default), as staff, an applicant and a supervisor.
    Search(crate::search::SearchLoad),
    /// Licences sealed, verified and rendered to PDF per second, in this process.
    Seal(crate::seal::SealLoad),
    /// 办事大厅: N hall tickets called over HTTP at W windows at once, with the
    /// display stream's latency (p50, p99).
    Hall(crate::hall::HallLoad),
}

#[derive(Args, Debug, Clone, Copy)]
pub struct Load {
    /// Cases to run (1-10000000).
    #[arg(long, value_name = "N", default_value_t = 2000,
          value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub cases: u64,
    /// Concurrent clients (1-1024).
    #[arg(long, value_name = "K", default_value_t = 32,
          value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub clients: u64,
}

/// The item the lifecycle bench files: no inspection, five stages.
const BOOKS: &str = "510107-WGLT-001";
/// The demo's instant item; its licence rule cannot pass without a licence library.
const NAME_CHANGE: &str = "510107-SCJG-003";
/// The instant item the bench derives from [`NAME_CHANGE`] and imports.
const INSTANT_ITEM: &str = "510107-SCJG-903";
/// The rule of [`NAME_CHANGE`] that the derived item drops.
const LICENCE_RULE: &str = "has_licence(\"GTYYZZ\")";

/// Demo applicants the lifecycle bench takes turns with.
const APPLICANTS: [&str; 3] = ["zhangsan", "lisi", "jinjiang_books"];
/// The demo staff, one per role, so the holder of each task is known from its stage.
const STAFF: [&str; 4] = ["clerk", "reviewer", "approver", "officer"];

/// The lifecycle after submission: action, index into [`STAFF`], status reached.
const STEPS: [(&str, usize, &str); 5] = [
    ("accept", 0, "review"),
    ("review", 1, "approval"),
    ("approve", 2, "production"),
    ("produce", 3, "issuance"),
    ("issue", 3, "issued"),
];
/// Histogram rows of the lifecycle bench: submit, then each step's action.
const LIFECYCLE_ACTIONS: [&str; 6] = ["submit", "accept", "review", "approve", "produce", "issue"];

/// Latencies are recorded in microseconds, up to this.
pub(crate) const MAX_MICROS: u64 = 600_000_000;

/// How a bench opens an app over a fresh store: the database URL (empty: a
/// SQLite file) and the data directory, with the operator's settings otherwise.
pub type OpenApp = dyn Fn(
        String,
        std::path::PathBuf,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<App>> + Send>>
    + Send
    + Sync;

/// Runs a bench and prints its figures.
pub async fn run(open: &OpenApp, args: BenchArgs) -> anyhow::Result<()> {
    if let Workload::Seal(load) = args.workload {
        return tokio::task::spawn_blocking(move || crate::seal::run(load)).await?;
    }
    let mut postgres = None;
    match args.database_url.as_deref().map(str::trim) {
        None | Some("") => {}
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            postgres = Some(url.to_string());
        }
        Some(url) => bail!(
            "--database-url {url}: a bench makes its own fresh SQLite database in a temporary \
             directory; give a postgres:// URL to bench PostgreSQL as well, or nothing"
        ),
    }
    // PostgreSQL first, so that a build which refuses it says so before any figures.
    let mut backends = Vec::new();
    if let Some(url) = postgres {
        backends.push(Backend::Postgres(url));
    }
    backends.push(Backend::Sqlite);
    let mut failed = Vec::new();
    for backend in backends {
        let server = match Server::start(open, &backend).await {
            Ok(s) => s,
            Err(e) if matches!(backend, Backend::Postgres(_)) => {
                println!("postgresql: not benched ({e:#}); continuing with SQLite only");
                continue;
            }
            Err(e) => return Err(e),
        };
        let outcome = match args.workload {
            Workload::Lifecycle(load) => lifecycle(&server, load).await,
            Workload::Instant(load) => instant(&server, load).await,
            Workload::Search(load) => crate::search::run(&server, load).await,
            Workload::Hall(load) => crate::hall::run(&server, load).await,
            Workload::Seal(_) => Ok(()),
        };
        server.stop(args.keep).await;
        if let Err(e) = outcome {
            failed.push(format!("{}: {e:#}", backend.name()));
        }
    }
    if !failed.is_empty() {
        bail!("{}", failed.join("; "));
    }
    Ok(())
}

enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres(_) => "postgresql",
        }
    }
}

/// The real server, `onestamp serve` in a process of its own on a free port of
/// 127.0.0.1, over a fresh store with the demo loaded; the bench keeps an [`App`]
/// on the same store for what it prepares directly (data sets, extra items).
pub(crate) struct Server {
    pub(crate) app: App,
    pub(crate) base: String,
    pub(crate) backend: &'static str,
    /// Where the store is, for the summary.
    pub(crate) location: String,
    child: tokio::process::Child,
    /// The fresh PostgreSQL database, dropped when the server stops.
    scratch: Option<onestamp_store::scratch::ScratchDatabase>,
    /// The data directory (SQLite file, seal key, server log); removed on drop.
    dir: tempfile::TempDir,
}

impl Server {
    async fn start(open: &OpenApp, backend: &Backend) -> anyhow::Result<Server> {
        let dir = tempfile::Builder::new()
            .prefix("onestamp-bench-")
            .tempdir()
            .context("cannot create a temporary directory")?;
        let (url, location, scratch) = match backend {
            Backend::Sqlite => (
                String::new(),
                format!("fresh file in {}", dir.path().display()),
                None,
            ),
            Backend::Postgres(admin) => {
                let db = onestamp_store::scratch::ScratchDatabase::create(admin, "onestamp_bench")
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let location = format!("fresh database {} on the server given", db.name);
                (db.url.clone(), location, Some(db))
            }
        };
        match Server::spawn(open, &url, dir.path()).await {
            Ok((app, base, child)) => Ok(Server {
                app,
                base,
                backend: backend.name(),
                location,
                child,
                scratch,
                dir,
            }),
            Err(e) => {
                if let Some(db) = scratch {
                    let _ = db.drop_now().await;
                }
                Err(e)
            }
        }
    }

    /// Loads the demo through an [`App`] of this process, then starts the server
    /// process on the same store and waits until it answers `/healthz`.
    async fn spawn(
        open: &OpenApp,
        url: &str,
        data_dir: &std::path::Path,
    ) -> anyhow::Result<(App, String, tokio::process::Child)> {
        let app = open(url.to_string(), data_dir.to_path_buf()).await?;
        app.load_demo().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0")
                .context("cannot find a free port on 127.0.0.1")?;
            probe.local_addr()?.port()
        };
        let log = std::fs::File::create(data_dir.join("server.log"))
            .context("cannot create the server log")?;
        let exe = std::env::current_exe().context("cannot find the onestamp binary")?;
        let mut command = tokio::process::Command::new(exe);
        command
            .arg("--data-dir")
            .arg(data_dir)
            .arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .env("ONESTAMP_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .kill_on_drop(true);
        if !url.is_empty() {
            command.env("ONESTAMP_DATABASE_URL", url);
        } else {
            command.env_remove("ONESTAMP_DATABASE_URL");
        }
        let mut child = command.spawn().context("cannot start onestamp serve")?;
        let base = format!("http://127.0.0.1:{port}");
        let client = Client::new();
        let started = Instant::now();
        loop {
            if let Ok(r) = client.get(format!("{base}/healthz")).send().await
                && r.status() == StatusCode::OK
            {
                return Ok((app, base, child));
            }
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(data_dir.join("server.log")).unwrap_or_default();
                bail!("the server exited with {status} before answering: {log}");
            }
            if started.elapsed() > Duration::from_secs(120) {
                let _ = child.kill().await;
                bail!("the server did not answer /healthz within 120 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Peak and current resident memory of the server process.
    pub(crate) fn memory(&self) -> Option<Memory> {
        let pid = self.child.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        parse_memory(&status)
    }

    /// Stops the server and removes its store, unless `keep` says to leave it.
    async fn stop(mut self, keep: bool) {
        let _ = self.child.kill().await;
        drop(self.app);
        if keep {
            let dir = self.dir.keep();
            println!("  kept: the data directory {}", dir.display());
            if let Some(db) = self.scratch {
                println!("  kept: the database {}", db.url);
            }
            return;
        }
        if let Some(db) = self.scratch
            && let Err(e) = db.drop_now().await
        {
            eprintln!("could not drop the bench database: {e}");
        }
    }
}

/// What the clients share: one client (one pool), the tokens, the work counter.
struct Drive {
    client: Client,
    base: String,
    total: u64,
    next: AtomicU64,
    done: AtomicU64,
}

impl Drive {
    fn new(server: &Server, load: Load) -> anyhow::Result<Drive> {
        let client = Client::builder()
            .pool_max_idle_per_host(load.clients as usize)
            .timeout(Duration::from_secs(120))
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Drive {
            client,
            base: server.base.clone(),
            total: load.cases,
            next: AtomicU64::new(0),
            done: AtomicU64::new(0),
        })
    }

    /// The next case number to run, or `None` when all are claimed.
    fn claim(&self) -> Option<u64> {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        (i < self.total).then_some(i)
    }

    /// Logs a demo user in (password `demo`) and returns the bearer token.
    async fn login(&self, username: &str) -> anyhow::Result<String> {
        login(&self.client, &self.base, username).await
    }

    /// POSTs a JSON body as `token`'s user; the latency runs from sending to the
    /// last byte of the answer.
    async fn post(&self, path: &str, token: &str, body: &Value) -> Answer {
        let start = Instant::now();
        let answered = async {
            let r = self
                .client
                .post(format!("{}{path}", self.base))
                .bearer_auth(token)
                .json(body)
                .send()
                .await?;
            let status = r.status();
            Ok::<_, reqwest::Error>((status, r.bytes().await?))
        }
        .await;
        let micros = start.elapsed().as_micros().min(u128::from(MAX_MICROS)) as u64;
        match answered {
            Ok((status, bytes)) => Answer {
                micros,
                status,
                body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                transport: None,
            },
            Err(e) => Answer {
                micros,
                status: e.status().unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                body: Value::Null,
                transport: Some(e.to_string()),
            },
        }
    }

    /// Prints `done / total` on stderr about every second until every case is done.
    fn progress(self: &Arc<Self>, label: String) -> tokio::task::JoinHandle<()> {
        let drive = Arc::clone(self);
        tokio::spawn(async move {
            let start = Instant::now();
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            tick.tick().await;
            loop {
                tick.tick().await;
                let done = drive.done.load(Ordering::Relaxed);
                let secs = start.elapsed().as_secs_f64();
                eprintln!(
                    "{label}: {done} / {} cases, {:.0} cases/s so far",
                    drive.total,
                    done as f64 / secs
                );
                if drive.next.load(Ordering::Relaxed) >= drive.total && done >= drive.total {
                    break;
                }
            }
        })
    }
}

/// Logs `username` in with the demo password and returns the bearer token.
pub(crate) async fn login(client: &Client, base: &str, username: &str) -> anyhow::Result<String> {
    let r = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": onestamp_app::demo::PASSWORD}))
        .send()
        .await
        .with_context(|| format!("login {username}"))?;
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    match body["token"].as_str() {
        Some(t) if status == StatusCode::OK => Ok(t.to_string()),
        _ => bail!("login {username}: {status} {body}"),
    }
}

/// One HTTP answer.
struct Answer {
    micros: u64,
    status: StatusCode,
    body: Value,
    /// The transport error, if the answer never came whole.
    transport: Option<String>,
}

impl Answer {
    fn describe(&self, what: &str) -> String {
        match &self.transport {
            Some(e) => format!("{what}: {e}"),
            None => {
                let detail = match self.body["error"]["code"].as_str() {
                    Some(code) => format!(
                        "{code}: {}",
                        self.body["error"]["message"].as_str().unwrap_or("")
                    ),
                    None => format!("status {}", self.body["status"]),
                };
                format!("{what}: HTTP {} {detail}", self.status.as_u16())
            }
        }
    }
}

/// What one client measured; merged at the end.
struct Stats {
    /// One histogram per action (rows of the summary).
    actions: Vec<Histogram<u64>>,
    all: Histogram<u64>,
    /// Whole cases, first request to last answer.
    cases: Histogram<u64>,
    requests: u64,
    completed: u64,
    failures: u64,
    first_failure: Option<String>,
}

impl Stats {
    fn new(rows: usize) -> anyhow::Result<Stats> {
        let h = || Histogram::new_with_bounds(1, MAX_MICROS, 3).context("histogram bounds");
        Ok(Stats {
            actions: (0..rows).map(|_| h()).collect::<Result<_, _>>()?,
            all: h()?,
            cases: h()?,
            requests: 0,
            completed: 0,
            failures: 0,
            first_failure: None,
        })
    }

    fn record(&mut self, row: usize, answer: &Answer) {
        self.requests += 1;
        if let Some(h) = self.actions.get_mut(row) {
            h.saturating_record(answer.micros);
        }
        self.all.saturating_record(answer.micros);
    }

    fn fail(&mut self, why: String) {
        self.failures += 1;
        if self.first_failure.is_none() {
            self.first_failure = Some(why);
        }
    }

    fn merge(&mut self, other: Stats) -> anyhow::Result<()> {
        for (mine, theirs) in self.actions.iter_mut().zip(&other.actions) {
            mine.add(theirs).context("merging histograms")?;
        }
        self.all.add(&other.all).context("merging histograms")?;
        self.cases.add(&other.cases).context("merging histograms")?;
        self.requests += other.requests;
        self.completed += other.completed;
        self.failures += other.failures;
        if self.first_failure.is_none() {
            self.first_failure = other.first_failure;
        }
        Ok(())
    }
}

/// Runs `one` for every case over `load.clients` concurrent tasks and merges what they measured.
async fn run_clients<F, Fut>(
    drive: &Arc<Drive>,
    load: Load,
    label: String,
    rows: usize,
    one: F,
) -> anyhow::Result<(Stats, Duration)>
where
    F: Fn(Arc<Drive>, u64, Stats) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Stats> + Send + 'static,
{
    let progress = drive.progress(label);
    let start = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..load.clients.min(load.cases) {
        let drive = Arc::clone(drive);
        let one = one.clone();
        let mut stats = Stats::new(rows)?;
        clients.push(tokio::spawn(async move {
            while let Some(i) = drive.claim() {
                stats = one(Arc::clone(&drive), i, stats).await;
                drive.done.fetch_add(1, Ordering::Relaxed);
            }
            stats
        }));
    }
    let mut total = Stats::new(rows)?;
    for c in clients {
        total.merge(c.await.context("a client task failed")?)?;
    }
    let elapsed = start.elapsed();
    progress.abort();
    Ok((total, elapsed))
}

async fn lifecycle(server: &Server, load: Load) -> anyhow::Result<()> {
    let d = Arc::new(Drive::new(server, load)?);
    let mut applicants = Vec::new();
    for u in APPLICANTS {
        applicants.push(d.login(u).await?);
    }
    let mut staff = Vec::new();
    for u in STAFF {
        staff.push(d.login(u).await?);
    }
    let tokens = Arc::new((applicants, staff));
    let before = server.memory();
    let label = format!("lifecycle {}", server.backend);
    let (stats, elapsed) = run_clients(&d, load, label.clone(), LIFECYCLE_ACTIONS.len(), {
        move |d: Arc<Drive>, i: u64, mut stats: Stats| {
            let tokens = Arc::clone(&tokens);
            async move {
                let (applicants, staff) = &*tokens;
                let applicant = &applicants[(i as usize) % applicants.len()];
                one_lifecycle(&d, applicant, staff, &mut stats).await;
                stats
            }
        }
    })
    .await?;
    let secs = elapsed.as_secs_f64();
    println!(
        "{label}: {} cases in {:.1} s = {:.0} cases/s, {:.0} req/s; {}; {} clients",
        stats.completed,
        secs,
        stats.completed as f64 / secs,
        stats.requests as f64 / secs,
        spread(&stats.all),
        load.clients
    );
    println!("  latency per request through HTTP (ms):");
    println!(
        "  {:<10} {:>8} {:>8} {:>8} {:>8}",
        "action", "count", "p50", "p99", "max"
    );
    for (name, h) in LIFECYCLE_ACTIONS.iter().zip(&stats.actions) {
        println!("  {}", row(name, h));
    }
    println!("  {}", row("all", &stats.all));
    println!("  {}", row("whole case", &stats.cases));
    footer(server, &stats, before);
    yardstick(server, stats.completed as f64 * 6.0 / secs).await;
    check(&stats, load.cases, "cases not taken to issued")
}

/// Submits one case at the counter and takes it to issued; stops at the first refusal.
async fn one_lifecycle(d: &Drive, applicant: &str, staff: &[String], stats: &mut Stats) {
    let start = Instant::now();
    let submitted = d
        .post(
            "/api/v1/cases",
            applicant,
            &json!({"item": BOOKS, "channel": "counter", "form": books_form()}),
        )
        .await;
    stats.record(0, &submitted);
    if submitted.status != StatusCode::CREATED || submitted.body["status"] != "intake" {
        stats.fail(submitted.describe("submit"));
        return;
    }
    let (Some(id), Some(mut version)) = (
        submitted.body["id"].as_i64(),
        submitted.body["version"].as_i64(),
    ) else {
        stats.fail(submitted.describe("submit: no id or version in the answer"));
        return;
    };
    let path = format!("/api/v1/cases/{id}/actions");
    for (row, (action, holder, next)) in STEPS.iter().enumerate() {
        let Some(token) = staff.get(*holder) else {
            stats.fail(format!("{action}: no staff token"));
            return;
        };
        let answer = d
            .post(
                &path,
                token,
                &json!({"action": action, "opinion": "符合要求", "version": version}),
            )
            .await;
        stats.record(row + 1, &answer);
        let reached = answer.status == StatusCode::OK && answer.body["status"] == *next;
        match answer.body["version"].as_i64() {
            Some(v) if reached => version = v,
            _ => {
                stats.fail(answer.describe(action));
                return;
            }
        }
    }
    stats.completed += 1;
    stats
        .cases
        .saturating_record(start.elapsed().as_micros().min(u128::from(MAX_MICROS)) as u64);
}

fn books_form() -> Value {
    json!({
        "entity_name": "成都锦江书香文化有限公司",
        "credit_code": "91510107MA6C11110G",
        "legal_rep_name": "王书香",
        "mobile": "13800281234",
        "address": "成都市武侯区玉林街道玉林北路12号",
        "publication_scope": "图书、报纸、期刊",
        "area": 85.0
    })
}

async fn instant(server: &Server, load: Load) -> anyhow::Result<()> {
    import_instant_item(&server.app).await?;
    let d = Arc::new(Drive::new(server, load)?);
    let token = Arc::new(d.login("zhangsan").await?);
    let before = server.memory();
    let label = format!("instant {}", server.backend);
    let (stats, elapsed) = run_clients(&d, load, label.clone(), 1, {
        move |d: Arc<Drive>, _i: u64, mut stats: Stats| {
            let token = Arc::clone(&token);
            async move {
                let answer = d
                    .post(
                        "/api/v1/cases",
                        &token,
                        &json!({"item": INSTANT_ITEM, "form": name_change_form()}),
                    )
                    .await;
                stats.record(0, &answer);
                if answer.status == StatusCode::CREATED && answer.body["status"] == "issued" {
                    stats.completed += 1;
                } else {
                    stats.fail(answer.describe("submit"));
                }
                stats
            }
        }
    })
    .await?;
    let secs = elapsed.as_secs_f64();
    println!(
        "{label}: {} decisions in {:.1} s = {:.0} decisions/s; {}; not issued: {}; {} clients",
        stats.requests,
        secs,
        stats.requests as f64 / secs,
        spread(&stats.all),
        stats.failures,
        load.clients
    );
    footer(server, &stats, before);
    yardstick(server, stats.completed as f64 / secs).await;
    check(&stats, load.cases, "answers not issued")
}

/// Imports, as the operator, the demo's name change (个体工商户名称变更登记) without
/// its business-licence rule, so that a valid application is issued at once.
async fn import_instant_item(app: &App) -> anyhow::Result<()> {
    let demo = parse_catalogue(onestamp_app::demo::CATALOGUE_YAML, Format::Yaml)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut item = demo
        .items
        .into_iter()
        .find(|i| i.code == NAME_CHANGE)
        .with_context(|| format!("the demo catalogue has no item {NAME_CHANGE}"))?;
    let rules = item.rules.len();
    item.rules.retain(|r| !r.expr.contains(LICENCE_RULE));
    if item.rules.len() + 1 != rules || !item.instant {
        bail!("{NAME_CHANGE} is no longer an instant item with one {LICENCE_RULE} rule");
    }
    item.code = INSTANT_ITEM.into();
    item.name = "个体工商户名称变更登记（经营者本人）".into();
    let extra = Catalogue {
        departments: Vec::new(),
        items: vec![item],
        themes: Vec::new(),
    };
    app.import_catalogue(None, &extra)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}

fn name_change_form() -> Value {
    json!({
        "credit_code": "92510107MA6C8R5D17",
        "old_name": "武侯区玉林小面馆",
        "new_name": "武侯区玉林老街面馆",
        "operator_id": "510107199003071236",
        "mobile": "13800281234"
    })
}

/// Memory and store lines common to both benches.
fn footer(server: &Server, stats: &Stats, before: Option<Memory>) {
    match (before, server.memory()) {
        (Some(b), Some(a)) => println!(
            "  server peak RSS: {:.1} MiB (VmHWM of the server process; the clients run in \
             the bench process; before the load: {:.1} MiB resident)",
            mib(a.hwm_kib),
            mib(b.rss_kib),
        ),
        _ => println!("  server peak RSS: unavailable (no /proc/<pid>/status)"),
    }
    println!("  store: {} ({})", server.backend, server.location);
    println!("  requests: {}, failed: {}", stats.requests, stats.failures);
}

/// Prints the plain commit rate of the disk under the store, measured now that
/// the load is over, beside the durable requests per second the bench reached.
async fn yardstick(server: &Server, durable_per_s: f64) {
    let url = server.scratch.as_ref().map(|db| db.url.as_str());
    let time = std::time::Duration::from_millis(1500);
    match onestamp_store::scratch::commit_rate(url, server.dir.path(), 2, time).await {
        Ok(rate) => println!(
            "  disk yardstick: {rate:.0} fully synced single-row commits/s ({}); this run: \
             {durable_per_s:.0} durable requests/s = {:.2}× that",
            if url.is_some() {
                "2 connections"
            } else {
                "one connection"
            },
            durable_per_s / rate
        ),
        Err(e) => println!("  disk yardstick: not measured ({e})"),
    }
}

/// Fails the command when any case did not come through, naming the first reason.
fn check(stats: &Stats, cases: u64, what: &str) -> anyhow::Result<()> {
    if stats.failures == 0 && stats.completed == cases {
        return Ok(());
    }
    bail!(
        "{} {what} (of {cases}); first: {}",
        cases - stats.completed.min(cases),
        stats.first_failure.as_deref().unwrap_or("unknown")
    )
}

/// `p50 4.1 ms p99 22 ms max 40 ms`
fn spread(h: &Histogram<u64>) -> String {
    format!(
        "p50 {} ms p99 {} ms max {} ms",
        ms(h.value_at_quantile(0.50)),
        ms(h.value_at_quantile(0.99)),
        ms(h.max())
    )
}

fn row(name: &str, h: &Histogram<u64>) -> String {
    format!(
        "{:<10} {:>8} {:>8} {:>8} {:>8}",
        name,
        h.len(),
        ms(h.value_at_quantile(0.50)),
        ms(h.value_at_quantile(0.99)),
        ms(h.max())
    )
}

/// Microseconds as milliseconds with about three significant digits.
pub(crate) fn ms(micros: u64) -> String {
    let v = micros as f64 / 1000.0;
    if v < 10.0 {
        format!("{v:.2}")
    } else if v < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

pub(crate) fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Memory {
    pub(crate) rss_kib: u64,
    pub(crate) hwm_kib: u64,
}

fn parse_memory(status: &str) -> Option<Memory> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
    };
    Some(Memory {
        rss_kib: field("VmRSS:")?,
        hwm_kib: field("VmHWM:")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_and_resident_memory_are_read_from_proc_status() {
        let status = "Name:\tonestamp\nVmHWM:\t   51200 kB\nVmRSS:\t   40960 kB\n";
        let m = parse_memory(status).unwrap();
        assert_eq!((m.hwm_kib, m.rss_kib), (51200, 40960));
        assert!(parse_memory("Name:\tx\n").is_none());
    }

    #[test]
    fn milliseconds_keep_about_three_digits() {
        assert_eq!(ms(4_123), "4.12");
        assert_eq!(ms(22_040), "22.0");
        assert_eq!(ms(153_600), "154");
    }
}
