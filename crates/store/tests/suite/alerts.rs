//! Overdue alerts and late tasks.

use std::sync::Arc;

use onestamp_app::Store;
use onestamp_app::store::TaskKey;
use onestamp_domain::case::Stage;
use onestamp_domain::role::Role;

use super::moved_on;
use crate::common::{DAY, Raw, at, case, new_case, user};

pub async fn overdue_alerts_are_raised_exactly_once_even_when_calls_race(store: Arc<dyn Store>) {
    let applicant = user(&store, "alice", &[Role::Applicant]).await;
    let clerk = user(&store, "clerk", &[Role::Clerk]).await;
    let mut first = None;
    // Five tasks due by minute 30, two due at minute 600.
    for deadline in [10, 20, 30, 25, 15, 600, 600] {
        let c = case(&applicant, "ITEM-A", Some(clerk.id), Some(deadline));
        let created = store.create_case(new_case(c, DAY)).await.unwrap();
        first.get_or_insert(created);
    }

    let (a, b) = (store.clone(), store.clone());
    let one = tokio::spawn(async move { a.raise_due_alerts(at(60), 100).await });
    let two = tokio::spawn(async move { b.raise_due_alerts(at(60), 100).await });
    let one = one.await.unwrap().unwrap();
    let two = two.await.unwrap().unwrap();
    assert_eq!(
        one.len() + two.len(),
        5,
        "each due task is alerted exactly once"
    );
    assert!(one.iter().chain(&two).all(|a| a.kind == "task_overdue"));
    assert!(
        one.iter()
            .chain(&two)
            .all(|a| a.responsible == Some(clerk.id))
    );
    assert!(
        store
            .raise_due_alerts(at(60), 100)
            .await
            .unwrap()
            .is_empty()
    );

    // A commit starts a new task, whose own overdue alert is raised once again.
    let first = first.unwrap();
    store
        .commit_case(moved_on(&first, clerk.id, Some(clerk.id)))
        .await
        .unwrap();
    // Day 21: the two remaining tasks, the new review task (due day 5) and all
    // seven cases (due day 20).
    let late = store.raise_due_alerts(at(60 * 24 * 21), 100).await.unwrap();
    let tasks = late.iter().filter(|a| a.kind == "task_overdue").count();
    let cases = late.iter().filter(|a| a.kind == "case_overdue").count();
    assert_eq!((tasks, cases), (3, 7));
    assert!(
        store
            .raise_due_alerts(at(60 * 24 * 30), 100)
            .await
            .unwrap()
            .is_empty()
    );

    let listed = store.alerts(None, 100).await.unwrap();
    assert_eq!(listed.len(), 15);
    assert!(listed.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    let page = store.alerts(Some(listed[4].id), 3).await.unwrap();
    assert_eq!(
        page.iter().map(|a| a.id).collect::<Vec<_>>(),
        listed[5..8].iter().map(|a| a.id).collect::<Vec<_>>()
    );
}

pub async fn late_tasks_come_priority_first_then_earliest_deadline(store: Arc<dyn Store>) {
    let applicant = user(&store, "alice", &[Role::Applicant]).await;
    let clerk = user(&store, "clerk", &[Role::Clerk]).await;
    let mut numbers = Vec::new();
    // (warn at, deadline, priority)
    for (warn, deadline, priority) in [
        (10, 100, false),
        (20, 50, false),
        (30, 200, true),
        (500, 40, true),
    ] {
        let mut c = case(&applicant, "ITEM-A", Some(clerk.id), Some(deadline));
        c.priority = priority;
        if let Some(t) = c.task.as_mut() {
            t.warn_at = Some(at(warn));
        }
        numbers.push(store.create_case(new_case(c, DAY)).await.unwrap().number);
    }
    let late = store.late_tasks(at(60), None, 10).await.unwrap();
    let got: Vec<&str> = late.iter().map(|s| s.number.as_str()).collect();
    assert_eq!(got, [&numbers[2], &numbers[1], &numbers[0]]);
    assert_eq!(late[0].task_warn_at, Some(at(30)));
    assert_eq!(late[0].deadline, Some(at(60 * 24 * 20)));
    let page = store.late_tasks(at(60), None, 2).await.unwrap();
    assert_eq!(page.len(), 2);
    let rest = store
        .late_tasks(at(60), page.last().map(TaskKey::of), 2)
        .await
        .unwrap();
    let rest: Vec<&str> = rest.iter().map(|s| s.number.as_str()).collect();
    assert_eq!(rest, [&numbers[0]]);
    assert!(store.late_tasks(at(5), None, 10).await.unwrap().is_empty());
}

/// Rows written before migration 0002 gave tasks a start have none: the
/// scheduler still alerts them (it once failed on every tick on SQLite).
pub async fn tasks_without_a_recorded_start_are_still_alerted(store: Arc<dyn Store>, raw: Raw) {
    let applicant = user(&store, "alice", &[Role::Applicant]).await;
    let clerk = user(&store, "clerk", &[Role::Clerk]).await;
    for deadline in [10, 20] {
        let c = case(&applicant, "ITEM-A", Some(clerk.id), Some(deadline));
        store.create_case(new_case(c, DAY)).await.unwrap();
    }
    let cleared = raw
        .execute("UPDATE cases SET task_started_at = NULL")
        .await
        .unwrap();
    assert_eq!(cleared, 2);
    let raised = store.raise_due_alerts(at(60), 100).await.unwrap();
    assert_eq!(raised.len(), 2);
    assert!(raised.iter().all(|a| a.kind == "task_overdue"));
    assert!(
        store
            .raise_due_alerts(at(60), 100)
            .await
            .unwrap()
            .is_empty(),
        "and only once"
    );
}

pub async fn tasks_filter_by_item_stage_and_light(store: Arc<dyn Store>) {
    use onestamp_app::store::TaskFilter;
    use onestamp_domain::timing::Light;
    let applicant = user(&store, "zhangsan", &[Role::Applicant]).await;
    let clerk = user(&store, "clerk", &[Role::Clerk]).await;
    // (item, warn at, deadline): at minute 60 the first is red, the second
    // yellow, the third green, the fourth (no warning) green.
    let mut ids = Vec::new();
    for (item, warn, deadline) in [
        ("ITEM-A", Some(10), Some(50)),
        ("ITEM-B", Some(20), Some(100)),
        ("ITEM-A", Some(70), Some(200)),
        ("ITEM-B", None, None),
    ] {
        let mut c = case(&applicant, item, Some(clerk.id), deadline);
        if let Some(t) = c.task.as_mut() {
            t.warn_at = warn.map(at);
            t.deadline = deadline.map(at);
        }
        ids.push(store.create_case(new_case(c, DAY)).await.unwrap().id);
    }
    let pick = |f: TaskFilter| {
        let store = store.clone();
        async move {
            let list = store.tasks_of(clerk.id, &f, None, 10).await.unwrap();
            list.iter().map(|t| t.id).collect::<Vec<_>>()
        }
    };
    let light = |l| TaskFilter {
        light: Some((l, at(60))),
        ..TaskFilter::default()
    };
    assert_eq!(pick(light(Light::Red)).await, vec![ids[0]]);
    assert_eq!(pick(light(Light::Yellow)).await, vec![ids[1]]);
    assert_eq!(pick(light(Light::Green)).await, vec![ids[2], ids[3]]);
    let item_b = TaskFilter {
        item_code: Some("ITEM-B".into()),
        ..TaskFilter::default()
    };
    assert_eq!(pick(item_b.clone()).await, vec![ids[1], ids[3]]);
    let stage = |s| TaskFilter {
        stage: Some(s),
        ..item_b.clone()
    };
    assert_eq!(pick(stage(Stage::Intake)).await, vec![ids[1], ids[3]]);
    assert_eq!(pick(stage(Stage::Review)).await, Vec::<i64>::new());
}
