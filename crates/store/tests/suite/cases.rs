//! Cases: numbers, round trips, commits and conflicts, lists and task lists.

use std::collections::BTreeSet;
use std::sync::Arc;

use onestamp_app::Store;
use onestamp_app::store::{CaseQuery, CaseSummary, StoreError, TaskKey};
use onestamp_domain::case::{Case, CaseStatus, Stage};
use onestamp_domain::role::Role;

use super::{assert_unbroken, audit_log, moved_on};
use crate::common::{self, DAY, at, case, fact, new_case, user};

pub async fn case_numbers_count_up_per_day_prefix(store: Arc<dyn Store>) {
    let applicant = user(&store, "zhangsan", &[Role::Applicant]).await;
    let mut numbers = Vec::new();
    let mut ids = Vec::new();
    for prefix in [DAY, DAY, "510107-20260303", DAY, "510108-20260302"] {
        let c = store
            .create_case(new_case(case(&applicant, "ITEM-A", None, None), prefix))
            .await
            .unwrap();
        numbers.push(c.number);
        ids.push(c.id);
    }
    assert_eq!(
        numbers,
        [
            "510107-20260302-000001",
            "510107-20260302-000002",
            "510107-20260303-000001",
            "510107-20260302-000003",
            "510108-20260302-000001",
        ]
    );
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids grow: {ids:?}");
}

pub async fn concurrent_submissions_get_distinct_numbers(store: Arc<dyn Store>) {
    let applicant = user(&store, "zhangsan", &[Role::Applicant]).await;
    let mut handles = Vec::new();
    for _ in 0..20 {
        let (store, applicant) = (store.clone(), applicant.clone());
        handles.push(tokio::spawn(async move {
            let c = case(&applicant, "ITEM-A", None, None);
            store.create_case(new_case(c, DAY)).await.unwrap().number
        }));
    }
    let mut numbers = BTreeSet::new();
    for h in handles {
        numbers.insert(h.await.unwrap());
    }
    let expected: BTreeSet<String> = (1..=20).map(|n| format!("{DAY}-{n:06}")).collect();
    assert_eq!(numbers, expected);
    assert_unbroken(&audit_log(&store, 1000).await);
}

pub async fn a_case_and_its_events_read_back_as_stored(store: Arc<dyn Store>) {
    let applicant = user(&store, "zhangsan", &[Role::Applicant]).await;
    let clerk = user(&store, "clerk", &[Role::Clerk]).await;
    let mut c = case(&applicant, "ITEM-A", Some(clerk.id), Some(90));
    c.priority = true;
    c.correction_return = Some(Stage::Review);
    c.handlers.insert(Stage::PreReview, clerk.id);
    let mut new = new_case(c.clone(), DAY);
    let mut second = common::submitted(&c);
    second.action = "accept".into();
    second.at = at(1);
    second.actor_id = 0;
    second.actor_role = Role::Clerk;
    second.opinion = Some("秒批：机器审查规则全部通过".into());
    second.from_status = Some(CaseStatus::Intake);
    second.to_status = CaseStatus::Review;
    second.version = 1;
    new.events.push(second);
    new.audit.push(fact("case.accept", ""));
    let events = new.events.clone();

    let stored = store.create_case(new).await.unwrap();
    assert!(stored.id > 0);
    assert_eq!(stored.number, format!("{DAY}-000001"));
    let expected = Case {
        id: stored.id,
        number: stored.number.clone(),
        ..c
    };
    assert_eq!(stored, expected, "the case as given, with id and number");
    assert_eq!(store.case(stored.id).await.unwrap(), Some(expected));
    assert_eq!(
        store.case_events(stored.id).await.unwrap(),
        events,
        "in order"
    );
    assert_eq!(store.case(stored.id + 1000).await.unwrap(), None);
    assert_eq!(store.case_events(stored.id + 1000).await.unwrap(), vec![]);

    let log = audit_log(&store, 100).await;
    let case_facts: Vec<(&str, &str)> = log[2..]
        .iter()
        .map(|e| (e.kind.as_str(), e.subject.as_str()))
        .collect();
    assert_eq!(
        case_facts,
        [
            ("case.submit", stored.number.as_str()),
            ("case.accept", stored.number.as_str())
        ],
        "audit facts of a new case are about its number"
    );
    assert_unbroken(&log);
}

pub async fn a_commit_updates_the_case_and_appends_its_event_and_audit(store: Arc<dyn Store>) {
    let applicant = user(&store, "zhangsan", &[Role::Applicant]).await;
    let clerk = user(&store, "clerk", &[Role::Clerk]).await;
    let reviewer = user(&store, "reviewer", &[Role::Reviewer]).await;
    let c = case(&applicant, "ITEM-A", Some(clerk.id), Some(60));
    let stored = store.create_case(new_case(c, DAY)).await.unwrap();
    let audit_before = audit_log(&store, 100).await.len();

    let change = moved_on(&stored, clerk.id, Some(reviewer.id));
    let (next, event) = (change.case.clone(), change.event.clone());
    store.commit_case(change).await.unwrap();

    assert_eq!(store.case(stored.id).await.unwrap(), Some(next.clone()));
    let events = store.case_events(stored.id).await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1], event);
    let log = audit_log(&store, 100).await;
    assert_eq!(log.len(), audit_before + 1);
    assert_eq!(log.last().unwrap().kind, "case.accept");
    assert_unbroken(&log);

    let listed = store
        .cases(&CaseQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    let line = &listed[0];
    assert_eq!(
        (line.status, line.updated_at),
        (CaseStatus::Review, next.updated_at)
    );
    assert_eq!(line.task_stage, Some(Stage::Review));
    assert_eq!(
        store
            .tasks_of(clerk.id, &Default::default(), None, 10)
            .await
            .unwrap(),
        vec![]
    );
    assert_eq!(
        store
            .tasks_of(reviewer.id, &Default::default(), None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

pub async fn a_stale_commit_conflicts_and_writes_nothing(store: Arc<dyn Store>) {
    let applicant = user(&store, "zhangsan", &[Role::Applicant]).await;
    let clerk = user(&store, "clerk", &[Role::Clerk]).await;
    let c = case(&applicant, "ITEM-A", Some(clerk.id), Some(60));
    let stored = store.create_case(new_case(c, DAY)).await.unwrap();
    store
        .commit_case(moved_on(&stored, clerk.id, None))
        .await
        .unwrap();
    let case_before = store.case(stored.id).await.unwrap();
    let events_before = store.case_events(stored.id).await.unwrap();
    let audit_before = audit_log(&store, 100).await;

    // Someone else acted first: this change was decided on version 1, now 2.
    let stale = moved_on(&stored, clerk.id, Some(clerk.id));
    match store.commit_case(stale).await {
        Err(StoreError::VersionConflict { given, current }) => {
            assert_eq!((given, current), (1, 2));
        }
        other => panic!("expected a version conflict, got {other:?}"),
    }
    assert_eq!(store.case(stored.id).await.unwrap(), case_before);
    assert_eq!(store.case_events(stored.id).await.unwrap(), events_before);
    assert_eq!(
        audit_log(&store, 100).await,
        audit_before,
        "no audit entry for a refused change"
    );

    // Committing again on the current version works, and the chain goes on.
    let current = case_before.unwrap();
    store
        .commit_case(moved_on(&current, clerk.id, None))
        .await
        .unwrap();
    assert_unbroken(&audit_log(&store, 100).await);
}

pub async fn case_lists_filter_and_page_newest_first(store: Arc<dyn Store>) {
    let zhang = user(&store, "zhangsan", &[Role::Applicant]).await;
    let li = user(&store, "lisi", &[Role::Applicant]).await;
    let clerk = user(&store, "clerk", &[Role::Clerk]).await;
    let mut all = Vec::new();
    for (i, who) in [&zhang, &li, &zhang, &zhang, &li, &zhang, &li]
        .into_iter()
        .enumerate()
    {
        let item = if i % 2 == 0 { "ITEM-A" } else { "ITEM-B" };
        all.push(
            store
                .create_case(new_case(case(who, item, Some(clerk.id), None), DAY))
                .await
                .unwrap(),
        );
    }
    // Two cases move on to review.
    for c in [&all[1], &all[4]] {
        store
            .commit_case(moved_on(c, clerk.id, None))
            .await
            .unwrap();
    }
    let ids = |list: &[CaseSummary]| list.iter().map(|s| s.id).collect::<Vec<_>>();
    let newest_first: Vec<i64> = all.iter().rev().map(|c| c.id).collect();

    let q = |f: &dyn Fn(&mut CaseQuery)| {
        let mut q = CaseQuery {
            limit: 100,
            ..Default::default()
        };
        f(&mut q);
        q
    };
    let everything = store.cases(&q(&|_| {})).await.unwrap();
    assert_eq!(ids(&everything), newest_first);
    let first = &everything[everything.len() - 1];
    assert_eq!(first.number, all[0].number);
    assert_eq!(first.item_code, "ITEM-A");
    assert_eq!(first.applicant_name, zhang.display_name);
    assert_eq!((first.status, first.priority), (CaseStatus::Intake, false));
    assert_eq!((first.submitted_at, first.updated_at), (at(0), at(0)));
    assert_eq!(
        (first.task_stage, first.task_deadline),
        (Some(Stage::Intake), None)
    );

    // Keyset pages of 3 cover the list once, in order.
    let mut paged = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .cases(&q(&|q| {
                q.limit = 3;
                q.before_id = before;
            }))
            .await
            .unwrap();
        assert!(page.len() <= 3);
        if page.is_empty() {
            break;
        }
        before = page.last().map(|s| s.id);
        paged.extend(ids(&page));
    }
    assert_eq!(paged, newest_first);

    let mine = store
        .cases(&q(&|q| q.applicant = Some(li.id)))
        .await
        .unwrap();
    assert_eq!(ids(&mine), vec![all[6].id, all[4].id, all[1].id]);
    let review = store
        .cases(&q(&|q| q.status = Some(CaseStatus::Review)))
        .await
        .unwrap();
    assert_eq!(ids(&review), vec![all[4].id, all[1].id]);
    let item_b = store
        .cases(&q(&|q| q.item_code = Some("ITEM-B".into())))
        .await
        .unwrap();
    assert_eq!(ids(&item_b), vec![all[5].id, all[3].id, all[1].id]);
    let number = all[3].number.clone();
    let by_number = store
        .cases(&q(&|q| q.number = Some(number.clone())))
        .await
        .unwrap();
    assert_eq!(ids(&by_number), vec![all[3].id]);
    let combined = store
        .cases(&q(&|q| {
            q.applicant = Some(zhang.id);
            q.item_code = Some("ITEM-A".into());
            q.status = Some(CaseStatus::Intake);
            q.before_id = Some(all[5].id);
        }))
        .await
        .unwrap();
    assert_eq!(ids(&combined), vec![all[2].id, all[0].id]);
    let none = store
        .cases(&q(&|q| q.status = Some(CaseStatus::Issued)))
        .await
        .unwrap();
    assert_eq!(none, vec![]);
}

pub async fn tasks_come_priority_first_then_earliest_deadline(store: Arc<dyn Store>) {
    let applicant = user(&store, "zhangsan", &[Role::Applicant]).await;
    let me = user(&store, "clerk", &[Role::Clerk]).await;
    let other = user(&store, "clerk_b", &[Role::Clerk]).await;
    // (priority, deadline in minutes): stored in this order.
    let plan = [
        (false, Some(300)),
        (false, None),
        (true, None),
        (false, Some(100)),
        (true, Some(500)),
        (false, None),
        (false, Some(200)),
    ];
    let mut ids = Vec::new();
    for (priority, deadline) in plan {
        let mut c = case(&applicant, "ITEM-A", Some(me.id), deadline);
        c.priority = priority;
        ids.push(store.create_case(new_case(c, DAY)).await.unwrap().id);
    }
    store
        .create_case(new_case(
            case(&applicant, "ITEM-A", Some(other.id), Some(1)),
            DAY,
        ))
        .await
        .unwrap();

    let tasks = store
        .tasks_of(me.id, &Default::default(), None, 100)
        .await
        .unwrap();
    let order: Vec<i64> = tasks.iter().map(|t| t.id).collect();
    assert_eq!(
        order,
        vec![ids[4], ids[2], ids[3], ids[6], ids[0], ids[1], ids[5]]
    );
    assert_eq!(tasks[0].task_deadline, Some(at(500)));
    assert!(tasks[0].priority);
    // Keyset pages of every size walk the same order once, across priorities,
    // deadlines and the open-ended tasks at the end.
    for size in 1..=4 {
        let mut paged = Vec::new();
        let mut after = None;
        loop {
            let page = store
                .tasks_of(me.id, &Default::default(), after, size)
                .await
                .unwrap();
            assert!(page.len() <= size as usize);
            let Some(last) = page.last() else { break };
            after = Some(TaskKey::of(last));
            paged.extend(page.iter().map(|t| t.id));
        }
        assert_eq!(paged, order, "pages of {size}");
    }
    assert_eq!(
        store
            .tasks_of(applicant.id, &Default::default(), None, 10)
            .await
            .unwrap(),
        vec![]
    );
}
