//! What each command does, over the app's use cases.

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::{NaiveDate, NaiveDateTime, TimeZone};

use onestamp_app::catalogue::{Format, parse_catalogue};
use onestamp_app::delivery::Channel;
use onestamp_app::{App, AppError, Settings, SystemClock};
use onestamp_domain::audit::Checkpoint;

use crate::config::Config;
use crate::{AnalyticsCommand, AuditCommand, CalendarCommand, Command, ReportCommand, SealCommand};

/// Logs to stderr. A bench logs only warnings unless `ONESTAMP_LOG` says otherwise,
/// so that its progress stays readable and a line per request does not weigh on its figures.
pub fn init_logging(cfg: &Config, bench: bool) {
    let default = if bench {
        "warn"
    } else {
        "info,sqlx=warn,tower_http=info"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ONESTAMP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Colours only on a terminal: a log file or journal gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    if cfg.log_format == "json" {
        let _ = builder.json().try_init();
    } else {
        let _ = builder.try_init();
    }
}

async fn open_app(cfg: &Config) -> anyhow::Result<App> {
    open_app_at(cfg, &cfg.database_url, &cfg.data_dir).await
}

/// The app over the store at `database_url` (empty: a SQLite file in `data_dir`),
/// with the settings of `cfg`.
pub(crate) async fn open_app_at(
    cfg: &Config,
    database_url: &str,
    data_dir: &std::path::Path,
) -> anyhow::Result<App> {
    let store = onestamp_store::open(database_url, data_dir)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
    let settings = Settings {
        district_code: cfg.district_code.clone(),
        token_ttl: chrono::Duration::hours(cfg.token_ttl_hours),
        calendar: cfg.calendar()?,
        warn_share: cfg.warn_share,
        bureau_name: cfg.bureau_name.clone(),
        reconsideration_body: cfg.reconsideration_body.clone(),
        bureau_credit_code: cfg.bureau_credit_code.clone(),
        public_url: cfg.public_url.clone(),
        licence_reminder_days: cfg.licence_reminder_days,
        rating_callback_days: cfg.rating_callback_days,
        rating_rectify_days: cfg.rating_rectify_days,
        supervision_claim_days: cfg.supervision_claim_days,
        hall_recall_secs: cfg.hall_recall_secs,
        kiosk_idle_secs: cfg.kiosk_idle_secs,
        delivery_lease: chrono::Duration::seconds(
            i64::try_from(cfg.delivery_lease_secs).unwrap_or(60),
        ),
        smtp_url: cfg.smtp_url.trim().to_string(),
        mail_from: cfg.mail_from.trim().to_string(),
        data_dir: cfg.data_dir.clone(),
        max_upload_bytes: cfg.max_upload_mb * 1024 * 1024,
        ops_counts_max_age: std::time::Duration::from_secs(cfg.metrics_cache_secs),
        login: onestamp_app::LoginPolicy {
            window: chrono::Duration::minutes(cfg.login.window_minutes),
            lock_after: cfg.login.lock_after,
            address_lock_after: cfg.login.address_lock_after,
            account_lock_after: cfg.login.account_lock_after,
            lock_for: chrono::Duration::minutes(cfg.login.lock_minutes),
            delay_per_failure: std::time::Duration::from_millis(cfg.login.delay_ms),
        },
    };
    // No seal: only `serve` and `seal init|rotate` read, create or register the
    // bureau's key (see [`sealed`]); the other commands never touch it.
    Ok(App::new(store, Arc::new(SystemClock), settings))
}

/// The app given the bureau's seal from `seal_key`, created there first if there
/// is none (the first start of a server), and registered as trusted (audited
/// when new).
async fn sealed(app: App, cfg: &Config) -> anyhow::Result<App> {
    let key = cfg.seal_key_path();
    let seal = onestamp_certificate::load_or_create(&key)
        .map_err(|e| anyhow::anyhow!("the bureau's seal key {}: {e}", key.display()))?;
    app.with_seal(seal).await.map_err(explain)
}

/// `seal init`: creates the bureau's key where there is none; `seal rotate`:
/// retires the key in use (kept beside, as `<file>.<key id>.retired`) and
/// creates a new one. Either way the new public key is registered (and audited),
/// so licences sealed with an older key stay verifiable.
async fn seal(cfg: &Config, command: SealCommand) -> anyhow::Result<()> {
    let key = cfg.seal_key_path();
    let app = open_app(cfg).await?;
    match command {
        SealCommand::Init => {
            if key.exists() {
                bail!(
                    "a seal key already exists at {} (use `onestamp seal rotate` to replace it)",
                    key.display()
                );
            }
        }
        SealCommand::Rotate => {
            let pem = std::fs::read_to_string(&key).with_context(|| {
                format!(
                    "no seal key to rotate at {} (use `onestamp seal init`)",
                    key.display()
                )
            })?;
            let old = onestamp_certificate::Seal::from_pem(&pem)
                .map_err(|e| anyhow::anyhow!("the seal key {}: {e}", key.display()))?;
            // Registered (if it never was) before it is retired, so that what it sealed verifies.
            let old_id = old.key_id().to_string();
            app.clone().with_seal(old).await.map_err(explain)?;
            let mut retired = key.clone().into_os_string();
            retired.push(format!(".{old_id}.retired"));
            std::fs::rename(&key, &retired).with_context(|| {
                format!(
                    "cannot retire {} to {}",
                    key.display(),
                    retired.to_string_lossy()
                )
            })?;
            println!("retired key {old_id} to {}", retired.to_string_lossy());
        }
    }
    let app = sealed(app, cfg).await?;
    if let Some(key_id) = app.seal_key_id() {
        println!(
            "seal key {key_id} at {} is registered; restart running servers to seal with it",
            key.display()
        );
    }
    Ok(())
}

/// Turns an app error into a message for the operator.
pub(crate) fn explain(e: AppError) -> anyhow::Error {
    match e {
        AppError::Catalogue(problems) => {
            let lines: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
            anyhow::anyhow!("{} problem(s):\n{}", problems.len(), lines.join("\n"))
        }
        AppError::Store(cause) => anyhow::anyhow!("database error: {cause}"),
        AppError::Sealing(cause) => anyhow::anyhow!("sealing failed: {cause}"),
        AppError::Rendering(cause) => anyhow::anyhow!("rendering failed: {cause}"),
        other => anyhow::anyhow!("{other}"),
    }
}

pub async fn run(cfg: Config, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve { demo, .. } => serve(&cfg, demo).await,
        Command::Migrate => {
            open_app(&cfg).await?;
            println!("database is at the latest schema");
            Ok(())
        }
        Command::Demo => {
            let app = open_app(&cfg).await?;
            demo(&app).await
        }
        Command::Import { file } => {
            let app = open_app(&cfg).await?;
            let name = file.display().to_string();
            let format = Format::from_path(&name)
                .with_context(|| format!("{name}: use a .yaml, .yml or .json file"))?;
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("cannot read {name}"))?;
            let catalogue = parse_catalogue(&text, format)
                .map_err(|e| explain(e).context(format!("{name} refused, nothing imported")))?;
            let s = app
                .import_catalogue(None, &catalogue)
                .await
                .map_err(|e| explain(e).context(format!("{name} refused, nothing imported")))?;
            println!(
                "{name}: {} departments, {} new items, {} changed, {} unchanged, {} themes",
                s.departments, s.items_new, s.items_changed, s.items_unchanged, s.themes
            );
            Ok(())
        }
        Command::Export { file, format } => {
            let app = open_app(&cfg).await?;
            let catalogue = app.export_catalogue().await.map_err(explain)?;
            let format = match format.as_deref() {
                Some("json") => Format::Json,
                Some("yaml") | Some("yml") => Format::Yaml,
                Some(other) => bail!("--format {other}: use yaml or json"),
                None => file
                    .as_ref()
                    .and_then(|f| Format::from_path(&f.display().to_string()))
                    .unwrap_or(Format::Yaml),
            };
            let text = match format {
                Format::Json => serde_json::to_string_pretty(&catalogue)?,
                Format::Yaml => serde_yaml::to_string(&catalogue)?,
            };
            match file {
                Some(f) => {
                    std::fs::write(&f, text)
                        .with_context(|| format!("cannot write {}", f.display()))?;
                    eprintln!(
                        "exported {} items to {}",
                        catalogue.items.len(),
                        f.display()
                    );
                }
                None => std::io::stdout().write_all(text.as_bytes())?,
            }
            Ok(())
        }
        Command::Calendar(c) => calendar(&cfg, c),
        Command::Backup { file } => {
            let app = open_app(&cfg).await?;
            let started = std::time::Instant::now();
            app.backup(&file).await.map_err(explain)?;
            let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            println!(
                "backup written to {} ({:.1} MiB in {:.1} s)",
                file.display(),
                size as f64 / 1024.0 / 1024.0,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Bench(b) => {
            let cfg = cfg.clone();
            let open = move |url: String, dir: std::path::PathBuf| {
                let mut cfg = cfg.clone();
                cfg.data_dir = dir.clone();
                let opened: std::pin::Pin<
                    Box<dyn std::future::Future<Output = anyhow::Result<App>> + Send>,
                > = Box::pin(async move { open_app_at(&cfg, &url, &dir).await });
                opened
            };
            onestamp_bench::run(&open, b).await
        }
        Command::Seal(c) => seal(&cfg, c).await,
        Command::Report(ReportCommand::Themes) => {
            let app = open_app(&cfg).await?;
            report_themes(&app).await
        }
        Command::Report(ReportCommand::Month {
            month,
            department,
            out,
        }) => {
            let app = registered_seal(open_app(&cfg).await?, &cfg).await?;
            let (name, pdf) = app
                .monthly_report(None, &month, department)
                .await
                .map_err(explain)?;
            let file = out.unwrap_or_else(|| std::path::PathBuf::from(name));
            if file.exists() {
                bail!(
                    "{} already exists; the report never overwrites a file",
                    file.display()
                );
            }
            std::fs::write(&file, &pdf)
                .with_context(|| format!("cannot write {}", file.display()))?;
            println!(
                "月度统计报告 {month} written to {} ({} bytes)",
                file.display(),
                pdf.len()
            );
            Ok(())
        }
        Command::Audit(c) => audit(&cfg, c).await,
        Command::Analytics(AnalyticsCommand::Rebuild) => {
            let app = open_app(&cfg).await?;
            let started = std::time::Instant::now();
            let summary = app
                .rebuild_analytics(5_000, |n| {
                    if n % 50_000 == 0 {
                        eprintln!("read {n} cases…");
                    }
                })
                .await
                .map_err(explain)?;
            println!(
                "analytics rebuilt from {} cases and {} ratings in {:.1} s",
                summary.cases,
                summary.ratings,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
    }
}

/// `audit verify | checkpoint | export`.
async fn audit(cfg: &Config, command: AuditCommand) -> anyhow::Result<()> {
    let app = open_app(cfg).await?;
    match command {
        AuditCommand::Verify { checkpoints } => {
            let external = match &checkpoints {
                Some(file) => read_checkpoints(file)?,
                None => Vec::new(),
            };
            let started = std::time::Instant::now();
            let report = app
                .verify_audit(&external, |n| {
                    if n % 50_000 == 0 {
                        eprintln!("checked {n} entries…");
                    }
                })
                .await
                .map_err(explain)?;
            println!(
                "audit chain: {} entries, head {}; {} checkpoints; {} cases and {} licences replayed ({:.1} s)",
                report.entries,
                report.head,
                report.checkpoints,
                report.cases,
                report.licences,
                started.elapsed().as_secs_f64()
            );
            if report.intact() {
                println!("audit intact: 审计链完好，办件与证照与审计记录一致");
                return Ok(());
            }
            for f in &report.findings {
                println!("  ✗ {}", f.describe_zh());
            }
            if report.more_findings > 0 {
                println!("  … and {} more", report.more_findings);
            }
            bail!(
                "audit BROKEN: {} findings (审计核验未通过)",
                report.findings.len() as u64 + report.more_findings
            )
        }
        AuditCommand::Checkpoint => {
            let app = registered_seal(app, cfg).await?;
            match app.seal_checkpoint().await.map_err(explain)? {
                Some(cp) => println!("checkpoint sealed at entry {} ({})", cp.seq, cp.hash),
                None => println!("the newest checkpoint already covers the chain's head"),
            }
            Ok(())
        }
        AuditCommand::Export { file } => {
            if file.exists() {
                bail!(
                    "{} already exists; export never overwrites a file",
                    file.display()
                );
            }
            let all = app.audit_checkpoints().await.map_err(explain)?;
            let mut out = String::new();
            for cp in &all {
                out.push_str(&serde_json::to_string(cp)?);
                out.push('\n');
            }
            std::fs::write(&file, out)
                .with_context(|| format!("cannot write {}", file.display()))?;
            println!("{} checkpoints written to {}", all.len(), file.display());
            Ok(())
        }
    }
}

/// Checkpoints from a file written by `audit export`, one JSON object a line.
fn read_checkpoints(file: &std::path::Path) -> anyhow::Result<Vec<Checkpoint>> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read checkpoints from {}", file.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            serde_json::from_str(l).with_context(|| {
                format!(
                    "{} line {}: not a checkpoint written by `audit export`",
                    file.display(),
                    n + 1
                )
            })
        })
        .collect()
}

/// The app with the seal key of `seal_key` loaded, refusing to create a key or
/// to register one the installation does not know.
async fn registered_seal(app: App, cfg: &Config) -> anyhow::Result<App> {
    let key = cfg.seal_key_path();
    let pem = std::fs::read_to_string(&key).with_context(|| {
        format!(
            "no seal key at {} (run `onestamp seal init`, or start `serve` once)",
            key.display()
        )
    })?;
    let seal = onestamp_certificate::Seal::from_pem(&pem)
        .map_err(|e| anyhow::anyhow!("the seal key {}: {e}", key.display()))?;
    if !app
        .seal_key_registered(seal.key_id())
        .await
        .map_err(explain)?
    {
        bail!(
            "the seal key at {} is not registered in this database (register it with `onestamp seal rotate` or `serve`)",
            key.display()
        );
    }
    app.with_seal(seal).await.map_err(explain)
}

async fn demo(app: &App) -> anyhow::Result<()> {
    let s = app.load_demo().await.map_err(explain)?;
    println!(
        "demo catalogue: {} departments, {} items ({} new, {} changed), {} themes",
        s.departments,
        s.items_new + s.items_changed + s.items_unchanged,
        s.items_new,
        s.items_changed,
        s.themes
    );
    println!("demo users (password: {}):", onestamp_app::demo::PASSWORD);
    for u in onestamp_app::demo::USERS {
        let roles: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
        println!(
            "  {:<16} {:<10} {}",
            u.username,
            roles.join(","),
            u.display_name
        );
    }
    Ok(())
}

async fn serve(cfg: &Config, with_demo: bool) -> anyhow::Result<()> {
    let addr = cfg.listen_addr()?;
    let app = sealed(open_app(cfg).await?, cfg).await?;
    if with_demo {
        demo(&app).await?;
        match app.demo_kiosk().await.map_err(explain)? {
            Some((k, token)) => {
                println!(
                    "demo kiosk {} registered; bind a browser to it by opening {}/kiosk/setup and entering the token {token} (shown this once)",
                    k.name,
                    cfg.public_url.trim_end_matches('/')
                );
            }
            None => println!(
                "kiosks are registered already; register another with POST /api/v1/kiosks (admin) to get a new token"
            ),
        }
    }
    // Cases stored before the analytics rows were kept are counted once, now.
    if let Some(s) = app.rebuild_analytics_if_stale().await.map_err(explain)? {
        println!(
            "analytics rebuilt from {} cases and {} ratings",
            s.cases, s.ratings
        );
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    println!("onestamp serving on http://{local}  (API: /api/v1, OpenAPI: /api/openapi.json)");
    let scheduler = tokio::spawn(run_scheduler(app.clone(), cfg.scheduler_interval_secs));
    let checkpoints = tokio::spawn(run_checkpoints(app.clone(), cfg.audit_checkpoint_minutes));
    let deliveries = spawn_deliveries(&app, cfg)?;
    onestamp_web::serve_with(
        app.clone(),
        listener,
        cfg.connection_limits(),
        shutdown_signal(),
    )
    .await?;
    scheduler.abort();
    checkpoints.abort();
    for d in deliveries {
        d.abort();
    }
    // What was done until now is sealed before the server goes.
    if let Err(e) = app.seal_checkpoint().await {
        tracing::error!(error = %e, "the shutdown checkpoint could not be sealed");
    }
    println!("onestamp stopped");
    Ok(())
}

/// `onestamp report themes`: each theme against applying item by item.
async fn report_themes(app: &App) -> anyhow::Result<()> {
    let views = app.theme_views().await?;
    if views.is_empty() {
        println!("目录中没有主题（一件事一次办）。先运行 onestamp demo 或导入目录。");
        return Ok(());
    }
    let pct = |before: u32, after: u32| {
        let s = onestamp_domain::theme::Comparison::saving(before, after);
        format!("{:.0}%", s * 100.0)
    };
    for v in &views {
        let c = &v.comparison;
        println!(
            "{} {}（{} 个事项）",
            v.theme.code,
            v.theme.name,
            v.items.len()
        );
        println!(
            "  {:<10} {:>8} {:>8} {:>6}",
            "", "逐项办理", "主题办理", "减少"
        );
        let rows = [
            ("申请材料", c.materials_separately, c.materials_theme),
            ("填报表单", c.forms_separately, c.forms_theme),
            ("填写字段", c.fields_separately, c.fields_theme),
            ("跑动次数", c.visits_separately, c.visits_theme),
            ("承诺时限(时)", c.hours_separately, c.hours_theme),
        ];
        for (label, before, after) in rows {
            println!(
                "  {label:<10} {before:>8} {after:>8} {:>6}",
                pct(before, after)
            );
        }
        for (n, wave) in v.plan.waves.iter().enumerate() {
            println!("  第{}批并联办理：{}", n + 1, wave.join("、"));
        }
        if let Some(l) = &v.theme.combined_licence {
            println!("  一企一证：{}（{}）", l.name, l.type_code);
        }
        let actual = app.theme_actuals(&v.theme.code).await?;
        if actual.finished > 0 {
            println!(
                "  实际用时（{} 件已办结）：主题办理平均 {:.1} 工作小时，各事项用时合计 {:.1} 工作小时，减少 {:.0}%",
                actual.finished,
                actual.theme_hours,
                actual.separately_hours,
                if actual.separately_hours > 0.0 {
                    (1.0 - actual.theme_hours / actual.separately_hours) * 100.0
                } else {
                    0.0
                }
            );
        } else {
            println!("  实际用时：尚无全部办结的主题申请");
        }
        println!();
    }
    println!("承诺时限按每个工作日 8 小时折算；主题办理取等待链最长的一条，其余事项并联。");
    Ok(())
}

/// Raises due alerts every `interval` seconds; errors are logged and retried.
async fn run_scheduler(app: App, interval: u64) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(interval));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match app.run_due_timers().await {
            Ok(raised) if !raised.is_empty() => {
                tracing::info!(count = raised.len(), "alerts raised")
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "scheduler run failed"),
        }
    }
}

/// The delivery workers of this process: the inbox, and one per channel, each
/// on its own task so that a slow or failing channel holds up no other.
fn spawn_deliveries(app: &App, cfg: &Config) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let every = std::time::Duration::from_millis(cfg.delivery_interval_ms);
    let email = onestamp_app::email::EmailChannel::new(app.settings())?;
    if !email.configured() {
        tracing::info!("no smtp_url: email deliveries are skipped");
    }
    let webhooks = onestamp_app::webhooks::WebhookChannel::new()
        .map_err(|e| anyhow::anyhow!("the webhook client could not be built: {e}"))?;
    let channels: Vec<Arc<dyn Channel>> = vec![Arc::new(email), Arc::new(webhooks)];
    let mut tasks = Vec::new();
    let inbox = app.clone();
    tasks.push(tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = inbox.deliver_inbox().await {
                tracing::error!(error = %e, channel = "inbox", "delivery run failed");
            }
        }
    }));
    for channel in channels {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                // A full batch means more may be due: go on at once.
                loop {
                    match app.deliver(channel.as_ref(), 50).await {
                        Ok(run) if run.claimed == 50 => continue,
                        Ok(_) => break,
                        Err(e) => {
                            tracing::error!(error = %e, channel = channel.name(), "delivery run failed");
                            break;
                        }
                    }
                }
            }
        }));
    }
    Ok(tasks)
}

/// Seals a checkpoint of the audit chain every `minutes`; errors are logged.
async fn run_checkpoints(app: App, minutes: u64) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(minutes * 60));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = app.seal_checkpoint().await {
            tracing::error!(error = %e, "audit checkpoint failed");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

fn calendar(cfg: &Config, c: CalendarCommand) -> anyhow::Result<()> {
    let cal = cfg.calendar()?;
    match c {
        CalendarCommand::Add { start, n, hours } => {
            let tz = cal.tz();
            let (local, date_only) = match NaiveDate::parse_from_str(&start, "%Y-%m-%d") {
                Ok(d) => (d.and_hms_opt(0, 0, 0).context("bad date")?, true),
                Err(_) => {
                    let dt = NaiveDateTime::parse_from_str(&start, "%Y-%m-%dT%H:%M")
                        .or_else(|_| NaiveDateTime::parse_from_str(&start, "%Y-%m-%d %H:%M"))
                        .with_context(|| format!("'{start}' is neither a date (2026-09-30) nor an instant (2026-09-30T16:30)"))?;
                    (dt, false)
                }
            };
            let start_utc = tz
                .from_local_datetime(&local)
                .earliest()
                .with_context(|| format!("'{start}' does not exist in {tz}"))?
                .with_timezone(&chrono::Utc);
            if !cal.covers(local.date().year_ce().1 as i32) {
                eprintln!(
                    "warning: no holiday data for {}; counting weekends only",
                    local.date().format("%Y")
                );
            }
            let due = if hours {
                cal.add_working_hours(start_utc, n)
            } else {
                cal.add_working_days(start_utc, n)
            };
            let due_local = due.with_timezone(&tz);
            if hours || !date_only {
                println!("{}", due_local.format("%Y-%m-%dT%H:%M"));
            } else {
                println!("{}", due_local.format("%Y-%m-%d"));
            }
            Ok(())
        }
        CalendarCommand::Show { year } => {
            if !cal.covers(year) {
                println!(
                    "{year}: no holiday data (weekends only); add a schedule under calendar.extra_years"
                );
                return Ok(());
            }
            println!("{year}  ({} working days)", cal.working_days_in(year));
            println!("holidays:");
            for h in cal.holidays_of(year) {
                println!(
                    "  {} – {}  {} ({} days)",
                    h.from(),
                    h.to(),
                    h.name(),
                    h.days()
                );
            }
            println!("adjusted working days (调休上班):");
            for d in cal.adjusted_working_days_of(year) {
                println!(
                    "  {} {}  for {}",
                    d.date(),
                    d.date().format("%a"),
                    d.for_holiday()
                );
            }
            Ok(())
        }
    }
}

use chrono::Datelike as _;
