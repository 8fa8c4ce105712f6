//! Structured logs of the real binary: with `ONESTAMP_LOG_FORMAT=json` every line
//! is a JSON object, and a case action carries the case number and the actor.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

mod common;

use serde_json::{Value, json};

use common::{Api, Server, text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_the_case_number_and_the_actor() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start_with_env(
        dir.path(),
        None,
        &[],
        true,
        &[("ONESTAMP_LOG_FORMAT", "json"), ("ONESTAMP_LOG", "info")],
    )
    .await;
    let api = Api::new(&server.base);
    let applicant = api.login("jinjiang_books").await;
    let clerk = api.login("clerk").await;
    let (status, case) = api
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": "510107-WGLT-001", "channel": "counter", "form": {
                "entity_name": "成都锦江书香文化有限公司", "credit_code": "91510107MA6C11110G",
                "legal_rep_name": "王书香", "mobile": "13800281234",
                "address": "成都市武侯区玉林街道玉林北路12号", "publication_scope": "图书",
                "area": 120.0}}),
        )
        .await
        .unwrap();
    assert!(status.is_success(), "{case}");
    let id = case["id"].as_i64().unwrap();
    let number = case["number"].as_str().unwrap().to_string();
    let (status, body) = api
        .post(
            &format!("/api/v1/cases/{id}/actions"),
            &clerk,
            json!({"action": "accept", "version": case["version"]}),
        )
        .await
        .unwrap();
    assert!(status.is_success(), "{body}");
    // Logs are written as they happen; give the last line a moment.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    server.kill();

    let log = server.log_text();
    let lines: Vec<Value> = log
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let action = lines
        .iter()
        .find(|l| l["fields"]["message"] == "case action")
        .unwrap_or_else(|| panic!("no case action logged: {log}"));
    let fields = &action["fields"];
    assert_eq!(fields["case_no"], number.as_str(), "{action}");
    assert_eq!(fields["action"], "accept");
    assert_eq!(fields["actor"], "clerk");
    assert_eq!(fields["actor_role"], "clerk");
    assert!(fields["actor_id"].as_i64().is_some(), "{action}");
    let span = &action["span"];
    assert_eq!(span["name"], "request", "{action}");
    assert_eq!(span["route"], "/api/v1/cases/{id}/actions", "{action}");
    assert_eq!(span["actor_id"], fields["actor_id"], "{action}");
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["message"] == "case submitted"
                && l["fields"]["case_no"] == number.as_str()
                && l["fields"]["actor"] == "jinjiang_books"),
        "{log}"
    );
}

#[test]
fn a_bad_log_format_stops_the_start_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = common::command(dir.path(), None);
    let out = cmd
        .env("ONESTAMP_LOG_FORMAT", "yaml")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("log_format"), "{}", text(&out));
}
