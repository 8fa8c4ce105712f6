//! The bulk path and the searches built for large tables: by applicant identity,
//! by submission date range with keyset pages.

use std::sync::Arc;

use onestamp_app::Store;
use onestamp_app::store::{CaseQuery, ImportedCase, StoreError};
use onestamp_domain::case::CaseStatus;
use onestamp_domain::role::Role;

use super::{assert_unbroken, audit_log};
use crate::common::{DAY, at, case, fact, new_case, submitted, user};

/// `n` imported cases of `who`, one an hour from `at(0)`, numbered from `first_serial`.
fn imported(
    who: &onestamp_app::store::User,
    identity: &str,
    n: usize,
    first_serial: usize,
) -> Vec<ImportedCase> {
    (0..n)
        .map(|i| {
            let mut c = case(who, "ITEM-A", None, None);
            c.applicant.identity = identity.into();
            c.number = format!("{DAY}-{:06}", first_serial + i);
            c.submitted_at = at(60 * i as i64);
            c.updated_at = c.submitted_at;
            let events = vec![submitted(&c)];
            ImportedCase { case: c, events }
        })
        .collect()
}

pub async fn imported_cases_get_ids_in_order_events_and_one_audit_entry(store: Arc<dyn Store>) {
    let zhang = user(&store, "zhangsan", &[Role::Applicant]).await;
    let audit_before = audit_log(&store, 1000).await.len();
    let batch = imported(&zhang, "510107199003071236", 5, 1);
    let numbers: Vec<String> = batch.iter().map(|c| c.case.number.clone()).collect();
    let first = store
        .import_cases(batch, fact("case.import", "five"), Default::default())
        .await
        .unwrap();
    for (i, number) in numbers.iter().enumerate() {
        let id = first + i as i64;
        let stored = store.case(id).await.unwrap().expect("imported case");
        assert_eq!((&stored.number, stored.id), (number, id));
        assert_eq!(stored.status, CaseStatus::Intake);
        let events = store.case_events(id).await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].action, "submit");
    }
    let log = audit_log(&store, 1000).await;
    assert_eq!(log.len(), audit_before + 1, "one audit entry per batch");
    assert_eq!(log.last().unwrap().kind, "case.import");
    assert_unbroken(&log);

    // A new case of the same day continues after the imported serials.
    let next = store
        .create_case(new_case(case(&zhang, "ITEM-A", None, None), DAY))
        .await
        .unwrap();
    assert_eq!(next.number, format!("{DAY}-000006"));
    assert!(next.id > first + 4);
    let audit_now = audit_log(&store, 1000).await.len();

    // A number taken already refuses the whole batch.
    let again = imported(&zhang, "510107199003071236", 2, 6);
    match store
        .import_cases(again, fact("case.import", "dup"), Default::default())
        .await
    {
        Err(StoreError::Database(_) | StoreError::Duplicate(_)) => {}
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(audit_log(&store, 1000).await.len(), audit_now);
    assert!(store.case(first + 6).await.unwrap().is_none());
    match store
        .import_cases(Vec::new(), fact("case.import", "none"), Default::default())
        .await
    {
        Err(StoreError::Corrupt(_)) => {}
        other => panic!("expected an empty batch to be refused, got {other:?}"),
    }
}

pub async fn cases_are_found_by_identity_and_by_date_range_in_keyset_pages(store: Arc<dyn Store>) {
    let zhang = user(&store, "zhangsan", &[Role::Applicant]).await;
    let li = user(&store, "lisi", &[Role::Applicant]).await;
    let mut batch = imported(&zhang, "510107199003071236", 6, 1);
    batch.extend(imported(&li, "510107198511122242", 6, 7));
    // Li's cases are submitted in the same hours as Zhang's, interleaved by time
    // but not by id: ids follow the batch order.
    for (i, c) in batch.iter_mut().enumerate().skip(6) {
        c.case.submitted_at = at(60 * (i as i64 - 6) + 30);
    }
    let first = store
        .import_cases(batch, fact("case.import", "twelve"), Default::default())
        .await
        .unwrap();
    let ids = |list: Vec<onestamp_app::store::CaseSummary>| {
        list.iter().map(|s| s.id - first).collect::<Vec<_>>()
    };
    let q = |f: &dyn Fn(&mut CaseQuery)| {
        let mut q = CaseQuery {
            limit: 100,
            ..Default::default()
        };
        f(&mut q);
        q
    };
    let li_cases = store
        .cases(&q(&|q| q.identity = Some("510107198511122242".into())))
        .await
        .unwrap();
    assert_eq!(ids(li_cases), vec![11, 10, 9, 8, 7, 6]);
    let nobody = store
        .cases(&q(&|q| q.identity = Some("11010519491231002X".into())))
        .await
        .unwrap();
    assert!(nobody.is_empty());

    // From hour 1 to before hour 4: newest submission first, both applicants.
    let window = |q: &mut CaseQuery| {
        q.submitted_from = Some(at(60));
        q.submitted_to = Some(at(240));
    };
    let all = store.cases(&q(&window)).await.unwrap();
    let expected = vec![9, 3, 8, 2, 7, 1];
    assert_eq!(ids(all.clone()), expected);
    assert!(
        all.windows(2)
            .all(|w| w[0].submitted_at >= w[1].submitted_at)
    );
    // Pages of 4 then 2 through the same window, keyed on the last case seen.
    let page1 = store
        .cases(&q(&|q| {
            window(q);
            q.limit = 4;
        }))
        .await
        .unwrap();
    let last = page1.last().map(|s| s.id);
    let page2 = store
        .cases(&q(&|q| {
            window(q);
            q.limit = 4;
            q.before_id = last;
        }))
        .await
        .unwrap();
    let mut paged = ids(page1);
    paged.extend(ids(page2));
    assert_eq!(paged, expected);
    // Window and identity together.
    let zhang_window = store
        .cases(&q(&|q| {
            window(q);
            q.identity = Some("510107199003071236".into());
        }))
        .await
        .unwrap();
    assert_eq!(ids(zhang_window), vec![3, 2, 1]);
    let later = store
        .cases(&q(&|q| q.submitted_from = Some(at(60 * 24))))
        .await
        .unwrap();
    assert!(later.is_empty());
}
