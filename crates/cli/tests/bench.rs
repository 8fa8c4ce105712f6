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
    assert!(s.contains("VmHWM") && s.contains("in-process"), "{s}");
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
