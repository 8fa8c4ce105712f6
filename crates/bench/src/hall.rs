//! `onestamp bench hall`: N tickets taken at the hall (in this process, on the
//! server's store) and called over HTTP by clerks on W windows at once, each
//! call followed by a no-show; a display follows the real server's
//! `/hall/display/stream` meanwhile. Prints the calls per second and the
//! display's latency (from the call's instant to the event's arrival, p50,
//! p99, max), and checks that every ticket was called exactly once.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use hdrhistogram::Histogram;
use reqwest::{Client, StatusCode};

use onestamp_app::hall::{TicketRequest, WindowInput};
use onestamp_app::users::UserForm;
use onestamp_domain::hall::TicketSource;
use onestamp_domain::role::Role;

use crate::Server;

#[derive(Args, Debug, Clone, Copy)]
pub struct HallLoad {
    /// Tickets to take and call (1-100000).
    #[arg(long, value_name = "N", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub tickets: u64,
    /// Windows calling at once (1-100).
    #[arg(long, value_name = "W", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=100))]
    pub windows: u64,
}

fn fail(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

pub(crate) async fn run(server: &Server, load: HallLoad) -> anyhow::Result<()> {
    let app = &server.app;
    let (admin, _) = app.login("admin", "demo", None).await.map_err(fail)?;
    let admin = app.authenticate(&admin).await.map_err(fail)?;
    // Windows beyond the demo's five, serving every group, and a clerk on each.
    let mut windows: Vec<i64> = app
        .hall_windows(&admin)
        .await
        .map_err(fail)?
        .iter()
        .map(|w| w.window.id)
        .collect();
    let groups = ["A", "B", "C"];
    while windows.len() < load.windows as usize {
        let n = windows.len() + 1;
        let w = app
            .save_hall_window(
                &admin,
                WindowInput {
                    id: None,
                    number: format!("{n}"),
                    groups: groups.iter().map(|g| g.to_string()).collect(),
                    open: true,
                },
            )
            .await
            .map_err(fail)?;
        windows.push(w.id);
    }
    windows.truncate(load.windows as usize);
    let client = Client::new();
    let mut clerks = Vec::new();
    for (i, w) in windows.iter().enumerate() {
        let username = format!("hallclerk{i}");
        app.save_user(
            None,
            UserForm {
                username: username.clone(),
                display_name: format!("窗口{}受理员", i + 1),
                roles: vec![Role::Clerk],
                identity: String::new(),
                identity_kind: None,
                mobile: String::new(),
                password: "demo-hall-bench".into(),
            },
        )
        .await
        .map_err(fail)?;
        let (token, _) = app
            .login(&username, "demo-hall-bench", None)
            .await
            .map_err(fail)?;
        let r = client
            .post(format!("{}/api/v1/hall/windows/{w}/staff", server.base))
            .bearer_auth(&token)
            .send()
            .await?;
        if r.status() != StatusCode::OK {
            bail!("window {w}: {} {}", r.status(), r.text().await?);
        }
        clerks.push((*w, token));
    }
    // The tickets, waiting at once, spread over the groups.
    let took = Instant::now();
    for i in 0..load.tickets {
        let address = std::net::IpAddr::from([10, (i >> 16) as u8, (i >> 8) as u8, i as u8]);
        app.take_ticket(
            None,
            TicketSource::Hall,
            TicketRequest {
                group: Some(groups[(i % 3) as usize].into()),
                ..TicketRequest::default()
            },
            Some(address),
        )
        .await
        .map_err(fail)?;
    }
    let took = took.elapsed();

    // The display.
    let mut stream = client
        .get(format!("{}/hall/display/stream", server.base))
        .send()
        .await?;
    if stream.status() != StatusCode::OK {
        bail!("display stream: {}", stream.status());
    }
    let expected = load.tickets as usize;
    let display = tokio::spawn(async move {
        let mut latency = Histogram::<u64>::new(3).context("histogram")?;
        let mut labels = HashSet::new();
        let mut buffer = String::new();
        let mut seen = 0usize;
        while seen < expected {
            let chunk = tokio::time::timeout(Duration::from_secs(30), stream.chunk())
                .await
                .context("the display stream went quiet for 30 s")??;
            let Some(bytes) = chunk else {
                bail!("the display stream ended after {seen} calls");
            };
            let arrived = chrono::Utc::now();
            buffer.push_str(&String::from_utf8_lossy(&bytes));
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) else {
                    continue;
                };
                let call: serde_json::Value = serde_json::from_str(data)?;
                let at = call["at"]
                    .as_str()
                    .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
                    .context("a call without its instant")?;
                let ms = (arrived - at.with_timezone(&chrono::Utc)).num_milliseconds();
                latency.record(u64::try_from(ms.max(0)).unwrap_or(0))?;
                labels.insert(call["label"].as_str().unwrap_or("").to_string());
                seen += 1;
            }
        }
        anyhow::Ok((latency, labels))
    });
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Every window calls, marks a no-show, calls again, until nobody waits.
    let calling = Instant::now();
    let mut tasks = Vec::new();
    for (window, token) in clerks {
        let client = client.clone();
        let base = server.base.clone();
        tasks.push(tokio::spawn(async move {
            let mut called = Vec::new();
            loop {
                let r = client
                    .post(format!("{base}/api/v1/hall/windows/{window}/call"))
                    .bearer_auth(&token)
                    .send()
                    .await?;
                match r.status() {
                    StatusCode::OK => {}
                    StatusCode::NOT_FOUND => return anyhow::Ok(called),
                    s => bail!("window {window} call: {s} {}", r.text().await?),
                }
                let ticket: serde_json::Value = r.json().await?;
                let id = ticket["id"].as_i64().context("a ticket without id")?;
                called.push(id);
                let r = client
                    .post(format!("{base}/api/v1/tickets/{id}/no-show"))
                    .bearer_auth(&token)
                    .send()
                    .await?;
                if r.status() != StatusCode::OK {
                    bail!("ticket {id} no-show: {}", r.status());
                }
            }
        }));
    }
    let mut called = Vec::new();
    for t in tasks {
        called.extend(t.await??);
    }
    let calling = calling.elapsed();
    let (latency, labels) = display.await??;
    let distinct: HashSet<i64> = called.iter().copied().collect();
    println!(
        "hall ({}, {}): {} tickets taken in {:.1} s; called at {} windows in {:.1} s ({:.0} calls/s, each with a no-show)",
        server.backend,
        server.location,
        load.tickets,
        took.as_secs_f64(),
        load.windows,
        calling.as_secs_f64(),
        called.len() as f64 / calling.as_secs_f64().max(1e-9),
    );
    println!(
        "  each ticket called once: {} calls, {} distinct tickets, {} numbers on the display",
        called.len(),
        distinct.len(),
        labels.len()
    );
    println!(
        "  display stream latency (call to event): p50 {} ms, p99 {} ms, max {} ms",
        latency.value_at_quantile(0.5),
        latency.value_at_quantile(0.99),
        latency.max()
    );
    if called.len() != expected || distinct.len() != expected {
        bail!(
            "{} calls of {} distinct tickets, {expected} expected",
            called.len(),
            distinct.len()
        );
    }
    Ok(())
}
