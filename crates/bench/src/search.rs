//! `onestamp bench search`: list and search latency over a large data set.
//!
//! For each backend it generates N cases through the store's bulk path (1 million
//! by default) spread realistically over two years of working days, the demo
//! items, generated applicants and staff, and every stage; then the real server
//! answers each list and search of the API, one call at a time, as a staff
//! member, an applicant and a supervisor, and the command prints p50 and p99 of
//! each.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, Days, NaiveDate, Utc};
use clap::Args;
use hdrhistogram::Histogram;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use onestamp_app::App;
use onestamp_app::migration::MigratedUser;
use onestamp_app::store::{ImportedCase, StoredItem};
use onestamp_domain::case::{
    Applicant, ApplicantKind, Case, CaseEvent, CaseStatus, Channel, SYSTEM_ACTOR, Stage, Task,
    UserId, forward_action,
};
use onestamp_domain::catalogue::TimeLimit;
use onestamp_domain::role::Role;
use onestamp_domain::validate::iso7064::mod_11_2_check;

use crate::{MAX_MICROS, Server, mib, ms};

#[derive(Args, Debug, Clone, Copy)]
pub struct SearchLoad {
    /// Cases to generate (100-10000000).
    #[arg(long, value_name = "N", default_value_t = 1_000_000,
          value_parser = clap::value_parser!(u64).range(100..=10_000_000))]
    pub cases: u64,
    /// Timed calls of each query (10-100000).
    #[arg(long, value_name = "Q", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(10..=100_000))]
    pub queries: u64,
    /// Applicants the cases are spread over (10-1000000).
    #[arg(long, value_name = "A", default_value_t = 5_000,
          value_parser = clap::value_parser!(u64).range(10..=1_000_000))]
    pub applicants: u64,
}

/// Cases per bulk transaction.
const BATCH: usize = 20_000;
/// Generated staff per role.
const STAFF_PER_ROLE: usize = 40;
const STAFF_ROLES: [Role; 5] = [
    Role::Clerk,
    Role::Reviewer,
    Role::Inspector,
    Role::Approver,
    Role::Officer,
];
/// How far back the data set reaches.
const HISTORY_DAYS: u64 = 730;
/// Working days a case may stay open at most in the data set.
const OPEN_WINDOW: usize = 15;
/// Longer than the server's scheduler interval (30 s by default): an open-alert
/// count unchanged this long means a scheduler run found nothing more.
const SETTLED_AFTER: Duration = Duration::from_secs(40);
/// How long the bench waits for the server to catch up before timing anyway.
const SETTLE_LIMIT: Duration = Duration::from_secs(1200);

pub async fn run(server: &Server, load: SearchLoad) -> anyhow::Result<()> {
    let before = server.memory();
    let started = Instant::now();
    let data = generate(&server.app, load).await?;
    let generated = started.elapsed();
    println!(
        "search ({}): {} cases generated in {:.1} s ({:.0} cases/s) over {} applicants, \
         {} staff, {} items, {} working days",
        server.backend,
        load.cases,
        generated.as_secs_f64(),
        load.cases as f64 / generated.as_secs_f64(),
        data.applicants.len(),
        data.staff.len(),
        data.items.len(),
        data.days.len()
    );
    let client = Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .context("cannot build the HTTP client")?;
    let q = Queries {
        client,
        base: server.base.clone(),
    };
    q.settle().await?;
    // The scheduler's alerts changed every late task's row since the load's
    // vacuum. Autovacuum, with the thresholds migration 0024 sets on cases,
    // would visit the table within a minute of that; a database server may
    // run with it off, so the bench does its work once here.
    eprintln!("settle: refreshing the planner's statistics after the scheduler's changes");
    server
        .app
        .refresh_statistics()
        .await
        .map_err(|e| anyhow::anyhow!("refreshing statistics: {e}"))?;
    let busiest = data.busiest_staff();
    let staff = q.login(&busiest).await?;
    let supervisor = q.login("supervisor").await?;
    let applicant = q.login(&data.applicants[0].username).await?;

    println!(
        "  {:<34} {:>6} {:>8} {:>8} {:>8} {:>7}",
        "query (as)", "calls", "p50 ms", "p99 ms", "max ms", "rows"
    );
    let mut rng = SplitMix(0x5EED);
    let n = load.queries;
    let mut worst: u64 = 0;
    let mut line = |name: &str, h: &Histogram<u64>, rows: u64| {
        worst = worst.max(h.value_at_quantile(0.99));
        println!(
            "  {:<34} {:>6} {:>8} {:>8} {:>8} {:>7.1}",
            name,
            h.len(),
            ms(h.value_at_quantile(0.50)),
            ms(h.value_at_quantile(0.99)),
            ms(h.max()),
            rows as f64 / h.len().max(1) as f64
        );
    };

    let (h, rows) = q.time(n, &staff, |_| "/api/v1/tasks".into()).await?;
    line("my tasks (staff)", &h, rows);
    let (h, rows) = q
        .time(n, &applicant, |_| "/api/v1/cases?limit=20".into())
        .await?;
    line("my cases (applicant)", &h, rows);
    let next = q
        .first_id_after(&applicant, "/api/v1/cases?limit=20")
        .await?;
    let (h, rows) = q
        .time(n, &applicant, |_| {
            format!("/api/v1/cases?limit=20&before={next}")
        })
        .await?;
    line("my cases, page 2 (applicant)", &h, rows);
    let numbers = data.numbers.clone();
    let (h, rows) = q
        .time(n, &staff, |i| {
            format!(
                "/api/v1/cases?number={}",
                numbers[i as usize % numbers.len()]
            )
        })
        .await?;
    line("by case number (staff)", &h, rows);
    let identities: Vec<String> = data.applicants.iter().map(|a| a.identity.clone()).collect();
    // Searching by identity is for those who see identities whole (双盲).
    let (h, rows) = q
        .time(n, &supervisor, |i| {
            format!(
                "/api/v1/cases?limit=50&identity={}",
                identities[(i as usize * 7919) % identities.len()]
            )
        })
        .await?;
    line("by applicant identity (supervisor)", &h, rows);
    let items = data.items.clone();
    let (h, rows) = q
        .time(n, &staff, |i| {
            format!(
                "/api/v1/cases?limit=50&item={}",
                items[i as usize % items.len()]
            )
        })
        .await?;
    line("by item (staff)", &h, rows);
    let statuses = [
        "intake",
        "review",
        "approval",
        "issued",
        "withdrawn",
        "denied",
    ];
    let (h, rows) = q
        .time(n, &staff, |i| {
            format!(
                "/api/v1/cases?limit=50&status={}",
                statuses[i as usize % statuses.len()]
            )
        })
        .await?;
    line("by status (staff)", &h, rows);
    let (h, rows) = q
        .time(n, &staff, |i| {
            format!(
                "/api/v1/cases?limit=50&status=issued&item={}",
                items[i as usize % items.len()]
            )
        })
        .await?;
    line("by item and status (staff)", &h, rows);
    let days = data.days.clone();
    let mut offsets = Vec::new();
    for _ in 0..n {
        offsets.push(rng.below(days.len().saturating_sub(5).max(1) as u64) as usize);
    }
    let (h, rows) = q
        .time(n, &staff, |i| {
            let from = days[offsets[i as usize]];
            let to = days[(offsets[i as usize] + 4).min(days.len() - 1)];
            format!("/api/v1/cases?limit=50&from={from}&to={to}")
        })
        .await?;
    line("by date range, one week (staff)", &h, rows);
    let mid = data.mid_id;
    let (h, rows) = q
        .time(n, &staff, |i| {
            format!(
                "/api/v1/cases?limit=50&item={}&before={mid}",
                items[i as usize % items.len()]
            )
        })
        .await?;
    line("by item, deep page (staff)", &h, rows);
    let (h, rows) = q
        .time(n, &supervisor, |_| "/api/v1/supervision/tasks".into())
        .await?;
    line("overdue and due soon (supervisor)", &h, rows);

    // 大数据决策分析: every dashboard figure for the data set's last month, for
    // one department, and 办件量 over its last year; and the hall display.
    let last = days
        .last()
        .copied()
        .unwrap_or_else(|| Utc::now().date_naive());
    let month = last.format("%Y-%m").to_string();
    let year_from = last - Days::new(365);
    let mut worst_figure: u64 = 0;
    for figure in [
        "volumes",
        "times",
        "overdue",
        "corrections",
        "refusals",
        "ratings",
        "licences",
        "themes",
        "hall",
    ] {
        let (h, rows) = q
            .time(n, &supervisor, |i| {
                if i % 2 == 0 {
                    format!("/api/v1/analytics/{figure}?month={month}")
                } else {
                    format!("/api/v1/analytics/{figure}?month={month}&department=scjg")
                }
            })
            .await?;
        worst_figure = worst_figure.max(h.value_at_quantile(0.99));
        line(&format!("analytics {figure} (supervisor)"), &h, rows);
    }
    let (h, rows) = q
        .time(n, &supervisor, |_| {
            format!("/api/v1/analytics/volumes?from={year_from}&to={last}")
        })
        .await?;
    let year = h.value_at_quantile(0.99);
    line("analytics volumes, a year (supervisor)", &h, rows);
    let (h, rows) = q
        .time(n, &supervisor, |_| "/api/v1/analytics/display".into())
        .await?;
    let display = h.value_at_quantile(0.99);
    line("hall display (public)", &h, rows);
    println!(
        "  analytics: worst dashboard figure (a month) p99 {} ms (bound 50 ms: {}), hall \
         display p99 {} ms (bound 20 ms: {}); 办件量 over a year p99 {} ms (no bound)",
        ms(worst_figure),
        if worst_figure <= 50_000 {
            "met"
        } else {
            "NOT met"
        },
        ms(display),
        if display <= 20_000 { "met" } else { "NOT met" },
        ms(year),
    );

    println!("  worst p99 of any query: {} ms", ms(worst));
    match (before, server.memory()) {
        (Some(b), Some(a)) => println!(
            "  server peak RSS: {:.1} MiB (VmHWM of the server process; {:.1} MiB resident \
             before the data set was written)",
            mib(a.hwm_kib),
            mib(b.rss_kib)
        ),
        _ => println!("  server peak RSS: unavailable (no /proc/<pid>/status)"),
    }
    println!("  store: {} ({})", server.backend, server.location);
    Ok(())
}

/// What the queries need to know about the generated data.
struct DataSet {
    staff: Vec<(String, UserId, Role)>,
    applicants: Vec<GenApplicant>,
    items: Vec<String>,
    days: Vec<NaiveDate>,
    /// A sample of case numbers.
    numbers: Vec<String>,
    /// An id from the middle of the data set, for deep keyset pages.
    mid_id: i64,
    /// Open tasks per staff id.
    open_tasks: std::collections::HashMap<UserId, u64>,
}

impl DataSet {
    fn busiest_staff(&self) -> String {
        self.staff
            .iter()
            .max_by_key(|(_, id, _)| self.open_tasks.get(id).copied().unwrap_or(0))
            .map(|(name, _, _)| name.clone())
            .unwrap_or_else(|| "clerk".into())
    }
}

struct GenApplicant {
    id: UserId,
    username: String,
    name: String,
    identity: String,
}

async fn generate(app: &App, load: SearchLoad) -> anyhow::Result<DataSet> {
    let mut rng = SplitMix(20_260_302);
    let hash = onestamp_app::auth::hash_password(onestamp_app::demo::PASSWORD)
        .map_err(|e| anyhow::anyhow!("{e}"))?;

    let mut wanted = Vec::new();
    for role in STAFF_ROLES {
        for i in 1..=STAFF_PER_ROLE {
            wanted.push(MigratedUser {
                username: format!("bench_{}_{i:02}", role.as_str()),
                display_name: format!("{}{i:02}", role.label_zh()),
                roles: vec![role],
                identity: String::new(),
                identity_kind: None,
            });
        }
    }
    let staff: Vec<(String, UserId, Role)> = app
        .migrate_users(wanted, &hash)
        .await
        .map_err(|e| anyhow::anyhow!("creating staff: {e}"))?
        .into_iter()
        .map(|u| (u.username, u.id, u.roles[0]))
        .collect();
    let mut applicants = Vec::new();
    let progress_every = (load.applicants / 5).max(1);
    for i in 0..load.applicants {
        let username = format!("bench_applicant_{i:06}");
        let name = chinese_name(&mut rng);
        let identity = citizen_id(&mut rng);
        let saved = app
            .migrate_users(
                vec![MigratedUser {
                    username: username.clone(),
                    display_name: name.clone(),
                    roles: vec![Role::Applicant],
                    identity: identity.clone(),
                    identity_kind: Some(onestamp_domain::case::ApplicantKind::Person),
                }],
                &hash,
            )
            .await
            .map_err(|e| anyhow::anyhow!("creating {username}: {e}"))?;
        let Some(user) = saved.into_iter().next() else {
            bail!("{username} was not saved");
        };
        applicants.push(GenApplicant {
            id: user.id,
            username,
            name,
            identity,
        });
        if (i + 1) % progress_every == 0 {
            eprintln!("generate: {} / {} applicants", i + 1, load.applicants);
        }
    }

    let items: Vec<StoredItem> = app.list_items().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    if items.is_empty() {
        bail!("the catalogue is empty");
    }
    // A few items carry most of the work (Zipf-like weights).
    let weights: Vec<f64> = (0..items.len()).map(|r| 1.0 / (r as f64 + 1.0)).collect();
    let total_weight: f64 = weights.iter().sum();

    let today = app.today();
    let calendar = &app.settings().calendar;
    let days: Vec<NaiveDate> = (0..=HISTORY_DAYS)
        .rev()
        .filter_map(|back| today.checked_sub_days(Days::new(back)))
        .filter(|d| calendar.is_working_day(*d))
        .collect();
    if days.is_empty() {
        bail!("no working day in the last {HISTORY_DAYS} days");
    }
    let now = app.now();
    let by_role = |role: Role| -> Vec<UserId> {
        staff
            .iter()
            .filter(|(_, _, r)| *r == role)
            .map(|(_, id, _)| *id)
            .collect()
    };
    let pools: Vec<(Role, Vec<UserId>)> = STAFF_ROLES.iter().map(|r| (*r, by_role(*r))).collect();
    let pick = |rng: &mut SplitMix, role: Role| -> UserId {
        pools
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, ids)| ids[rng.below(ids.len() as u64) as usize])
            .unwrap_or(SYSTEM_ACTOR)
    };

    let n = load.cases as usize;
    let per_day = n.div_ceil(days.len());
    let mut numbers = Vec::new();
    let mut open_tasks = std::collections::HashMap::new();
    let mut batch = Vec::with_capacity(BATCH);
    let mut made = 0usize;
    let mut first_id = None;
    let started = Instant::now();
    'days: for (day_index, day) in days.iter().enumerate() {
        let age = days.len() - 1 - day_index;
        let on_day = per_day.min(n - made);
        let mut serial = 0i64;
        for j in 0..on_day {
            serial += 1;
            // 09:00–17:00 bureau time, in submission order.
            let minute = 9 * 60 + (j * 480 / on_day.max(1)) as i64;
            let submitted = calendar.day_start(*day) + chrono::Duration::minutes(minute);
            if submitted > now {
                break;
            }
            let mut r = rng.next_f64() * total_weight;
            let mut idx = 0;
            while idx + 1 < weights.len() && r > weights[idx] {
                r -= weights[idx];
                idx += 1;
            }
            let stored = &items[idx];
            let applicant = &applicants[rng.below(applicants.len() as u64) as usize];
            let number = format!(
                "{}-{}-{serial:06}",
                app.settings().district_code,
                day.format("%Y%m%d")
            );
            let case = make_case(
                &mut rng, stored, applicant, number, submitted, now, age, &pick,
            );
            if let Some(t) = &case.case.task {
                *open_tasks.entry(t.assignee).or_insert(0u64) += 1;
            }
            if numbers.len() < 1000 || rng.below(made as u64 + 1) < 1000 {
                if numbers.len() < 1000 {
                    numbers.push(case.case.number.clone());
                } else {
                    let k = rng.below(1000) as usize;
                    numbers[k] = case.case.number.clone();
                }
            }
            batch.push(case);
            made += 1;
            if batch.len() == BATCH {
                let first = flush(app, &mut batch).await?;
                first_id.get_or_insert(first);
                eprintln!(
                    "generate: {made} / {n} cases, {:.0} cases/s",
                    made as f64 / started.elapsed().as_secs_f64()
                );
            }
            if made == n {
                break 'days;
            }
        }
    }
    if !batch.is_empty() {
        let first = flush(app, &mut batch).await?;
        first_id.get_or_insert(first);
    }
    eprintln!("generate: refreshing the planner's statistics");
    app.refresh_statistics()
        .await
        .map_err(|e| anyhow::anyhow!("refreshing statistics: {e}"))?;
    // Ids are assigned in submission order, one per case.
    let mid_id = first_id.unwrap_or(1) + made as i64 / 2;
    if numbers.is_empty() {
        bail!("no case was generated");
    }
    Ok(DataSet {
        staff,
        applicants,
        items: items.iter().map(|i| i.item.code.clone()).collect(),
        days,
        numbers,
        mid_id,
        open_tasks,
    })
}

async fn flush(app: &App, batch: &mut Vec<ImportedCase>) -> anyhow::Result<i64> {
    app.migrate_cases(std::mem::take(batch))
        .await
        .map_err(|e| anyhow::anyhow!("bulk import: {e}"))
}

/// A case of `stored` submitted at `submitted`: closed long ago, or open at some
/// stage when recent, with the events that brought it there.
#[expect(
    clippy::too_many_arguments,
    reason = "one generated case from its parts"
)]
fn make_case(
    rng: &mut SplitMix,
    stored: &StoredItem,
    applicant: &GenApplicant,
    number: String,
    submitted: DateTime<Utc>,
    now: DateTime<Utc>,
    age_days: usize,
    pick: &dyn Fn(&mut SplitMix, Role) -> UserId,
) -> ImportedCase {
    let item = &stored.item;
    let channel = match rng.below(10) {
        0..=3 => Channel::Counter,
        4..=7 => Channel::Web,
        8 => Channel::Mobile,
        _ => Channel::Kiosk,
    };
    let mut plan: Vec<Stage> = item.stage_plan().collect();
    if channel.first_stage() == Stage::PreReview && plan.first() != Some(&Stage::PreReview) {
        plan.insert(0, Stage::PreReview);
    }
    let hours = |limit: TimeLimit| match limit {
        TimeLimit::Days(d) => i64::from(d) * 34,
        TimeLimit::Hours(h) => i64::from(h) * 3,
    };
    let committed = chrono::Duration::hours(hours(item.committed_limit));
    let step =
        chrono::Duration::minutes((committed.num_minutes() / plan.len().max(1) as i64).max(5));
    // Recent cases are more often still open.
    let open =
        age_days < OPEN_WINDOW && rng.next_f64() < 1.0 - age_days as f64 / OPEN_WINDOW as f64 * 0.9;
    let (done_stages, outcome) = if open {
        (rng.below(plan.len() as u64) as usize, None)
    } else {
        match rng.below(100) {
            0..=3 => (0, Some(CaseStatus::NotAccepted)),
            4..=6 => (
                plan.iter().position(|s| *s == Stage::Approval).unwrap_or(0),
                Some(CaseStatus::Denied),
            ),
            7..=11 => (0, Some(CaseStatus::Withdrawn)),
            _ => (plan.len(), Some(CaseStatus::Issued)),
        }
    };
    let mut events = vec![CaseEvent {
        at: submitted,
        actor_id: applicant.id,
        actor_role: Role::Applicant,
        action: "submit".into(),
        opinion: None,
        from_status: None,
        to_status: CaseStatus::at(plan[0]),
        version: 0,
    }];
    let mut handlers = std::collections::BTreeMap::new();
    let mut at = submitted;
    for (k, stage) in plan.iter().take(done_stages).enumerate() {
        at = (at + step).min(now);
        let actor = pick(rng, stage.role());
        handlers.insert(*stage, actor);
        let to = match plan.get(k + 1) {
            Some(next) => CaseStatus::at(*next),
            None => CaseStatus::Issued,
        };
        events.push(CaseEvent {
            at,
            actor_id: actor,
            actor_role: stage.role(),
            action: forward_action(*stage).as_str().into(),
            opinion: Some("符合条件".into()),
            from_status: events.last().map(|e| e.to_status),
            to_status: to,
            version: events.len() as i64,
        });
    }
    let mut task = None;
    let status = match outcome {
        Some(CaseStatus::Issued) => CaseStatus::Issued,
        Some(closing) => {
            at = (at + step).min(now);
            let (action, role) = match closing {
                CaseStatus::NotAccepted => ("not_accept", Role::Clerk),
                CaseStatus::Denied => ("deny", Role::Approver),
                _ => ("withdraw", Role::Applicant),
            };
            let actor = if role == Role::Applicant {
                applicant.id
            } else {
                pick(rng, role)
            };
            events.push(CaseEvent {
                at,
                actor_id: actor,
                actor_role: role,
                action: action.into(),
                opinion: Some(
                    if role == Role::Applicant {
                        "申请人撤回"
                    } else {
                        "不符合条件"
                    }
                    .into(),
                ),
                from_status: events.last().map(|e| e.to_status),
                to_status: closing,
                version: events.len() as i64,
            });
            closing
        }
        None => {
            let stage = plan[done_stages.min(plan.len() - 1)];
            let started = at;
            let deadline = started + step;
            task = Some(Task {
                stage,
                assignee: pick(rng, stage.role()),
                started_at: started,
                deadline: Some(deadline),
                warn_at: Some(started + step * 3 / 4),
            });
            CaseStatus::at(stage)
        }
    };
    let mut form = serde_json::Map::new();
    form.insert("applicant_name".into(), json!(applicant.name));
    form.insert(
        "mobile".into(),
        json!(format!("138{:08}", rng.below(100_000_000))),
    );
    form.insert(
        "address".into(),
        json!(format!(
            "四川省成都市武侯区玉林街道{}号",
            rng.below(300) + 1
        )),
    );
    let case = Case {
        id: 0,
        number,
        item_code: item.code.clone(),
        item_version: stored.version,
        applicant: Applicant {
            user_id: applicant.id,
            kind: ApplicantKind::Person,
            name: applicant.name.clone(),
            identity: applicant.identity.clone(),
        },
        channel,
        form,
        status,
        correction_return: None,
        priority: rng.below(100) == 0,
        deadline: Some(submitted + committed),
        legal_deadline: Some(submitted + committed * 2),
        version: events.len() as i64,
        submitted_at: submitted,
        updated_at: at,
        task,
        handlers,
        machine_review: None,
        suspended_since: None,
        suspended_minutes: 0,
        stage_minutes: Default::default(),
        materials: Default::default(),
        correction: None,
        corrected_stages: Vec::new(),
        correction_allowance: None,
    };
    ImportedCase { case, events }
}

fn chinese_name(rng: &mut SplitMix) -> String {
    const FAMILY: [&str; 20] = [
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
        "郭", "何", "林", "罗", "高",
    ];
    const GIVEN: [&str; 24] = [
        "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
        "明", "超", "秀英", "霞", "平", "刚", "建华", "志强", "晓燕",
    ];
    format!(
        "{}{}",
        FAMILY[rng.below(FAMILY.len() as u64) as usize],
        GIVEN[rng.below(GIVEN.len() as u64) as usize]
    )
}

/// A valid citizen ID number of someone born 1955–2004 in 武侯区 (510107).
fn citizen_id(rng: &mut SplitMix) -> String {
    let born = NaiveDate::from_ymd_opt(1955, 1, 1)
        .and_then(|d| d.checked_add_days(Days::new(rng.below(50 * 365))))
        .unwrap_or_default();
    let first17 = format!("510107{}{:03}", born.format("%Y%m%d"), rng.below(1000));
    let check = mod_11_2_check(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

/// A small, fast, seeded generator (SplitMix64): the data set is the same every run.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn next_f64(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

/// Timed GETs against the server.
struct Queries {
    client: Client,
    base: String,
}

impl Queries {
    async fn login(&self, username: &str) -> anyhow::Result<String> {
        crate::login(&self.client, &self.base, username).await
    }

    async fn get(&self, token: &str, path: &str) -> anyhow::Result<(u64, Value)> {
        let start = Instant::now();
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        let status = r.status();
        let bytes = r.bytes().await.with_context(|| format!("GET {path}"))?;
        let micros = start.elapsed().as_micros().min(u128::from(MAX_MICROS)) as u64;
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status != StatusCode::OK {
            bail!("GET {path}: HTTP {} {body}", status.as_u16());
        }
        Ok((micros, body))
    }

    /// Calls `path(i)` `n` times one after another (after a few untimed warm-up
    /// calls); the histogram and the rows returned in all.
    async fn time(
        &self,
        n: u64,
        token: &str,
        path: impl Fn(u64) -> String,
    ) -> anyhow::Result<(Histogram<u64>, u64)> {
        let mut h = Histogram::new_with_bounds(1, MAX_MICROS, 3).context("histogram bounds")?;
        for i in 0..n.min(5) {
            self.get(token, &path(i)).await?;
        }
        let mut rows = 0;
        for i in 0..n {
            let (micros, body) = self.get(token, &path(i)).await?;
            h.saturating_record(micros);
            rows += rows_of(&body);
        }
        Ok((h, rows))
    }

    /// Waits until the server has caught up with the imported history: its
    /// scheduler has raised the alerts of every task already late (an
    /// unchanged open-alert count over more than one scheduler interval) and
    /// the delivery workers have sent their messages (no outbox backlog) —
    /// the state of a bureau that has been running, which the queries are
    /// timed against. Gives up, saying so, after [`SETTLE_LIMIT`].
    async fn settle(&self) -> anyhow::Result<()> {
        let started = Instant::now();
        let mut last: Option<(f64, Instant)> = None;
        loop {
            let text = self
                .client
                .get(format!("{}/metrics", self.base))
                .send()
                .await
                .context("GET /metrics")?
                .text()
                .await
                .context("GET /metrics")?;
            let alerts = gauge_sum(&text, "onestamp_open_alerts");
            let backlog = gauge_sum(&text, "onestamp_outbox_backlog");
            let steady = match last {
                Some((seen, since)) if seen == alerts => since.elapsed() >= SETTLED_AFTER,
                _ => {
                    last = Some((alerts, Instant::now()));
                    false
                }
            };
            if steady && backlog == 0.0 {
                eprintln!(
                    "settle: the server has caught up ({alerts} open alerts, no outbox backlog) \
                     after {:.0} s",
                    started.elapsed().as_secs_f64()
                );
                return Ok(());
            }
            if started.elapsed() > SETTLE_LIMIT {
                println!(
                    "  note: the server had not caught up after {} s ({alerts} open alerts, \
                     {backlog} deliveries pending); the figures below were timed while it worked",
                    SETTLE_LIMIT.as_secs()
                );
                return Ok(());
            }
            eprintln!(
                "settle: waiting for the server to catch up: {alerts} open alerts, {backlog} \
                 deliveries pending ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    }

    /// The keyset cursor after the first page of `path`.
    async fn first_id_after(&self, token: &str, path: &str) -> anyhow::Result<i64> {
        let (_, body) = self.get(token, path).await?;
        Ok(body["next_before"]
            .as_i64()
            .or_else(|| body["cases"][0]["id"].as_i64())
            .unwrap_or(i64::MAX))
    }
}

/// Lines in a list answer: `{"cases": [...]}`, `{"tasks": [...]}` or a bare array.
fn rows_of(body: &Value) -> u64 {
    let list = body
        .as_array()
        .or_else(|| body.get("cases").and_then(Value::as_array))
        .or_else(|| body.get("tasks").and_then(Value::as_array));
    list.map_or(0, |l| l.len() as u64)
}

/// The sum of a gauge's samples (every label set) in Prometheus text.
fn gauge_sum(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::gauge_sum;

    #[test]
    fn a_gauge_is_summed_over_its_labels_and_no_other_gauge() {
        let text = "# HELP onestamp_outbox_backlog Deliveries not yet made\n\
                    # TYPE onestamp_outbox_backlog gauge\n\
                    onestamp_outbox_backlog{channel=\"email\"} 3\n\
                    onestamp_outbox_backlog{channel=\"inbox\"} 4\n\
                    onestamp_outbox_backlog_other 100\n\
                    onestamp_open_alerts 2\n";
        assert_eq!(gauge_sum(text, "onestamp_outbox_backlog"), 7.0);
        assert_eq!(gauge_sum(text, "onestamp_open_alerts"), 2.0);
        assert_eq!(gauge_sum(text, "onestamp_cases"), 0.0);
    }
}
