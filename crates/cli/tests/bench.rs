//! `onestamp bench` through the built binary: a smoke test that each bench runs
//! to the end and prints its figures — never an assertion about the figures.

#![expect(
    clippy::expect_used,
    reason = "test helpers: a binary that cannot be run should stop the test at once"
)]

use std::process::{Command, Output};

fn onestamp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_onestamp"))
        .args(args)
        .env_remove("ONESTAMP_CONFIG")
        .env_remove("ONESTAMP_DATABASE_URL")
        .env("ONESTAMP_LOG", "warn")
        .output()
        .expect("run onestamp")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn both(o: &Output) -> String {
    format!("{}{}", stdout(o), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn the_lifecycle_bench_takes_every_case_to_issued_and_prints_its_figures() {
    let out = onestamp(&["bench", "lifecycle", "--cases", "20", "--clients", "4"]);
    assert!(out.status.success(), "{}", both(&out));
    let s = stdout(&out);
    assert!(
        s.contains("lifecycle sqlite: 20 cases in ")
            && s.contains("cases/s")
            && s.contains("req/s"),
        "{s}"
    );
    for (action, count) in [
        ("submit", 20),
        ("accept", 20),
        ("review", 20),
        ("approve", 20),
        ("produce", 20),
        ("issue", 20),
        ("all", 120),
        ("whole case", 20),
    ] {
        assert!(
            s.lines().any(|l| {
                let l = l.trim_start();
                l.starts_with(action)
                    && l[action.len()..]
                        .trim_start()
                        .starts_with(&format!("{count} "))
            }),
            "no row of {count} {action}: {s}"
        );
    }
    assert!(
        s.contains("p50") && s.contains("p99") && s.contains("max"),
        "{s}"
    );
    assert!(s.contains("VmHWM of the server process"), "{s}");
    assert!(s.contains("store: sqlite"), "{s}");
    assert!(s.contains("failed: 0"), "{s}");
}

#[test]
fn the_instant_bench_has_every_application_issued_and_prints_its_figures() {
    let out = onestamp(&["bench", "instant", "--cases", "20", "--clients", "4"]);
    assert!(out.status.success(), "{}", both(&out));
    let s = stdout(&out);
    assert!(
        s.contains("instant sqlite: 20 decisions in ")
            && s.contains("decisions/s")
            && s.contains("p50")
            && s.contains("p99")
            && s.contains("not issued: 0"),
        "{s}"
    );
    assert!(s.contains("VmHWM"), "{s}");
}

#[test]
fn a_postgresql_url_this_build_refuses_is_said_and_sqlite_goes_on() {
    let out = onestamp(&[
        "--database-url",
        "postgres://bench@127.0.0.1:1/none",
        "bench",
        "instant",
        "--cases",
        "3",
        "--clients",
        "2",
    ]);
    assert!(out.status.success(), "{}", both(&out));
    let s = stdout(&out);
    assert!(
        s.contains("instant sqlite: 3 decisions") && s.contains("postgresql"),
        "{s}"
    );
}

#[test]
fn arguments_out_of_range_are_refused_with_the_range() {
    let out = onestamp(&["bench", "lifecycle", "--cases", "0"]);
    assert!(!out.status.success());
    assert!(both(&out).contains("1..=10000000"), "{}", both(&out));
    let out = onestamp(&["bench", "instant", "--clients", "5000"]);
    assert!(!out.status.success());
    assert!(both(&out).contains("1..=1024"), "{}", both(&out));
    let out = onestamp(&["--database-url", "sqlite:///tmp/x.db", "bench", "instant"]);
    assert!(!out.status.success());
    assert!(
        both(&out).contains("fresh SQLite database"),
        "{}",
        both(&out)
    );
}

/// The admin URL of the test PostgreSQL server, when there is one. Under CI a
/// missing one fails the test instead of skipping PostgreSQL.
fn postgres_url() -> Option<String> {
    match std::env::var("ONESTAMP_TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").map_or(true, |v| v.is_empty()),
                "CI requires ONESTAMP_TEST_DATABASE_URL for the PostgreSQL bench"
            );
            println!("PostgreSQL not benched: ONESTAMP_TEST_DATABASE_URL not set");
            None
        }
    }
}

#[test]
fn the_search_bench_generates_its_data_set_and_times_every_query_on_both_backends() {
    let mut args = vec![];
    let url = postgres_url();
    if let Some(url) = &url {
        args.extend(["--database-url", url.as_str()]);
    }
    args.extend([
        "bench",
        "search",
        "--cases",
        "3000",
        "--queries",
        "10",
        "--applicants",
        "20",
    ]);
    let out = onestamp(&args);
    assert!(out.status.success(), "{}", both(&out));
    let s = stdout(&out);
    let mut backends = vec!["sqlite"];
    if url.is_some() {
        backends.push("postgresql");
    }
    for backend in backends {
        assert!(
            s.contains(&format!("search ({backend}): 3000 cases generated")),
            "{s}"
        );
        assert!(
            s.contains(&format!("store: {backend}")),
            "{backend} summary missing: {s}"
        );
    }
    for query in [
        "my tasks (staff)",
        "my cases (applicant)",
        "my cases, page 2 (applicant)",
        "by case number (staff)",
        "by applicant identity (supervisor)",
        "by item (staff)",
        "by status (staff)",
        "by item and status (staff)",
        "by date range, one week (staff)",
        "by item, deep page (staff)",
        "overdue and due soon (supervisor)",
    ] {
        let rows: Vec<&str> = s
            .lines()
            .filter(|l| l.trim_start().starts_with(query))
            .collect();
        assert!(!rows.is_empty(), "no row for {query}: {s}");
        for row in rows {
            // name, calls, p50, p99, max, rows returned on average
            let calls = row.trim_start()[query.len()..].split_whitespace().next();
            assert_eq!(calls, Some("10"), "{row}");
        }
    }
    // Lookups by number and identity find what the data set holds.
    let by_number = s
        .lines()
        .find(|l| l.trim_start().starts_with("by case number (staff)"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse::<f64>().ok());
    assert_eq!(by_number, Some(1.0), "{s}");
    assert!(s.contains("worst p99 of any query"), "{s}");
}
