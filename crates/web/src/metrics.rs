//! Prometheus metrics: `GET /metrics`.
//!
//! Every request is counted and timed by method, matched route template (never the
//! raw path, so ids do not multiply the series) and status. The gauges — cases by
//! status, overdue tasks, open alerts, the expiry-reminder backlog, inbox size —
//! are read from the store at scrape time, so they are the same on every node
//! that shares a database.
//!
//! The recorder is process-wide: it is installed once, on first use, and every
//! router built in the process (tests build many) renders from the same handle.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use onestamp_app::App;
use onestamp_domain::case::CaseStatus;

pub const REQUESTS: &str = "onestamp_http_requests_total";
pub const DURATION: &str = "onestamp_http_request_duration_seconds";

/// Latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Alert kinds always reported, at zero when there are none.
const ALERT_KINDS: [&str; 5] = [
    "task_overdue",
    "case_overdue",
    "public_report",
    onestamp_app::cases::LATE_CORRECTION,
    "claim_overdue",
];

/// The process's Prometheus handle, installing the recorder on first call.
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(install).clone()
}

fn install() -> PrometheusHandle {
    // The list is not empty, so this cannot fail; if it did, latencies would come
    // as a summary instead of a histogram.
    let builder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(DURATION.into()), &BUCKETS)
        .unwrap_or_else(|_| PrometheusBuilder::new());
    let recorder = builder.build_recorder();
    let handle = recorder.handle();
    if metrics::set_global_recorder(recorder).is_err() {
        tracing::warn!("another metrics recorder is installed: /metrics shows only its gauges");
    }
    describe();
    handle
}

fn describe() {
    metrics::describe_counter!(
        REQUESTS,
        "HTTP requests answered, by method, route and status"
    );
    metrics::describe_histogram!(
        DURATION,
        metrics::Unit::Seconds,
        "HTTP request latency, by method, route and status"
    );
    metrics::describe_gauge!(
        "onestamp_cases",
        "Cases by status (open statuses are the stages of the pipeline)"
    );
    metrics::describe_gauge!("onestamp_overdue_tasks", "Open tasks past their deadline");
    metrics::describe_gauge!(
        "onestamp_open_alerts",
        "Alerts whose case is not closed, by kind"
    );
    metrics::describe_gauge!(
        "onestamp_expiry_reminders_pending",
        "Licences due for an expiry reminder that has not been written yet (the scheduler's backlog)"
    );
    metrics::describe_gauge!("onestamp_notifications", "Messages in the in-app inboxes");
    metrics::describe_gauge!(
        "onestamp_outbox_backlog",
        "Deliveries waiting to go out (due now or retrying later), by channel"
    );
    metrics::describe_gauge!(
        "onestamp_deliveries_failed",
        "Deliveries given up (their retry schedule ran out, or refused for good), by channel"
    );
    metrics::describe_counter!(
        "onestamp_delivery_failures_total",
        "Failed delivery attempts by this process, by channel"
    );
    metrics::describe_gauge!(
        "onestamp_store_up",
        "1 when the last scrape could read the store, else 0"
    );
}

/// Counts and times every request (a layer over the routed router, so the matched
/// route template is known; unmatched paths are one `unmatched` series).
pub async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(req.method());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(req).await;
    let labels = [
        ("method", method.to_string()),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!(REQUESTS, &labels).increment(1);
    metrics::histogram!(DURATION, &labels).record(started.elapsed().as_secs_f64());
    response
}

/// The standard methods by name; anything else is `other` (the set stays bounded).
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// `GET /metrics`: the Prometheus text format. Aggregates only, no login: keep it
/// off the public side of the proxy.
pub async fn scrape(State(app): State<App>) -> Response {
    match app.ops_counts().await {
        Ok(counts) => {
            for status in CaseStatus::ALL {
                let n = counts
                    .cases_by_status
                    .iter()
                    .find(|(s, _)| *s == status)
                    .map_or(0, |(_, n)| *n);
                metrics::gauge!("onestamp_cases", "status" => status.as_str()).set(n as f64);
            }
            metrics::gauge!("onestamp_overdue_tasks").set(counts.overdue_tasks as f64);
            for kind in ALERT_KINDS {
                let n = counts
                    .open_alerts
                    .iter()
                    .find(|(k, _)| k == kind)
                    .map_or(0, |(_, n)| *n);
                metrics::gauge!("onestamp_open_alerts", "kind" => kind).set(n as f64);
            }
            for (kind, n) in &counts.open_alerts {
                if !ALERT_KINDS.contains(&kind.as_str()) {
                    metrics::gauge!("onestamp_open_alerts", "kind" => kind.clone()).set(*n as f64);
                }
            }
            metrics::gauge!("onestamp_expiry_reminders_pending")
                .set(counts.reminders_pending as f64);
            metrics::gauge!("onestamp_notifications").set(counts.notifications as f64);
            metrics::gauge!("onestamp_store_up").set(1.0);
        }
        Err(e) => {
            tracing::error!(error = %e, "metrics: cannot read the counts");
            metrics::gauge!("onestamp_store_up").set(0.0);
        }
    }
    match app.delivery_backlog().await {
        Ok(backlog) => {
            for b in backlog {
                metrics::gauge!("onestamp_outbox_backlog", "channel" => b.channel.clone())
                    .set(b.pending as f64);
                metrics::gauge!("onestamp_deliveries_failed", "channel" => b.channel)
                    .set(b.failed as f64);
            }
        }
        Err(e) => tracing::error!(error = %e, "metrics: cannot read the outbox backlog"),
    }
    for (channel, n) in app.delivery_failures() {
        metrics::counter!("onestamp_delivery_failures_total", "channel" => channel).absolute(n);
    }
    let handle = handle();
    handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        handle.render(),
    )
        .into_response()
}

/// Keeps the recorder's histograms drained between scrapes (it holds raw samples
/// until then); runs until the returned task is aborted.
pub fn spawn_upkeep() -> tokio::task::JoinHandle<()> {
    let handle = handle();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            handle.run_upkeep();
        }
    })
}
