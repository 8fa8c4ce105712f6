//! Two nodes, exactly once: two real `onestamp serve` processes on one fresh
//! PostgreSQL database, each running its scheduler every second, over due work
//! made beforehand through the library with a clock in the past — open cases
//! whose task and case deadlines have passed, and licences that end within the
//! reminder window. Every overdue alert and every expiry reminder must exist
//! exactly once. Runs when a PostgreSQL server is configured; required under CI.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::{Value, json};

use common::{Api, FreshDatabase, Server, assert_audit_intact, postgres_admin};
use onestamp_app::auth::Session;
use onestamp_app::cases::Application;
use onestamp_app::catalogue::{Format, parse_catalogue};
use onestamp_app::clock::TestClock;
use onestamp_app::{App, Settings};
use onestamp_domain::case::{Action, Channel, Command};
use onestamp_domain::catalogue::Catalogue;

/// 出版物零售单位设立: long-term licence.
const BOOKS: &str = "510107-WGLT-001";
/// The same item with a one-year licence, imported by the test.
const BOOKS_ONE_YEAR: &str = "510107-WGLT-901";
const APPLICANTS: [&str; 3] = ["zhangsan", "lisi", "jinjiang_books"];
/// Open cases left at intake long ago: each owes a task and a case alert.
const OPEN_CASES: usize = 24;
/// Licences issued a year less a few days ago: each owes one reminder.
const EXPIRING: usize = 12;

fn books_form() -> serde_json::Map<String, Value> {
    json!({
        "entity_name": "成都锦江书香文化有限公司", "credit_code": "91510107MA6C11110G",
        "legal_rep_name": "王书香", "mobile": "13800281234",
        "address": "成都市武侯区玉林街道玉林北路12号", "publication_scope": "图书", "area": 120.0
    })
    .as_object()
    .cloned()
    .unwrap()
}

async fn session(app: &App, username: &str) -> Session {
    let (token, _) = app.login(username, "demo", None).await.unwrap();
    app.authenticate(&token).await.unwrap()
}

async fn submit(app: &App, applicant: &Session, item: &str) -> i64 {
    let view = app
        .submit_application(
            applicant,
            Application {
                item_code: item.into(),
                channel: Channel::Counter,
                form: books_form(),
                materials: Default::default(),
                applicant: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(view.case.status.as_str(), "intake");
    view.case.id
}

struct Staff {
    clerk: Session,
    reviewer: Session,
    approver: Session,
    officer: Session,
}

/// Makes due work through the library, with the clock set back.
struct Past<'a> {
    app: &'a App,
    clock: &'a TestClock,
    now: chrono::DateTime<Utc>,
    staff: &'a Staff,
}

impl Past<'_> {
    /// A case of the one-year item issued 360 days ago: its licence ends in about
    /// five days, within the 30-day reminder window. Returns the case and licence ids.
    async fn expiring_licence(&self, applicant: &Session) -> (i64, String) {
        self.clock.set(self.now - chrono::Duration::days(360));
        let id = submit(self.app, applicant, BOOKS_ONE_YEAR).await;
        let s = self.staff;
        for (who, action) in [
            (&s.clerk, Action::Accept),
            (&s.reviewer, Action::Review),
            (&s.approver, Action::Approve),
            (&s.officer, Action::Produce),
            (&s.officer, Action::Issue),
        ] {
            let version = self.app.get_case(who, id).await.unwrap().case.version;
            let command = Command {
                action,
                opinion: Some("符合要求".into()),
                version,
            };
            self.app.act_on_case(who, id, command).await.unwrap();
        }
        let licence_id = self
            .app
            .get_case(applicant, id)
            .await
            .unwrap()
            .licence_id
            .unwrap();
        let licence = self
            .app
            .get_licence(applicant, &licence_id)
            .await
            .unwrap()
            .stored;
        let until = licence.valid_until.unwrap();
        let today = self.now.date_naive();
        assert!(until > today && until <= today + chrono::Duration::days(30));
        (id, licence.id)
    }

    /// A case filed 60 days ago and never accepted: its task and the case are overdue.
    async fn overdue_case(&self, applicant: &Session) -> i64 {
        self.clock.set(self.now - chrono::Duration::days(60));
        submit(self.app, applicant, BOOKS).await
    }
}

/// The demo's book-shop item with a licence valid for one year.
fn one_year_item() -> Catalogue {
    let demo = parse_catalogue(onestamp_app::demo::CATALOGUE_YAML, Format::Yaml).unwrap();
    let mut item = demo.items.into_iter().find(|i| i.code == BOOKS).unwrap();
    item.code = BOOKS_ONE_YEAR.into();
    item.name = "出版物零售单位设立（一年期）".into();
    item.certificate.as_mut().unwrap().validity_years = Some(1);
    Catalogue {
        departments: Vec::new(),
        items: vec![item],
        themes: Vec::new(),
    }
}

/// The value of the series `name{labels}` as rendered by `/metrics`.
fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        l.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_raise_each_alert_and_each_reminder_exactly_once() {
    let Some(admin) = postgres_admin().await else {
        return;
    };
    let db = FreshDatabase::create(&admin).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();

    // The due work, made through the library with a clock in the past; the seal
    // key is the one both nodes will load from the shared data directory.
    let seal = onestamp_certificate::load_or_create(&data.join("seal/bureau-sm2.pem")).unwrap();
    let store = onestamp_store::open(&db.url, data).await.unwrap();
    let now = Utc::now();
    let clock = Arc::new(TestClock::at(now - chrono::Duration::days(360)));
    let settings = Settings {
        data_dir: data.to_path_buf(),
        ..Settings::default()
    };
    let app = App::new(store.clone(), clock.clone(), settings)
        .with_seal(seal)
        .await
        .unwrap();
    app.load_demo().await.unwrap();
    app.import_catalogue(None, &one_year_item()).await.unwrap();
    let mut applicants = Vec::new();
    for u in APPLICANTS {
        applicants.push(session(&app, u).await);
    }
    let staff = Staff {
        clerk: session(&app, "clerk").await,
        reviewer: session(&app, "reviewer").await,
        approver: session(&app, "approver").await,
        officer: session(&app, "officer").await,
    };
    let past = Past {
        app: &app,
        clock: &clock,
        now,
        staff: &staff,
    };

    // Half the due work before the nodes start, the rest in waves while both
    // schedulers run, so that their ticks meet work to share.
    let mut licences = BTreeSet::new();
    // A case being taken to issued while the nodes run is briefly open with its
    // deadlines long past: its alerts may be raised too, each once.
    let mut issued = BTreeSet::new();
    let mut open = BTreeSet::new();
    let mut turn = 0;
    let mut next_applicant = || {
        turn += 1;
        &applicants[turn % APPLICANTS.len()]
    };
    for _ in 0..EXPIRING / 2 {
        let (case, licence) = past.expiring_licence(next_applicant()).await;
        issued.insert(case);
        licences.insert(licence);
    }
    for _ in 0..OPEN_CASES / 2 {
        open.insert(past.overdue_case(next_applicant()).await);
    }
    assert!(store.alerts(None, 10).await.unwrap().is_empty());

    // Both nodes, each with its scheduler ticking every second.
    let config = data.join("nodes.toml");
    std::fs::write(&config, "scheduler_interval_secs = 1\n").unwrap();
    let args = ["--config", config.to_str().unwrap()];
    // One after the other, so that their ticks fall at different moments.
    let one = Server::start(data, Some(&db.url), &args, false).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let two = Server::start(data, Some(&db.url), &args, false).await;
    let waves = OPEN_CASES / 4;
    for _ in 0..waves {
        for _ in 0..2 {
            open.insert(past.overdue_case(next_applicant()).await);
        }
        let (case, licence) = past.expiring_licence(next_applicant()).await;
        issued.insert(case);
        licences.insert(licence);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!((open.len(), licences.len()), (OPEN_CASES, EXPIRING));

    let expected_alerts = 2 * OPEN_CASES;
    let inbox = |store: Arc<dyn onestamp_app::Store>, users: Vec<i64>| async move {
        let mut all = Vec::new();
        for u in users {
            let mine = store.inbox(u, None, 200, false).await.unwrap();
            all.extend(mine.into_iter().filter(|n| n.kind == "licence.expiring"));
        }
        all
    };
    let users: Vec<i64> = applicants.iter().map(|s| s.user.id).collect();
    let started = Instant::now();
    loop {
        let alerts = store
            .alerts(None, 1000)
            .await
            .unwrap()
            .iter()
            .filter(|a| open.contains(&a.case_id))
            .count();
        let reminders = inbox(store.clone(), users.clone()).await.len();
        if alerts >= expected_alerts && reminders >= EXPIRING {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "after 180 s: {alerts} of {expected_alerts} alerts, {reminders} of {EXPIRING} \
             reminders\nnode one: {}\nnode two: {}",
            one.log_text(),
            two.log_text()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Several more ticks of both schedulers: nothing more may come.
    tokio::time::sleep(Duration::from_secs(4)).await;

    let alerts = store.alerts(None, 1000).await.unwrap();
    // One case alert per case; one task alert per case and stage (a case's next
    // task may be alerted anew).
    let mut per_key: BTreeMap<(i64, String, Option<&str>), usize> = BTreeMap::new();
    for a in &alerts {
        let stage = a.stage.filter(|_| a.kind == "task_overdue");
        let key = (a.case_id, a.kind.clone(), stage.map(|s| s.as_str()));
        *per_key.entry(key).or_default() += 1;
    }
    for (key, n) in &per_key {
        assert_eq!(*n, 1, "{key:?} raised {n} times: {alerts:#?}");
        assert!(
            open.contains(&key.0) || issued.contains(&key.0),
            "an alert for case {} that was never due",
            key.0
        );
    }
    for id in &open {
        for (kind, stage) in [("task_overdue", Some("intake")), ("case_overdue", None)] {
            let key = (*id, kind.to_string(), stage);
            assert!(per_key.contains_key(&key), "case {id}: no {kind} alert");
        }
    }
    let on_open = alerts.iter().filter(|a| open.contains(&a.case_id)).count();
    assert_eq!(on_open, expected_alerts, "{alerts:#?}");
    let notes = inbox(store.clone(), users.clone()).await;
    assert_eq!(notes.len(), EXPIRING, "{notes:#?}");
    for l in &licences {
        let n = notes.iter().filter(|n| n.body.contains(l.as_str())).count();
        assert_eq!(n, 1, "licence {l} must be reminded exactly once");
    }
    assert!(notes.iter().all(|n| n.kind == "licence.expiring"));

    // Both nodes see the same store: nothing pending, every alert open.
    for node in [&one, &two] {
        let text = Api::new(&node.base)
            .client
            .get(format!("{}/metrics", node.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            metric(&text, "onestamp_expiry_reminders_pending"),
            Some(0.0),
            "{text}"
        );
        assert_eq!(
            metric(&text, r#"onestamp_open_alerts{kind="task_overdue"}"#),
            Some(OPEN_CASES as f64),
            "{text}"
        );
        assert_eq!(
            metric(&text, r#"onestamp_cases{status="intake"}"#),
            Some(OPEN_CASES as f64),
            "{text}"
        );
    }
    // Each node logs (at warn) every alert it raised: together, each once.
    let raised = |s: &Server| {
        let log = s.log_text();
        log.lines().filter(|l| l.contains(": overdue ")).count()
    };
    let (by_one, by_two) = (raised(&one), raised(&two));
    assert_eq!(
        by_one + by_two,
        alerts.len(),
        "{}\n{}",
        one.log_text(),
        two.log_text()
    );
    drop((one, two));
    assert_audit_intact(data, Some(&db.url));
    println!(
        "two nodes: {on_open} alerts on overdue cases and {} on cases being issued \
         ({by_one} raised by one node, {by_two} by the other), and {} reminders, each once",
        alerts.len() - on_open,
        notes.len()
    );
}
