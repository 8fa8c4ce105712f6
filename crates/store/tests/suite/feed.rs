//! The supervision feed (审管分离): records written with their change, read by
//! department in keyset pages, claimed once however claims race, overdue
//! claims alerted once; supervision results recorded and handled once.

use std::sync::Arc;

use onestamp_app::Store;
use onestamp_app::store::{FeedQuery, NewFeedRecord, NewSupervisionResult};
use onestamp_domain::licence::LicenceStatus;
use onestamp_domain::role::Role;
use onestamp_domain::supervision_feed::{FeedKind, ResultKind};

use super::licences::licence;
use super::moved_on;
use crate::common::{DAY, at, case, fact, new_case, user};

fn record(
    department: &str,
    kind: FeedKind,
    c: &onestamp_domain::case::Case,
    due: i64,
) -> NewFeedRecord {
    NewFeedRecord {
        department: department.into(),
        kind,
        case_id: c.id,
        case_number: c.number.clone(),
        licence_id: None,
        summary: serde_json::json!({"item_name": "测试事项", "opinion": "同意"}),
        recorded_at: at(5),
        claim_warn: at(due - 10),
        claim_due: at(due),
    }
}

fn query(departments: Option<&[&str]>) -> FeedQuery {
    FeedQuery {
        departments: departments.map(|d| d.iter().map(|s| s.to_string()).collect()),
        limit: 100,
        ..FeedQuery::default()
    }
}

pub async fn feed_records_are_written_with_their_change_and_claimed_once(store: Arc<dyn Store>) {
    let applicant = user(&store, "alice", &[Role::Applicant]).await;
    let clerk = user(&store, "clerk", &[Role::Clerk]).await;
    let regulator = user(&store, "reg", &[Role::Regulator]).await;
    let mut cases = Vec::new();
    for _ in 0..3 {
        let c = case(&applicant, "ITEM-A", Some(clerk.id), None);
        cases.push(store.create_case(new_case(c, DAY)).await.unwrap());
    }
    // One record per change, in the change's transaction.
    for (c, dept) in cases.iter().zip(["D-MARKET", "D-HEALTH", "D-MARKET"]) {
        let mut change = moved_on(c, clerk.id, Some(clerk.id));
        change.feed = vec![record(dept, FeedKind::Approved, c, 600)];
        store.commit_case(change).await.unwrap();
    }
    // A stale change writes no record.
    let mut stale = moved_on(&cases[0], clerk.id, None);
    stale.feed = vec![record("D-MARKET", FeedKind::Denied, &cases[0], 600)];
    assert!(store.commit_case(stale).await.is_err());

    let all = store.feed(&query(None)).await.unwrap();
    assert_eq!(all.len(), 3);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id), "oldest first");
    let market = store.feed(&query(Some(&["D-MARKET"]))).await.unwrap();
    assert_eq!(market.len(), 2);
    assert!(market.iter().all(|r| r.department == "D-MARKET"));
    assert_eq!(market[0].kind, FeedKind::Approved);
    assert_eq!(market[0].summary["opinion"], "同意");
    assert_eq!(market[0].claim_due, at(600));
    assert!(
        store.feed(&query(Some(&[]))).await.unwrap().is_empty(),
        "no department, no records"
    );
    let after = FeedQuery {
        after: Some(market[0].id),
        ..query(Some(&["D-MARKET"]))
    };
    let page = store.feed(&after).await.unwrap();
    assert_eq!(
        page.iter().map(|r| r.id).collect::<Vec<_>>(),
        [market[1].id]
    );
    let newest = FeedQuery {
        newest_first: true,
        before: Some(all[2].id),
        ..query(None)
    };
    let page = store.feed(&newest).await.unwrap();
    assert_eq!(
        page.iter().map(|r| r.id).collect::<Vec<_>>(),
        [all[1].id, all[0].id]
    );

    // Two claims race: one wins.
    let id = market[0].id;
    let (a, b) = (store.clone(), store.clone());
    let one = tokio::spawn(async move {
        a.claim_record(id, regulator.id, at(30), fact("supervision.claim", "n"))
            .await
    });
    let rid = regulator.id;
    let two = tokio::spawn(async move {
        b.claim_record(id, rid, at(31), fact("supervision.claim", "n"))
            .await
    });
    let won = [one.await.unwrap().unwrap(), two.await.unwrap().unwrap()];
    assert_eq!(won.iter().filter(|w| **w).count(), 1, "{won:?}");
    let claimed = store.feed_record(id).await.unwrap().unwrap();
    assert_eq!(claimed.claimed_by, Some(regulator.id));
    assert!(claimed.claimed_at.is_some());
    assert_eq!(store.feed_record(-1).await.unwrap(), None);

    // A revocation writes its record in the licence's transaction.
    store
        .commit_case({
            let current = store.case(cases[0].id).await.unwrap().unwrap();
            let mut change = moved_on(&current, clerk.id, None);
            change.licence = Some(licence("L-F1", &applicant, &current, Some("D-MARKET")));
            change
        })
        .await
        .unwrap();
    let mut revoked = record("D-MARKET", FeedKind::Revoked, &cases[0], 600);
    revoked.licence_id = Some("L-F1".into());
    store
        .change_licence(
            "L-F1",
            &LicenceStatus::Revoked {
                reason: "违法经营".into(),
            },
            None,
            vec![fact("licence.revoke", "L-F1")],
            Vec::new(),
            vec![revoked],
        )
        .await
        .unwrap();
    let market = store.feed(&query(Some(&["D-MARKET"]))).await.unwrap();
    let last = market.last().unwrap();
    assert_eq!(
        (last.kind, last.licence_id.as_deref()),
        (FeedKind::Revoked, Some("L-F1"))
    );

    // Results: recorded, listed, handled once.
    let new = NewSupervisionResult {
        licence_id: "L-F1".into(),
        case_id: cases[0].id,
        department: "D-MARKET".into(),
        kind: ResultKind::Penalty,
        note: "罚款五千元".into(),
        by: regulator.id,
        at: at(40),
    };
    let r = store
        .record_result(new, fact("supervision.result", "L-F1"), Vec::new())
        .await
        .unwrap();
    assert_eq!(store.results_of("L-F1").await.unwrap(), vec![r.clone()]);
    assert!(store.results_of("L-NONE").await.unwrap().is_empty());
    let (a, b) = (store.clone(), store.clone());
    let rid = r.id;
    let one = tokio::spawn(async move {
        a.handle_result(rid, clerk.id, "已注销", at(50), fact("x", "L-F1"))
            .await
    });
    let two = tokio::spawn(async move {
        b.handle_result(rid, clerk.id, "已注销", at(51), fact("x", "L-F1"))
            .await
    });
    let won = [one.await.unwrap().unwrap(), two.await.unwrap().unwrap()];
    assert_eq!(won.iter().filter(|w| **w).count(), 1, "{won:?}");
    let handled = store.supervision_result(rid).await.unwrap().unwrap();
    assert_eq!(handled.handled_note.as_deref(), Some("已注销"));
    assert_eq!(handled.handled_by, Some(clerk.id));
}

pub async fn unclaimed_records_past_their_deadline_are_alerted_exactly_once(store: Arc<dyn Store>) {
    let applicant = user(&store, "alice", &[Role::Applicant]).await;
    let clerk = user(&store, "clerk", &[Role::Clerk]).await;
    let regulator = user(&store, "reg", &[Role::Regulator]).await;
    let _supervisor = user(&store, "boss", &[Role::Supervisor]).await;
    let mut ids = Vec::new();
    for due in [20, 30, 40, 9_000] {
        let c = case(&applicant, "ITEM-A", Some(clerk.id), None);
        let c = store.create_case(new_case(c, DAY)).await.unwrap();
        let mut change = moved_on(&c, clerk.id, None);
        change.feed = vec![record("D-MARKET", FeedKind::Approved, &c, due)];
        store.commit_case(change).await.unwrap();
        ids.push((c.id, c.number.clone()));
    }
    let feed = store.feed(&query(None)).await.unwrap();
    // The one due at minute 40 is claimed in time.
    assert!(
        store
            .claim_record(
                feed[2].id,
                regulator.id,
                at(35),
                fact("supervision.claim", "n")
            )
            .await
            .unwrap()
    );

    let (a, b) = (store.clone(), store.clone());
    let one = tokio::spawn(async move { a.raise_due_alerts(at(60), 100).await });
    let two = tokio::spawn(async move { b.raise_due_alerts(at(60), 100).await });
    let mut raised: Vec<_> = one.await.unwrap().unwrap();
    raised.extend(two.await.unwrap().unwrap());
    let claims: Vec<_> = raised
        .iter()
        .filter(|a| a.kind == "claim_overdue")
        .collect();
    assert_eq!(claims.len(), 2, "{claims:?}");
    let mut cases: Vec<i64> = claims.iter().map(|a| a.case_id).collect();
    cases.sort_unstable();
    assert_eq!(cases, [ids[0].0, ids[1].0], "the record's case");
    assert!(claims.iter().all(|a| a.responsible.is_none()));
    assert!(
        store
            .raise_due_alerts(at(60 * 24 * 30), 100)
            .await
            .unwrap()
            .iter()
            .filter(|a| a.kind == "claim_overdue")
            .map(|a| a.case_id)
            .eq([ids[3].0]),
        "the later one once its time comes, the others never again"
    );
    assert!(
        !store
            .raise_due_alerts(at(60 * 24 * 60), 100)
            .await
            .unwrap()
            .iter()
            .any(|a| a.kind == "claim_overdue")
    );
    // Each alert wrote its message to the supervisors.
    let messages = store.case_messages(ids[0].0).await.unwrap();
    assert!(
        messages
            .iter()
            .any(|m| m.event == "supervision.claim_overdue"),
        "{messages:?}"
    );
}
