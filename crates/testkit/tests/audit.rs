//! `audit verify` against an insider who edits the database directly, past the
//! append-only triggers: each kind of tampering is found and named, and public
//! verification refuses a licence whose status disagrees with its history.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use onestamp_app::audit::{AuditReport, CheckpointProblem, Finding};
use onestamp_domain::audit::{ChainBreak, GENESIS, TrailFault, entry_hash};
use onestamp_testkit::fixtures::{SOLE_TRADER, sole_trader_form};
use onestamp_testkit::reqwest::{Method, StatusCode};
use onestamp_testkit::{TestApp, json};
use sqlx::{Connection, SqliteConnection};

/// A bureau that has issued one licence and sealed a checkpoint after it;
/// returns the app, the case number and the licence id.
async fn bureau_with_a_licence() -> (TestApp, String, String) {
    let t = TestApp::start().await;
    let (_, submitted, licence) = t
        .file_through(
            "zhangsan",
            json!({"item": SOLE_TRADER, "channel": "counter", "form": sole_trader_form()}),
            &[
                ("clerk", "accept"),
                ("approver", "approve"),
                ("officer", "produce"),
                ("officer", "issue"),
            ],
        )
        .await;
    let number = submitted["number"].as_str().unwrap().to_string();
    assert!(t.app.seal_checkpoint().await.unwrap().is_some());
    (t, number, licence.expect("licence id"))
}

async fn verify(t: &TestApp) -> AuditReport {
    t.app.verify_audit(&[], |_| {}).await.unwrap()
}

/// A direct connection to the embedded database, with the append-only
/// triggers dropped, as an insider with the file would have.
async fn insider(t: &TestApp) -> SqliteConnection {
    let url = format!("sqlite://{}", t.dir.path().join("onestamp.db").display());
    let mut conn = SqliteConnection::connect(&url).await.unwrap();
    for trigger in [
        "audit_log_append_only_u",
        "audit_log_append_only_d",
        "case_events_append_only_u",
        "case_events_append_only_d",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP TRIGGER {trigger}")))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    conn
}

async fn exec(conn: &mut SqliteConnection, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut *conn)
        .await
        .unwrap();
}

/// Recomputes every hash from `from` on, and the head, as someone who knows
/// the chain's scheme (but not the seal key) would after editing an entry.
async fn rehash_from(conn: &mut SqliteConnection, from: i64) {
    type Row = (i64, String, Option<i64>, String, String, String);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT seq, at, actor_id, kind, subject, detail FROM audit_log WHERE seq >= ? ORDER BY seq",
    )
    .bind(from)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let before: Option<(String,)> = sqlx::query_as("SELECT hash FROM audit_log WHERE seq = ?")
        .bind(from - 1)
        .fetch_optional(&mut *conn)
        .await
        .unwrap();
    let mut prev = before.map_or_else(|| GENESIS.to_string(), |(h,)| h);
    for (seq, at, actor, kind, subject, detail) in rows {
        let hash = entry_hash(&prev, seq, &at, actor, &kind, &subject, &detail);
        sqlx::query("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?")
            .bind(&prev)
            .bind(&hash)
            .bind(seq)
            .execute(&mut *conn)
            .await
            .unwrap();
        prev = hash;
    }
    sqlx::query("UPDATE audit_head SET seq = (SELECT max(seq) FROM audit_log), hash = ?")
        .bind(&prev)
        .execute(&mut *conn)
        .await
        .unwrap();
}

async fn last_seq(conn: &mut SqliteConnection) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT max(seq) FROM audit_log")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    n
}

#[tokio::test]
async fn an_untouched_bureau_verifies_whole() {
    let (t, _, _) = bureau_with_a_licence().await;
    let report = verify(&t).await;
    assert!(report.intact(), "{report:?}");
    assert!(report.cases >= 1 && report.licences >= 1 && report.checkpoints == 1);
}

#[tokio::test]
async fn entries_cut_from_the_end_are_found_by_the_head_and_the_checkpoint() {
    let (t, _, _) = bureau_with_a_licence().await;
    let mut db = insider(&t).await;
    let last = last_seq(&mut db).await;
    exec(
        &mut db,
        &format!("DELETE FROM audit_log WHERE seq > {}", last - 3),
    )
    .await;
    let report = verify(&t).await;
    assert!(
        report.findings.contains(&Finding::Head {
            stored_seq: last,
            chain_seq: last - 3
        }),
        "{report:?}"
    );
    // Rewriting the head row too leaves the sealed checkpoint beyond the chain.
    exec(
        &mut db,
        "UPDATE audit_head SET seq = (SELECT max(seq) FROM audit_log),
             hash = (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1)",
    )
    .await;
    let report = verify(&t).await;
    assert!(
        report.findings.contains(&Finding::Checkpoint {
            seq: last,
            problem: CheckpointProblem::BeyondChain
        }),
        "{report:?}"
    );
}

#[tokio::test]
async fn an_edited_entry_with_every_hash_recomputed_breaks_the_sealed_checkpoint() {
    let (t, number, _) = bureau_with_a_licence().await;
    let mut db = insider(&t).await;
    let (seq,): (i64,) =
        sqlx::query_as("SELECT seq FROM audit_log WHERE subject = ? AND kind = 'case.approve'")
            .bind(&number)
            .fetch_one(&mut db)
            .await
            .unwrap();
    exec(
        &mut db,
        &format!("UPDATE audit_log SET actor_id = 999 WHERE seq = {seq}"),
    )
    .await;
    let report = verify(&t).await;
    assert_eq!(
        report.findings,
        vec![Finding::Chain(ChainBreak::ContentAltered { seq })],
        "without rehashing, the chain itself breaks"
    );
    rehash_from(&mut db, seq).await;
    let report = verify(&t).await;
    assert!(
        report.findings.iter().any(|f| matches!(
            f,
            Finding::Checkpoint {
                problem: CheckpointProblem::HashDiffers,
                ..
            }
        )),
        "{report:?}"
    );
}

#[tokio::test]
async fn edited_and_inserted_events_and_a_changed_case_status_are_named() {
    let (t, number, _) = bureau_with_a_licence().await;
    let mut db = insider(&t).await;
    exec(
        &mut db,
        &format!(
            "UPDATE case_events SET opinion = '不同意' WHERE action = 'approve'
             AND case_id = (SELECT id FROM cases WHERE number = '{number}')"
        ),
    )
    .await;
    let report = verify(&t).await;
    assert!(
        matches!(
            report.findings.as_slice(),
            [Finding::Case { number: n, fault: TrailFault::Events { .. } }] if *n == number
        ),
        "{report:?}"
    );
    exec(
        &mut db,
        &format!(
            "UPDATE case_events SET opinion = '同意' WHERE action = 'approve'
             AND case_id = (SELECT id FROM cases WHERE number = '{number}')"
        ),
    )
    .await;
    assert!(verify(&t).await.intact(), "restored");
    exec(
        &mut db,
        &format!(
            "INSERT INTO case_events (case_id, seq, at, actor_id, actor_role, action, opinion,
                 from_status, to_status, version)
             SELECT id, 99, 0, 1, 'officer', 'issue', NULL, 'issued', 'issued', 9
             FROM cases WHERE number = '{number}'"
        ),
    )
    .await;
    let report = verify(&t).await;
    assert!(
        matches!(
            report.findings.as_slice(),
            [Finding::Case {
                fault: TrailFault::Events {
                    recorded: 5,
                    stored: 6
                },
                ..
            }]
        ),
        "{report:?}"
    );
    exec(&mut db, "DELETE FROM case_events WHERE seq = 99").await;
    exec(
        &mut db,
        &format!("UPDATE cases SET status = 'review' WHERE number = '{number}'"),
    )
    .await;
    let report = verify(&t).await;
    assert!(
        matches!(
            report.findings.as_slice(),
            [Finding::Case {
                fault: TrailFault::Status { .. },
                ..
            }]
        ),
        "{report:?}"
    );
}

#[tokio::test]
async fn a_revoked_licence_set_back_to_valid_is_refused_publicly_and_named() {
    let (t, _, licence) = bureau_with_a_licence().await;
    let officer = t.login("officer").await;
    let r = t
        .post(
            &format!("/api/v1/licences/{licence}/revoke"),
            &officer,
            json!({"reason": "以欺骗手段取得许可"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert!(verify(&t).await.intact());
    let mut db = insider(&t).await;
    exec(
        &mut db,
        &format!(
            "UPDATE licences SET status = 'valid', status_detail = '{{\"status\":\"valid\"}}'
             WHERE id = '{licence}'"
        ),
    )
    .await;
    let v = t
        .call(
            Method::GET,
            &format!("/api/v1/verify/{licence}"),
            None,
            None,
        )
        .await;
    assert_eq!(v.status, StatusCode::OK);
    assert_ne!(v.body["standing"], "valid", "{:?}", v.body);
    assert!(
        v.body["standing_label"]
            .as_str()
            .unwrap()
            .contains("审计记录不符"),
        "{:?}",
        v.body
    );
    let page = onestamp_testkit::reqwest::get(format!("{}/verify/{licence}", t.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("审计记录不符") && !page.contains(">有效<"),
        "{page}"
    );
    let report = verify(&t).await;
    assert!(
        matches!(
            report.findings.as_slice(),
            [Finding::Licence { id, fault: TrailFault::Status { .. } }] if *id == licence
        ),
        "{report:?}"
    );
}

#[tokio::test]
async fn checkpoints_kept_elsewhere_catch_a_rewrite_the_database_alone_hides() {
    let (t, _, _) = bureau_with_a_licence().await;
    let kept = t.app.audit_checkpoints().await.unwrap();
    assert_eq!(kept.len(), 1);
    let mut db = insider(&t).await;
    // An entry no row replays (a user saved) is rewritten, every hash after it
    // recomputed, and the stored checkpoints deleted.
    let (seq,): (i64,) = sqlx::query_as("SELECT min(seq) FROM audit_log WHERE kind = 'user.save'")
        .fetch_one(&mut db)
        .await
        .unwrap();
    exec(
        &mut db,
        &format!("UPDATE audit_log SET subject = 'someone-else' WHERE seq = {seq}"),
    )
    .await;
    rehash_from(&mut db, seq).await;
    exec(&mut db, "DELETE FROM audit_checkpoints").await;
    assert!(
        verify(&t).await.intact(),
        "what the database alone cannot show"
    );
    let report = t.app.verify_audit(&kept, |_| {}).await.unwrap();
    assert_eq!(
        report.findings,
        vec![Finding::Checkpoint {
            seq: kept[0].seq,
            problem: CheckpointProblem::HashDiffers
        }]
    );
    // A checkpoint whose signature was forged is named too.
    let mut forged = kept.clone();
    forged[0].hash = "00".repeat(32);
    let report = t.app.verify_audit(&forged, |_| {}).await.unwrap();
    assert_eq!(
        report.findings,
        vec![Finding::Checkpoint {
            seq: kept[0].seq,
            problem: CheckpointProblem::BadSignature
        }]
    );
}
