//! The store conformance suite: one set of tests, each a function of an
//! `Arc<dyn Store>`, run against every backend (see `common` for how each is
//! set up). A behaviour the app relies on belongs here, not in one backend's
//! tests, so that SQLite and PostgreSQL cannot drift apart.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test steps and setup live outside #[test] functions; a failed step stops the test"
)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Duration;

use onestamp_app::Store;
use onestamp_app::catalogue::{Format, parse_catalogue};
use onestamp_app::store::{CaseChange, CaseQuery, StoreError};
use onestamp_domain::audit::{AuditEntry, GENESIS, verify_chain};
use onestamp_domain::case::{Case, CaseEvent, CaseStatus, Stage, Task};
use onestamp_domain::catalogue::Catalogue;
use onestamp_domain::role::Role;

use common::{DAY, Raw, at, case, fact, new_case, user};

/// Generates, for every test function, one `#[tokio::test]` per backend:
/// `sqlite::<name>` and `postgres::<name>`. Functions listed after `raw:` also
/// take direct SQL access to the database.
macro_rules! on_every_backend {
    ($($name:ident),* $(,)? ; raw: $($raw:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    crate::common::on_sqlite(|store, _| super::$name(store)).await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $raw() {
                    crate::common::on_sqlite(super::$raw).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    crate::common::on_postgres(|store, _| super::$name(store)).await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $raw() {
                    crate::common::on_postgres(super::$raw).await;
                }
            )*
        }
    };
}

on_every_backend!(
    users_are_upserted_by_name_with_their_roles,
    tokens_find_their_user_until_they_expire_or_are_revoked,
    staff_load_counts_the_open_tasks_of_active_staff_of_a_role,
    an_import_versions_only_the_items_that_changed,
    themes_keep_the_order_of_the_latest_import,
    case_numbers_count_up_per_day_prefix,
    concurrent_submissions_get_distinct_numbers,
    a_case_and_its_events_read_back_as_stored,
    a_commit_updates_the_case_and_appends_its_event_and_audit,
    a_stale_commit_conflicts_and_writes_nothing,
    case_lists_filter_and_page_newest_first,
    tasks_come_priority_first_then_earliest_deadline,
    the_audit_chain_verifies_after_many_writes,
    concurrent_commits_keep_one_unbroken_chain,
    ; raw:
    the_audit_log_and_case_events_refuse_update_and_delete,
);

/// Every audit entry, read in pages of `page` to exercise `after`.
async fn audit_log(store: &Arc<dyn Store>, page: u32) -> Vec<AuditEntry> {
    let mut all: Vec<AuditEntry> = Vec::new();
    loop {
        let after = all.last().map_or(0, |e| e.seq);
        let batch = store.audit_entries(after, page).await.unwrap();
        assert!(batch.len() <= page as usize, "a page holds at most `limit`");
        if batch.is_empty() {
            return all;
        }
        all.extend(batch);
    }
}

/// Asserts the chain verifies from genesis with seq 1, 2, 3 … and no gaps.
fn assert_unbroken(entries: &[AuditEntry]) {
    let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
    let expected: Vec<i64> = (1..=entries.len() as i64).collect();
    assert_eq!(
        seqs, expected,
        "audit seq must be 1..=n without gaps or duplicates"
    );
    let head = verify_chain(GENESIS, entries).unwrap();
    assert_eq!(
        head,
        entries
            .last()
            .map_or(GENESIS.to_string(), |e| e.hash.clone())
    );
}

fn demo_catalogue() -> Catalogue {
    parse_catalogue(onestamp_app::demo::CATALOGUE_YAML, Format::Yaml).unwrap()
}

/// The case moved on one stage by `actor`: what the app would commit.
fn moved_on(case: &Case, actor: i64, next_assignee: Option<i64>) -> CaseChange {
    let mut next = case.clone();
    next.status = CaseStatus::Review;
    next.version = case.version + 1;
    next.updated_at = case.updated_at + Duration::minutes(5);
    next.handlers.insert(Stage::Intake, actor);
    next.task = next_assignee.map(|assignee| Task {
        stage: Stage::Review,
        assignee,
        started_at: next.updated_at,
        deadline: Some(at(60 * 24 * 5)),
    });
    CaseChange {
        event: CaseEvent {
            at: next.updated_at,
            actor_id: actor,
            actor_role: Role::Clerk,
            action: "accept".into(),
            opinion: Some("材料齐全，予以受理".into()),
            from_status: Some(case.status),
            to_status: next.status,
            version: case.version,
        },
        audit: fact("case.accept", &case.number),
        expected_version: case.version,
        case: next,
    }
}

async fn users_are_upserted_by_name_with_their_roles(store: Arc<dyn Store>) {
    let first = user(
        &store,
        "wangmin",
        &[Role::Reviewer, Role::Clerk, Role::Clerk],
    )
    .await;
    assert_eq!(
        first.roles,
        vec![Role::Clerk, Role::Reviewer],
        "sorted, no duplicates"
    );
    assert!(first.active);
    assert_eq!(store.user(first.id).await.unwrap(), Some(first.clone()));

    let other = user(&store, "lisi", &[Role::Applicant]).await;
    assert_ne!(other.id, first.id);

    let again = store
        .upsert_user(
            onestamp_app::store::NewUser {
                username: "wangmin".into(),
                display_name: "王敏（审查）".into(),
                roles: vec![Role::Approver],
                identity: String::new(),
                password_hash: "new-hash".into(),
            },
            fact("user.update", "wangmin"),
        )
        .await
        .unwrap();
    assert_eq!(again.id, first.id, "the same user, updated");
    assert_eq!(
        again.roles,
        vec![Role::Approver],
        "roles replaced, not added"
    );
    assert_eq!(store.user(first.id).await.unwrap(), Some(again.clone()));

    let (found, hash) = store.user_credentials("wangmin").await.unwrap().unwrap();
    assert_eq!((found, hash.as_str()), (again.clone(), "new-hash"));
    assert_eq!(store.user_credentials("nobody").await.unwrap(), None);
    assert_eq!(store.user(9999).await.unwrap(), None);

    assert_eq!(store.users().await.unwrap(), vec![again, other]);
    assert_eq!(
        audit_log(&store, 100).await.len(),
        3,
        "one audit entry per upsert"
    );
}

async fn tokens_find_their_user_until_they_expire_or_are_revoked(store: Arc<dyn Store>) {
    let u = user(&store, "zhangsan", &[Role::Applicant]).await;
    let expires = at(60);
    store.create_token("h1", u.id, expires).await.unwrap();
    store.create_token("h2", u.id, expires).await.unwrap();

    let before = expires - Duration::milliseconds(1);
    assert_eq!(
        store.token_user("h1", before).await.unwrap(),
        Some(u.clone())
    );
    assert_eq!(
        store.token_user("h1", expires).await.unwrap(),
        None,
        "expired at its instant"
    );
    assert_eq!(store.token_user("unknown", before).await.unwrap(), None);

    store.revoke_token("h1").await.unwrap();
    assert_eq!(
        store.token_user("h1", before).await.unwrap(),
        None,
        "revoked"
    );
    assert_eq!(
        store.token_user("h2", before).await.unwrap(),
        Some(u),
        "others unaffected"
    );
    store.revoke_token("unknown").await.unwrap();
}

async fn staff_load_counts_the_open_tasks_of_active_staff_of_a_role(store: Arc<dyn Store>) {
    let a = user(&store, "clerk_a", &[Role::Clerk]).await;
    let b = user(&store, "clerk_b", &[Role::Clerk, Role::Reviewer]).await;
    let idle = user(&store, "clerk_idle", &[Role::Clerk]).await;
    let reviewer = user(&store, "reviewer", &[Role::Reviewer]).await;
    let applicant = user(&store, "zhangsan", &[Role::Applicant]).await;

    let mut opened = Vec::new();
    for clerk in [a.id, a.id, a.id, b.id] {
        let c = case(&applicant, "ITEM-A", Some(clerk), Some(60));
        opened.push(store.create_case(new_case(c, DAY)).await.unwrap());
    }
    // One of a's cases moves on to b as reviewer: a loses a task, b gains one.
    store
        .commit_case(moved_on(&opened[0], a.id, Some(b.id)))
        .await
        .unwrap();

    let mut clerks = store.staff_load(Role::Clerk).await.unwrap();
    clerks.sort();
    assert_eq!(clerks, vec![(a.id, 2), (b.id, 2), (idle.id, 0)]);
    let mut reviewers = store.staff_load(Role::Reviewer).await.unwrap();
    reviewers.sort();
    assert_eq!(reviewers, vec![(b.id, 2), (reviewer.id, 0)]);
    assert_eq!(store.staff_load(Role::Approver).await.unwrap(), vec![]);
}

async fn an_import_versions_only_the_items_that_changed(store: Arc<dyn Store>) {
    let cat = demo_catalogue();
    let n = cat.items.len();
    assert!(n >= 2, "the demo catalogue has several items");

    let first = store
        .import_catalogue(&cat, fact("catalogue.import", "demo"))
        .await
        .unwrap();
    assert_eq!(
        (
            first.departments,
            first.items_new,
            first.items_changed,
            first.items_unchanged
        ),
        (cat.departments.len(), n, 0, 0)
    );
    assert_eq!(first.themes, cat.themes.len());
    let items = store.items().await.unwrap();
    assert_eq!(items.len(), n);
    assert!(items.iter().all(|i| i.version == 1));
    let mut codes: Vec<&str> = cat.items.iter().map(|i| i.code.as_str()).collect();
    codes.sort();
    assert_eq!(
        items
            .iter()
            .map(|i| i.item.code.as_str())
            .collect::<Vec<_>>(),
        codes
    );
    let mut departments = cat.departments.clone();
    departments.sort_by(|x, y| x.code.cmp(&y.code));
    assert_eq!(store.departments().await.unwrap(), departments);

    let same = store
        .import_catalogue(&cat, fact("catalogue.import", "demo"))
        .await
        .unwrap();
    assert_eq!(
        (same.items_new, same.items_changed, same.items_unchanged),
        (0, 0, n)
    );
    assert_eq!(
        store.items().await.unwrap(),
        items,
        "an unchanged import changes nothing"
    );

    let mut changed = cat.clone();
    let code = changed.items[0].code.clone();
    changed.items[0].name = "改过名的事项".into();
    let third = store
        .import_catalogue(&changed, fact("catalogue.import", "v2"))
        .await
        .unwrap();
    assert_eq!(
        (third.items_new, third.items_changed, third.items_unchanged),
        (0, 1, n - 1)
    );

    let current = store.item(&code).await.unwrap().unwrap();
    assert_eq!(
        (current.version, current.item.name.as_str()),
        (2, "改过名的事项")
    );
    let old = store.item_version(&code, 1).await.unwrap().unwrap();
    assert_eq!(
        old.item, cat.items[0],
        "a case pinned to version 1 still reads it"
    );
    assert_eq!(store.item_version(&code, 2).await.unwrap(), Some(current));
    assert_eq!(store.item_version(&code, 3).await.unwrap(), None);
    assert_eq!(store.item("NO-SUCH-ITEM").await.unwrap(), None);
    let other = &cat.items[1];
    assert_eq!(store.item(&other.code).await.unwrap().unwrap().version, 1);

    let log = audit_log(&store, 100).await;
    assert_eq!(log.len(), 3, "one audit entry per import, changed or not");
    assert_unbroken(&log);
}

async fn themes_keep_the_order_of_the_latest_import(store: Arc<dyn Store>) {
    let cat = demo_catalogue();
    assert!(
        cat.themes.len() >= 2,
        "the demo catalogue has several themes"
    );
    store
        .import_catalogue(&cat, fact("catalogue.import", "demo"))
        .await
        .unwrap();
    assert_eq!(
        store.themes().await.unwrap(),
        cat.themes,
        "the catalogue's order, not by code"
    );

    let mut reordered = cat.clone();
    reordered.themes.reverse();
    reordered.themes[0].name = "改过名的主题".into();
    store
        .import_catalogue(&reordered, fact("catalogue.import", "demo"))
        .await
        .unwrap();
    assert_eq!(store.themes().await.unwrap(), reordered.themes);
}

async fn case_numbers_count_up_per_day_prefix(store: Arc<dyn Store>) {
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

async fn concurrent_submissions_get_distinct_numbers(store: Arc<dyn Store>) {
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

async fn a_case_and_its_events_read_back_as_stored(store: Arc<dyn Store>) {
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
    new.audit.push(fact("case.accept", "ignored"));
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

async fn a_commit_updates_the_case_and_appends_its_event_and_audit(store: Arc<dyn Store>) {
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
    assert_eq!(store.tasks_of(clerk.id, 10).await.unwrap(), vec![]);
    assert_eq!(store.tasks_of(reviewer.id, 10).await.unwrap().len(), 1);
}

async fn a_stale_commit_conflicts_and_writes_nothing(store: Arc<dyn Store>) {
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

async fn case_lists_filter_and_page_newest_first(store: Arc<dyn Store>) {
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
    let ids =
        |list: &[onestamp_app::store::CaseSummary]| list.iter().map(|s| s.id).collect::<Vec<_>>();
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

async fn tasks_come_priority_first_then_earliest_deadline(store: Arc<dyn Store>) {
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

    let tasks = store.tasks_of(me.id, 100).await.unwrap();
    let order: Vec<i64> = tasks.iter().map(|t| t.id).collect();
    assert_eq!(
        order,
        vec![ids[4], ids[2], ids[3], ids[6], ids[0], ids[1], ids[5]]
    );
    assert_eq!(tasks[0].task_deadline, Some(at(500)));
    assert!(tasks[0].priority);
    let first_three: Vec<i64> = store
        .tasks_of(me.id, 3)
        .await
        .unwrap()
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(first_three, order[..3]);
    assert_eq!(store.tasks_of(applicant.id, 10).await.unwrap(), vec![]);
}

async fn the_audit_chain_verifies_after_many_writes(store: Arc<dyn Store>) {
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

async fn concurrent_commits_keep_one_unbroken_chain(store: Arc<dyn Store>) {
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

async fn the_audit_log_and_case_events_refuse_update_and_delete(store: Arc<dyn Store>, raw: Raw) {
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

#[test]
fn both_backends_migrate_to_the_same_version() {
    let versions = |m: sqlx::migrate::Migrator| -> Vec<i64> {
        m.iter()
            .filter(|m| m.migration_type.is_up_migration())
            .map(|m| m.version)
            .collect()
    };
    let sqlite = versions(sqlx::migrate!("./migrations/sqlite"));
    let postgres = versions(sqlx::migrate!("./migrations/postgres"));
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "every migration needs its twin in the other backend's directory, with the same version"
    );
}
