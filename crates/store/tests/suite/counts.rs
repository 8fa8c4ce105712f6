//! The counts behind the operator's gauges.

use std::sync::Arc;

use chrono::{Duration, NaiveDate};

use onestamp_app::Store;
use onestamp_app::store::{CaseChange, OpsCounts, StoredLicence};
use onestamp_domain::case::{CaseEvent, CaseStatus};
use onestamp_domain::licence::LicenceStatus;
use onestamp_domain::role::Role;

use super::moved_on;
use crate::common::{DAY, at, case, fact, new_case, user};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub async fn ops_counts_follow_cases_tasks_alerts_and_reminders(store: Arc<dyn Store>) {
    let horizon = day(2026, 5, 1);
    assert_eq!(
        store.ops_counts(at(0), horizon).await.unwrap(),
        OpsCounts::default(),
        "an empty store counts nothing"
    );
    let alice = user(&store, "alice", &[Role::Applicant]).await;
    let clerk = user(&store, "clerk", &[Role::Clerk]).await;
    let mut created = Vec::new();
    // Tasks due at minutes 10, 20 and 600, and a case without a task.
    for deadline in [Some(10), Some(20), Some(600), None] {
        let c = case(&alice, "ITEM-A", deadline.map(|_| clerk.id), deadline);
        created.push(store.create_case(new_case(c, DAY)).await.unwrap());
    }
    let counts = store.ops_counts(at(60), horizon).await.unwrap();
    assert_eq!(counts.cases_by_status, [(CaseStatus::Intake, 4)]);
    assert_eq!(
        counts.overdue_tasks, 2,
        "the tasks due at minutes 10 and 20"
    );
    assert!(counts.open_alerts.is_empty());

    assert_eq!(store.raise_due_alerts(at(60), 100).await.unwrap().len(), 2);
    let counts = store.ops_counts(at(60), horizon).await.unwrap();
    assert_eq!(counts.open_alerts, [("task_overdue".to_string(), 2)]);
    assert_eq!(counts.overdue_tasks, 2, "an alert does not end the task");

    // The case due at minute 10 is closed: its alert is no longer open.
    let first = &created[0];
    let mut done = first.clone();
    done.status = CaseStatus::Withdrawn;
    done.task = None;
    done.version += 1;
    done.updated_at = at(61);
    store
        .commit_case(CaseChange {
            event: CaseEvent {
                at: at(61),
                actor_id: alice.id,
                actor_role: Role::Applicant,
                action: "withdraw".into(),
                opinion: None,
                from_status: Some(first.status),
                to_status: CaseStatus::Withdrawn,
                version: first.version,
            },
            audit: vec![fact("case.withdraw", &first.number)],
            expected_version: first.version,
            case: done,
            licence: None,
            retire: None,
            documents: Vec::new(),
            alerts: Vec::new(),
            messages: Vec::new(),
            feed: Vec::new(),
            bundle: None,
            tally: Default::default(),
        })
        .await
        .unwrap();

    // The case due at minute 600 moves on with two licences: one ends before the
    // reminder horizon, one long after.
    let third = &created[2];
    let licence = |id: &str, valid_until: NaiveDate| StoredLicence {
        seq: 0,
        id: id.into(),
        type_code: "FOOD".into(),
        type_name: "食品经营许可证".into(),
        holder_user_id: alice.id,
        holder_name: alice.display_name.clone(),
        holder_is_person: true,
        case_id: third.id,
        item_code: third.item_code.clone(),
        supervising_department: None,
        issued_on: day(2026, 3, 2),
        valid_until: Some(valid_until),
        canonical: format!("{{\"id\":\"{id}\"}}"),
        signature: "30440220".into(),
        key_id: "key-1".into(),
        status: LicenceStatus::Valid,
    };
    let mut current = third.clone();
    for l in [
        licence("L-SOON", day(2026, 4, 1)),
        licence("L-LATER", day(2031, 3, 1)),
    ] {
        let mut change = moved_on(&current, clerk.id, None);
        change.licence = Some(l);
        store.commit_case(change).await.unwrap();
        current = store.case(third.id).await.unwrap().unwrap();
    }

    let counts = store.ops_counts(at(60), horizon).await.unwrap();
    let mut by_status = counts.cases_by_status.clone();
    by_status.sort_by_key(|(s, _)| s.as_str());
    assert_eq!(
        by_status,
        [
            (CaseStatus::Intake, 2),
            (CaseStatus::Review, 1),
            (CaseStatus::Withdrawn, 1),
        ]
    );
    assert_eq!(counts.overdue_tasks, 1, "only the task due at minute 20");
    assert_eq!(counts.open_alerts, [("task_overdue".to_string(), 1)]);
    assert_eq!(counts.reminders_pending, 1, "L-SOON awaits its reminder");
    assert_eq!(counts.notifications, 0);
    assert_eq!(
        store
            .ops_counts(at(60), horizon - Duration::days(31))
            .await
            .unwrap()
            .reminders_pending,
        0,
        "nothing is due before the horizon reaches it"
    );

    assert_eq!(
        store
            .remind_expiring(horizon, at(62), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store.deliver_inbox(at(62), 100).await.unwrap(),
        3,
        "the two alerts' messages to the person responsible, and the reminder"
    );
    let counts = store.ops_counts(at(62), horizon).await.unwrap();
    assert_eq!(counts.reminders_pending, 0);
    assert_eq!(counts.notifications, 3);
}
