//! The `onestamp` binary as an operator uses it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use std::path::Path;
use std::process::{Command, Output};

fn onestamp(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_onestamp"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("ONESTAMP_CONFIG")
        .env("ONESTAMP_LOG", "warn")
        .output()
        .expect("run onestamp")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn demo_is_idempotent_and_lists_the_users() {
    let dir = tempfile::tempdir().unwrap();
    let first = onestamp(dir.path(), &["demo"]);
    assert!(first.status.success(), "{}", text(&first));
    let out = text(&first);
    for user in [
        "admin",
        "clerk",
        "reviewer",
        "inspector",
        "approver",
        "officer",
        "supervisor",
        "regulator",
        "zhangsan",
        "lisi",
    ] {
        assert!(out.contains(user), "{user} missing: {out}");
    }
    assert!(out.contains("15 new"), "{out}");
    let second = onestamp(dir.path(), &["demo"]);
    assert!(
        text(&second).contains("0 new, 0 changed"),
        "{}",
        text(&second)
    );
}

#[test]
fn a_bad_catalogue_file_is_refused_whole_naming_file_entry_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    assert!(onestamp(dir.path(), &["demo"]).status.success());
    let export = dir.path().join("catalogue.yaml");
    let out = onestamp(dir.path(), &["export", export.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let good = std::fs::read_to_string(&export).unwrap();
    // A change to one item and a broken reference in another: nothing may land.
    let bad = good
        .replacen("name: 企业设立登记", "name: 企业设立登记（新）", 1)
        .replacen("department: wjj", "department: nowhere", 1);
    let bad_file = dir.path().join("bad.yaml");
    std::fs::write(&bad_file, bad).unwrap();
    let out = onestamp(dir.path(), &["import", bad_file.to_str().unwrap()]);
    assert!(!out.status.success());
    let msg = text(&out);
    assert!(
        msg.contains("bad.yaml")
            && msg.contains("nothing imported")
            && msg.contains("department 'nowhere' is not defined")
            && msg.contains("item 510107-WJJ-"),
        "{msg}"
    );
    let again = dir.path().join("again.json");
    onestamp(dir.path(), &["export", again.to_str().unwrap()]);
    assert!(
        std::fs::read_to_string(&again)
            .unwrap()
            .contains("\"企业设立登记\""),
        "unchanged"
    );
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"items\": [").unwrap();
    let out = onestamp(dir.path(), &["import", broken.to_str().unwrap()]);
    assert!(
        !out.status.success() && text(&out).contains("broken.json"),
        "{}",
        text(&out)
    );
    let out = onestamp(dir.path(), &["import", export.to_str().unwrap()]);
    assert!(
        out.status.success() && text(&out).contains("0 new items, 0 changed"),
        "{}",
        text(&out)
    );
}

#[test]
fn report_themes_prints_each_theme_against_its_items_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let empty = onestamp(dir.path(), &["report", "themes"]);
    assert!(empty.status.success(), "{}", text(&empty));
    assert!(text(&empty).contains("目录中没有主题"), "{}", text(&empty));
    assert!(onestamp(dir.path(), &["demo"]).status.success());
    let out = onestamp(dir.path(), &["report", "themes"]);
    let printed = text(&out);
    assert!(out.status.success(), "{printed}");
    for code in ["T-BOOKSHOP", "T-RESTAURANT", "T-BAR"] {
        assert!(printed.contains(code), "{printed}");
    }
    for row in [
        "申请材料",
        "填报表单",
        "跑动次数",
        "承诺时限",
        "第2批并联办理",
        "一企一证",
    ] {
        assert!(printed.contains(row), "{row}: {printed}");
    }
    // 我要开酒吧: four forms become one.
    let bar = printed.split("T-BAR").nth(1).unwrap_or_default();
    assert!(
        bar.contains("填报表单              4        1    75%"),
        "{bar}"
    );
}

#[test]
fn calendar_add_counts_working_days_and_hours_and_show_lists_a_year() {
    let dir = tempfile::tempdir().unwrap();
    let out = onestamp(dir.path(), &["calendar", "add", "2025-09-26", "3"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "2025-09-30",
        "across the adjusted Sunday 09-28"
    );
    let out = onestamp(dir.path(), &["calendar", "add", "2026-02-13", "5"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "2026-02-27",
        "across the Spring Festival"
    );
    let out = onestamp(
        dir.path(),
        &["calendar", "add", "2026-02-13T16:30", "3", "--hours"],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "2026-02-14T11:30",
        "into the adjusted working Saturday"
    );
    let out = onestamp(dir.path(), &["calendar", "show", "2026"]);
    let s = text(&out);
    assert!(
        s.contains("248 working days") && s.contains("春节") && s.contains("2026-10-10"),
        "{s}"
    );
    let out = onestamp(dir.path(), &["calendar", "add", "someday", "3"]);
    assert!(!out.status.success() && text(&out).contains("someday"));
}

#[test]
fn audit_verify_confirms_the_chain_then_names_a_tampered_record() {
    let dir = tempfile::tempdir().unwrap();
    assert!(onestamp(dir.path(), &["demo"]).status.success());
    let ok = onestamp(dir.path(), &["audit", "verify"]);
    assert!(
        ok.status.success() && text(&ok).contains("intact"),
        "{}",
        text(&ok)
    );
    let db = dir.path().join("onestamp.db");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let url = format!("sqlite://{}", db.display());
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
            .await
            .unwrap();
        sqlx::query("DROP TRIGGER audit_log_append_only_u")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("UPDATE audit_log SET subject = 'someone-else' WHERE seq = 5")
            .execute(&mut conn)
            .await
            .unwrap();
    });
    let bad = onestamp(dir.path(), &["audit", "verify"]);
    assert!(!bad.status.success());
    assert!(
        text(&bad).contains("第 5 条审计记录内容被改动"),
        "{}",
        text(&bad)
    );
}

#[test]
fn a_bad_setting_stops_the_start_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_onestamp"))
        .args(["--data-dir", dir.path().to_str().unwrap(), "migrate"])
        .env("ONESTAMP_DISTRICT_CODE", "51A107")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out).contains("district_code '51A107'"),
        "{}",
        text(&out)
    );
    let out = onestamp(dir.path(), &["serve", "--listen", "not-an-address"]);
    assert!(
        !out.status.success() && text(&out).contains("listen 'not-an-address'"),
        "{}",
        text(&out)
    );
}

#[test]
fn backup_writes_a_database_that_serves_as_the_store() {
    let dir = tempfile::tempdir().unwrap();
    assert!(onestamp(dir.path(), &["demo"]).status.success());
    let file = dir.path().join("copy.db");
    let out = onestamp(dir.path(), &["backup", file.to_str().unwrap()]);
    assert!(
        out.status.success() && text(&out).contains("backup written"),
        "{}",
        text(&out)
    );
    let again = onestamp(dir.path(), &["backup", file.to_str().unwrap()]);
    assert!(!again.status.success() && text(&again).contains("already exists"));
    let other = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", file.display());
    let out = onestamp(other.path(), &["--database-url", &url, "audit", "verify"]);
    assert!(
        out.status.success() && text(&out).contains("intact"),
        "{}",
        text(&out)
    );
}

/// Only `serve` and `seal init|rotate` create or register a seal key: the other
/// commands, run anywhere, leave no key behind and trust none. Every key
/// registered is audited, and a rotation keeps the old key beside.
#[test]
fn only_serve_and_seal_commands_create_or_register_a_seal_key() {
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("copy.db");
    let export = dir.path().join("catalogue.yaml");
    for args in [
        vec!["migrate"],
        vec!["demo"],
        vec!["export", export.to_str().unwrap()],
        vec!["backup", backup.to_str().unwrap()],
        vec!["audit", "verify"],
    ] {
        let out = onestamp(dir.path(), &args);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
    }
    let checkpoint = onestamp(dir.path(), &["audit", "checkpoint"]);
    assert!(
        !checkpoint.status.success() && text(&checkpoint).contains("seal init"),
        "a checkpoint needs a key and creates none: {}",
        text(&checkpoint)
    );
    assert!(!dir.path().join("seal").exists(), "no key was created");
    let keys = seal_key_rows(dir.path());
    assert!(keys.is_empty(), "no key was registered: {keys:?}");

    let init = onestamp(dir.path(), &["seal", "init"]);
    assert!(init.status.success(), "{}", text(&init));
    let key = dir.path().join("seal/bureau-sm2.pem");
    assert!(key.exists());
    let again = onestamp(dir.path(), &["seal", "init"]);
    assert!(!again.status.success());
    assert!(text(&again).contains("already exists"), "{}", text(&again));

    let rotate = onestamp(dir.path(), &["seal", "rotate"]);
    assert!(rotate.status.success(), "{}", text(&rotate));
    let retired: Vec<_> = std::fs::read_dir(dir.path().join("seal"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".retired"))
        .collect();
    assert_eq!(retired.len(), 1, "the old key is kept beside");
    let keys = seal_key_rows(dir.path());
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert_eq!(
        audited(dir.path(), "seal.key.register"),
        2,
        "each key audited once"
    );
    let sealed = onestamp(dir.path(), &["audit", "checkpoint"]);
    assert!(
        sealed.status.success() && text(&sealed).contains("checkpoint sealed"),
        "{}",
        text(&sealed)
    );
    let kept = dir.path().join("checkpoints.jsonl");
    let export = onestamp(dir.path(), &["audit", "export", kept.to_str().unwrap()]);
    assert!(export.status.success(), "{}", text(&export));
    assert_eq!(std::fs::read_to_string(&kept).unwrap().lines().count(), 1);
    let ok = onestamp(
        dir.path(),
        &["audit", "verify", "--checkpoints", kept.to_str().unwrap()],
    );
    assert!(
        ok.status.success() && text(&ok).contains("2 checkpoints"),
        "{}",
        text(&ok)
    );
}

fn query_strings(data: &Path, sql: &str) -> Vec<String> {
    let db = data.join("onestamp.db");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let url = format!("sqlite://{}", db.display());
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
            .await
            .unwrap();
        let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_all(&mut conn)
            .await
            .unwrap();
        rows.into_iter().map(|(s,)| s).collect()
    })
}

fn seal_key_rows(data: &Path) -> Vec<String> {
    query_strings(data, "SELECT key_id FROM seal_keys")
}

fn audited(data: &Path, kind: &str) -> usize {
    query_strings(
        data,
        &format!("SELECT subject FROM audit_log WHERE kind = '{kind}'"),
    )
    .len()
}

#[test]
fn the_monthly_report_is_a_sealed_pdf_and_the_analytics_rebuild_says_what_it_read() {
    let dir = tempfile::tempdir().unwrap();
    let demo = onestamp(dir.path(), &["demo"]);
    assert!(demo.status.success(), "{}", text(&demo));
    let rebuild = onestamp(dir.path(), &["analytics", "rebuild"]);
    assert!(rebuild.status.success(), "{}", text(&rebuild));
    assert!(
        text(&rebuild).contains("analytics rebuilt from 0 cases and 0 ratings"),
        "{}",
        text(&rebuild)
    );
    // Without a registered seal there is no report.
    let pdf = dir.path().join("report.pdf");
    let out = pdf.to_str().unwrap();
    let refused = onestamp(dir.path(), &["report", "month", "2026-03", "--out", out]);
    assert!(!refused.status.success(), "{}", text(&refused));
    let seal = onestamp(dir.path(), &["seal", "init"]);
    assert!(seal.status.success(), "{}", text(&seal));
    let bad = onestamp(dir.path(), &["report", "month", "2026-13", "--out", out]);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("月份"), "{}", text(&bad));
    let made = onestamp(
        dir.path(),
        &[
            "report",
            "month",
            "2026-03",
            "--department",
            "scjg",
            "--out",
            out,
        ],
    );
    assert!(made.status.success(), "{}", text(&made));
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let again = onestamp(dir.path(), &["report", "month", "2026-03", "--out", out]);
    assert!(!again.status.success(), "never overwrites");
    assert!(text(&again).contains("already exists"), "{}", text(&again));
}
