//! Crash safety of the real binary: `onestamp serve --demo` under a load of case
//! actions is killed with SIGKILL at a random moment, restarted on the same data,
//! and checked: every action the server acknowledged (a 2xx answer) is there, no
//! half of an action is visible, and `onestamp audit verify` passes. Many rounds
//! on SQLite; a few on PostgreSQL when a server is configured (required under CI).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use common::{Api, FreshDatabase, Server, assert_audit_intact, postgres_admin};
use onestamp_app::store::CaseQuery;
use onestamp_domain::case::CaseStatus;

/// 出版物零售单位设立: intake, review, approval, production, issuance; sealed on issue.
const BOOKS: &str = "510107-WGLT-001";
const APPLICANTS: [&str; 3] = ["zhangsan", "lisi", "jinjiang_books"];
/// One demo user per role, so the holder of each task is known from its stage.
const STAFF: [&str; 4] = ["clerk", "reviewer", "approver", "officer"];
/// After submission: action, index into [`STAFF`], status reached.
const STEPS: [(&str, usize, &str); 5] = [
    ("accept", 0, "review"),
    ("review", 1, "approval"),
    ("approve", 2, "production"),
    ("produce", 3, "issuance"),
    ("issue", 3, "issued"),
];
/// Concurrent clients.
const CLIENTS: usize = 6;

fn books_form() -> Value {
    json!({
        "entity_name": "成都锦江书香文化有限公司", "credit_code": "91510107MA6C11110G",
        "legal_rep_name": "王书香", "mobile": "13800281234",
        "address": "成都市武侯区玉林街道玉林北路12号", "publication_scope": "图书", "area": 120.0
    })
}

/// What the server acknowledged of a case: the latest version and status it
/// answered with, and the applicant (index into [`APPLICANTS`]) who owns it.
#[derive(Debug, Clone)]
struct Ack {
    version: i64,
    status: String,
    owner: usize,
}

#[derive(Default)]
struct Log {
    acked: BTreeMap<i64, Ack>,
    actions: usize,
    /// Answers that were not 2xx: none may occur.
    refused: Vec<String>,
}

type Shared = Arc<Mutex<Log>>;

fn acknowledge(log: &Shared, id: i64, body: &Value, owner: usize) -> Option<i64> {
    let version = body["version"].as_i64()?;
    let status = body["status"].as_str()?.to_string();
    let mut log = log.lock().unwrap();
    log.actions += 1;
    let entry = log.acked.entry(id).or_insert(Ack {
        version,
        status: status.clone(),
        owner,
    });
    if version >= entry.version {
        entry.version = version;
        entry.status = status;
    }
    Some(version)
}

struct Tokens {
    applicants: Vec<String>,
    staff: Vec<String>,
}

/// Submits cases and takes them to issued until the server stops answering.
async fn client(api: Api, tokens: Arc<Tokens>, n: usize, log: Shared) {
    let mut turn = n;
    loop {
        let owner = turn % APPLICANTS.len();
        turn += 1;
        let submitted = api
            .post(
                "/api/v1/cases",
                &tokens.applicants[owner],
                json!({"item": BOOKS, "channel": "counter", "form": books_form()}),
            )
            .await;
        let Ok((status, body)) = submitted else {
            return; // the server is gone
        };
        let Some(id) = body["id"].as_i64().filter(|_| status.is_success()) else {
            log.lock()
                .unwrap()
                .refused
                .push(format!("submit: {status} {body}"));
            return;
        };
        let Some(mut version) = acknowledge(&log, id, &body, owner) else {
            log.lock().unwrap().refused.push(format!("submit: {body}"));
            return;
        };
        for (action, holder, next) in STEPS {
            let answer = api
                .post(
                    &format!("/api/v1/cases/{id}/actions"),
                    &tokens.staff[holder],
                    json!({"action": action, "opinion": "符合要求", "version": version}),
                )
                .await;
            let Ok((status, body)) = answer else {
                return;
            };
            if !status.is_success() || body["status"] != next {
                log.lock()
                    .unwrap()
                    .refused
                    .push(format!("{action} on case {id}: {status} {body}"));
                return;
            }
            match acknowledge(&log, id, &body, owner) {
                Some(v) => version = v,
                None => {
                    log.lock()
                        .unwrap()
                        .refused
                        .push(format!("{action} on case {id}: {body}"));
                    return;
                }
            }
        }
    }
}

/// A small generator for the kill moments, seeded from the clock (printed, so a
/// failing run can be told apart).
struct Moments(u64);

impl Moments {
    fn new() -> Moments {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(42)
            | 1;
        println!("kill moments seeded with {seed}");
        Moments(seed)
    }

    /// 100–600 ms.
    fn next(&mut self) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Duration::from_millis(100 + self.0 % 501)
    }
}

/// The restarted server shows every acknowledged case to its owner at least at
/// the acknowledged version.
async fn check_over_http(api: &Api, tokens: &Tokens, acked: &BTreeMap<i64, Ack>) {
    for (id, ack) in acked {
        let (status, body) = api
            .get(
                &format!("/api/v1/cases/{id}"),
                &tokens.applicants[ack.owner],
            )
            .await
            .unwrap();
        assert!(
            status.is_success(),
            "case {id} after restart: {status} {body}"
        );
        let version = body["version"].as_i64().unwrap();
        assert!(
            version >= ack.version,
            "case {id}: acknowledged version {} but {version} after restart",
            ack.version
        );
        if version == ack.version {
            assert_eq!(body["status"], ack.status.as_str(), "case {id}");
        }
    }
}

/// Through the library: every acknowledged action stored, and every case whole —
/// its version is its number of events, its events chain from status to status
/// and end at its status, an open stage has its task and a closed case none, and
/// an issued case has its licence (no other case has one). Returns the number of
/// cases in the store.
async fn check_store(url: &str, data: &Path, acked: &BTreeMap<i64, Ack>) -> usize {
    let store = onestamp_store::open(url, data).await.unwrap();
    for (id, ack) in acked {
        let case = store
            .case(*id)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("acknowledged case {id} is lost"));
        assert!(
            case.version >= ack.version,
            "case {id}: acknowledged version {} but {} stored",
            ack.version,
            case.version
        );
        if case.version == ack.version {
            assert_eq!(case.status.as_str(), ack.status, "case {id}");
        }
    }
    let mut seen = 0;
    let mut before = None;
    loop {
        let page = store
            .cases(&CaseQuery {
                before_id: before,
                limit: 200,
                ..Default::default()
            })
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        for summary in &page {
            seen += 1;
            let id = summary.id;
            let case = store.case(id).await.unwrap().unwrap();
            let events = store.case_events(id).await.unwrap();
            assert_eq!(
                events.len() as i64,
                case.version,
                "case {id}: version {} with {} events",
                case.version,
                events.len()
            );
            for (i, e) in events.iter().enumerate() {
                assert_eq!(e.version, i as i64, "case {id}: event {i}");
                if i > 0 {
                    assert_eq!(
                        e.from_status,
                        Some(events[i - 1].to_status),
                        "case {id}: event {i} does not follow on"
                    );
                }
            }
            assert_eq!(
                events.last().map(|e| e.to_status),
                Some(case.status),
                "case {id}: status and last event disagree"
            );
            match case.status.stage() {
                Some(stage) => assert_eq!(
                    case.task.as_ref().map(|t| t.stage),
                    Some(stage),
                    "case {id} at {} without its task",
                    case.status.as_str()
                ),
                None => assert!(case.task.is_none(), "case {id}: a task on a closed case"),
            }
            let licence = store.licence_of_case(id).await.unwrap();
            assert_eq!(
                licence.is_some(),
                case.status == CaseStatus::Issued,
                "case {id} at {} and its licence disagree",
                case.status.as_str()
            );
        }
    }
    seen
}

/// Rounds of load, SIGKILL, restart and checks on one data directory (and database).
async fn crash_rounds(data: &Path, database_url: Option<&str>, rounds: usize) {
    let started = Instant::now();
    let mut moments = Moments::new();
    let mut server = Server::start(data, database_url, &[], true).await;
    let api = Api::new(&server.base);
    let mut applicants = Vec::new();
    for u in APPLICANTS {
        applicants.push(api.login(u).await);
    }
    let mut staff = Vec::new();
    for u in STAFF {
        staff.push(api.login(u).await);
    }
    // Tokens live in the store: one login each serves every restart.
    let tokens = Arc::new(Tokens { applicants, staff });
    let log: Shared = Arc::default();
    for round in 1..=rounds {
        let api = Api::new(&server.base);
        let before = log.lock().unwrap().actions;
        let clients: Vec<_> = (0..CLIENTS)
            .map(|n| tokio::spawn(client(api.clone(), tokens.clone(), n, log.clone())))
            .collect();
        let moment = moments.next();
        tokio::time::sleep(moment).await;
        server.kill();
        for c in clients {
            tokio::time::timeout(Duration::from_secs(120), c)
                .await
                .expect("a client hung after the kill")
                .unwrap();
        }
        let (acked, actions) = {
            let log = log.lock().unwrap();
            assert!(log.refused.is_empty(), "refused: {:?}", log.refused);
            (log.acked.clone(), log.actions - before)
        };
        server = Server::start(data, database_url, &[], false).await;
        check_over_http(&Api::new(&server.base), &tokens, &acked).await;
        let cases = check_store(database_url.unwrap_or(""), data, &acked).await;
        assert_audit_intact(data, database_url);
        println!(
            "round {round}: killed after {} ms with {actions} actions acknowledged; \
             {cases} cases whole, all {} acknowledged cases there, audit chain intact",
            moment.as_millis(),
            acked.len()
        );
    }
    let total = log.lock().unwrap().actions;
    assert!(total > 0, "no action was acknowledged in {rounds} rounds");
    println!(
        "{rounds} rounds, {total} actions acknowledged, in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_actions_survive_sigkill_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    crash_rounds(dir.path(), None, 10).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_actions_survive_sigkill_on_postgres() {
    let Some(admin) = postgres_admin().await else {
        return;
    };
    let db = FreshDatabase::create(&admin).await;
    let dir = tempfile::tempdir().unwrap();
    crash_rounds(dir.path(), Some(&db.url), 3).await;
}
