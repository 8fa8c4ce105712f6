//! The audit chain: unbroken after many and concurrent writes, append-only.

use std::collections::BTreeSet;
use std::sync::Arc;

use onestamp_app::Store;
use onestamp_app::store::StoreError;
use onestamp_domain::role::Role;

use super::{assert_unbroken, audit_log, demo_catalogue, moved_on};
use crate::common::{DAY, Raw, case, fact, new_case, user};

pub async fn the_audit_chain_verifies_after_many_writes(store: Arc<dyn Store>) {
    let clerk = user(&store, "clerk", &[Role::Clerk]).await;
    store
        .import_catalogue(&demo_catalogue(), fact("catalogue.import", "demo"))
        .await
        .unwrap();
    for i in 0..10 {
        let applicant = user(&store, &format!("applicant_{i}"), &[Role::Applicant]).await;
        let c = case(&applicant, "ITEM-A", Some(clerk.id), Some(i));
        let stored = store.create_case(new_case(c, DAY)).await.unwrap();
        store
            .commit_case(moved_on(&stored, clerk.id, Some(clerk.id)))
            .await
            .unwrap();
    }
    let log = audit_log(&store, 7).await;
    assert_eq!(log.len(), 2 + 10 * 3);
    assert_unbroken(&log);
    assert_eq!(
        log,
        audit_log(&store, 1000).await,
        "paging reads the same entries"
    );
    assert_eq!(
        store.audit_entries(log.len() as i64, 10).await.unwrap(),
        vec![]
    );
}

pub async fn concurrent_commits_keep_one_unbroken_chain(store: Arc<dyn Store>) {
    let applicant = user(&store, "zhangsan", &[Role::Applicant]).await;
    let clerk = user(&store, "clerk", &[Role::Clerk]).await;
    let mut cases = Vec::new();
    for _ in 0..20 {
        let c = case(&applicant, "ITEM-A", Some(clerk.id), Some(60));
        cases.push(store.create_case(new_case(c, DAY)).await.unwrap());
    }
    let mut handles = Vec::new();
    for c in &cases {
        let (store, change) = (store.clone(), moved_on(c, clerk.id, Some(clerk.id)));
        handles.push(tokio::spawn(async move { store.commit_case(change).await }));
    }
    for h in handles {
        h.await.unwrap().unwrap();
    }
    for c in &cases {
        assert_eq!(store.case(c.id).await.unwrap().unwrap().version, 2);
        assert_eq!(store.case_events(c.id).await.unwrap().len(), 2);
    }
    let log = audit_log(&store, 1000).await;
    assert_eq!(log.len(), 2 + 20 + 20);
    assert_unbroken(&log);
    let hashes: BTreeSet<&str> = log.iter().map(|e| e.prev_hash.as_str()).collect();
    assert_eq!(
        hashes.len(),
        log.len(),
        "no two entries link to the same previous hash"
    );
}

pub async fn the_audit_log_and_case_events_refuse_update_and_delete(
    store: Arc<dyn Store>,
    raw: Raw,
) {
    let applicant = user(&store, "zhangsan", &[Role::Applicant]).await;
    let stored = store
        .create_case(new_case(case(&applicant, "ITEM-A", None, None), DAY))
        .await
        .unwrap();
    let before = audit_log(&store, 100).await;
    assert_eq!(before.len(), 2);

    for sql in [
        "UPDATE audit_log SET detail = '{}' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 2",
        "DELETE FROM audit_log",
        "UPDATE case_events SET opinion = 'changed'",
        "DELETE FROM case_events",
    ] {
        let refused = raw.execute(sql).await;
        let err = refused.expect_err(sql);
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(audit_log(&store, 100).await, before);
    assert_eq!(store.case_events(stored.id).await.unwrap().len(), 1);
}

/// Many changes at once, every other one stale and one per case racing another:
/// each is stored whole or not at all, whatever it shared a commit with.
pub async fn concurrent_changes_that_fail_leave_no_trace_beside_those_that_succeed(
    store: Arc<dyn Store>,
) {
    let applicant = user(&store, "zhangsan", &[Role::Applicant]).await;
    let clerk = user(&store, "clerk", &[Role::Clerk]).await;
    let mut cases = Vec::new();
    for _ in 0..30 {
        let c = case(&applicant, "ITEM-A", Some(clerk.id), Some(60));
        cases.push(store.create_case(new_case(c, DAY)).await.unwrap());
    }
    let audit_before = audit_log(&store, 1000).await.len();
    let mut handles = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        // Two changes decided on the same version race; on every third case a
        // third, stale one (decided on a version that never was) joins them.
        for _ in 0..2 {
            let (store, change) = (store.clone(), moved_on(c, clerk.id, Some(clerk.id)));
            handles.push(tokio::spawn(async move { store.commit_case(change).await }));
        }
        if i % 3 == 0 {
            let mut stale = moved_on(c, clerk.id, None);
            stale.expected_version += 7;
            let store = store.clone();
            handles.push(tokio::spawn(async move { store.commit_case(stale).await }));
        }
    }
    let (mut won, mut lost) = (0, 0);
    for h in handles {
        match h.await.unwrap() {
            Ok(()) => won += 1,
            Err(StoreError::VersionConflict { .. }) => lost += 1,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(
        (won, lost),
        (30, 30 + 10),
        "exactly one change per case wins"
    );
    for c in &cases {
        assert_eq!(store.case(c.id).await.unwrap().unwrap().version, 2);
        assert_eq!(store.case_events(c.id).await.unwrap().len(), 2);
    }
    let log = audit_log(&store, 1000).await;
    assert_eq!(
        log.len(),
        audit_before + 30,
        "one audit entry per stored change"
    );
    assert_unbroken(&log);

    // Ten changes that each issue the same licence: the first stored wins; each
    // other fails on the licence after its case, event and audit entry were
    // written, and must leave none of them behind.
    let mut handles = Vec::new();
    for c in cases.iter().take(10) {
        let current = store.case(c.id).await.unwrap().unwrap();
        let mut change = moved_on(&current, clerk.id, None);
        change.licence = Some(super::licence("DUP-LICENCE", &applicant, &current, None));
        let store = store.clone();
        handles.push(tokio::spawn(async move { store.commit_case(change).await }));
    }
    let mut stored = 0;
    for h in handles {
        if h.await.unwrap().is_ok() {
            stored += 1;
        }
    }
    assert_eq!(stored, 1, "one licence, one change");
    let mut versions = Vec::new();
    for c in cases.iter().take(10) {
        let v = store.case(c.id).await.unwrap().unwrap().version;
        assert_eq!(store.case_events(c.id).await.unwrap().len() as i64, v);
        versions.push(v);
    }
    versions.sort_unstable();
    assert_eq!(versions, [2, 2, 2, 2, 2, 2, 2, 2, 2, 3]);
    let log = audit_log(&store, 1000).await;
    assert_eq!(log.len(), audit_before + 31);
    assert_unbroken(&log);
}
